import { describe, expect, it } from 'vitest';
import { checkInputNoise, corruptBatch } from '../../src/shared/input-noise.ts';
import { UserError } from '../../src/shared/errors.ts';
import { syntheticImages } from '../model/fixtures.ts';

const dim = 64;
const rows = 200;
const clean = syntheticImages(rows, dim, 2);

describe('input noise (denoising autoencoders)', () => {
  it('gaussian: adds noise of the given std, clipped to [0, 1], and leaves the clean images alone', () => {
    const copy = clean.slice();
    const out = new Float32Array(rows * dim);
    corruptBatch(clean, out, rows, dim, { kind: 'gaussian', std: 0.1 }, 1, 0);
    expect(clean).toEqual(copy);
    let sum = 0;
    let sumSq = 0;
    let count = 0;
    for (let i = 0; i < rows * dim; i++) {
      expect(out[i]! >= 0 && out[i]! <= 1).toBe(true);
      // Away from the clipping edges the difference is the plain noise.
      if (clean[i]! > 0.4 && clean[i]! < 0.6) {
        const e = out[i]! - clean[i]!;
        sum += e;
        sumSq += e * e;
        count++;
      }
    }
    expect(count).toBeGreaterThan(1000);
    expect(Math.abs(sum / count)).toBeLessThan(0.01);
    expect(Math.sqrt(sumSq / count)).toBeGreaterThan(0.08);
    expect(Math.sqrt(sumSq / count)).toBeLessThan(0.105);
  });

  it('masking: zeroes about the given fraction of pixels and keeps the others exactly', () => {
    const out = new Float32Array(rows * dim);
    corruptBatch(clean, out, rows, dim, { kind: 'masking', fraction: 0.3 }, 1, 0);
    let zeroed = 0;
    for (let i = 0; i < rows * dim; i++) {
      if (out[i] === 0 && clean[i] !== 0) zeroed++;
      else expect(out[i]).toBe(clean[i]);
    }
    expect(zeroed / (rows * dim)).toBeGreaterThan(0.27);
    expect(zeroed / (rows * dim)).toBeLessThan(0.33);
  });

  it('is seeded per step: same (seed, step) same noise, another step or seed other noise', () => {
    const noise = { kind: 'gaussian', std: 0.2 } as const;
    const at = (seed: number, step: number) => {
      const out = new Float32Array(rows * dim);
      corruptBatch(clean, out, rows, dim, noise, seed, step);
      return out;
    };
    expect(at(3, 7)).toEqual(at(3, 7));
    expect(at(3, 8)).not.toEqual(at(3, 7));
    expect(at(4, 7)).not.toEqual(at(3, 7));
  });

  it('refuses settings outside their range, naming the field', () => {
    expect(() => checkInputNoise({ kind: 'masking', fraction: 1 })).toThrow(/train\.input_noise\.fraction.*\[0, 1\)/);
    expect(() => checkInputNoise({ kind: 'masking', fraction: -0.1 })).toThrow(UserError);
    expect(() => checkInputNoise({ kind: 'gaussian', std: 0 })).toThrow(/train\.input_noise\.std/);
    expect(() => checkInputNoise({ kind: 'salt' } as never)).toThrow(/gaussian, masking/);
    expect(() => checkInputNoise({ kind: 'masking', fraction: 0 })).not.toThrow();
  });
});
