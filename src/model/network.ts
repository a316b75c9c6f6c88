// Autoencoders trained by gradient descent, built from a plain options object that the kinds
// `linear` (no hidden layers: z = Ax + b, x̂ = out(Cz + d)) and `deep` (Dense encoder → linear
// latent → Dense decoder → output activation) fill in. One tfjs Sequential holds
// every layer (the `network`, x → x̂, which training and saving use); encode and decode apply the
// encoder's and decoder's slices of those same layers, so they share the weights.
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../shared/errors.ts';
import { deriveSeed } from '../shared/random.ts';
import type { ModelManifest, TrainingObjective } from '../kinds/model/types.ts';
import type { ModelKind } from '../shared/spec-types.ts';
import { buildArchitecture, LEAKY_RELU_ALPHA, TFJS_ACTIVATION, type ConvEntry, type HiddenActivation, type LayerActivation, type OutputActivation } from './architecture.ts';
import type { DecoderActivation, DecoderExport, DecoderLayer, LossOptions, LossResult, TrainableAutoencoder } from '../shared/types.ts';
import { mapRowBatches } from './batches.ts';
import { addCodeL1 } from './code-penalty.ts';
import { SeededDropout } from './seeded-dropout.ts';
import { TiedDense } from './tied-dense.ts';
import { loadLayersFromDir, saveLayersToDir } from './layers-io.ts';
import { writeManifest } from './manifest.ts';

export type { HiddenActivation, OutputActivation } from './architecture.ts';
export { hiddenActivations, LEAKY_RELU_ALPHA } from './architecture.ts';

/** tfjs activation names that exportDecoder passes on (the hidden ones, plus linear). */
const DECODER_ACTIVATIONS: ReadonlySet<string> = new Set(['linear', ...Object.values(TFJS_ACTIVATION).filter((a) => a !== null)]);

/** What the saved manifest records beyond kind and sizes, to rebuild the encoder/decoder split. */
export interface NetworkDescription {
  /** The model kind whose descriptor built this network (recorded in the manifest). */
  kind: ModelKind;
  inputDim: number;
  latent: number;
  /** Hidden widths, input side first / latent side first (empty for linear). */
  encoderWidths: number[];
  decoderWidths: number[];
  /** Activation of the hidden layers (one, or one per hidden layer); null when there are none. */
  activation: HiddenActivation | HiddenActivation[] | null;
  outputActivation: OutputActivation;
  /** Convolutions before the dense encoder layers (mirrored by transposed ones); none for a dense network. */
  convs?: ConvEntry[];
  /** [height, width, channels] of an image: what convolutions see (rows are flattened images). */
  imageShape?: [number, number, number];
  /** Dropout rate after each hidden layer while training (0 or absent: none). */
  dropout?: number;
  /** Batch normalisation before each hidden activation. */
  batchNorm?: boolean;
  /** The decoder's layers apply the encoder's kernels transposed, with their own biases. */
  tied?: boolean;
  /** Number of layers of `network` (from the first) that make up the encoder, ending at the latent layer. */
  encoderLayerCount: number;
  /** Sparse autoencoder: weight of the L1 penalty on the code added to the objective (0: none). */
  codeL1?: number;
}

/**
 * buildNetwork's options: the architecture (spec errors about widths name model.encoder and
 * model.decoder), the seed of the initial weights and what training minimises.
 */
export interface NetworkOptions extends Omit<NetworkDescription, 'encoderLayerCount'> {
  seed: number;
  objective: TrainingObjective;
}

export class NetworkAutoencoder implements TrainableAutoencoder {
  readonly kind: ModelKind;
  readonly inputDim: number;
  readonly latent: number;
  readonly network: tf.LayersModel;
  readonly description: NetworkDescription;
  readonly objective: TrainingObjective;
  private readonly encoderLayers: tf.layers.Layer[];
  private readonly decoderLayers: tf.layers.Layer[];
  private disposed = false;

  constructor(network: tf.LayersModel, description: NetworkDescription, objective: TrainingObjective) {
    this.network = network;
    this.description = description;
    this.objective = objective;
    this.kind = description.kind;
    this.inputDim = description.inputDim;
    this.latent = description.latent;
    const layers = network.layers.filter((l) => l.getClassName() !== 'InputLayer');
    this.encoderLayers = layers.slice(0, description.encoderLayerCount);
    this.decoderLayers = layers.slice(description.encoderLayerCount);
  }

  encode(x: Float32Array, n: number): Float32Array {
    this.assertLive();
    return mapRowBatches(x, n, this.inputDim, this.latent, (b) => applyLayers(this.encoderLayers, b), `${this.kind}.encode`);
  }

