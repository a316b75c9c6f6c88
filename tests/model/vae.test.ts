import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.ts';
import { activeUnits, codeSparsity } from '../../src/evaluate/code-stats.ts';
import { cholesky, columnMean, covariance, LOG_2PI, logDetFromCholesky, mahalanobisSq, symmetricEigen } from '../../src/shared/linalg.ts';
import { selectBackend } from '../../src/model/index.ts';
import { readManifest } from '../../src/model/manifest.ts';
import { bernoulliNll, buildVae, gaussianNll, klPerImage, loadVae, type VaeOptions, type VariationalAutoencoder } from '../../src/model/vae.ts';
import { negativeElbo } from '../../src/kinds/model/vae.ts';
import { UserError } from '../../src/shared/errors.ts';
import { createRng } from '../../src/shared/random.ts';
import { syntheticImages } from './fixtures.ts';

const d = 64;
const n = 96;
const images = syntheticImages(n, d, 3);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aelab-vae-'));

beforeAll(async () => {
  await selectBackend();
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function toy(overrides: Partial<VaeOptions> = {}): VariationalAutoencoder {
  return buildVae({ inputDim: d, latent: 2, encoder: [32], decoder: [32], activation: 'relu', likelihood: 'bernoulli', seed: 1, objective: negativeElbo, ...overrides });
}

/** Plain Adam steps on model.loss, the way a training loop drives it. Returns the loss of each step. */
function train(model: VariationalAutoencoder, x: Float32Array, count: number, opts: { epochs: number; batch: number; lr: number }): number[] {
  const dim = model.inputDim;
  const optimizer = tf.train.adam(opts.lr);
  const variables = model.trainableVariables();
  const losses: number[] = [];
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    for (let start = 0; start < count; start += opts.batch) {
      const rows = Math.min(opts.batch, count - start);
      const loss = tf.tidy(() => {
        const xb = tf.tensor2d(x.slice(start * dim, (start + rows) * dim), [rows, dim]);
        return optimizer.minimize(() => model.loss(xb, { training: true, epoch }).loss, true, variables)!;
      });
      losses.push(loss.dataSync()[0]!);
      loss.dispose();
    }
  }
  optimizer.dispose();
  return losses;
}

function weightsOf(model: VariationalAutoencoder): number[][] {
  return model.network.getWeights().map((w) => Array.from(w.dataSync()));
}

describe('vae: shapes and parts', () => {
  it('has two heads on the last hidden layer and a mirrored decoder: 64-32-(2 μ, 2 log σ²)-32-64', () => {
    const model = toy();
    expect(model.kind).toBe('vae');
    expect(model.summary()).toMatchObject({ architecture: '64-32-(2 μ, 2 log σ²)-32-64', likelihood: 'bernoulli', beta: 1 });
    expect(model.paramCount()).toBe(64 * 32 + 32 + 2 * (32 * 2 + 2) + 2 * 32 + 32 + 32 * 64 + 64);
    const z = model.encode(images, n);
    expect(z.length).toBe(n * 2);
    const x = model.decode(z, n);
    expect(x.length).toBe(n * d);
    for (const v of x) expect(v >= 0 && v <= 1).toBe(true);
    expect(model.reconstruct(images, n)).toEqual(x);
    // The saved network's outputs are g(μ(x)), μ(x) and log σ²(x).
    const [mean, mu, logVar] = tf.tidy(() => (model.network.predict(tf.tensor2d(images, [n, d])) as tf.Tensor[]).map((t) => t.dataSync()));
    expect(Float32Array.from(mean!)).toEqual(x);
    expect(Float32Array.from(mu!)).toEqual(z);
    expect(logVar!.length).toBe(n * 2);
    model.dispose();
  });

  it('heads sit on the input when there are no hidden layers; the gaussian decoder adds one learned log-variance', () => {
    const model = toy({ encoder: [], decoder: [], likelihood: 'gaussian', outputActivation: 'linear', initialLogVariance: -2 });
    expect(model.paramCount()).toBe(2 * (64 * 2 + 2) + 2 * 64 + 64 + 1);
    expect(model.pixelVariance()).toBeCloseTo(Math.exp(-2), 6);
    expect(model.trainableVariables().length).toBe(2 + 2 + 2 + 1);
    model.dispose();
  });

  it('starts its Dense layers as PyTorch does (fan-in-uniform: weights and biases in ±1/√fan_in) or as Keras does (glorot: zero biases)', () => {
    // Layer → its fan-in in the 64-32-(2, 2)-32-64 toy: the decoder's first layer sees the 2-d code.
    const fanIns: Record<string, number> = { encoder_1: 64, z_mean: 32, z_log_var: 32, decoder_1: 2, reconstruction: 32 };
    const maxAbs = (values: ArrayLike<number>) => Array.from(values).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const pytorchLike = toy({ init: 'fan-in-uniform' });
    const keras = toy({ init: 'glorot' });
    for (const [name, fanIn] of Object.entries(fanIns)) {
      const bound = 1 / Math.sqrt(fanIn);
      const [kernel, bias] = pytorchLike.network.getLayer(name).getWeights().map((w) => w.dataSync());
      // Uniform over the whole interval: the largest of ≥ 64 draws lies within 15 % of the bound.
      expect(maxAbs(kernel!)).toBeLessThanOrEqual(bound);
      expect(maxAbs(kernel!)).toBeGreaterThan(0.85 * bound);
      expect(maxAbs(bias!)).toBeLessThanOrEqual(bound);
      expect(maxAbs(bias!)).toBeGreaterThan(0);
      const [glorotKernel, glorotBias] = keras.network.getLayer(name).getWeights().map((w) => w.dataSync());
      const fanOut = glorotBias!.length;
      expect(maxAbs(glorotKernel!)).toBeLessThanOrEqual(Math.sqrt(6 / (fanIn + fanOut)));
      expect(maxAbs(glorotBias!)).toBe(0);
    }
    // The decoder's first layer is where the two differ most: ±0.71 against Glorot's ±0.14.
    expect(maxAbs(pytorchLike.network.getLayer('decoder_1').getWeights()[0]!.dataSync())).toBeGreaterThan(0.6);
    pytorchLike.dispose();
    keras.dispose();
  });

  it('does not leak tensors: a training step, evidence, IWAE, encode and decode leave tf.memory().numTensors unchanged', () => {
    for (const likelihood of ['bernoulli', 'gaussian'] as const) {
      const model = toy({ likelihood });
      const optimizer = tf.train.adam(1e-3);
      const variables = model.trainableVariables();
      const step = () =>
        tf.tidy(() => {
          const xb = tf.tensor2d(images.slice(0, 16 * d), [16, d]);
          optimizer.minimize(() => model.loss(xb, { training: true, epoch: 1 }).loss, false, variables);
        });
      step(); // the optimizer's moments and step counter exist from here on
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        step();
        expect(tf.memory().numTensors).toBe(before);
      }
      model.evidence(images, n, 1);
      model.iwae(images, n, 7, 1);
      model.decode(model.encode(images, n), n);
      expect(tf.memory().numTensors).toBe(before);
      optimizer.dispose();
      model.dispose();
    }
  });
});

