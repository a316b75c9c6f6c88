// model.tied at toy size, through the real buildModel, trainModel and save/load: the decoder applies
// the encoder's kernels transposed (one variable each, trained once), halving the kernels' weight
// count, and the tie survives saving, loading and the explorer's decoder export.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel, loadModel, type NetworkAutoencoder, selectBackend } from '../../src/model/index.ts';
import { TiedDense } from '../../src/model/tied-dense.ts';
import type { ModelSpec } from '../../src/shared/spec-types.ts';
import type { TrainableAutoencoder } from '../../src/shared/types.ts';
import { trainModel } from '../../src/train/index.ts';
import { deepSpec, syntheticDataset, trainSpec } from './fixtures.ts';

const data = syntheticDataset({ side: 4, nTrain: 64, nVal: 16, nTest: 8 });

beforeAll(async () => {
  await selectBackend();
});

const build = async (model: Partial<ModelSpec>, inputDim = data.dim, seed = 3) =>
  (await buildModel(deepSpec(model), { inputDim, imageShape: [Math.sqrt(inputDim), Math.sqrt(inputDim)], seed })) as NetworkAutoencoder;

/** A copy of the first weight (kernel, or a tied layer's bias) of a layer. */
const read = (m: NetworkAutoencoder, name: string): Float32Array => Float32Array.from(m.network.getLayer(name).getWeights()[0]!.dataSync());
const kernelWeights = (m: NetworkAutoencoder): number =>
  m.network.trainableWeights.filter((w) => /kernel/.test(w.name)).reduce((s, w) => s + w.shape.reduce<number>((a, b) => a * (b ?? 0), 1), 0);

/** Plain row-major z (n × k) · Wᵀ + b for W (out × k), in float64. */
function timesTransposed(z: Float32Array, n: number, w: Float32Array, out: number, bias: Float32Array): number[] {
  const k = z.length / n;
  const y: number[] = [];
  for (let r = 0; r < n; r++) for (let j = 0; j < out; j++) {
    let s = bias[j]!;
    for (let i = 0; i < k; i++) s += z[r * k + i]! * w[j * k + i]!;
    y.push(s);
  }
  return y;
}

