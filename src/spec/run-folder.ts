// A run folder as an input: every run keeps resolved.yaml, the spec exactly as it ran (extends
// merged, --set overrides and the sweep trial's keys applied, defaults filled, data paths made
// absolute so they resolve from anywhere), which `aelab run|show|validate RUN_DIR` read.
import fs from 'node:fs';
import path from 'node:path';

import { keysIgnoredBySpec } from '../kinds/spec-keys.ts';
import { UserError } from '../shared/errors.ts';
import type { ResolvedSpec } from '../shared/spec-types.ts';
import { DATA_FILE_KEYS } from './checks.ts';
import { deleteElidedDefaults } from './hash.ts';
import type { LoadedSpec } from './load.ts';
import { specToYaml } from './yaml-out.ts';

export const RESOLVED_YAML = 'resolved.yaml';

/** resolved.yaml's text for a loaded spec: a valid spec file that runs what `loaded` runs. */
export function resolvedSpecYaml(loaded: LoadedSpec): string {
  const spec = structuredClone(loaded.spec) as unknown as Record<string, Record<string, unknown>>;
  // Keys the kinds ignore hold defaults that did nothing (and are left out of the hash): leaving
  // them out keeps the file short and free of "ignored key" warnings when it is run again.
  for (const key of keysIgnoredBySpec(spec)) {
    const [block, leaf] = key.split('.');
    if (leaf === undefined) delete spec[block!];
    else if (spec[block!]) delete spec[block!]![leaf];
  }
  // Keys at the defaults they had before they existed say nothing, and one of them is refused
  // where its kind decides it (train.loss of a vae): leave them out, the loader fills them in.
  deleteElidedDefaults(spec);
  // min_delta does nothing without patience (the checks warn when it is written): leave it out.
  const stopping = spec.train?.early_stopping as Record<string, unknown> | undefined;
  if (stopping && stopping.patience === 0) delete stopping.min_delta;
  const data = spec.data;
  if (data) {
    for (const key of DATA_FILE_KEYS) {
      if (typeof data[key] === 'string' && data[key] !== '') data[key] = path.resolve(loaded.dir, data[key] as string);
    }
  }
  const overrides = Object.entries(loaded.overrides).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  const header = [
    `# The spec as this run ran it: ${path.basename(loaded.file)}` +
      (loaded.extendsChain.length > 1 ? ` (extends merged)` : '') +
      (overrides.length > 0 ? ` with ${overrides.join(', ')}` : '') +
      '; defaults filled in, data paths absolute.',
    `# Spec hash ${loaded.hash}. Run it again with: aelab run <this run folder>`,
  ];
  return header.join('\n') + '\n' + specToYaml(spec as unknown as ResolvedSpec);
}

/**
 * The spec file a run folder stands for (its resolved.yaml), or null when `dir` is no run folder.
 * A run folder from before resolved.yaml existed gets a UserError with the equivalent command.
 */
export function runFolderSpecFile(dir: string): string | null {
  if (!fs.existsSync(path.join(dir, 'run.json'))) return null;
  const file = path.join(dir, RESOLVED_YAML);
  if (fs.existsSync(file)) return file;
  let hint = '';
  try {
    const run = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as { spec_file?: unknown; overrides?: Record<string, unknown> };
    if (typeof run.spec_file === 'string') {
      const sets = Object.entries(run.overrides ?? {}).map(([k, v]) => ` --set '${k}=${JSON.stringify(v)}'`);
      hint = `; the same spec runs with: aelab run ${run.spec_file}${sets.join('')}`;
    }
  } catch {
    // no hint
  }
  throw new UserError(`${dir}: this run folder has no ${RESOLVED_YAML} (it was made by an older aelab)${hint}`);
}
