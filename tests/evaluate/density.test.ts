import { describe, it, expect } from 'vitest';
import { densityKinds, fitDensity } from '../../src/evaluate/index.ts';
import { UserError } from '../../src/shared/errors.ts';
import { createRng } from '../../src/shared/random.ts';
import { gaussianCodes } from './fakes.ts';
import type { DensityKind } from '../../src/shared/spec-types.ts';

const LOG_2PI = Math.log(2 * Math.PI);
const opts = { components: 1, seed: 1 };

function moments(z: Float32Array, n: number, d: number): { mean: number[]; cov: number[][] } {
  const mean = Array.from({ length: d }, (_, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += z[i * d + j]!;
    return s / n;
  });
  const cov = mean.map((_, a) =>
    mean.map((__, b) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += (z[i * d + a]! - mean[a]!) * (z[i * d + b]! - mean[b]!);
      return s / n;
    }),
  );
  return { mean, cov };
}

// The four corners (±1, ±1) have mean exactly 0 and covariance exactly I.
const corners = Float32Array.from([1, 1, 1, -1, -1, 1, -1, -1]);

describe('density registry', () => {
  it('lists the kinds and rejects an unknown one with a UserError naming the valid kinds', () => {
    expect(densityKinds).toEqual(['gaussian-diag', 'gaussian-full', 'gmm']);
    let err: unknown;
    try {
      fitDensity('banana' as DensityKind, corners, 4, 2, opts);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).issues[0]!.path).toBe('density.kind');
    expect((err as UserError).message).toContain('gaussian-diag, gaussian-full, gmm');
  });

  it('refuses non-finite codes with a UserError that points at training', () => {
    const bad = Float32Array.from([0, 1, NaN, 2]);
    expect(() => fitDensity('gaussian-diag', bad, 2, 2, opts)).toThrow(/learning_rate/);
  });

  it.each(densityKinds)('%s: log-likelihood under N(0, I) matches the formula', (kind) => {
    const model = fitDensity(kind as DensityKind, corners, 4, 2, opts);
    expect(model.kind).toBe(kind);
    expect(model.dim).toBe(2);
    const probe = Float32Array.from([0, 0, 1, 2, -0.5, 3]);
    const expected = [0, 5, 9.25].map((sq) => -0.5 * (2 * LOG_2PI + sq));
    const mean = (expected[0]! + expected[1]! + expected[2]!) / 3;
    // gmm adds a 1e-6 covariance regularisation, hence the looser tolerance.
    expect(model.meanLogLikelihood(probe, 3)).toBeCloseTo(mean, kind === 'gmm' ? 4 : 10);
    expect(model.meanLogLikelihood(probe.subarray(0, 2), 1)).toBeCloseTo(-LOG_2PI, kind === 'gmm' ? 5 : 10);
  });

  it.each(densityKinds)('%s: sampling is deterministic for a seed and differs across seeds', (kind) => {
    const codes = gaussianCodes(500, [1, 2], [[1, 0], [0.5, 1]], 3);
    const model = fitDensity(kind as DensityKind, codes, 500, 2, { components: 2, seed: 4 });
    const a = model.sample(50, 123);
    expect(a.length).toBe(100);
    expect(model.sample(50, 123)).toEqual(a);
    expect(model.sample(50, 124)).not.toEqual(a);
    expect(JSON.parse(JSON.stringify(model.toJSON())).kind).toBe(kind);
  });
});

