// `npm run bench`: aelab's performance table. Every figure is a median of several repeats, and
// every ratio is formed from measurements taken in this one run (interleaved, so that load from
// other work on a shared machine hits both sides alike). Writes bench/results.json (atomically)
// and prints a table with the targets.
//
//   npm run bench [-- --quick] [-- --only data,pca,density,training,e2e,sweep,start,explorer] [-- --keep]
//
// Full: medians of 5 (data, PCA, gmm, training), 5 pairs (e2e), 3 pairs (sweep), 1 `npm start`; ~16
// minutes on 2 cores. --quick: 3, 3, 3, 1 pair, 1 pair, 1; ~6 minutes. Sweep trials train 8 epochs
// (a real sweep's are 20): much shorter ones mostly time process start-up and evaluation, which
// the two jobs pay side by side, and measure ~1.7-1.8x instead. The child runs go to bench/out/bench-run/,
// deleted at the end unless --keep.
//
//   data      load all of MNIST (70,000 images)                        in this process
//   pca       fit PCA on digits 1, 5, 6 (16,583×784), k = 2 and 32      in this process
//   density   fit gmm, K = 10, on 16,000 two-dimensional codes             in this process
//   training  lecture model samples/s, fast matmul on vs off            in this process
//   e2e       `aelab run` vs bench/bare-tfjs.ts, same settings           child processes, alternating
//   sweep     4-trial sweep with --jobs 2 vs --jobs 1                    child processes, alternating
//   start     `npm start` (PCA + deep lecture runs): wall time, peak RSS child process
//   conv      conv autoencoder (conv-156) samples/s, wasm vs cpu backend  in this process
//   explorer  report.html's latent explorer in Chromium: decodes/s, hover updates/s    headless Chromium
//   ui        aelab ui: list 1,000 runs; a new epoch's way to a run page in Chromium     in this process + Chromium
//
// --only runs a subset and writes bench/out/results.json instead, so the committed
// bench/results.json always holds a complete run.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { loadDataset } from '../src/data/index.ts';
import { buildModel, PcaModel, selectBackend } from '../src/model/index.ts';
import { writeFileAtomic, writeJsonAtomic } from '../src/shared/fs.ts';
import type { BackendInfo } from '../src/shared/types.ts';
import type { ModelSpec } from '../src/shared/spec-types.ts';
import { benchDataLoad } from './data.ts';
import { benchGmmFit, GMM_BENCH } from './density.ts';
import { benchExplorer } from './explorer.ts';
import { benchUi } from './ui.ts';
import { benchWasmTraining, LECTURE_WIDTHS, median, type WasmTrainingBenchResult } from './matmul.ts';
import { WARMUP_STEPS } from './parallel.ts';
import { benchParallel, benchScaling } from './scaling.ts';
import { benchConvTraining, convArchitectureLabel, type ConvBenchResult } from './conv.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WORK_DIR = path.join(ROOT, 'bench', 'out', 'bench-run');
const AELAB = path.join(ROOT, 'bin', 'aelab.mjs');
const RUN_TS = path.join(ROOT, 'bin', 'run-ts.mjs');
const LECTURE_SPEC = path.join(ROOT, 'experiments', 'mnist-156-deep.yaml');
const PCA_SPEC = path.join(ROOT, 'experiments', 'mnist-156-pca.yaml');

const SECTIONS = ['data', 'pca', 'density', 'training', 'parallel', 'scaling', 'e2e', 'sweep', 'start', 'explorer', 'conv', 'ui'] as const;
type Section = (typeof SECTIONS)[number];

/** Repeats per section; the settings of each measurement are the same in both modes. */
interface Plan {
  quick: boolean;
  dataRepeats: number;
  pcaRepeats: number;
  trainingRepeats: number;
  trainingBatches: number;
  /** Pairs (aelab, bare), the order alternating from pair to pair. */
  e2ePairs: number;
  e2eEpochs: number;
  /** Pairs (--jobs 1, --jobs 2), alternating. */
  sweepPairs: number;
  sweepTrials: number;
  sweepEpochs: number;
  startRepeats: number;
  /** Repeats of the four interleaved parallel measurements (aelab 1, 2 threads; PyTorch 1, 2). */
  parallelRepeats: number;
  parallelSteps: number;
  /** Samples timed per cell of the scaling table. */
  scalingSamples: number;
  /** Epochs of the run on all 55,000 training images whose peak RSS is measured. */
  rssEpochs: number;
  /** Alternating (wasm, cpu) pairs; the cpu backend takes seconds per step, hence small batches. */
  convPairs: number;
  convBatchSize: number;
  convBatches: number;
  explorerRepeats: number;
  uiRepeats: number;
}

const FULL: Plan = {
  quick: false,
  dataRepeats: 5,
  pcaRepeats: 5,
  trainingRepeats: 5,
  trainingBatches: 20,
  e2ePairs: 5,
  e2eEpochs: 3,
  sweepPairs: 3,
  sweepTrials: 4,
  sweepEpochs: 8,
  startRepeats: 1,
  parallelRepeats: 5,
  parallelSteps: 100,
  scalingSamples: 10240,
  rssEpochs: 1,
  convPairs: 3,
  convBatchSize: 64,
  convBatches: 2,
  explorerRepeats: 5,
  uiRepeats: 5,
};
const QUICK: Plan = {
  ...FULL,
  quick: true,
  dataRepeats: 3,
  pcaRepeats: 3,
  trainingRepeats: 3,
  trainingBatches: 12,
  e2ePairs: 1,
  sweepPairs: 1,
  parallelRepeats: 3,
  parallelSteps: 20,
  scalingSamples: 5120,
  convPairs: 1,
};

// ---------------------------------------------------------------------------------------------
// Child processes: wall time from spawn to exit; peak RSS and CPU time reported by each process
// itself through a preloaded module (process.resourceUsage() at exit), so no external tool is
// needed. Sweep workers inherit the preload (execArgv and environment) and report too.

