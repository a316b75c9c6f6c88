// One thread's copy of the model in data-parallel training: loads the shared parameters into its
// tfjs variables and computes the gradient of its slice of a batch into a flat array. The main
// thread's replica is the run's own model; each worker thread builds an identical one.
import * as tf from '@tensorflow/tfjs';
import type { TrainableAutoencoder } from '../../shared/types.ts';

/** The wasm backend internals used to read a tensor without an intermediate copy. */
interface WasmBackendView {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number } | undefined };
}

export interface ParameterLayout {
  /** Shapes of the trainable variables, in network.trainableWeights order. */
  shapes: number[][];
  /** Offset of each variable in the flat parameter vector. */
  offsets: number[];
  /** Total parameters. */
  count: number;
}

export function parameterLayout(variables: readonly tf.Variable[]): ParameterLayout {
  const shapes = variables.map((v) => [...v.shape]);
  const offsets: number[] = [];
  let count = 0;
  for (const v of variables) {
    offsets.push(count);
    count += v.size;
  }
  return { shapes, offsets, count };
}

export class Replica {
  readonly variables: tf.Variable[];
  readonly layout: ParameterLayout;

  constructor(
    private readonly model: TrainableAutoencoder,
    private readonly dim: number,
  ) {
    // LayerVariable.read() is the underlying tf.Variable, the one training updates.
    this.variables = model.network.trainableWeights.map((w) => w.read() as tf.Variable);
    this.layout = parameterLayout(this.variables);
  }

  /** Copies the variables' current values into `params` (the flat vector). */
  storeParams(params: Float32Array): void {
    this.variables.forEach((v, i) => copyTensorInto(v, params, this.layout.offsets[i]!));
  }

  /** Sets the variables to the values in `params`. */
  loadParams(params: Float32Array): void {
    const { offsets, shapes } = this.layout;
    this.variables.forEach((v, i) => {
      // A new tensor rather than writing into the variable's memory: the wasm matmul caches
      // packed weights by tensor id, so changed values must come with a new id.
      const t = tf.tensor(params.subarray(offsets[i]!, offsets[i]! + v.size), shapes[i]!, 'float32');
      v.assign(t);
      t.dispose();
    });
  }

  /**
   * Gradient of rows [from, to) of the `totalRows`-row batch in `batch` (row-major, dim floats
   * per row) into `grads`; returns this slice's share of the batch loss. The model's objective
   * is a mean over rows, so the slice's share is its mean × rows / totalRows, and the shares'
   * gradients add up to the whole batch's. An empty slice (a batch smaller than the thread
   * count) contributes zeros.
   */
  gradient(batch: Float32Array, from: number, to: number, totalRows: number, epoch: number, grads: Float32Array): number {
    const rows = to - from;
    if (rows <= 0) {
      grads.fill(0);
      return 0;
    }
    const { value, grads: byName } = tf.variableGrads(() => {
      const x = tf.tensor2d(batch.subarray(from * this.dim, to * this.dim), [rows, this.dim]);
      const { loss } = this.model.loss(x, { training: true, epoch });
      return rows === totalRows ? loss : (tf.mul(loss, rows / totalRows) as tf.Scalar);
    }, this.variables);
    try {
      this.variables.forEach((v, i) => {
        const g = byName[v.name];
        if (g === undefined) throw new Error(`data-parallel training: no gradient for variable ${v.name}`);
        copyTensorInto(g, grads, this.layout.offsets[i]!);
      });
      return value.dataSync()[0]!;
    } finally {
      value.dispose();
      for (const g of Object.values(byName)) g.dispose();
    }
  }
}

/** Copies a float32 tensor's values into `out` at `offset` (straight from the wasm heap when possible). */
function copyTensorInto(t: tf.Tensor, out: Float32Array, offset: number): void {
  const backend = tf.backend() as unknown as Partial<WasmBackendView>;
  const data = tf.getBackend() === 'wasm' ? backend.dataIdMap?.get(t.dataId) : undefined;
  if (data !== undefined && backend.wasm !== undefined && t.dtype === 'float32') {
    out.set(new Float32Array(backend.wasm.HEAPU8.buffer, data.memoryOffset, t.size), offset);
  } else {
    out.set(t.dataSync() as Float32Array, offset);
  }
}