  decode(z: Float32Array, n: number): Float32Array {
    this.assertLive();
    return mapRowBatches(z, n, this.latent, this.inputDim, (b) => applyLayers(this.decoderLayers, b), `${this.kind}.decode`);
  }

  reconstruct(x: Float32Array, n: number): Float32Array {
    this.assertLive();
    return mapRowBatches(
      x,
      n,
      this.inputDim,
      this.inputDim,
      (b) => applyLayers(this.decoderLayers, applyLayers(this.encoderLayers, b)),
      `${this.kind}.reconstruct`,
    );
  }

  /**
   * The decoder's Dense layers with their weights; a LeakyReLU layer (how leaky_relu is built)
   * becomes the activation of the Dense layer before it.
   */
  exportsDecoder(): boolean {
    return (this.description.convs ?? []).length === 0;
  }

  exportDecoder(): DecoderExport {
    this.assertLive();
    if (!this.exportsDecoder()) throw new Error('exportDecoder: a convolutional decoder has no dense export (check exportsDecoder() first)');
    return exportDenseLayers(this.decoderLayers);
  }

  loss(x: tf.Tensor2D, opts: LossOptions): LossResult {
    this.assertLive();
    // The encoder sees opts.input (a corrupted x when denoising); the objective compares with x.
    const code = applyLayers(this.encoderLayers, opts.input ?? x, opts.training, opts.step) as tf.Tensor2D;
    const reconstruction = applyLayers(this.decoderLayers, code, opts.training, opts.step) as tf.Tensor2D;
    return addCodeL1(this.objective.loss(tf, { x, reconstruction, code }, opts), code, this.description.codeL1 ?? 0);
  }

  paramCount(): number {
    return this.network.countParams();
  }

  summary(): Record<string, unknown> {
    const d = this.description;
    const convs = d.convs ?? [];
    const activations = Array.isArray(d.activation) ? d.activation : d.activation ? [d.activation] : [];
    return {
      architecture:
        convs.length > 0 && d.imageShape
          ? buildArchitectureShapes(d).join('-')
          : [d.inputDim, ...d.encoderWidths, d.latent, ...d.decoderWidths, d.inputDim].join('-'),
      ...(d.activation ? { hidden_activation: Array.isArray(d.activation) ? d.activation.join(',') : d.activation } : {}),
      ...(activations.includes('leaky_relu') ? { leaky_relu_alpha: LEAKY_RELU_ALPHA } : {}),
      output_activation: d.outputActivation,
      ...(d.dropout ? { dropout: d.dropout } : {}),
      ...(d.batchNorm ? { batch_norm: true } : {}),
      ...(d.tied ? { tied: true } : {}),
    };
  }

