import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createRng } from '../../src/shared/random.ts';
import {
  installWasmSharedIdentity,
  isWasmSharedIdentityInstalled,
  uninstallWasmSharedIdentity,
} from '../../src/model/wasm-shared-identity.ts';

function randomTensor(shape: number[], seed: number): tf.Tensor {
  const rng = createRng(seed);
  const size = shape.reduce((p, d) => p * d, 1);
  return tf.tensor(
    Float32Array.from({ length: size }, () => rng.next() * 2 - 1),
    shape,
  );
}

const dataIds = (): number => tf.backend().numDataIds();

beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
  await tf.ready();
});

afterAll(() => {
  uninstallWasmSharedIdentity();
});

describe('install / uninstall', () => {
  it('is idempotent and restores the exact stock kernel', () => {
    uninstallWasmSharedIdentity();
    const stock = tf.getKernel('Identity', 'wasm');
    expect(stock).toBeDefined();
    expect(isWasmSharedIdentityInstalled()).toBe(false);
    installWasmSharedIdentity();
    installWasmSharedIdentity();
    expect(isWasmSharedIdentityInstalled()).toBe(true);
    expect(tf.getKernel('Identity', 'wasm')).not.toBe(stock);
    uninstallWasmSharedIdentity();
    expect(tf.getKernel('Identity', 'wasm')).toBe(stock);
    // Other backends keep theirs.
    expect(tf.getKernel('Identity', 'cpu')).toBeDefined();
  });
});

describe('tf.clone on wasm', () => {
  it('shares the data (no new buffer), keeps the values, and frees them with the last tensor', () => {
    installWasmSharedIdentity();
    const before = dataIds();
    const x = randomTensor([3, 5], 1);
    const values = x.dataSync().slice();
    const copy = tf.clone(x);
    expect(dataIds()).toBe(before + 1);
    expect(copy.dataId).toBe(x.dataId);
    x.dispose();
    // The source is gone; the clone still reads its values.
    expect(copy.dataSync()).toEqual(values);
    expect(dataIds()).toBe(before + 1);
    copy.dispose();
    expect(dataIds()).toBe(before);
  });

  it('with the stock kernel a clone copies (what the override saves)', () => {
    uninstallWasmSharedIdentity();
    const x = randomTensor([3, 5], 2);
    const before = dataIds();
    const copy = tf.clone(x);
    expect(dataIds()).toBe(before + 1);
    expect(copy.dataId).not.toBe(x.dataId);
    tf.dispose([x, copy]);
    installWasmSharedIdentity();
  });

  it('still clones string tensors', () => {
    installWasmSharedIdentity();
    const s = tf.tensor(['a', 'bc']);
    const copy = tf.clone(s);
    s.dispose();
    expect(copy.dataSync()).toEqual(['a', 'bc']);
    copy.dispose();
  });
});

describe('training', () => {
  it("gives gradients bit for bit equal to the copying kernel's, and leaks nothing", () => {
    const x = randomTensor([16, 12], 3);
    const w1 = tf.variable(randomTensor([12, 8], 4), true, 'iw1');
    const b1 = tf.variable(randomTensor([8], 5), true, 'ib1');
    const w2 = tf.variable(randomTensor([8, 12], 6), true, 'iw2');
    const gradients = (): Float32Array[] => {
      const { value, grads } = tf.variableGrads(() =>
        tf.tidy(() => {
          const h = tf.relu(tf.add(tf.matMul(x, w1), b1));
          return tf.losses.meanSquaredError(x, tf.sigmoid(tf.matMul(h, w2))) as tf.Scalar;
        }),
      );
      const out = [value, grads.iw1!, grads.ib1!, grads.iw2!].map((t) => t.dataSync() as Float32Array);
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    };
    uninstallWasmSharedIdentity();
    const copying = gradients();
    installWasmSharedIdentity();
    const shared = gradients();
    expect(shared).toEqual(copying);
    expect(Math.max(...Array.from(shared[1]!, Math.abs))).toBeGreaterThan(1e-6);
    const tensors = tf.memory().numTensors;
    const ids = dataIds();
    for (let i = 0; i < 3; i++) gradients();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(dataIds()).toBe(ids);
    tf.dispose([x, w1, b1, w2]);
  });
});
