// The variational autoencoder (Kingma & Welling 2014): an encoder of the same Dense widths as
// `deep` ending in two heads, the posterior mean μ(x) and log-variance log σ²(x) of a diagonal
// Gaussian q(z|x); a decoder mirrored as for `deep` giving p(x|z), Bernoulli (logits) or Gaussian
// (means and one learned log-variance shared by every pixel, a calibrated decoder). Training
// minimises the negative ELBO, reconstruction NLL + beta · KL(q(z|x) ‖ N(0, I)), on
// z = μ + σ·ε with ε drawn from a seeded stream, one seed per optimizer step, so a run repeats
// exactly. encode() gives μ(x) and reconstruct() gives g(μ(x)), so VAE and AE errors compare.
// Every number here is in nats per image: sums over pixels and latent dimensions, means over images.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../shared/errors.ts';
import { createRng, deriveSeed } from '../shared/random.ts';
import { mapRowBatches, checkMatrix } from './batches.ts';
import { loadLayersFromDir, saveLayersToDir } from './layers-io.ts';
import { writeManifest } from './manifest.ts';
import { addCodeL1 } from './code-penalty.ts';
import type { ModelManifest, TrainingObjective } from '../kinds/model/types.ts';
import type { DecoderExport, GaussianComponent, LossOptions, LossResult, TrainableAutoencoder } from '../shared/types.ts';
import {
  checkTrainableSize,
  checkWidth,
  denseLayer,
  type DenseInit,
  exportDenseLayers,
  hiddenActivations,
  hiddenLayers,
  LEAKY_RELU_ALPHA,
  type HiddenActivation,
  type OutputActivation,
} from './network.ts';

export type VaeLikelihood = 'bernoulli' | 'gaussian';
export const vaeLikelihoods: readonly VaeLikelihood[] = ['bernoulli', 'gaussian'];

const LOG_2PI = Math.log(2 * Math.PI);
/** Decoded rows per IWAE forward pass (images × samples): about 25 MB of 784-pixel activations. */
export const IWAE_BATCH_ROWS = 8192;

export interface VaeOptions {
  inputDim: number;
  latent: number;
  /** Hidden widths, input side first; the μ and log σ² heads sit on the last (on x when empty). */
  encoder: number[];
  /** Hidden widths, latent side first. */
  decoder: number[];
  activation: HiddenActivation;
  likelihood: VaeLikelihood;
  /** gaussian only: activation of the decoder's means (sigmoid keeps them in [0, 1]); bernoulli always uses logits. */
  outputActivation?: OutputActivation;
  /** Weight of the KL term in the training objective (1: the ELBO; >1: beta-VAE). */
  beta?: number;
  /** The KL weight grows linearly to beta, reaching it at this epoch; 0: beta from the start. */
  klWarmupEpochs?: number;
  /** Sparse codes: weight of an L1 penalty on μ(x) added to the objective (0: none). */
  codeL1?: number;
  /** The negative ELBO from the per-image terms (the kind descriptor's objective). */
  objective: TrainingObjective;
  /** gaussian only: the decoder's log-variance before training (a data-dependent start, e.g. log of the pixels' variance). */
  initialLogVariance?: number;
  /**
   * How the Dense layers start (DenseInit in network.ts). Default fan-in-uniform, PyTorch's
   * nn.Linear init: against the PyTorch reference VAE it measured closer on every metric than
   * Glorot with zero biases (bench/vae-156.ts --init, bench/vae-156-results.json).
   */
  init?: VaeInit;
  seed: number;
}

export type VaeInit = 'glorot' | 'fan-in-uniform';

export interface VaeDescription {
  inputDim: number;
  latent: number;
  encoderWidths: number[];
  decoderWidths: number[];
  activation: HiddenActivation;
  likelihood: VaeLikelihood;
  outputActivation: OutputActivation;
  beta: number;
  klWarmupEpochs: number;
  codeL1: number;
  seed: number;
}

/** Means per image over a split (nats): elbo = −(reconstruction_nll + kl). */
export interface EvidenceTerms {
  elbo: number;
  reconstruction_nll: number;
  kl: number;
}

