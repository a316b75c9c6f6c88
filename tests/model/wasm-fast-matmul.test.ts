import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createRng } from '../../src/shared/random.ts';
import { FLOAT32_TOLERANCE, relativeError } from './fixtures.ts';
import {
  installWasmFastMatmul,
  isWasmFastMatmulInstalled,
  planProduct,
  uninstallWasmFastMatmul,
} from '../../src/model/wasm-fast-matmul.ts';

let seed = 1;
function randomTensor(shape: number[]): tf.Tensor {
  const rng = createRng(seed++);
  const size = shape.reduce((p, d) => p * d, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = rng.next() * 2 - 1;
  return tf.tensor(values, shape);
}

/** Runs `f` with the stock kernels, then with the fast ones; returns both results' values. */
function stockAndFast(f: () => tf.Tensor | tf.Tensor[]): { stock: Float32Array[]; fast: Float32Array[]; shapes: number[][] } {
  const run = (): { values: Float32Array[]; shapes: number[][] } => {
    const out = f();
    const list = Array.isArray(out) ? out : [out];
    const values = list.map((t) => t.dataSync() as Float32Array);
    const shapes = list.map((t) => t.shape);
    tf.dispose(list);
    return { values, shapes };
  };
  uninstallWasmFastMatmul();
  const stock = run();
  installWasmFastMatmul();
  const fast = run();
  expect(fast.shapes).toEqual(stock.shapes);
  return { stock: stock.values, fast: fast.values, shapes: fast.shapes };
}


/** Double-precision reference for op(a)·op(b) with broadcast batch dimensions. */
function referenceMatMul(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): { values: Float64Array; shape: number[] } {
  const av = a.dataSync();
  const bv = b.dataSync();
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const m = transposeA ? ac : ar;
  const k = transposeA ? ar : ac;
  const n = transposeB ? br : bc;
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = outer.reduce((p, d) => p * d, 1);
  const sourceIndex = (o: number, source: number[]): number => {
    // Right-aligned broadcasting: size-1 (or missing) source dims repeat.
    let index = 0;
    let stride = 1;
    let rest = o;
    for (let d = outer.length - 1; d >= 0; d--) {
      const coord = rest % outer[d]!;
      rest = Math.floor(rest / outer[d]!);
      const sd = d - (outer.length - source.length);
      if (sd < 0) continue;
      if (source[sd] !== 1) index += coord * stride;
      stride *= source[sd]!;
    }
    return index;
  };
  const out = new Float64Array(batch * m * n);
  for (let o = 0; o < batch; o++) {
    const aBase = sourceIndex(o, a.shape.slice(0, -2)) * ar * ac;
    const bBase = sourceIndex(o, b.shape.slice(0, -2)) * br * bc;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) {
          const x = av[aBase + (transposeA ? p * ac + i : i * ac + p)]!;
          const y = bv[bBase + (transposeB ? j * bc + p : p * bc + j)]!;
          sum += x * y;
        }
        out[o * m * n + i * n + j] = sum;
      }
    }
  }
  return { values: out, shape: [...outer, m, n] };
}

function backendDataIds(): number {
  return tf.backend().numDataIds();
}

const FLAGS: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

/** Stored operand shapes for op(A) = m×k, op(B) = k×n. */
function operandShapes(m: number, k: number, n: number, transposeA: boolean, transposeB: boolean, outer: number[] = []): [number[], number[]] {
  return [
    [...outer, ...(transposeA ? [k, m] : [m, k])],
    [...outer, ...(transposeB ? [n, k] : [k, n])],
  ];
}

beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
  await tf.ready();
});

afterAll(() => {
  uninstallWasmFastMatmul();
});

