// A fingerprint of the science a spec describes: equal hashes mean the same experiment, whatever
// the file looked like (key order, extends, comments, description, a sweep block around it).
import { createHash } from 'node:crypto';

import { keysIgnoredBySpec } from '../kinds/spec-keys.ts';
import { canonicalJson } from '../shared/canonical-json.ts';
import { isPlainObject } from './paths.ts';
import type { ResolvedSpec } from '../shared/spec-types.ts';

/** outputs.* keys that only add files or a part of report.html (added after hashes were pinned). */
const PRESENTATION_OUTPUTS = ['explorer', 'explorer_images', 'train_codes'];

/**
 * The part of a spec that changes results: without `sweep`, `description` and `extends`, and
 * without outputs that only add files (PRESENTATION_OUTPUTS), without keys the chosen kinds ignore (their descriptors' `uses` say which: a PCA spec's `train`
 * block, the hidden layers of a linear model, `density.components` unless gmm), so that such keys
 * cannot split identical runs. Nor `train.workers`: the thread count changes how fast a run
 * trains, not what it learns (to float32 rounding, like another backend or machine).
 */
export function scienceOf(spec: ResolvedSpec): Record<string, unknown> {
  const out = structuredClone(spec) as unknown as Record<string, unknown>;
  delete out.sweep;
  delete out.description;
  delete out.extends;
  // Extra files a run writes, which cannot change any number it reports.
  if (isPlainObject(out.outputs)) for (const key of PRESENTATION_OUTPUTS) delete out.outputs[key];
  if (isPlainObject(out.train)) delete out.train.workers;
  for (const key of keysIgnoredBySpec(out)) {
    const segments = key.split('.');
    const parent = segments.slice(0, -1).reduce<unknown>((node, seg) => (isPlainObject(node) ? node[seg] : undefined), out);
    if (isPlainObject(parent)) delete parent[segments[segments.length - 1]!];
  }
  return out;
}

/** sha256 (hex) of the canonical JSON of scienceOf(spec). */
export function specHash(spec: ResolvedSpec): string {
  return createHash('sha256').update(canonicalJson(scienceOf(spec))).digest('hex');
}
