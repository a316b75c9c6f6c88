import { describe, expect, it } from 'vitest';
import { symmetricTopEigen } from '../../src/shared/eigen.ts';
import { createRng } from '../../src/shared/random.ts';
import { jacobiEigen } from './fixtures.ts';

function randomSymmetric(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

/** max |A v − λ v| over the returned pairs, and max |VᵀV − I|. */
function quality(a: Float64Array, n: number, k: number, values: Float64Array, vectors: Float64Array) {
  let residual = 0;
  let orthogonality = 0;
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += a[i * n + j]! * vectors[c * n + j]!;
      residual = Math.max(residual, Math.abs(s - values[c]! * vectors[c * n + i]!));
    }
    for (let c2 = 0; c2 < k; c2++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += vectors[c * n + i]! * vectors[c2 * n + i]!;
      orthogonality = Math.max(orthogonality, Math.abs(s - (c === c2 ? 1 : 0)));
    }
  }
  return { residual, orthogonality };
}

describe('symmetricTopEigen', () => {
  it('matches brute-force Jacobi on small random symmetric matrices (values and vectors up to sign)', () => {
    for (const [n, seed] of [[1, 1], [2, 2], [3, 3], [6, 4], [12, 5], [25, 6]] as const) {
      const a = randomSymmetric(n, seed);
      const k = Math.max(1, Math.floor(n / 2));
      const ours = symmetricTopEigen(a, n, k);
      const ref = jacobiEigen(a, n);
      for (let c = 0; c < k; c++) {
        expect(ours.values[c]).toBeCloseTo(ref.values[c]!, 10);
        let dot = 0;
        for (let i = 0; i < n; i++) dot += ours.vectors[c * n + i]! * ref.vectors[c]![i]!;
        expect(Math.abs(dot)).toBeCloseTo(1, 8);
      }
    }
  });

  it('returns all eigenpairs of a 40×40 matrix, descending, orthonormal, with the right trace', () => {
    const n = 40;
    const a = randomSymmetric(n, 11);
    const { values, vectors } = symmetricTopEigen(a, n, n);
    for (let i = 1; i < n; i++) expect(values[i]!).toBeLessThanOrEqual(values[i - 1]!);
    const q = quality(a, n, n, values, vectors);
    expect(q.residual).toBeLessThan(1e-12);
    expect(q.orthogonality).toBeLessThan(1e-12);
    let trace = 0;
    for (let i = 0; i < n; i++) trace += a[i * n + i]!;
    expect(values.reduce((s, v) => s + v, 0)).toBeCloseTo(trace, 10);
  });

  it('handles repeated eigenvalues and matrices that are already diagonal or tridiagonal', () => {
    const n = 7;
    const diag = new Float64Array(n * n);
    [3, 1, 3, 0, 3, 2, 1].forEach((v, i) => (diag[i * n + i] = v));
    const d = symmetricTopEigen(diag, n, 4);
    expect(Array.from(d.values)).toEqual([3, 3, 3, 2]);
    expect(quality(diag, n, 4, d.values, d.vectors).orthogonality).toBeLessThan(1e-14);

    const tri = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      tri[i * n + i] = 2;
      if (i + 1 < n) tri[i * n + i + 1] = tri[(i + 1) * n + i] = -1;
    }
    const t = symmetricTopEigen(tri, n, n);
    // Eigenvalues of the 1-D Laplacian: 2 − 2cos(kπ/(n+1)).
    const expected = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1))).sort((x, y) => y - x);
    expected.forEach((v, i) => expect(t.values[i]).toBeCloseTo(v, 12));
    expect(quality(tri, n, n, t.values, t.vectors).residual).toBeLessThan(1e-13);

    const identity = new Float64Array(9);
    identity[0] = identity[4] = identity[8] = 1;
    const id = symmetricTopEigen(identity, 3, 3);
    expect(quality(identity, 3, 3, id.values, id.vectors).orthogonality).toBeLessThan(1e-15);
  });

  it('signs each vector so its largest entry is positive, and does not modify the input', () => {
    const n = 10;
    const a = randomSymmetric(n, 21);
    const copy = Float64Array.from(a);
    const { vectors } = symmetricTopEigen(a, n, 3);
    expect(a).toEqual(copy);
    for (let c = 0; c < 3; c++) {
      const v = Array.from(vectors.subarray(c * n, (c + 1) * n));
      const largest = v.reduce((m, x) => (Math.abs(x) > Math.abs(m) ? x : m), 0);
      expect(largest).toBeGreaterThan(0);
    }
  });

  it('rejects k outside 0..n', () => {
    expect(() => symmetricTopEigen(new Float64Array(4), 2, 3)).toThrow(/k=3/);
  });
});
