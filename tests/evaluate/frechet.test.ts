// The Fréchet distance against closed forms and against an independent computation of
// tr √(Σ₁Σ₂): the Denman–Beavers iteration on the non-symmetric product, with Gauss–Jordan
// inverses, in float64 — no eigen-solver involved.
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/shared/random.ts';
import { frechetDistance, gaussianStats, symmetricSqrt, traceSqrtProduct, type GaussianStats } from '../../src/evaluate/quality/frechet.ts';

function randomOrthogonal(d: number, seed: number): Float64Array {
  // Gram–Schmidt on a random Gaussian matrix (rows become orthonormal).
  const rng = createRng(seed);
  const q = Float64Array.from({ length: d * d }, () => rng.normal());
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < i; j++) {
      let dot = 0;
      for (let k = 0; k < d; k++) dot += q[i * d + k]! * q[j * d + k]!;
      for (let k = 0; k < d; k++) q[i * d + k]! -= dot * q[j * d + k]!;
    }
    let norm = 0;
    for (let k = 0; k < d; k++) norm += q[i * d + k]! ** 2;
    for (let k = 0; k < d; k++) q[i * d + k]! /= Math.sqrt(norm);
  }
  return q;
}

/** Qᵀ diag(values) Q, with Q's rows the eigenvectors. */
function fromEigen(q: Float64Array, values: number[], d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j]! += values[k]! * q[k * d + i]! * q[k * d + j]!;
  }
  return out;
}

function matmul(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) for (let j = 0; j < d; j++) out[i * d + j]! += a[i * d + k]! * b[k * d + j]!;
  return out;
}

function inverse(a: Float64Array, d: number): Float64Array {
  const m = Float64Array.from(a);
  const inv = new Float64Array(d * d);
  for (let i = 0; i < d; i++) inv[i * d + i] = 1;
  for (let c = 0; c < d; c++) {
    let pivot = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(m[r * d + c]!) > Math.abs(m[pivot * d + c]!)) pivot = r;
    for (let k = 0; k < d; k++) {
      [m[c * d + k], m[pivot * d + k]] = [m[pivot * d + k]!, m[c * d + k]!];
      [inv[c * d + k], inv[pivot * d + k]] = [inv[pivot * d + k]!, inv[c * d + k]!];
    }
    const p = m[c * d + c]!;
    for (let k = 0; k < d; k++) {
      m[c * d + k]! /= p;
      inv[c * d + k]! /= p;
    }
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = m[r * d + c]!;
      if (f === 0) continue;
      for (let k = 0; k < d; k++) {
        m[r * d + k]! -= f * m[c * d + k]!;
        inv[r * d + k]! -= f * inv[c * d + k]!;
      }
    }
  }
  return inv;
}

/** tr √A for a matrix with positive real eigenvalues, by the Denman–Beavers iteration. */
function traceSqrtDenmanBeavers(a: Float64Array, d: number): number {
  let y = Float64Array.from(a);
  let z = new Float64Array(d * d);
  for (let i = 0; i < d; i++) z[i * d + i] = 1;
  for (let it = 0; it < 100; it++) {
    const yi = inverse(y, d);
    const zi = inverse(z, d);
    const yNext = y.map((v, k) => (v + zi[k]!) / 2);
    const zNext = z.map((v, k) => (v + yi[k]!) / 2);
    let change = 0;
    let size = 0;
    for (let k = 0; k < d * d; k++) {
      change += (yNext[k]! - y[k]!) ** 2;
      size += yNext[k]! ** 2;
    }
    y = yNext;
    z = zNext;
    if (change <= 1e-30 * size) break;
  }
  let trace = 0;
  for (let i = 0; i < d; i++) trace += y[i * d + i]!;
  return trace;
}

function stats(mean: number[], cov: Float64Array): GaussianStats {
  return { dim: mean.length, count: 0, mean: Float64Array.from(mean), cov };
}

function randomSpd(d: number, seed: number, rows = 3 * d): Float64Array {
  // Covariance of `rows` correlated Gaussian vectors: SPD, non-diagonal, with spread eigenvalues.
  const rng = createRng(seed);
  const mix = Float64Array.from({ length: d * d }, () => rng.normal());
  const x = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    const g = Array.from({ length: d }, () => rng.normal());
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += mix[j * d + k]! * g[k]!;
      x[r * d + j] = s;
    }
  }
  return gaussianStats(x, rows, d).cov;
}

