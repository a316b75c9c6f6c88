// Every saved model folder has a small manifest naming its kind, so that loadModel() can hand the
// folder to the right loader; the kind-specific files sit next to it.
import fs from 'node:fs';
import path from 'node:path';
import { fileError } from '../shared/errors.ts';
import { writeJsonAtomic } from '../shared/fs.ts';
import type { ModelManifest } from '../kinds/model/types.ts';

export type { ModelManifest };

export const MANIFEST_FILE = 'aelab-model.json';
const FORMAT: ModelManifest['format'] = 'aelab-model';
const FORMAT_VERSION = 1;

export function writeManifest(dir: string, fields: Omit<ModelManifest, 'format' | 'version'>): void {
  writeJsonAtomic(path.join(dir, MANIFEST_FILE), { format: FORMAT, version: FORMAT_VERSION, ...fields });
}

export function readManifest(dir: string): ModelManifest {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw fileError(file, `no saved model here (missing ${MANIFEST_FILE}); point at the model/ folder of a run`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw fileError(file, `is not valid JSON (${(err as Error).message}); the model folder is damaged, re-run the experiment`);
  }
  const m = value as Partial<ModelManifest> | null;
  if (m === null || typeof m !== 'object' || m.format !== FORMAT) {
    throw fileError(file, `is not an aelab model manifest (format must be '${FORMAT}')`);
  }
  if (typeof m.version !== 'number' || m.version > FORMAT_VERSION) {
    throw fileError(file, `has format version ${String(m.version)}, newer than this aelab reads (${FORMAT_VERSION}); update aelab`);
  }
  for (const key of ['input_dim', 'latent'] as const) {
    if (!Number.isInteger(m[key]) || (m[key] as number) < 1) throw fileError(file, `needs a positive integer '${key}'`, key);
  }
  if (typeof m.kind !== 'string') throw fileError(file, `needs a 'kind'`, 'kind');
  return m as ModelManifest;
}

/** Reads a file of the model folder as bytes, as a user-facing error when it is missing. */
export function readModelFile(dir: string, name: string): Buffer {
  const file = path.join(dir, name);
  try {
    return fs.readFileSync(file);
  } catch {
    throw fileError(file, 'is missing; the model folder is incomplete, re-run the experiment');
  }
}
