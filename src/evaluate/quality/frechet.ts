// Fréchet distance between two Gaussians, the FID formula applied to classifier features:
//   FD = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr √(Σ₁^½ Σ₂ Σ₁^½)
// Everything in float64. The matrix square roots use the symmetric eigen-solver (Σ₁^½ from Σ₁'s
// eigenpairs, then the eigenvalues of the symmetric Σ₁^½ Σ₂ Σ₁^½), which is exact for symmetric
// positive semi-definite input and avoids scipy's sqrtm of the non-symmetric product Σ₁Σ₂.
import { symmetricTopEigen } from '../../shared/eigen.ts';
import { columnMean, covariance, toFloat64 } from '../../shared/linalg.ts';

export interface GaussianStats {
  dim: number;
  /** Number of rows the statistics were fitted on. */
  count: number;
  mean: Float64Array;
  /** Maximum-likelihood covariance, dim×dim row-major. */
  cov: Float64Array;
}

/** Mean and covariance of n row-major feature vectors of dimension d. */
export function gaussianStats(features: Float32Array | Float64Array, n: number, d: number): GaussianStats {
  if (features.length !== n * d) throw new Error(`gaussianStats: expected ${n}×${d} = ${n * d} values, got ${features.length}`);
  if (n < 1) throw new Error('gaussianStats: needs at least one row');
  const x = toFloat64(features);
  const mean = columnMean(x, n, d);
  return { dim: d, count: n, mean, cov: covariance(x, n, d, mean) };
}

/** Eigen-decomposition based square root of a symmetric PSD matrix (tiny negative eigenvalues from rounding clamp to 0). */
export function symmetricSqrt(a: Float64Array, d: number): Float64Array {
  const { values, vectors } = symmetricTopEigen(a, d, d);
  const root = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const s = Math.sqrt(Math.max(0, values[k]!));
    if (s === 0) continue;
    const v = vectors.subarray(k * d, (k + 1) * d);
    for (let i = 0; i < d; i++) {
      const vi = s * v[i]!;
      if (vi === 0) continue;
      for (let j = 0; j < d; j++) root[i * d + j]! += vi * v[j]!;
    }
  }
  return root;
}

/** tr √(Σ₁^½ Σ₂ Σ₁^½): the sum of the square roots of that symmetric PSD matrix's eigenvalues. */
export function traceSqrtProduct(cov1: Float64Array, cov2: Float64Array, d: number): number {
  const s = symmetricSqrt(cov1, d);
  const m = multiply(multiply(s, cov2, d), s, d);
  // Symmetrise away the rounding of the two products, so the solver sees an exactly symmetric matrix.
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < i; j++) {
      const v = (m[i * d + j]! + m[j * d + i]!) / 2;
      m[i * d + j] = v;
      m[j * d + i] = v;
    }
  }
  const { values } = symmetricTopEigen(m, d, d);
  let sum = 0;
  for (const v of values) sum += Math.sqrt(Math.max(0, v));
  return sum;
}

/** The Fréchet distance between N(μ₁, Σ₁) and N(μ₂, Σ₂); ≥ 0 up to rounding (clamped at 0). */
export function frechetDistance(a: GaussianStats, b: GaussianStats): number {
  if (a.dim !== b.dim) throw new Error(`frechetDistance: dimensions differ (${a.dim} vs ${b.dim})`);
  const d = a.dim;
  let meanTerm = 0;
  for (let i = 0; i < d; i++) {
    const diff = a.mean[i]! - b.mean[i]!;
    meanTerm += diff * diff;
  }
  let traces = 0;
  for (let i = 0; i < d; i++) traces += a.cov[i * d + i]! + b.cov[i * d + i]!;
  const value = meanTerm + traces - 2 * traceSqrtProduct(a.cov, b.cov, d);
  return Math.max(0, value);
}

function multiply(x: Float64Array, y: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      const xik = x[i * d + k]!;
      if (xik === 0) continue;
      const row = k * d;
      const o = i * d;
      for (let j = 0; j < d; j++) out[o + j]! += xik * y[row + j]!;
    }
  }
  return out;
}
