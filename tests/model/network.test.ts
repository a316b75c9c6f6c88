import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel, hiddenActivations, LEAKY_RELU_ALPHA, NetworkAutoencoder, selectBackend } from '../../src/model/index.ts';
import { UserError } from '../../src/shared/errors.ts';
import type { ModelSpec } from '../../src/shared/spec-types.ts';
import { isTrainable } from '../../src/shared/types.ts';
import { deepSpec, schemaModelEnum, syntheticImages } from './fixtures.ts';

const d = 64;
const n = 50;
const images = syntheticImages(n, d, 1);

beforeAll(async () => {
  await selectBackend();
});

async function build(spec: ModelSpec, seed = 1): Promise<NetworkAutoencoder> {
  const model = await buildModel(spec, { inputDim: d, seed });
  expect(model).toBeInstanceOf(NetworkAutoencoder);
  return model as NetworkAutoencoder;
}

describe('deep autoencoder', () => {
  it('has the lecture shape in small: 64-32-2-32-64, with matching encode/decode/reconstruct shapes', async () => {
    const model = await build(deepSpec());
    expect(isTrainable(model)).toBe(true);
    expect(model.summary()).toEqual({ architecture: '64-32-2-32-64', hidden_activation: 'relu', output_activation: 'sigmoid' });
    expect(model.paramCount()).toBe(64 * 32 + 32 + 32 * 2 + 2 + 2 * 32 + 32 + 32 * 64 + 64);
    const z = model.encode(images, n);
    expect(z.length).toBe(n * 2);
    const x = model.decode(z, n);
    expect(x.length).toBe(n * d);
    for (const v of x) expect(v >= 0 && v <= 1).toBe(true);
    expect(model.reconstruct(images, n)).toEqual(x);
    // The full network is x → x̂ and agrees with reconstruct.
    const viaNetwork = tf.tidy(() => (model.network.predict(tf.tensor2d(images, [n, d])) as tf.Tensor).dataSync());
    expect(Float32Array.from(viaNetwork)).toEqual(x);
    model.dispose();
  });

  it('builds explicit decoders and mirrors the encoder otherwise', async () => {
    const mirrored = await build(deepSpec({ encoder: [40, 20, 10], latent: 3 }));
    expect(mirrored.summary().architecture).toBe('64-40-20-10-3-10-20-40-64');
    const explicit = await build(deepSpec({ encoder: [40], decoder: [16, 48], latent: 3 }));
    expect(explicit.summary().architecture).toBe('64-40-3-16-48-64');
    const none = await build(deepSpec({ encoder: [], latent: 3 }));
    expect(none.summary().architecture).toBe('64-3-64');
    for (const m of [mirrored, explicit, none]) m.dispose();
  });

  it('builds and runs every hidden activation the schema allows', async () => {
    const schemaActivations = schemaModelEnum('activation');
    expect([...hiddenActivations].sort()).toEqual([...schemaActivations].sort());
    for (const activation of schemaActivations) {
      const model = await build(deepSpec({ activation: activation as ModelSpec['activation'] }));
      const out = model.reconstruct(images, 8);
      expect(out.length).toBe(8 * d);
      expect(out.every(Number.isFinite)).toBe(true);
      expect(model.summary().hidden_activation).toBe(activation);
      model.dispose();
    }
  });

  it('applies leaky_relu with its documented slope as a separate layer', async () => {
    const model = await build(deepSpec({ activation: 'leaky_relu', encoder: [4] }));
    const layer = model.network.getLayer('encoder_1_leaky_relu');
    const y = tf.tidy(() => (layer.apply(tf.tensor2d([[-2, 3]])) as tf.Tensor).arraySync() as number[][]);
    expect(y[0]![0]).toBeCloseTo(-2 * LEAKY_RELU_ALPHA, 6);
    expect(y[0]![1]).toBeCloseTo(3, 6);
    expect(model.summary().leaky_relu_alpha).toBe(LEAKY_RELU_ALPHA);
    model.dispose();
  });

  it('builds every output activation the schema allows', async () => {
    for (const output of schemaModelEnum('output_activation')) {
      const model = await build(deepSpec({ output_activation: output as ModelSpec['output_activation'] }));
      expect(model.summary().output_activation).toBe(output);
      model.dispose();
    }
  });

  it('seeds its initial weights from the run seed: same seed same weights, other seed other weights', async () => {
    const weights = async (seed: number) => {
      const m = await build(deepSpec(), seed);
      const w = m.network.getWeights().map((t) => Array.from(t.dataSync()));
      m.dispose();
      return w;
    };
    const a = await weights(5);
    expect(await weights(5)).toEqual(a);
    expect(await weights(6)).not.toEqual(a);
    // Biases start at zero; kernels are not all zero.
    expect(a[1]!.every((v) => v === 0)).toBe(true);
    expect(a[0]!.some((v) => v !== 0)).toBe(true);
  });

  it('rejects bad widths and latent sizes as UserErrors naming the field', async () => {
    await expect(build(deepSpec({ encoder: [32, 0] }))).rejects.toThrow(/model\.encoder\[1\]/);
    await expect(build(deepSpec({ decoder: [8, -1] }))).rejects.toThrow(UserError);
    await expect(build(deepSpec({ latent: 0 }))).rejects.toThrow(/model\.latent/);
  });

  it('refuses a network too large to train here as a UserError, before tfjs tries to allocate it', async () => {
    // 64·10⁵ + 10¹⁰ + … weights: far beyond any memory; tfjs would die with "Invalid typed array length".
    const tensorsBefore = tf.memory().numTensors;
    const err = await build(deepSpec({ encoder: [100_000, 100_000] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).issues[0]).toMatchObject({ path: 'model.encoder' });
    expect((err as Error).message).toMatch(/20,013,600,066 parameters, about \d+ GB .*narrower layers/);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});


describe('linear autoencoder', () => {
  it('is one Dense to the latent code and one back, ignoring hidden widths', async () => {
    const model = await build(deepSpec({ kind: 'linear', encoder: [500, 300], output_activation: 'linear' }));
    expect(model.kind).toBe('linear');
    expect(model.summary()).toEqual({ architecture: '64-2-64', output_activation: 'linear' });
    expect(model.paramCount()).toBe(64 * 2 + 2 + 2 * 64 + 64);
    model.dispose();
  });

  it('with a linear output, encode and decode are affine maps', async () => {
    const model = await build(deepSpec({ kind: 'linear', output_activation: 'linear' }));
    const a = images.subarray(0, d);
    const b = images.subarray(d, 2 * d);
    const mid = a.map((v, i) => (v + b[i]!) / 2);
    const [za, zb, zm] = [a, b, mid].map((x) => model.encode(x, 1));
    for (let j = 0; j < 2; j++) expect(zm![j]).toBeCloseTo((za![j]! + zb![j]!) / 2, 5);
    model.dispose();
  });

  it('with the schema default (sigmoid) output, reconstructions stay in [0, 1]', async () => {
    const model = await build(deepSpec({ kind: 'linear', output_activation: 'sigmoid' }));
    for (const v of model.reconstruct(images, n)) expect(v >= 0 && v <= 1).toBe(true);
    model.dispose();
  });
});
