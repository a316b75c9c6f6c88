import { describe, expect, it } from 'vitest';
import { priorQuantiles, standardNormalQuantile } from '../../src/evaluate/prior.ts';

describe('standard normal quantile (AS 241)', () => {
  it('matches independent values (Python statistics.NormalDist().inv_cdf) to 1e-15 relative, in both tails and the centre', () => {
    const reference: [number, number][] = [
      [0.5, 0],
      [0.3, -0.5244005127080407],
      [0.05, -1.6448536269514726],
      [0.975, 1.9599639845400536],
      [0.999, 3.090232306167813],
      [1e-10, -6.361340902404056],
      [1 - 1e-12, 7.0344869100478356],
      [0.925, 1.439531470938456],
      [0.07, -1.4757910281791702],
    ];
    for (const [p, z] of reference) expect(Math.abs(standardNormalQuantile(p) - z)).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(z)));
  });

  it('is odd around 1/2 and gives ±Infinity at 0 and 1, NaN outside', () => {
    for (const p of [0.01, 0.2, 0.4999]) expect(standardNormalQuantile(1 - p)).toBeCloseTo(-standardNormalQuantile(p), 12);
    expect(standardNormalQuantile(0)).toBe(-Infinity);
    expect(standardNormalQuantile(1)).toBe(Infinity);
    expect(standardNormalQuantile(1.5)).toBeNaN();
  });

  it('spaces the manifold grid over the prior quantiles of 0.05 … 0.95', () => {
    const q = priorQuantiles(5);
    expect(q[0]).toBeCloseTo(-1.6448536269514726, 12);
    expect(q[2]).toBeCloseTo(0, 14);
    expect(q[4]).toBeCloseTo(1.6448536269514726, 12);
    expect(priorQuantiles(1)).toEqual([0]);
  });
});
