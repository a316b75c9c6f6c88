// The issue-12 reference VAE measured in-process with aelab's own pieces (data loader, VAE model,
// the training loop's seeded shuffle, Adam), without the run folder: 784-500-300-(2 μ, 2 log σ²)
// with a mirrored decoder, ReLU, Bernoulli, beta 1, Adam 1e-3, batch 256, 30 epochs, digits
// {1, 5, 6} (16,583 train). Prints and writes (--json) the numbers to set against the PyTorch
// reference (bench/vae_reference.py): test ELBO with its KL and reconstruction parts, IWAE-100 on
// the first 500 test images and on the whole test split, active units, test MSE of g(μ(x)).
// --init glorot starts the Dense layers as Keras does instead of the VAE's default (PyTorch's
// nn.Linear init), to measure what that difference is worth.
//
//   node bin/run-ts.mjs bench/vae-156.ts [--epochs 30] [--seed 42] [--init fan-in-uniform|glorot] [--json out.json]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { loadDataset } from '../src/data/index.ts';
import { activeUnits } from '../src/evaluate/code-stats.ts';
import { computeReconstructionMetrics } from '../src/evaluate/metrics.ts';
import { selectBackend } from '../src/model/index.ts';
import { negativeElbo } from '../src/kinds/model/vae.ts';
import { buildVae, type VaeInit } from '../src/model/vae.ts';
import { writeJsonAtomic } from '../src/shared/fs.ts';
import { createRng, deriveSeed } from '../src/shared/random.ts';

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '30' }, seed: { type: 'string', default: '42' }, init: { type: 'string', default: 'fan-in-uniform' }, json: { type: 'string' } } });
const init = values.init as VaeInit;
if (init !== 'glorot' && init !== 'fan-in-uniform') throw new Error(`--init must be glorot or fan-in-uniform, got ${values.init}`);
const epochs = Number(values.epochs);
const seed = Number(values.seed);
const backend = await selectBackend();
console.log(`backend: ${backend.reason}`);
const data = loadDataset({ source: 'mnist', digits: [1, 5, 6], validation: 5000 }, { baseDir: process.cwd() });
const { dim } = data;
const n = data.train.count;
console.log(`data: ${n} train / ${data.validation.count} val / ${data.test.count} test`);

const model = buildVae({ inputDim: dim, latent: 2, encoder: [500, 300], decoder: [300, 500], activation: 'relu', likelihood: 'bernoulli', seed, init, objective: negativeElbo });
const optimizer = tf.train.adam(1e-3);
const variables = model.trainableVariables();
const rng = createRng(deriveSeed(seed, 'shuffle'));
const order = Int32Array.from({ length: n }, (_, i) => i);
const batchSize = 256;
const buffer = new Float32Array(batchSize * dim);
const start = performance.now();
for (let epoch = 1; epoch <= epochs; epoch++) {
  rng.shuffle(order);
  let sum = 0;
  for (let from = 0; from < n; from += batchSize) {
    const rows = Math.min(batchSize, n - from);
    for (let r = 0; r < rows; r++) buffer.set(data.train.images.subarray(order[from + r]! * dim, (order[from + r]! + 1) * dim), r * dim);
    const loss = tf.tidy(() => {
      const x = tf.tensor2d(buffer.subarray(0, rows * dim), [rows, dim]);
      return optimizer.minimize(() => model.loss(x, { training: true, epoch }).loss, true, variables)!;
    });
    sum += loss.dataSync()[0]! * rows;
    loss.dispose();
  }
  console.log(`epoch ${epoch}/${epochs}: loss ${(sum / n).toFixed(2)} nats/image (${((performance.now() - start) / 1000).toFixed(0)} s)`);
}
const trainSeconds = (performance.now() - start) / 1000;

const evalStart = performance.now();
const test = data.test;
const evidence = model.evidence(test.images, test.count, deriveSeed(seed, 'evaluate:elbo:test'));
const first500 = test.images.slice(0, 500 * dim);
const iwae500 = model.iwae(first500, 500, 100, deriveSeed(seed, 'evaluate:iwae'));
const iwaeAll = model.iwae(test.images, test.count, 100, deriveSeed(seed, 'evaluate:iwae'));
const mse = computeReconstructionMetrics(model as never, data).test_mse;
const result = {
  backend: backend.name,
  epochs,
  seed,
  init,
  elbo_test: evidence.elbo,
  kl_test: evidence.kl,
  reconstruction_nll_test: evidence.reconstruction_nll,
  nll_iwae_test_first500: -iwae500,
  nll_iwae_test: -iwaeAll,
  active_units: activeUnits(model.encode(test.images, test.count), test.count, 2),
  test_mse: mse,
  train_seconds: trainSeconds,
  evaluate_seconds: (performance.now() - evalStart) / 1000,
};
console.log(JSON.stringify(result, null, 2));
if (values.json) writeJsonAtomic(values.json, result);
