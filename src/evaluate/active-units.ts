// Posterior collapse check (Burda et al. 2016): a latent dimension is active when its posterior
// mean moves with the input, Var_x(μ_j(x)) > 0.01; a collapsed dimension has μ_j ≈ 0 for every x
// and only reproduces the prior.
import { columnMean, toFloat64 } from './linalg.ts';

/** Burda et al.'s threshold on the variance of a posterior mean over the data. */
export const ACTIVE_UNIT_THRESHOLD = 0.01;

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