const USAGE_PRELOAD =
  'data:text/javascript,' +
  encodeURIComponent(
    "import fs from 'node:fs';" +
      'const prefix = process.env.AELAB_BENCH_USAGE_PREFIX;' +
      "if (prefix) process.on('exit', () => { const u = process.resourceUsage();" +
      // biome-ignore lint/suspicious/noTemplateCurlyInString: this string is code for the child process, where the template is evaluated
      ' fs.writeFileSync(`${prefix}-${process.pid}.json`, JSON.stringify({ max_rss_kb: u.maxRSS, cpu_seconds: (u.userCPUTime + u.systemCPUTime) / 1e6 })); });',
  );

interface ChildResult {
  wall_seconds: number;
  /** Peak resident set size of the started process (not of the workers it forks). */
  max_rss_mb: number;
  /** CPU time of the started process and of every node process it forked. */
  cpu_seconds: number;
  /** Node processes that reported (the started one plus its workers). */
  processes: number;
  stdout: string;
}

let usageCounter = 0;

async function runChild(args: string[]): Promise<ChildResult> {
  const usageDir = path.join(WORK_DIR, 'usage');
  fs.mkdirSync(usageDir, { recursive: true });
  const prefix = path.join(usageDir, `child${++usageCounter}`);
  const env = { ...process.env, AELAB_BENCH_USAGE_PREFIX: prefix, FORCE_COLOR: '0' };
  const start = performance.now();
  const child = spawn(process.execPath, ['--import', USAGE_PRELOAD, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c));
  });
  const wall = (performance.now() - start) / 1000;
  if (code !== 0) {
    throw new Error(`\`node ${args.join(' ')}\` exited with ${code}:\n${stderr.split('\n').slice(-15).join('\n')}`);
  }
  const base = path.basename(prefix);
  let main: { max_rss_kb: number; cpu_seconds: number } | null = null;
  let cpu = 0;
  let processes = 0;
  for (const name of fs.readdirSync(usageDir)) {
    if (!name.startsWith(`${base}-`)) continue;
    const usage = readJson<{ max_rss_kb: number; cpu_seconds: number }>(path.join(usageDir, name));
    if (name === `${base}-${child.pid}.json`) main = usage;
    cpu += usage.cpu_seconds;
    processes++;
  }
  if (!main) throw new Error(`\`node ${args.join(' ')}\` did not report its resource usage`);
  return { wall_seconds: wall, max_rss_mb: main.max_rss_kb / 1024, cpu_seconds: cpu, processes, stdout };
}

