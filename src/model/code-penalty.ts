// Sparse autoencoders: an L1 penalty on the code activations, code_l1 · mean over images of
// Σ_j |z_j| (Keras' activity_regularizer=l1), added to whatever the kind's objective is. The
// objective's own value stays visible as the `reconstruction` part (or its own parts).
import * as tf from '@tensorflow/tfjs';
import type { LossResult } from '../shared/types.ts';

export function addCodeL1(result: LossResult, code: tf.Tensor2D, weight: number): LossResult {
  if (!(weight > 0)) return result;
  const penalty = tf.mul(tf.mean(tf.sum(tf.abs(code), 1)), weight) as tf.Scalar;
  const parts = result.parts ?? { reconstruction: result.loss };
  return { loss: tf.add(result.loss, penalty) as tf.Scalar, parts: { ...parts, code_l1: penalty } };
}
