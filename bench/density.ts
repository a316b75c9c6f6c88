// Benchmark: fit the gmm density (EM, K = 10 components) on 16,000 two-dimensional codes drawn
// from three clusters — about the size of the lecture's training codes. Target: median under 5 s.
// (This was a wall-clock assertion in tests/evaluate/density.test.ts; speed is measured here.)
// Standalone: `node bin/run-ts.mjs bench/density.ts [repeats]` prints the median.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { fitDensity } from '../src/evaluate/index.ts';
import { createRng } from '../src/shared/random.ts';
import { median } from './matmul.ts';

export const GMM_BENCH = { codes: 16_000, dim: 2, components: 10 } as const;

/** Three clusters with weights 0.2, 0.3, 0.5 (the density tests' fixture, at bench size). */
function clusteredCodes(n: number, seed: number): Float32Array {
  const centres = [
    [-10, 0],
    [10, 0],
    [0, 10],
  ];
  const rng = createRng(seed);
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const u = rng.next();
    const c = centres[u < 0.2 ? 0 : u < 0.5 ? 1 : 2]!;
    out[i * 2] = c[0]! + rng.normal();
    out[i * 2 + 1] = c[1]! + rng.normal() * 0.5;
  }
  return out;
}

export async function benchGmmFit(
  repeats: number,
): Promise<{ median_s: number; runs_s: number[]; iterations: number; converged: boolean }> {
  const { codes: n, dim, components } = GMM_BENCH;
  const codes = clusteredCodes(n, 8);
  const runs_s: number[] = [];
  let fitted: { iterations?: number; converged?: boolean } = {};
  for (let r = 0; r < Math.max(1, repeats); r++) {
    const start = performance.now();
    const model = fitDensity('gmm', codes, n, dim, { components, seed: 3 });
    runs_s.push((performance.now() - start) / 1000);
    if (!Number.isFinite(model.meanLogLikelihood(codes, n))) throw new Error('gmm bench: non-finite log-likelihood');
    fitted = model.toJSON() as typeof fitted;
  }
  return { median_s: median(runs_s), runs_s, iterations: fitted.iterations ?? -1, converged: fitted.converged ?? false };
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  const repeats = Number(process.argv[2] ?? 5);
  const r = await benchGmmFit(Number.isFinite(repeats) && repeats > 0 ? repeats : 5);
  console.log(
    `gmm fit (${GMM_BENCH.codes} codes, d = ${GMM_BENCH.dim}, K = ${GMM_BENCH.components}): median ${r.median_s.toFixed(2)} s over ${r.runs_s.length} runs, ${r.iterations} EM iterations (target < 5 s)`,
  );
}
