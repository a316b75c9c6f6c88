// Every density kind turns its saved JSON (density.json) back into the Gaussian mixture it
// samples from, for the report's explorer: the parameters of a real fit, not a copy of the input.
import { describe, expect, it } from 'vitest';
import { densityKind, densityKinds, fitDensity } from '../../src/kinds/density/registry.ts';
import { createRng } from '../../src/shared/random.ts';

function clusteredCodes(n: number, dim: number): Float32Array {
  const rng = createRng(3);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) out[i * dim + j] = (i % 2 ? 4 : -4) * (j === 0 ? 1 : 0) + rng.normal() * (1 + j);
  return out;
}

describe('density kinds as Gaussian mixtures', () => {
  const dim = 3;
  const n = 400;
  const codes = clusteredCodes(n, dim);

  for (const kind of densityKinds) {
    it(`${kind}: mixture weights sum to 1; its mean and covariance match the fitted density's samples`, () => {
      const density = fitDensity(kind, codes, n, dim, { components: 2, seed: 5 });
      const saved = JSON.parse(JSON.stringify(density.toJSON())) as Record<string, unknown>;
      const mixture = densityKind(kind).mixture(saved)!;
      expect(mixture).not.toBeNull();
      expect(mixture.reduce((s, c) => s + c.weight, 0)).toBeCloseTo(1, 10);
      // The mixture's overall mean and variance equal those of many samples from the density itself.
      const draws = density.sample(20000, 9);
      for (let j = 0; j < dim; j++) {
        const mixMean = mixture.reduce((s, c) => s + c.weight * c.mean[j]!, 0);
        const mixVar = mixture.reduce((s, c) => s + c.weight * (c.covariance[j]![j]! + c.mean[j]! ** 2), 0) - mixMean ** 2;
        let m = 0;
        for (let i = 0; i < 20000; i++) m += draws[i * dim + j]! / 20000;
        let v = 0;
        for (let i = 0; i < 20000; i++) v += (draws[i * dim + j]! - m) ** 2 / 20000;
        expect(Math.abs(m - mixMean)).toBeLessThan(0.05 * Math.sqrt(mixVar));
        expect(v / mixVar).toBeGreaterThan(0.95);
        expect(v / mixVar).toBeLessThan(1.05);
      }
    });
  }

  it('a damaged density.json gives null, not a broken sampler', () => {
    expect(densityKind('gaussian-diag').mixture({ kind: 'gaussian-diag', mean: [1], variance: [1, 2] })).toBeNull();
    expect(densityKind('gaussian-full').mixture({ kind: 'gaussian-full', mean: [0, 0], covariance: [[1]] })).toBeNull();
    expect(densityKind('gmm').mixture({ kind: 'gmm', weights: [1], means: [[0]], covariances: [[['x']]] })).toBeNull();
  });
});
