// Pieces several model kinds share: the reconstruction objective and checks that hold for every
// autoencoder that compresses through a code.
import type { ModelKind, ModelSpec } from '../../shared/spec-types.ts';
import type { KindCheckContext, KindIssue, ModelKindDescriptor, TrainingObjective } from './types.ts';

/** The plain autoencoder's objective: mean over images and pixels of (x̂ − x)². */
export const reconstructionMse: TrainingObjective = {
  name: 'mse',
  description: 'mean squared error between x̂ and x over all images and pixels',
  loss: (tf, { x, reconstruction }) => ({ loss: tf.mean(tf.squaredDifference(reconstruction, x)) as import('@tensorflow/tfjs').Scalar }),
};

/**
 * Binary cross-entropy for pixels in [0, 1] against a sigmoid output (Keras' binary_crossentropy):
 * the mean over images and pixels of −[x·log x̂ + (1−x)·log(1−x̂)], with x̂ clipped to [ε, 1−ε] so
 * that a saturated sigmoid cannot produce log 0.
 */
export const reconstructionBce: TrainingObjective = {
  name: 'bce',
  description: 'binary cross-entropy between x and x̂, averaged over all images and pixels',
  loss: (tf, { x, reconstruction }) => {
    const eps = 1e-7;
    const p = tf.clipByValue(reconstruction, eps, 1 - eps);
    const perPixel = tf.add(tf.mul(x, tf.log(p)), tf.mul(tf.sub(1, x), tf.log(tf.sub(1, p))));
    return { loss: tf.neg(tf.mean(perPixel)) as import('@tensorflow/tfjs').Scalar };
  },
};

/** The objective train.loss names. */
export function objectiveFor(loss: 'mse' | 'bce' | undefined): TrainingObjective {
  return loss === 'bce' ? reconstructionBce : reconstructionMse;
}

/** The hidden layers of a dense network kind: widths input side first / latent side first, and their activation. */
export interface HiddenLayers {
  encoderWidths: number[];
  decoderWidths: number[];
  activation: ModelSpec['activation'] | null;
  /** Convolutions before the dense encoder layers (deep only). */
  convs?: { conv: number; kernel: number; stride: number }[];
  dropout?: number;
  batchNorm?: boolean;
  /** The decoder applies the encoder's kernels transposed (model.tied). */
  tied?: boolean;
}

/**
 * build() and load() of a kind that is a dense network (src/model/network.ts, loaded on first
 * use) trained on the reconstruction MSE; `hidden` reads the kind's hidden layers from the spec.
 */
export function denseMseNetwork(kind: ModelKind, hidden: (spec: ModelSpec) => HiddenLayers): Pick<ModelKindDescriptor, 'build' | 'load'> {
  return {
    async build(spec, opts) {
      const { buildNetwork } = await import('../../model/network.ts');
      const [height, width] = opts.imageShape ?? [1, opts.inputDim];
      return buildNetwork({
        kind,
        inputDim: opts.inputDim,
        imageShape: [height, width, 1],
        latent: spec.latent,
        ...hidden(spec),
        outputActivation: spec.output_activation,
        seed: opts.seed,
        objective: objectiveFor(opts.loss),
      });
    },
    async load(dir, manifest) {
      const { loadNetwork } = await import('../../model/network.ts');
      return loadNetwork(dir, manifest, reconstructionMse);
    },
  };
}

/** A code at least as large as the image does not compress, so a trained autoencoder can learn to copy. */
export function latentCompressionWarnings(ctx: KindCheckContext): KindIssue[] {
  const latent = ctx.model.latent;
  if (!ctx.input || typeof latent !== 'number' || !Number.isFinite(latent) || latent < ctx.input.pixels) return [];
  return [
    {
      path: ['model', 'latent'],
      prefer: 'value',
      message: `is at least the ${ctx.input.pixels} pixels of an image: the code does not compress, so the autoencoder can learn to copy its input`,
    },
  ];
}