describe('gaussian-diag', () => {
  it('recovers mean and per-dimension variance, and samples with those moments', () => {
    const n = 20000;
    const codes = gaussianCodes(n, [1, -2, 3], [[0.5, 0, 0], [0, 2, 0], [0, 0, 1]], 7);
    const model = fitDensity('gaussian-diag', codes, n, 3, opts);
    const params = model.toJSON() as { mean: number[]; variance: number[] };
    const truth = moments(codes, n, 3);
    params.mean.forEach((m, j) => expect(m).toBeCloseTo(truth.mean[j]!, 6));
    params.variance.forEach((v, j) => expect(v).toBeCloseTo(truth.cov[j]![j]!, 5));
    expect(params.mean[0]).toBeCloseTo(1, 1);
    expect(params.variance[1]! / 4).toBeCloseTo(1, 1);

    const s = moments(model.sample(n, 9), n, 3);
    s.mean.forEach((m, j) => expect(Math.abs(m - params.mean[j]!)).toBeLessThan(0.05));
    s.cov.forEach((row, a) =>
      row.forEach((v, b) => expect(Math.abs(v - (a === b ? params.variance[a]! : 0))).toBeLessThan(0.1 * (a === b ? params.variance[a]! : 1))),
    );
  });

  it('floors the variance of a dimension that never varies', () => {
    const codes = Float32Array.from([1, 5, 2, 5, 3, 5]);
    const model = fitDensity('gaussian-diag', codes, 3, 2, opts);
    const params = model.toJSON() as { variance: number[]; floored_dimensions: number[] };
    expect(params.variance[1]).toBeGreaterThan(0);
    expect(params.floored_dimensions).toEqual([1]);
    expect(Number.isFinite(model.meanLogLikelihood(codes, 3))).toBe(true);
  });
});

describe('gaussian-full', () => {
  it('recovers mean and full covariance, and samples with those moments', () => {
    const n = 20000;
    // Σ = L Lᵀ = [[4, 2.4], [2.4, 2.44]]
    const codes = gaussianCodes(n, [-1, 0.5], [[2, 0], [1.2, 1]], 8);
    const model = fitDensity('gaussian-full', codes, n, 2, opts);
    const params = model.toJSON() as { mean: number[]; covariance: number[][]; jitter: number };
    const truth = moments(codes, n, 2);
    expect(params.jitter).toBe(0);
    params.mean.forEach((m, j) => expect(m).toBeCloseTo(truth.mean[j]!, 6));
    params.covariance.forEach((row, a) => row.forEach((v, b) => expect(v).toBeCloseTo(truth.cov[a]![b]!, 5)));
    expect(params.covariance[0]![1]! / 2.4).toBeCloseTo(1, 1);

    const s = moments(model.sample(n, 5), n, 2);
    s.mean.forEach((m, j) => expect(Math.abs(m - params.mean[j]!)).toBeLessThan(0.06));
    s.cov.forEach((row, a) => row.forEach((v, b) => expect(Math.abs(v - params.covariance[a]![b]!)).toBeLessThan(0.12)));
  });

  it('adds jitter when the codes are collinear, instead of failing', () => {
    const codes = Float32Array.from([0, 0, 1, 2, 2, 4, 3, 6]);
    const model = fitDensity('gaussian-full', codes, 4, 2, opts);
    expect((model.toJSON() as { jitter: number }).jitter).toBeGreaterThan(0);
    expect(Number.isFinite(model.meanLogLikelihood(codes, 4))).toBe(true);
  });
});

