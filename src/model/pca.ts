// Exact, centred PCA: the optimal linear autoencoder. W holds the top-k unit eigenvectors of the
// training covariance (population, 1/n), z = Wᵀ(x − μ), x̂ = μ + W z. With this normalisation the
// training reconstruction MSE (mean over images and pixels) is exactly Σ discarded eigenvalues / d.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fileError, UserError } from '../shared/errors.ts';
import { writeFileAtomic } from '../shared/fs.ts';
import type { Autoencoder, DecoderExport } from '../shared/types.ts';
import { mapRowBatches } from './batches.ts';
import { covariance, type CovarianceMethod } from './covariance.ts';
import { symmetricTopEigen } from '../shared/eigen.ts';
import { readModelFile, writeManifest, type ModelManifest } from './manifest.ts';

const WEIGHTS_FILE = 'pca.bin';

export interface PcaFit {
  inputDim: number;
  latent: number;
  /** μ, length d. */
  mean: Float32Array;
  /** W, d×k row-major: W[i*k + j] is pixel i of component j. */
  components: Float32Array;
  /** Variance along each component (eigenvalues), descending, length k. */
  explainedVariance: number[];
  /** Sum of all eigenvalues = trace of the covariance = total pixel variance. */
  totalVariance: number;
}

export interface PcaFitTiming {
  covariance_method: 'sparse' | 'dense';
  covariance_seconds: number;
  eigen_seconds: number;
  /** True when this model took the fit of an earlier identical one in this process (fitPcaOnce). */
  reused?: boolean;
}

// The fit depends on the training images and k alone, not on the seed: a sweep over seeds (or a
// second run of the same data in one process) takes the earlier fit instead of computing it again.
// Keyed by the images array itself (the pipeline loads a dataset once per process and never
// changes it), so a fit is forgotten with its data.
const rememberedFits = new WeakMap<Float32Array, Map<string, { fit: PcaFit; timing: PcaFitTiming }>>();

/** fitPca, once per training array, image count and k in this process; later calls get the same fit with timing.reused. */
export function fitPcaOnce(images: Float32Array, n: number, d: number, k: number): { fit: PcaFit; timing: PcaFitTiming } {
  let byShape = rememberedFits.get(images);
  if (!byShape) {
    byShape = new Map();
    rememberedFits.set(images, byShape);
  }
  const key = `${n}×${d}:${k}`;
  const earlier = byShape.get(key);
  if (earlier) return { fit: earlier.fit, timing: { ...earlier.timing, reused: true } };
  const made = fitPca(images, n, d, k);
  byShape.set(key, made);
  return made;
}

/** Fits PCA on n×d row-major images; `method` forces a covariance route (tests compare both). */
export function fitPca(images: Float32Array, n: number, d: number, k: number, method: CovarianceMethod = 'auto'): { fit: PcaFit; timing: PcaFitTiming } {
  if (!Number.isInteger(k) || k < 1 || k > d) {
    throw new UserError([{ path: 'model.latent', message: `PCA keeps between 1 and ${d} components (the pixel count); got ${k}` }]);
  }
  const t0 = performance.now();
  const cov = covariance(images, n, d, method);
  const t1 = performance.now();
  const m = cov.active.length;
  let totalVariance = 0;
  for (let i = 0; i < m; i++) totalVariance += cov.cov[i * m + i]!;

  const fromActive = Math.min(k, m);
  // No varying pixel at all (e.g. blank images): there is no matrix to decompose, and every
  // component comes from the constant pixels' unit vectors below.
  const eig = m > 0 ? symmetricTopEigen(cov.cov, m, fromActive) : { values: new Float64Array(0), vectors: new Float64Array(0) };
  const t2 = performance.now();

  const components = new Float32Array(d * k);
  const explainedVariance: number[] = [];
  for (let j = 0; j < fromActive; j++) {
    // A covariance is positive semi-definite; tiny negative eigenvalues are rounding.
    explainedVariance.push(Math.max(0, eig.values[j]!));
    for (let a = 0; a < m; a++) components[cov.active[a]! * k + j] = eig.vectors[j * m + a]!;
  }
  // More components than varying pixels: the rest of the basis is the constant pixels' unit
  // vectors (eigenvalue 0), in pixel order, orthogonal to everything above.
  if (fromActive < k) {
    const isActive = new Uint8Array(d);
    for (const j of cov.active) isActive[j] = 1;
    let j = fromActive;
    for (let pixel = 0; pixel < d && j < k; pixel++) {
      if (isActive[pixel]) continue;
      components[pixel * k + j] = 1;
      explainedVariance.push(0);
      j++;
    }
  }
  const fit: PcaFit = {
    inputDim: d,
    latent: k,
    mean: Float32Array.from(cov.mean),
    components,
    explainedVariance,
    totalVariance,
  };
  return {
    fit,
    timing: { covariance_method: cov.method, covariance_seconds: (t1 - t0) / 1000, eigen_seconds: (t2 - t1) / 1000 },
  };
}

export class PcaModel implements Autoencoder {
  readonly kind = 'pca' as const;
  readonly inputDim: number;
  readonly latent: number;
  readonly fit: PcaFit;
  /** How the fit went (absent for a loaded model). */
  readonly timing: PcaFitTiming | undefined;
  private readonly meanRow: tf.Tensor2D;
  private readonly w: tf.Tensor2D;
  /** Wᵀ stored explicitly: decoding multiplies by it untransposed (a transposeB matmul is slow on wasm). */
  private readonly wT: tf.Tensor2D;
  private disposed = false;