/** `aelab run` prints each run folder on stdout, the last one last. */
function lastLine(stdout: string): string {
  const lines = stdout.trim().split('\n');
  return lines[lines.length - 1]!.trim();
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

// ---------------------------------------------------------------------------------------------
// Sections

function loadAverage(): [number, number, number] {
  const [a, b, c] = os.loadavg();
  return [round(a!, 2), round(b!, 2), round(c!, 2)];
}

/**
 * Cores kept busy by other processes just before a section starts (Linux /proc/stat, sampled over
 * `ms`; null elsewhere). Unlike the load average, which trails by a minute and counts this
 * bench's own children, this says whether the machine was shared at that moment.
 */
async function busyCores(ms: number): Promise<number | null> {
  const sample = (): { busy: number; total: number } | null => {
    try {
      const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
      const fields = line.trim().split(/\s+/).slice(1).map(Number);
      const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
      const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
      return { busy: total - idle, total };
    } catch {
      return null;
    }
  };
  const a = sample();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const b = sample();
  if (!a || !b || b.total === a.total) return null;
  return round(((b.busy - a.busy) / (b.total - a.total)) * os.cpus().length, 2);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function stats(values: number[]): { median: number; min: number; max: number; runs: number[] } {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values };
}

const SUBSET = { source: 'mnist', digits: [1, 5, 6], validation: 5000 } as const;

async function benchPca(repeats: number) {
  const data = loadDataset({ ...SUBSET, digits: [...SUBSET.digits] }, { baseDir: ROOT });
  const result: Record<string, { n: number; d: number; seconds: ReturnType<typeof stats>; covariance_seconds: number; eigen_seconds: number; covariance_method: string }> = {};
  for (const k of [2, 32]) {
    const spec: ModelSpec = { kind: 'pca', latent: k, encoder: [500, 300], decoder: 'mirror', activation: 'relu', output_activation: 'sigmoid', likelihood: 'bernoulli', beta: 1, code_l1: 0, dropout: 0, batch_norm: false, tied: false };
    const seconds: number[] = [];
    const cov: number[] = [];
    const eig: number[] = [];
    let method = '';
    for (let r = 0; r < repeats; r++) {
      // A fresh copy each time: PCA remembers its fit per images array in a process (fitPcaOnce),
      // and a remembered fit would time a lookup.
      const images = data.train.images.slice();
      const start = performance.now();
      const model = await buildModel(spec, { inputDim: data.dim, seed: 42, train: { images, count: data.train.count } });
      seconds.push((performance.now() - start) / 1000);
      if (model instanceof PcaModel && model.timing?.reused) throw new Error('bench: the PCA fit was a remembered one, not a fit');
      if (model instanceof PcaModel && model.timing) {
        cov.push(model.timing.covariance_seconds);
        eig.push(model.timing.eigen_seconds);
        method = model.timing.covariance_method;
      }
      model.dispose();
    }
    result[`k${k}`] = {
      n: data.train.count,
      d: data.dim,
      seconds: stats(seconds),
      covariance_seconds: cov.length > 0 ? median(cov) : Number.NaN,
      eigen_seconds: eig.length > 0 ? median(eig) : Number.NaN,
      covariance_method: method,
    };
  }
  return result;
}

async function benchTraining(plan: Plan, log: (s: string) => void) {
  const stock: WasmTrainingBenchResult[] = [];
  const fast: WasmTrainingBenchResult[] = [];
  for (let r = 0; r < plan.trainingRepeats; r++) {
    // Alternating which goes first, so neither always follows the other's garbage.
    const pair = r % 2 === 0 ? (['stock', 'fast'] as const) : (['fast', 'stock'] as const);
    for (const which of pair) {
      const res = await benchWasmTraining({ fast: which === 'fast', batchSize: 256, batches: plan.trainingBatches });
      (which === 'fast' ? fast : stock).push(res);
    }
    log(`  training repeat ${r + 1}/${plan.trainingRepeats}: stock ${stock[r]!.samples_per_second.toFixed(0)}, fast ${fast[r]!.samples_per_second.toFixed(0)} samples/s`);
  }
  const sps = (xs: WasmTrainingBenchResult[]) => stats(xs.map((x) => x.samples_per_second));
  const cps = (xs: WasmTrainingBenchResult[]) => stats(xs.map((x) => x.samples_per_cpu_second));
  const s = { samples_per_second: sps(stock), samples_per_cpu_second: cps(stock), final_loss: stock.map((x) => x.final_loss) };
  const f = { samples_per_second: sps(fast), samples_per_cpu_second: cps(fast), final_loss: fast.map((x) => x.final_loss) };
  return {
    architecture: LECTURE_WIDTHS.join('-'),
    batch_size: 256,
    timed_batches: plan.trainingBatches,
    data: 'random pixels in [0, 1) (throughput does not depend on the values)',
    stock: s,
    fast: f,
    ratio: f.samples_per_second.median / s.samples_per_second.median,
    ratio_cpu: f.samples_per_cpu_second.median / s.samples_per_cpu_second.median,
    max_final_loss_difference: Math.max(...stock.map((x, i) => Math.abs(x.final_loss - fast[i]!.final_loss))),
  };
}

async function benchConv(plan: Plan, log: (s: string) => void) {
  const runs: Record<'wasm' | 'cpu', ConvBenchResult[]> = { wasm: [], cpu: [] };
  for (let r = 0; r < plan.convPairs; r++) {
    const order = r % 2 === 0 ? (['wasm', 'cpu'] as const) : (['cpu', 'wasm'] as const);
    for (const backend of order) runs[backend].push(await benchConvTraining({ backend, batchSize: plan.convBatchSize, batches: plan.convBatches }));
    log(`  conv pair ${r + 1}/${plan.convPairs}: wasm ${runs.wasm[r]!.samples_per_second.toFixed(0)}, cpu ${runs.cpu[r]!.samples_per_second.toFixed(1)} samples/s`);
  }
  // The bench's other sections expect the wasm backend, as selected at the start.
  await selectBackend('wasm');
  const summary = (xs: ConvBenchResult[]) => ({ samples_per_second: stats(xs.map((x) => x.samples_per_second)), samples_per_cpu_second: stats(xs.map((x) => x.samples_per_cpu_second)) });
  const wasm = summary(runs.wasm);
  const cpu = summary(runs.cpu);
  return {
    architecture: convArchitectureLabel(),
    batch_size: plan.convBatchSize,
    timed_batches: plan.convBatches,
    wasm,
    cpu,
    ratio: wasm.samples_per_second.median / cpu.samples_per_second.median,
    ratio_cpu: wasm.samples_per_cpu_second.median / cpu.samples_per_cpu_second.median,
  };
}

interface AelabMetrics {
  train_seconds: number;
  samples_per_second: number;
  epochs: number;
  n_train: number;
}
interface BareOutput {
  train_seconds: number;
  samples_per_second: number;
  final_loss: number;
  n_train: number;
  epochs: number;
}

/**
 * `--set train.workers=1` once the spec has the key: the bare loop trains on one thread, so the
 * overhead comparison keeps aelab on one too (the parallel section measures the threads).
 */
const ONE_THREAD: string[] = specHasWorkers() ? ['--set', 'train.workers=1'] : [];

function specHasWorkers(): boolean {
  const schema = readJson<{ properties?: { train?: { properties?: Record<string, unknown> } } }>(path.join(ROOT, 'schemas', 'experiment.schema.json'));
  return schema.properties?.train?.properties?.workers !== undefined;
}

/** Peak RSS of `aelab run` of the lecture model on all ten digits (55,000 training images). */
async function benchRss55k(plan: Plan, log: (s: string) => void) {
  const runsDir = path.join(WORK_DIR, 'rss55k');
  const child = await runChild([AELAB, 'run', LECTURE_SPEC, '--set', 'data.digits=[0,1,2,3,4,5,6,7,8,9]', '--set', `train.epochs=${plan.rssEpochs}`, '--runs-dir', runsDir]);
  const dir = lastLine(child.stdout);
  const metrics = readJson<AelabMetrics>(path.join(dir, 'metrics.json'));
  log(`  run on all 55,000 training images (${plan.rssEpochs} epoch): ${child.wall_seconds.toFixed(1)} s wall, peak RSS ${child.max_rss_mb.toFixed(0)} MB, ${metrics.samples_per_second.toFixed(0)} samples/s`);
  return { n_train: metrics.n_train, epochs: plan.rssEpochs, wall_seconds: child.wall_seconds, max_rss_mb: child.max_rss_mb, samples_per_second: metrics.samples_per_second };
}

async function benchEndToEnd(plan: Plan, log: (s: string) => void) {
  const aelab: { child: ChildResult; metrics: AelabMetrics; final_loss: number }[] = [];
  const bare: { child: ChildResult; out: BareOutput }[] = [];
  const epochs = plan.e2eEpochs;
  for (let p = 0; p < plan.e2ePairs; p++) {
    const order = p % 2 === 0 ? (['aelab', 'bare'] as const) : (['bare', 'aelab'] as const);
    for (const which of order) {
      if (which === 'aelab') {
        const runsDir = path.join(WORK_DIR, 'e2e', String(p + 1));
        const child = await runChild([AELAB, 'run', LECTURE_SPEC, '--set', `train.epochs=${epochs}`, ...ONE_THREAD, '--runs-dir', runsDir]);
        const dir = lastLine(child.stdout);
        const metrics = readJson<AelabMetrics>(path.join(dir, 'metrics.json'));
        const history = fs.readFileSync(path.join(dir, 'history.csv'), 'utf8').trim().split('\n');
        const finalLoss = Number(history[history.length - 1]!.split(',')[1]);
        aelab.push({ child, metrics, final_loss: finalLoss });
        log(`  e2e pair ${p + 1}: aelab run ${child.wall_seconds.toFixed(1)} s wall, training ${metrics.train_seconds.toFixed(2)} s, ${metrics.samples_per_second.toFixed(0)} samples/s, ${(child.cpu_seconds / child.wall_seconds).toFixed(2)} cores`);
      } else {
        const child = await runChild([RUN_TS, path.join(ROOT, 'bench', 'bare-tfjs.ts'), '--epochs', String(epochs), '--batch-size', '256']);
        const out = JSON.parse(lastLine(child.stdout)) as BareOutput;
        bare.push({ child, out });
        log(`  e2e pair ${p + 1}: bare tfjs ${child.wall_seconds.toFixed(1)} s wall, training ${out.train_seconds.toFixed(2)} s, ${out.samples_per_second.toFixed(0)} samples/s, ${(child.cpu_seconds / child.wall_seconds).toFixed(2)} cores`);
      }
    }
  }
  const a = {
    wall_seconds: stats(aelab.map((x) => x.child.wall_seconds)),
    train_seconds: stats(aelab.map((x) => x.metrics.train_seconds)),
    samples_per_second: stats(aelab.map((x) => x.metrics.samples_per_second)),
    cpu_seconds: stats(aelab.map((x) => x.child.cpu_seconds)),
    max_rss_mb: stats(aelab.map((x) => x.child.max_rss_mb)),
    final_loss: aelab.map((x) => x.final_loss),
  };
  const b = {
    wall_seconds: stats(bare.map((x) => x.child.wall_seconds)),
    train_seconds: stats(bare.map((x) => x.out.train_seconds)),
    samples_per_second: stats(bare.map((x) => x.out.samples_per_second)),
    cpu_seconds: stats(bare.map((x) => x.child.cpu_seconds)),
    max_rss_mb: stats(bare.map((x) => x.child.max_rss_mb)),
    final_loss: bare.map((x) => x.out.final_loss),
  };
  return {
    settings: { spec: path.relative(ROOT, LECTURE_SPEC), epochs, batch_size: 256, n_train: aelab[0]?.metrics.n_train ?? null, pairs: plan.e2ePairs },
    aelab: a,
    bare: b,
    /** aelab's training-loop wall time (steps + per-epoch validation) over the bare loop's, minus 1. */
    training_overhead: a.train_seconds.median / b.train_seconds.median - 1,
    /** The optimizer steps alone (batch copy to loss read): bare samples/s over aelab's, minus 1. */
    step_overhead: b.samples_per_second.median / a.samples_per_second.median - 1,
    /** Whole command: aelab also evaluates, fits the density, renders pictures and the report. */
    wall_ratio: a.wall_seconds.median / b.wall_seconds.median,
    same_losses: aelab.every((x, i) => bare[i] === undefined || Math.abs(x.final_loss - bare[i]!.out.final_loss) <= 1e-6 * Math.abs(x.final_loss)),
  };
}

function sweepSpec(plan: Plan): string {
  const seeds = Array.from({ length: plan.sweepTrials }, (_, i) => i + 1);
  return [
    '# Written by bench/run.ts: identical-cost deep trials (only the seed differs), to time --jobs.',
    'name: bench-sweep',
    'description: bench sweep, the lecture model for a few epochs per seed',
    'data:',
    '  digits: [1, 5, 6]',
    'model:',
    '  kind: deep',
    '  encoder: [500, 300]',
    '  latent: 2',
    'train:',
    `  epochs: ${plan.sweepEpochs}`,
    // One thread per trial: this row measures process-level parallelism (--jobs), as before
    // train.workers existed; with auto, a --jobs 1 sweep already trains each trial on every core.
    ...(ONE_THREAD.length > 0 ? ['  workers: 1'] : []),
    'sweep:',
    '  grid:',
    `    seed: [${seeds.join(', ')}]`,
    '',
  ].join('\n');
}

async function benchSweep(plan: Plan, log: (s: string) => void) {
  const specFile = path.join(WORK_DIR, 'bench-sweep.yaml');
  writeFileAtomic(specFile, sweepSpec(plan));
  const jobs1: ChildResult[] = [];
  const jobs2: ChildResult[] = [];
  for (let p = 0; p < plan.sweepPairs; p++) {
    const order = p % 2 === 0 ? ([1, 2] as const) : ([2, 1] as const);
    for (const jobs of order) {
      // A fresh runs folder each time, so no trial is skipped as already completed.
      const runsDir = path.join(WORK_DIR, 'sweep', `jobs${jobs}-${p + 1}`);
      const child = await runChild([AELAB, 'run', specFile, '--jobs', String(jobs), '--runs-dir', runsDir]);
      const sweepDir = lastLine(child.stdout);
      const sweep = readJson<{ trials: { status: string }[] }>(path.join(sweepDir, 'sweep.json'));
      const completed = sweep.trials.filter((t) => t.status === 'completed').length;
      if (completed !== plan.sweepTrials) throw new Error(`sweep with --jobs ${jobs} completed ${completed} of ${plan.sweepTrials} trials (${sweepDir})`);
      (jobs === 1 ? jobs1 : jobs2).push(child);
      log(`  sweep pair ${p + 1}: --jobs ${jobs} ${child.wall_seconds.toFixed(1)} s (${child.processes} processes, ${child.cpu_seconds.toFixed(1)} CPU-s, ${(child.cpu_seconds / child.wall_seconds).toFixed(2)} cores)`);
    }
  }
  const w1 = stats(jobs1.map((c) => c.wall_seconds));
  const w2 = stats(jobs2.map((c) => c.wall_seconds));
  return {
    settings: { trials: plan.sweepTrials, epochs_per_trial: plan.sweepEpochs, model: 'lecture deep model, digits 1, 5, 6', pairs: plan.sweepPairs },
    jobs1_wall_seconds: w1,
    jobs2_wall_seconds: w2,
    ratio: w1.median / w2.median,
    /**
     * CPU seconds of the whole process tree (parent and workers) per wall second: about 1 for
     * --jobs 1, and near 2 for --jobs 2 only when both cores were free for it.
     */
    jobs1_cores_used: stats(jobs1.map((c) => c.cpu_seconds / c.wall_seconds)),
    jobs2_cores_used: stats(jobs2.map((c) => c.cpu_seconds / c.wall_seconds)),
    jobs1_cpu_seconds: stats(jobs1.map((c) => c.cpu_seconds)),
    jobs2_cpu_seconds: stats(jobs2.map((c) => c.cpu_seconds)),
  };
}

async function benchStart(plan: Plan, log: (s: string) => void) {
  const runs: { child: ChildResult; runs: { name: string; duration_seconds: number; train_seconds: number; samples_per_second: number | null }[] }[] = [];
  for (let r = 0; r < plan.startRepeats; r++) {
    const runsDir = path.join(WORK_DIR, 'start', String(r + 1));
    const child = await runChild([AELAB, 'run', PCA_SPEC, LECTURE_SPEC, '--runs-dir', runsDir]);
    const dirs = child.stdout.trim().split('\n').map((l) => l.trim()).filter(Boolean);
    const perRun = dirs.map((dir) => {
      const run = readJson<{ name: string; duration_seconds: number }>(path.join(dir, 'run.json'));
      const metrics = readJson<{ train_seconds: number; samples_per_second: number | null }>(path.join(dir, 'metrics.json'));
      return { name: run.name, duration_seconds: run.duration_seconds, train_seconds: metrics.train_seconds, samples_per_second: metrics.samples_per_second };
    });
    runs.push({ child, runs: perRun });
    log(`  npm start ${r + 1}/${plan.startRepeats}: ${child.wall_seconds.toFixed(1)} s wall, peak RSS ${child.max_rss_mb.toFixed(0)} MB (${perRun.map((x) => `${x.name} ${x.duration_seconds.toFixed(1)} s`).join(', ')})`);
  }
  return {
    command: `node bin/aelab.mjs run ${path.relative(ROOT, PCA_SPEC)} ${path.relative(ROOT, LECTURE_SPEC)}`,
    repeats: plan.startRepeats,
    wall_seconds: stats(runs.map((r) => r.child.wall_seconds)),
    max_rss_mb: stats(runs.map((r) => r.child.max_rss_mb)),
    cpu_seconds: stats(runs.map((r) => r.child.cpu_seconds)),
    runs: runs.map((r) => r.runs),
  };
}

// ---------------------------------------------------------------------------------------------
// Table

interface Row {
  measurement: string;
  result: string;
  target: string;
  /** null: no target. */
  ok: boolean | null;
  /** Whether a stretch goal was met, when there is one. */
  stretch?: boolean;
}

function fmt(x: number, digits = 0): string {
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
function pct(x: number): string {
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;
}

interface Results {
  date: string;
  mode: 'quick' | 'full';
  commit: string | null;
  machine: Record<string, string | number>;
  load_average: { start: [number, number, number] } & Record<string, [number, number, number]>;
  /** Cores busy with other work in the second before each section (see busyCores). */
  busy_cores_before: Record<string, number | null>;
  repeats: Record<string, string | number>;
  data?: Awaited<ReturnType<typeof benchDataLoad>>;
  pca?: Awaited<ReturnType<typeof benchPca>>;
  density?: Awaited<ReturnType<typeof benchGmmFit>>;
  training?: Awaited<ReturnType<typeof benchTraining>>;
  parallel?: Awaited<ReturnType<typeof benchParallel>>;
  scaling?: Awaited<ReturnType<typeof benchScaling>> & { rss_55k: Awaited<ReturnType<typeof benchRss55k>> };
  e2e?: Awaited<ReturnType<typeof benchEndToEnd>>;
  sweep?: Awaited<ReturnType<typeof benchSweep>>;
  start?: Awaited<ReturnType<typeof benchStart>>;
  conv?: Awaited<ReturnType<typeof benchConv>>;
  explorer?: Awaited<ReturnType<typeof benchExplorer>>;
  ui?: Awaited<ReturnType<typeof benchUi>>;
  bench_seconds?: number;
  table?: Row[];
}

function buildRows(r: Results): Row[] {
  const rows: Row[] = [];
  if (r.data) {
    rows.push({ measurement: 'Load all of MNIST (70,000 images → [0, 1])', result: `${fmt(r.data.median_ms)} ms`, target: '< 500 ms', ok: r.data.median_ms < 500 });
  }
  if (r.pca) {
    for (const k of ['k2', 'k32']) {
      const p = r.pca[k];
      if (!p) continue;
      rows.push({
        measurement: `PCA fit, ${fmt(p.n)}×${p.d}, k = ${k.slice(1)}`,
        result: `${fmt(p.seconds.median * 1000)} ms`,
        target: '< 1 s',
        ok: p.seconds.median < 1,
      });
    }
  }
  if (r.density) {
    const g = r.density;
    rows.push({
      measurement: `gmm fit, ${fmt(GMM_BENCH.codes)} codes, d = ${GMM_BENCH.dim}, K = ${GMM_BENCH.components}`,
      result: `${g.median_s.toFixed(2)} s`,
      target: '< 5 s',
      ok: g.median_s < 5,
    });
  }
  if (r.training) {
    const t = r.training;
    rows.push({ measurement: 'Training, stock wasm kernels (lecture model, batch 256)²', result: `${fmt(t.stock.samples_per_second.median)} samples/s`, target: '', ok: null });
    rows.push({ measurement: 'Training, fast transposed matmuls', result: `${fmt(t.fast.samples_per_second.median)} samples/s`, target: '', ok: null });
    rows.push({
      measurement: 'Fast / stock training speed',
      result: `${t.ratio.toFixed(2)}× (per CPU-second ${t.ratio_cpu.toFixed(2)}×)`,
      target: '≥ 5× (stretch ≥ 7×)',
      ok: t.ratio >= 5,
      stretch: t.ratio >= 7,
    });
  }
  if (r.parallel) {
    const p = r.parallel;
    const loads = (xs: { load: number }[]) => `load ${Math.min(...xs.map((x) => x.load)).toFixed(1)}–${Math.max(...xs.map((x) => x.load)).toFixed(1)}`;
    rows.push({ measurement: 'Lecture model, batch 256, 1 thread (train.workers 1)³', result: `${fmt(p.aelab['1'].median)} samples/s (${loads(p.aelab['1'].runs)})`, target: '', ok: null });
    rows.push({ measurement: 'Lecture model, batch 256, 2 threads (train.workers 2)', result: `${fmt(p.aelab['2'].median)} samples/s (${loads(p.aelab['2'].runs)})`, target: '', ok: null });
    rows.push({ measurement: '2 threads / 1 thread', result: `${p.speedup.toFixed(2)}× (per repeat ${p.speedup_per_repeat.map((x) => x.toFixed(2)).join(', ')})`, target: '≥ 1.7×', ok: p.speedup >= 1.7 });
    rows.push({
      measurement: 'CPU time per step (all threads), 1 / 2 threads',
      result: `${p.aelab['1'].cpu_ms_per_step.toFixed(1)} / ${p.aelab['2'].cpu_ms_per_step.toFixed(1)} ms`,
      target: '',
      ok: null,
    });
    const profile = p.aelab['2'].main_thread_ms;
    if (profile) {
      rows.push({
        measurement: 'Where a 2-thread step goes (main thread, ms)',
        result: Object.entries(profile).filter(([k]) => k !== 'steps').map(([k, v]) => `${k.replace('_', ' ')} ${v.toFixed(1)}`).join(', '),
        target: '',
        ok: null,
      });
    }
    if (p.torch && p.torch_over_aelab) {
      for (const t of ['1', '2'] as const) {
        rows.push({
          measurement: `PyTorch ${p.torch.version}, ${t} thread${t === '1' ? '' : 's'}, same model/data/batch/Adam`,
          result: `${fmt(p.torch.threads[t].median)} samples/s: ${p.torch_over_aelab[t].toFixed(2)}× aelab's (${loads(p.torch.threads[t].runs)})`,
          target: 'parity (1×)',
          ok: null,
        });
      }
    } else {
      rows.push({ measurement: 'PyTorch, same model/data/batch/Adam', result: 'PyTorch not installed', target: '', ok: null });
    }
  }
  if (r.scaling) {
    const sc = r.scaling;
    for (const cell of sc.training) {
      if (cell.threads !== 1) continue;
      const two = sc.training.find((c) => c.threads === 2 && c.batch_size === cell.batch_size && c.width === cell.width);
      rows.push({
        measurement: `Scaling: batch ${cell.batch_size}, width ×${cell.width} (${fmt(cell.params / 1e6, 2)} M params)`,
        result: `${fmt(cell.samples_per_second)} / ${two ? fmt(two.samples_per_second) : '—'} samples/s on 1 / 2 threads (load ${cell.load.toFixed(1)})`,
        target: '',
        ok: null,
      });
    }
    for (const n of [...new Set(sc.pca.map((x) => x.n))]) {
      const cells = sc.pca.filter((x) => x.n === n);
      rows.push({ measurement: `Scaling: PCA fit, n = ${fmt(n)}, k = ${cells.map((c) => c.k).join(' / ')}`, result: `${cells.map((c) => fmt(c.seconds * 1000)).join(' / ')} ms`, target: '', ok: null });
    }
    rows.push({ measurement: `Peak RSS, \`aelab run\` on all ${fmt(sc.rss_55k.n_train)} training images`, result: `${fmt(sc.rss_55k.max_rss_mb)} MB`, target: '', ok: null });
  }
  if (r.e2e) {
    const e = r.e2e;
    rows.push({
      measurement: `aelab training loop vs bare tfjs loop (${e.settings.epochs} epochs)`,
      result: `${e.aelab.train_seconds.median.toFixed(2)} s vs ${e.bare.train_seconds.median.toFixed(2)} s: ${pct(e.training_overhead)}`,
      target: '≤ +3 %',
      ok: e.training_overhead <= 0.03,
    });
    rows.push({
      measurement: 'aelab optimizer steps vs bare (samples/s)',
      result: `${fmt(e.aelab.samples_per_second.median)} vs ${fmt(e.bare.samples_per_second.median)}: ${pct(e.step_overhead)}`,
      target: '≤ +3 %',
      ok: e.step_overhead <= 0.03,
    });
    rows.push({
      measurement: '`aelab run` vs bare script, whole command¹',
      result: `${e.aelab.wall_seconds.median.toFixed(1)} s vs ${e.bare.wall_seconds.median.toFixed(1)} s: ${e.wall_ratio.toFixed(2)}×`,
      target: '',
      ok: null,
    });
  }
  if (r.sweep) {
    const s = r.sweep;
    rows.push({
      measurement: `Sweep of ${s.settings.trials} trials, --jobs 1 vs --jobs 2`,
      result: `${s.jobs1_wall_seconds.median.toFixed(1)} s vs ${s.jobs2_wall_seconds.median.toFixed(1)} s: ${s.ratio.toFixed(2)}× (${s.jobs2_cores_used.median.toFixed(2)} cores used)`,
      target: '≥ 1.8×',
      ok: s.ratio >= 1.8,
    });
  }
  if (r.start) {
    const s = r.start;
    rows.push({ measurement: 'Peak RSS, `npm start` (PCA + deep lecture runs)', result: `${fmt(s.max_rss_mb.median)} MB`, target: '', ok: null });
    rows.push({ measurement: '`npm start` wall time (PCA + 20-epoch deep run)', result: `${s.wall_seconds.median.toFixed(1)} s`, target: '≤ 180 s', ok: s.wall_seconds.median <= 180 });
  }
  if (r.conv) {
    const c = r.conv;
    rows.push({ measurement: 'Conv autoencoder training (conv-156), wasm³', result: `${fmt(c.wasm.samples_per_second.median)} samples/s`, target: '', ok: null });
    rows.push({ measurement: 'Conv autoencoder training, cpu backend', result: `${fmt(c.cpu.samples_per_second.median, 1)} samples/s`, target: '', ok: null });
    rows.push({ measurement: 'Conv training, wasm / cpu', result: `${fmt(c.ratio)}× (per CPU-second ${fmt(c.ratio_cpu)}×)`, target: '', ok: null });
  }
  if (r.explorer) {
    const x = r.explorer;
    rows.push({
      measurement: `Explorer decodes in Chromium (${x.architecture})`,
      result: `${fmt(x.decodes_per_second.median)} decodes/s`,
      target: '≥ 60 /s',
      ok: x.decodes_per_second.median >= 60,
    });
    rows.push({
      measurement: 'Explorer hover updates (decode + nearest image + scatter redraw)',
      result: `${fmt(x.hover_updates_per_second.median)} /s`,
      target: '≥ 60 /s',
      ok: x.hover_updates_per_second.median >= 60,
    });
    rows.push({ measurement: `Explorer in report.html (${fmt(x.test_codes)} codes, ${x.embedded_images} images)`, result: `${(x.explorer_bytes / 1e6).toFixed(2)} MB`, target: '', ok: null });
  }
  if (r.ui) {
    const u = r.ui;
    rows.push({ measurement: `aelab ui: list ${fmt(u.runs)} runs from nothing (walk, read, render)`, result: `${u.cold_list_seconds.median.toFixed(3)} s`, target: '< 1 s', ok: u.cold_list_seconds.median < 1 });
    rows.push({ measurement: `aelab ui: GET / with ${fmt(u.runs)} runs, server running (${(u.list_page_bytes / 1e6).toFixed(2)} MB page)`, result: `${u.warm_request_seconds.median.toFixed(3)} s`, target: '< 1 s', ok: u.warm_request_seconds.median < 1 });
    rows.push({ measurement: 'aelab ui: new epoch in history.csv → curve in Chromium (fs.watch)', result: `${u.epoch_latency_watch_seconds.median.toFixed(2)} s`, target: '≤ 2 s', ok: u.epoch_latency_watch_seconds.median <= 2 });
    rows.push({ measurement: 'aelab ui: the same with watch off (periodic rescan only)', result: `${u.epoch_latency_rescan_only_seconds.median.toFixed(2)} s`, target: '≤ 2 s', ok: u.epoch_latency_rescan_only_seconds.median <= 2 });
  }
  return rows;
}

function mark(row: Row): string {
  const main = row.ok === null ? '' : row.ok ? '✓' : '✗';
  return row.stretch === undefined ? main : `${main} (stretch ${row.stretch ? '✓' : '✗'})`;
}

function textTable(rows: Row[]): string {
  const head: Row = { measurement: 'measurement', result: 'median', target: 'target', ok: null };
  const w = (k: 'measurement' | 'result' | 'target') => Math.max(...[head, ...rows].map((r) => [...r[k]].length));
  const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - [...s].length));
  const line = (r: Row, okText: string) => `${pad(r.measurement, w('measurement'))}  ${pad(r.result, w('result'))}  ${pad(r.target, w('target'))}  ${okText}`;
  return [line(head, ''), '-'.repeat(w('measurement') + w('result') + w('target') + 9), ...rows.map((r) => line(r, mark(r)))].join('\n');
}

