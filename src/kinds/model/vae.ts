// model.kind vae: the variational autoencoder (Kingma & Welling 2014). The encoder has the same
// Dense widths as `deep` and ends in two heads, μ(x) and log σ²(x) of a diagonal Gaussian
// q(z|x); z = μ + σ·ε with a seeded ε; the decoder is mirrored as for `deep` and gives Bernoulli
// logits or Gaussian means with one learned log-variance. It minimises the negative ELBO,
// reconstruction NLL + beta · KL(q(z|x) ‖ N(0, I)), the KL weight warmed up linearly over
// train.kl_warmup_epochs. It generates by sampling its prior (density.kind prior, its default).
// The implementation (tfjs) is src/model/vae.ts, loaded on first build or load.
import type { Scalar } from '@tensorflow/tfjs';
import { latentCompressionWarnings } from './common.ts';
import type { KindCheckContext, KindIssue, TrainableModelKind, TrainingObjective } from './types.ts';
import type { ModelSpec } from '../../shared/spec-types.ts';

/**
 * The negative ELBO of a batch in nats per image, from the per-image terms the VAE's forward pass
 * puts in its outputs: reconstruction_nll (−log p(x|z) for the sampled z), kl (closed form) and
 * kl_weight (beta times the warm-up factor, a scalar).
 */
export const negativeElbo: TrainingObjective = {
  name: 'negative-elbo',
  description: 'negative ELBO in nats per image: reconstruction NLL + beta · KL(q(z|x) ‖ N(0, I))',
  chartLabel: 'negative ELBO (nats per image) and its parts',
  loss: (tf, out) => {
    const reconstruction = tf.mean(out.reconstruction_nll!) as Scalar;
    const kl = tf.mean(out.kl!) as Scalar;
    return { loss: tf.add(reconstruction, tf.mul(kl, out.kl_weight!)) as Scalar, parts: { reconstruction, kl } };
  },
};

export const vaeKind: TrainableModelKind<'vae'> = {
  kind: 'vae',
  label: 'variational autoencoder',
  order: 3,
  trainable: true,
  objective: negativeElbo,
  uses: [
    'model.encoder',
    'model.decoder',
    'model.activation',
    'model.output_activation',
    'model.likelihood',
    'model.beta',
    'model.code_l1',
    // Read only to refuse values other than their defaults (see vaeLayerErrors).
    'model.dropout',
    'model.batch_norm',
    'model.tied',
    'train',
    'train.kl_warmup_epochs',
    'evaluate.iwae_samples',
  ],
  whyIgnored: (key) => `model.kind is vae, which does not use ${key}`,
  defaultDensity: 'prior',
  describe(spec) {
    const decoder = spec.decoder === 'mirror' ? 'mirrored decoder' : `decoder ${spec.decoder.join('-')}`;
    const beta = spec.beta === 1 ? '' : `, beta ${spec.beta}`;
    return `variational autoencoder, encoder ${[...spec.encoder, `(${spec.latent} μ, ${spec.latent} log σ²)`].join('-')}, ${decoder}, ${spec.activation}, ${spec.likelihood} likelihood${beta}`;
  },
  check: (ctx) => ({ errors: vaeVocabularyErrors(ctx), warnings: latentCompressionWarnings(ctx) }),
  async build(spec, opts) {
    const { buildVae, checkVaeData } = await import('../../model/vae.ts');
    if (opts.train) checkVaeData(spec.likelihood, opts.train.images);
    return buildVae({
      inputDim: opts.inputDim,
      latent: spec.latent,
      encoder: denseWidths(spec.encoder),
      decoder: spec.decoder === 'mirror' ? denseWidths(spec.encoder).reverse() : [...spec.decoder],
      activation: singleActivation(spec.activation),
      likelihood: spec.likelihood,
      outputActivation: spec.output_activation,
      beta: spec.beta,
      codeL1: spec.code_l1,
      klWarmupEpochs: opts.trainSpec?.kl_warmup_epochs ?? 0,
      ...(opts.train && spec.likelihood === 'gaussian' ? { initialLogVariance: meanPixelLogVariance(opts.train.images, opts.train.count, opts.inputDim) } : {}),
      objective: negativeElbo,
      seed: opts.seed,
    });
  },
  async load(dir, manifest) {
    const { loadVae } = await import('../../model/vae.ts');
    return loadVae(dir, manifest, negativeElbo);
  },
};

