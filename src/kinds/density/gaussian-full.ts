// N(m̂, Σ̂) with the full (maximum-likelihood) covariance of the training codes; a covariance
// that is not positive definite (collinear codes, an unused dimension) gets diagonal jitter.
import { createRng } from '../../shared/random.ts';
import type { DensityModel } from '../../shared/types.ts';
import { columnMean, covariance, toMatrix, toNumbers } from '../../shared/linalg.ts';
import { CholeskyGaussian } from './cholesky-gaussian.ts';
import { checkSampleCount, meanOf, numberList, squareMatrix, type DensityFitter, type DensityKindDescriptor } from './types.ts';

export const fitGaussianFull: DensityFitter = (codes, n, dim, scale) => {
  const mean = columnMean(codes, n, dim);
  const gaussian = new CholeskyGaussian(mean, covariance(codes, n, dim, mean), scale);
  const model: DensityModel = {
    kind: 'gaussian-full',
    dim,
    meanLogLikelihood: (z, count) => meanOf(dim, z, count, (zz, off) => gaussian.logPdf(zz, off)),
    sample: (count, seed) => {
      checkSampleCount(count);
      const rng = createRng(seed);
      const out = new Float32Array(count * dim);
      for (let i = 0; i < count; i++) gaussian.drawInto(rng, out, i * dim);
      return out;
    },
    toJSON: () => ({
      kind: 'gaussian-full',
      dim,
      n_fit: n,
      mean: toNumbers(mean),
      covariance: toMatrix(gaussian.covariance, dim),
      jitter: gaussian.jitter,
    }),
  };
  return model;
};

export const gaussianFullKind: DensityKindDescriptor<'gaussian-full'> = {
  kind: 'gaussian-full',
  label: 'full-covariance Gaussian',
  order: 1,
  uses: [],
  describe: () => 'full-covariance Gaussian',
  fit: fitGaussianFull,
  mixture: (saved) => {
    const mean = numberList(saved['mean']);
    const cov = mean && squareMatrix(saved['covariance'], mean.length);
    if (!mean || !cov) return null;
    // Sampling used the covariance plus the jitter that made it positive definite.
    const jitter = typeof saved['jitter'] === 'number' ? saved['jitter'] : 0;
    return [{ weight: 1, mean, covariance: cov.map((row, i) => row.map((v, j) => (i === j ? v + jitter : v))) }];
  },
};
