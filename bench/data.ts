// Benchmark: load all 70,000 bundled MNIST images (55,000 train / 5,000 validation / 10,000 test)
// and scale them to [0, 1]. Target: median under 500 ms.
// Standalone: `node bin/run-ts.mjs bench/data.ts [repeats]` prints the median.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadDataset } from '../src/data/index.ts';
import type { DataSpec } from '../src/shared/spec-types.ts';

const ALL_MNIST: DataSpec = { source: 'mnist', digits: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], validation: 5000 };

export async function benchDataLoad(repeats: number): Promise<{ median_ms: number; runs_ms: number[] }> {
  const runs_ms: number[] = [];
  for (let i = 0; i < Math.max(1, repeats); i++) {
    const start = performance.now();
    const dataset = loadDataset(ALL_MNIST, { baseDir: process.cwd() });
    runs_ms.push(performance.now() - start);
    const total = dataset.counts.n_train + dataset.counts.n_val + dataset.counts.n_test;
    if (total !== 70_000) throw new Error(`expected 70000 MNIST images, loaded ${total}`);
  }
  const sorted = [...runs_ms].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median_ms = sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median_ms, runs_ms };
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  const repeats = Number(process.argv[2] ?? 5);
  const { median_ms, runs_ms } = await benchDataLoad(Number.isFinite(repeats) && repeats > 0 ? repeats : 5);
  console.log(`data load (70,000 MNIST images → [0, 1] Float32): median ${median_ms.toFixed(1)} ms over ${runs_ms.length} runs [${runs_ms.map((ms) => ms.toFixed(1)).join(', ')}] (target < 500 ms)`);
}
