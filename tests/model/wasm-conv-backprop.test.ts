import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createRng } from '../../src/shared/random.ts';
import { FLOAT32_TOLERANCE, relativeError } from './fixtures.ts';
import { installWasmConvBackprop, isWasmConvBackpropInstalled, uninstallWasmConvBackprop } from '../../src/model/wasm-conv-backprop.ts';
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

type KernelName = 'Conv2DBackpropFilter' | 'Conv2DBackpropInput';

/** Runs one of the two kernels on a backend on fixed values; returns its result. */
async function runKernel(kernel: KernelName, backend: string, c: Case, seed: number): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  const dyShape = outShape(c) as [number, number, number, number];
  const dy = tf.tensor4d(randomValues(sizeOf(dyShape), seed + 1000), dyShape);
  const common = { strides: c.strides, pad: c.pad, dataFormat: c.dataFormat ?? 'NHWC', dimRoundingMode: undefined };
  const other =
    kernel === 'Conv2DBackpropFilter' ? tf.tensor4d(randomValues(sizeOf(c.x), seed), c.x) : tf.tensor4d(randomValues(sizeOf(c.filter), seed), c.filter);
  const inputs: tf.NamedTensorMap = kernel === 'Conv2DBackpropFilter' ? { x: other, dy } : { dy, filter: other };
  const attrs = kernel === 'Conv2DBackpropFilter' ? { ...common, filterShape: c.filter } : { ...common, inputShape: c.x };
  const out = tf.engine().runKernel(kernel, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  const result = { values: out.dataSync() as Float32Array, shape: out.shape };
  tf.dispose([other, dy, out]);
  return result;
}

const sizeOf = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);
const filterGradient = (backend: string, c: Case, seed: number) => runKernel('Conv2DBackpropFilter', backend, c, seed);


beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('wasm');
  await tf.ready();
  installWasmFastMatmul();
  installWasmConvBackprop();
});

afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('wasm Conv2DBackpropFilter and Conv2DBackpropInput', () => {
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
  const kernels: KernelName[] = ['Conv2DBackpropFilter', 'Conv2DBackpropInput'];
  for (const kernel of kernels) {
    cases.forEach((c, i) => {
      it(`${kernel} equals the cpu kernel: ${c.name}`, async () => {
        const reference = await runKernel(kernel, 'cpu', c, 10 + i);
        const wasm = await runKernel(kernel, 'wasm', c, 10 + i);
        const expectedShape = kernel === 'Conv2DBackpropFilter' ? c.filter : c.x;
        expect(wasm.shape).toEqual(expectedShape);
        expect(reference.shape).toEqual(expectedShape);
        expect(relativeError(wasm.values, reference.values)).toBeLessThan(FLOAT32_TOLERANCE);
      });
    });

    it(`${kernel} sums over several blocks of output positions correctly`, async () => {
      // 576 taps → blocks of 1820 output positions (1M floats); 2·32·32 = 2048 positions → two blocks.
      const c: Case = { name: 'blocks', x: [2, 32, 32, 64], filter: [3, 3, 64, 2], strides: 1, pad: 'same' };
      const reference = await runKernel(kernel, 'cpu', c, 99);
      const wasm = await runKernel(kernel, 'wasm', c, 99);
      expect(relativeError(wasm.values, reference.values)).toBeLessThan(FLOAT32_TOLERANCE);
    });
  }

  it('replaces the stock Conv2DBackpropInput, which uninstall puts back (same results)', async () => {
    const c: Case = { name: 'stock', x: [2, 9, 9, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same' };
    const ours = await runKernel('Conv2DBackpropInput', 'wasm', c, 7);
    uninstallWasmConvBackprop();
    try {
      expect(isWasmConvBackpropInstalled()).toBe(false);
      expect(tf.getKernel('Conv2DBackpropInput', 'wasm')).toBeDefined();
      const stock = await runKernel('Conv2DBackpropInput', 'wasm', c, 7);
      expect(relativeError(ours.values, stock.values)).toBeLessThan(FLOAT32_TOLERANCE);
    } finally {
      installWasmConvBackprop();
    }
  });

  it('leaves no tensors or backend data behind', async () => {
    await tf.setBackend('wasm');
    const c: Case = { name: 'leaks', x: [2, 9, 9, 2], filter: [3, 3, 2, 3], strides: 2, pad: 'same' };
    await filterGradient('wasm', c, 5); // warm up
    await runKernel('Conv2DBackpropInput', 'wasm', c, 5);
    const before = tf.memory();
    const backendBefore = (tf.backend() as unknown as { dataIdMap: { numDataIds(): number } }).dataIdMap.numDataIds();
    await filterGradient('wasm', c, 5);
    await runKernel('Conv2DBackpropInput', 'wasm', c, 5);
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
    uninstallWasmConvBackprop();
    try {
      expect(isWasmConvBackpropInstalled()).toBe(false);
      const c: Case = { name: 'missing', x: [1, 4, 4, 1], filter: [3, 3, 1, 1], strides: 1, pad: 'same' };
      await expect(filterGradient('wasm', c, 1)).rejects.toThrow(/Conv2DBackpropFilter/);
    } finally {
      installWasmConvBackprop();
    }
    expect(isWasmConvBackpropInstalled()).toBe(true);
  });
});