describe('model.tied', () => {
  it('tied halves the kernels\' weight count of a 784-32-8 model, builds the mirrored shapes and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const untied = await build({ encoder: [32], latent: 8 }, 784);
    const tied = await build({ encoder: [32], latent: 8, tied: true }, 784);
    const decoderKernels = 8 * 32 + 32 * 784;
    expect(kernelWeights(untied)).toBe(2 * decoderKernels);
    expect(kernelWeights(tied)).toBe(decoderKernels);
    expect(untied.paramCount() - tied.paramCount()).toBe(decoderKernels);
    // The decoder keeps its biases: 32 + 784 trainable numbers besides the shared kernels.
    expect(tied.paramCount()).toBe(decoderKernels + 32 + 8 + 32 + 784);
    // The optimizer's list holds each variable once: 2 encoder kernels + 2 encoder biases + 2 decoder biases.
    const names = tied.network.trainableWeights.map((w) => w.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBe(6);
    expect(tied.network.layers.filter((l) => l instanceof TiedDense).map((l) => [l.name, (l as TiedDense).tiedTo])).toEqual([
      ['decoder_1', 'latent'],
      ['reconstruction', 'encoder_1'],
    ]);
    expect(tied.summary()).toMatchObject({ architecture: '784-32-8-32-784', tied: true });
    const x = new Float32Array(3 * 784).fill(0.5);
    expect(tied.encode(x, 3).length).toBe(3 * 8);
    expect(tied.decode(new Float32Array(3 * 8), 3).length).toBe(3 * 784);
    expect(tied.reconstruct(x, 3).length).toBe(3 * 784);
    untied.dispose();
    tied.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('training updates the shared kernel, and decode is z·Wᵀ + d with the encoder\'s W (linear kind)', async () => {
    const model = await build({ kind: 'linear', latent: 3, output_activation: 'linear', tied: true });
    const initial = read(model, 'latent');
    const initialBias = read(model, 'reconstruction');
    const { history } = await trainModel(model as TrainableAutoencoder, data, trainSpec({ epochs: 3, learning_rate: 0.02 }), { seed: 3 });
    expect(history[2]!.loss).toBeLessThan(history[0]!.loss);
    const w = read(model, 'latent'); // 16 × 3, the encoder's A
    expect(Math.max(...w.map((v, i) => Math.abs(v - initial[i]!)))).toBeGreaterThan(1e-3);
    const d = read(model, 'reconstruction'); // the decoder's own bias (its only weight)
    expect(model.network.getLayer('reconstruction').getWeights().length).toBe(1);
    expect(Math.max(...d.map((v, i) => Math.abs(v - initialBias[i]!)))).toBeGreaterThan(1e-4);
    // Aᵀ as the decoder's kernel: x̂ = z·Aᵀ + d, where A is (pixels × code) so Aᵀ's rows are A's columns.
    const z = Float32Array.from([0.5, -1, 2, 1.5, 0.25, -0.75]);
    const expected = timesTransposed(z, 2, w, data.dim, d);
    const decoded = model.decode(z, 2);
    expected.forEach((v, i) => expect(decoded[i]).toBeCloseTo(v, 4));
    model.dispose();
  });

  it('the deep decoder applies the encoder\'s kernels transposed, with batch norm and dropout, and the export gives them', async () => {
    const model = await build({ encoder: [8], latent: 2, tied: true, batch_norm: true, dropout: 0.2, activation: 'tanh' });
    await trainModel(model as TrainableAutoencoder, data, trainSpec({ epochs: 2 }), { seed: 3 });
    const { layers } = model.exportDecoder();
    expect(layers.map((l) => [l.in, l.out, l.activation])).toEqual([[2, 8, 'tanh'], [8, 16, 'sigmoid']]);
    // The output layer has no batch norm, so its exported weights are exactly encoder_1's kernel transposed.
    const w1 = read(model, 'encoder_1'); // 16 × 8
    for (let i = 0; i < 8; i++) for (let j = 0; j < 16; j++) expect(layers[1]!.weights[i * 16 + j]).toBe(w1[j * 8 + i]);
    const z = Float32Array.from([0.3, -1.2, 1.5, 0.4]);
    let h: number[][] = [[0.3, -1.2], [1.5, 0.4]];
    const act = (a: string, v: number) => (a === 'tanh' ? Math.tanh(v) : a === 'sigmoid' ? 1 / (1 + Math.exp(-v)) : v);
    for (const l of layers) h = h.map((row) => Array.from({ length: l.out }, (_, j) => act(l.activation, row.reduce((s, v, i) => s + v * l.weights[i * l.out + j]!, l.bias[j]!))));
    const decoded = model.decode(z, 2);
    h.flat().forEach((v, i) => expect(decoded[i]).toBeCloseTo(v, 4));
    model.dispose();
  });

  it('saves and loads: one kernel per tie in weights.bin, and the loaded model reconstructs identically', async () => {
    const model = await build({ encoder: [8, 4], latent: 2, tied: true });
    await trainModel(model as TrainableAutoencoder, data, trainSpec({ epochs: 1 }), { seed: 3 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aelab-tied-'));
    try {
      await model.save(dir);
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      const saved = (json.weightsManifest[0].weights as { name: string }[]).map((w) => w.name);
      expect(saved.filter((n) => /kernel/.test(n))).toEqual(['encoder_1/kernel', 'encoder_2/kernel', 'latent/kernel']);
      expect(JSON.stringify(json.modelTopology)).toContain('AelabTiedDense');
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'aelab-model.json'), 'utf8'))).toMatchObject({ tied: true });
      const loaded = (await loadModel(dir)) as NetworkAutoencoder;
      const x = data.test.images;
      expect(loaded.reconstruct(x, data.test.count)).toEqual(model.reconstruct(x, data.test.count));
      expect(loaded.paramCount()).toBe(model.paramCount());
      expect(loaded.summary()).toEqual(model.summary());
      expect(loaded.exportDecoder()).toEqual(model.exportDecoder());
      loaded.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      model.dispose();
    }
  });

  it('refuses a decoder that does not mirror the encoder, and convolutions, when built directly', async () => {
    await expect(build({ encoder: [8], decoder: [4], tied: true })).rejects.toThrow(/model.decoder.*mirrors the encoder/);
    await expect(build({ encoder: [{ conv: 2, kernel: 3, stride: 2 }], tied: true })).rejects.toThrow(/model.tied.*remove model.tied or the convolutions/);
  });
});
