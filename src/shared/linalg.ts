// Small dense linear algebra in float64 for latent codes (dimension 1–64): means, covariances,
// Cholesky factors and a symmetric eigendecomposition. Matrices are row-major d×d Float64Arrays.
import { symmetricTopEigen } from './eigen.ts';

export const LOG_2PI = Math.log(2 * Math.PI);

/** Copies codes into float64 so that sums over tens of thousands of codes keep their precision. */
export function toFloat64(codes: Float32Array | Float64Array): Float64Array {
  return codes instanceof Float64Array ? codes : Float64Array.from(codes);
}

/** Per-dimension mean of n row-major codes of dimension d. */
export function columnMean(z: Float64Array, n: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let j = 0; j < d; j++) mean[j]! += z[row + j]!;
  }
  for (let j = 0; j < d; j++) mean[j]! /= n;
  return mean;
}

/** Maximum-likelihood covariance (divides by n), d×d. */
export function covariance(z: Float64Array, n: number, d: number, mean: Float64Array): Float64Array {
  const cov = new Float64Array(d * d);
  const diff = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let j = 0; j < d; j++) diff[j] = z[row + j]! - mean[j]!;
    for (let a = 0; a < d; a++) {
      const da = diff[a]!;
      for (let b = 0; b <= a; b++) cov[a * d + b]! += da * diff[b]!;
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = 0; b <= a; b++) {
      const v = cov[a * d + b]! / n;
      cov[a * d + b] = v;
      cov[b * d + a] = v;
    }
  }
  return cov;
}

/**
 * Scale of the codes: mean per-dimension variance, or the mean squared value when the codes do
 * not vary at all. Floors and jitter are relative to it so that they mean the same thing whether
 * codes live around 1e-3 or 1e3.
 */
export function codeScale(z: Float64Array, n: number, d: number): number {
  const mean = columnMean(z, n, d);
  let variance = 0;
  let square = 0;
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let j = 0; j < d; j++) {
      const v = z[row + j]!;
      const c = v - mean[j]!;
      variance += c * c;
      square += v * v;
    }
  }
  variance /= n * d;
  square /= n * d;
  if (variance > 0) return variance;
  if (square > 0) return square;
  return 1;
}

/** Lower Cholesky factor L (a = L Lᵀ), or null when a pivot is not above minPivot. */
export function cholesky(a: Float64Array, d: number, minPivot: number): Float64Array | null {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j]!;
      for (let k = 0; k < j; k++) s -= l[i * d + k]! * l[j * d + k]!;
      if (i === j) {
        if (!(s > minPivot)) return null;
        l[i * d + i] = Math.sqrt(s);
      } else {
        l[i * d + j] = s / l[j * d + j]!;
      }
    }
  }
  return l;
}

/**
 * Cholesky factor of a covariance matrix, adding jitter·I (starting at 1e-10·scale, ×10 each
 * time) until it is positive definite. Returns the jitter that was needed (0 when none).
 */
export function choleskyWithJitter(
  cov: Float64Array,
  d: number,
  scale: number,
): { factor: Float64Array; jitter: number } {
  const minPivot = 1e-14 * scale;
  const direct = cholesky(cov, d, minPivot);
  if (direct !== null) return { factor: direct, jitter: 0 };
  const shifted = new Float64Array(cov);
  for (let jitter = 1e-10 * scale; jitter < 1e6 * scale; jitter *= 10) {
    for (let i = 0; i < d; i++) shifted[i * d + i] = cov[i * d + i]! + jitter;
    const factor = cholesky(shifted, d, minPivot);
    if (factor !== null) return { factor, jitter };
  }
  throw new Error(`covariance matrix is not positive definite even with jitter up to ${1e6 * scale}`);
}

/** log det(L Lᵀ) = 2 Σ log L_ii. */
export function logDetFromCholesky(l: Float64Array, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) s += Math.log(l[i * d + i]!);
  return 2 * s;
}

/**
 * Squared Mahalanobis distance ‖L⁻¹(x − mean)‖² of the code at z[offset…offset+d), by forward
 * substitution into the scratch vector y.
 */
export function mahalanobisSq(
  l: Float64Array,
  d: number,
  z: Float64Array,
  offset: number,
  mean: Float64Array,
  y: Float64Array,
): number {
  let sum = 0;
  for (let i = 0; i < d; i++) {
    let s = z[offset + i]! - mean[i]!;
    const row = i * d;
    for (let k = 0; k < i; k++) s -= l[row + k]! * y[k]!;
    const v = s / l[row + i]!;
    y[i] = v;
    sum += v * v;
  }
  return sum;
}

/** out[offset…offset+d) = mean + L·eps. */
export function affineSample(
  l: Float64Array,
  d: number,
  mean: Float64Array,
  eps: Float64Array,
  out: Float32Array,
  offset: number,
): void {
  for (let i = 0; i < d; i++) {
    let s = mean[i]!;
    const row = i * d;
    for (let k = 0; k <= i; k++) s += l[row + k]! * eps[k]!;
    out[offset + i] = s;
  }
}

/**
 * Eigendecomposition of a symmetric d×d matrix (the shared Householder/QL solver that PCA uses).
 * Eigenvalues come sorted descending; vectors[k] is the unit eigenvector of values[k], its sign
 * fixed so that its largest-magnitude entry is positive (stable pictures).
 */
export function symmetricEigen(m: Float64Array, d: number): { values: Float64Array; vectors: Float64Array[] } {
  const { values, vectors } = symmetricTopEigen(m, d, d);
  return { values, vectors: Array.from({ length: d }, (_, k) => vectors.slice(k * d, (k + 1) * d)) };
}

/** Linear-interpolated percentile p ∈ [0, 100] of an ascending-sorted array. */
export function percentileOfSorted(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const frac = pos - lo;
  return sorted[lo]! * (1 - frac) + sorted[hi]! * frac;
}

/** log Σ exp(values[i]) without overflow. */
export function logSumExp(values: Float64Array, count: number): number {
  let max = -Infinity;
  for (let i = 0; i < count; i++) if (values[i]! > max) max = values[i]!;
  if (max === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < count; i++) s += Math.exp(values[i]! - max);
  return max + Math.log(s);
}

export function toNumbers(a: Float64Array): number[] {
  return Array.from(a);
}

/** d×d row-major matrix as nested arrays, for JSON. */
export function toMatrix(a: Float64Array, d: number): number[][] {
  return Array.from({ length: d }, (_, i) => Array.from(a.subarray(i * d, (i + 1) * d)));
}
