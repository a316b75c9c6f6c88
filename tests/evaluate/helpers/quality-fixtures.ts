// Real MNIST with all its labels, and classifier settings small enough for tests (the default
// classifier trains on 55,000 images for minutes; these train on a slice in a second or two).
import { loadAllLabels } from '../../../src/data/index.ts';
import { createRng } from '../../../src/shared/random.ts';
import type { ClassifierSettings, LabelledSource } from '../../../src/evaluate/quality/index.ts';

export function mnistAllLabels(): LabelledSource {
  const ds = loadAllLabels({ source: 'mnist', digits: [1], validation: 5000 }, { baseDir: process.cwd() });
  return { origin: ds.origin, height: ds.height, width: ds.width, dim: ds.dim, train: ds.train, test: ds.test };
}

/** Good enough (≈ 93–95 % on MNIST) to separate noise, decoded samples and real images. */
export const SLICE_CLASSIFIER: ClassifierSettings = { hidden: [128, 64], epochs: 2, batch_size: 64, learning_rate: 2e-3, seed: 5, limit: 8000 };

/** Smaller still, for the tests that spawn processes (each trains its own). */
export const TINY_CLASSIFIER: ClassifierSettings = { hidden: [32, 16], epochs: 1, batch_size: 64, learning_rate: 2e-3, seed: 6, limit: 1500 };

/** 4×4 "images" of three classes (a bright row per class plus noise): small enough for child processes. */
export function syntheticSource(): LabelledSource {
  const make = (count: number, seed: number) => {
    const rng = createRng(seed);
    const images = new Float32Array(count * 16);
    const labels = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      labels[i] = i % 3;
      for (let p = 0; p < 16; p++) images[i * 16 + p] = 0.2 * rng.next() + (Math.floor(p / 4) === labels[i] ? 0.8 : 0);
    }
    return { images, labels, count };
  };
  return { origin: 'synthetic 4×4 rows', height: 4, width: 4, dim: 16, train: make(600, 1), test: make(150, 2) };
}
