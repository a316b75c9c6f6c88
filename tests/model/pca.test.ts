import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel, fitPca, type PcaModel, selectBackend } from '../../src/model/index.ts';
import { UserError } from '../../src/shared/errors.ts';
import { createRng } from '../../src/shared/random.ts';
import { jacobiEigen, mse, syntheticImages } from './fixtures.ts';

const pcaSpec = (latent: number) => ({ kind: 'pca' as const, latent, encoder: [], decoder: 'mirror' as const, activation: 'relu' as const, output_activation: 'linear' as const, dropout: 0, batch_norm: false, tied: false });

beforeAll(async () => {
  await selectBackend();
});

/** Population covariance by definition, float64, plus all its eigenvalues (brute force). */
function referencePca(x: Float32Array, n: number, d: number) {
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mean[j] = mean[j]! + x[r * d + j]! / n;
  const cov = new Float64Array(d * d);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) cov[i * d + j] = cov[i * d + j]! + ((x[r * d + i]! - mean[i]!) * (x[r * d + j]! - mean[j]!)) / n;
    }
  }
  return { mean, ...jacobiEigen(cov, d) };
}

describe('PCA', () => {
  const n = 300;
  const d = 36;
  const images = syntheticImages(n, d, 3, { zeroPixels: [0, 5, 35] });

  it('has orthonormal components', () => {
    const { fit } = fitPca(images, n, d, 6);
    for (let a = 0; a < 6; a++) {
      for (let b = 0; b < 6; b++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += fit.components[i * 6 + a]! * fit.components[i * 6 + b]!;
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 6);
      }
    }
  });

  it('has training reconstruction MSE = sum of the discarded eigenvalues / d', async () => {
    for (const k of [1, 2, 5, 12]) {
      const model = await buildModel(pcaSpec(k), { inputDim: d, seed: 1, train: { images, count: n } });
      const fit = (model as PcaModel).fit;
      const discarded = fit.totalVariance - fit.explainedVariance.reduce((s, v) => s + v, 0);
      const measured = mse(model.reconstruct(images, n), images);
      expect(Math.abs(measured - discarded / d) / (discarded / d)).toBeLessThan(1e-4);
      model.dispose();
    }
  });

  it('matches a brute-force eigen-decomposition of the covariance on a tiny matrix', () => {
    const tn = 40;
    const td = 9;
    const tiny = syntheticImages(tn, td, 5, { factors: 3, noise: 0.1 });
    const ref = referencePca(tiny, tn, td);
    const k = 4;
    const { fit } = fitPca(tiny, tn, td, k);
    for (let j = 0; j < td; j++) expect(fit.mean[j]).toBeCloseTo(ref.mean[j]!, 6);
    expect(fit.totalVariance).toBeCloseTo(ref.values.reduce((s, v) => s + v, 0), 12);
    for (let c = 0; c < k; c++) {
      expect(fit.explainedVariance[c]).toBeCloseTo(ref.values[c]!, 12);
      let dot = 0;
      for (let i = 0; i < td; i++) dot += fit.components[i * k + c]! * ref.vectors[c]![i]!;
      expect(Math.abs(dot)).toBeCloseTo(1, 6);
    }
  });

  it('gives the same fit through the sparse (float64 JS) and dense (tfjs matmul) covariance routes', () => {
    const sparse = fitPca(images, n, d, 4, 'sparse');
    const dense = fitPca(images, n, d, 4, 'dense');
    expect(sparse.timing.covariance_method).toBe('sparse');
    expect(dense.timing.covariance_method).toBe('dense');
    for (let c = 0; c < 4; c++) {
      expect(dense.fit.explainedVariance[c]! / sparse.fit.explainedVariance[c]!).toBeCloseTo(1, 4);
      let dot = 0;
      for (let i = 0; i < d; i++) dot += sparse.fit.components[i * 4 + c]! * dense.fit.components[i * 4 + c]!;
      expect(dot).toBeCloseTo(1, 4);
    }
  });

  it('leaves constant pixels out of the components, and fills extra components with their unit vectors', () => {
    const { fit } = fitPca(images, n, d, 4);
    for (const pixel of [0, 5, 35]) for (let c = 0; c < 4; c++) expect(fit.components[pixel * 4 + c]).toBe(0);

    // 3 images span at most 2 directions around their mean; ask for 5 components of 4 pixels of which 1 is constant.
    const few = new Float32Array([0.1, 0.5, 0.2, 0.9, 0.4, 0.5, 0.7, 0.1, 0.3, 0.5, 0.6, 0.2]);
    const small = fitPca(few, 3, 4, 4).fit;
    expect(small.explainedVariance[3]).toBe(0);
    for (let a = 0; a < 4; a++) {
      for (let b = 0; b < 4; b++) {
        let dot = 0;
        for (let i = 0; i < 4; i++) dot += small.components[i * 4 + a]! * small.components[i * 4 + b]!;
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 6);
      }
    }
    // The constant pixel (index 1) is the last component's unit vector.
    expect([0, 1, 2, 3].map((i) => small.components[i * 4 + 3])).toEqual([0, 1, 0, 0]);
  });

  it('fits images whose pixels are all constant (nothing varies): unit-vector components, zero variance', async () => {
    // E.g. blank images saved as (N, H, W, 1): the covariance has no varying pixel at all.
    const blank = new Float32Array(5 * 4).fill(0.25);
    const { fit } = fitPca(blank, 5, 4, 2);
    expect(fit.explainedVariance).toEqual([0, 0]);
    expect(fit.totalVariance).toBe(0);
    expect([0, 1, 2, 3].map((i) => fit.components[i * 2])).toEqual([1, 0, 0, 0]);
    expect([0, 1, 2, 3].map((i) => fit.components[i * 2 + 1])).toEqual([0, 1, 0, 0]);
    const model = await buildModel(pcaSpec(2), { inputDim: 4, seed: 1, train: { images: blank, count: 5 } });
    expect(mse(model.reconstruct(blank, 5), blank)).toBe(0);
    model.dispose();
  });

  it('encodes, decodes and reconstructs batches of the right shape; reconstruct equals decode(encode(x))', async () => {
    const model = await buildModel(pcaSpec(3), { inputDim: d, seed: 1, train: { images, count: n } });
    const z = model.encode(images, n);
    expect(z.length).toBe(n * 3);
    const back = model.decode(z, n);
    expect(back.length).toBe(n * d);
    expect(model.reconstruct(images, n)).toEqual(back);
    expect(model.encode(new Float32Array(0), 0).length).toBe(0);
    expect(model.paramCount()).toBe(d + d * 3);
    model.dispose();
  });

  it('codes of the training images are centred and uncorrelated, with variances = the eigenvalues', async () => {
    const model = await buildModel(pcaSpec(3), { inputDim: d, seed: 1, train: { images, count: n } });
    const z = model.encode(images, n);
    const ev = (model.summary().explained_variance as number[]);
    for (let a = 0; a < 3; a++) {
      let m = 0;
      for (let r = 0; r < n; r++) m += z[r * 3 + a]! / n;
      expect(Math.abs(m)).toBeLessThan(1e-5);
      for (let b = 0; b < 3; b++) {
        let c = 0;
        for (let r = 0; r < n; r++) c += (z[r * 3 + a]! * z[r * 3 + b]!) / n;
        expect(c).toBeCloseTo(a === b ? ev[a]! : 0, 5);
      }
    }
    model.dispose();
  });

  it('summarises explained variance per component and the total', async () => {
    const model = await buildModel(pcaSpec(4), { inputDim: d, seed: 1, train: { images, count: n } });
    const s = model.summary();
    const ev = s.explained_variance as number[];
    const ratio = s.explained_variance_ratio as number[];
    expect(ev).toHaveLength(4);
    expect(ratio).toHaveLength(4);
    for (let i = 1; i < 4; i++) expect(ev[i]!).toBeLessThanOrEqual(ev[i - 1]!);
    ratio.forEach((r, i) => expect(r).toBeCloseTo(ev[i]! / (s.total_variance as number), 12));
    expect(ratio.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1);
    model.dispose();
  });

  it('refuses a latent size above the pixel count, and images with NaN, as UserErrors', async () => {
    await expect(buildModel(pcaSpec(d + 1), { inputDim: d, seed: 1, train: { images, count: n } })).rejects.toThrow(UserError);
    await expect(buildModel(pcaSpec(d + 1), { inputDim: d, seed: 1, train: { images, count: n } })).rejects.toThrow(/model\.latent.*between 1 and 36/);
    const bad = images.slice(0, 10 * d);
    bad[7] = NaN;
    expect(() => fitPca(bad, 10, d, 2)).toThrow(/NaN or Infinity/);
    expect(() => fitPca(images, 0, d, 2)).toThrow(UserError);
  });

  it('is deterministic and independent of the row order', () => {
    const a = fitPca(images, n, d, 3).fit;
    const rng = createRng(9);
    const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
    const shuffled = new Float32Array(n * d);
    order.forEach((src, dst) => shuffled.set(images.subarray(src * d, src * d + d), dst * d));
    const b = fitPca(shuffled, n, d, 3).fit;
    expect(fitPca(images, n, d, 3).fit.components).toEqual(a.components);
    for (let i = 0; i < a.components.length; i++) expect(b.components[i]).toBeCloseTo(a.components[i]!, 5);
  });
});
