// Image grids: digits drawn as white strokes on black tiles (the way MNIST stores them, value 1 =
// white), upscaled by a whole number so each source pixel becomes a sharp square, separated by
// thin white gutters. Written as 8-bit greyscale PNG with pngjs.
import { PNG } from 'pngjs';

/** White space between tiles and around the grid, in output pixels. */
export const GUTTER = 2;
/** White space between groups of rows (a reconstruction pair, an interpolation pair). */
export const GROUP_GAP = 8;
/** Tiles aim for this many pixels along the image's longer side (a 28-px digit becomes 84 px). */
export const TARGET_TILE = 72;
/** Grids wider than this get a smaller upscale factor (never below 1). */
export const MAX_GRID_WIDTH = 1400;

const GUTTER_VALUE = 255;

export interface GridLayout {
  /** Whole-number upscale factor applied to every source pixel. */
  scale: number;
  tileWidth: number;
  tileHeight: number;
  cols: number;
  rows: number;
  /** Rows come in groups of this many; groups are separated by GROUP_GAP instead of GUTTER. */
  groupSize: number;
  width: number;
  height: number;
}

/** Upscale factor for images of height×width laid out `cols` wide. */
export function digitScale(height: number, width: number, cols: number): number {
  let scale = Math.max(1, Math.round(TARGET_TILE / Math.max(height, width)));
  while (scale > 1 && cols * width * scale + (cols + 1) * GUTTER > MAX_GRID_WIDTH) scale--;
  return scale;
}

/**
 * width  = cols·tileWidth + (cols+1)·GUTTER
 * height = rows·tileHeight + (rows+1)·GUTTER + (groups−1)·(GROUP_GAP−GUTTER)
 */
export function gridLayout(imageHeight: number, imageWidth: number, cols: number, rows: number, groupSize = rows): GridLayout {
  if (!(cols >= 1 && rows >= 1)) throw new Error(`an image grid needs at least one row and column (got ${rows}×${cols})`);
  const scale = digitScale(imageHeight, imageWidth, cols);
  const tileWidth = imageWidth * scale;
  const tileHeight = imageHeight * scale;
  const group = Math.max(1, Math.min(groupSize, rows));
  const groups = Math.ceil(rows / group);
  return {
    scale,
    tileWidth,
    tileHeight,
    cols,
    rows,
    groupSize: group,
    width: cols * tileWidth + (cols + 1) * GUTTER,
    height: rows * tileHeight + (rows + 1) * GUTTER + (groups - 1) * (GROUP_GAP - GUTTER),
  };
}

export function tileLeft(layout: GridLayout, col: number): number {
  return GUTTER + col * (layout.tileWidth + GUTTER);
}

export function tileTop(layout: GridLayout, row: number): number {
  return GUTTER + row * (layout.tileHeight + GUTTER) + Math.floor(row / layout.groupSize) * (GROUP_GAP - GUTTER);
}

/** Maps an intensity to a byte: clamped to [0, 1]; NaN (a diverged model) shows as black. */
function toByte(v: number): number {
  if (!(v > 0)) return 0;
  if (v >= 1) return 255;
  return Math.round(v * 255);
}

/**
 * Draws a grid into greyscale pixels (one byte per pixel, row-major). `tile(row, col)` returns the
 * image for that cell (exactly imageHeight·imageWidth values) or null to leave the cell blank.
 */
export function drawGrid(
  layout: GridLayout,
  imageHeight: number,
  imageWidth: number,
  tile: (row: number, col: number) => Float32Array | null,
): Uint8Array {
  const { width, scale } = layout;
  const pixels = new Uint8Array(width * layout.height).fill(GUTTER_VALUE);
  const dim = imageHeight * imageWidth;
  for (let r = 0; r < layout.rows; r++) {
    const top = tileTop(layout, r);
    for (let c = 0; c < layout.cols; c++) {
      const image = tile(r, c);
      if (!image) continue;
      if (image.length !== dim) throw new Error(`image grid tile (${r}, ${c}) has ${image.length} values, expected ${imageHeight}×${imageWidth} = ${dim}`);
      const left = tileLeft(layout, c);
      for (let y = 0; y < imageHeight; y++) {
        for (let x = 0; x < imageWidth; x++) {
          const value = toByte(image[y * imageWidth + x]!);
          for (let dy = 0; dy < scale; dy++) {
            const start = (top + y * scale + dy) * width + left + x * scale;
            pixels.fill(value, start, start + scale);
          }
        }
      }
    }
  }
  return pixels;
}

/** Encodes one-byte-per-pixel greyscale as an 8-bit greyscale PNG. */
export function encodeGreyPng(width: number, height: number, pixels: Uint8Array): Buffer {
  if (pixels.length !== width * height) throw new Error(`greyscale buffer has ${pixels.length} bytes, expected ${width}×${height}`);
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth: 8 });
  png.data = Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8 });
}

/** Image i of a row-major batch, as a view (no copy). */
export function imageAt(batch: Float32Array, index: number, dim: number): Float32Array {
  return batch.subarray(index * dim, (index + 1) * dim);
}

/** Near-square arrangement for n images: cols = ⌈√n⌉, rows = ⌈n / cols⌉. */
export function squareShape(count: number): { cols: number; rows: number } {
  const cols = Math.max(1, Math.ceil(Math.sqrt(count)));
  return { cols, rows: Math.max(1, Math.ceil(count / cols)) };
}
