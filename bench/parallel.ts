// Data-parallel training throughput (src/train/parallel): the lecture autoencoder, or a variant
// of it, trained in this process for a few Adam steps on random pixels, on one thread (the
// single-thread step `aelab run` takes with train.workers 1) or on N threads.
//
//   node bin/run-ts.mjs bench/parallel.ts [--threads 1,2] [--batch-size 256] [--batches 20] [--repeats 3] [--width 1]
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { buildModel, replicaBuilderUrl, selectBackend } from '../src/model/index.ts';
import { createRng } from '../src/shared/random.ts';
import type { ModelSpec } from '../src/shared/spec-types.ts';
import type { TrainableAutoencoder } from '../src/shared/types.ts';
import { OptimizerStep } from '../src/train/optimizer.ts';
import { DataParallelTrainer } from '../src/train/parallel/index.ts';

const DIM = 784;
const SEED = 20240601;
/**
 * Untimed steps before the timed ones, on one thread and on several alike. A fresh worker thread
 * starts with its own copy of tfjs' JavaScript and WebAssembly, cold: measured on the lecture model
 * at batch 256 (a fresh 2-thread trainer, quiet machine, 2026-12-02 13:30 UTC), a thread's
 * gradient took ~30–32 ms over steps 1–40, 25.6–27.2 ms over steps 41–80 and 24–25 ms from about
 * step 80 on, while the main thread is warm from the bench's earlier measurements. With 2
 * warm-up steps (until 2026-12-02 07:00) and then 40, two threads were timed partly at the fresh
 * worker's speed: 40 timed steps after 40 warm-up ones carried ~2 ms per step of it.
 */
export const WARMUP_STEPS = 120;

/** The lecture model, hidden widths scaled by `width` (×0.5, ×1, ×2 in the scaling table). */
export function lectureSpec(width = 1): ModelSpec {
  return {
    kind: 'deep',
    latent: 2,
    encoder: [Math.round(500 * width), Math.round(300 * width)],
    decoder: 'mirror',
    activation: 'relu',
    output_activation: 'sigmoid',
  } as ModelSpec;
}

export interface ParallelBenchOptions {
  threads: number;
  batchSize: number;
  /** Timed steps (WARMUP_STEPS untimed ones run first). */
  batches: number;
  width?: number;
  /** Images to train on (row-major, 784 per row; at least 8 batches); random pixels when absent. */
  images?: Float32Array;
}

export interface ParallelBenchResult {
  threads: number;
  samples_per_second: number;
  /** Milliseconds per optimizer step. */
  step_ms: number;
  final_loss: number;
  params: number;
  /** CPU time of the whole process (all threads) per step. */
  cpu_ms_per_step: number;
  /** Where the main thread's time per step went (threads ≥ 2). */
  main_thread_ms: Record<string, number> | null;
}

function randomPixels(count: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = rng.next();
  return values;
}

