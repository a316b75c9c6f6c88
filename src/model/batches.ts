// Row-batched evaluation of tensor functions on plain Float32Array matrices, so that encoding or
// reconstructing tens of thousands of images never holds more than one batch of activations.
import * as tf from '@tensorflow/tfjs';

/** Rows per evaluation batch: large enough to keep matmuls efficient, small enough for memory. */
export const EVAL_BATCH_ROWS = 1024;

/**
 * Applies `fn` to consecutive row batches of the n×inDim matrix `x` and concatenates the n×outDim
 * results. Every intermediate tensor is freed batch by batch.
 */
export function mapRowBatches(
  x: Float32Array,
  n: number,
  inDim: number,
  outDim: number,
  fn: (batch: tf.Tensor2D) => tf.Tensor,
  what: string,
): Float32Array {
  checkMatrix(x, n, inDim, what);
  const out = new Float32Array(n * outDim);
  for (let start = 0; start < n; start += EVAL_BATCH_ROWS) {
    const rows = Math.min(EVAL_BATCH_ROWS, n - start);
    const result = tf.tidy(() => fn(tf.tensor2d(x.subarray(start * inDim, (start + rows) * inDim), [rows, inDim])));
    try {
      out.set(result.dataSync() as Float32Array, start * outDim);
    } finally {
      result.dispose();
    }
  }
  return out;
}

/** Programming errors (wrong lengths) fail loudly here rather than as a shape error deep in tfjs. */
export function checkMatrix(x: Float32Array, n: number, dim: number, what: string): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`${what}: row count ${n} is not a non-negative integer`);
  if (x.length < n * dim) throw new Error(`${what}: expected ${n}×${dim} = ${n * dim} values, got ${x.length}`);
}