/**
 * log of the pixels' mean variance over the training images: the gaussian decoder's starting
 * log-variance, the error of a decoder that outputs the mean image. Adam moves a log-variance by
 * about the learning rate per step, so starting at 0 (σ² = 1, far above MNIST's ~0.1) would take
 * thousands of steps just to reach the data's scale.
 */
function meanPixelLogVariance(images: Float32Array, count: number, dim: number): number {
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) mean[j]! += images[i * dim + j]!;
  for (let j = 0; j < dim; j++) mean[j]! /= count;
  let sum = 0;
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) sum += (images[i * dim + j]! - mean[j]!) ** 2;
  const variance = sum / (count * dim);
  return Math.log(Math.max(variance, 1e-6));
}

/**
 * The layer and training vocabulary the VAE does not build: its encoder is dense with one
 * activation, without dropout, batch norm or tied weights, and its objective is the ELBO (its likelihood is
 * model.likelihood, so train.loss has no say). Refused here rather than silently ignored.
 */
function vaeVocabularyErrors(ctx: KindCheckContext): KindIssue[] {
  const errors: KindIssue[] = [];
  const encoder = Array.isArray(ctx.model.encoder) ? (ctx.model.encoder as unknown[]) : [];
  encoder.forEach((e, i) => {
    if (e !== null && typeof e === 'object' && !Array.isArray(e)) {
      errors.push({ path: ['model', 'encoder', i], prefer: 'value', message: 'model.kind vae has a dense encoder: convolutions are for model.kind deep; list hidden widths only, e.g. [500, 300]' });
    }
  });
  if (Array.isArray(ctx.model.activation)) {
    errors.push({ path: ['model', 'activation'], prefer: 'value', message: 'model.kind vae takes one activation for all hidden layers, e.g. activation: relu; a list per layer is for model.kind deep' });
  }
  if (typeof ctx.model.dropout === 'number' && ctx.model.dropout > 0) {
    errors.push({ path: ['model', 'dropout'], prefer: 'value', message: 'model.kind vae does not use dropout (its sampled z already regularises the code); remove model.dropout or use model.kind deep' });
  }
  if (ctx.model.batch_norm === true) {
    errors.push({ path: ['model', 'batch_norm'], prefer: 'value', message: 'model.kind vae does not use batch normalisation; remove model.batch_norm or use model.kind deep' });
  }
  if (ctx.model.tied === true) {
    errors.push({ path: ['model', 'tied'], prefer: 'value', message: 'model.kind vae does not tie its decoder to the encoder (its code comes from the μ head, not one kernel); remove model.tied or use model.kind deep' });
  }
  if (ctx.wrote('train', 'loss')) {
    errors.push({
      path: ['train', 'loss'],
      prefer: 'value',
      message: 'model.kind vae trains on the negative ELBO, whose reconstruction term is model.likelihood (bernoulli: binary cross-entropy; gaussian: a squared error with a learned variance); remove train.loss and set model.likelihood instead',
    });
  }
  return errors;
}

/** The encoder's widths; conv entries are refused at validation (vaeVocabularyErrors). */
function denseWidths(encoder: ModelSpec['encoder']): number[] {
  return encoder.map((e, i) => {
    if (typeof e !== 'number') throw new Error(`vae: model.encoder[${i}] is a convolution, which validation refuses for vae`);
    return e;
  });
}

function singleActivation(activation: ModelSpec['activation']): Exclude<ModelSpec['activation'], unknown[]> {
  if (Array.isArray(activation)) throw new Error('vae: a list of activations, which validation refuses for vae');
  return activation;
}
