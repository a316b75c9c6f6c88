// model.kind vae: the variational autoencoder (Kingma & Welling 2014). The encoder has the same
// Dense widths as `deep` and ends in two heads, μ(x) and log σ²(x) of a diagonal Gaussian
// q(z|x); z = μ + σ·ε with a seeded ε; the decoder is mirrored as for `deep` and gives Bernoulli
// logits or Gaussian means with one learned log-variance. It minimises the negative ELBO,
// reconstruction NLL + beta · KL(q(z|x) ‖ N(0, I)), the KL weight warmed up linearly over
// train.kl_warmup_epochs. It generates by sampling its prior (density.kind prior, its default).
// The implementation (tfjs) is src/model/vae.ts, loaded on first build or load.
import type { Scalar } from '@tensorflow/tfjs';
import { latentCompressionWarnings } from './common.ts';
import type { TrainableModelKind, TrainingObjective } from './types.ts';

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
  check: (ctx) => ({ errors: [], warnings: latentCompressionWarnings(ctx) }),
  async build(spec, opts) {
    const { buildVae, checkVaeData } = await import('../../model/vae.ts');
    if (opts.train) checkVaeData(spec.likelihood, opts.train.images);
    return buildVae({
      inputDim: opts.inputDim,
      latent: spec.latent,
      encoder: [...spec.encoder],
      decoder: spec.decoder === 'mirror' ? [...spec.encoder].reverse() : [...spec.decoder],
      activation: spec.activation,
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
