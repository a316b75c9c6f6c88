import { describe, it, expect } from 'vitest';
import { cholesky, percentileOfSorted, symmetricEigen } from '../../src/shared/linalg.ts';
import { createRng } from '../../src/shared/random.ts';

describe('symmetricEigen', () => {
  it('satisfies A v = λ v with orthonormal vectors, eigenvalues descending', () => {
    const d = 7;
    const rng = createRng(5);
    const b = Array.from({ length: d * d }, () => rng.normal());
    const a = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += b[i * d + k]! * b[j * d + k]!;
      a[i * d + j] = s;
    }
    const { values, vectors } = symmetricEigen(a, d);
    for (let k = 0; k < d; k++) {
      if (k > 0) expect(values[k]!).toBeLessThanOrEqual(values[k - 1]!);
      const v = vectors[k]!;
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += a[i * d + j]! * v[j]!;
        expect(s).toBeCloseTo(values[k]! * v[i]!, 8);
      }
      for (let m = 0; m < d; m++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += v[i]! * vectors[m]![i]!;
        expect(dot).toBeCloseTo(k === m ? 1 : 0, 10);
      }
    }
  });
});

describe('cholesky', () => {
  it('factors a positive definite matrix and refuses a singular one', () => {
    const l = cholesky(Float64Array.from([4, 2, 2, 5]), 2, 0)!;
    expect(Array.from(l)).toEqual([2, 0, 1, 2]);
    expect(cholesky(Float64Array.from([1, 2, 2, 4]), 2, 1e-12)).toBeNull();
  });
});

describe('percentileOfSorted', () => {
  it('interpolates linearly', () => {
    const s = Float64Array.from([0, 10, 20, 30, 40]);
    expect(percentileOfSorted(s, 0)).toBe(0);
    expect(percentileOfSorted(s, 100)).toBe(40);
    expect(percentileOfSorted(s, 50)).toBe(20);
    expect(percentileOfSorted(s, 10)).toBeCloseTo(4, 12);
  });
});