  async save(dir: string): Promise<void> {
    this.assertLive();
    await saveLayersToDir(this.network, dir);
    const d = this.description;
    writeManifest(dir, {
      kind: d.kind,
      input_dim: d.inputDim,
      latent: d.latent,
      encoder: d.encoderWidths,
      decoder: d.decoderWidths,
      activation: d.activation,
      output_activation: d.outputActivation,
      encoder_layer_count: d.encoderLayerCount,
      ...(d.codeL1 ? { code_l1: d.codeL1 } : {}),
      ...(d.convs && d.convs.length > 0 ? { convs: d.convs, image_shape: d.imageShape } : {}),
      ...(d.dropout ? { dropout: d.dropout } : {}),
      ...(d.batchNorm ? { batch_norm: true } : {}),
      ...(d.tied ? { tied: true } : {}),
      files: ['model.json', 'weights.bin'],
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.network.dispose();
  }

  private assertLive(): void {
    if (this.disposed) throw new Error(`${this.kind} model used after dispose()`);
  }
}

/**
 * A decoder's layers as plain arrays, for the report's explorer: Dense layers, with dropout skipped
 * (the identity when decoding), batch norm folded into the Dense layer before it (affine per unit
 * at evaluation), and an Activation or LeakyReLU layer made the activation of that Dense layer.
 * Shared by the dense networks and the VAE's decoder.
 */
export function exportDenseLayers(decoderLayers: tf.layers.Layer[]): DecoderExport {
  const layers: DecoderLayer[] = [];
  for (const layer of decoderLayers) {
    const cls = layer.getClassName();
    // Dropout is the identity when decoding.
    if (cls === SeededDropout.className) continue;
    if (cls === 'Activation') {
      const last = layers[layers.length - 1];
      const activation = String((layer.getConfig() as { activation?: unknown }).activation);
      if (last?.activation !== 'linear' || !DECODER_ACTIVATIONS.has(activation)) throw new Error(`exportDecoder: cannot fold ${layer.name}`);
      last.activation = activation as DecoderActivation;
      continue;
    }
    if (cls === 'BatchNormalization') {
      // At evaluation batch norm is affine per unit: fold it into the dense layer before it.
      const last = layers[layers.length - 1];
      if (last?.activation !== 'linear') throw new Error(`exportDecoder: ${layer.name} does not follow a linear Dense layer`);
      const [gamma, beta, mean, variance] = layer.getWeights().map((w) => w.dataSync());
      const epsilon = Number((layer.getConfig() as { epsilon?: unknown }).epsilon ?? 1e-3);
      for (let j = 0; j < last.out; j++) {
        const scale = gamma![j]! / Math.sqrt(variance![j]! + epsilon);
        for (let i = 0; i < last.in; i++) last.weights[i * last.out + j]! *= scale;
        last.bias[j] = (last.bias[j]! - mean![j]!) * scale + beta![j]!;
      }
      continue;
    }
    if (cls === 'LeakyReLU') {
      const last = layers[layers.length - 1];
      if (last?.activation !== 'linear') throw new Error(`exportDecoder: ${layer.name} does not follow a linear Dense layer`);
      last.activation = 'leaky_relu';
      last.alpha = LEAKY_RELU_ALPHA;
      continue;
    }
    if (cls === TiedDense.className) {
      // The encoder's kernel (out × in) transposed into the export's row-major in × out.
      const tied = layer as TiedDense;
      const kernel = tied.kernel();
      const [out, inputs] = kernel.shape;
      const source = kernel.dataSync();
      const weights = new Float32Array(inputs * out);
      for (let i = 0; i < inputs; i++) for (let j = 0; j < out; j++) weights[i * out + j] = source[j * inputs + i]!;
      layers.push({ in: inputs, out, weights, bias: Float32Array.from(layer.getWeights()[0]!.dataSync()), activation: 'linear' });
      continue;
    }
    if (cls !== 'Dense') throw new Error(`exportDecoder: cannot export a ${cls} layer (${layer.name})`);
    const [kernel, bias] = layer.getWeights();
    if (!kernel || !bias || kernel.shape.length !== 2) throw new Error(`exportDecoder: ${layer.name} has no kernel and bias`);
    const activation = String((layer.getConfig() as { activation?: unknown }).activation ?? 'linear');
    if (!DECODER_ACTIVATIONS.has(activation)) throw new Error(`exportDecoder: ${layer.name} has activation ${activation}, which the export does not know`);
    layers.push({
      in: kernel.shape[0]!,
      out: kernel.shape[1]!,
      // Copies: some backends hand out their own storage from dataSync.
      weights: Float32Array.from(kernel.dataSync()),
      bias: Float32Array.from(bias.dataSync()),
      activation: activation as DecoderActivation,
    });
  }
  return { layers };
}

/**
 * The layers in order; `training` switches dropout on and batch norm to batch statistics, as
 * network.apply does; `step` seeds the dropout masks (see SeededDropout).
 */
function applyLayers(layers: tf.layers.Layer[], x: tf.Tensor, training = false, step?: number): tf.Tensor {
  let h = x;
  const kwargs = step === undefined ? { training } : { training, step };
  for (const layer of layers) h = layer.apply(h, kwargs) as tf.Tensor;
  return h;
}

/** Builds an untrained autoencoder network with seeded initial weights. */
export function buildNetwork(opts: NetworkOptions): NetworkAutoencoder {
  const { kind, inputDim, latent, encoderWidths, decoderWidths, activation, outputActivation, seed } = opts;
  const convs = opts.convs ?? [];
  if (!Number.isInteger(latent) || latent < 1) {
    throw new UserError([{ path: 'model.latent', message: `must be a positive integer, got ${String(latent)}` }]);
  }
  // A mirrored decoder repeats the encoder's widths, so a bad width is reported at the encoder first.
  encoderWidths.forEach((w, i) => checkWidth(w, `model.encoder[${convs.length + i}]`));
  decoderWidths.forEach((w, i) => checkWidth(w, `model.decoder[${i}]`));
  if (outputActivation !== 'sigmoid' && outputActivation !== 'linear') {
    throw new UserError([{ path: 'model.output_activation', message: `must be sigmoid or linear, got '${String(outputActivation)}'` }]);
  }
  const mirrored = decoderWidths.length === encoderWidths.length && decoderWidths.every((w, i) => w === encoderWidths[encoderWidths.length - 1 - i]);
  const imageShape = opts.imageShape ?? [1, inputDim, 1];
  if (imageShape[0] * imageShape[1] * imageShape[2] !== inputDim) {
    throw new Error(`buildNetwork: image shape ${imageShape.join('×')} does not hold ${inputDim} pixels`);
  }
  if (convs.length > 0 && opts.imageShape === undefined) throw new Error('buildNetwork: convolutions need opts.imageShape');

  checkTrainableSize([inputDim, ...encoderWidths, latent, ...decoderWidths, inputDim], encoderWidths.length > 0 ? 'model.encoder' : 'model.latent');

  const architecture = buildArchitecture({
    imageShape,
    encoder: [...convs, ...encoderWidths],
    decoder: convs.length > 0 && mirrored ? 'mirror' : [...decoderWidths],
    latent,
    // linear (no hidden layers) has no activation; any value is unused then.
    activation: activation ?? 'relu',
    outputActivation,
    dropout: opts.dropout ?? 0,
    batchNorm: opts.batchNorm ?? false,
    tied: opts.tied ?? false,
    seed,
    layerSeed,
  });
  const network = tf.sequential({ name: `aelab_${kind}`, layers: architecture.layers });
  return new NetworkAutoencoder(
    network,
    {
      kind,
      inputDim,
      latent,
      encoderWidths: [...encoderWidths],
      decoderWidths: [...decoderWidths],
      activation: Array.isArray(activation) ? [...activation] : activation,
      outputActivation,
      encoderLayerCount: architecture.encoderLayerCount,
      ...(convs.length > 0 ? { convs: convs.map((c) => ({ ...c })), imageShape } : {}),
      ...(opts.dropout ? { dropout: opts.dropout } : {}),
      ...(opts.batchNorm ? { batchNorm: true } : {}),
      ...(opts.codeL1 ? { codeL1: opts.codeL1 } : {}),
      ...(opts.tied ? { tied: true } : {}),
    },
    opts.objective,
  );
}

/**
 * How a Dense layer's weights start. glorot: Keras' and tfjs' default, Glorot-uniform weights and
 * zero biases (every `deep` model). fan-in-uniform: PyTorch's nn.Linear default, weights and biases
 * uniform in ±1/√fan_in (kaiming_uniform with a = √5 is exactly that bound), which the VAE uses.
 */
export type DenseInit = { kind: 'glorot' } | { kind: 'fan-in-uniform'; fanIn: number };

/** A seeded Dense layer (Glorot-uniform weights and zero biases unless `init` says otherwise); inputShape only for a model's first layer. */
export function denseLayer(name: string, units: number, activation: LayerActivation, seed: number, inputShape?: number[], init: DenseInit = { kind: 'glorot' }): tf.layers.Layer {
  const bound = init.kind === 'fan-in-uniform' ? 1 / Math.sqrt(init.fanIn) : 0;
  return tf.layers.dense({
    name,
    units,
    activation,
    kernelInitializer:
      init.kind === 'fan-in-uniform'
        ? tf.initializers.varianceScaling({ scale: 1 / 3, mode: 'fanIn', distribution: 'uniform', seed: layerSeed(seed, name) })
        : tf.initializers.glorotUniform({ seed: layerSeed(seed, name) }),
    biasInitializer: init.kind === 'fan-in-uniform' ? tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: layerSeed(seed, `${name}:bias`) }) : 'zeros',
    ...(inputShape ? { inputShape } : {}),
  });
}

