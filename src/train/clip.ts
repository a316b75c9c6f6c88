// Gradient clipping by global norm (PyTorch's clip_grad_norm_, TensorFlow's clip_by_global_norm):
// when the norm of all gradients taken together exceeds the limit, every gradient is scaled by the
// same factor, so the step keeps its direction and only its length is capped.
import * as tf from '@tensorflow/tfjs';

/** Added to the norm before dividing, as PyTorch does, so a zero gradient stays finite. */
const NORM_EPSILON = 1e-6;

/** √(Σ over every gradient of Σ g²), as a scalar tensor. */
export function globalNorm(gradients: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    if (gradients.length === 0) return tf.scalar(0);
    return tf.sqrt(tf.addN(gradients.map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
  });
}

/**
 * The gradients scaled by min(1, maxNorm / (norm + 1e-6)), and the norm before clipping. Returns
 * new tensors (the caller disposes them and its inputs); nothing else is left behind.
 */
export function clipByGlobalNorm(gradients: readonly tf.Tensor[], maxNorm: number): { gradients: tf.Tensor[]; norm: tf.Scalar } {
  if (!(maxNorm > 0)) throw new Error(`clipByGlobalNorm: maxNorm must be positive, got ${maxNorm}`);
  return tf.tidy(() => {
    const norm = globalNorm(gradients);
    const scale = tf.minimum(tf.scalar(1), tf.div(tf.scalar(maxNorm), tf.add(norm, NORM_EPSILON)));
    return { gradients: gradients.map((g) => tf.mul(g, scale)), norm };
  });
}
