// The pictures of one run, from the plain PictureData that evaluate computes.
import type { EpochRecord, PictureData } from '../shared/types.ts';
import { latentScatterSpec, lossChartSpec, renderVegaLite } from './charts.ts';
import { drawGrid, encodeGreyPng, gridLayout, imageAt, squareShape, tileLeft, tileTop, type GridLayout } from './grid.ts';
import { classShareChartSpec } from './quality-charts.ts';
import { FONT_FAMILY, svgToPng } from './raster.ts';
import { escapeXml } from './escape.ts';

export interface RenderedFile {
  /** File name inside the run folder, e.g. 'latent.png'. */
  name: string;
  data: Buffer | string;
}

/** At most this many digits per row of reconstructions.png; more wrap into further row pairs. */
export const RECONSTRUCTION_COLUMNS = 10;
/** interpolation.png: width of the label column left of the grid, and height of the α header. */
export const INTERPOLATION_LABEL_WIDTH = 76;
export const INTERPOLATION_HEADER_HEIGHT = 22;

/**
 * Draws every picture PictureData has parts for: reconstructions.png, latent.png + latent.svg,
 * manifold.png, interpolation.png, samples.png, classes.png + classes.svg (the samples' class
 * histogram), and loss.png + loss.svg when history has epochs
 * (null or empty for pca). A part missing from PictureData produces no file.
 */
export async function renderRunPictures(pictures: PictureData, history: EpochRecord[] | null): Promise<RenderedFile[]> {
  const { height, width } = pictures;
  if (!(Number.isInteger(height) && Number.isInteger(width) && height > 0 && width > 0)) {
    throw new Error(`PictureData has an invalid image size ${height}×${width}`);
  }
  const files: RenderedFile[] = [];
  if (pictures.reconstructions && pictures.reconstructions.count > 0) {
    files.push({ name: 'reconstructions.png', data: reconstructionsPng(pictures.reconstructions, height, width) });
  }
  if (pictures.latent) {
    const spec = latentScatterSpec(pictures.latent);
    if (spec) {
      const chart = await renderVegaLite(spec);
      files.push({ name: 'latent.png', data: chart.png }, { name: 'latent.svg', data: chart.svg });
    }
  }
  if (pictures.manifold && pictures.manifold.side > 0) {
    files.push({ name: 'manifold.png', data: manifoldPng(pictures.manifold, height, width) });
  }
  if (pictures.interpolation && pictures.interpolation.pixel.length > 0 && pictures.interpolation.steps > 0) {
    files.push({ name: 'interpolation.png', data: interpolationPng(pictures.interpolation, height, width) });
  }
  if (pictures.samples && pictures.samples.count > 0) {
    files.push({ name: 'samples.png', data: samplesPng(pictures.samples, height, width) });
  }
  if (pictures.classShares) {
    const spec = classShareChartSpec(pictures.classShares);
    if (spec) {
      const chart = await renderVegaLite(spec);
      files.push({ name: 'classes.png', data: chart.png }, { name: 'classes.svg', data: chart.svg });
    }
  }
  if (history && history.length > 0) {
    const spec = lossChartSpec(history);
    if (spec) {
      const chart = await renderVegaLite(spec);
      files.push({ name: 'loss.png', data: chart.png }, { name: 'loss.svg', data: chart.svg });
    }
  }
  return files;
}

function requireLength(what: string, array: Float32Array, count: number, dim: number): void {
  if (array.length < count * dim) {
    throw new Error(`PictureData.${what} has ${array.length} values, expected ${count} images of ${dim} pixels`);
  }
}

/** Layout of reconstructions.png: row pairs (originals, reconstructions) of up to RECONSTRUCTION_COLUMNS. */
export function reconstructionsLayout(count: number, height: number, width: number): GridLayout {
  const cols = Math.min(count, RECONSTRUCTION_COLUMNS);
  const pairs = Math.ceil(count / cols);
  return gridLayout(height, width, cols, 2 * pairs, 2);
}

export function reconstructionsPng(part: NonNullable<PictureData['reconstructions']>, height: number, width: number): Buffer {
  const dim = height * width;
  requireLength('reconstructions.originals', part.originals, part.count, dim);
  requireLength('reconstructions.reconstructed', part.reconstructed, part.count, dim);
  const layout = reconstructionsLayout(part.count, height, width);
  const pixels = drawGrid(layout, height, width, (row, col) => {
    const index = Math.floor(row / 2) * layout.cols + col;
    if (index >= part.count) return null;
    return imageAt(row % 2 === 0 ? part.originals : part.reconstructed, index, dim);
  });
  return encodeGreyPng(layout.width, layout.height, pixels);
}

export function manifoldLayout(side: number, height: number, width: number): GridLayout {
  return gridLayout(height, width, side, side);
}

export function manifoldPng(part: NonNullable<PictureData['manifold']>, height: number, width: number): Buffer {
  const dim = height * width;
  requireLength('manifold.images', part.images, part.side * part.side, dim);
  const layout = manifoldLayout(part.side, height, width);
  const pixels = drawGrid(layout, height, width, (row, col) => imageAt(part.images, row * part.side + col, dim));
  return encodeGreyPng(layout.width, layout.height, pixels);
}

export function samplesLayout(count: number, height: number, width: number): GridLayout {
  const { cols, rows } = squareShape(count);
  return gridLayout(height, width, cols, rows);
}

export function samplesPng(part: NonNullable<PictureData['samples']>, height: number, width: number): Buffer {
  const dim = height * width;
  requireLength('samples.images', part.images, part.count, dim);
  const layout = samplesLayout(part.count, height, width);
  const pixels = drawGrid(layout, height, width, (row, col) => {
    const index = row * layout.cols + col;
    return index < part.count ? imageAt(part.images, index, dim) : null;
  });
  const png = encodeGreyPng(layout.width, layout.height, pixels);
  return part.predicted ? labelTiles(png, layout, part.count, part.predicted) : png;
}

