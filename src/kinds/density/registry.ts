// Density kinds by name.
//
// Layering: src/kinds/ is the plugin layer; any stage may import it for what a kind is. Its
// files import src/shared/ (and each other) only, and importing them never loads tfjs: density
// kinds are pure JavaScript. Adding a density kind: its file in this folder exporting one
// DensityKindDescriptor, one line below (the `satisfies` makes the compiler demand an entry for
// every kind the schema's density.kind enum allows), the schema branch, `npm run gen`, its tests.
// CONTRIBUTING.md has the checklist.
import { UserError } from '../../shared/errors.ts';
import { codeScale, toFloat64 } from '../../shared/linalg.ts';
import type { DensityKind } from '../../shared/spec-types.ts';
import type { DensityModel } from '../../shared/types.ts';
import { gaussianDiagKind } from './gaussian-diag.ts';
import { gaussianFullKind } from './gaussian-full.ts';
import { gmmKind } from './gmm.ts';
import type { DensityFitOptions, DensityKindDescriptor } from './types.ts';

export const densityKindRegistry = {
  'gaussian-diag': gaussianDiagKind,
  'gaussian-full': gaussianFullKind,
  gmm: gmmKind,
} satisfies { [K in DensityKind]: DensityKindDescriptor<K> };

/** Every density kind, in display order. */
export const densityKinds: DensityKind[] = (Object.keys(densityKindRegistry) as DensityKind[]).sort(
  (a, b) => densityKindRegistry[a].order - densityKindRegistry[b].order,
);

export function isDensityKind(kind: unknown): kind is DensityKind {
  return typeof kind === 'string' && Object.hasOwn(densityKindRegistry, kind);
}

/** The descriptor of a density kind; an unknown kind is the user's mistake, and the message lists the valid ones. */
export function densityKind(kind: unknown, where: { file?: string; path: string } = { path: 'density.kind' }): DensityKindDescriptor {
  if (!isDensityKind(kind)) {
    throw new UserError([{ ...where, message: `unknown density kind "${String(kind)}"; valid kinds: ${densityKinds.join(', ')}` }]);
  }
  return densityKindRegistry[kind];
}

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
  const descriptor = densityKind(kind);
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
  return descriptor.fit(z, n, dim, codeScale(z, n, dim), opts);
}
