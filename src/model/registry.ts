// model.kind → how to build it from the spec and how to load it from a saved folder. Adding a kind
// means adding one entry here; the spec schema's enum must list it too.
import { UserError } from '../shared/errors.ts';
import type { ModelSpec } from '../shared/spec-types.ts';
import type { Autoencoder } from '../shared/types.ts';
import { ensureBackend } from './backend.ts';
import { readManifest, MANIFEST_FILE, type ModelManifest } from './manifest.ts';
import { buildNetwork, loadNetwork } from './network.ts';
import { fitPca, loadPca, PcaModel } from './pca.ts';
import path from 'node:path';

export interface BuildOptions {
  inputDim: number;
  seed: number;
  /** Training images (row-major count×inputDim); PCA is fitted on them, exactly, while building. */
  train?: { images: Float32Array; count: number };
}

interface ModelEntry {
  build(spec: ModelSpec, opts: BuildOptions): Autoencoder;
  load(dir: string, manifest: ModelManifest): Promise<Autoencoder>;
}

const registry: Record<string, ModelEntry> = {
  pca: {
    build(spec, opts) {
      if (!opts.train) throw new Error('buildModel: kind pca needs opts.train (the training images) to fit');
      const { fit, timing } = fitPca(opts.train.images, opts.train.count, opts.inputDim, spec.latent);
      return new PcaModel(fit, timing);
    },
    load: async (dir, manifest) => loadPca(dir, manifest),
  },
  linear: {
    build: (spec, opts) => buildNetwork(spec, opts.inputDim, opts.seed),
    load: loadNetwork,
  },
  deep: {
    build: (spec, opts) => buildNetwork(spec, opts.inputDim, opts.seed),
    load: loadNetwork,
  },
};

export const modelKinds: string[] = Object.keys(registry);

function lookup(kind: string, where: { file?: string; path: string }): ModelEntry {
  const entry = Object.hasOwn(registry, kind) ? registry[kind] : undefined;
  if (!entry) {
    throw new UserError([{ ...where, message: `unknown model kind '${kind}'; valid kinds: ${modelKinds.join(', ')}` }]);
  }
  return entry;
}

/** Builds the model the spec describes (fitting PCA on opts.train); selects a backend if none was. */
export async function buildModel(spec: ModelSpec, opts: BuildOptions): Promise<Autoencoder> {
  const entry = lookup(String(spec.kind), { path: 'model.kind' });
  if (!Number.isInteger(opts.inputDim) || opts.inputDim < 1) throw new Error(`buildModel: bad inputDim ${opts.inputDim}`);
  await ensureBackend();
  return entry.build(spec, opts);
}

/** Loads what Autoencoder.save(dir) wrote. */
export async function loadModel(dir: string): Promise<Autoencoder> {
  const manifest = readManifest(dir);
  const entry = lookup(String(manifest.kind), { file: path.join(dir, MANIFEST_FILE), path: 'kind' });
  await ensureBackend();
  return entry.load(dir, manifest);
}
