// The layers of a trainable autoencoder, from a plain options object: dense and convolutional
// encoders, a dense latent code, a decoder that mirrors the encoder (transposed convolutions back
// to the input's shape), per-layer activations, dropout, batch normalisation and tied weights (a
// dense decoder whose layers apply the encoder's kernels transposed: TiedDense).
//
// Input and output are flat rows (n × height·width·channels), as everywhere in aelab; a
// convolutional encoder starts with a Reshape to the image and the decoder ends with a Flatten.
// Layer names are stable and seed each layer's initial weights, so a dense network built here is
// the same network, weight for weight, as before these options existed.
import * as tf from '@tensorflow/tfjs';
import { UserError, type Issue } from '../shared/errors.ts';
import { SeededDropout } from './seeded-dropout.ts';
import { TiedDense } from './tied-dense.ts';

export type HiddenActivation = 'relu' | 'elu' | 'selu' | 'tanh' | 'sigmoid' | 'softplus' | 'leaky_relu' | 'swish' | 'gelu';
export type OutputActivation = 'sigmoid' | 'linear';

/** Slope for x < 0 of leaky_relu (PyTorch's default; Keras uses 0.3). */
export const LEAKY_RELU_ALPHA = 0.01;

/**
 * The hidden activations as tfjs layer activations. leaky_relu has no tfjs activation name (only
 * a LeakyReLU layer), so it becomes a linear layer followed by that layer.
 */
type LayerActivation = NonNullable<Parameters<typeof tf.layers.dense>[0]['activation']>;
export const TFJS_ACTIVATION: Record<HiddenActivation, LayerActivation | null> = {
  relu: 'relu',
  elu: 'elu',
  selu: 'selu',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  softplus: 'softplus',
  swish: 'swish',
  gelu: 'gelu',
  leaky_relu: null,
};
export const hiddenActivations = Object.keys(TFJS_ACTIVATION) as HiddenActivation[];

/** A convolution of the encoder: `filters` output channels, a square kernel, the same stride both ways. */
export interface ConvEntry {
  conv: number;
  kernel: number;
  stride: number;
}
export type EncoderEntry = number | ConvEntry;

export function isConv(entry: EncoderEntry): entry is ConvEntry {
  return typeof entry === 'object' && entry !== null;
}

export interface ArchitectureOptions {
  /** [height, width, channels] of one input image; rows are flattened images of that shape. */
  imageShape: [number, number, number];
  /** Input side first: convolutions, then dense widths. */
  encoder: EncoderEntry[];
  /** Dense widths, latent side first, or 'mirror' (the only choice after convolutions). */
  decoder: 'mirror' | number[];
  latent: number;
  /** One activation for every hidden layer, or one per hidden layer (see hiddenLayerNames). */
  activation: HiddenActivation | HiddenActivation[];
  outputActivation: OutputActivation;
  /** Dropout rate after every hidden layer, training only; 0 for none. */
  dropout: number;
  /** Batch normalisation between every hidden layer and its activation. */
  batchNorm: boolean;
  /** Each decoder layer applies the mirrored encoder layer's kernel transposed, with its own bias (dense, mirrored only). */
  tied?: boolean;
  seed: number;
  /** Seeds a layer's initial weights from the run seed and the layer's name. */
  layerSeed: (runSeed: number, layerName: string) => number;
}

export interface Architecture {
  layers: tf.layers.Layer[];
  /** How many of `layers` (from the first) make up the encoder, ending at the latent layer. */
  encoderLayerCount: number;
  /** Names of the hidden layers in order (what an activation list is matched against). */
  hiddenLayers: string[];
  /** Shapes along the network, e.g. 28×28×1 → 14×14×32 → … → 2 → … → 28×28×1, for summaries. */
  shapes: string[];
}

/** Where one hidden layer sits, for activation lists and messages. */
interface Plan {
  convs: { entry: ConvEntry; inShape: [number, number, number]; outShape: [number, number, number] }[];
  encoderDense: number[];
  decoderDense: number[];
  /** Shape after the last convolution (the image the decoder's first dense layer unflattens to). */
  convOutShape: [number, number, number] | null;
  hiddenLayers: string[];
}

function sameOutput(size: number, stride: number): number {
  return Math.ceil(size / stride);
}