describe('vae: the objective', () => {
  it('KL per image equals ½ Σ (μ² + σ² − 1 − log σ²), computed in float64', () => {
    const rng = createRng(4);
    const rows = 5;
    const L = 3;
    const mu = Array.from({ length: rows * L }, () => 2 * rng.normal());
    const lv = Array.from({ length: rows * L }, () => rng.normal());
    const kl = tf.tidy(() => klPerImage(tf.tensor2d(mu, [rows, L]), tf.tensor2d(lv, [rows, L])).dataSync());
    for (let r = 0; r < rows; r++) {
      let expected = 0;
      for (let j = 0; j < L; j++) expected += 0.5 * (mu[r * L + j]! ** 2 + Math.exp(lv[r * L + j]!) - 1 - lv[r * L + j]!);
      expect(kl[r]).toBeCloseTo(expected, 4);
    }
    // KL is 0 exactly at the prior.
    expect(tf.tidy(() => klPerImage(tf.zeros([1, L]) as tf.Tensor2D, tf.zeros([1, L]) as tf.Tensor2D).dataSync()[0])).toBe(0);
  });

  it('the closed-form KL matches a Monte-Carlo estimate E_q[log q(z|x) − log p(z)] with z from the model\'s own posterior', () => {
    const model = toy({ seed: 3 });
    train(model, images, n, { epochs: 3, batch: 32, lr: 3e-3 });
    const [mu, lv] = tf.tidy(() => (model.network.predict(tf.tensor2d(images.slice(0, d), [1, d])) as tf.Tensor[]).slice(1).map((t) => Array.from(t.dataSync())));
    const closed = tf.tidy(() => klPerImage(tf.tensor2d(mu!, [1, 2]), tf.tensor2d(lv!, [1, 2])).dataSync()[0]!);
    // The model's loss part is the same closed form, averaged over the batch.
    const part = tf.tidy(() => model.loss(tf.tensor2d(images.slice(0, d), [1, d]), { training: false, epoch: 1 }).parts!.kl!.dataSync()[0]!);
    expect(part).toBeCloseTo(closed, 5);
    const rng = createRng(8);
    const draws = 200_000;
    let sum = 0;
    let sumSq = 0;
    for (let s = 0; s < draws; s++) {
      let logRatio = 0;
      for (let j = 0; j < 2; j++) {
        const eps = rng.normal();
        const z = mu![j]! + Math.exp(0.5 * lv![j]!) * eps;
        logRatio += -0.5 * (eps * eps + lv![j]!) + 0.5 * z * z;
      }
      sum += logRatio;
      sumSq += logRatio * logRatio;
    }
    const mean = sum / draws;
    const standardError = Math.sqrt((sumSq / draws - mean * mean) / draws);
    expect(Math.abs(mean - closed)).toBeLessThan(4 * standardError + 1e-4);
    model.dispose();
  });

  it('Bernoulli NLL is the binary cross-entropy of sigmoid(logits), finite for huge logits', () => {
    const x = [0, 1, 0.25, 1, 0];
    const logits = [-3, 2, 0.5, -60, 80];
    const nll = tf.tidy(() => bernoulliNll(tf.tensor2d(x, [1, 5]), tf.tensor2d(logits, [1, 5])).dataSync()[0]!);
    let expected = 0;
    for (let i = 0; i < 5; i++) {
      // log σ(l) = −log(1 + e^−l), log(1 − σ(l)) = −l − log(1 + e^−l), exact in float64 for these l.
      const logP = -Math.log1p(Math.exp(-logits[i]!));
      const log1mP = -logits[i]! + logP;
      expected -= x[i]! * logP + (1 - x[i]!) * log1mP;
    }
    expect(nll).toBeCloseTo(expected, 3);
    expect(Number.isFinite(nll)).toBe(true);
  });

  it('Gaussian NLL with one log-variance s is ½ Σ [log 2π + s + (x − m)² e^−s]', () => {
    const x = [0.1, 0.9, 0.4];
    const m = [0.2, 0.7, 0.4];
    const s = -1.5;
    const nll = tf.tidy(() => gaussianNll(tf.tensor2d(x, [1, 3]), tf.tensor2d(m, [1, 3]), tf.tensor1d([s])).dataSync()[0]!);
    let expected = 0;
    for (let i = 0; i < 3; i++) expected += 0.5 * (LOG_2PI + s + (x[i]! - m[i]!) ** 2 * Math.exp(-s));
    expect(nll).toBeCloseTo(expected, 5);
  });

  it('loss = reconstruction + beta · warm-up · KL: the KL weight ramps linearly to beta over kl_warmup_epochs', () => {
    const model = toy({ beta: 2, klWarmupEpochs: 4 });
    expect([1, 2, 3, 4, 5, 10].map((e) => model.klWeight(e))).toEqual([0.5, 1, 1.5, 2, 2, 2]);
    const xb = () => tf.tensor2d(images.slice(0, 8 * d), [8, d]);
    for (const epoch of [1, 3, 9]) {
      const [loss, rec, kl] = tf.tidy(() => {
        const { loss, parts } = model.loss(xb(), { training: false, epoch });
        return [loss, parts!.reconstruction!, parts!.kl!].map((t) => t.dataSync()[0]!);
      });
      expect(loss).toBeCloseTo(rec! + model.klWeight(epoch) * kl!, 3);
      expect(kl).toBeGreaterThan(0);
    }
    expect(toy().klWeight(1)).toBe(1);
    model.dispose();
  });

  it('refuses bad settings as UserErrors naming the field', () => {
    expect(() => toy({ beta: -0.5 })).toThrow(/model\.beta.*≥ 0/);
    expect(() => toy({ likelihood: 'poisson' as never })).toThrow(/model\.likelihood.*bernoulli, gaussian/);
    expect(() => toy({ klWarmupEpochs: 1.5 })).toThrow(/train\.kl_warmup_epochs/);
    expect(() => toy({ encoder: [32, 0] })).toThrow(/model\.encoder\[1\]/);
    expect(() => toy({ latent: 0 })).toThrow(UserError);
    expect(() => toy({ encoder: [100_000, 100_000] })).toThrow(/model\.encoder.*10,007,002,212 parameters/);
  });
});

