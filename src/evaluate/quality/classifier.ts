// The feature classifier behind the sample-quality metrics: a ReLU MLP (by default 784-256-128-C,
// C = number of classes) trained with Adam on softmax cross-entropy, with a hand-written seeded
// loop (like the autoencoders' training: model.fit shuffles with Math.random). Its penultimate
// layer (128 ReLU units) is the feature space of the Fréchet distances; its argmax is the label.
// Weights are stored as one float32 blob plus JSON shapes, so that evaluate needs no model-stage
// file handlers.
import * as tf from '@tensorflow/tfjs';
import { createRng, deriveSeed } from '../../shared/random.ts';
import type { ClassifierSpec } from '../../shared/spec-types.ts';
import type { Split } from '../../shared/types.ts';

/** The schema's evaluate.classifier block (its defaults are the real classifier, ≥ 97 % on MNIST). */
export type ClassifierSettings = ClassifierSpec;

/** Rows per forward pass when only predicting. */
const PREDICT_ROWS = 1024;
const YIELD_INTERVAL_MS = 25;

export interface LayerWeights {
  /** [in, out] kernel and [out] bias, row-major float32. */
  kernel: Float32Array;
  bias: Float32Array;
  inputs: number;
  outputs: number;
}

export class FeatureClassifier {
  readonly inputDim: number;
  readonly classes: number;
  readonly featureDim: number;
  private readonly kernels: tf.Variable[];
  private readonly biases: tf.Variable[];
  private disposed = false;

  constructor(layers: LayerWeights[]) {
    if (layers.length < 2) throw new Error('FeatureClassifier: needs at least one hidden layer and an output layer');
    for (let i = 1; i < layers.length; i++) {
      if (layers[i]!.inputs !== layers[i - 1]!.outputs) throw new Error(`FeatureClassifier: layer ${i} takes ${layers[i]!.inputs} inputs but layer ${i - 1} gives ${layers[i - 1]!.outputs}`);
    }
    this.inputDim = layers[0]!.inputs;
    this.classes = layers.at(-1)!.outputs;
    this.featureDim = layers.at(-2)!.outputs;
    // tidy disposes the initial-value tensors; variables survive it.
    this.kernels = layers.map((l) => tf.tidy(() => tf.variable(tf.tensor2d(l.kernel, [l.inputs, l.outputs]))));
    this.biases = layers.map((l) => tf.tidy(() => tf.variable(tf.tensor1d(l.bias))));
  }

  /** Glorot-uniform kernels and zero biases, seeded per layer. */
  static initial(inputDim: number, hidden: number[], classes: number, seed: number): FeatureClassifier {
    const widths = [inputDim, ...hidden, classes];
    const layers: LayerWeights[] = [];
    for (let i = 0; i + 1 < widths.length; i++) {
      const inputs = widths[i]!;
      const outputs = widths[i + 1]!;
      const rng = createRng(deriveSeed(seed, `classifier layer ${i}`));
      const limit = Math.sqrt(6 / (inputs + outputs));
      const kernel = Float32Array.from({ length: inputs * outputs }, () => (2 * rng.next() - 1) * limit);
      layers.push({ kernel, bias: new Float32Array(outputs), inputs, outputs });
    }
    return new FeatureClassifier(layers);
  }

  get trainableVariables(): tf.Variable[] {
    return [...this.kernels, ...this.biases];
  }

  /** Logits of a batch tensor (n×inputDim); `upTo` stops after that many layers (features: layers − 1). */
  forward(x: tf.Tensor2D, upTo = this.kernels.length): tf.Tensor2D {
    let h = x;
    for (let i = 0; i < upTo; i++) {
      const z = tf.add(tf.matMul(h, this.kernels[i]!), this.biases[i]!) as tf.Tensor2D;
      h = i < this.kernels.length - 1 ? tf.relu(z) : z;
    }
    return h;
  }

  /** Penultimate-layer activations, n×featureDim. */
  features(x: Float32Array, n: number): Float32Array {
    return this.mapRows(x, n, this.featureDim, (t) => this.forward(t, this.kernels.length - 1));
  }

  /** Most likely class of each row. */
  predict(x: Float32Array, n: number): Uint8Array {
    return this.featuresAndPredictions(x, n).predictions;
  }