/**
 * Holds the decoder's learned log-variance (gaussian likelihood) as a layer weight, so that it is
 * saved, loaded and trained with every other weight. Its output is its input: the means pass through.
 */
export class PixelLogVariance extends tf.layers.Layer {
  static className = 'AelabPixelLogVariance';
  private readonly initialValue: number;
  logVariance: tf.LayerVariable | null = null;

  constructor(config: { name?: string; initialValue?: number } & Record<string, unknown>) {
    super(config);
    this.initialValue = typeof config.initialValue === 'number' ? config.initialValue : 0;
  }

  override build(): void {
    this.logVariance = this.addWeight('log_variance', [1], 'float32', tf.initializers.constant({ value: this.initialValue }));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.clone(Array.isArray(inputs) ? inputs[0]! : inputs);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), initialValue: this.initialValue };
  }
}
tf.serialization.registerClass(PixelLogVariance);

const NAMES = { mean: 'z_mean', logVar: 'z_log_var', output: 'reconstruction', probabilities: 'reconstruction_mean', logVariance: 'pixel_log_variance' };

export class VariationalAutoencoder implements TrainableAutoencoder {
  /** encode() gives the posterior means; the latent scatter is titled with it. */
  readonly codeName = 'μ(x)';
  readonly kind = 'vae' as const;
  readonly inputDim: number;
  readonly latent: number;
  readonly description: VaeDescription;
  readonly objective: TrainingObjective;
  /**
   * Every weight, as x → [g(μ(x)) (means in pixel space), μ(x), log σ²(x)]: what save() writes and
   * what training updates. Sampling z happens outside it, in loss() and the estimators.
   */
  readonly network: tf.LayersModel;
  private readonly encoderLayers: tf.layers.Layer[];
  private readonly meanHead: tf.layers.Layer;
  private readonly logVarHead: tf.layers.Layer;
  private readonly decoderLayers: tf.layers.Layer[];
  private readonly pixelLogVariance: PixelLogVariance | null;
  /** Optimizer steps taken so far; step s (LossOptions.step, else this count) draws its ε from a stream seeded by (seed, s). */
  trainingSteps = 0;
  private disposed = false;

  constructor(network: tf.LayersModel, description: VaeDescription, objective: TrainingObjective) {
    this.network = network;
    this.objective = objective;
    this.description = description;
    this.inputDim = description.inputDim;
    this.latent = description.latent;
    const byName = (name: string) => network.getLayer(name);
    this.encoderLayers = hiddenNames('encoder', description.encoderWidths.length, description.activation).map(byName);
    this.meanHead = byName(NAMES.mean);
    this.logVarHead = byName(NAMES.logVar);
    this.decoderLayers = [...hiddenNames('decoder', description.decoderWidths.length, description.activation), NAMES.output].map(byName);
    this.pixelLogVariance = description.likelihood === 'gaussian' ? (byName(NAMES.logVariance) as PixelLogVariance) : null;
  }

