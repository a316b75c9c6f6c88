// density.kind prior: the VAE's own prior N(0, I), not fitted on anything. A VAE is trained so
// that its codes follow the prior, so sampling the prior and decoding is how a VAE generates; the
// fitted kinds (gaussian-diag, gaussian-full, gmm) still work on its μ(x) codes, for comparison.
// Only model.kind vae has a prior (onlyFor), and it is that kind's default density.
import { LOG_2PI } from '../../shared/linalg.ts';
import { createRng } from '../../shared/random.ts';
import type { DensityModel } from '../../shared/types.ts';
import { checkSampleCount, meanOf, type DensityFitter, type DensityKindDescriptor } from './types.ts';

export const fitPrior: DensityFitter = (_codes, n, dim) => {
  const logNorm = -0.5 * dim * LOG_2PI;
  const logPdf = (z: Float64Array, offset: number): number => {
    let q = 0;
    for (let j = 0; j < dim; j++) q += z[offset + j]! ** 2;
    return logNorm - 0.5 * q;
  };
  const model: DensityModel = {
    kind: 'prior',
    dim,
    meanLogLikelihood: (z, count) => meanOf(dim, z, count, logPdf),
    sample: (count, seed) => {
      checkSampleCount(count);
      const rng = createRng(seed);
      const out = new Float32Array(count * dim);
      for (let i = 0; i < count * dim; i++) out[i] = rng.normal();
      return out;
    },
    toJSON: () => ({ kind: 'prior', dim, distribution: 'N(0, I)', fitted: false, n_train_codes: n }),
  };
  return model;
};

export const priorKind: DensityKindDescriptor<'prior'> = {
  kind: 'prior',
  label: 'VAE prior',
  order: 3,
  uses: [],
  onlyFor: ['vae'],
  describe: () => 'the VAE prior N(0, I)',
  fit: fitPrior,
  mixture: (saved) => {
    const dim = saved['dim'];
    if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 1) return null;
    return [{ weight: 1, mean: new Array<number>(dim).fill(0), covariance: Array.from({ length: dim }, (_, i) => Array.from({ length: dim }, (__, j) => (i === j ? 1 : 0))) }];
  },
};
