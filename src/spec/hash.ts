// A fingerprint of the science a spec describes: equal hashes mean the same experiment, whatever
// the file looked like (key order, extends, comments, description, a sweep block around it).
import { createHash } from 'node:crypto';
import path from 'node:path';

import { keysIgnoredBySpec } from '../kinds/spec-keys.ts';
import { canonicalJson } from '../shared/canonical-json.ts';
import { fileDigest } from '../shared/file-digest.ts';
import { isPlainObject } from './paths.ts';
import { schemaAtPath } from './schema.ts';
import type { ResolvedSpec } from '../shared/spec-types.ts';

/** outputs.* keys that only add files or a part of report.html (added after hashes were pinned). */
const PRESENTATION_OUTPUTS = ['explorer', 'explorer_images', 'train_codes'];

/**
 * Keys added after specs were first hashed whose default leaves training as it was before they
 * existed: at their default they are left out of the hash, so existing specs keep their hashes
 * (and --reuse keeps finding their runs); any other value changes what is trained, and the hash.
 */
const ELIDED_AT_DEFAULT = [
  'model.dropout',
  'model.batch_norm',
  'model.code_l1',
  'model.tied',
  'train.lr_schedule',
  'train.warmup_epochs',
  'train.weight_decay',
  'train.gradient_clip',
  'train.loss',
] as const;

/**
 * Deletes, in place, the keys of ELIDED_AT_DEFAULT that hold their schema default: they came after
 * runs existed, so at their defaults they count for nothing (and a loader fills them in again).
 */
export function deleteElidedDefaults(spec: Record<string, unknown>): void {
  for (const key of ELIDED_AT_DEFAULT) {
    const segments = key.split('.');
    const parent = segments.slice(0, -1).reduce<unknown>((node, seg) => (isPlainObject(node) ? node[seg] : undefined), spec);
    const last = segments[segments.length - 1]!;
    if (isPlainObject(parent) && canonicalJson(parent[last]) === canonicalJson(schemaAtPath(segments)?.default)) delete parent[last];
  }
}

/**
 * The part of a spec that changes results: without `sweep`, `description` and `extends`, and
 * without outputs that only add files (PRESENTATION_OUTPUTS), without keys the chosen kinds ignore (their descriptors' `uses` say which: a PCA spec's `train`
 * block, the hidden layers of a linear model, `density.components` unless gmm), so that such keys
 * cannot split identical runs. Nor `train.workers`: the thread count changes how fast a run
 * trains, not what it learns (to float32 rounding, like another backend or machine); nor
 * `train.checkpoint_every`, which changes nothing a run computes.
 */
export function scienceOf(spec: ResolvedSpec): Record<string, unknown> {
  const out = structuredClone(spec) as unknown as Record<string, unknown>;
  delete out.sweep;
  delete out.description;
  delete out.extends;
  deleteElidedDefaults(out);
  // Extra files a run writes, which cannot change any number it reports.
  if (isPlainObject(out.outputs)) for (const key of PRESENTATION_OUTPUTS) delete out.outputs[key];
  // What is measured after training (quality metrics, their classifier) does not change the model,
  // its codes or its density; a run without them is the same experiment.
  delete out.evaluate;
  // Nor how often training is checkpointed: a resumed run ends exactly as an uninterrupted one.
  if (isPlainObject(out.train)) {
    delete out.train.workers;
    delete out.train.checkpoint_every;
  }
  for (const key of keysIgnoredBySpec(out)) {
    const segments = key.split('.');
    const parent = segments.slice(0, -1).reduce<unknown>((node, seg) => (isPlainObject(node) ? node[seg] : undefined), out);
    if (isPlainObject(parent)) delete parent[segments[segments.length - 1]!];
  }
  // Blocks left empty by the keys above count for nothing, so adding them does not split run history.
  for (const [key, value] of Object.entries(out)) if (isPlainObject(value) && Object.keys(value).length === 0) delete out[key];
  return out;
}

/** The keys naming the user's own data files (data.source idx or npy). */
const DATA_FILES = ['train_images', 'train_labels', 'test_images', 'test_labels'] as const;

/**
 * sha256 (hex) of the canonical JSON of scienceOf(spec). With `baseDir` (the spec file's folder,
 * which relative data paths start from), the user's own data files (source idx or npy) count by
 * their content — size and sha256 — instead of their paths: the same files give the same hash
 * wherever the checkout or the spec lies, relative or absolute (`aelab run RUN_DIR` reads
 * absolute ones), and a changed file gives another hash. A file that cannot be read counts by its
 * path (loading the spec refuses it anyway).
 */
export function specHash(spec: ResolvedSpec, baseDir?: string): string {
  const science = scienceOf(spec);
  const data = science.data;
  if (baseDir !== undefined && isPlainObject(data) && (data.source === 'idx' || data.source === 'npy')) {
    for (const key of DATA_FILES) {
      const file = data[key];
      if (typeof file !== 'string' || file === '') continue;
      const digest = fileDigest(path.resolve(baseDir, file));
      if (digest) data[key] = digest;
    }
  }
  return createHash('sha256').update(canonicalJson(science)).digest('hex');
}
