// Density log-likelihoods against closed forms computed here independently of src/ (Gaussian
// elimination with partial pivoting for det Σ and Σ⁻¹(z − m), not Cholesky), with correlated
// covariances and a mixture of three components; and Cholesky on a 64×64 random SPD matrix.
import { describe, expect, it } from 'vitest';
import { fitDensity } from '../../src/evaluate/index.ts';
import { cholesky, logDetFromCholesky } from '../../src/shared/linalg.ts';
import { createRng } from '../../src/shared/random.ts';
import { gaussianCodes } from './fakes.ts';

const LOG_2PI = Math.log(2 * Math.PI);

/** log det A and A⁻¹b by Gaussian elimination with partial pivoting (A is d×d, row-major arrays). */
function solveAndLogDet(a: number[][], b: number[]): { logDet: number; x: number[] } {
  const d = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  let logDet = 0;
  for (let col = 0; col < d; col++) {
    let pivot = col;
    for (let r = col + 1; r < d; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    const p = m[col]![col]!;
    // A swap flips the sign of det, but det Σ > 0 for a covariance, so |p| is what adds up.
    logDet += Math.log(Math.abs(p));
    for (let r = col + 1; r < d; r++) {
      const f = m[r]![col]! / p;
      for (let c = col; c <= d; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  const x = new Array<number>(d).fill(0);
  for (let r = d - 1; r >= 0; r--) {
    let s = m[r]![d]!;
    for (let c = r + 1; c < d; c++) s -= m[r]![c]! * x[c]!;
    x[r] = s / m[r]![r]!;
  }
  return { logDet, x };
}

/** log N(z; mean, cov) by the textbook formula. */
function logNormal(z: number[], mean: number[], cov: number[][]): number {
  const diff = z.map((v, j) => v - mean[j]!);
  const { logDet, x } = solveAndLogDet(cov, diff);
  const quad = diff.reduce((s, v, j) => s + v * x[j]!, 0);
  return -0.5 * (z.length * LOG_2PI + logDet + quad);
}

function row(z: Float32Array, i: number, d: number): number[] {
  return Array.from(z.subarray(i * d, (i + 1) * d));
}

describe('gaussian-full against the closed form, correlated 3-d covariance', () => {
  // Σ = L Lᵀ = [[4, 2.4, -1], [2.4, 2.44, 0.1], [-1, 0.1, 0.7425]]: strongly correlated, not diagonal.
  const L = [
    [2, 0, 0],
    [1.2, 1, 0],
    [-0.5, 0.7, 0.1],
  ];
  const mean = [1, -2, 0.5];
  const n = 4000;
  const d = 3;
  const codes = gaussianCodes(n, mean, L, 11);
  const model = fitDensity('gaussian-full', codes, n, d, { seed: 1 });
  const fitted = model.toJSON() as { mean: number[]; covariance: number[][]; jitter: number };

  it('fits the maximum-likelihood mean and covariance (no jitter needed) close to the truth', () => {
    expect(fitted.jitter).toBe(0);
    const trueCov = L.map((a) => L.map((b) => a.reduce((s, v, k) => s + v * b[k]!, 0)));
    for (let a = 0; a < d; a++) {
      expect(fitted.mean[a]!).toBeCloseTo(mean[a]!, 1);
      for (let b = 0; b < d; b++) expect(Math.abs(fitted.covariance[a]![b]! - trueCov[a]![b]!)).toBeLessThan(0.15);
    }
    expect(Math.abs(fitted.covariance[0]![1]!)).toBeGreaterThan(2); // really off-diagonal
  });

  it('gives log N(z; m̂, Σ̂) per code, to 1e-9', () => {
    const probes = gaussianCodes(50, [0, 0, 0], L, 12);
    for (let i = 0; i < 50; i++) {
      const z = probes.subarray(i * d, (i + 1) * d);
      expect(model.meanLogLikelihood(z, 1)).toBeCloseTo(logNormal(row(probes, i, d), fitted.mean, fitted.covariance), 9);
    }
  });

  it('has mean training log-likelihood −½(d log 2π + log det Σ̂ + d) (the ML identity)', () => {
    const { logDet } = solveAndLogDet(fitted.covariance, [0, 0, 0]);
    expect(model.meanLogLikelihood(codes, n)).toBeCloseTo(-0.5 * (d * LOG_2PI + logDet + d), 6);
  });
});

describe('gmm against the closed form log Σₖ wₖ N(z; mₖ, Σₖ), three correlated components', () => {
  const d = 2;
  const clusters = [
    {
      weight: 0.25,
      mean: [-8, 0],
      L: [
        [1.5, 0],
        [1.2, 0.5],
      ],
    },
    {
      weight: 0.35,
      mean: [8, 1],
      L: [
        [1, 0],
        [-0.8, 0.6],
      ],
    },
    {
      weight: 0.4,
      mean: [0, 9],
      L: [
        [0.7, 0],
        [0.9, 0.6],
      ],
    },
  ];
  const n = 3000;
  const codes = new Float32Array(n * d);
  const rng = createRng(31);
  for (let i = 0; i < n; i++) {
    const u = rng.next();
    const c = clusters[u < 0.25 ? 0 : u < 0.6 ? 1 : 2]!;
    const e0 = rng.normal();
    const e1 = rng.normal();
    codes[i * d] = c.mean[0]! + c.L[0]![0]! * e0;
    codes[i * d + 1] = c.mean[1]! + c.L[1]![0]! * e0 + c.L[1]![1]! * e1;
  }
  const model = fitDensity('gmm', codes, n, d, { components: 3, seed: 4 });
  const p = model.toJSON() as {
    weights: number[];
    means: number[][];
    covariances: number[][][];
    converged: boolean;
    mean_log_likelihood_fit: number;
  };

  function mixtureLogPdf(z: number[]): number {
    const terms = p.weights.map((w, k) => Math.log(w) + logNormal(z, p.means[k]!, p.covariances[k]!));
    const max = Math.max(...terms);
    return max + Math.log(terms.reduce((s, t) => s + Math.exp(t - max), 0));
  }

  it('converges to three components with correlated (non-diagonal) covariances', () => {
    expect(p.converged).toBe(true);
    expect(p.weights).toHaveLength(3);
    for (const cov of p.covariances) expect(Math.abs(cov[0]![1]!)).toBeGreaterThan(0.2);
  });

  it('gives the mixture log-density per code, to 1e-9, including codes between the components', () => {
    const probes: number[][] = [
      [-8, 0],
      [8, 1],
      [0, 9],
      [0, 0], // between all three: every term matters
      [-4, 4.5],
      [30, -30], // far away: the log-sum-exp must not underflow
      ...Array.from({ length: 20 }, (_, i) => row(codes, i * 37, d)),
    ];
    for (const z of probes) {
      const got = model.meanLogLikelihood(Float32Array.from(z), 1);
      expect(Number.isFinite(got)).toBe(true);
      expect(got).toBeCloseTo(mixtureLogPdf(z), 9);
    }
  });

  it('mean log-likelihood of a batch is the mean of the closed form over its codes', () => {
    const batch = codes.subarray(0, 500 * d);
    let sum = 0;
    for (let i = 0; i < 500; i++) sum += mixtureLogPdf(row(codes, i, d));
    expect(model.meanLogLikelihood(batch, 500)).toBeCloseTo(sum / 500, 9);
  });
});

describe('cholesky on a 64×64 random SPD matrix', () => {
  const d = 64;
  const rng = createRng(64);
  // A = B Bᵀ / d + 0.1·I: symmetric positive definite, dense, with a spread of eigenvalues.
  const b = Float64Array.from({ length: d * d }, () => rng.normal());
  const a = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += b[i * d + k]! * b[j * d + k]!;
      a[i * d + j] = s / d + (i === j ? 0.1 : 0);
    }
  }

  it('returns a lower-triangular L with positive diagonal and L Lᵀ = A to 1e-12 relative', () => {
    const l = cholesky(a, d, 0)!;
    expect(l).not.toBeNull();
    let maxAbs = 0;
    let maxErr = 0;
    for (let i = 0; i < d; i++) {
      expect(l[i * d + i]!).toBeGreaterThan(0);
      for (let j = i + 1; j < d; j++) expect(l[i * d + j]).toBe(0);
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += l[i * d + k]! * l[j * d + k]!;
        maxErr = Math.max(maxErr, Math.abs(s - a[i * d + j]!));
        maxAbs = Math.max(maxAbs, Math.abs(a[i * d + j]!));
      }
    }
    expect(maxErr / maxAbs).toBeLessThan(1e-12);
  });

  it('gives log det A equal to Gaussian elimination’s', () => {
    const l = cholesky(a, d, 0)!;
    const rows = Array.from({ length: d }, (_, i) => Array.from(a.subarray(i * d, (i + 1) * d)));
    const { logDet } = solveAndLogDet(rows, new Array<number>(d).fill(0));
    expect(logDetFromCholesky(l, d)).toBeCloseTo(logDet, 9);
  });

  it('refuses the same matrix made indefinite deep inside (a late pivot goes negative)', () => {
    // Make the trailing 2×2 block [[x, y], [y, x]] with |y| > x: the first 62 pivots are A's,
    // so the failure is found only at the end of the factorisation.
    const bad = Float64Array.from(a);
    const [p, q] = [d - 2, d - 1];
    const big = 10 * Math.max(a[p * d + p]!, a[q * d + q]!);
    bad[p * d + q] = big;
    bad[q * d + p] = big;
    expect(cholesky(bad, d, 0)).toBeNull();
  });
});
