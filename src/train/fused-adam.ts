// Adam's update on the wasm backend in one WebAssembly SIMD pass per variable, giving exactly the
// bits of tfjs' AdamOptimizer.applyGradients.
//
// Why: tfjs updates each variable with 13 element-wise kernels (m, v, the bias corrections, √, the
// step), each a pass over memory with its own tensor; over the lecture model's 1.09 M parameters
// that is ~5.2 ms of a ~57 ms one-thread step. One pass that reads g, m, v, w and writes m, v, w
// takes ~1.5 ms (0.57 ms against tfjs' 1.95 ms for 393k parameters), bound by memory bandwidth.
//
// Exactly the same bits: the loop does tfjs' float32 operations in tfjs' order, per element
//   m' = m·β₁ + g·(1−β₁)        v' = v·β₂ + (g·g)·(1−β₂)
//   w' = ((m' / (1−β₁ᵗ)) / (√(v' / (1−β₂ᵗ)) + ε))·(−lr) + w
// with every scalar rounded to float32 as tfjs' scalar tensors are, and 1−β₁ᵗ computed in float32
// from tfjs' own running power. IEEE float32 +, ·, / and √ round the same in a SIMD lane as in
// tfjs' kernels (wasm has no fused multiply-add and no flush-to-zero), so a one-thread run is bit for
// bit what it was with tfjs' Adam (tested over many steps, odd sizes, changing rates). The new
// m, v and w are new tensors, as tfjs' are: the fast matmul caches packed weights by tensor id.
// The optimizer's state stays in tfjs' own variables, so checkpoints are unchanged.
//
// The module works on tfjs' own WebAssembly.Memory (imported), so nothing is copied; the last
// count mod 4 elements are done in JavaScript with Math.fround, which rounds each operation as
// float32 arithmetic does (double rounding is exact for these operations on float32 inputs).
import * as tf from '@tensorflow/tfjs';
import { F32, F32X4_ADD, F32X4_DIV, F32X4_MUL, F32X4_SQRT, floatsLoopFunction, I32, MEMARG, MODULE_HEADER, name, section, uleb, V128_STORE, vector } from './wasm-assembler.ts';

/** The exported loop: 7 byte offsets (w, g, m, v in; w, m, v out), a count (multiple of 4), 8 float32 scalars. */
type AdamExact = (w: number, g: number, m: number, v: number, wOut: number, mOut: number, vOut: number, count: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, oneMinusAccBeta1: number, oneMinusAccBeta2: number, epsilon: number, negativeRate: number) => void;

function adamExactBody(): number[] {
  const [W, G, M, V, WO, MO, VO, COUNT] = [0, 1, 2, 3, 4, 5, 6, 7] as const;
  // f32 parameters: β₁, 1−β₁, β₂, 1−β₂, 1−β₁ᵗ, 1−β₂ᵗ, ε, −lr
  const [B1, R1, B2, R2, C1, C2, EPS, NLR] = [8, 9, 10, 11, 12, 13, 14, 15] as const;
  return floatsLoopFunction({
    params: 16,
    count: COUNT,
    splat: [B1, R1, B2, R2, C1, C2, EPS, NLR],
    temporaries: 3,
    step: ({ get, set, at, load, splatOf, temp }) => {
      const [g, mj, vj] = [temp(0), temp(1), temp(2)];
      // biome-ignore format: one line per instruction group, as a listing reads
      return [
        ...load(G), ...set(g),
        // m' = m·β₁ + g·(1−β₁)
        ...load(M), ...get(splatOf(B1)), ...F32X4_MUL, ...get(g), ...get(splatOf(R1)), ...F32X4_MUL, ...F32X4_ADD, ...set(mj),
        ...at(MO), ...get(mj), ...V128_STORE, ...MEMARG,
        // v' = v·β₂ + (g·g)·(1−β₂)
        ...load(V), ...get(splatOf(B2)), ...F32X4_MUL, ...get(g), ...get(g), ...F32X4_MUL, ...get(splatOf(R2)), ...F32X4_MUL, ...F32X4_ADD, ...set(vj),
        ...at(VO), ...get(vj), ...V128_STORE, ...MEMARG,
        // w' = ((m' / (1−β₁ᵗ)) / (√(v' / (1−β₂ᵗ)) + ε))·(−lr) + w
        ...at(WO),
        ...get(mj), ...get(splatOf(C1)), ...F32X4_DIV,
        ...get(vj), ...get(splatOf(C2)), ...F32X4_DIV, ...F32X4_SQRT, ...get(splatOf(EPS)), ...F32X4_ADD,
        ...F32X4_DIV, ...get(splatOf(NLR)), ...F32X4_MUL,
        ...load(W), ...F32X4_ADD,
        ...V128_STORE, ...MEMARG,
      ];
    },
  });
}

/** The module's bytes; exported for the test that validates it. */
export function fusedAdamModuleBytes(): Uint8Array<ArrayBuffer> {
  const type = [0x60, ...vector([...Array(8).fill([I32]), ...Array(8).fill([F32])]), 0];
  const bytes = [
    ...MODULE_HEADER,
    ...section(1, vector([type])),
    // import env.memory: not shared (flags 0), at least 1 page: tfjs' own memory.
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vector([[0]])),
    ...section(7, vector([[...name('adam'), 0x00, 0]])),
    ...section(10, vector([adamExactBody()])),
  ];
  return new Uint8Array(bytes);
}

