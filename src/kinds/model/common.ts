// Pieces several model kinds share: the reconstruction objective and checks that hold for every
// autoencoder that compresses through a code.
import type { KindCheckContext, KindIssue, TrainingObjective } from './types.ts';

/** The plain autoencoder's objective: mean over images and pixels of (x̂ − x)². */
export const reconstructionMse: TrainingObjective = {
  name: 'mse',
  description: 'mean squared error between x̂ and x over all images and pixels',
  loss: (tf, { x, reconstruction }) => ({ loss: tf.mean(tf.squaredDifference(reconstruction, x)) as import('@tensorflow/tfjs').Scalar }),
};

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