/** Label colours: a class among the run's digits, and one outside them (a sample that left the data). */
export const SAMPLE_LABEL_IN_DIGITS = '#ffd84d';
export const SAMPLE_LABEL_OTHER = '#ff5c5c';

/**
 * Writes each sample's predicted class small in its tile's top-left corner (MNIST digits leave
 * that corner black), yellow when the class is one of data.digits, red when it is not.
 */
function labelTiles(gridPng: Buffer, layout: GridLayout, count: number, predicted: { labels: Uint8Array; digits: number[] }): Buffer {
  const wanted = new Set(predicted.digits);
  const fontSize = Math.max(9, Math.min(14, Math.round(layout.tileHeight / 6)));
  const texts: string[] = [];
  for (let index = 0; index < Math.min(count, predicted.labels.length); index++) {
    const label = predicted.labels[index]!;
    const x = tileLeft(layout, index % layout.cols) + 3;
    const y = tileTop(layout, Math.floor(index / layout.cols)) + fontSize;
    const fill = wanted.has(label) ? SAMPLE_LABEL_IN_DIGITS : SAMPLE_LABEL_OTHER;
    texts.push(`<text x="${x}" y="${y}" font-size="${fontSize}" font-weight="bold" fill="${fill}">${escapeXml(String(label))}</text>`);
  }
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}" font-family="${FONT_FAMILY}">` +
    `<image x="0" y="0" width="${layout.width}" height="${layout.height}" href="data:image/png;base64,${gridPng.toString('base64')}"/>` +
    texts.join('') +
    `</svg>`;
  return svgToPng(svg, 1);
}

/** Layout of the digit grid inside interpolation.png: per pair a pixel row and a latent row. */
export function interpolationGridLayout(pairs: number, steps: number, height: number, width: number): GridLayout {
  return gridLayout(height, width, steps, 2 * pairs, 2);
}

/** Size of interpolation.png: the digit grid plus the label column and the α header. */
export function interpolationSize(pairs: number, steps: number, height: number, width: number): { width: number; height: number } {
  const grid = interpolationGridLayout(pairs, steps, height, width);
  return { width: INTERPOLATION_LABEL_WIDTH + grid.width, height: INTERPOLATION_HEADER_HEIGHT + grid.height };
}

function formatAlpha(alpha: number): string {
  return String(Math.round(alpha * 100) / 100);
}

/**
 * pngjs cannot draw text, so the digit grid is drawn with pngjs and placed in an SVG whose text
 * labels each row ("pixel", "latent"), names the pair's digits and gives α per column; resvg
 * rasterises it at 1:1 so the digit pixels stay sharp.
 */
export function interpolationPng(part: NonNullable<PictureData['interpolation']>, height: number, width: number): Buffer {
  const dim = height * width;
  const pairs = Math.min(part.pixel.length, part.latent.length);
  for (let p = 0; p < pairs; p++) {
    requireLength(`interpolation.pixel[${p}]`, part.pixel[p]!, part.steps, dim);
    requireLength(`interpolation.latent[${p}]`, part.latent[p]!, part.steps, dim);
  }
  const grid = interpolationGridLayout(pairs, part.steps, height, width);
  const gridPixels = drawGrid(grid, height, width, (row, col) => {
    const pair = Math.floor(row / 2);
    return imageAt(row % 2 === 0 ? part.pixel[pair]! : part.latent[pair]!, col, dim);
  });
  const gridPng = encodeGreyPng(grid.width, grid.height, gridPixels);
  const size = interpolationSize(pairs, part.steps, height, width);
  const L = INTERPOLATION_LABEL_WIDTH;
  const H = INTERPOLATION_HEADER_HEIGHT;
  const texts: string[] = [];
  const text = (x: number, y: number, body: string, attrs: string): void => {
    texts.push(`<text x="${x}" y="${y}" ${attrs}>${escapeXml(body)}</text>`);
  };
  const labelFont = grid.tileHeight >= 40 ? 13 : 11;
  text(L - 8, 15, 'α', `text-anchor="end" font-size="12" font-style="italic" fill="#444"`);
  for (let c = 0; c < part.steps; c++) {
    const alpha = part.steps === 1 ? 0 : c / (part.steps - 1);
    text(L + tileLeft(grid, c) + grid.tileWidth / 2, 15, formatAlpha(alpha), `text-anchor="middle" font-size="11" fill="#444"`);
  }
  for (let p = 0; p < pairs; p++) {
    for (const [offset, label] of [[0, 'pixel'], [1, 'latent']] as const) {
      const row = 2 * p + offset;
      const middle = H + tileTop(grid, row) + grid.tileHeight / 2;
      text(L - 8, middle + labelFont * 0.35, label, `text-anchor="end" font-size="${labelFont}" fill="#111"`);
    }
    const pairLabel = part.labels[p];
    // The pair's digits go above "pixel" when the tile is tall enough for a second line.
    if (pairLabel && grid.tileHeight >= 48) {
      const top = H + tileTop(grid, 2 * p);
      text(L - 8, top + 13, `${pairLabel[0]} → ${pairLabel[1]}`, `text-anchor="end" font-size="11" fill="#666"`);
    }
  }
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}" viewBox="0 0 ${size.width} ${size.height}" font-family="${FONT_FAMILY}">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<image x="${L}" y="${H}" width="${grid.width}" height="${grid.height}" href="data:image/png;base64,${gridPng.toString('base64')}"/>` +
    texts.join('') +
    `</svg>`;
  return svgToPng(svg, 1);
}