  /** Features and predictions from one pass (the metrics need both for samples and reconstructions). */
  featuresAndPredictions(x: Float32Array, n: number): { features: Float32Array; predictions: Uint8Array } {
    const features = this.features(x, n);
    const last = this.kernels.length - 1;
    const logits = this.mapRows(features, n, this.classes, (t) => tf.add(tf.matMul(t, this.kernels[last]!), this.biases[last]!) as tf.Tensor2D, this.featureDim);
    const predictions = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < this.classes; c++) if (logits[i * this.classes + c]! > logits[i * this.classes + best]!) best = c;
      predictions[i] = best;
    }
    return { features, predictions };
  }

  /** Share of rows whose prediction equals the label. */
  accuracy(split: Split): number {
    if (split.count === 0) return NaN;
    const predicted = this.predict(split.images, split.count);
    let right = 0;
    for (let i = 0; i < split.count; i++) if (predicted[i] === split.labels[i]) right++;
    return right / split.count;
  }

  weights(): LayerWeights[] {
    this.assertLive();
    return this.kernels.map((k, i) => ({
      kernel: k.dataSync() as Float32Array,
      bias: this.biases[i]!.dataSync() as Float32Array,
      inputs: k.shape[0]!,
      outputs: k.shape[1]!,
    }));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.trainableVariables) v.dispose();
  }

  private mapRows(x: Float32Array, n: number, outDim: number, fn: (t: tf.Tensor2D) => tf.Tensor2D, inDim = this.inputDim): Float32Array {
    this.assertLive();
    if (x.length !== n * inDim) throw new Error(`FeatureClassifier: expected ${n}×${inDim} = ${n * inDim} values, got ${x.length}`);
    const out = new Float32Array(n * outDim);
    for (let from = 0; from < n; from += PREDICT_ROWS) {
      const rows = Math.min(PREDICT_ROWS, n - from);
      const result = tf.tidy(() => fn(tf.tensor2d(x.subarray(from * inDim, (from + rows) * inDim), [rows, inDim])));
      out.set(result.dataSync() as Float32Array, from * outDim);
      result.dispose();
    }
    return out;
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('FeatureClassifier: used after dispose()');
  }
}

export interface ClassifierTrainProgress {
  epoch: number;
  epochs: number;
  loss: number;
  seconds: number;
}

/**
 * Trains a fresh classifier on `train` (labels must be < classes). Deterministic for the same
 * settings, data and backend. Yields to the event loop every few milliseconds.
 */
export async function trainClassifier(
  train: Split,
  dim: number,
  classes: number,
  settings: ClassifierSettings,
  onEpoch?: (p: ClassifierTrainProgress) => void,
): Promise<FeatureClassifier> {
  const n = settings.limit === undefined ? train.count : Math.min(settings.limit, train.count);
  if (n < 1) throw new Error('trainClassifier: no training images');
  const classifier = FeatureClassifier.initial(dim, settings.hidden, classes, settings.seed);
  const variables = classifier.trainableVariables;
  const optimizer = tf.train.adam(settings.learning_rate);
  const batchSize = Math.min(settings.batch_size, n);
  const batches = Math.ceil(n / batchSize);
  const rng = createRng(deriveSeed(settings.seed, 'classifier shuffle'));
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const xBuffer = new Float32Array(batchSize * dim);
  const yBuffer = new Int32Array(batchSize);
  let lastYield = performance.now();
  try {
    for (let epoch = 1; epoch <= settings.epochs; epoch++) {
      const start = performance.now();
      rng.shuffle(order);
      let lossSum = 0;
      for (let b = 0; b < batches; b++) {
        if (performance.now() - lastYield >= YIELD_INTERVAL_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          lastYield = performance.now();
        }
        const from = b * batchSize;
        const rows = Math.min(batchSize, n - from);
        for (let r = 0; r < rows; r++) {
          const src = order[from + r]!;
          xBuffer.set(train.images.subarray(src * dim, (src + 1) * dim), r * dim);
          yBuffer[r] = train.labels[src]!;
        }
        const loss = tf.tidy(() => {
          const x = tf.tensor2d(xBuffer.subarray(0, rows * dim), [rows, dim]);
          const y = tf.oneHot(tf.tensor1d(yBuffer.subarray(0, rows), 'int32'), classes);
          return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, classifier.forward(x)) as tf.Scalar, true, variables)!;
        });
        lossSum += (loss.dataSync()[0] as number) * rows;
        loss.dispose();
      }
      onEpoch?.({ epoch, epochs: settings.epochs, loss: lossSum / n, seconds: (performance.now() - start) / 1000 });
    }
    return classifier;
  } catch (err) {
    classifier.dispose();
    throw err;
  } finally {
    optimizer.dispose();
  }
}

/** Concatenates the layers' float32 weights (kernel then bias, layer by layer) into one blob. */
export function packWeights(layers: LayerWeights[]): { shapes: { inputs: number; outputs: number }[]; bytes: Uint8Array } {
  const total = layers.reduce((s, l) => s + l.kernel.length + l.bias.length, 0);
  const all = new Float32Array(total);
  let at = 0;
  for (const l of layers) {
    all.set(l.kernel, at);
    at += l.kernel.length;
    all.set(l.bias, at);
    at += l.bias.length;
  }
  return { shapes: layers.map((l) => ({ inputs: l.inputs, outputs: l.outputs })), bytes: new Uint8Array(all.buffer) };
}

/** The inverse of packWeights; throws a plain Error describing the mismatch when the blob has the wrong size. */
export function unpackWeights(shapes: { inputs: number; outputs: number }[], bytes: Uint8Array): LayerWeights[] {
  const need = shapes.reduce((s, l) => s + (l.inputs * l.outputs + l.outputs) * 4, 0);
  if (bytes.byteLength !== need) throw new Error(`weights hold ${bytes.byteLength} bytes but the shapes need ${need}`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let at = 0;
  return shapes.map(({ inputs, outputs }) => {
    const kernel = all.subarray(at, at + inputs * outputs);
    at += inputs * outputs;
    const bias = all.subarray(at, at + outputs);
    at += outputs;
    return { kernel, bias, inputs, outputs };
  });
}