describe('Fréchet distance', () => {
  it('is 0 between a set and itself (up to rounding relative to the traces)', () => {
    const d = 24;
    const rng = createRng(3);
    const n = 400;
    const x = Float32Array.from({ length: n * d }, (_, i) => rng.normal() * (1 + (i % d)) + (i % 7));
    const s = gaussianStats(x, n, d);
    let trace = 0;
    for (let i = 0; i < d; i++) trace += s.cov[i * d + i]!;
    const fd = frechetDistance(s, s);
    expect(fd).toBeGreaterThanOrEqual(0);
    expect(fd).toBeLessThan(1e-9 * trace);
    // And a rank-deficient set (fewer rows than dimensions) against itself.
    const few = gaussianStats(x.subarray(0, 10 * d), 10, d);
    expect(frechetDistance(few, few)).toBeLessThan(1e-9 * trace);
  });

  it('matches the closed form in one dimension: (μ₁−μ₂)² + (σ₁−σ₂)²', () => {
    const fd = frechetDistance(stats([1.5], Float64Array.of(4)), stats([-0.5], Float64Array.of(9)));
    expect(fd).toBeCloseTo(4 + 1, 12);
  });

  it('matches the closed form for two Gaussians with shared (rotated) eigenvectors', () => {
    // Σ₁ = Qᵀ diag(a) Q, Σ₂ = Qᵀ diag(b) Q commute, so FD = ‖μ₁−μ₂‖² + Σ (√aᵢ − √bᵢ)².
    const d = 12;
    const q = randomOrthogonal(d, 11);
    const a = Array.from({ length: d }, (_, i) => 0.1 + i * i * 0.3);
    const b = Array.from({ length: d }, (_, i) => 2 + Math.sin(i) * 1.5);
    const mu1 = Array.from({ length: d }, (_, i) => i * 0.1);
    const mu2 = Array.from({ length: d }, (_, i) => 1 - i * 0.05);
    let expected = 0;
    for (let i = 0; i < d; i++) expected += (mu1[i]! - mu2[i]!) ** 2 + (Math.sqrt(a[i]!) - Math.sqrt(b[i]!)) ** 2;
    const fd = frechetDistance(stats(mu1, fromEigen(q, a, d)), stats(mu2, fromEigen(q, b, d)));
    expect(Math.abs(fd - expected) / expected).toBeLessThan(1e-10);
  });

  it('agrees with Denman–Beavers on the non-symmetric product Σ₁Σ₂ to 1e-6 relative', () => {
    for (const [d, seed] of [
      [8, 1],
      [32, 2],
      [48, 3],
    ] as const) {
      const c1 = randomSpd(d, seed);
      const c2 = randomSpd(d, seed + 100);
      const ours = traceSqrtProduct(c1, c2, d);
      const reference = traceSqrtDenmanBeavers(matmul(c1, c2, d), d);
      expect(Math.abs(ours - reference) / reference).toBeLessThan(1e-6);
      // The whole distance too, with different means.
      const rng = createRng(seed);
      const mu1 = Array.from({ length: d }, () => rng.normal());
      const mu2 = Array.from({ length: d }, () => rng.normal());
      let expected = 0;
      for (let i = 0; i < d; i++) expected += (mu1[i]! - mu2[i]!) ** 2 + c1[i * d + i]! + c2[i * d + i]!;
      expected -= 2 * reference;
      const fd = frechetDistance(stats(mu1, c1), stats(mu2, c2));
      expect(Math.abs(fd - expected) / expected).toBeLessThan(1e-6);
    }
  });

  it('symmetricSqrt squares back to the matrix', () => {
    const d = 10;
    const c = randomSpd(d, 9);
    const s = symmetricSqrt(c, d);
    const back = matmul(s, s, d);
    for (let k = 0; k < d * d; k++) expect(back[k]!).toBeCloseTo(c[k]!, 9);
  });

  it('rejects statistics of different dimensions', () => {
    expect(() => frechetDistance(stats([0], Float64Array.of(1)), stats([0, 0], Float64Array.of(1, 0, 0, 1)))).toThrow(/dimensions differ/);
  });
});
