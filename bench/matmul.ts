// Micro-benchmark for the wasm fast transposed-matmul kernels (src/model/wasm-fast-matmul.ts):
// trains the lecture autoencoder (784-500-300-2-300-500-784) on random data with the stock wasm
// kernels and with the override, in one process, and times XᵀX for a 16384×784 X both ways.
//
//   node bin/run-ts.mjs bench/matmul.ts [--batches N] [--repeats R] [--batch-size B]
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createRng } from '../src/shared/random.ts';
import {
  installWasmFastMatmul,
  isWasmFastMatmulInstalled,
  uninstallWasmFastMatmul,
} from '../src/model/wasm-fast-matmul.ts';

export const LECTURE_WIDTHS = [784, 500, 300, 2, 300, 500, 784] as const;
const INPUT_DIM = 784;
const SEED = 20240601;

export interface WasmTrainingBenchOptions {
  /** true: fast transposed matmuls installed; false: stock wasm kernels. */
  fast: boolean;
  batchSize: number;
  /** Timed batches (one untimed warm-up batch runs first). */
  batches: number;
}

export async function useWasmBackend(): Promise<void> {
  if (tf.getBackend() !== 'wasm') {
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new Error('the tfjs wasm backend could not be initialised');
  }
  await tf.ready();
}

function setFastMatmul(fast: boolean): void {
  if (fast) installWasmFastMatmul();
  else uninstallWasmFastMatmul();
}

/** The lecture model: relu hidden layers, linear 2-d code, sigmoid output. */
function buildLectureModel(): tf.Sequential {
  const model = tf.sequential();
  const codeLayer = LECTURE_WIDTHS.indexOf(Math.min(...LECTURE_WIDTHS) as (typeof LECTURE_WIDTHS)[number]);
  for (let i = 1; i < LECTURE_WIDTHS.length; i++) {
    const isCode = i === codeLayer;
    const isOutput = i === LECTURE_WIDTHS.length - 1;
    model.add(
      tf.layers.dense({
        units: LECTURE_WIDTHS[i]!,
        activation: isOutput ? 'sigmoid' : isCode ? 'linear' : 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: SEED + i }),
        ...(i === 1 ? { inputShape: [INPUT_DIM] } : {}),
      }),
    );
  }
  return model;
}

/** Uniform [0, 1) values, like pixel intensities. */
function randomValues(count: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = rng.next();
  return values;
}

export interface WasmTrainingBenchResult {
  /** Training samples per wall-clock second. */
  samples_per_second: number;
  /**
   * Training samples per second of this process's CPU time: on a machine shared with other work
   * this moves much less than the wall-clock figure (wasm runs on one thread).
   */
  samples_per_cpu_second: number;
  /** Loss of the last batch: the same seeds give the same model and data, so stock and fast agree. */
  final_loss: number;
}

/**
 * Trains the lecture model for `batches` Adam steps (MSE loss) on random images and returns the
 * training throughput. Leaves the fast-matmul setting as it found it.
 */
export async function benchWasmTraining(opts: WasmTrainingBenchOptions): Promise<WasmTrainingBenchResult> {
  await useWasmBackend();
  const wasInstalled = isWasmFastMatmulInstalled();
  setFastMatmul(opts.fast);
  const model = buildLectureModel();
  const optimizer = tf.train.adam(1e-3);
  // A small pool of distinct batches so that every step reads fresh inputs, as training does.
  const poolSize = Math.min(opts.batches + 1, 8);
  const pool = tf.tensor2d(randomValues(poolSize * opts.batchSize * INPUT_DIM, SEED), [poolSize * opts.batchSize, INPUT_DIM]);
  const batches = tf.split(pool, poolSize, 0);
  pool.dispose();
  const step = (x: tf.Tensor): tf.Scalar =>
    tf.tidy(
      () =>
        optimizer.minimize(
          () => tf.losses.meanSquaredError(x, model.apply(x, { training: true }) as tf.Tensor),
          true,
        ) as tf.Scalar,
    );
  try {
    // Warm-up: creates the optimizer's slots and the wasm operators' first allocations.
    (step(batches[0]!)).dispose();
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    let loss: tf.Scalar | null = null;
    for (let b = 0; b < opts.batches; b++) {
      loss?.dispose();
      loss = step(batches[(b + 1) % poolSize]!);
    }
    // Reading the last loss waits for all queued work (wasm runs synchronously anyway).
    const finalLoss = loss === null ? Number.NaN : (await loss.data())[0]!;
    loss?.dispose();
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const samples = opts.batches * opts.batchSize;
    return { samples_per_second: samples / seconds, samples_per_cpu_second: samples / cpuSeconds, final_loss: finalLoss };
  } finally {
    for (const b of batches) b.dispose();
    optimizer.dispose();
    model.dispose();
    setFastMatmul(wasInstalled);
  }
}