describe('install / uninstall', () => {
  it('is idempotent and restores the exact stock kernels', () => {
    uninstallWasmFastMatmul();
    const stockBatch = tf.getKernel('BatchMatMul', 'wasm');
    const stockFused = tf.getKernel('_FusedMatMul', 'wasm');
    expect(isWasmFastMatmulInstalled()).toBe(false);
    installWasmFastMatmul();
    installWasmFastMatmul();
    expect(isWasmFastMatmulInstalled()).toBe(true);
    const fastBatch = tf.getKernel('BatchMatMul', 'wasm');
    expect(fastBatch).not.toBe(stockBatch);
    expect(fastBatch.setupFunc).toBe(stockBatch.setupFunc);
    uninstallWasmFastMatmul();
    uninstallWasmFastMatmul();
    expect(isWasmFastMatmulInstalled()).toBe(false);
    expect(tf.getKernel('BatchMatMul', 'wasm')).toBe(stockBatch);
    expect(tf.getKernel('_FusedMatMul', 'wasm')).toBe(stockFused);
    // Other backends are untouched.
    installWasmFastMatmul();
    expect(isWasmFastMatmulInstalled()).toBe(true);
    expect(tf.getKernel('BatchMatMul', 'cpu')?.kernelFunc).not.toBe(fastBatch.kernelFunc);
  });
});

describe('planProduct', () => {
  it('covers every route on the shapes tested below', () => {
    expect(planProduct(37, 53, 29, false, false, false)).toBe('stock');
    expect(planProduct(37, 53, 29, true, false, false)).toBe('direct');
    expect(planProduct(37, 53, 29, true, true, false)).toBe('swapped');
    expect(planProduct(12, 64, 96, false, true, false)).toBe('swapped');
    expect(planProduct(96, 64, 12, false, true, false)).toBe('direct');
    expect(planProduct(30, 1100, 20, true, false, false)).toBe('blocked');
    // A fused product keeps its bias on the columns: never swapped or blocked.
    expect(planProduct(12, 64, 96, false, true, true)).toBe('direct');
    expect(planProduct(30, 1100, 20, true, false, true)).toBe('direct');
  });

  it('swaps an untransposed product without bias or activation when few rows make that cheaper', () => {
    // The lecture model's first layer on one data-parallel thread's half of a batch of 256 …
    expect(planProduct(128, 784, 500, false, false, false)).toBe('swapped');
    // … but not over evaluation's 1,024 rows, nor with a bias or activation (fused).
    expect(planProduct(1024, 784, 500, false, false, false)).toBe('stock');
    expect(planProduct(128, 784, 500, false, false, true)).toBe('stock');
    // The shape the bit-for-bit test below uses.
    expect(planProduct(8, 64, 96, false, false, false)).toBe('swapped');
  });
});

