// The training and layer vocabulary at toy size, through the real trainModel and buildModel:
// schedules reach history, weight decay shrinks weights, dropout and batch norm behave at
// evaluation, convolutional autoencoders train and round-trip through save/load.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel, loadModel, type NetworkAutoencoder, selectBackend } from '../../src/model/index.ts';
import type { ModelSpec, TrainSpec } from '../../src/shared/spec-types.ts';
import type { EpochRecord, TrainableAutoencoder } from '../../src/shared/types.ts';
import { trainModel } from '../../src/train/index.ts';
import { deepSpec, syntheticDataset, trainSpec } from '../model/fixtures.ts';

const data = syntheticDataset({ side: 8, nTrain: 128, nVal: 32, nTest: 16 });

beforeAll(async () => {
  await selectBackend();
});

async function trained(model: Partial<ModelSpec>, train: Partial<TrainSpec>, seed = 1, dataset = data): Promise<{ model: NetworkAutoencoder; history: EpochRecord[] }> {
  const m = (await buildModel(deepSpec(model), { inputDim: dataset.dim, imageShape: [8, 8], seed, loss: train.loss })) as NetworkAutoencoder;
  const result = await trainModel(m as TrainableAutoencoder, dataset, trainSpec(train), { seed });
  return { model: m, history: result.history };
}

const kernelNorm = (m: NetworkAutoencoder): number =>
  Math.sqrt(m.network.trainableWeights.filter((w) => /kernel/.test(w.name)).reduce((s, w) => s + tf.tidy(() => tf.sum(tf.square(w.read())).dataSync()[0]!), 0));

describe('training vocabulary', () => {
  it('records each epoch\'s learning rate, which follows the cosine schedule after warm-up', async () => {
    const { model, history } = await trained({}, { epochs: 5, learning_rate: 0.02, warmup_epochs: 1, lr_schedule: { kind: 'cosine', min_lr: 0.002 } });
    const expected = [0.02, ...[0, 1, 2, 3].map((t) => 0.002 + ((0.02 - 0.002) * (1 + Math.cos((Math.PI * t) / 4))) / 2)];
    history.forEach((h, i) => expect(h.learning_rate).toBeCloseTo(expected[i]!, 12));
    model.dispose();
  });

  it('the schedule changes training: a step decay to a tiny rate freezes the loss', async () => {
    const constant = await trained({}, { epochs: 4 });
    const frozen = await trained({}, { epochs: 4, lr_schedule: { kind: 'step', every: 1, gamma: 0.000001 } });
    expect(frozen.history.map((h) => h.learning_rate)).toEqual([0.01, 0.01 * 1e-6, 0.01 * 1e-12, 0.01 * 1e-18].map((x) => expect.closeTo(x, 20)));
    expect(frozen.history[1]!.loss).not.toBe(constant.history[1]!.loss);
    expect(Math.abs(frozen.history[3]!.loss - frozen.history[2]!.loss)).toBeLessThan(1e-5);
    constant.model.dispose();
    frozen.model.dispose();
  });

  it.each(['adamw', 'adam', 'sgd'] as const)('%s weight decay shrinks the kernels\' norm', async (optimizer) => {
    const plain = await trained({}, { epochs: 3, optimizer });
    const decayed = await trained({}, { epochs: 3, optimizer, weight_decay: 0.5 });
    expect(kernelNorm(decayed.model)).toBeLessThan(kernelNorm(plain.model) * 0.99);
    plain.model.dispose();
    decayed.model.dispose();
  });

  it('gradient clipping changes the steps and keeps training', async () => {
    const plain = await trained({}, { epochs: 2 });
    const clipped = await trained({}, { epochs: 2, gradient_clip: 0.001 });
    expect(clipped.history[0]!.loss).not.toBe(plain.history[0]!.loss);
    expect(clipped.history.every((h) => Number.isFinite(h.loss))).toBe(true);
    plain.model.dispose();
    clipped.model.dispose();
  });
});

describe('loss', () => {
  it('bce trains, reports cross-entropy in history, and its reconstructions improve in MSE', async () => {
    const { model, history } = await trained({}, { epochs: 4, loss: 'bce' });
    expect(history[3]!.loss).toBeLessThan(history[0]!.loss);
    // Cross-entropy of pixels near 0.5 is near ln 2, far above any MSE of [0, 1] values here.
    expect(history[0]!.loss).toBeGreaterThan(0.5);
    const x = data.test.images;
    const mse = (m: NetworkAutoencoder) => {
      const r = m.reconstruct(x, data.test.count);
      return r.reduce((s, v, i) => s + (v - x[i]!) ** 2, 0) / r.length;
    };
    const untrained = (await buildModel(deepSpec(), { inputDim: data.dim, seed: 1, loss: 'bce' })) as NetworkAutoencoder;
    expect(mse(model)).toBeLessThan(mse(untrained));
    untrained.dispose();
    model.dispose();
  });

  it('bce refuses pixels outside [0, 1], naming train.loss and the fix', async () => {
    const scaled = { ...data, train: { ...data.train, images: data.train.images.map((v) => v * 255) } };
    await expect(trained({}, { epochs: 1, loss: 'bce' }, 1, scaled)).rejects.toThrow(/train\.loss.*bce needs pixels in \[0, 1\].*rescale/);
  });
});

