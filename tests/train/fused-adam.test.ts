// The fused wasm Adam update (src/train/fused-adam.ts) against tfjs' own AdamOptimizer: the same
// bits in the weights, the moments, the running β powers and the step count, step after step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/model/index.ts';
import { applyAdamFused, fusedAdamModuleBytes } from '../../src/train/fused-adam.ts';
import { OptimizerStep } from '../../src/train/optimizer.ts';

beforeAll(async () => {
  tf.enableProdMode();
  await selectBackend('wasm');
});
afterAll(() => tf.disposeVariables());

/** Odd sizes on purpose: the last count mod 4 elements take the JavaScript path. */
const SHAPES = [[97, 50], [50], [3], [1], [7, 3], [2, 2]];
let tag = 0;

function variables(seed: number): tf.Variable[] {
  const prefix = `fused_adam_${tag++}`;
  return SHAPES.map((shape, i) => tf.variable(tf.randomNormal(shape, 0, 0.1, 'float32', seed + i), true, `${prefix}/v${i}`));
}

function bits(t: tf.Tensor): Uint32Array {
  return new Uint32Array(Float32Array.from(t.dataSync() as Float32Array).buffer);
}

function expectSameBits(a: tf.Tensor, b: tf.Tensor): void {
  const [x, y] = [bits(a), bits(b)];
  let differing = 0;
  for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) differing++;
  expect(differing).toBe(0);
}

describe('fused wasm Adam', () => {
  it('is a valid WebAssembly SIMD module', () => {
    expect(WebAssembly.validate(fusedAdamModuleBytes())).toBe(true);
  });

  it("gives tfjs' Adam bit for bit over 25 steps: weights, moments, β powers, step count (rate changed midway)", async () => {
    expect(tf.getBackend()).toBe('wasm');
    const [a, b] = [variables(7), variables(7)];
    const [tfjsAdam, fusedAdam] = [tf.train.adam(1e-3), tf.train.adam(1e-3)];
    for (let step = 0; step < 25; step++) {
      if (step === 12) for (const o of [tfjsAdam, fusedAdam]) (o as unknown as { learningRate: number }).learningRate = 3e-4;
      // Large, tiny and exactly-zero gradients.
      const scale = step % 5 === 0 ? 10 : step % 5 === 1 ? 1e-6 : 0.01;
      const grads = SHAPES.map((shape, i) => (step === 3 && i === 2 ? tf.zeros(shape) : tf.randomNormal(shape, 0, scale, 'float32', 1000 * step + i)));
      tfjsAdam.applyGradients(a.map((v, i) => ({ name: v.name, tensor: grads[i]! })));
      const before = tf.memory().numTensors;
      expect(applyAdamFused(fusedAdam, Object.fromEntries(b.map((v, i) => [v.name, grads[i]!])))).toBe(true);
      // The first step creates the 2 × 6 moment variables, as tfjs' does; later steps leave none.
      expect(tf.memory().numTensors - before).toBe(step === 0 ? 2 * SHAPES.length : 0);
      tf.dispose(grads);
      a.forEach((v, i) => expectSameBits(v, b[i]!));
    }
    const [wa, wb] = [await tfjsAdam.getWeights(), await fusedAdam.getWeights()];
    expect(wb.map((w) => w.name.replace(/fused_adam_\d+/, ''))).toEqual(wa.map((w) => w.name.replace(/fused_adam_\d+/, '')));
    wa.forEach((w, i) => expectSameBits(w.tensor, wb[i]!.tensor));
    const powers = (o: tf.Optimizer) => o as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
    expectSameBits(powers(tfjsAdam).accBeta1, powers(fusedAdam).accBeta1);
    expectSameBits(powers(tfjsAdam).accBeta2, powers(fusedAdam).accBeta2);
    expect(fusedAdam.iterations).toBe(tfjsAdam.iterations);
    tfjsAdam.dispose();
    fusedAdam.dispose();
  });

  it("OptimizerStep (which uses it on wasm) trains a small network exactly as tfjs' minimize does, and its state resumes exactly", async () => {
    const [a, b] = [variables(11), variables(11)];
    const x = tf.randomNormal([16, 97], 0, 1, 'float32', 5);
    const lossOf = (vs: tf.Variable[]) => () =>
      tf.tidy(() => {
        const h = tf.relu(tf.add(tf.matMul(x, vs[0]!), vs[1]!));
        // Every variable takes part, the ones past the layer through a small penalty.
        return vs.slice(2).reduce((sum, v) => sum.add(tf.mul(tf.sum(tf.square(v)), 0.1)), tf.mean(tf.square(h))) as tf.Scalar;
      });
    const tfjsAdam = tf.train.adam(2e-3);
    const stepper = new OptimizerStep({ optimizer: 'adam', learningRate: 2e-3, weightDecay: 0, gradientClip: null }, b, () => false);
    for (let step = 0; step < 10; step++) {
      tf.dispose(tfjsAdam.minimize(lossOf(a), true, a) ?? []);
      tf.dispose(stepper.step(lossOf(b)));
    }
    a.forEach((v, i) => expectSameBits(v, b[i]!));
    // A checkpoint of the fused path continues exactly: state → a fresh stepper → 3 more steps each.
    const state = await stepper.exportState();
    const resumed = new OptimizerStep({ optimizer: 'adam', learningRate: 2e-3, weightDecay: 0, gradientClip: null }, b, () => false);
    await resumed.importState(state);
    for (let step = 0; step < 3; step++) {
      tf.dispose(tfjsAdam.minimize(lossOf(a), true, a) ?? []);
      tf.dispose(resumed.step(lossOf(b)));
    }
    a.forEach((v, i) => expectSameBits(v, b[i]!));
    tfjsAdam.dispose();
    stepper.dispose();
    resumed.dispose();
    x.dispose();
  });

  it('leaves other optimizers and other backends to tfjs', async () => {
    const vs = variables(3);
    const grads = Object.fromEntries(vs.map((v) => [v.name, tf.onesLike(v)]));
    const sgd = tf.train.sgd(0.1);
    expect(applyAdamFused(sgd, grads)).toBe(false);
    await tf.setBackend('cpu');
    try {
      const adam = tf.train.adam(1e-3);
      const onCpu = tf.variable(tf.ones([5]), true, `fused_adam_cpu_${tag++}`);
      const gradient = tf.ones([5]);
      expect(applyAdamFused(adam, { [onCpu.name]: gradient })).toBe(false);
      tf.dispose([onCpu, gradient]);
      adam.dispose();
    } finally {
      await tf.setBackend('wasm');
    }
    sgd.dispose();
    tf.dispose(Object.values(grads));
  });
});