/** Milliseconds for one XᵀX with X rows×cols, transposeA flag set (median of `repeats`). */
export async function benchGram(opts: { fast: boolean; rows: number; cols: number; repeats: number }): Promise<number> {
  await useWasmBackend();
  const wasInstalled = isWasmFastMatmulInstalled();
  setFastMatmul(opts.fast);
  const x = tf.tensor2d(randomValues(opts.rows * opts.cols, SEED + 1), [opts.rows, opts.cols]);
  try {
    const times: number[] = [];
    for (let r = 0; r < opts.repeats; r++) {
      const start = performance.now();
      const gram = tf.matMul(x, x, true, false);
      gram.dataSync();
      times.push(performance.now() - start);
      gram.dispose();
    }
    return median(times);
  } finally {
    x.dispose();
    setFastMatmul(wasInstalled);
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
}

function loadAverage(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(' ');
}

async function main(): Promise<void> {
  const batchSize = argValue('batch-size', 256);
  const batches = argValue('batches', 12);
  const repeats = argValue('repeats', 5);
  await useWasmBackend();
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`${cpu}, ${os.cpus().length} cores, node ${process.version}, tfjs ${tf.version.tfjs} (${tf.getBackend()})`);
  console.log(`load average at start: ${loadAverage()}`);
  console.log(`lecture model ${LECTURE_WIDTHS.join('-')}, adam, MSE; batch ${batchSize}, ${batches} timed batches, ${repeats} repeats`);
  const stock: WasmTrainingBenchResult[] = [];
  const fast: WasmTrainingBenchResult[] = [];
  // Interleaved so that load from other processes on the machine hits both alike.
  for (let r = 0; r < repeats; r++) {
    stock.push(await benchWasmTraining({ fast: false, batchSize, batches }));
    fast.push(await benchWasmTraining({ fast: true, batchSize, batches }));
    const [st, fa] = [stock[r]!, fast[r]!];
    console.log(
      `  repeat ${r + 1}: stock ${st.samples_per_second.toFixed(0)}, fast ${fa.samples_per_second.toFixed(0)} samples/s` +
        ` (per CPU-second ${st.samples_per_cpu_second.toFixed(0)}, ${fa.samples_per_cpu_second.toFixed(0)});` +
        ` final loss ${st.final_loss.toPrecision(6)}, ${fa.final_loss.toPrecision(6)}`,
    );
  }
  console.log('median of repeats           stock     fast    ratio');
  for (const [label, key] of [
    ['samples / s', 'samples_per_second'],
    ['samples / CPU-second', 'samples_per_cpu_second'],
  ] as const) {
    const s = median(stock.map((x) => x[key]));
    const f = median(fast.map((x) => x[key]));
    console.log(`training ${label.padEnd(20)} ${s.toFixed(0).padStart(6)} ${f.toFixed(0).padStart(8)} ${(f / s).toFixed(2).padStart(7)}×`);
  }
  const gramFast = await benchGram({ fast: true, rows: 16384, cols: 784, repeats: 3 });
  const gramStock = await benchGram({ fast: false, rows: 16384, cols: 784, repeats: 1 });
  console.log(`XᵀX, X 16384×784 (ms)        ${gramStock.toFixed(0).padStart(6)} ${gramFast.toFixed(0).padStart(8)} ${(gramStock / gramFast).toFixed(2).padStart(7)}×`);
  console.log(`load average at end: ${loadAverage()}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