describe('layer vocabulary', () => {
  it('dropout is off at evaluation: reconstructions are deterministic and training stays repeatable', async () => {
    const a = await trained({ dropout: 0.3 }, { epochs: 2 });
    const b = await trained({ dropout: 0.3 }, { epochs: 2 });
    expect(a.history).toEqual(b.history.map((h, i) => ({ ...h, seconds: a.history[i]!.seconds })));
    const x = data.test.images;
    expect(a.model.reconstruct(x, data.test.count)).toEqual(a.model.reconstruct(x, data.test.count));
    expect(a.model.summary()).toMatchObject({ dropout: 0.3 });
    a.model.dispose();
    b.model.dispose();
  });

  it('batch norm\'s moving statistics are saved and used after loading', async () => {
    const { model } = await trained({ batch_norm: true, encoder: [16] }, { epochs: 2 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aelab-bn-'));
    try {
      await model.save(dir);
      const loaded = (await loadModel(dir)) as NetworkAutoencoder;
      const x = data.test.images;
      expect(loaded.reconstruct(x, data.test.count)).toEqual(model.reconstruct(x, data.test.count));
      const moving = loaded.network.weights.filter((w) => /moving_mean/.test(w.name));
      expect(moving.length).toBe(2);
      expect(moving.every((w) => tf.tidy(() => tf.any(tf.notEqual(w.read(), 0)).dataSync()[0]) === 1)).toBe(true);
      loaded.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      model.dispose();
    }
  });

  it('the explorer\'s dense decoder export folds batch norm, skips dropout, and equals decode; conv decoders say they have none', async () => {
    const { model } = await trained({ batch_norm: true, dropout: 0.2, encoder: [16, 8], activation: ['relu', 'tanh', 'elu', 'relu'] }, { epochs: 2 });
    expect(model.exportsDecoder()).toBe(true);
    const { layers } = model.exportDecoder();
    expect(layers.map((l) => [l.in, l.out, l.activation])).toEqual([[2, 8, 'elu'], [8, 16, 'relu'], [16, 64, 'sigmoid']]);
    const z = Float32Array.from([0.3, -1.2, 1.5, 0.4]);
    let h: number[][] = [[...z.slice(0, 2)], [...z.slice(2)]];
    const act = (a: string, v: number) => (a === 'relu' ? Math.max(0, v) : a === 'elu' ? (v > 0 ? v : Math.exp(v) - 1) : a === 'sigmoid' ? 1 / (1 + Math.exp(-v)) : v);
    for (const l of layers) h = h.map((row) => Array.from({ length: l.out }, (_, j) => act(l.activation, row.reduce((s, v, i) => s + v * l.weights[i * l.out + j]!, l.bias[j]!))));
    const decoded = model.decode(z, 2);
    h.flat().forEach((v, i) => expect(v).toBeCloseTo(decoded[i]!, 4));
    model.dispose();
    const conv = await trained({ encoder: [{ conv: 2, kernel: 3, stride: 2 }] }, { epochs: 1 });
    expect(conv.model.exportsDecoder()).toBe(false);
    expect(() => conv.model.exportDecoder()).toThrow(/no dense export/);
    conv.model.dispose();
  });

  it('a convolutional autoencoder trains, keeps the image shape, round-trips save/load and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const spec: Partial<ModelSpec> = { encoder: [{ conv: 4, kernel: 3, stride: 2 }, { conv: 4, kernel: 3, stride: 2 }, 8], activation: ['relu', 'relu', 'elu', 'elu', 'relu', 'relu'] };
    const { model, history } = await trained(spec, { epochs: 3, learning_rate: 0.01 });
    expect(history[2]!.loss).toBeLessThan(history[0]!.loss);
    expect(model.summary().architecture).toBe('8×8×1-4×4×4-2×2×4-8-2-8-2×2×4-4×4×4-8×8×1');
    const x = data.test.images;
    const out = model.reconstruct(x, data.test.count);
    expect(out.length).toBe(data.test.count * 64);
    expect(model.encode(x, data.test.count).length).toBe(data.test.count * 2);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aelab-conv-'));
    try {
      await model.save(dir);
      const loaded = await loadModel(dir);
      expect(loaded.reconstruct(x, data.test.count)).toEqual(out);
      expect(loaded.summary()).toEqual(model.summary());
      loaded.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
