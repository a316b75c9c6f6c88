// Two sections of `npm run bench`:
//   parallel  the lecture model on 1 and 2 threads (src/train/parallel), beside PyTorch on 1 and
//             2 threads, the four interleaved in every repeat so that load hits them alike;
//   scaling   how cost grows: samples/s against batch size and hidden width (1 and 2 threads),
//             PCA fit time against n and k.
// Every measurement records the 1-minute load average beside it: this machine is often shared.
import os from 'node:os';
import { fitPca } from '../src/model/index.ts';
import { benchParallelTraining, type ParallelBenchResult } from './parallel.ts';
import { runTorch, torchVersion, type TorchResult } from './torch.ts';

const DIM = 784;

function load1(): number {
  return Math.round(os.loadavg()[0]! * 100) / 100;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface Measured {
  samples_per_second: number;
  /** 1-minute load average just before the measurement. */
  load: number;
}

export interface ParallelSection {
  settings: { model: string; batch_size: number; optimizer: string; data: string; timed_steps: number; repeats: number };
  aelab: Record<'1' | '2', { median: number; runs: Measured[]; step_ms: number; cpu_ms_per_step: number; main_thread_ms: Record<string, number> | null }>;
  /** null: PyTorch is not installed for /usr/bin/python3. */
  torch: { version: string; blas: string | null; threads: Record<'1' | '2', { median: number; runs: Measured[] }> } | null;
  /** aelab 2 threads over aelab 1 thread (medians). */
  speedup: number;
  /** aelab 2 threads over 1, within each repeat (pairs measured back to back), and their median. */
  speedup_per_repeat: number[];
  /** PyTorch over aelab at the same thread count (medians); null without PyTorch. */
  torch_over_aelab: Record<'1' | '2', number> | null;
}

export async function benchParallel(opts: { repeats: number; steps: number; images: Float32Array; log: (s: string) => void }): Promise<ParallelSection> {
  const batchSize = 256;
  const version = torchVersion();
  if (version === null) opts.log('  PyTorch not installed for /usr/bin/python3 (Debian: apt-get install python3-torch libopenblas0); its rows are left out');
  const aelab: Record<'1' | '2', { runs: Measured[]; results: ParallelBenchResult[] }> = { '1': { runs: [], results: [] }, '2': { runs: [], results: [] } };
  const torch: Record<'1' | '2', { runs: Measured[]; results: TorchResult[] }> = { '1': { runs: [], results: [] }, '2': { runs: [], results: [] } };
  const kinds = ['aelab-1', 'aelab-2', ...(version ? ['torch-1', 'torch-2'] : [])] as const;
  for (let r = 0; r < opts.repeats; r++) {
    const order = r % 2 === 0 ? [...kinds] : [...kinds].reverse();
    const line: string[] = [];
    for (const kind of order) {
      const threads = kind.endsWith('2') ? '2' : '1';
      const load = load1();
      if (kind.startsWith('aelab')) {
        const res = await benchParallelTraining({ threads: Number(threads), batchSize, batches: opts.steps, images: opts.images });
        aelab[threads].runs.push({ samples_per_second: res.samples_per_second, load });
        aelab[threads].results.push(res);
        line.push(`aelab ${threads}t ${res.samples_per_second.toFixed(0)}`);
      } else {
        const res = await runTorch({ threads: Number(threads), batchSize, steps: opts.steps });
        torch[threads].runs.push({ samples_per_second: res.samples_per_second, load });
        torch[threads].results.push(res);
        line.push(`torch ${threads}t ${res.samples_per_second.toFixed(0)}`);
      }
    }
    opts.log(`  repeat ${r + 1}/${opts.repeats}: ${line.join(', ')} samples/s (load ${load1()})`);
  }
  const med = (runs: Measured[]) => median(runs.map((m) => m.samples_per_second));
  const aelabSide = (t: '1' | '2') => {
    const results = aelab[t].results;
    const profile = results[0]?.main_thread_ms
      ? Object.fromEntries(Object.keys(results[0].main_thread_ms).map((k) => [k, median(results.map((x) => x.main_thread_ms![k]!))]))
      : null;
    return { median: med(aelab[t].runs), runs: aelab[t].runs, step_ms: median(results.map((x) => x.step_ms)), cpu_ms_per_step: median(results.map((x) => x.cpu_ms_per_step)), main_thread_ms: profile };
  };
  const a = { '1': aelabSide('1'), '2': aelabSide('2') };
  const t = version
    ? {
        version,
        blas: torch['1'].results[0]?.blas ?? null,
        threads: { '1': { median: med(torch['1'].runs), runs: torch['1'].runs }, '2': { median: med(torch['2'].runs), runs: torch['2'].runs } },
      }
    : null;
  return {
    settings: {
      model: '784-500-300-2-300-500-784, relu, sigmoid output',
      batch_size: batchSize,
      optimizer: 'adam 1e-3',
      data: 'MNIST digits 1, 5, 6 (the 16,583 training images)',
      timed_steps: opts.steps,
      repeats: opts.repeats,
    },
    aelab: a,
    torch: t,
    speedup: a['2'].median / a['1'].median,
    speedup_per_repeat: aelab['2'].runs.map((m, i) => m.samples_per_second / aelab['1'].runs[i]!.samples_per_second),
    torch_over_aelab: t ? { '1': t.threads['1'].median / a['1'].median, '2': t.threads['2'].median / a['2'].median } : null,
  };
}

export interface ScalingSection {
  training: { batch_size: number; width: number; params: number; threads: number; samples_per_second: number; load: number }[];
  pca: { n: number; k: number; seconds: number; covariance_seconds: number; eigen_seconds: number; load: number }[];
}

/** Each training cell times about `samples` samples (at least 4 steps) after WARMUP_STEPS warm-up steps. */
export async function benchScaling(opts: { samples: number; images: Float32Array; pcaImages: Float32Array; pcaCount: number; log: (s: string) => void }): Promise<ScalingSection> {
  const training: ScalingSection['training'] = [];
  const cells = [
    { batch: 64, width: 1 },
    { batch: 256, width: 1 },
    { batch: 1024, width: 1 },
    { batch: 256, width: 0.5 },
    { batch: 256, width: 2 },
  ];
  for (const cell of cells) {
    const parts: string[] = [];
    for (const threads of [1, 2]) {
      const load = load1();
      const res = await benchParallelTraining({ threads, batchSize: cell.batch, batches: Math.max(4, Math.round(opts.samples / cell.batch)), width: cell.width, images: opts.images });
      training.push({ batch_size: cell.batch, width: cell.width, params: res.params, threads, samples_per_second: res.samples_per_second, load });
      parts.push(`${threads}t ${res.samples_per_second.toFixed(0)}`);
    }
    opts.log(`  batch ${cell.batch}, width ×${cell.width}: ${parts.join(', ')} samples/s (load ${load1()})`);
  }
  const pca: ScalingSection['pca'] = [];
  for (const n of [5000, 16500, 55000]) {
    if (n > opts.pcaCount) throw new Error(`benchScaling: PCA needs ${n} images, got ${opts.pcaCount}`);
    for (const k of [2, 32, 128]) {
      const load = load1();
      const start = performance.now();
      const { timing } = fitPca(opts.pcaImages.subarray(0, n * DIM), n, DIM, k);
      const seconds = (performance.now() - start) / 1000;
      pca.push({ n, k, seconds, covariance_seconds: timing.covariance_seconds, eigen_seconds: timing.eigen_seconds, load });
      opts.log(`  PCA n ${n}, k ${k}: ${(seconds * 1000).toFixed(0)} ms (load ${load})`);
    }
  }
  return { training, pca };
}
