// Population covariance (1/n) of the training images, in float64, restricted to the pixels that
// vary. Pixels that are constant over the training set (MNIST's border: 123 of 784 for digits
// {1,5,6}) have an all-zero covariance row and column, so they are dropped before the eigen-solver,
// which is exact and shrinks its O(d³) reduction by (661/784)³ ≈ 0.6.
//
// Two ways to form the matrix, chosen by a cost estimate:
//   sparse — each image adds the outer product of its non-zero pixels to Σxxᵀ in float64 JS, then
//            C = Σxxᵀ/n − μμᵀ. Costs Σ nnz²/2 multiply-adds: MNIST is 84 % zeros, so this is ~155 M
//            instead of the dense 7 G, and it is float64 throughout (~150 ms for MNIST {1,5,6}).
//   dense  — centred row chunks through the backend's untransposed matmul (Xcᵀ is materialised
//            once per chunk; on wasm a transposeA matmul is a scalar loop, ~12× slower), chunk
//            results summed in float64. For data with few zeros (e.g. Fashion-MNIST).
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../shared/errors.ts';

export type CovarianceMethod = 'auto' | 'sparse' | 'dense';

export interface CovarianceResult {
  /** Mean of every pixel (length dim). */
  mean: Float64Array;
  /** Indices of the pixels that vary, ascending. */
  active: Int32Array;
  /** Covariance among the active pixels, active.length² row-major, population (1/n) normalisation. */
  cov: Float64Array;
  method: 'sparse' | 'dense';
}

/** Below this many pixel pairs the float64 loop takes under ~50 ms, so it is always used. */
const SMALL_PROBLEM_PAIRS = 2e7;

/**
 * Rows per dense chunk. Besides bounding memory, short chunks keep XNNPACK's working set in cache:
 * for 16,583×661 on wasm, 2048-row chunks take 440 ms against 640 ms for one long product.
 */
const DENSE_CHUNK_ROWS = 2048;

/**
 * Measured on this project's 2-core machine: the sparse loop costs ~1 ns per pixel pair; wasm's
 * XNNPACK matmul (in 2048-row chunks) ~0.06 ns per multiply-add of the full m² product. The pure-JS
 * cpu backend's matmul is no faster than the sparse loop, so there sparse wins unless nearly dense.
 */
const SPARSE_NS_PER_PAIR = 1.0;
function denseIsCheaper(pairs: number, n: number, m: number): boolean {
  // Small problems take milliseconds either way: keep them in float64.
  if (pairs <= SMALL_PROBLEM_PAIRS) return false;
  const matmulNsPerMac = tf.getBackend() === 'cpu' ? 1.5 : 0.06;
  return pairs * SPARSE_NS_PER_PAIR > n * m * m * matmulNsPerMac;
}

export function covariance(images: Float32Array, n: number, dim: number, method: CovarianceMethod = 'auto'): CovarianceResult {
  if (n < 1) throw new UserError('PCA needs at least one training image; the training split is empty');
  if (images.length < n * dim) throw new Error(`covariance: expected ${n}×${dim} values, got ${images.length}`);

  // One pass for the mean, which pixels vary, and each row's non-zero count (for the cost estimate).
  const mean = new Float64Array(dim);
  const first = images.subarray(0, dim);
  const varies = new Uint8Array(dim);
  let pairs = 0;
  for (let r = 0; r < n; r++) {
    const off = r * dim;
    let count = 0;
    for (let j = 0; j < dim; j++) {
      const v = images[off + j]!;
      // Zeros (most pixels) add nothing to the mean: skip the store.
      if (v !== 0) {
        count++;
        mean[j] = mean[j]! + v;
        if (v !== first[j]) varies[j] = 1;
      } else if (first[j] !== 0) {
        varies[j] = 1;
      }
    }
    pairs += (count * (count + 1)) / 2;
  }
  for (let j = 0; j < dim; j++) {
    mean[j] = mean[j]! / n;
    if (!Number.isFinite(mean[j]!)) {
      throw new UserError(`the training images contain NaN or Infinity (pixel ${j}); PCA needs finite pixel values`);
    }
  }
  const activeList: number[] = [];
  for (let j = 0; j < dim; j++) if (varies[j]) activeList.push(j);
  const active = Int32Array.from(activeList);
  const m = active.length;

  const chosen = method === 'auto' ? (denseIsCheaper(pairs, n, m) ? 'dense' : 'sparse') : method;
  const cov = m === 0 ? new Float64Array(0) : chosen === 'sparse' ? sparseCov(images, n, dim, active, mean) : denseCov(images, n, dim, active, mean);
  return { mean, active, cov, method: chosen };
}

