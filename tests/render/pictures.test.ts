import { describe, it, expect } from 'vitest';
import { PNG } from 'pngjs';
import { renderRunPictures, type RenderedFile } from '../../src/render/index.ts';
import { GROUP_GAP, GUTTER, digitScale, gridLayout } from '../../src/render/grid.ts';
import {
  INTERPOLATION_HEADER_HEIGHT,
  INTERPOLATION_LABEL_WIDTH,
  interpolationSize,
  manifoldLayout,
  reconstructionsLayout,
  samplesLayout,
} from '../../src/render/pictures.ts';
import { CATEGORY10, CHART_ZOOM, comparisonChartSpec, latentScatterSpec, lossChartSpec } from '../../src/render/charts.ts';
import { svgToPng } from '../../src/render/raster.ts';
import type { PictureData } from '../../src/shared/types.ts';
import { history, pictureData } from './fixtures.ts';

function file(files: RenderedFile[], name: string): RenderedFile {
  const f = files.find((x) => x.name === name);
  if (!f) throw new Error(`${name} not rendered; got ${files.map((x) => x.name).join(', ')}`);
  return f;
}

function decode(files: RenderedFile[], name: string): PNG {
  const data = file(files, name).data;
  expect(Buffer.isBuffer(data)).toBe(true);
  return PNG.sync.read(data as Buffer);
}

function svgSize(svg: string): { width: number; height: number } {
  const m = /^<svg[^>]*\swidth="(\d+(?:\.\d+)?)"[^>]*\sheight="(\d+(?:\.\d+)?)"/.exec(svg);
  if (!m) throw new Error('no width/height on the root <svg>');
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** Pixels in a region whose colour is within `tol` of rgb. */
function countColour(png: PNG, rgb: [number, number, number], tol: number, region = { x0: 0, y0: 0, x1: png.width, y1: png.height }): number {
  let n = 0;
  for (let y = region.y0; y < region.y1; y++) {
    for (let x = region.x0; x < region.x1; x++) {
      const i = (y * png.width + x) * 4;
      if (Math.abs(png.data[i]! - rgb[0]) <= tol && Math.abs(png.data[i + 1]! - rgb[1]) <= tol && Math.abs(png.data[i + 2]! - rgb[2]) <= tol) n++;
    }
  }
  return n;
}

function hex(c: string): [number, number, number] {
  return [parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)];
}

describe('grid layout', () => {
  it('upscales a 28-px digit to 84 px and 8×12 images by 6', () => {
    expect(digitScale(28, 28, 10)).toBe(3);
    expect(digitScale(8, 12, 10)).toBe(6);
    expect(digitScale(200, 200, 4)).toBe(1);
  });

  it('shrinks the scale (never below 1) when a grid would be wider than the page', () => {
    // 20 columns × 84 px would be 1722 px; scale 2 gives 20·56 + 21·2 = 1162.
    expect(digitScale(28, 28, 20)).toBe(2);
    expect(gridLayout(28, 28, 20, 20).width).toBe(1162);
    expect(digitScale(28, 28, 200)).toBe(1);
  });

  it('adds the group gap between row groups only', () => {
    const l = gridLayout(28, 28, 10, 4, 2);
    expect(l.height).toBe(4 * 84 + 5 * GUTTER + (GROUP_GAP - GUTTER));
    expect(l.width).toBe(10 * 84 + 11 * GUTTER);
  });
});