  /** The variables training updates (every trainable weight of `network`). */
  trainableVariables(): tf.Variable[] {
    return this.network.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  /** n×inputDim → n×latent posterior means μ(x). */
  encode(x: Float32Array, n: number): Float32Array {
    this.assertLive();
    return mapRowBatches(x, n, this.inputDim, this.latent, (b) => this.posterior(b).mean, 'vae.encode');
  }

  /** n×latent → n×inputDim decoder means (Bernoulli probabilities or Gaussian means). */
  decode(z: Float32Array, n: number): Float32Array {
    this.assertLive();
    return mapRowBatches(z, n, this.latent, this.inputDim, (b) => this.decoderMean(this.decoderOutput(b)), 'vae.decode');
  }

  /** g(μ(x)): the deterministic reconstruction, which test_mse measures. */
  reconstruct(x: Float32Array, n: number): Float32Array {
    this.assertLive();
    return mapRowBatches(x, n, this.inputDim, this.inputDim, (b) => this.decoderMean(this.decoderOutput(this.posterior(b).mean)), 'vae.reconstruct');
  }

  /** The decoder is always dense, so the explorer can always run it. */
  exportsDecoder(): boolean {
    return true;
  }

  /** The decoder from z to the mean image; a Bernoulli decoder's logits go through a sigmoid. */
  exportDecoder(): DecoderExport {
    this.assertLive();
    const exported = exportDenseLayers(this.decoderLayers);
    if (this.description.likelihood === 'bernoulli') exported.layers[exported.layers.length - 1]!.activation = 'sigmoid';
    return exported;
  }

  /** The prior N(0, I) that the report's explorer samples. */
  latentPrior(): GaussianComponent[] {
    const d = this.latent;
    return [{ weight: 1, mean: new Array<number>(d).fill(0), covariance: Array.from({ length: d }, (_, i) => Array.from({ length: d }, (__, j) => (i === j ? 1 : 0))) }];
  }

  /** The decoder's learned per-pixel variance σ² (gaussian), or null (bernoulli). */
  pixelVariance(): number | null {
    if (!this.pixelLogVariance?.logVariance) return null;
    return Math.exp(this.pixelLogVariance.logVariance.read().dataSync()[0]!);
  }

  /** The KL term's weight at an epoch (1-based): beta, ramped linearly over the warm-up epochs. */
  klWeight(epoch: number): number {
    const { beta, klWarmupEpochs } = this.description;
    return klWarmupEpochs > 0 ? beta * Math.min(1, epoch / klWarmupEpochs) : beta;
  }

  /**
   * The training objective on a batch (call inside tf.tidy / optimizer.minimize): mean over images
   * of reconstruction NLL + klWeight(epoch) · KL. With training true, ε comes from the next step's
   * stream and the step counter advances; otherwise from a fixed evaluation stream, so validation
   * losses of different epochs differ only by the weights.
   */
  loss(x: tf.Tensor2D, opts: LossOptions): LossResult {
    this.assertLive();
    const rows = x.shape[0];
    let seed: number;
    if (opts.training) {
      // The training loop says which step this is (a resumed run continues the same ε stream).
      const step = opts.step ?? this.trainingSteps;
      this.trainingSteps = step + 1;
      seed = deriveSeed(this.description.seed, `epsilon:step:${step}`);
    } else {
      seed = deriveSeed(this.description.seed, 'epsilon:evaluation');
    }
    // The encoder sees opts.input (a corrupted x when denoising); the likelihood scores the clean x.
    const { mean, logVar } = this.posterior(opts.input ?? x);
    const eps = tf.tensor2d(standardNormals(rows * this.latent, seed), [rows, this.latent]);
    const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps));
    const output = this.decoderOutput(z);
    const result = this.objective.loss(
      tf,
      {
        x,
        reconstruction: this.decoderMean(output) as tf.Tensor2D,
        code: mean,
        log_var: logVar,
        reconstruction_nll: this.reconstructionNll(x, output),
        kl: klPerImage(mean, logVar),
        kl_weight: tf.scalar(this.klWeight(opts.epoch)),
      },
      opts,
    );
    return addCodeL1(result, mean, this.description.codeL1);
  }

  /**
   * ELBO, reconstruction NLL (one ε per image) and closed-form KL, averaged over n images with
   * sums in float64. ε is seeded by (seed, batch start), so the result does not depend on batching
   * history. The ELBO here always has beta 1, whatever the training objective's beta.
   */
  evidence(x: Float32Array, n: number, seed: number): EvidenceTerms {
    this.assertLive();
    checkMatrix(x, n, this.inputDim, 'vae.evidence');
    let recon = 0;
    let kl = 0;
    const rowsPer = 1024;
    for (let start = 0; start < n; start += rowsPer) {
      const rows = Math.min(rowsPer, n - start);
      const sums = tf.tidy(() => {
        const xb = tf.tensor2d(x.slice(start * this.inputDim, (start + rows) * this.inputDim), [rows, this.inputDim]);
        const { mean, logVar } = this.posterior(xb);
        const eps = tf.tensor2d(standardNormals(rows * this.latent, deriveSeed(seed, `evidence:${start}`)), [rows, this.latent]);
        const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps));
        return tf.stack([tf.sum(this.reconstructionNll(xb, this.decoderOutput(z))), tf.sum(klPerImage(mean, logVar))]);
      });
      const [r, k] = sums.dataSync();
      sums.dispose();
      recon += r!;
      kl += k!;
    }
    return { elbo: -(recon + kl) / n, reconstruction_nll: recon / n, kl: kl / n };
  }

  /**
   * Importance-weighted estimate of log p(x) (Burda et al. 2016) with K samples per image from
   * q(z|x), per image: log (1/K) Σ_k p(x|z_k) p(z_k) / q(z_k|x), by a stable log-sum-exp.
   * Returns the mean over the n images (nats; the NLL is its negative). Its expectation rises with
   * K towards log p(x) and is never above it; K = 1 is the ELBO's.
   */
  iwae(x: Float32Array, n: number, samples: number, seed: number): number {
    this.assertLive();
    checkMatrix(x, n, this.inputDim, 'vae.iwae');
    if (!Number.isInteger(samples) || samples < 1) throw new Error(`vae.iwae: samples must be a positive integer, got ${samples}`);
    const d = this.inputDim;
    const L = this.latent;
    const rowsPer = Math.max(1, Math.floor(IWAE_BATCH_ROWS / samples));
    let total = 0;
    for (let start = 0; start < n; start += rowsPer) {
      const rows = Math.min(rowsPer, n - start);
      // Samples of one image are one ε stream per image, so the estimate of an image depends on
      // the seed and the image's index only, not on how images were batched.
      const eps = new Float32Array(samples * rows * L);
      for (let r = 0; r < rows; r++) {
        const rng = createRng(deriveSeed(seed, `iwae:${start + r}`));
        for (let k = 0; k < samples; k++) for (let j = 0; j < L; j++) eps[(k * rows + r) * L + j] = rng.normal();
      }
      const sum = tf.tidy(() => {
        const xb = tf.tensor2d(x.slice(start * d, (start + rows) * d), [rows, d]);
        const { mean, logVar } = this.posterior(xb);
        const e = tf.tensor3d(eps, [samples, rows, L]);
        // [K, rows, L] by broadcasting over the K samples.
        const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), e));
        const logPxGivenZ = tf.reshape(
          tf.neg(this.reconstructionNll(tf.tile(xb, [samples, 1]) as tf.Tensor2D, this.decoderOutput(tf.reshape(z, [samples * rows, L])))),
          [samples, rows],
        );
        // log N(z; 0, I) and log N(z; μ, σ²) = −½ Σ_j (ε_j² + log σ_j² + log 2π), both [K, rows].
        const logPz = tf.mul(tf.add(tf.sum(tf.square(z), 2), L * LOG_2PI), -0.5);
        const logQz = tf.mul(tf.add(tf.add(tf.sum(tf.square(e), 2), tf.sum(logVar, 1)), L * LOG_2PI), -0.5);
        const logW = tf.sub(tf.add(logPxGivenZ, logPz), logQz);
        return tf.sum(tf.sub(tf.logSumExp(logW, 0), Math.log(samples)));
      });
      total += sum.dataSync()[0]!;
      sum.dispose();
    }
    return total / n;
  }

  paramCount(): number {
    return this.network.countParams();
  }

  summary(): Record<string, unknown> {
    const d = this.description;
    const variance = this.pixelVariance();
    return {
      architecture: [d.inputDim, ...d.encoderWidths, `(${d.latent} μ, ${d.latent} log σ²)`, ...d.decoderWidths, d.inputDim].join('-'),
      hidden_activation: d.activation,
      ...(d.activation === 'leaky_relu' ? { leaky_relu_alpha: LEAKY_RELU_ALPHA } : {}),
      likelihood: d.likelihood,
      ...(d.likelihood === 'gaussian' ? { output_activation: d.outputActivation, decoder_variance: variance } : {}),
      beta: d.beta,
      kl_warmup_epochs: d.klWarmupEpochs,
      ...(d.codeL1 > 0 ? { code_l1: d.codeL1 } : {}),
    };
  }

  async save(dir: string): Promise<void> {
    this.assertLive();
    await saveLayersToDir(this.network, dir);
    const d = this.description;
    writeManifest(dir, {
      kind: 'vae',
      input_dim: d.inputDim,
      latent: d.latent,
      encoder: d.encoderWidths,
      decoder: d.decoderWidths,
      activation: d.activation,
      likelihood: d.likelihood,
      output_activation: d.outputActivation,
      beta: d.beta,
      kl_warmup_epochs: d.klWarmupEpochs,
      code_l1: d.codeL1,
      seed: d.seed,
      files: ['model.json', 'weights.bin'],
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.network.dispose();
  }

  private posterior(x: tf.Tensor): { mean: tf.Tensor2D; logVar: tf.Tensor2D } {
    let h = x;
    for (const layer of this.encoderLayers) h = layer.apply(h) as tf.Tensor;
    return { mean: this.meanHead.apply(h) as tf.Tensor2D, logVar: this.logVarHead.apply(h) as tf.Tensor2D };
  }

  /** Logits (bernoulli) or means (gaussian). */
  private decoderOutput(z: tf.Tensor): tf.Tensor2D {
    let h = z;
    for (const layer of this.decoderLayers) h = layer.apply(h) as tf.Tensor;
    return h as tf.Tensor2D;
  }

  private decoderMean(output: tf.Tensor): tf.Tensor {
    return this.description.likelihood === 'bernoulli' ? tf.sigmoid(output) : output;
  }

  /** −log p(x|z) per image, summed over pixels, for the decoder output of each row. */
  private reconstructionNll(x: tf.Tensor2D, output: tf.Tensor2D): tf.Tensor1D {
    if (this.description.likelihood === 'bernoulli') return bernoulliNll(x, output);
    return gaussianNll(x, output, this.pixelLogVariance!.logVariance!.read() as tf.Tensor1D);
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('vae model used after dispose()');
  }
}

/**
 * Bernoulli −log p(x|logits) per row, summed over pixels: binary cross-entropy with logits l,
 * stable for large |l|, max(l, 0) − l·x + log(1 + e^−|l|).
 */
export function bernoulliNll(x: tf.Tensor2D, logits: tf.Tensor2D): tf.Tensor1D {
  const l = logits;
  return tf.sum(tf.add(tf.sub(tf.relu(l), tf.mul(l, x)), tf.log1p(tf.exp(tf.neg(tf.abs(l))))), 1) as tf.Tensor1D;
}

/** Gaussian −log N(x; m, e^s I) per row with one log-variance s for every pixel: ½ Σ_pixels [log 2π + s + (x − m)² e^−s]. */
export function gaussianNll(x: tf.Tensor2D, means: tf.Tensor2D, logVariance: tf.Tensor1D): tf.Tensor1D {
  const pixels = x.shape[1];
  const squared = tf.sum(tf.squaredDifference(x, means), 1);
  return tf.mul(tf.add(tf.mul(tf.add(logVariance, LOG_2PI), pixels), tf.mul(squared, tf.exp(tf.neg(logVariance)))), 0.5) as tf.Tensor1D;
}

/** KL(N(μ, diag e^lv) ‖ N(0, I)) per row, in closed form: ½ Σ_j (μ_j² + e^lv_j − 1 − lv_j). */
export function klPerImage(mean: tf.Tensor2D, logVar: tf.Tensor2D): tf.Tensor1D {
  return tf.mul(tf.sum(tf.sub(tf.add(tf.square(mean), tf.exp(logVar)), tf.add(logVar, 1)), 1), 0.5) as tf.Tensor1D;
}

/** `count` standard normals from a stream seeded by `seed`. */
export function standardNormals(count: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = rng.normal();
  return out;
}

function hiddenNames(side: 'encoder' | 'decoder', count: number, activation: HiddenActivation): string[] {
  const names: string[] = [];
  for (let i = 1; i <= count; i++) {
    names.push(`${side}_${i}`);
    if (activation === 'leaky_relu') names.push(`${side}_${i}_leaky_relu`);
  }
  return names;
}

/** Builds an untrained VAE with seeded initial weights. Bad sizes are UserErrors naming the model.* field. */
export function buildVae(opts: VaeOptions): VariationalAutoencoder {
  const { inputDim, latent, seed } = opts;
  if (!Number.isInteger(latent) || latent < 1) throw new UserError([{ path: 'model.latent', message: `must be a positive integer, got ${String(latent)}` }]);
  opts.encoder.forEach((w, i) => checkWidth(w, `model.encoder[${i}]`));
  opts.decoder.forEach((w, i) => checkWidth(w, `model.decoder[${i}]`));
  if (!hiddenActivations.includes(opts.activation)) {
    throw new UserError([{ path: 'model.activation', message: `unknown activation '${String(opts.activation)}'; valid: ${hiddenActivations.join(', ')}` }]);
  }
  if (!vaeLikelihoods.includes(opts.likelihood)) {
    throw new UserError([{ path: 'model.likelihood', message: `unknown likelihood '${String(opts.likelihood)}'; valid: ${vaeLikelihoods.join(', ')}` }]);
  }
  const beta = opts.beta ?? 1;
  if (!(beta >= 0) || !Number.isFinite(beta)) throw new UserError([{ path: 'model.beta', message: `must be a number ≥ 0 (1 is the ELBO), got ${String(beta)}` }]);
  const codeL1 = opts.codeL1 ?? 0;
  if (!(codeL1 >= 0) || !Number.isFinite(codeL1)) throw new UserError([{ path: 'model.code_l1', message: `must be a number ≥ 0 (0: no penalty), got ${String(codeL1)}` }]);
  const klWarmupEpochs = opts.klWarmupEpochs ?? 0;
  if (!Number.isInteger(klWarmupEpochs) || klWarmupEpochs < 0) {
    throw new UserError([{ path: 'train.kl_warmup_epochs', message: `must be a non-negative integer, got ${String(klWarmupEpochs)}` }]);
  }
  const lastHidden = opts.encoder.at(-1) ?? inputDim;
  // The second head adds lastHidden·latent + latent weights to the plain chain's count.
  checkTrainableSize([inputDim, ...opts.encoder, latent, ...opts.decoder, inputDim], 'model.encoder', lastHidden * latent + latent);

  const init = opts.init ?? 'fan-in-uniform';
  const dense = (fanIn: number): DenseInit => (init === 'fan-in-uniform' ? { kind: 'fan-in-uniform', fanIn } : { kind: 'glorot' });
  const input = tf.input({ shape: [inputDim], name: 'x' });
  let h: tf.SymbolicTensor = input;
  let fanIn = inputDim;
  opts.encoder.forEach((w, i) => {
    for (const layer of hiddenLayers(`encoder_${i + 1}`, w, opts.activation, seed, undefined, dense(fanIn))) h = layer.apply(h) as tf.SymbolicTensor;
    fanIn = w;
  });
  const mean = denseLayer(NAMES.mean, latent, 'linear', seed, undefined, dense(fanIn)).apply(h) as tf.SymbolicTensor;
  const logVar = denseLayer(NAMES.logVar, latent, 'linear', seed, undefined, dense(fanIn)).apply(h) as tf.SymbolicTensor;
  let g: tf.SymbolicTensor = mean;
  fanIn = latent;
  opts.decoder.forEach((w, i) => {
    for (const layer of hiddenLayers(`decoder_${i + 1}`, w, opts.activation, seed, undefined, dense(fanIn))) g = layer.apply(g) as tf.SymbolicTensor;
    fanIn = w;
  });
  const outputActivation: OutputActivation = opts.likelihood === 'gaussian' ? (opts.outputActivation ?? 'sigmoid') : 'sigmoid';
  let out: tf.SymbolicTensor;
  if (opts.likelihood === 'bernoulli') {
    const logits = denseLayer(NAMES.output, inputDim, 'linear', seed, undefined, dense(fanIn)).apply(g) as tf.SymbolicTensor;
    out = tf.layers.activation({ name: NAMES.probabilities, activation: 'sigmoid' }).apply(logits) as tf.SymbolicTensor;
  } else {
    const means = denseLayer(NAMES.output, inputDim, outputActivation, seed, undefined, dense(fanIn)).apply(g) as tf.SymbolicTensor;
    out = new PixelLogVariance({ name: NAMES.logVariance, initialValue: opts.initialLogVariance ?? 0 }).apply(means) as tf.SymbolicTensor;
  }
  const network = tf.model({ name: 'aelab_vae', inputs: input, outputs: [out, mean, logVar] });
  return new VariationalAutoencoder(network, {
    inputDim,
    latent,
    encoderWidths: [...opts.encoder],
    decoderWidths: [...opts.decoder],
    activation: opts.activation,
    likelihood: opts.likelihood,
    outputActivation,
    beta,
    klWarmupEpochs,
    codeL1,
    seed,
  }, opts.objective);
}

/** Loads what VariationalAutoencoder.save(dir) wrote. */
export async function loadVae(dir: string, manifest: ModelManifest, objective: TrainingObjective): Promise<VariationalAutoencoder> {
  const file = path.join(dir, 'aelab-model.json');
  const ints = (v: unknown, key: string): number[] => {
    if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x) && x > 0)) throw new UserError([{ file, path: key, message: 'must be a list of positive integers' }]);
    return v as number[];
  };
  const likelihood = manifest.likelihood as VaeLikelihood;
  if (!vaeLikelihoods.includes(likelihood)) throw new UserError([{ file, path: 'likelihood', message: `must be one of ${vaeLikelihoods.join(', ')}` }]);
  const activation = manifest.activation as HiddenActivation;
  if (!hiddenActivations.includes(activation)) throw new UserError([{ file, path: 'activation', message: `must be one of ${hiddenActivations.join(', ')}` }]);
  const number = (v: unknown, key: string, fallback: number): number => {
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new UserError([{ file, path: key, message: 'must be a number' }]);
    return v;
  };
  const description: VaeDescription = {
    inputDim: manifest.input_dim,
    latent: manifest.latent,
    encoderWidths: ints(manifest.encoder, 'encoder'),
    decoderWidths: ints(manifest.decoder, 'decoder'),
    activation,
    likelihood,
    outputActivation: manifest.output_activation === 'linear' ? 'linear' : 'sigmoid',
    beta: number(manifest.beta, 'beta', 1),
    klWarmupEpochs: number(manifest.kl_warmup_epochs, 'kl_warmup_epochs', 0),
    codeL1: number(manifest.code_l1, 'code_l1', 0),
    seed: number(manifest.seed, 'seed', 0),
  };
  const network = await loadLayersFromDir(dir);
  const shape = network.inputs[0]?.shape;
  if (shape?.[1] !== description.inputDim || network.outputs.length !== 3 || network.outputs[1]?.shape[1] !== description.latent) {
    network.dispose();
    throw new UserError([{ file, path: 'input_dim', message: `does not match model.json (input ${String(shape?.[1])}); the model folder is damaged` }]);
  }
  try {
    return new VariationalAutoencoder(network, description, objective);
  } catch (err) {
    network.dispose();
    throw new UserError([{ file, path: 'encoder', message: `does not match the layers of model.json (${(err as Error).message}); the model folder is damaged` }]);
  }
}

/**
 * A Bernoulli likelihood scores pixels in [0, 1]; data outside that range have no meaning under
 * it (the loader already refuses such files, so this guards other callers).
 */
export function checkVaeData(likelihood: VaeLikelihood, images: Float32Array): void {
  if (likelihood !== 'bernoulli') return;
  for (let i = 0; i < images.length; i++) {
    const v = images[i]!;
    if (!(v >= 0 && v <= 1)) {
      throw new UserError([
        {
          path: 'model.likelihood',
          message: `bernoulli needs pixels in [0, 1], but training pixel ${i} is ${v}; rescale the images to [0, 1] or set model.likelihood: gaussian`,
        },
      ]);
    }
  }
}
