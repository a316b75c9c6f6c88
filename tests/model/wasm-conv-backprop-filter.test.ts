import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createRng } from '../../src/shared/random.ts';
import {
  installWasmConv2DBackpropFilter,
  isWasmConv2DBackpropFilterInstalled,
  uninstallWasmConv2DBackpropFilter,
} from '../../src/model/wasm-conv-backprop-filter.ts';
import { installWasmFastMatmul } from '../../src/model/wasm-fast-matmul.ts';

function randomValues(size: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: size }, () => rng.next() * 2 - 1);
}

interface Case {
  name: string;
  x: [number, number, number, number]; // NHWC (or NCHW when dataFormat says so)
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid' | number;
  dataFormat?: 'NHWC' | 'NCHW';
}

function outShape(c: Case): number[] {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad, undefined, false, tf.backend_util.convertConv2DDataFormat(c.dataFormat ?? 'NHWC'));
  return info.outShape;
}

/** Runs the kernel on a backend on fixed values; returns the filter gradient. */
async function filterGradient(backend: string, c: Case, seed: number): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  const xSize = c.x.reduce((p, d) => p * d, 1);
  const dyShape = outShape(c);
  const dySize = dyShape.reduce((p, d) => p * d, 1);
  const x = tf.tensor4d(randomValues(xSize, seed), c.x);
  const dy = tf.tensor4d(randomValues(dySize, seed + 1000), dyShape as [number, number, number, number]);
  const out = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
    strides: c.strides,
    pad: c.pad,
    dataFormat: c.dataFormat ?? 'NHWC',
    dimRoundingMode: undefined,
    filterShape: c.filter,
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
  const result = { values: out.dataSync() as Float32Array, shape: out.shape };
  tf.dispose([x, dy, out]);
  return result;
}

function relativeError(x: ArrayLike<number>, y: ArrayLike<number>): number {
  expect(x.length).toBe(y.length);
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < x.length; i++) {
    diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
    scale = Math.max(scale, Math.abs(y[i]!));
  }
  return diff / scale;
}

const FLOAT32_TOLERANCE = 1e-5;

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('wasm');
  await tf.ready();
  installWasmFastMatmul();
  installWasmConv2DBackpropFilter();
});

afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('wasm Conv2DBackpropFilter', () => {
  const cases: Case[] = [
    { name: 'stride 1, same, 1→8 channels, batch 3', x: [3, 9, 9, 1], filter: [3, 3, 1, 8], strides: 1, pad: 'same' },
    { name: 'stride 2, same, 1→32 channels (MNIST-like)', x: [4, 28, 28, 1], filter: [3, 3, 1, 32], strides: 2, pad: 'same' },
    { name: 'stride 2, same, 32→16 channels, odd size', x: [2, 7, 7, 32], filter: [3, 3, 32, 16], strides: 2, pad: 'same' },
    { name: 'stride 1, valid, 3→5 channels, 5×3 filter', x: [2, 11, 8, 3], filter: [5, 3, 3, 5], strides: 1, pad: 'valid' },
    { name: 'stride 2, valid, 4→6 channels', x: [5, 10, 13, 4], filter: [3, 3, 4, 6], strides: 2, pad: 'valid' },
    { name: 'strides [1, 2], same, 2→3, even filter', x: [2, 6, 9, 2], filter: [2, 4, 2, 3], strides: [1, 2], pad: 'same' },
    { name: 'explicit pad 1, stride 2', x: [2, 8, 8, 3], filter: [3, 3, 3, 4], strides: 2, pad: 1 },
    { name: 'NCHW layout', x: [2, 3, 8, 7], filter: [3, 3, 3, 4], strides: 2, pad: 'same', dataFormat: 'NCHW' },
    { name: 'batch 1, 1×1 filter', x: [1, 5, 5, 6], filter: [1, 1, 6, 2], strides: 1, pad: 'valid' },
  ];
  cases.forEach((c, i) => {
    it(`equals the cpu kernel: ${c.name}`, async () => {
      const reference = await filterGradient('cpu', c, 10 + i);
      const wasm = await filterGradient('wasm', c, 10 + i);
      expect(wasm.shape).toEqual(c.filter);
      expect(reference.shape).toEqual(c.filter);
      expect(relativeError(wasm.values, reference.values)).toBeLessThan(FLOAT32_TOLERANCE);
    });
  });

  it('sums a gradient larger than one patch block (several blocks) correctly', async () => {
    // 576 taps → blocks of 1820 output positions (1M floats); 2·32·32 = 2048 positions → two blocks.
    const c: Case = { name: 'blocks', x: [2, 32, 32, 64], filter: [3, 3, 64, 2], strides: 1, pad: 'same' };
    const reference = await filterGradient('cpu', c, 99);
    const wasm = await filterGradient('wasm', c, 99);
    expect(relativeError(wasm.values, reference.values)).toBeLessThan(FLOAT32_TOLERANCE);
  });

  it('leaves no tensors or backend data behind', async () => {
    await tf.setBackend('wasm');
    const c: Case = { name: 'leaks', x: [2, 9, 9, 2], filter: [3, 3, 2, 3], strides: 2, pad: 'same' };
    await filterGradient('wasm', c, 5); // warm up
    const before = tf.memory();
    const backendBefore = (tf.backend() as unknown as { dataIdMap: { numDataIds(): number } }).dataIdMap.numDataIds();
    await filterGradient('wasm', c, 5);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect((tf.backend() as unknown as { dataIdMap: { numDataIds(): number } }).dataIdMap.numDataIds()).toBe(backendBefore);
  });

  it('lets a small convolutional autoencoder train on wasm, with the same losses as on cpu', async () => {
    const losses = async (backend: string): Promise<number[]> => {
      await tf.setBackend(backend);
      const model = tf.sequential({
        layers: [
          tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
          tf.layers.conv2dTranspose({ filters: 1, kernelSize: 3, strides: 2, padding: 'same', activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
        ],
      });
      const x = tf.tensor4d(randomValues(6 * 64, 3).map((v) => (v + 1) / 2), [6, 8, 8, 1]);
      const optimizer = tf.train.sgd(0.5);
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const result: number[] = [];
      for (let step = 0; step < 5; step++) {
        const loss = optimizer.minimize(() => tf.mean(tf.squaredDifference(model.apply(x, { training: true }) as tf.Tensor, x)) as tf.Scalar, true, variables)!;
        result.push(loss.dataSync()[0]!);
        loss.dispose();
      }
      x.dispose();
      optimizer.dispose();
      model.dispose();
      return result;
    };
    const cpu = await losses('cpu');
    const wasm = await losses('wasm');
    expect(wasm[4]!).toBeLessThan(wasm[0]!);
    for (let i = 0; i < cpu.length; i++) expect(wasm[i]!).toBeCloseTo(cpu[i]!, 5);
  });

  it('is what was missing: without it the wasm backend cannot take a convolution\'s filter gradient', async () => {
    await tf.setBackend('wasm');
    uninstallWasmConv2DBackpropFilter();
    try {
      expect(isWasmConv2DBackpropFilterInstalled()).toBe(false);
      const c: Case = { name: 'missing', x: [1, 4, 4, 1], filter: [3, 3, 1, 1], strides: 1, pad: 'same' };
      await expect(filterGradient('wasm', c, 1)).rejects.toThrow(/Conv2DBackpropFilter/);
    } finally {
      installWasmConv2DBackpropFilter();
    }
    expect(isWasmConv2DBackpropFilterInstalled()).toBe(true);
  });
});