export async function benchParallelTraining(opts: ParallelBenchOptions): Promise<ParallelBenchResult> {
  await selectBackend('wasm');
  const spec = lectureSpec(opts.width ?? 1);
  const model = (await buildModel(spec, { inputDim: DIM, seed: SEED })) as TrainableAutoencoder;
  // Consecutive batches of the images (or of a pool of random ones), so that each step reads
  // fresh inputs as training does.
  const pool = opts.images ?? randomPixels(8 * opts.batchSize * DIM, SEED);
  const poolSize = Math.floor(pool.length / (opts.batchSize * DIM));
  if (poolSize < 1) throw new Error(`benchParallelTraining: fewer images than one batch of ${opts.batchSize}`);
  const batchAt = (b: number) => pool.subarray((b % poolSize) * opts.batchSize * DIM, ((b % poolSize) + 1) * opts.batchSize * DIM);
  let step: (batch: Float32Array) => Promise<number> | number;
  let trainer: DataParallelTrainer | null = null;
  let optimizer: OptimizerStep | null = null;
  if (opts.threads === 1) {
    // The single-thread step of src/train/index.ts (its OptimizerStep: on wasm, the fused Adam).
    const variables = model.network.trainableWeights.map((w) => w.read() as tf.Variable);
    const optimizerStep = new OptimizerStep({ optimizer: 'adam', learningRate: 1e-3, weightDecay: 0, gradientClip: null }, variables, () => false);
    optimizer = optimizerStep;
    step = (batch) => {
      const loss = tf.tidy(() => {
        const x = tf.tensor2d(batch, [opts.batchSize, DIM]);
        return optimizerStep.step(() => tf.mean(tf.squaredDifference(model.network.apply(x, { training: true }) as tf.Tensor, x)) as tf.Scalar);
      });
      const value = loss.dataSync()[0]!;
      loss.dispose();
      return value;
    };
  } else {
    trainer = await DataParallelTrainer.start({
      threads: opts.threads,
      model,
      recipe: { builder: replicaBuilderUrl, model: spec, inputDim: DIM, seed: SEED },
      optimizer: 'adam',
      learningRate: 1e-3,
      maxRows: opts.batchSize,
      dim: DIM,
    });
    step = (batch) => trainer!.step(batch, opts.batchSize);
  }
  try {
    for (let b = 0; b < WARMUP_STEPS; b++) await step(batchAt(b));
    if (trainer) for (const k of Object.keys(trainer.timings) as (keyof typeof trainer.timings)[]) trainer.timings[k] = 0;
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    let loss = Number.NaN;
    for (let b = 0; b < opts.batches; b++) loss = await step(batchAt(WARMUP_STEPS + b));
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    const profile = trainer ? Object.fromEntries(Object.entries(trainer.timings).map(([k, v]) => [k, k === 'steps' ? v : v / trainer!.timings.steps])) : null;
    return {
      cpu_ms_per_step: (cpu.user + cpu.system) / 1000 / opts.batches,
      main_thread_ms: profile as Record<string, number> | null,
      threads: opts.threads,
      samples_per_second: (opts.batches * opts.batchSize) / seconds,
      step_ms: (seconds * 1000) / opts.batches,
      final_loss: loss,
      params: model.paramCount(),
    };
  } finally {
    await trainer?.dispose();
    optimizer?.dispose();
    model.dispose();
  }
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : (process.argv[i + 1] ?? fallback);
}

async function main(): Promise<void> {
  const threads = arg('threads', '1,2').split(',').map(Number);
  const batchSize = Number(arg('batch-size', '256'));
  const batches = Number(arg('batches', '20'));
  const repeats = Number(arg('repeats', '3'));
  const width = Number(arg('width', '1'));
  console.log(`${os.cpus()[0]?.model ?? 'CPU'}, ${os.cpus().length} cores; batch ${batchSize}, width ×${width}, ${batches} timed steps; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const results = new Map<number, ParallelBenchResult[]>();
  for (let r = 0; r < repeats; r++) {
    const order = r % 2 === 0 ? threads : [...threads].reverse();
    for (const t of order) {
      const res = await benchParallelTraining({ threads: t, batchSize, batches, width });
      results.set(t, [...(results.get(t) ?? []), res]);
      console.log(`  repeat ${r + 1}, ${t} thread${t === 1 ? '' : 's'}: ${res.samples_per_second.toFixed(0)} samples/s, ${res.step_ms.toFixed(1)} ms/step, ${res.cpu_ms_per_step.toFixed(1)} CPU-ms/step, loss ${res.final_loss.toPrecision(6)}${res.main_thread_ms ? ` main ${Object.entries(res.main_thread_ms).filter(([k]) => k !== 'steps').map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}` : ''}; load ${os.loadavg()[0]!.toFixed(2)}`);
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = med(results.get(threads[0]!)!.map((x) => x.samples_per_second));
  for (const t of threads) {
    const m = med(results.get(t)!.map((x) => x.samples_per_second));
    console.log(`${t} thread${t === 1 ? '' : 's'}: median ${m.toFixed(0)} samples/s, ${(m / base).toFixed(2)}×`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