describe('vae: seeded and saved', () => {
  it('repeats exactly: one seed gives the same weights and losses after training; ε advances per step', () => {
    const run = (seed: number) => {
      const model = toy({ seed });
      const losses = train(model, images, n, { epochs: 2, batch: 32, lr: 3e-3 });
      const result = { losses, weights: weightsOf(model), steps: model.trainingSteps };
      model.dispose();
      return result;
    };
    const a = run(5);
    const b = run(5);
    expect(b.losses).toEqual(a.losses);
    expect(b.weights).toEqual(a.weights);
    expect(a.steps).toBe(6);
    const c = run(6);
    expect(c.losses[0]).not.toBe(a.losses[0]);

    // Same weights, consecutive training calls: different ε, so different losses; evaluation calls
    // use one fixed stream and do not advance the step counter.
    const model = toy();
    const lossAt = (training: boolean) => tf.tidy(() => model.loss(tf.tensor2d(images.slice(0, 4 * d), [4, d]), { training, epoch: 1 }).loss.dataSync()[0]!);
    expect(lossAt(true)).not.toBe(lossAt(true));
    expect(model.trainingSteps).toBe(2);
    expect(lossAt(false)).toBe(lossAt(false));
    expect(model.trainingSteps).toBe(2);
    model.dispose();
  });

  it('IWAE and evidence are deterministic per seed', () => {
    const model = toy();
    expect(model.iwae(images, n, 5, 3)).toBe(model.iwae(images, n, 5, 3));
    expect(model.iwae(images, n, 5, 3)).not.toBe(model.iwae(images, n, 5, 4));
    // 8192 decoded rows per pass: with K = 200 the 96 images go through in 3 passes.
    expect(model.iwae(images, n, 200, 3)).toBe(model.iwae(images, n, 200, 3));
    expect(model.evidence(images, n, 2)).toEqual(model.evidence(images, n, 2));
    expect(model.evidence(images, n, 2)).not.toEqual(model.evidence(images, n, 3));
    model.dispose();
  });

  it('saves and loads exactly (bernoulli and gaussian), in the manifest style of the other kinds', async () => {
    for (const likelihood of ['bernoulli', 'gaussian'] as const) {
      const model = toy({ likelihood, initialLogVariance: -3, beta: 0.5, klWarmupEpochs: 2 });
      train(model, images, n, { epochs: 1, batch: 32, lr: 3e-3 });
      const dir = path.join(tmp, likelihood);
      await model.save(dir);
      expect(fs.readdirSync(dir).sort()).toEqual(['aelab-model.json', 'model.json', 'weights.bin']);
      const manifest = readManifest(dir);
      expect(manifest).toMatchObject({ kind: 'vae', input_dim: d, latent: 2, encoder: [32], decoder: [32], likelihood, beta: 0.5, kl_warmup_epochs: 2 });
      const loaded = await loadVae(dir, manifest, negativeElbo);
      expect(loaded.encode(images, n)).toEqual(model.encode(images, n));
      expect(loaded.reconstruct(images, n)).toEqual(model.reconstruct(images, n));
      expect(loaded.evidence(images, n, 1)).toEqual(model.evidence(images, n, 1));
      expect(loaded.pixelVariance()).toBe(model.pixelVariance());
      expect(loaded.summary()).toEqual(model.summary());
      if (likelihood === 'gaussian') expect(loaded.pixelVariance()).not.toBeCloseTo(Math.exp(-3), 6); // it was trained
      model.dispose();
      loaded.dispose();
    }
  });

  it('a damaged manifest is a UserError naming the file and key', async () => {
    const model = toy();
    const dir = path.join(tmp, 'damaged');
    await model.save(dir);
    model.dispose();
    const manifest = readManifest(dir);
    await expect(loadVae(dir, { ...manifest, likelihood: 'laplace' }, negativeElbo)).rejects.toThrow(/aelab-model\.json.*likelihood/);
    await expect(loadVae(dir, { ...manifest, encoder: [32, 16] }, negativeElbo)).rejects.toThrow(/damaged/);
  });
});

