// buildModel / loadModel: the model stage's entry points. What each kind is and how it is built
// lives in its descriptor (src/kinds/model/); this selects a backend first and dispatches.
import path from 'node:path';
import { modelKind, modelKinds } from '../kinds/model/registry.ts';
import type { BuildOptions } from '../kinds/model/types.ts';
import type { ModelSpec } from '../shared/spec-types.ts';
import type { Autoencoder } from '../shared/types.ts';
import { ensureBackend } from './backend.ts';
import { MANIFEST_FILE, readManifest } from './manifest.ts';

export { modelKinds };
export type { BuildOptions };

/** Builds the model the spec describes (fitting PCA on opts.train); selects a backend if none was. */
export async function buildModel(spec: ModelSpec, opts: BuildOptions): Promise<Autoencoder> {
  const kind = modelKind(spec.kind, { path: 'model.kind' });
  if (!Number.isInteger(opts.inputDim) || opts.inputDim < 1) throw new Error(`buildModel: bad inputDim ${opts.inputDim}`);
  await ensureBackend();
  return kind.build(spec, opts);
}

/** Loads what Autoencoder.save(dir) wrote. */
export async function loadModel(dir: string): Promise<Autoencoder> {
  const manifest = readManifest(dir);
  const kind = modelKind(manifest.kind, { file: path.join(dir, MANIFEST_FILE), path: 'kind' });
  await ensureBackend();
  return kind.load(dir, manifest);
}
