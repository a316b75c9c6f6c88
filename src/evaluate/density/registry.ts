// Density kinds by name. Adding a kind: write its fitter in one file and add one line below (the
// `satisfies` makes the compiler insist on an entry for every kind the schema allows).
import { UserError } from '../../shared/errors.ts';
import type { DensityKind } from '../../shared/spec-types.ts';
import type { DensityModel } from '../../shared/types.ts';
import { codeScale, toFloat64 } from '../linalg.ts';
import { fitGaussianDiag } from './gaussian-diag.ts';
import { fitGaussianFull } from './gaussian-full.ts';
import { fitGmm } from './gmm.ts';
import type { DensityFitOptions, DensityFitter } from './types.ts';

const densityFitters = {
  'gaussian-diag': fitGaussianDiag,
  'gaussian-full': fitGaussianFull,
  gmm: fitGmm,
} satisfies Record<DensityKind, DensityFitter>;

export const densityKinds: string[] = Object.keys(densityFitters);

/**
 * Fits a density of the given kind on n row-major codes of dimension dim (the training codes).
 * Throws a UserError for an unknown kind, for codes that are not finite (a diverged model), and
 * for problems specific to a kind (gmm with fewer codes than components).
 */
export function fitDensity(
  kind: DensityKind,
  codes: Float32Array,
  n: number,
  dim: number,
  opts: DensityFitOptions,
): DensityModel {
  if (!Object.hasOwn(densityFitters, kind)) {
    throw new UserError([
      { path: 'density.kind', message: `unknown density kind "${String(kind)}"; valid kinds: ${densityKinds.join(', ')}` },
    ]);
  }
  const fitter: DensityFitter = densityFitters[kind];
  if (!Number.isInteger(dim) || dim < 1 || !Number.isInteger(n) || n < 0 || codes.length !== n * dim) {
    throw new Error(`fitDensity: codes hold ${codes.length} values, expected n×dim = ${n}×${dim}`);
  }
  if (n === 0) {
    throw new UserError([
      { path: 'data', message: 'there are no training codes to fit the density model on; the training split is empty' },
    ]);
  }
  for (let i = 0; i < codes.length; i++) {
    if (!Number.isFinite(codes[i]!)) {
      throw new UserError([
        {
          path: 'density',
          message: `training code ${Math.floor(i / dim)} has a non-finite value (${codes[i]}), so no density can be fitted; training probably diverged — lower train.learning_rate`,
        },
      ]);
    }
  }
  const z = toFloat64(codes);
  return fitter(z, n, dim, codeScale(z, n, dim), opts);
}
