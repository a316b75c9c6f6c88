// density.kind prior: the VAE's own prior N(0, I), not fitted on anything. A VAE is trained so
// that its codes follow the prior, so sampling the prior and decoding is how a VAE generates; the
// fitted kinds (gaussian-diag, gaussian-full, gmm) still work on its μ(x) codes, for comparison.
// Only model.kind vae has a prior (onlyFor), and it is that kind's default density.
import { diagonalGaussian } from './gaussian-diag.ts';
import type { DensityFitter, DensityKindDescriptor } from './types.ts';

export const fitPrior: DensityFitter = (_codes, n, dim) =>
  diagonalGaussian('prior', new Float64Array(dim), new Float64Array(dim).fill(1), () => ({ kind: 'prior', dim, distribution: 'N(0, I)', fitted: false, n_train_codes: n }));

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