describe('matMul equals the stock kernels', () => {
  const cases: { name: string; m: number; k: number; n: number; outerA?: number[]; outerB?: number[]; stockIsWrong?: true }[] = [
    { name: 'rank 2', m: 37, k: 53, n: 29 },
    { name: 'rank 2, wide result (swapped route)', m: 12, k: 64, n: 96 },
    { name: 'rank 2, tall result', m: 96, k: 64, n: 12 },
    { name: 'rank 2, long shared dimension (blocked sum)', m: 30, k: 1100, n: 20 },
    { name: 'rank 3, batch 1', m: 37, k: 53, n: 29, outerA: [1], outerB: [1] },
    { name: 'rank 3, batch 3', m: 37, k: 53, n: 29, outerA: [3], outerB: [3] },
    { name: 'rank 3, A broadcast over B', m: 24, k: 40, n: 33, outerA: [1], outerB: [4] },
    { name: 'rank 3 times rank 2', m: 24, k: 40, n: 33, outerA: [3], outerB: [] },
    { name: 'rank 4, broadcast batch dims', m: 20, k: 30, n: 40, outerA: [2, 3], outerB: [1, 3] },
    // The stock kernel returns the data of only max(2, 3) of the 6 result matrices here.
    { name: 'rank 4, both operands broadcast', m: 20, k: 30, n: 40, outerA: [2, 1], outerB: [1, 3], stockIsWrong: true },
  ];
  for (const c of cases) {
    for (const [transposeA, transposeB] of FLAGS) {
      it(`${c.name}, transposeA=${transposeA} transposeB=${transposeB}`, () => {
        const outerA = c.outerA ?? [];
        const outerB = c.outerB ?? [];
        const aShape = [...outerA, ...(transposeA ? [c.k, c.m] : [c.m, c.k])];
        const bShape = [...outerB, ...(transposeB ? [c.n, c.k] : [c.k, c.n])];
        const a = randomTensor(aShape);
        const b = randomTensor(bShape);
        const { stock, fast, shapes } = stockAndFast(() => tf.matMul(a, b, transposeA, transposeB));
        const reference = referenceMatMul(a, b, transposeA, transposeB);
        expect(shapes[0]).toEqual(reference.shape);
        expect(relativeError(fast[0]!, reference.values)).toBeLessThan(FLOAT32_TOLERANCE);
        if (!c.stockIsWrong) expect(relativeError(fast[0]!, stock[0]!)).toBeLessThan(FLOAT32_TOLERANCE);
        tf.dispose([a, b]);
      });
    }
  }

  it('computes XᵀX (one tensor as both operands)', () => {
    const x = randomTensor([1300, 24]);
    const { stock, fast } = stockAndFast(() => tf.matMul(x, x, true, false));
    expect(relativeError(fast[0]!, stock[0]!)).toBeLessThan(FLOAT32_TOLERANCE);
    expect(relativeError(fast[0]!, referenceMatMul(x, x, true, false).values)).toBeLessThan(FLOAT32_TOLERANCE);
    x.dispose();
  });

  it('leaves tiny products to the stock kernel, with the same result', () => {
    const a = randomTensor([3, 5]);
    const b = randomTensor([4, 5]);
    const { stock, fast } = stockAndFast(() => tf.matMul(a, b, false, true));
    expect(relativeError(fast[0]!, stock[0]!)).toBeLessThan(FLOAT32_TOLERANCE);
    tf.dispose([a, b]);
  });

  it('reports mismatched shapes with the stock error', () => {
    installWasmFastMatmul();
    const a = randomTensor([30, 40]);
    const b = randomTensor([50, 20]);
    // op(A) is 40×30, op(B) is 20×50.
    expect(() => tf.matMul(a, b, true, true)).toThrow(/inner shapes/);
    tf.dispose([a, b]);
  });
});