function markdownTable(rows: Row[]): string {
  return ['| Measurement | Median | Target | |', '|---|---|---|---|', ...rows.map((r) => `| ${r.measurement} | ${r.result} | ${r.target || '—'} | ${mark(r)} |`)].join('\n');
}

// ---------------------------------------------------------------------------------------------

function parseArgs(argv: string[]): { plan: Plan; only: Set<Section> | null; keep: boolean } {
  let quick = false;
  let keep = false;
  let only: Set<Section> | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--keep') keep = true;
    else if (a === '--only' || a.startsWith('--only=')) {
      const value = a === '--only' ? argv[++i] : a.slice('--only='.length);
      const names = (value ?? '').split(',').filter(Boolean);
      const bad = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
      if (names.length === 0 || bad.length > 0) usage(`--only takes a comma-separated list of ${SECTIONS.join(', ')}`);
      only = new Set(names as Section[]);
    } else if (a === '-h' || a === '--help') usage(null);
    else usage(`unknown argument ${a}`);
  }
  return { plan: quick ? QUICK : FULL, only, keep };
}

function usage(problem: string | null): never {
  const text = `usage: npm run bench [-- --quick] [-- --only ${SECTIONS.join(',')}] [-- --keep]`;
  if (problem) console.error(`bench: ${problem}\n${text}`);
  else console.log(text);
  process.exit(problem ? 2 : 0);
}