describe('renderRunPictures', () => {
  it('draws every picture for 28×28 digits with the sizes of the layout formula', async () => {
    const files = await renderRunPictures(pictureData(28, 28), history(6));
    expect(files.map((f) => f.name).sort()).toEqual(
      ['interpolation.png', 'latent.png', 'latent.svg', 'loss.png', 'loss.svg', 'manifold.png', 'reconstructions.png', 'samples.png'].sort(),
    );
    // 12 reconstructions wrap into two row pairs of 10 columns: 10·84 + 11·2 wide, 4·84 + 5·2 + 6 tall.
    const rec = decode(files, 'reconstructions.png');
    expect([rec.width, rec.height]).toEqual([862, 352]);
    const recLayout = reconstructionsLayout(12, 28, 28);
    expect([recLayout.width, recLayout.height]).toEqual([862, 352]);

    const manifold = decode(files, 'manifold.png');
    expect([manifold.width, manifold.height]).toEqual([4 * 84 + 5 * 2, 4 * 84 + 5 * 2]);
    expect(manifoldLayout(4, 28, 28).width).toBe(346);

    // 7 samples: near-square 3×3 grid.
    const samples = decode(files, 'samples.png');
    expect([samples.width, samples.height]).toEqual([3 * 84 + 4 * 2, 3 * 84 + 4 * 2]);
    expect(samplesLayout(7, 28, 28).cols).toBe(3);

    // 2 pairs × 5 steps: the digit grid plus the label column and the α header.
    const interp = decode(files, 'interpolation.png');
    const gridW = 5 * 84 + 6 * 2;
    const gridH = 4 * 84 + 5 * 2 + 6;
    expect([interp.width, interp.height]).toEqual([INTERPOLATION_LABEL_WIDTH + gridW, INTERPOLATION_HEADER_HEIGHT + gridH]);
    expect(interpolationSize(2, 5, 28, 28)).toEqual({ width: 508, height: 374 });
  });

  it('renders non-28 images (8 high, 12 wide) at their own aspect ratio', async () => {
    const files = await renderRunPictures(pictureData(8, 12), null);
    const rec = decode(files, 'reconstructions.png');
    // tile 72×48: 10·72 + 11·2 wide; 4·48 + 5·2 + 6 tall.
    expect([rec.width, rec.height]).toEqual([742, 208]);
    const samples = decode(files, 'samples.png');
    expect([samples.width, samples.height]).toEqual([3 * 72 + 8, 3 * 48 + 8]);
    const manifold = decode(files, 'manifold.png');
    expect([manifold.width, manifold.height]).toEqual([4 * 72 + 10, 4 * 48 + 10]);
    const interp = decode(files, 'interpolation.png');
    expect([interp.width, interp.height]).toEqual([INTERPOLATION_LABEL_WIDTH + 5 * 72 + 12, INTERPOLATION_HEADER_HEIGHT + 4 * 48 + 16]);
  });

  it('places each source pixel upright, scaled, clamped to [0, 1]', async () => {
    const h = 8;
    const w = 12;
    const original = new Float32Array(h * w);
    original[1 * w + 10] = 1.7; // row 1, column 10: top right; above 1 must clamp to white
    original[6 * w + 2] = 0.5;
    original[7 * w + 0] = Number.NaN; // a diverged model must not break the picture
    original[7 * w + 1] = -3;
    const reconstructed = new Float32Array(h * w).fill(0.25);
    const pictures: PictureData = { height: h, width: w, reconstructions: { originals: original, reconstructed, labels: new Uint8Array([1]), count: 1 } };
    const files = await renderRunPictures(pictures, null);
    expect(files.map((f) => f.name)).toEqual(['reconstructions.png']);
    const png = decode(files, 'reconstructions.png');
    expect([png.width, png.height]).toEqual([72 + 4, 2 * 48 + 6]);
    const grey = (x: number, y: number): number => png.data[(y * png.width + x) * 4]!;
    const s = 6;
    // The bright source pixel covers exactly the 6×6 block at (left + 10·6, top + 1·6).
    for (let dy = 0; dy < s; dy++) for (let dx = 0; dx < s; dx++) expect(grey(GUTTER + 10 * s + dx, GUTTER + 1 * s + dy)).toBe(255);
    expect(grey(GUTTER + 2 * s + 3, GUTTER + 6 * s + 3)).toBe(128);
    expect(grey(GUTTER + 3, GUTTER + 7 * s + 3)).toBe(0);
    expect(grey(GUTTER + s + 3, GUTTER + 7 * s + 3)).toBe(0);
    // Mirror images of the bright pixel stay black (not flipped or transposed).
    expect(grey(GUTTER + 1 * s + 3, GUTTER + 1 * s + 3)).toBe(0);
    expect(grey(GUTTER + 10 * s + 3, GUTTER + 6 * s + 3)).toBe(0);
    // Gutters are white; the reconstruction tile below shows 0.25 grey.
    expect(grey(0, 0)).toBe(255);
    expect(grey(GUTTER + 5, GUTTER + 48 + GUTTER + 5)).toBe(64);
  });

  it('leaves out every picture whose part is missing, and the loss chart when there is no history', async () => {
    const full = pictureData(28, 28);
    const { latent, manifold } = full;
    const files = await renderRunPictures({ height: 28, width: 28, latent, manifold }, []);
    expect(files.map((f) => f.name).sort()).toEqual(['latent.png', 'latent.svg', 'manifold.png']);
    expect(await renderRunPictures({ height: 28, width: 28 }, null)).toEqual([]);
  });

  it('refuses PictureData whose arrays are shorter than their counts', async () => {
    const p = pictureData(28, 28);
    p.samples = { images: new Float32Array(10), count: 4 };
    await expect(renderRunPictures(p, null)).rejects.toThrow(/samples\.images has 10 values, expected 4 images of 784 pixels/);
  });
});