describe('fused matMul', () => {
  const m = 37;
  const k = 53;
  const n = 29;
  function reference(a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor | null, transposeA: boolean, transposeB: boolean, activation: 'linear' | 'relu'): Float64Array {
    const { values, shape } = referenceMatMul(a, b, transposeA, transposeB);
    const cols = shape[shape.length - 1]!;
    const biasValues = bias?.dataSync();
    for (let i = 0; i < values.length; i++) {
      let v = values[i]! + (biasValues ? biasValues[i % cols]! : 0);
      if (activation === 'relu') v = Math.max(v, 0);
      values[i] = v;
    }
    return values;
  }
  for (const activation of ['relu', 'linear'] as const) {
    for (const withBias of [true, false]) {
      for (const [transposeA, transposeB] of FLAGS) {
        it(`${activation}, ${withBias ? 'bias' : 'no bias'}, transposeA=${transposeA} transposeB=${transposeB}`, () => {
          const [aShape, bShape] = operandShapes(m, k, n, transposeA, transposeB);
          const a = randomTensor(aShape);
          const b = randomTensor(bShape);
          const bias = withBias ? randomTensor([n]) : null;
          const { stock, fast } = stockAndFast(() =>
            tf.fused.matMul({ a, b, transposeA, transposeB, activation, ...(bias ? { bias } : {}) }),
          );
          expect(relativeError(fast[0]!, reference(a, b, bias, transposeA, transposeB, activation))).toBeLessThan(FLOAT32_TOLERANCE);
          // With a flag set the stock kernel runs its slow loop, which applies the bias and the
          // activation to every 48-long partial sum instead of the result, and indexes the bias
          // by flat position instead of by column. Untransposed (XNNPACK) it is exact.
          if (!transposeA && !transposeB) {
            expect(relativeError(fast[0]!, stock[0]!)).toBeLessThan(FLOAT32_TOLERANCE);
          }
          tf.dispose([a, b, ...(bias ? [bias] : [])]);
        });
      }
    }
  }

  const activations: Record<'sigmoid' | 'leakyrelu' | 'elu', (v: number) => number> = {
    sigmoid: (v) => 1 / (1 + Math.exp(-v)),
    leakyrelu: (v) => (v > 0 ? v : 0.2 * v),
    elu: (v) => (v > 0 ? v : Math.exp(v) - 1),
  };
  for (const [activation, f] of Object.entries(activations) as [keyof typeof activations, (v: number) => number][]) {
    it(`${activation} with bias and both operands transposed`, () => {
      const a = randomTensor([k, m]);
      const b = randomTensor([n, k]);
      const bias = randomTensor([n]);
      installWasmFastMatmul();
      const out = tf.fused.matMul({ a, b, bias, transposeA: true, transposeB: true, activation, leakyreluAlpha: 0.2 });
      const expected = reference(a, b, bias, true, true, 'linear').map(f);
      expect(relativeError(out.dataSync(), expected)).toBeLessThan(FLOAT32_TOLERANCE);
      tf.dispose([a, b, bias, out]);
    });
  }

  for (const [transposeA, transposeB] of [
    [false, false],
    [true, true],
  ] as const) {
    it(`batched, with bias, transposeA=${transposeA} transposeB=${transposeB}`, () => {
      const [aShape, bShape] = operandShapes(m, k, n, transposeA, transposeB, [3]);
      const a = randomTensor(aShape);
      const b = randomTensor(bShape);
      const bias = randomTensor([n]);
      installWasmFastMatmul();
      const out = tf.fused.matMul({ a, b, bias, transposeA, transposeB, activation: 'relu' });
      expect(out.shape).toEqual([3, m, n]);
      expect(relativeError(out.dataSync(), reference(a, b, bias, transposeA, transposeB, 'relu'))).toBeLessThan(FLOAT32_TOLERANCE);
      tf.dispose([a, b, bias, out]);
    });
  }
});

describe('untransposed products, swapped when that packs less', () => {
  // Few rows times a wide layer, so the swapped route runs (see planProduct's test above).
  const [m, k, n] = [8, 64, 96];
  /** The product with the stock kernel and with the fast ones; `f` makes it from a and b. */
  function bothWays(f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): { stock: Float32Array; fast: Float32Array } {
    const a = randomTensor([m, k]);
    const b = randomTensor([k, n]);
    const { stock, fast } = stockAndFast(() => f(a, b));
    tf.dispose([a, b]);
    return { stock: stock[0]!, fast: fast[0]! };
  }

  it('a plain product equals the stock one bit for bit (XNNPACK sums over k in order either way)', () => {
    const { stock, fast } = bothWays((a, b) => tf.matMul(a, b));
    expect(fast).toEqual(stock);
  });

  it('so does a fused product without bias or activation, on 2-D and rank-3 operands', () => {
    const flat = bothWays((a, b) => tf.fused.matMul({ a, b }));
    expect(flat.fast).toEqual(flat.stock);
    const { stock, fast } = bothWays((a, b) => tf.fused.matMul({ a: tf.reshape(a, [1, m, k]), b: tf.reshape(b, [1, k, n]) }));
    expect(fast).toEqual(stock);
  });

  it('a product with a bias stays fused (the stock kernel starts its sums from the bias): bit for bit the same', () => {
    const bias = randomTensor([n]);
    const { stock, fast } = bothWays((a, b) => tf.fused.matMul({ a, b, bias, activation: 'relu' }));
    expect(fast).toEqual(stock);
    bias.dispose();
  });

  it('bit for bit on the lecture model\'s layer shapes too, at one thread\'s 128 rows and odd row counts', () => {
    for (const [rows, inner, cols] of [
      [128, 784, 500],
      [128, 500, 784],
      [199, 784, 500],
    ] as const) {
      expect(planProduct(rows, inner, cols, false, false, false)).toBe('swapped');
      const a = randomTensor([rows, inner]);
      const b = randomTensor([inner, cols]);
      const { stock, fast } = stockAndFast(() => tf.matMul(a, b));
      expect(fast[0]).toEqual(stock[0]);
      tf.dispose([a, b]);
    }
  });
});

