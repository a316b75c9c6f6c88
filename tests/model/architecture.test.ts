import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildArchitecture, hiddenLayerNames, type ArchitectureOptions } from '../../src/model/architecture.ts';
import { buildModel, type NetworkAutoencoder, selectBackend } from '../../src/model/index.ts';
import { layerSeed } from '../../src/model/network.ts';
import { UserError } from '../../src/shared/errors.ts';
import { deepSpec, syntheticImages } from './fixtures.ts';

beforeAll(async () => {
  await selectBackend();
});

const options = (over: Partial<ArchitectureOptions>): ArchitectureOptions => ({
  imageShape: [8, 8, 1],
  encoder: [32],
  decoder: 'mirror',
  latent: 2,
  activation: 'relu',
  outputActivation: 'sigmoid',
  dropout: 0,
  batchNorm: false,
  seed: 1,
  layerSeed,
  ...over,
});

function network(o: ArchitectureOptions): { model: tf.Sequential; encoderLayerCount: number; shapes: string[] } {
  const a = buildArchitecture(o);
  return { model: tf.sequential({ layers: a.layers }), encoderLayerCount: a.encoderLayerCount, shapes: a.shapes };
}

function outputOf(model: tf.LayersModel, x: Float32Array, n: number, dim: number, training: boolean): Float32Array {
  return tf.tidy(() => (model.apply(tf.tensor2d(x, [n, dim]), { training }) as tf.Tensor).dataSync() as Float32Array);
}

function problemsOf(f: () => unknown): { path: string; message: string }[] {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as UserError).issues;
  }
  throw new Error('expected a UserError');
}