/** The parts of tfjs-backend-wasm's BackendWasm used here. */
interface WasmBackendView {
  wasm: { asm?: { memory?: WebAssembly.Memory } };
  dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/** tfjs' AdamOptimizer internals (protected or private in its typings). */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  incrementIterations(): void;
}

let compiled: WebAssembly.Module | null | undefined;
const instances = new WeakMap<WebAssembly.Memory, AdamExact>();

function kernelFor(memory: WebAssembly.Memory): AdamExact | null {
  if (compiled === undefined) {
    const bytes = fusedAdamModuleBytes();
    compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  if (compiled === null) return null;
  let kernel = instances.get(memory);
  if (kernel === undefined) {
    kernel = new WebAssembly.Instance(compiled, { env: { memory } }).exports.adam as AdamExact;
    instances.set(memory, kernel);
  }
  return kernel;
}

/**
 * Applies `gradients` (by variable name) with tfjs' Adam `optimizer`, as its applyGradients does,
 * when the backend is wasm (with SIMD) and every tensor is float32; returns false, having done
 * nothing, otherwise (the caller then calls applyGradients).
 */
export function applyAdamFused(optimizer: tf.Optimizer, gradients: tf.NamedTensorMap): boolean {
  // By class name: tfjs' optimizers answer instanceof by duck typing (any optimizer is an AdamOptimizer).
  if (optimizer.getClassName() !== 'Adam' || tf.getBackend() !== 'wasm') return false;
  const backend = tf.backend() as unknown as WasmBackendView;
  const memory = backend.wasm?.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) return false;
  const kernel = kernelFor(memory);
  if (kernel === null) return false;
  const adam = optimizer as unknown as AdamInternals;
  const registered = tf.engine().registeredVariables;
  const names = Object.keys(gradients);
  // A missing gradient is skipped below, as tfjs skips it.
  if (names.some((n) => registered[n]?.dtype !== 'float32' || (gradients[n] != null && gradients[n].dtype !== 'float32'))) return false;

  const f = Math.fround;
  const beta1 = f(adam.beta1);
  const oneMinusBeta1 = f(1 - adam.beta1);
  const beta2 = f(adam.beta2);
  const oneMinusBeta2 = f(1 - adam.beta2);
  // tfjs: sub(1, accBeta1) in float32; 1 − a of a float32 a in (0, 1) is exact in float64.
  const oneMinusAcc1 = f(1 - adam.accBeta1.dataSync()[0]!);
  const oneMinusAcc2 = f(1 - adam.accBeta2.dataSync()[0]!);
  const epsilon = f(adam.epsilon);
  const negativeRate = f(-adam.learningRate);
  const offsetOf = (t: tf.TensorInfo) => {
    const data = backend.dataIdMap.get(t.dataId);
    if (data === undefined) throw new Error('fused Adam: a tensor is not on the wasm backend');
    return data.memoryOffset;
  };
  const newTensor = (shape: number[]) => tf.engine().makeTensorFromTensorInfo(backend.makeOutput(shape, 'float32'));

  names.forEach((varName, i) => {
    const value = registered[varName]!;
    // Created as tfjs creates them, so getWeights/setWeights (checkpoints) see the same state.
    adam.accumulatedFirstMoment[i] ??= { originalName: `${varName}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
    adam.accumulatedSecondMoment[i] ??= { originalName: `${varName}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
    const gradient = gradients[varName];
    if (gradient == null) return;
    const m = adam.accumulatedFirstMoment[i]!.variable;
    const v = adam.accumulatedSecondMoment[i]!.variable;
    const shape = [...value.shape];
    const mOut = newTensor(shape);
    const vOut = newTensor(shape);
    const wOut = newTensor(shape);
    try {
      const offsets = [value, gradient, m, v, wOut, mOut, vOut].map(offsetOf) as [number, number, number, number, number, number, number];
      const count = value.size;
      const simdCount = count & ~3;
      kernel(...offsets, simdCount, beta1, oneMinusBeta1, beta2, oneMinusBeta2, oneMinusAcc1, oneMinusAcc2, epsilon, negativeRate);
      if (simdCount < count) {
        const heap = new Float32Array(memory.buffer);
        const [w0, g0, m0, v0, wo, mo, vo] = offsets.map((o) => o / 4) as [number, number, number, number, number, number, number];
        for (let j = simdCount; j < count; j++) {
          const gj = heap[g0 + j]!;
          const mj = f(f(heap[m0 + j]! * beta1) + f(gj * oneMinusBeta1));
          const vj = f(f(heap[v0 + j]! * beta2) + f(f(gj * gj) * oneMinusBeta2));
          const step = f(f(f(mj / oneMinusAcc1) / f(f(Math.sqrt(f(vj / oneMinusAcc2))) + epsilon)) * negativeRate);
          heap[mo + j] = mj;
          heap[vo + j] = vj;
          heap[wo + j] = f(step + heap[w0 + j]!);
        }
      }
      m.assign(mOut);
      v.assign(vOut);
      value.assign(wOut);
    } finally {
      mOut.dispose();
      vOut.dispose();
      wOut.dispose();
    }
  });
  tf.tidy(() => {
    adam.accBeta1.assign(tf.mul(adam.accBeta1, adam.beta1));
    adam.accBeta2.assign(tf.mul(adam.accBeta2, adam.beta2));
  });
  adam.incrementIterations();
  return true;
}