/** One hidden layer of the schema's activation: a Dense, plus a LeakyReLU layer for leaky_relu. */
export function hiddenLayers(name: string, units: number, activation: HiddenActivation, seed: number, inputShape?: number[], init?: DenseInit): tf.layers.Layer[] {
  const dense = denseLayer(name, units, TFJS_ACTIVATION[activation] ?? 'linear', seed, inputShape, init);
  return activation === 'leaky_relu' ? [dense, tf.layers.leakyReLU({ name: `${name}_leaky_relu`, alpha: LEAKY_RELU_ALPHA })] : [dense];
}

/** The shapes along a convolutional network, e.g. 28×28×1-14×14×32-…-2-…-28×28×1, for its summary. */
function buildArchitectureShapes(d: NetworkDescription): string[] {
  const shapes: string[] = [];
  let [h, w] = d.imageShape!;
  shapes.push(d.imageShape!.join('×'));
  const convShapes: string[] = [];
  for (const c of d.convs ?? []) {
    h = Math.ceil(h / c.stride);
    w = Math.ceil(w / c.stride);
    convShapes.push(`${h}×${w}×${c.conv}`);
  }
  return [...shapes, ...convShapes, ...d.encoderWidths.map(String), String(d.latent), ...d.decoderWidths.map(String), ...[...convShapes].reverse(), d.imageShape!.join('×')];
}