describe('gmm', () => {
  const centres = [
    [-10, 0],
    [10, 0],
    [0, 10],
  ];
  const weights = [0.2, 0.3, 0.5];

  function threeClusters(n: number, seed: number): Float32Array {
    const rng = createRng(seed);
    const out = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      const c = u < weights[0]! ? 0 : u < weights[0]! + weights[1]! ? 1 : 2;
      out[i * 2] = centres[c]![0]! + rng.normal();
      out[i * 2 + 1] = centres[c]![1]! + rng.normal() * 0.5;
    }
    return out;
  }

  it('recovers the means, weights and covariances of three well-separated clusters', () => {
    const n = 6000;
    const model = fitDensity('gmm', threeClusters(n, 21), n, 2, { components: 3, seed: 5 });
    const p = model.toJSON() as { weights: number[]; means: number[][]; covariances: number[][][]; converged: boolean };
    expect(p.converged).toBe(true);
    for (let c = 0; c < 3; c++) {
      // Match each true centre to the nearest fitted mean.
      const dist = p.means.map((m) => Math.hypot(m[0]! - centres[c]![0]!, m[1]! - centres[c]![1]!));
      const k = dist.indexOf(Math.min(...dist));
      expect(dist[k]).toBeLessThan(0.1);
      expect(Math.abs(p.weights[k]! - weights[c]!)).toBeLessThan(0.02);
      expect(Math.abs(p.covariances[k]![0]![0]! - 1)).toBeLessThan(0.15);
      expect(Math.abs(p.covariances[k]![1]![1]! - 0.25)).toBeLessThan(0.04);
    }
    expect(p.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
  });

  it('fits better than a single Gaussian on clustered codes', () => {
    const n = 3000;
    const codes = threeClusters(n, 2);
    const test = threeClusters(1000, 3);
    const gmm = fitDensity('gmm', codes, n, 2, { components: 3, seed: 1 });
    const full = fitDensity('gaussian-full', codes, n, 2, opts);
    expect(gmm.meanLogLikelihood(test, 1000)).toBeGreaterThan(full.meanLogLikelihood(test, 1000) + 1);
  });

  it('is deterministic for a seed', () => {
    const codes = threeClusters(1000, 4);
    const a = fitDensity('gmm', codes, 1000, 2, { components: 4, seed: 9 }).toJSON();
    const b = fitDensity('gmm', codes, 1000, 2, { components: 4, seed: 9 }).toJSON();
    expect(b).toEqual(a);
  });

  it('samples land in the clusters in proportion to the weights', () => {
    const model = fitDensity('gmm', threeClusters(3000, 6), 3000, 2, { components: 3, seed: 2 });
    const m = 6000;
    const s = model.sample(m, 77);
    const counts = [0, 0, 0];
    for (let i = 0; i < m; i++) {
      const d = centres.map((c) => Math.hypot(s[i * 2]! - c[0]!, s[i * 2 + 1]! - c[1]!));
      counts[d.indexOf(Math.min(...d))]! += 1;
    }
    counts.forEach((c, k) => expect(Math.abs(c / m - weights[k]!)).toBeLessThan(0.03));
  });

  it('refuses fewer codes than components with a UserError on density.components', () => {
    let err: unknown;
    try {
      fitDensity('gmm', corners, 4, 2, { components: 5, seed: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).issues[0]!.path).toBe('density.components');
    expect((err as UserError).message).toMatch(/4 codes for 5 components/);
  });

  it('copes with duplicated codes (fewer distinct points than components)', () => {
    const codes = Float32Array.from([1, 1, 1, 1, 1, 1, 2, 2, 2, 2]);
    const model = fitDensity('gmm', codes, 5, 2, { components: 3, seed: 1 });
    expect(Number.isFinite(model.meanLogLikelihood(codes, 5))).toBe(true);
    expect(Array.from(model.sample(10, 1)).every(Number.isFinite)).toBe(true);
  });

  // How long this takes is measured by `npm run bench` (bench/density.ts), not asserted here.
  it('fits 16k codes, d = 2, K = 10: converges, all weights used, and beats K = 3', () => {
    const n = 16000;
    const codes = threeClusters(n, 8);
    const model = fitDensity('gmm', codes, n, 2, { components: 10, seed: 3 });
    const p = model.toJSON() as { weights: number[]; converged: boolean };
    expect(p.converged).toBe(true);
    expect(p.weights.every((w) => w > 0)).toBe(true);
    const ll = model.meanLogLikelihood(codes, n);
    expect(Number.isFinite(ll)).toBe(true);
    // More components can only fit the training codes at least as well (up to EM's local optimum).
    expect(ll).toBeGreaterThan(fitDensity('gmm', codes, n, 2, { components: 3, seed: 3 }).meanLogLikelihood(codes, n) - 1e-3);
  });
});