describe('vae: likelihood bounds', () => {
  it('on a small slice of real MNIST, ELBO ≤ IWAE-5 ≤ IWAE-50, and every unit of a 2-d code is active', () => {
    const data = loadDataset({ source: 'mnist', digits: [1, 5, 6], validation: 5000, limit: 512 }, { baseDir: process.cwd() });
    const model = buildVae({ inputDim: 784, latent: 2, encoder: [64], decoder: [64], activation: 'relu', likelihood: 'bernoulli', seed: 2, objective: negativeElbo });
    const losses = train(model, data.train.images, 512, { epochs: 4, batch: 64, lr: 3e-3 });
    expect(losses.at(-1)!).toBeLessThan(losses[0]! - 100);
    const test = data.test.images.slice(0, 200 * 784);
    const evidence = model.evidence(test, 200, 1);
    expect(evidence.elbo).toBeCloseTo(-(evidence.reconstruction_nll + evidence.kl), 6);
    const iwae5 = model.iwae(test, 200, 5, 1);
    const iwae50 = model.iwae(test, 200, 50, 1);
    expect(evidence.elbo).toBeLessThan(iwae5);
    expect(iwae5).toBeLessThan(iwae50);
    expect(activeUnits(model.encode(test, 200), 200, 2)).toBe(2);
    model.dispose();
  });

  it('activeUnits counts dimensions whose posterior mean varies more than 0.01', () => {
    const rng = createRng(1);
    const codes = new Float32Array(300 * 3);
    for (let i = 0; i < 300; i++) {
      codes[i * 3] = rng.normal(); // variance 1: active
      codes[i * 3 + 1] = 0.05 * rng.normal(); // variance 0.0025: collapsed
      codes[i * 3 + 2] = 7; // constant: collapsed
    }
    expect(activeUnits(codes, 300, 3)).toBe(1);
  });

  it('codeSparsity is the share of code entries with |z| < 1e-3', () => {
    expect(codeSparsity(Float32Array.from([0, 5e-4, -2e-3, 1, -9e-4, 0.3]), 3, 2)).toBeCloseTo(3 / 6, 12);
    expect(codeSparsity(new Float32Array(0), 0, 2)).toBeNaN();
  });

  // Probabilistic PCA (Tipping & Bishop 1999): x = W z + m + σ ε. A VAE with a linear encoder and a
  // linear Gaussian decoder is itself a PPCA model, p(x) = N(b, KᵀK + s² I), so its exact
  // log-likelihood is known and the estimators can be checked against it.
  it('linear-Gaussian VAE on PPCA data: IWAE rises towards the exact log p(x) from below as K grows, ELBO stays below both', () => {
    const dim = 6;
    const k = 2;
    const count = 400;
    const rng = createRng(3);
    const w = Array.from({ length: dim * k }, () => rng.normal());
    const offset = Array.from({ length: dim }, () => rng.normal());
    const x = new Float32Array(count * dim);
    for (let i = 0; i < count; i++) {
      const z = [rng.normal(), rng.normal()];
      for (let j = 0; j < dim; j++) x[i * dim + j] = offset[j]! + w[j * k]! * z[0]! + w[j * k + 1]! * z[1]! + 0.3 * rng.normal();
    }
    const x64 = Float64Array.from(x);
    const sampleMean = columnMean(x64, count, dim);
    const sampleCov = covariance(x64, count, dim, sampleMean);
    // PPCA's maximum likelihood, in closed form from the sample covariance's eigenvalues λ:
    // σ² = mean of the d − k smallest, and mean log p = −½ [d log 2π + Σ_{i≤k} log λ_i + (d − k) log σ² + d].
    const { values } = symmetricEigen(sampleCov, dim);
    const noise = values.slice(k).reduce((a, b) => a + b, 0) / (dim - k);
    const maxLogLikelihood = -0.5 * (dim * LOG_2PI + Math.log(values[0]!) + Math.log(values[1]!) + (dim - k) * Math.log(noise) + dim);

    const pixelVariance = sampleCov.filter((_, i) => i % (dim + 1) === 0).reduce((a, b) => a + b, 0) / dim;
    const model = buildVae({
      inputDim: dim, latent: k, encoder: [], decoder: [], activation: 'relu', likelihood: 'gaussian', outputActivation: 'linear', seed: 1, objective: negativeElbo,
      initialLogVariance: Math.log(pixelVariance),
    });
    train(model, x, count, { epochs: 40, batch: 50, lr: 0.02 });

    // The trained model's exact mean log-likelihood: decoder kernel K (k×d), bias b, variance s².
    const [kernel, bias] = model.network.getLayer('reconstruction').getWeights().map((t) => t.dataSync());
    const s2 = model.pixelVariance()!;
    const marginalCov = new Float64Array(dim * dim);
    for (let a = 0; a < dim; a++) {
      for (let b = 0; b < dim; b++) {
        let v = a === b ? s2 : 0;
        for (let q = 0; q < k; q++) v += kernel![q * dim + a]! * kernel![q * dim + b]!;
        marginalCov[a * dim + b] = v;
      }
    }
    const factor = cholesky(marginalCov, dim, 0)!;
    const logDet = logDetFromCholesky(factor, dim);
    const scratch = new Float64Array(dim);
    const mean = Float64Array.from(bias!);
    let exact = 0;
    for (let i = 0; i < count; i++) exact += -0.5 * (dim * LOG_2PI + logDet + mahalanobisSq(factor, dim, x64, i * dim, mean, scratch));
    exact /= count;

    // Training found (nearly) the PPCA optimum, and no model beats the maximum likelihood.
    expect(exact).toBeLessThanOrEqual(maxLogLikelihood + 1e-9);
    expect(maxLogLikelihood - exact).toBeLessThan(0.2);
    expect(s2 / noise).toBeGreaterThan(0.8);
    expect(s2 / noise).toBeLessThan(1.25);

    const elbo = model.evidence(x, count, 1).elbo;
    const iwae = [1, 10, 100, 1000].map((samples) => model.iwae(x, count, samples, 7));
    // ELBO below every IWAE estimate with K > 1, and below the exact value by a margin.
    expect(elbo).toBeLessThan(iwae[1]! - 0.02);
    expect(elbo).toBeLessThan(exact - 0.05);
    // K = 1 is an unbiased estimate of the ELBO itself.
    expect(Math.abs(iwae[0]! - elbo)).toBeLessThan(0.15);
    // IWAE increases with K and approaches the exact value from below.
    for (let i = 1; i < iwae.length; i++) expect(iwae[i]!).toBeGreaterThan(iwae[i - 1]!);
    expect(iwae[3]!).toBeLessThanOrEqual(exact + 0.002);
    expect(exact - iwae[3]!).toBeLessThan(0.02);
    expect(exact - iwae[3]!).toBeLessThan((exact - iwae[1]!) / 2);
    model.dispose();
  });
});