describe('gradients', () => {
  it('of a small dense network equal the stock ones', () => {
    const x = randomTensor([48, 40]);
    const w1 = tf.variable(randomTensor([40, 30]), true, 'w1');
    const b1 = tf.variable(randomTensor([30]), true, 'b1');
    const w2 = tf.variable(randomTensor([30, 6]), true, 'w2');
    const w3 = tf.variable(randomTensor([6, 40]), true, 'w3');
    const b3 = tf.variable(randomTensor([40]), true, 'b3');
    const loss = (): tf.Scalar =>
      tf.tidy(() => {
        const h1 = tf.fused.matMul({ a: x, b: w1, bias: b1, activation: 'relu' });
        const code = tf.matMul(h1, w2);
        const out = tf.sigmoid(tf.fused.matMul({ a: code, b: w3, bias: b3 }));
        return tf.losses.meanSquaredError(x, out) as tf.Scalar;
      });
    const { stock, fast } = stockAndFast(() => {
      const { value, grads } = tf.variableGrads(loss);
      const names = ['w1', 'b1', 'w2', 'w3', 'b3'];
      return [value, ...names.map((name) => grads[name]!)];
    });
    expect(stock).toHaveLength(6);
    for (let i = 0; i < stock.length; i++) {
      expect(relativeError(fast[i]!, stock[i]!)).toBeLessThan(FLOAT32_TOLERANCE);
    }
    // The gradients are not trivially zero.
    expect(Math.max(...Array.from(fast[1]!, Math.abs))).toBeGreaterThan(1e-6);
    tf.dispose([x, w1, b1, w2, w3, b3]);
  });

  it('of batched and transposed products equal the stock ones', () => {
    const a = randomTensor([2, 20, 30]);
    const b = randomTensor([2, 40, 30]);
    const { stock, fast } = stockAndFast(() =>
      tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.matMul(p, q, false, true))))([a, b]),
    );
    expect(relativeError(fast[0]!, stock[0]!)).toBeLessThan(FLOAT32_TOLERANCE);
    expect(relativeError(fast[1]!, stock[1]!)).toBeLessThan(FLOAT32_TOLERANCE);
    tf.dispose([a, b]);
  });
});

describe('memory', () => {
  it('creates no tensors and frees every intermediate', () => {
    installWasmFastMatmul();
    const x = randomTensor([1100, 24]);
    const a = randomTensor([3, 53, 37]);
    const b = randomTensor([3, 29, 53]);
    const w = randomTensor([24, 30]);
    const bias = randomTensor([30]);
    const work = (): void => {
      tf.tidy(() => {
        tf.matMul(x, x, true, false).dataSync(); // blocked
        tf.matMul(a, b, true, true).dataSync(); // batched
        tf.matMul(x, w, false, false).dataSync(); // stock
        tf.matMul(tf.slice(x, [0, 0], [12, 24]), tf.slice(x, [0, 0], [96, 24]), false, true).dataSync(); // swapped
        tf.fused.matMul({ a: x, b: w, bias, activation: 'relu' }).dataSync();
        tf.fused.matMul({ a: w, b: w, bias, transposeA: true, activation: 'relu' }).dataSync();
        tf.grads((p: tf.Tensor) => tf.sum(tf.fused.matMul({ a: p, b: w, bias, activation: 'relu' })))([x])[0]!.dataSync();
      });
    };
    work(); // first call may allocate backend-lifetime state
    const tensors = tf.memory().numTensors;
    const dataIds = backendDataIds();
    for (let i = 0; i < 3; i++) work();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backendDataIds()).toBe(dataIds);
    tf.dispose([x, a, b, w, bias]);
  });
});
