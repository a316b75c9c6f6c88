import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel, fileLoadHandler, loadModel, modelKinds, selectBackend } from '../../src/model/index.ts';
import { UserError } from '../../src/shared/errors.ts';
import type { ModelSpec } from '../../src/shared/spec-types.ts';
import { deepSpec, schemaModelEnum, syntheticImages } from './fixtures.ts';

const d = 64;
const n = 120;
const images = syntheticImages(n, d, 2);
let tmp: string;

beforeAll(async () => {
  await selectBackend();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aelab-model-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const specs: Record<string, ModelSpec> = {
  pca: deepSpec({ kind: 'pca', latent: 3 }),
  linear: deepSpec({ kind: 'linear', latent: 3, output_activation: 'linear' }),
  deep: deepSpec({ kind: 'deep', latent: 3, encoder: [24, 12], activation: 'leaky_relu' }),
};

describe('model registry', () => {
  it('knows exactly the kinds of the schema', () => {
    expect([...modelKinds].sort()).toEqual([...schemaModelEnum('kind')].sort());
  });

  it('refuses an unknown kind with a UserError listing the valid kinds', async () => {
    const bad = { ...deepSpec(), kind: 'flow' } as unknown as ModelSpec;
    const err = await buildModel(bad, { inputDim: d, seed: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(/model\.kind.*unknown model kind 'flow'; valid kinds: pca, linear, deep, vae/);
  });

  for (const kind of ['pca', 'linear', 'deep']) {
    it(`saves and reloads a ${kind} model that reproduces its reconstructions exactly`, async () => {
      const model = await buildModel(specs[kind]!, { inputDim: d, seed: 3, train: { images, count: n } });
      const dir = path.join(tmp, kind);
      await model.save(dir);
      const loaded = await loadModel(dir);
      expect(loaded.kind).toBe(kind);
      expect(loaded.inputDim).toBe(d);
      expect(loaded.latent).toBe(3);
      expect(loaded.paramCount()).toBe(model.paramCount());
      expect(loaded.summary()).toEqual(kind === 'pca' ? { ...model.summary(), pca_fit_seconds: undefined, pca_covariance_method: undefined } : model.summary());
      expect(loaded.reconstruct(images, n)).toEqual(model.reconstruct(images, n));
      expect(loaded.encode(images, n)).toEqual(model.encode(images, n));
      // No temp files left behind by the atomic writes.
      expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      model.dispose();
      loaded.dispose();
    });
  }

  it('writes linear and deep networks in the tfjs format, loadable by tf.loadLayersModel', async () => {
    const model = await buildModel(specs.deep!, { inputDim: d, seed: 4 });
    const dir = path.join(tmp, 'tfjs-format');
    await model.save(dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['aelab-model.json', 'model.json', 'weights.bin']);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['./weights.bin']);
    const network = await tf.loadLayersModel(fileLoadHandler(dir));
    const a = tf.tidy(() => (network.predict(tf.tensor2d(images, [n, d])) as tf.Tensor).dataSync());
    expect(Float32Array.from(a)).toEqual(model.reconstruct(images, n));
    network.dispose();
    model.dispose();
  });

  it('writes PCA as a JSON manifest with the explained variance plus a binary of μ and W', async () => {
    const model = await buildModel(specs.pca!, { inputDim: d, seed: 1, train: { images, count: n } });
    const dir = path.join(tmp, 'pca-format');
    await model.save(dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['aelab-model.json', 'pca.bin']);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'aelab-model.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'aelab-model', kind: 'pca', input_dim: d, latent: 3 });
    expect(manifest.explained_variance).toEqual(model.summary().explained_variance);
    expect(fs.statSync(path.join(dir, 'pca.bin')).size).toBe((d + d * 3) * 4);
    model.dispose();
  });

  it('explains a folder without a model, a damaged manifest, an unknown kind and a truncated weight file', async () => {
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty, { recursive: true });
    await expect(loadModel(empty)).rejects.toThrow(/aelab-model\.json.*no saved model here/);

    const damaged = path.join(tmp, 'damaged');
    fs.mkdirSync(damaged, { recursive: true });
    fs.writeFileSync(path.join(damaged, 'aelab-model.json'), '{ not json');
    await expect(loadModel(damaged)).rejects.toThrow(UserError);

    const unknown = path.join(tmp, 'unknown');
    fs.mkdirSync(unknown, { recursive: true });
    fs.writeFileSync(path.join(unknown, 'aelab-model.json'), JSON.stringify({ format: 'aelab-model', version: 1, kind: 'flow', input_dim: 4, latent: 2 }));
    await expect(loadModel(unknown)).rejects.toThrow(/unknown model kind 'flow'; valid kinds: pca, linear, deep, vae/);

    const model = await buildModel(specs.pca!, { inputDim: d, seed: 1, train: { images, count: n } });
    const truncated = path.join(tmp, 'truncated');
    await model.save(truncated);
    model.dispose();
    fs.truncateSync(path.join(truncated, 'pca.bin'), 100);
    await expect(loadModel(truncated)).rejects.toThrow(/pca\.bin.*has 100 bytes/);

    const net = await buildModel(specs.deep!, { inputDim: d, seed: 1 });
    const noWeights = path.join(tmp, 'no-weights');
    await net.save(noWeights);
    net.dispose();
    fs.rmSync(path.join(noWeights, 'weights.bin'));
    await expect(loadModel(noWeights)).rejects.toThrow(/weights\.bin.*missing/);
  });
});