  constructor(fit: PcaFit, timing?: PcaFitTiming) {
    this.fit = fit;
    this.timing = timing;
    this.inputDim = fit.inputDim;
    this.latent = fit.latent;
    const d = fit.inputDim;
    const k = fit.latent;
    this.meanRow = tf.tensor2d(fit.mean, [1, d]);
    this.w = tf.tensor2d(fit.components, [d, k]);
    const wT = new Float32Array(k * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < k; j++) wT[j * d + i] = fit.components[i * k + j]!;
    this.wT = tf.tensor2d(wT, [k, d]);
  }

  encode(x: Float32Array, n: number): Float32Array {
    this.assertLive();
    return mapRowBatches(x, n, this.inputDim, this.latent, (batch) => this.encodeTensor(batch), 'pca.encode');
  }

  decode(z: Float32Array, n: number): Float32Array {
    this.assertLive();
    return mapRowBatches(z, n, this.latent, this.inputDim, (batch) => this.decodeTensor(batch), 'pca.decode');
  }

  reconstruct(x: Float32Array, n: number): Float32Array {
    this.assertLive();
    return mapRowBatches(x, n, this.inputDim, this.inputDim, (batch) => this.decodeTensor(this.encodeTensor(batch)), 'pca.reconstruct');
  }

  private encodeTensor(x: tf.Tensor2D): tf.Tensor2D {
    return tf.matMul(tf.sub(x, this.meanRow), this.w);
  }

  private decodeTensor(z: tf.Tensor2D): tf.Tensor2D {
    return tf.add(tf.matMul(z, this.wT), this.meanRow);
  }

  /** x̂ = z·Wᵀ + μ: one affine layer whose kernel (latent×inputDim) is Wᵀ. */
  exportDecoder(): DecoderExport {
    const { inputDim: d, latent: k } = this;
    const weights = new Float32Array(k * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < k; j++) weights[j * d + i] = this.fit.components[i * k + j]!;
    return { layers: [{ in: k, out: d, weights, bias: Float32Array.from(this.fit.mean), activation: 'linear' }] };
  }

  /** μ and W. */
  paramCount(): number {
    return this.inputDim + this.inputDim * this.latent;
  }

  summary(): Record<string, unknown> {
    const total = this.fit.totalVariance;
    const ratio = this.fit.explainedVariance.map((v) => (total > 0 ? v / total : 0));
    return {
      explained_variance: [...this.fit.explainedVariance],
      explained_variance_ratio: ratio,
      total_variance: total,
      // How long the exact fit took (absent for a loaded model), as flat values for metrics.json;
      // pca_fit_reused: this run took an identical earlier fit (same data and k) and spent none of it.
      ...(this.timing
        ? {
            pca_fit_seconds: this.timing.covariance_seconds + this.timing.eigen_seconds,
            pca_covariance_method: this.timing.covariance_method,
            ...(this.timing.reused ? { pca_fit_reused: true } : {}),
          }
        : {}),
    };
  }

  async save(dir: string): Promise<void> {
    this.assertLive();
    const { inputDim: d, latent: k } = this;
    // μ (d floats) then W (d×k row-major), little-endian float32.
    const bytes = new Float32Array(d + d * k);
    bytes.set(this.fit.mean, 0);
    bytes.set(this.fit.components, d);
    writeFileAtomic(path.join(dir, WEIGHTS_FILE), new Uint8Array(bytes.buffer));
    const summary = this.summary();
    writeManifest(dir, {
      kind: 'pca',
      input_dim: d,
      latent: k,
      explained_variance: summary.explained_variance,
      explained_variance_ratio: summary.explained_variance_ratio,
      total_variance: this.fit.totalVariance,
      weights: { file: WEIGHTS_FILE, dtype: 'float32', byte_order: 'little-endian', layout: [`mean[${d}]`, `components[${d}][${k}] row-major`] },
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.meanRow.dispose();
    this.w.dispose();
    this.wT.dispose();
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('PCA model used after dispose()');
  }
}

export function loadPca(dir: string, manifest: ModelManifest): PcaModel {
  const file = path.join(dir, WEIGHTS_FILE);
  const d = manifest.input_dim;
  const k = manifest.latent;
  const ev = manifest.explained_variance;
  if (!Array.isArray(ev) || ev.length !== k || !ev.every((v) => typeof v === 'number')) {
    throw fileError(path.join(dir, 'aelab-model.json'), `explained_variance must list ${k} numbers`, 'explained_variance');
  }
  const total = manifest.total_variance;
  if (typeof total !== 'number') throw fileError(path.join(dir, 'aelab-model.json'), 'needs a number total_variance', 'total_variance');
  const raw = readModelFile(dir, WEIGHTS_FILE);
  const expected = (d + d * k) * 4;
  if (raw.byteLength !== expected) {
    throw fileError(file, `has ${raw.byteLength} bytes, expected ${expected} (μ and a ${d}×${k} W as float32); the model folder is damaged`);
  }
  // Copy into an aligned buffer (a Buffer may start at any byte offset of its pool).
  const values = new Float32Array(d + d * k);
  new Uint8Array(values.buffer).set(raw);
  return new PcaModel({
    inputDim: d,
    latent: k,
    mean: values.slice(0, d),
    components: values.slice(d),
    explainedVariance: ev as number[],
    totalVariance: total,
  });
}