function gitCommit(): string | null {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return dirty ? `${commit} (uncommitted changes)` : commit;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const { plan, only, keep } = parseArgs(process.argv.slice(2));
  const wanted = (s: Section) => only === null || only.has(s);
  const log = (s: string) => console.error(s);
  fs.rmSync(WORK_DIR, { recursive: true, force: true });
  fs.mkdirSync(WORK_DIR, { recursive: true });

  const backend: BackendInfo = await selectBackend();
  const cpus = os.cpus();
  const machine = {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memory_gb: round(os.totalmem() / 2 ** 30, 1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    tfjs: tf.version.tfjs,
    backend: `${backend.name}${backend.fast_matmul ? ' (fast matmul)' : ''} — ${backend.reason}`,
  };
  const started = new Date();
  const results: Results = {
    date: started.toISOString(),
    mode: plan.quick ? 'quick' : 'full',
    commit: gitCommit(),
    machine,
    load_average: { start: loadAverage() },
    busy_cores_before: {},
    repeats: {
      data: plan.dataRepeats,
      pca: plan.pcaRepeats,
      density: plan.pcaRepeats,
      training: `${plan.trainingRepeats} (each ${plan.trainingBatches} timed batches after 1 warm-up batch)`,
      e2e: `${plan.e2ePairs} alternating pairs of child processes`,
      sweep: `${plan.sweepPairs} alternating pairs of child processes`,
      start: plan.startRepeats,
      parallel: `${plan.parallelRepeats} repeats of 4 interleaved measurements (${plan.parallelSteps} timed steps each)`,
      scaling: `1 measurement per cell (~${plan.scalingSamples} timed samples), PCA 1 fit per cell, 1 run on 55,000 images`,
      conv: `${plan.convPairs} alternating (wasm, cpu) pairs of ${plan.convBatches} timed batches of ${plan.convBatchSize}`,
      explorer: `${plan.explorerRepeats} (1 s each)`,
      ui: plan.uiRepeats,
    },
  };
  log(`bench (${results.mode}): ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, tfjs ${machine.tfjs} ${machine.backend}`);
  log(`load average at start: ${results.load_average.start.join(' ')}`);

  const section = async <T>(name: Section, title: string, fn: () => Promise<T>, store: (value: T) => void) => {
    if (!wanted(name)) return;
    const busy = await busyCores(1000);
    results.busy_cores_before[name] = busy;
    log(`${title}…${busy === null ? '' : ` (other processes kept ${busy} cores busy just before)`}`);
    const start = performance.now();
    store(await fn());
    results.load_average[`after_${name}`] = loadAverage();
    log(`  (${((performance.now() - start) / 1000).toFixed(0)} s; load average ${loadAverage().join(' ')})`);
  };

  await section('data', `data load, ${plan.dataRepeats} repeats`, () => benchDataLoad(plan.dataRepeats), (v) => (results.data = v));
  await section('pca', `PCA fit, ${plan.pcaRepeats} repeats per k`, () => benchPca(plan.pcaRepeats), (v) => (results.pca = v));
  await section('density', `gmm fit, ${plan.pcaRepeats} repeats`, () => benchGmmFit(plan.pcaRepeats), (v) => (results.density = v));
  await section('training', `training speed, fast matmul on/off, ${plan.trainingRepeats} repeats`, () => benchTraining(plan, log), (v) => (results.training = v));
  const lectureImages = () => loadDataset({ ...SUBSET, digits: [...SUBSET.digits] }, { baseDir: ROOT }).train.images;
  await section('parallel', `data-parallel training 1 vs 2 threads, beside PyTorch, ${plan.parallelRepeats} repeats`, () => benchParallel({ repeats: plan.parallelRepeats, steps: plan.parallelSteps, images: lectureImages(), log }), (v) => (results.parallel = v));
  await section(
    'scaling',
    'scaling: batch, width, PCA n and k, peak RSS on 55,000 images',
    async () => {
      const all = loadDataset({ source: 'mnist', digits: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], validation: 5000 }, { baseDir: ROOT });
      const table = await benchScaling({ samples: plan.scalingSamples, images: lectureImages(), pcaImages: all.train.images, pcaCount: all.train.count, log });
      return { ...table, rss_55k: await benchRss55k(plan, log) };
    },
    (v) => (results.scaling = v),
  );
  await section('e2e', `aelab run vs bare tfjs, ${plan.e2ePairs} pairs of ${plan.e2eEpochs}-epoch runs`, () => benchEndToEnd(plan, log), (v) => (results.e2e = v));
  await section('sweep', `sweep --jobs 1 vs 2, ${plan.sweepPairs} pairs`, () => benchSweep(plan, log), (v) => (results.sweep = v));
  await section('start', `npm start, ${plan.startRepeats} run${plan.startRepeats === 1 ? '' : 's'}`, () => benchStart(plan, log), (v) => (results.start = v));
  await section('conv', `conv autoencoder training, wasm vs cpu, ${plan.convPairs} pairs`, () => benchConv(plan, log), (v) => (results.conv = v));
  await section('explorer', `latent explorer in Chromium, ${plan.explorerRepeats} repeats`, () => benchExplorer(plan.explorerRepeats, ROOT), (v) => (results.explorer = v));
  await section('ui', `aelab ui over 1,000 runs, ${plan.uiRepeats} repeats`, () => benchUi(plan.uiRepeats, WORK_DIR), (v) => (results.ui = v));

  results.bench_seconds = round((Date.now() - started.getTime()) / 1000, 1);
  const rows = buildRows(results);
  results.table = rows;
  const complete = only === null;
  const outFile = complete ? path.join(ROOT, 'bench', 'results.json') : path.join(ROOT, 'bench', 'out', 'results.json');
  writeJsonAtomic(outFile, results);
  // Every child run wrote a model and pictures (a few hundred MB in all); the figures are in results.
  if (!keep) fs.rmSync(WORK_DIR, { recursive: true, force: true });

  const footnotes = [
    results.e2e ? '¹ aelab run also evaluates the model, fits the latent density, renders the pictures and the report; the bare script only trains.' : null,
    results.parallel
      ? `³ In-process, the real images, a loss read per step, ${WARMUP_STEPS} warm-up steps; the 1- and 2-thread (and PyTorch) measurements alternate within each repeat. Loads are the 1-minute load average before each measurement.`
      : null,
    results.training
      ? '² In-process micro-benchmark: pre-built batches, loss read once at the end. The e2e rows train on the real images with a loss read per batch, in a fresh process per run.'
      : null,
    results.conv
      ? `³ ${results.conv.architecture}, batch ${results.conv.batch_size}, random pixels. Stock tfjs-backend-wasm cannot train it (no Conv2DBackpropFilter); aelab adds that kernel and a faster Conv2DBackpropInput.`
      : null,
  ].filter(Boolean);
  const machineLine = `${machine.cpu}, ${machine.cores} cores, ${machine.memory_gb} GB; node ${machine.node}; tfjs ${machine.tfjs} on ${backend.name}${backend.fast_matmul ? ' (fast matmul)' : ''}; load average ${results.load_average.start.join(' ')} at start`;
  console.log('');
  console.log(textTable(rows));
  for (const f of footnotes) console.log(f);
  console.log('');
  console.log(`Machine: ${machineLine}`);
  console.log(`Medians: data ${plan.dataRepeats}, PCA ${plan.pcaRepeats}, training ${plan.trainingRepeats}, e2e ${plan.e2ePairs} pairs, sweep ${plan.sweepPairs} pairs, npm start ${plan.startRepeats}, explorer ${plan.explorerRepeats}, conv ${plan.convPairs} pairs, ui ${plan.uiRepeats}. Bench took ${results.bench_seconds} s.`);
  console.log(`Results: ${path.relative(ROOT, outFile)}`);
  console.log('');
  console.log(markdownTable(rows));
  for (const f of footnotes) console.log(`\n${f}`);
  console.log(`\nMeasured ${results.date.slice(0, 10)} on ${machineLine}.`);
}

await main();