function plan(o: ArchitectureOptions): Plan {
  const problems: Issue[] = [];
  const convs: Plan['convs'] = [];
  const encoderDense: number[] = [];
  let shape: [number, number, number] = o.imageShape;
  o.encoder.forEach((entry, i) => {
    const where = `model.encoder[${i}]`;
    if (isConv(entry)) {
      if (encoderDense.length > 0) {
        problems.push({ path: where, message: 'convolutions must come before the dense widths (the encoder goes image → convolutions → dense → code); move this entry up' });
        return;
      }
      for (const key of ['conv', 'kernel', 'stride'] as const) {
        if (!Number.isInteger(entry[key]) || entry[key] < 1) problems.push({ path: `${where}.${key}`, message: `must be a positive integer, got ${String(entry[key])}` });
      }
      if (!(entry.conv >= 1 && entry.kernel >= 1 && entry.stride >= 1)) return;
      if (shape[0] < 2 || shape[1] < 2) {
        problems.push({ path: where, message: `the image is already ${shape[0]}×${shape[1]} here, too small to convolve further; remove this convolution or use stride 1 earlier` });
        return;
      }
      const out: [number, number, number] = [sameOutput(shape[0], entry.stride), sameOutput(shape[1], entry.stride), entry.conv];
      convs.push({ entry, inShape: shape, outShape: out });
      shape = out;
    } else {
      if (!Number.isInteger(entry) || entry < 1) problems.push({ path: where, message: `layer widths must be positive integers, got ${String(entry)}` });
      encoderDense.push(entry);
    }
  });
  let decoderDense: number[];
  if (o.decoder === 'mirror') {
    decoderDense = [...encoderDense].reverse();
  } else {
    decoderDense = [...o.decoder];
    decoderDense.forEach((w, i) => {
      if (!Number.isInteger(w) || w < 1) problems.push({ path: `model.decoder[${i}]`, message: `layer widths must be positive integers, got ${String(w)}` });
    });
    if (convs.length > 0) {
      problems.push({ path: 'model.decoder', message: 'a convolutional encoder is mirrored by transposed convolutions; set model.decoder: mirror' });
    }
  }
  if (!Number.isInteger(o.latent) || o.latent < 1) problems.push({ path: 'model.latent', message: `must be a positive integer, got ${String(o.latent)}` });
  if (o.tied && convs.length > 0) {
    problems.push({ path: 'model.tied', message: 'tied weights are for dense layers; a convolutional encoder is not supported with tied: remove model.tied or the convolutions' });
  }
  const mirrors = decoderDense.length === encoderDense.length && decoderDense.every((w, i) => w === encoderDense[encoderDense.length - 1 - i]);
  if (o.tied && !mirrors) {
    problems.push({ path: 'model.decoder', message: 'model.tied needs a decoder that mirrors the encoder (each decoder layer applies an encoder layer\'s weights transposed); set model.decoder: mirror or remove model.tied' });
  }
  if (!(o.dropout >= 0 && o.dropout < 1)) problems.push({ path: 'model.dropout', message: `must be at least 0 and below 1 (the fraction of units dropped while training), got ${String(o.dropout)}` });
  if (problems.length > 0) throw new UserError(problems);

  const convOutShape = convs.length > 0 ? shape : null;
  const hiddenLayers = [
    ...convs.map((_, i) => `encoder_conv_${i + 1}`),
    ...encoderDense.map((_, i) => `encoder_${i + 1}`),
    ...decoderDense.map((_, i) => `decoder_${i + 1}`),
    ...(convOutShape ? ['decoder_unflatten'] : []),
    ...convs.slice(1).map((_, i) => `decoder_conv_${convs.length - 1 - i}`),
  ];
  return { convs, encoderDense, decoderDense, convOutShape, hiddenLayers };
}

/** The hidden layers' names in order: an activation list gives one activation per name. */
export function hiddenLayerNames(o: ArchitectureOptions): string[] {
  return plan(o).hiddenLayers;
}

function activationsFor(o: ArchitectureOptions, names: string[]): HiddenActivation[] {
  const list = Array.isArray(o.activation) ? o.activation : names.map(() => o.activation as HiddenActivation);
  const problems: Issue[] = [];
  if (list.length !== names.length) {
    problems.push({
      path: 'model.activation',
      message: `a list needs one activation per hidden layer: ${names.length} (${names.join(', ')}), got ${list.length}; or give one activation for all`,
    });
  }
  list.forEach((a, i) => {
    if (!(a in TFJS_ACTIVATION)) {
      problems.push({ path: Array.isArray(o.activation) ? `model.activation[${i}]` : 'model.activation', message: `unknown activation '${String(a)}'; valid: ${hiddenActivations.join(', ')}` });
    }
  });
  if (problems.length > 0) throw new UserError(problems);
  return list;
}

