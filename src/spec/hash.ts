// A fingerprint of the science a spec describes: equal hashes mean the same experiment, whatever
// the file looked like (key order, extends, comments, description, a sweep block around it).
import { createHash } from 'node:crypto';

import { canonicalJson } from '../shared/canonical-json.ts';
import type { ResolvedSpec } from '../shared/spec-types.ts';

/**
 * The part of a spec that changes results: without `sweep`, `description` and `extends`, and
 * without keys the chosen kinds ignore (a PCA spec's `train` block, the hidden layers of a linear
 * model, `density.components` unless gmm), so that such keys cannot split identical runs.
 */
export function scienceOf(spec: ResolvedSpec): Record<string, unknown> {
  const out = structuredClone(spec) as unknown as Record<string, unknown>;
  delete out.sweep;
  delete out.description;
  delete out.extends;
  const model = out.model as Record<string, unknown> | undefined;
  if (model?.kind === 'pca') {
    delete out.train;
    for (const key of ['encoder', 'decoder', 'activation', 'output_activation']) delete model[key];
  } else if (model?.kind === 'linear') {
    for (const key of ['encoder', 'decoder', 'activation']) delete model[key];
  }
  const density = out.density as Record<string, unknown> | undefined;
  if (density && density.kind !== 'gmm') delete density.components;
  return out;
}

/** sha256 (hex) of the canonical JSON of scienceOf(spec). */
export function specHash(spec: ResolvedSpec): string {
  return createHash('sha256').update(canonicalJson(scienceOf(spec))).digest('hex');
}
