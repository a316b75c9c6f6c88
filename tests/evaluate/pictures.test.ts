import { describe, it, expect } from 'vitest';
import { computePictureData, encodeSplit, fitDensity } from '../../src/evaluate/index.ts';
import type { OutputsSpec } from '../../src/shared/spec-types.ts';
import { createRng } from '../../src/shared/random.ts';
import { LinearFake, dataset, emptySplit, pixelSelector, randomSplit } from './fakes.ts';

const H = 3;
const W = 4;
const DIM = H * W;
const data = dataset(H, W, randomSplit(300, DIM, [1, 5, 6], 1), randomSplit(30, DIM, [1, 5, 6], 2), randomSplit(90, DIM, [1, 5, 6], 3));
const outputs: OutputsSpec = {
  reconstructions: 12,
  latent_points: 50,
  manifold_grid: 5,
  interpolations: 3,
  interpolation_steps: 6,
  samples: 8,
  explorer: true,
  explorer_images: 600,
  train_codes: true,
};

function labelsOf(model = pixelSelector(DIM, 2), seed = 42): number[] {
  return Array.from(computePictureData(model, data, null, { ...outputs, latent_points: 0, manifold_grid: 0, interpolations: 0 }, seed).reconstructions!.originals);
}

describe('computePictureData', () => {
  const model = pixelSelector(DIM, 2);
  const trainCodes = encodeSplit(model, data.train);
  const density = fitDensity('gaussian-diag', trainCodes, data.train.count, 2, { components: 1, seed: 1 });
  const pictures = computePictureData(model, data, density, outputs, 42);

  it('has every part with the requested counts and shapes', () => {
    expect(pictures.height).toBe(H);
    expect(pictures.width).toBe(W);
    const r = pictures.reconstructions!;
    expect(r.count).toBe(12);
    expect(r.originals.length).toBe(12 * DIM);
    expect(r.reconstructed.length).toBe(12 * DIM);
    expect(r.reconstructed).toEqual(model.reconstruct(r.originals, 12));
    expect(r.labels.length).toBe(12);
    const l = pictures.latent!;
    expect(l.x.length).toBe(50);
    expect(l.y.length).toBe(50);
    expect(l.labels.length).toBe(50);
    expect(pictures.manifold!.side).toBe(5);
    expect(pictures.manifold!.images.length).toBe(25 * DIM);
    const it = pictures.interpolation!;
    expect(it.steps).toBe(6);
    expect(it.pixel.length).toBe(3);
    expect(it.latent.length).toBe(3);
    expect(it.labels.length).toBe(3);
    for (const row of [...it.pixel, ...it.latent]) expect(row.length).toBe(6 * DIM);
    expect(pictures.samples!.count).toBe(8);
    expect(pictures.samples!.images.length).toBe(8 * DIM);
  });

  it('spreads the reconstructions evenly across the digits present', () => {
    const counts = new Map<number, number>();
    for (const l of pictures.reconstructions!.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
    expect([...counts.entries()].sort()).toEqual([[1, 4], [5, 4], [6, 4]]);
    // Each picked image is a distinct test image with its own label.
    const originals = pictures.reconstructions!.originals;
    const indices = new Set<number>();
    for (let k = 0; k < 12; k++) {
      const row = originals.subarray(k * DIM, (k + 1) * DIM);
      const i = [...Array(data.test.count).keys()].find((j) => data.test.images.subarray(j * DIM, (j + 1) * DIM).every((v, p) => v === row[p]))!;
      expect(data.test.labels[i]).toBe(pictures.reconstructions!.labels[k]);
      indices.add(i);
    }
    expect(indices.size).toBe(12);
  });

  it('picks the same test images for the same seed and other ones for another seed', () => {
    expect(labelsOf(model, 42)).toEqual(labelsOf(model, 42));
    expect(labelsOf(model, 42)).not.toEqual(labelsOf(model, 43));
    // The whole picture data is reproducible, and does not depend on being handed the codes.
    const again = computePictureData(model, data, density, outputs, 42, trainCodes, encodeSplit(model, data.test));
    expect(again).toEqual(pictures);
  });

  it('keeps the picked images when other pictures are turned off', () => {
    const alone = computePictureData(model, data, null, { ...outputs, latent_points: 0, manifold_grid: 0, interpolations: 0, samples: 0 }, 42);
    expect(alone.reconstructions).toEqual(pictures.reconstructions);
  });

  it('interpolates exactly between x and x′ in pixels and between g(f(x)) and g(f(x′)) in latent space', () => {
    const it = pictures.interpolation!;
    for (let p = 0; p < 3; p++) {
      const pixel = it.pixel[p]!;
      const x = pixel.slice(0, DIM);
      const x2 = pixel.slice(5 * DIM, 6 * DIM);
      // both ends are test images with the recorded labels, and of different digits
      const labelOf = (img: Float32Array): number => {
        const i = [...Array(data.test.count).keys()].find((j) => data.test.images.subarray(j * DIM, (j + 1) * DIM).every((v, q) => v === img[q]))!;
        return data.test.labels[i]!;
      };
      expect([labelOf(x), labelOf(x2)]).toEqual(it.labels[p]);
      expect(it.labels[p]![0]).not.toBe(it.labels[p]![1]);
      // the middle steps are the straight line (1 − α)x + αx′
      const alpha = 2 / 5;
      for (let q = 0; q < DIM; q++) expect(pixel[2 * DIM + q]).toBeCloseTo((1 - alpha) * x[q]! + alpha * x2[q]!, 6);
      const latent = it.latent[p]!;
      expect(latent.slice(0, DIM)).toEqual(model.reconstruct(x, 1));
      expect(latent.slice(5 * DIM)).toEqual(model.reconstruct(x2, 1));
    }
  });

  it('lays out the latent-2 lattice with z1 rising left to right and z2 falling top to bottom', () => {
    const m = pictures.manifold!;
    // The selector decodes z into pixels 0 and 1, so each image shows its own code.
    const z = (r: number, c: number): [number, number] => [m.images[(r * 5 + c) * DIM]!, m.images[(r * 5 + c) * DIM + 1]!];
    const [left, top] = z(0, 0);
    const [right, bottom] = z(4, 4);
    expect(right).toBeGreaterThan(left);
    expect(top).toBeGreaterThan(bottom);
    expect(z(0, 4)[1]).toBe(top);
    expect(z(4, 0)[0]).toBe(left);
    // The box is the 1st–99th percentile of the training codes (pixels uniform in [0, 1)).
    const first = Float64Array.from({ length: data.train.count }, (_, i) => trainCodes[i * 2]!).sort();
    expect(left).toBeCloseTo(first[Math.round(0.01 * (data.train.count - 1))]!, 2);
    expect(right).toBeCloseTo(first[Math.round(0.99 * (data.train.count - 1))]!, 2);
    expect(m.description).toMatch(/percentile/);
    expect(pictures.latent).toMatchObject({ projected: false, xLabel: 'z1', yLabel: 'z2' });
  });

  it('draws the latent scatter from the test codes', () => {
    const testCodes = encodeSplit(model, data.test);
    const l = pictures.latent!;
    for (let k = 0; k < l.x.length; k++) {
      const i = [...Array(data.test.count).keys()].find((j) => testCodes[j * 2] === l.x[k] && testCodes[j * 2 + 1] === l.y[k])!;
      expect(i).toBeDefined();
      expect(data.test.labels[i]).toBe(l.labels[k]);
    }
  });

  it('decodes samples drawn with the seed derived from the run seed', () => {
    const other = computePictureData(model, data, density, outputs, 7);
    expect(other.samples!.images).not.toEqual(pictures.samples!.images);
    expect(computePictureData(model, data, density, outputs, 42).samples).toEqual(pictures.samples);
  });

  it('omits every part whose count is 0, and samples when there is no density', () => {
    const none = computePictureData(model, data, density, { reconstructions: 0, latent_points: 0, manifold_grid: 0, interpolations: 0, interpolation_steps: 2, samples: 0, explorer: false, explorer_images: 600, train_codes: false }, 1);
    expect(Object.keys(none).sort()).toEqual(['height', 'width']);
    const noDensity = computePictureData(model, data, null, outputs, 1);
    expect(noDensity.samples).toBeUndefined();
    expect(noDensity.reconstructions).toBeDefined();
  });

  it('caps counts at the number of test images', () => {
    const small = dataset(H, W, data.train, emptySplit(), randomSplit(5, DIM, [1, 5], 9));
    const p = computePictureData(model, small, null, { ...outputs, reconstructions: 12, latent_points: 50 }, 3);
    expect(p.reconstructions!.count).toBe(5);
    expect(p.latent!.x.length).toBe(5);
  });
});

describe('computePictureData for latent ≠ 2', () => {
  it('projects codes of latent > 2 on their principal axes and walks the principal plane', () => {
    // Codes are pixels 0..2 scaled so that z3 varies most and z1 least.
    const w = [0, 1, 2].map((k) => Array.from({ length: DIM }, (_, p) => (p === k ? [0.1, 1, 10][k]! : 0)));
    const model = new LinearFake(w);
    const p = computePictureData(model, data, null, outputs, 5);
    const l = p.latent!;
    expect(l.projected).toBe(true);
    expect(l.xLabel).toMatch(/^PC1 of z/);
    expect(l.yLabel).toMatch(/^PC2 of z/);
    const variance = (a: Float32Array): number => {
      const m = a.reduce((s, v) => s + v, 0) / a.length;
      return a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length;
    };
    // PC1 is (up to sign) the z3 axis, PC2 the z2 axis; the projection is centred on the mean.
    const testCodes = encodeSplit(model, data.test);
    const trainCodes = encodeSplit(model, data.train);
    const mean3 = Array.from({ length: data.train.count }, (_, i) => trainCodes[i * 3 + 2]!).reduce((a, b) => a + b) / data.train.count;
    const chosen = [...Array(data.test.count).keys()];
    // PC1's sign makes its largest entry positive, so x ≈ z3 − mean (up to the small tilt that
    // sample correlations give the axes).
    for (let k = 0; k < l.x.length; k++) {
      const hits = chosen.filter((i) => Math.abs(testCodes[i * 3 + 2]! - mean3 - l.x[k]!) < 0.03);
      expect(hits.length).toBeGreaterThan(0);
    }
    expect(variance(l.x)).toBeGreaterThan(50 * variance(l.y));

    const m = p.manifold!;
    expect(m.images.length).toBe(25 * DIM);
    expect(m.description).toMatch(/principal/);
    // decode(z) puts 10·z3 in pixel 2: the centre of the grid is the mean code, the columns move along PC1.
    const pixel2 = (r: number, c: number): number => m.images[(r * 5 + c) * DIM + 2]!;
    expect(pixel2(2, 2) / 10).toBeCloseTo(mean3, 3);
    expect(Math.abs(pixel2(2, 4) - pixel2(2, 0))).toBeGreaterThan(100 * Math.abs(pixel2(0, 2) - pixel2(4, 2)));
  });

  it('draws latent 1 as a strip per digit and walks the single dimension', () => {
    const model = pixelSelector(DIM, 1);
    const p = computePictureData(model, data, null, outputs, 5);
    const l = p.latent!;
    expect(l.projected).toBe(false);
    for (let k = 0; k < l.x.length; k++) expect(Math.abs(l.y[k]! - l.labels[k]!)).toBeLessThanOrEqual(0.3 + 1e-6);
    const m = p.manifold!;
    const walk = Array.from({ length: 25 }, (_, k) => m.images[k * DIM]!);
    for (let k = 1; k < 25; k++) expect(walk[k]!).toBeGreaterThan(walk[k - 1]!);
  });

  it('works with a gmm density and full covariance samples', () => {
    const model = pixelSelector(DIM, 3);
    const codes = encodeSplit(model, data.train);
    const density = fitDensity('gmm', codes, data.train.count, 3, { components: 2, seed: createRng(1).int(1000) });
    const p = computePictureData(model, data, density, outputs, 5, codes);
    expect(p.samples!.images.length).toBe(8 * DIM);
    expect(Array.from(p.samples!.images).every(Number.isFinite)).toBe(true);
  });
});
