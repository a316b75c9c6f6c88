// The contract every model kind implements: one descriptor per kind (its file in this folder)
// holding everything about it — name, order, spec keys and defaults, checks, how it is built and
// loaded, and for trainable kinds the training objective. Nothing here loads tfjs: tensor types
// are type-only imports, and builders reach src/model/ through a dynamic import().
import type * as tf from '@tensorflow/tfjs';
import type { DensityKind, ModelKind, ModelSpec, TrainSpec } from '../../shared/spec-types.ts';
import type { Autoencoder, LossResult, LossOptions } from '../../shared/types.ts';

export type Tfjs = typeof tf;

export interface BuildOptions {
  inputDim: number;
  /** Height and width of an image (inputDim = height·width); convolutions need it. */
  imageShape?: [number, number];
  seed: number;
  /** train.loss: what a trainable model's loss() minimises (its kind's objective when absent). */
  loss?: 'mse' | 'bce';
  /** Training images (row-major count×inputDim); PCA is fitted on them, exactly, while building. */
  train?: { images: Float32Array; count: number };
  /** The spec's train block, for kinds whose model holds training settings (vae: train.kl_warmup_epochs). */
  trainSpec?: TrainSpec;
}

/** aelab-model.json, the manifest every saved model folder holds; kind-specific fields ride along. */
export interface ModelManifest {
  format: 'aelab-model';
  version: number;
  kind: ModelKind;
  input_dim: number;
  latent: number;
  [key: string]: unknown;
}

/** A path below the spec root, e.g. ['model', 'encoder', 0]. */
export type SpecSegment = string | number;

/** A problem a kind's check found; spec/ turns it into a located Issue (file, line, column). */
export interface KindIssue {
  path: SpecSegment[];
  /** Point at the key of the entry or at its value. */
  prefer: 'key' | 'value';
  message: string;
}

export interface KindCheckContext {
  /** The model block with defaults filled in (values may still be ones the schema rejected). */
  model: Record<string, unknown>;
  /** The train block with defaults filled in (same caveat), for kinds whose objective rules out a train key. */
  train: Record<string, unknown>;
  /** True when the user wrote the key (after extends and overrides, before defaults). */
  wrote(...path: SpecSegment[]): boolean;
  /** The image size when it is known before loading data (the bundled MNIST), else undefined. */
  input: { pixels: number; name: string } | undefined;
}

export interface KindCheckResult {
  errors: KindIssue[];
  warnings: KindIssue[];
}

/**
 * The outputs of a forward pass that an objective may use: the reconstruction always; kinds with
 * more heads (a VAE's mean and log-variance) add theirs.
 */
export interface ForwardOutputs {
  x: tf.Tensor2D;
  reconstruction: tf.Tensor2D;
  [head: string]: tf.Tensor;
}

/** What a trainable kind minimises. */
export interface TrainingObjective {
  /** Short name, e.g. 'mse'. */
  readonly name: string;
  /** What the loss measures, for people: 'mean squared error between x̂ and x'. */
  readonly description: string;
  /** The loss chart's name for it when not the mean squared error, e.g. 'negative ELBO, nats per image'. */
  readonly chartLabel?: string;
  /**
   * The loss of one batch (a mean over its rows, so that batches of different sizes weigh by
   * their rows). `tf` is passed in so that this file does not load tfjs.
   */
  loss(tf: Tfjs, out: ForwardOutputs, opts: LossOptions): LossResult;
}

interface ModelKindBase<K extends ModelKind> {
  readonly kind: K;
  /** Short name for legends and tables, e.g. 'deep autoencoder'. */
  readonly label: string;
  /** Position among the model kinds wherever they are listed or drawn (ascending). */
  readonly order: number;
  /**
   * The kind-specific spec keys this kind reads (dotted: 'model.encoder', 'train'). A key that
   * some model kind uses but this one does not is ignored for this kind: a warning when written,
   * left out of the spec hash, shown as '-' by compare. model.kind and model.latent are common.
   */
  readonly uses: readonly string[];
  /** Completes "ignored: …" for a written key this kind does not use, e.g. 'model.kind is pca, …'. */
  whyIgnored(key: string): string;
  /** Values for model keys the user did not write, where the schema's default does not suit this kind. */
  readonly defaults?: Partial<Omit<ModelSpec, 'kind'>>;
  /** density.kind when the spec does not write one, where the schema's default does not suit this kind (vae: its prior). */
  readonly defaultDensity?: DensityKind;
  /** Checks a schema cannot express, for this kind only. */
  check?(ctx: KindCheckContext): KindCheckResult;
  /** One line for the report, e.g. 'PCA, latent 2'. */
  describe(spec: ModelSpec): string;
  /** Builds the model the spec describes; tfjs and the implementation load here, on first use. */
  build(spec: ModelSpec, opts: BuildOptions): Promise<Autoencoder>;
  /** Restores what the model's save(dir) wrote. */
  load(dir: string, manifest: ModelManifest): Promise<Autoencoder>;
}

/** A kind fitted in closed form while building (PCA): no train block, no objective. */
export interface FittedModelKind<K extends ModelKind = ModelKind> extends ModelKindBase<K> {
  readonly trainable: false;
}

/** A kind trained by gradient descent on its objective; its models are TrainableAutoencoders. */
export interface TrainableModelKind<K extends ModelKind = ModelKind> extends ModelKindBase<K> {
  readonly trainable: true;
  readonly objective: TrainingObjective;
  /**
   * True when data-parallel training (train.workers > 1, src/train/parallel) reproduces this
   * kind's training: a worker thread's build() gives the same network, and the objective is a
   * deterministic mean over rows (no random draws, no batch statistics such as batch norm), so the
   * slices' gradients add up to the batch's. Absent: `auto` trains it on one thread, and
   * train.workers > 1 is refused with that reason.
   */
  readonly dataParallel?: boolean;
}

export type ModelKindDescriptor<K extends ModelKind = ModelKind> = FittedModelKind<K> | TrainableModelKind<K>;
