import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { clipByGlobalNorm, globalNorm } from '../../src/train/clip.ts';
import { isKernel, OptimizerStep, type StepSettings } from '../../src/train/optimizer.ts';

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
});
afterAll(() => tf.disposeVariables());

describe('clipByGlobalNorm', () => {
  it.each([
    // gradients, limit, norm, expected scale
    [[[3], [4]], 10, 5, 1],
    [[[3], [4]], 5, 5, 1],
    [[[3], [4]], 1, 5, 1 / 5],
    [[[1, 2, 2], [0, 0]], 1.5, 3, 0.5],
    [[[0, 0]], 1, 0, 1],
  ] as const)('%j clipped to %d: norm %d, scale %d', (values, limit, norm, scale) => {
    const before = tf.memory().numTensors;
    const grads = values.map((v) => tf.tensor1d([...v]));
    const clipped = clipByGlobalNorm(grads, limit);
    expect(clipped.norm.dataSync()[0]).toBeCloseTo(norm, 5);
    clipped.gradients.forEach((g, i) => {
      Array.from(g.dataSync()).forEach((x, j) => expect(x).toBeCloseTo(values[i]![j]! * scale, 5));
    });
    tf.dispose([...grads, ...clipped.gradients, clipped.norm]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('computes √Σg² over tensors of any shape', () => {
    const n = tf.tidy(() => globalNorm([tf.ones([2, 3]), tf.ones([3])]).dataSync()[0]!);
    expect(n).toBeCloseTo(3, 6);
  });
});

/** A quadratic bowl: loss = mean((w·x − y)²) with weights w (named …/kernel) and b (…/bias). */
function bowl(): { w: tf.Variable; b: tf.Variable; loss: () => tf.Scalar; dispose: () => void } {
  const w = tf.variable(tf.tensor2d([[1.5, -2], [0.5, 1]]), true, `layer_${Math.random().toString(36).slice(2)}/kernel`);
  const b = tf.variable(tf.tensor1d([0.5, -0.5]), true, `${w.name.split('/')[0]}/bias`);
  const x = tf.tensor2d([[1, 0], [0, 1], [1, 1]]);
  const y = tf.tensor2d([[0.2, 0.1], [0.3, -0.1], [0.5, 0]]);
  return {
    w,
    b,
    loss: () => tf.mean(tf.squaredDifference(tf.add(tf.matMul(x, w), b), y)) as tf.Scalar,
    dispose: () => tf.dispose([w, b, x, y]),
  };
}

/** Makes exactly `steps` steps (optionally at the given rates); checks that steps after the first leak nothing. */
function run(settings: StepSettings, steps: number, lrs?: number[]): { w: number[]; b: number[]; losses: number[] } {
  const p = bowl();
  const step = new OptimizerStep(settings, [p.w, p.b], isKernel);
  const losses: number[] = [];
  let afterFirst = 0;
  for (let i = 0; i < steps; i++) {
    if (lrs) step.setLearningRate(lrs[i]!);
    const l = step.step(p.loss);
    losses.push(l.dataSync()[0]!);
    l.dispose();
    // The first step creates the optimizer's state (Adam's moments); later ones add nothing.
    if (i === 0) afterFirst = tf.memory().numTensors;
    else expect(tf.memory().numTensors).toBe(afterFirst);
  }
  const result = { w: Array.from(p.w.dataSync()), b: Array.from(p.b.dataSync()), losses };
  step.dispose();
  p.dispose();
  return result;
}

const plain = (optimizer: StepSettings['optimizer'], over: Partial<StepSettings> = {}): StepSettings => ({ optimizer, learningRate: 0.05, weightDecay: 0, gradientClip: null, ...over });
const norm = (v: number[]): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('OptimizerStep', () => {
  it.each(['adam', 'sgd', 'rmsprop'] as const)('%s without extras equals tfjs optimizer.minimize', (name) => {
    const ours = run(plain(name), 5);
    expect(ours.losses[4]!).toBeLessThan(ours.losses[0]!);
    const p = bowl();
    const opt = name === 'adam' ? tf.train.adam(0.05) : name === 'sgd' ? tf.train.sgd(0.05) : tf.train.rmsprop(0.05);
    const losses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const l = opt.minimize(p.loss, true, [p.w, p.b])!;
      losses.push(l.dataSync()[0]!);
      l.dispose();
    }
    expect(ours.losses).toEqual(losses);
    expect(ours.w).toEqual(Array.from(p.w.dataSync()));
    opt.dispose();
    p.dispose();
  });

  it('adamw shrinks the kernel by lr·wd before the Adam update, and leaves the bias alone', () => {
    const start = [1.5, -2, 0.5, 1];
    const adamw = run(plain('adamw', { weightDecay: 0.1 }), 1);
    const adam = run(plain('adam'), 1);
    // Adam's first update does not depend on w's value, so the difference is exactly the decay.
    adamw.w.forEach((w, i) => expect(w).toBeCloseTo(start[i]! * (1 - 0.05 * 0.1) + (adam.w[i]! - start[i]!), 6));
    expect(adamw.b).toEqual(adam.b);
    expect(norm(adamw.w)).toBeLessThan(norm(adam.w));
  });

  it.each(['adamw', 'adam', 'sgd', 'rmsprop'] as const)('%s weight decay shrinks the kernel norm against no decay', (name) => {
    const without = run(plain(name), 30);
    const withDecay = run(plain(name, { weightDecay: 0.5 }), 30);
    expect(norm(withDecay.w)).toBeLessThan(norm(without.w) - 1e-3);
  });

  it('L2 decay for sgd adds wd·w to the gradient: one step equals sgd on loss + wd/2·‖w‖²', () => {
    const ours = run(plain('sgd', { weightDecay: 0.2 }), 1);
    const p = bowl();
    const opt = tf.train.sgd(0.05);
    opt.minimize(() => tf.add(p.loss(), tf.mul(0.1, tf.sum(tf.square(p.w)))) as tf.Scalar, false, [p.w, p.b]);
    ours.w.forEach((w, i) => expect(w).toBeCloseTo(p.w.dataSync()[i]!, 6));
    ours.b.forEach((b, i) => expect(b).toBeCloseTo(p.b.dataSync()[i]!, 6));
    opt.dispose();
    p.dispose();
  });

  it('gradient clipping caps the sgd step at lr·limit', () => {
    const start = [1.5, -2, 0.5, 1, 0.5, -0.5];
    const clipped = run(plain('sgd', { learningRate: 1, gradientClip: 0.01 }), 1);
    const moved = norm([...clipped.w, ...clipped.b].map((v, i) => v - start[i]!));
    expect(moved).toBeCloseTo(0.01, 5);
    const free = run(plain('sgd', { learningRate: 1 }), 1);
    expect(norm([...free.w, ...free.b].map((v, i) => v - start[i]!))).toBeGreaterThan(0.1);
  });

  it('setLearningRate changes the step size of sgd, adam and rmsprop', () => {
    for (const name of ['sgd', 'adam', 'rmsprop', 'adamw'] as const) {
      const slow = run(plain(name), 2, [0.05, 0.001]);
      const fast = run(plain(name), 2, [0.05, 0.05]);
      expect(slow.w).not.toEqual(fast.w);
      // The second step moved the weights less at the lower rate.
      const start = run(plain(name), 1, [0.05]);
      expect(norm(slow.w.map((v, i) => v - start.w[i]!))).toBeLessThan(norm(fast.w.map((v, i) => v - start.w[i]!)));
    }
  });
});

describe('OptimizerStep state: export after k steps, import into a fresh optimizer, continue', () => {
  it.each(['adam', 'adamw', 'rmsprop', 'sgd'] as const)('%s: the continued steps give exactly the uninterrupted weights (and leak no tensor)', async (optimizer) => {
    const settings: StepSettings = { optimizer, learningRate: 0.01, weightDecay: optimizer === 'adamw' ? 0.01 : 0, gradientClip: null };
    const target = tf.tensor1d([0.3, -0.7, 1.1]);
    const lossOf = (w: tf.Variable) => () => tf.sum(tf.square(tf.sub(tf.sin(tf.mul(w, 3)), target))) as tf.Scalar;
    const variable = (values: ArrayLike<number>, name: string) => {
      const initial = tf.tensor1d(Array.from(values));
      const v = tf.variable(initial, true, name);
      initial.dispose();
      return v;
    };
    const run = async (steps: number, pauseAt: number | null) => {
      let w = variable([0.1, 0.2, -0.3], `w_${optimizer}_${pauseAt}`);
      let opt = new OptimizerStep(settings, [w], () => true);
      for (let s = 0; s < steps; s++) {
        if (s === pauseAt) {
          // A new process: new variables and optimizer, state from the checkpoint.
          const state = await opt.exportState();
          const values = w.dataSync().slice();
          opt.dispose();
          w.dispose();
          w = variable(values, `w_${optimizer}_${pauseAt}_resumed`);
          opt = new OptimizerStep(settings, [w], () => true);
          await opt.importState(state);
        }
        opt.step(lossOf(w)).dispose();
      }
      const out = Array.from(w.dataSync());
      opt.dispose();
      w.dispose();
      return out;
    };
    const before = tf.memory().numTensors;
    // Hundreds of steps: Adam's β powers are products rounded at every step; they are restored as they stood.
    const straight = await run(400, null);
    const resumed = await run(400, 237);
    expect(resumed).toEqual(straight);
    expect(tf.memory().numTensors).toBe(before);
    target.dispose();
  });
});