/** Builds the layers (untrained, seeded). Throws UserError naming the field for impossible options. */
export function buildArchitecture(o: ArchitectureOptions): Architecture {
  const p = plan(o);
  const activations = activationsFor(o, p.hiddenLayers);
  const activationOf = new Map(p.hiddenLayers.map((name, i) => [name, activations[i]!]));
  const [height, width, channels] = o.imageShape;
  const inputDim = height * width * channels;
  const layers: tf.layers.Layer[] = [];
  const shapes: string[] = [p.convs.length > 0 ? `${height}×${width}×${channels}` : String(inputDim)];
  const first = (): { inputShape?: number[] } => (layers.length === 0 ? { inputShape: [inputDim] } : {});
  const init = (name: string) => ({
    kernelInitializer: tf.initializers.glorotUniform({ seed: o.layerSeed(o.seed, name) }),
    biasInitializer: 'zeros' as const,
  });

  // A tied layer is linear (its activation follows as a layer); so is a layer before batch norm.
  const unfused = o.batchNorm || o.tied === true;
  /** Activation (and batch norm before it, dropout after it) of a hidden layer whose linear part was just added. */
  const finishHidden = (name: string): void => {
    const act = activationOf.get(name)!;
    if (o.batchNorm) layers.push(tf.layers.batchNormalization({ name: `${name}_batch_norm` }));
    if (unfused && TFJS_ACTIVATION[act] !== null) layers.push(tf.layers.activation({ name: `${name}_${act}`, activation: TFJS_ACTIVATION[act]! }));
    if (act === 'leaky_relu') layers.push(tf.layers.leakyReLU({ name: `${name}_leaky_relu`, alpha: LEAKY_RELU_ALPHA }));
    if (o.dropout > 0) layers.push(new SeededDropout({ name: `${name}_dropout`, rate: o.dropout, seed: o.layerSeed(o.seed, `${name}_dropout`) }));
  };
  /** Without batch norm the activation is fused into the layer (as before these options existed). */
  const fusedActivation = (name: string): LayerActivation => {
    const act = activationOf.get(name)!;
    return unfused ? 'linear' : (TFJS_ACTIVATION[act] ?? 'linear');
  };
  // Tied: the i-th decoder layer (reconstruction last) applies the kernel of the i-th encoder layer
  // counted back from the code, transposed.
  const encoderDenseNames = [...p.encoderDense.map((_, i) => `encoder_${i + 1}`), 'latent'];
  let tiedIndex = 0;
  const dense = (name: string, units: number, activation: LayerActivation, hidden: boolean, decoder = false): void => {
    if (o.tied && decoder) {
      layers.push(new TiedDense({ name, units, tiedTo: encoderDenseNames[encoderDenseNames.length - 1 - tiedIndex++]! }));
      if (!hidden && activation !== 'linear') layers.push(tf.layers.activation({ name: `${name}_${activation}`, activation }));
    } else {
      layers.push(tf.layers.dense({ name, units, activation, ...init(name), ...first() }));
    }
    if (hidden) finishHidden(name);
  };

  // Encoder: image → convolutions → flatten → dense → code.
  if (p.convs.length > 0) layers.push(tf.layers.reshape({ name: 'to_image', targetShape: o.imageShape, inputShape: [inputDim] }));
  p.convs.forEach(({ entry, outShape }, i) => {
    const name = `encoder_conv_${i + 1}`;
    layers.push(tf.layers.conv2d({ name, filters: entry.conv, kernelSize: entry.kernel, strides: entry.stride, padding: 'same', activation: fusedActivation(name), ...init(name) }));
    finishHidden(name);
    shapes.push(outShape.join('×'));
  });
  if (p.convs.length > 0) layers.push(tf.layers.flatten({ name: 'encoder_flatten' }));
  p.encoderDense.forEach((w, i) => {
    const name = `encoder_${i + 1}`;
    dense(name, w, fusedActivation(name), true);
    shapes.push(String(w));
  });
  dense('latent', o.latent, 'linear', false);
  shapes.push(String(o.latent));
  const encoderLayerCount = layers.length;

  // Decoder: code → dense → (unflatten → transposed convolutions → crop) → reconstruction.
  p.decoderDense.forEach((w, i) => {
    const name = `decoder_${i + 1}`;
    dense(name, w, fusedActivation(name), true, true);
    shapes.push(String(w));
  });
  if (p.convOutShape === null) {
    dense('reconstruction', inputDim, o.outputActivation, false, true);
    shapes.push(String(inputDim));
  } else {
    const [h, w, c] = p.convOutShape;
    dense('decoder_unflatten', h * w * c, fusedActivation('decoder_unflatten'), true);
    layers.push(tf.layers.reshape({ name: 'decoder_to_image', targetShape: p.convOutShape }));
    shapes.push(p.convOutShape.join('×'));
    // Mirror: the transposed convolution of encoder conv i maps its output channels back to its
    // input channels at its input size (cropped where 'same' padding rounded the size up).
    for (let i = p.convs.length - 1; i >= 0; i--) {
      const { entry, inShape } = p.convs[i]!;
      const last = i === 0;
      const name = last ? 'reconstruction' : `decoder_conv_${i}`;
      layers.push(
        tf.layers.conv2dTranspose({
          name,
          filters: inShape[2],
          kernelSize: entry.kernel,
          strides: entry.stride,
          padding: 'same',
          activation: last ? o.outputActivation : fusedActivation(name),
          ...init(name),
        }),
      );
      const grown = [sameOutput(inShape[0], entry.stride) * entry.stride, sameOutput(inShape[1], entry.stride) * entry.stride];
      if (grown[0] !== inShape[0] || grown[1] !== inShape[1]) {
        layers.push(tf.layers.cropping2D({ name: `${name}_crop`, cropping: [[0, grown[0]! - inShape[0]], [0, grown[1]! - inShape[1]]] }));
      }
      if (!last) finishHidden(name);
      shapes.push(inShape.join('×'));
    }
    layers.push(tf.layers.flatten({ name: 'reconstruction_flatten' }));
  }
  return { layers, encoderLayerCount, hiddenLayers: p.hiddenLayers, shapes };
}