/**
 * Training holds every weight four times (the weights, their gradients and Adam's two moments), at
 * 4 bytes each. A network that cannot fit would otherwise fail deep inside tfjs ("Invalid typed
 * array length", or the wasm heap running out) after the run has started.
 */
const BYTES_PER_PARAMETER_IN_TRAINING = 16;
/** wasm32's address space: the wasm backend keeps all tensors in one heap of at most 4 GiB. */
const WASM_HEAP_BYTES = 4 * 1024 ** 3;

/** Refuses (UserError at `where`) a dense network of these layer widths that could not train in memory. */
export function checkTrainableSize(widths: number[], where: string, extraParams = 0): void {
  let params = extraParams;
  for (let i = 1; i < widths.length; i++) params += widths[i - 1]! * widths[i]! + widths[i]!;
  const wasm = tf.getBackend() === 'wasm';
  const available = wasm ? Math.min(WASM_HEAP_BYTES, os.totalmem()) : os.totalmem();
  const needed = params * BYTES_PER_PARAMETER_IN_TRAINING;
  // Leave a quarter for the data, the activations of a batch and everything else.
  if (needed <= 0.75 * available) return;
  const gb = (bytes: number) => `${(bytes / 1024 ** 3).toPrecision(3)} GB`;
  throw new UserError([
    {
      path: where,
      message:
        `the network ${widths.join('-')} would have ${params.toLocaleString('en-US')} parameters, about ${gb(needed)} to train ` +
        `(weights, gradients and optimizer state), but ${wasm ? 'the wasm backend can hold at most' : 'this machine has'} ${gb(available)}; ` +
        'use narrower layers (the lecture\'s 784-500-300-2 has about 1.1 million)',
    },
  ]);
}

export function checkWidth(width: number, where: string): void {
  if (!Number.isInteger(width) || width < 1) throw new UserError([{ path: where, message: `layer widths must be positive integers, got ${String(width)}` }]);
}

/** tfjs treats seed 0 (and undefined) as "unseeded", so a derived 0 becomes 1. */
export function layerSeed(runSeed: number, layerName: string): number {
  return deriveSeed(runSeed, `init:${layerName}`) || 1;
}

/** Restores what NetworkAutoencoder.save wrote; the kind's descriptor passes its objective. */
export async function loadNetwork(dir: string, manifest: ModelManifest, objective: TrainingObjective): Promise<NetworkAutoencoder> {
  const file = path.join(dir, 'aelab-model.json');
  const kind = manifest.kind;
  const ints = (v: unknown, key: string): number[] => {
    if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x) && x > 0)) throw new UserError([{ file, path: key, message: 'must be a list of positive integers' }]);
    return v as number[];
  };
  const encoderLayerCount = manifest.encoder_layer_count;
  if (!Number.isInteger(encoderLayerCount) || (encoderLayerCount as number) < 1) {
    throw new UserError([{ file, path: 'encoder_layer_count', message: 'must be a positive integer' }]);
  }
  const network = await loadLayersFromDir(dir);
  const description: NetworkDescription = {
    kind,
    inputDim: manifest.input_dim,
    latent: manifest.latent,
    encoderWidths: ints(manifest.encoder, 'encoder'),
    decoderWidths: ints(manifest.decoder, 'decoder'),
    activation: (manifest.activation ?? null) as HiddenActivation | HiddenActivation[] | null,
    outputActivation: manifest.output_activation as OutputActivation,
    encoderLayerCount: encoderLayerCount as number,
    ...(typeof manifest.code_l1 === 'number' && manifest.code_l1 > 0 ? { codeL1: manifest.code_l1 } : {}),
    ...(Array.isArray(manifest.convs) ? { convs: manifest.convs as ConvEntry[], imageShape: manifest.image_shape as [number, number, number] } : {}),
    ...(typeof manifest.dropout === 'number' ? { dropout: manifest.dropout } : {}),
    ...(manifest.batch_norm === true ? { batchNorm: true } : {}),
    ...(manifest.tied === true ? { tied: true } : {}),
  };
  const shape = network.inputs[0]?.shape;
  if (shape?.[1] !== description.inputDim || network.outputs[0]?.shape[1] !== description.inputDim) {
    network.dispose();
    throw new UserError([{ file, path: 'input_dim', message: `does not match model.json (input ${String(shape?.[1])}); the model folder is damaged` }]);
  }
  return new NetworkAutoencoder(network, description, objective);
}
