// The WebAssembly SIMD Adam update of data-parallel training (src/train/parallel/simd-adam.ts)
// against the float64 formula, on ranges that start mid-vector and end in the arena's padding, and
// the shard optimizer built on it against the plain JavaScript one over many steps.
import { describe, expect, it } from 'vitest';
import { allocateBuffers, sharedViews } from '../../src/train/parallel/protocol.ts';
import { createShardOptimizer, parameterRange } from '../../src/train/parallel/shard-optimizer.ts';
import { instantiateSimdAdam, simdAdamModuleBytes } from '../../src/train/parallel/simd-adam.ts';
import { createRng } from '../../src/shared/random.ts';

const PARAMS = 1003; // not a multiple of 4: the last range runs into the padding

function filled(views: ReturnType<typeof sharedViews>, seed: number): void {
  const rng = createRng(seed);
  for (let i = 0; i < PARAMS; i++) views.params[i] = rng.next() - 0.5;
  for (const g of views.grads) for (let i = 0; i < PARAMS; i++) g[i] = (rng.next() - 0.5) * 0.1;
}

describe('SIMD Adam', () => {
  it('is a valid module on this engine', () => {
    expect(WebAssembly.validate(simdAdamModuleBytes())).toBe(true);
  });

  it('one step of adam2 equals the float64 formula to float32 rounding, touching only its range', () => {
    const views = sharedViews(allocateBuffers(2, PARAMS, 1, 1), 2, PARAMS);
    filled(views, 1);
    const m = new Float32Array(views.arena.buffer, views.layout.m, PARAMS);
    const v = new Float32Array(views.arena.buffer, views.layout.v, PARAMS);
    for (let i = 0; i < PARAMS; i++) {
      m[i] = (i % 7) * 0.01 - 0.03;
      v[i] = (i % 5) * 0.001;
    }
    const before = { p: views.params.slice(), m: m.slice(), v: v.slice() };
    const kernels = instantiateSimdAdam(views.arena)!;
    const [from] = parameterRange(PARAMS, 2, 1);
    const count = views.layout.stride - from;
    const [lr, c1, c2] = [0.01, 1 - 0.9 ** 3, 1 - 0.999 ** 3];
    kernels.adam2(views.layout.params + from * 4, views.layout.grads[0]! + from * 4, views.layout.grads[1]! + from * 4, views.layout.m + from * 4, views.layout.v + from * 4, count, lr / c1, 1 / c2, 0.9, 0.999, 0.1, 0.001, 1e-7);
    for (let i = 0; i < PARAMS; i++) {
      if (i < from) {
        expect(views.params[i]).toBe(before.p[i]);
        continue;
      }
      const g = views.grads[0]![i]! + views.grads[1]![i]!;
      const mi = 0.9 * before.m[i]! + 0.1 * g;
      const vi = 0.999 * before.v[i]! + 0.001 * g * g;
      const pi = before.p[i]! - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + 1e-7);
      expect(Math.abs(m[i]! - mi)).toBeLessThanOrEqual(4e-6 * (Math.abs(before.m[i]!) + Math.abs(g)));
      expect(Math.abs(v[i]! - vi)).toBeLessThanOrEqual(4e-6 * vi);
      expect(Math.abs(views.params[i]! - pi)).toBeLessThanOrEqual(4e-6 * (Math.abs(before.p[i]!) + lr));
    }
  });

  for (const threads of [2, 3]) {
    it(`${threads} shards on the arena follow the JavaScript update over 50 steps`, () => {
      const views = sharedViews(allocateBuffers(threads, PARAMS, 1, 1), threads, PARAMS);
      filled(views, 2);
      const reference = views.params.slice();
      const arena = { memory: views.arena, layout: views.layout };
      const shards = Array.from({ length: threads }, (_, t) => {
        const [from, to] = parameterRange(PARAMS, threads, t);
        expect(from % 4).toBe(0);
        return createShardOptimizer('adam', threads, from, to, arena);
      });
      const plain = createShardOptimizer('adam', 1, 0, PARAMS);
      const rng = createRng(3);
      const sum = new Float32Array(PARAMS);
      for (let step = 1; step <= 50; step++) {
        for (const g of views.grads) for (let i = 0; i < PARAMS; i++) g[i] = (rng.next() - 0.5) * 0.1;
        sum.fill(0);
        for (const g of views.grads) for (let i = 0; i < PARAMS; i++) sum[i] = sum[i]! + g[i]!;
        plain.update(reference, [sum], step, 1e-3);
        for (const shard of shards) shard.update(views.params, views.grads, step, 1e-3);
      }
      let diff = 0;
      let norm = 0;
      for (let i = 0; i < PARAMS; i++) {
        diff += (views.params[i]! - reference[i]!) ** 2;
        norm += reference[i]! ** 2;
      }
      expect(Math.sqrt(diff / norm)).toBeLessThan(1e-6);
      // Every parameter moved: no range was left out.
      const start = sharedViews(allocateBuffers(threads, PARAMS, 1, 1), threads, PARAMS);
      filled(start, 2);
      for (let i = 0; i < PARAMS; i++) expect(views.params[i]).not.toBe(start.params[i]);
    });
  }
});
