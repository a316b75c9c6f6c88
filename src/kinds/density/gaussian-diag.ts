// The lecture's density: N(m̂, Δ̂) with m̂ the mean of the training codes and Δ̂ the diagonal of
// their (maximum-likelihood) variances, floored so that a dimension the encoder never uses does
// not give an infinite density.
import { createRng } from '../../shared/random.ts';
import type { DensityModel } from '../../shared/types.ts';
import { LOG_2PI, columnMean, toNumbers } from '../../shared/linalg.ts';
import { checkSampleCount, meanOf, numberList, type DensityFitter, type DensityKindDescriptor } from './types.ts';

/** Variance floor as a fraction of the codes' mean per-dimension variance. */
export const DIAG_VARIANCE_FLOOR = 1e-6;

export const fitGaussianDiag: DensityFitter = (codes, n, dim, scale) => {
  const mean = columnMean(codes, n, dim);
  const variance = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) {
      const c = codes[i * dim + j]! - mean[j]!;
      variance[j]! += c * c;
    }
  }
  const floor = DIAG_VARIANCE_FLOOR * scale;
  const floored: number[] = [];
  for (let j = 0; j < dim; j++) {
    variance[j] = variance[j]! / n;
    if (variance[j]! < floor) {
      variance[j] = floor;
      floored.push(j);
    }
  }
  const std = variance.map(Math.sqrt);
  let logNorm = -0.5 * dim * LOG_2PI;
  for (let j = 0; j < dim; j++) logNorm -= 0.5 * Math.log(variance[j]!);

  const logPdf = (z: Float64Array, offset: number): number => {
    let q = 0;
    for (let j = 0; j < dim; j++) {
      const c = z[offset + j]! - mean[j]!;
      q += (c * c) / variance[j]!;
    }
    return logNorm - 0.5 * q;
  };

  const model: DensityModel = {
    kind: 'gaussian-diag',
    dim,
    meanLogLikelihood: (z, count) => meanOf(dim, z, count, logPdf),
    sample: (count, seed) => {
      checkSampleCount(count);
      const rng = createRng(seed);
      const out = new Float32Array(count * dim);
      for (let i = 0; i < count; i++) {
        for (let j = 0; j < dim; j++) out[i * dim + j] = mean[j]! + std[j]! * rng.normal();
      }
      return out;
    },
    toJSON: () => ({
      kind: 'gaussian-diag',
      dim,
      n_fit: n,
      mean: toNumbers(mean),
      variance: toNumbers(variance),
      variance_floor: floor,
      floored_dimensions: floored,
    }),
  };
  return model;
};

export const gaussianDiagKind: DensityKindDescriptor<'gaussian-diag'> = {
  kind: 'gaussian-diag',
  label: 'diagonal Gaussian',
  order: 0,
  uses: [],
  describe: () => 'diagonal Gaussian N(m̂, Δ̂)',
  fit: fitGaussianDiag,
  mixture: (saved) => {
    const mean = numberList(saved['mean']);
    const variance = numberList(saved['variance']);
    if (!mean || !variance || mean.length !== variance.length) return null;
    return [{ weight: 1, mean, covariance: mean.map((_, i) => mean.map((__, j) => (i === j ? variance[i]! : 0))) }];
  },
};
