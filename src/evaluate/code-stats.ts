// Statistics of the codes of a split that say how a model uses its latent space:
// - active units (Burda et al. 2016), the posterior-collapse check: a latent dimension is active
//   when its posterior mean moves with the input, Var_x(μ_j(x)) > 0.01; a collapsed dimension has
//   μ_j ≈ 0 for every x and only reproduces the prior.
// - code sparsity, for sparse autoencoders: the share of code entries that are (nearly) zero.
import { columnMean, toFloat64 } from '../shared/linalg.ts';

/** Burda et al.'s threshold on the variance of a posterior mean over the data. */
export const ACTIVE_UNIT_THRESHOLD = 0.01;
/** |z| below this counts as a zero code entry. */
export const SPARSE_CODE_THRESHOLD = 1e-3;

/** Variance over the n rows (divides by n) of each of the d columns of row-major codes. */
export function columnVariance(codes: Float32Array | Float64Array, n: number, d: number): Float64Array {
  const z = toFloat64(codes);
  const mean = columnMean(z, n, d);
  const variance = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) variance[j]! += (z[i * d + j]! - mean[j]!) ** 2;
  }
  for (let j = 0; j < d; j++) variance[j]! /= n;
  return variance;
}

/** How many latent dimensions of the n posterior means (row-major n×d) are active. */
export function activeUnits(means: Float32Array | Float64Array, n: number, d: number, threshold = ACTIVE_UNIT_THRESHOLD): number {
  if (n < 2) return 0;
  return columnVariance(means, n, d).reduce((count, v) => count + (v > threshold ? 1 : 0), 0);
}

/** Share of the entries of n codes (row-major n×d) with |z| < 1e-3; NaN when there are none. */
export function codeSparsity(codes: Float32Array, n: number, d: number, threshold = SPARSE_CODE_THRESHOLD): number {
  const count = n * d;
  if (count === 0) return NaN;
  let zeros = 0;
  for (let i = 0; i < count; i++) if (Math.abs(codes[i]!) < threshold) zeros++;
  return zeros / count;
}