describe('buildArchitecture', () => {
  it('builds a dense network weight for weight like the deep kind always has (same names, same seeds)', async () => {
    const before = tf.memory().numTensors;
    const old = (await buildModel(deepSpec({ encoder: [32, 16], latent: 3, activation: 'leaky_relu' }), { inputDim: 64, seed: 5 })) as NetworkAutoencoder;
    const ours = network(options({ encoder: [32, 16], latent: 3, activation: 'leaky_relu', seed: 5 }));
    expect(ours.model.layers.map((l) => l.name)).toEqual(old.network.layers.map((l) => l.name));
    const a = ours.model.getWeights();
    const b = old.network.getWeights();
    expect(a.length).toBe(b.length);
    a.forEach((w, i) => expect(w.dataSync()).toEqual(b[i]!.dataSync()));
    expect(ours.shapes).toEqual(['64', '32', '16', '3', '16', '32', '64']);
    old.dispose();
    ours.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('mirrors a convolutional encoder with transposed convolutions back to 28×28×1', () => {
    const before = tf.memory().numTensors;
    const { model, encoderLayerCount, shapes } = network(options({ imageShape: [28, 28, 1], encoder: [{ conv: 8, kernel: 3, stride: 2 }, { conv: 4, kernel: 3, stride: 2 }, 16], latent: 2 }));
    expect(shapes).toEqual(['28×28×1', '14×14×8', '7×7×4', '16', '2', '16', '7×7×4', '14×14×8', '28×28×1']);
    const n = 3;
    const x = syntheticImages(n, 784, 2);
    const out = outputOf(model, x, n, 784, false);
    expect(out.length).toBe(n * 784);
    expect(out.every((v) => v >= 0 && v <= 1)).toBe(true);
    // The encoder's slice ends at the 2-D code.
    const code = tf.tidy(() => {
      let h: tf.Tensor = tf.tensor2d(x, [n, 784]);
      for (const layer of model.layers.slice(0, encoderLayerCount)) h = layer.apply(h) as tf.Tensor;
      return h.shape;
    });
    expect(code).toEqual([n, 2]);
    expect(model.layers.filter((l) => l.getClassName() === 'Conv2DTranspose')).toHaveLength(2);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('crops where a stride rounded an odd size up, so other image shapes come back exactly', () => {
    const { model, shapes } = network(options({ imageShape: [7, 5, 1], encoder: [{ conv: 3, kernel: 3, stride: 2 }, { conv: 2, kernel: 2, stride: 2 }], latent: 2 }));
    expect(shapes).toEqual(['7×5×1', '4×3×3', '2×2×2', '2', '2×2×2', '4×3×3', '7×5×1']);
    const out = outputOf(model, syntheticImages(2, 35, 3), 2, 35, false);
    expect(out.length).toBe(2 * 35);
    expect(model.outputs[0]!.shape).toEqual([null, 35]);
    model.dispose();
  });

  it('takes one activation per hidden layer, in order', () => {
    const o = options({ imageShape: [8, 8, 1], encoder: [{ conv: 4, kernel: 3, stride: 2 }, 8], latent: 2 });
    expect(hiddenLayerNames(o)).toEqual(['encoder_conv_1', 'encoder_1', 'decoder_1', 'decoder_unflatten']);
    const { model } = network({ ...o, activation: ['tanh', 'elu', 'leaky_relu', 'sigmoid'] });
    const activationOf = (name: string) => (model.getLayer(name).getConfig() as { activation?: string }).activation;
    expect(activationOf('encoder_conv_1')).toBe('tanh');
    expect(activationOf('encoder_1')).toBe('elu');
    expect(activationOf('decoder_1')).toBe('linear');
    expect(model.getLayer('decoder_1_leaky_relu').getClassName()).toBe('LeakyReLU');
    expect(activationOf('decoder_unflatten')).toBe('sigmoid');
    expect(activationOf('reconstruction')).toBe('sigmoid');
    model.dispose();
    const problems = problemsOf(() => buildArchitecture({ ...o, activation: ['relu', 'relu'] }));
    expect(problems[0]!.path).toBe('model.activation');
    expect(problems[0]!.message).toMatch(/one activation per hidden layer: 4 \(encoder_conv_1, encoder_1, decoder_1, decoder_unflatten\), got 2/);
    expect(problemsOf(() => buildArchitecture({ ...o, activation: ['relu', 'nope' as never, 'relu', 'relu'] }))[0]!.path).toBe('model.activation[1]');
  });

  it('dropout acts only while training: evaluation is deterministic, training masks differ per step but repeat per seed', () => {
    const o = options({ encoder: [32, 16], dropout: 0.5 });
    const x = syntheticImages(4, 64, 4);
    const a = network(o).model;
    const b = network(o).model;
    const plain = network(options({ encoder: [32, 16] })).model;
    // Evaluation: the same as without dropout layers, every time.
    expect(outputOf(a, x, 4, 64, false)).toEqual(outputOf(plain, x, 4, 64, false));
    expect(outputOf(a, x, 4, 64, false)).toEqual(outputOf(a, x, 4, 64, false));
    // Training: a new mask every call, the same sequence of masks for the same seed.
    const a1 = outputOf(a, x, 4, 64, true);
    const a2 = outputOf(a, x, 4, 64, true);
    expect(a1).not.toEqual(a2);
    expect(outputOf(b, x, 4, 64, true)).toEqual(a1);
    expect(outputOf(b, x, 4, 64, true)).toEqual(a2);
    expect(a1).not.toEqual(outputOf(plain, x, 4, 64, true));
    for (const m of [a, b, plain]) m.dispose();
  });

  it('batch norm learns moving statistics while training and uses them at evaluation', () => {
    const { model } = network(options({ encoder: [16], batchNorm: true }));
    const x = syntheticImages(16, 64, 5);
    const norm = model.getLayer('encoder_1_batch_norm');
    const stats = () => norm.getWeights().slice(2).map((w) => Array.from(w.dataSync()));
    const [mean0] = stats();
    expect(mean0!.every((v) => v === 0)).toBe(true);
    const evalBefore = outputOf(model, x, 16, 64, false);
    outputOf(model, x, 16, 64, true);
    const [mean1] = stats();
    expect(mean1!.some((v) => v !== 0)).toBe(true);
    // Evaluation reads the moving statistics: they changed, so the output did; it is deterministic.
    const evalAfter = outputOf(model, x, 16, 64, false);
    expect(evalAfter).not.toEqual(evalBefore);
    expect(outputOf(model, x, 16, 64, false)).toEqual(evalAfter);
    // Moving statistics are weights of the model (saved with it) but not trained by the optimizer.
    expect(model.weights.map((w) => w.name).filter((n) => /moving/.test(n))).toHaveLength(4);
    expect(model.trainableWeights.map((w) => w.name).filter((n) => /moving/.test(n))).toHaveLength(0);
    model.dispose();
  });

  it('refuses impossible settings naming the field and the fix', () => {
    expect(problemsOf(() => buildArchitecture(options({ dropout: 1 })))[0]).toMatchObject({ path: 'model.dropout', message: expect.stringMatching(/below 1/) });
    expect(problemsOf(() => buildArchitecture(options({ encoder: [16, { conv: 4, kernel: 3, stride: 2 }] })))[0]).toMatchObject({ path: 'model.encoder[1]', message: expect.stringMatching(/before the dense widths/) });
    expect(problemsOf(() => buildArchitecture(options({ encoder: [{ conv: 4, kernel: 3, stride: 2 }], decoder: [8] })))[0]).toMatchObject({ path: 'model.decoder', message: expect.stringMatching(/mirror/) });
    expect(problemsOf(() => buildArchitecture(options({ encoder: [{ conv: 4, kernel: 0, stride: 2 }] })))[0]!.path).toBe('model.encoder[0].kernel');
    const tooSmall = problemsOf(() => buildArchitecture(options({ imageShape: [2, 2, 1], encoder: [{ conv: 4, kernel: 3, stride: 2 }, { conv: 4, kernel: 3, stride: 2 }] })));
    expect(tooSmall[0]).toMatchObject({ path: 'model.encoder[1]', message: expect.stringMatching(/too small/) });
  });

  it('trains a small conv autoencoder (loss falls) without leaking tensors per step', () => {
    const { model } = network(options({ imageShape: [8, 8, 1], encoder: [{ conv: 4, kernel: 3, stride: 2 }, 8], latent: 2, dropout: 0.1, batchNorm: true }));
    const x = tf.tensor2d(syntheticImages(32, 64, 6), [32, 64]);
    const optimizer = tf.train.adam(0.01);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const step = (): number => {
      const loss = optimizer.minimize(() => tf.mean(tf.squaredDifference(model.apply(x, { training: true }) as tf.Tensor, x)) as tf.Scalar, true, variables)!;
      const value = loss.dataSync()[0]!;
      loss.dispose();
      return value;
    };
    const first = step();
    const tensors = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 15; i++) last = step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(last).toBeLessThan(first);
    x.dispose();
    optimizer.dispose();
    model.dispose();
  });
});