describe('charts', () => {
  it('rasterises text with the bundled fonts (no system fonts are loaded)', () => {
    const blank = svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="white"/></svg>');
    const text = svgToPng(
      '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="white"/><text x="6" y="28" font-size="22" font-family="sans-serif" fill="black">digit</text></svg>',
    );
    expect(countColour(PNG.sync.read(blank), [0, 0, 0], 100)).toBe(0);
    expect(countColour(PNG.sync.read(text), [0, 0, 0], 100)).toBeGreaterThan(80);
  });

  it("latent scatter's title names what the codes are: f(x), or a VAE's posterior means μ(x)", async () => {
    const plain = pictureData(28, 28);
    expect(latentScatterSpec(plain.latent!)!.title).toMatchObject({ text: 'Test codes z = f(x)' });
    expect(latentScatterSpec({ ...plain.latent!, codeName: 'μ(x)' })!.title).toMatchObject({ text: 'Test codes z = μ(x)' });
    expect(latentScatterSpec({ ...plain.latent!, codeName: 'μ(x)', projected: true })!.title).toMatchObject({ text: 'Test codes z = μ(x) on their first two principal axes' });
  });

  it('latent scatter: SVG with labelled axes and a "digit" legend, PNG at twice its size, text and categorical colours drawn', async () => {
    const files = await renderRunPictures(pictureData(28, 28), null);
    const svg = file(files, 'latent.svg').data as string;
    expect(svg.startsWith('<svg')).toBe(true);
    for (const label of ['digit', 'z1', 'z2', '>1<', '>5<', '>6<']) expect(svg).toContain(label);
    const png = decode(files, 'latent.png');
    const size = svgSize(svg);
    expect([png.width, png.height]).toEqual([Math.round(size.width * CHART_ZOOM), Math.round(size.height * CHART_ZOOM)]);
    // The legend sits right of the plot: its title and labels are black text, its symbols coloured.
    const legend = { x0: Math.floor(png.width * 0.82), y0: 0, x1: png.width, y1: Math.floor(png.height * 0.4) };
    expect(countColour(png, [0, 0, 0], 60, legend)).toBeGreaterThan(40);
    // One palette colour per digit, in sorted digit order: 1 → blue, 5 → orange, 6 → green.
    for (const colour of CATEGORY10.slice(0, 3)) expect(countColour(png, hex(colour), 12, legend)).toBeGreaterThan(20);
    expect(countColour(png, hex(CATEGORY10[3]!), 12)).toBe(0);
  });

  it('loss chart: train and validation lines, log axis only when the loss spans more than a decade', async () => {
    const files = await renderRunPictures({ height: 28, width: 28 }, history(10));
    const svg = file(files, 'loss.svg').data as string;
    expect(svg).toContain('>train<');
    expect(svg).toContain('>validation<');
    const png = decode(files, 'loss.png');
    expect(png.width).toBe(Math.round(svgSize(svg).width * CHART_ZOOM));
    expect(JSON.stringify(lossChartSpec(history(10)))).toContain('"type":"log"');
    const flat = [1, 2, 3].map((epoch) => ({ epoch, loss: 0.05 - epoch * 0.01, val_loss: null, seconds: 1 }));
    const flatSpec = JSON.stringify(lossChartSpec(flat));
    expect(flatSpec).not.toContain('"type":"log"');
    expect(flatSpec).not.toContain('validation');
    expect(lossChartSpec([{ epoch: 1, loss: Number.NaN, val_loss: null, seconds: 1 }])).toBeNull();
  });

  it('comparison chart: base-2 log x axis for latent sizes 2…32, one colour per kind', () => {
    const points = ['pca', 'deep'].flatMap((kind) => [2, 4, 8, 16, 32].map((latent) => ({ kind, latent, test_mse: 0.05 / latent })));
    const spec = JSON.stringify(comparisonChartSpec(points));
    expect(spec).toContain('"type":"log","base":2');
    expect(spec).toContain('"domain":["pca","deep"]');
    expect(comparisonChartSpec([])).toBeNull();
  });
});