function sparseCov(images: Float32Array, n: number, dim: number, active: Int32Array, mean: Float64Array): Float64Array {
  const m = active.length;
  // Pixel → row offset of its covariance row (−1 for constant pixels, which are skipped).
  const rowOf = new Int32Array(dim).fill(-1);
  active.forEach((j, a) => {
    rowOf[j] = a;
  });
  const gram = new Float64Array(m * m);
  const idx = new Int32Array(m);
  const val = new Float64Array(m);
  for (let r = 0; r < n; r++) {
    const off = r * dim;
    let nnz = 0;
    for (let j = 0; j < dim; j++) {
      const v = images[off + j]!;
      if (v !== 0) {
        const a = rowOf[j]!;
        if (a >= 0) {
          idx[nnz] = a;
          val[nnz] = v;
          nnz++;
        }
      }
    }
    // Upper triangle only (idx ascending, so row idx[a] ≤ column idx[b]). Four rows of the
    // outer product at a time, so each load of idx[b] and val[b] feeds four updates: ~2.5× faster
    // in V8 than one row at a time. Every gram entry still sums the images in order.
    let a = 0;
    for (; a + 3 < nnz; a += 4) {
      const c0 = idx[a]!;
      const c1 = idx[a + 1]!;
      const c2 = idx[a + 2]!;
      const c3 = idx[a + 3]!;
      const r0 = c0 * m;
      const r1 = c1 * m;
      const r2 = c2 * m;
      const r3 = c3 * m;
      const v0 = val[a]!;
      const v1 = val[a + 1]!;
      const v2 = val[a + 2]!;
      const v3 = val[a + 3]!;
      gram[r0 + c0] = gram[r0 + c0]! + v0 * v0;
      gram[r0 + c1] = gram[r0 + c1]! + v0 * v1;
      gram[r0 + c2] = gram[r0 + c2]! + v0 * v2;
      gram[r0 + c3] = gram[r0 + c3]! + v0 * v3;
      gram[r1 + c1] = gram[r1 + c1]! + v1 * v1;
      gram[r1 + c2] = gram[r1 + c2]! + v1 * v2;
      gram[r1 + c3] = gram[r1 + c3]! + v1 * v3;
      gram[r2 + c2] = gram[r2 + c2]! + v2 * v2;
      gram[r2 + c3] = gram[r2 + c3]! + v2 * v3;
      gram[r3 + c3] = gram[r3 + c3]! + v3 * v3;
      for (let b = a + 4; b < nnz; b++) {
        const c = idx[b]!;
        const vb = val[b]!;
        gram[r0 + c] = gram[r0 + c]! + v0 * vb;
        gram[r1 + c] = gram[r1 + c]! + v1 * vb;
        gram[r2 + c] = gram[r2 + c]! + v2 * vb;
        gram[r3 + c] = gram[r3 + c]! + v3 * vb;
      }
    }
    for (; a < nnz; a++) {
      const row = idx[a]! * m;
      const va = val[a]!;
      for (let b = a; b < nnz; b++) {
        const at = row + idx[b]!;
        gram[at] = gram[at]! + va * val[b]!;
      }
    }
  }
  const mu = Float64Array.from(active, (j) => mean[j]!);
  for (let i = 0; i < m; i++) {
    for (let j = i; j < m; j++) {
      const c = gram[i * m + j]! / n - mu[i]! * mu[j]!;
      gram[i * m + j] = c;
      gram[j * m + i] = c;
    }
  }
  return gram;
}

function denseCov(images: Float32Array, n: number, dim: number, active: Int32Array, mean: Float64Array): Float64Array {
  const m = active.length;
  const sum = new Float64Array(m * m);
  const mu = Float64Array.from(active, (j) => mean[j]!);
  const chunk = new Float32Array(Math.min(n, DENSE_CHUNK_ROWS) * m);
  for (let start = 0; start < n; start += DENSE_CHUNK_ROWS) {
    const rows = Math.min(DENSE_CHUNK_ROWS, n - start);
    for (let r = 0; r < rows; r++) {
      const src = (start + r) * dim;
      const dst = r * m;
      for (let a = 0; a < m; a++) chunk[dst + a] = images[src + active[a]!]! - mu[a]!;
    }
    const product = tf.tidy(() => {
      const xc = tf.tensor2d(chunk.subarray(0, rows * m), [rows, m]);
      return tf.matMul(tf.transpose(xc), xc);
    });
    const values = product.dataSync();
    product.dispose();
    for (let i = 0; i < m * m; i++) sum[i] = sum[i]! + values[i]!;
  }
  // Symmetrise (float32 chunk products are symmetric only up to rounding) and normalise.
  for (let i = 0; i < m; i++) {
    for (let j = i; j < m; j++) {
      const c = (sum[i * m + j]! + sum[j * m + i]!) / (2 * n);
      sum[i * m + j] = c;
      sum[j * m + i] = c;
    }
  }
  return sum;
}
