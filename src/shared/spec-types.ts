// GENERATED from schemas/experiment.schema.json by `npm run gen` — do not edit by hand.
// A test fails when this file drifts from the schema.

/** A spec after `extends`, defaults and overrides: every defaulted key is present. */
export interface ResolvedSpec {
  name: string;
  description?: string;
  seed: number;
  extends?: string;
  data: DataSpec;
  model: ModelSpec;
  train: TrainSpec;
  density: DensitySpec;
  outputs: OutputsSpec;
  sweep?: SweepSpec;
}

export interface DataSpec {
  source: 'mnist' | 'idx' | 'npy';
  digits: number[];
  validation: number;
  limit?: number;
  train_images?: string;
  train_labels?: string;
  test_images?: string;
  test_labels?: string;
}

export interface ModelSpec {
  kind: 'pca' | 'linear' | 'deep';
  latent: number;
  encoder: number[];
  decoder: 'mirror' | number[];
  activation: 'relu' | 'elu' | 'selu' | 'tanh' | 'sigmoid' | 'softplus' | 'leaky_relu' | 'swish' | 'gelu';
  output_activation: 'sigmoid' | 'linear';
}

export interface TrainSpec {
  epochs: number;
  batch_size: number;
  optimizer: 'adam' | 'sgd' | 'rmsprop';
  learning_rate: number;
  early_stopping: EarlyStoppingSpec;
}

export interface EarlyStoppingSpec {
  patience: number;
  min_delta: number;
}

export interface DensitySpec {
  kind: 'gaussian-diag' | 'gaussian-full' | 'gmm';
  components: number;
}

export interface OutputsSpec {
  reconstructions: number;
  latent_points: number;
  manifold_grid: number;
  interpolations: number;
  interpolation_steps: number;
  samples: number;
}

export interface SweepSpec {
  grid?: Record<string, unknown[]>;
  random?: { n: number } & Record<string, unknown[] | SweepRange | number>;
}

export interface SweepRange {
  min: number;
  max: number;
  log: boolean;
  integer: boolean;
}

export type ModelKind = ModelSpec['kind'];
export type DensityKind = DensitySpec['kind'];
