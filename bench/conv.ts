// Training throughput of the convolutional autoencoder of experiments/conv-156.yaml on the wasm
// backend (with aelab's convolution-gradient kernels, src/model/wasm-conv-backprop.ts) against
// tfjs' pure-JS cpu backend, in one process, alternating. Stock wasm cannot train it at all (no
// Conv2DBackpropFilter kernel), so cpu is the only other backend available here.
//
//   node bin/run-ts.mjs bench/conv.ts [--repeats R] [--batches N]
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildArchitecture, type EncoderEntry } from '../src/model/architecture.ts';
import { layerSeed } from '../src/model/network.ts';
import { installWasmConvBackprop } from '../src/model/wasm-conv-backprop.ts';
import { installWasmFastMatmul } from '../src/model/wasm-fast-matmul.ts';
import { createRng } from '../src/shared/random.ts';

/** experiments/conv-156.yaml's encoder (the decoder mirrors it). */
export const CONV_ENCODER: EncoderEntry[] = [
  { conv: 32, kernel: 3, stride: 2 },
  { conv: 32, kernel: 3, stride: 2 },
];
export const CONV_LATENT = 2;
const SEED = 20240601;

export interface ConvBenchResult {
  backend: string;
  samples_per_second: number;
  samples_per_cpu_second: number;
  final_loss: number;
}

export function convArchitectureLabel(): string {
  return buildArchitecture(options()).shapes.join(' → ');
}

function options() {
  return {
    imageShape: [28, 28, 1] as [number, number, number],
    encoder: CONV_ENCODER,
    decoder: 'mirror' as const,
    latent: CONV_LATENT,
    activation: 'relu' as const,
    outputActivation: 'sigmoid' as const,
    dropout: 0,
    batchNorm: false,
    seed: SEED,
    layerSeed,
  };
}

async function useBackend(name: 'wasm' | 'cpu'): Promise<void> {
  if (tf.getBackend() !== name && !(await tf.setBackend(name))) throw new Error(`the tfjs ${name} backend could not be initialised`);
  await tf.ready();
  if (name === 'wasm') {
    installWasmFastMatmul();
    installWasmConvBackprop();
  }
}

/** `batches` timed Adam steps (after one warm-up step) of the conv autoencoder on random pixels. */
export async function benchConvTraining(opts: { backend: 'wasm' | 'cpu'; batchSize: number; batches: number }): Promise<ConvBenchResult> {
  await useBackend(opts.backend);
  const model = tf.sequential({ layers: buildArchitecture(options()).layers });
  const optimizer = tf.train.adam(1e-3);
  const rng = createRng(SEED);
  const x = tf.tensor2d(Float32Array.from({ length: opts.batchSize * 784 }, () => rng.next()), [opts.batchSize, 784]);
  const step = (): tf.Scalar =>
    tf.tidy(() => optimizer.minimize(() => tf.mean(tf.squaredDifference(model.apply(x, { training: true }) as tf.Tensor, x)) as tf.Scalar, true)!);
  try {
    step().dispose();
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    let loss = 0;
    for (let b = 0; b < opts.batches; b++) {
      const l = step();
      loss = l.dataSync()[0]!;
      l.dispose();
    }
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    const samples = opts.batches * opts.batchSize;
    return { backend: opts.backend, samples_per_second: samples / seconds, samples_per_cpu_second: samples / ((cpu.user + cpu.system) / 1e6), final_loss: loss };
  } finally {
    x.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} needs a positive integer`);
  return value;
}

async function main(): Promise<void> {
  tf.enableProdMode();
  const repeats = argValue('repeats', 3);
  const batches = argValue('batches', 4);
  console.log(`conv autoencoder ${convArchitectureLabel()}, adam, MSE, batch 256, ${batches} timed batches, ${repeats} repeats`);
  for (let r = 0; r < repeats; r++) {
    const order = r % 2 === 0 ? (['wasm', 'cpu'] as const) : (['cpu', 'wasm'] as const);
    for (const backend of order) {
      const res = await benchConvTraining({ backend, batchSize: 256, batches });
      console.log(`  repeat ${r + 1} ${backend}: ${res.samples_per_second.toFixed(0)} samples/s (per CPU-second ${res.samples_per_cpu_second.toFixed(0)}), loss ${res.final_loss.toPrecision(5)}`);
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
