// The feature classifier, its cache and the quality metrics on real MNIST, with a classifier
// trained on a slice (the default one is measured in the README, not here).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.ts';
import { fitDensity } from '../../src/evaluate/index.ts';
import {
  classifierSkipReason,
  computeQualityMetrics,
  FeatureClassifier,
  frechetDistanceOfImages,
  obtainClassifier,
  type CachedClassifier,
  type LabelledSource,
} from '../../src/evaluate/quality/index.ts';
import { fitPca, PcaModel, selectBackend } from '../../src/model/index.ts';
import { createRng } from '../../src/shared/random.ts';
import type { Dataset } from '../../src/shared/types.ts';
import { runConcurrently } from '../runs/helpers/children.ts';
import { mnistAllLabels, SLICE_CLASSIFIER, syntheticSource, TINY_CLASSIFIER } from './helpers/quality-fixtures.ts';

let source: LabelledSource;
let digits156: Dataset;
let cacheRoot: string;
let first: CachedClassifier;
const warnings: string[] = [];
const said: string[] = [];

beforeAll(async () => {
  await selectBackend();
  source = mnistAllLabels();
  digits156 = loadDataset({ source: 'mnist', digits: [1, 5, 6], validation: 5000, limit: 3000 }, { baseDir: process.cwd() });
  cacheRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'aelab-classifiers-'));
  first = await obtainClassifier(cacheRoot, source, SLICE_CLASSIFIER, { say: (l) => said.push(l), warn: (l) => warnings.push(l) });
});

afterAll(() => {
  first?.classifier.dispose();
  fs.rmSync(cacheRoot, { recursive: true, force: true });
});

describe('feature classifier and its cache', () => {
  it('trains on all ten labels of the source and records its test accuracy', () => {
    expect(source.train.count).toBe(55_000);
    expect(new Set(source.train.labels).size).toBe(10);
    expect(first.trained).toBe(true);
    expect(first.classifier.classes).toBe(10);
    expect(first.classifier.featureDim).toBe(64);
    expect(first.testAccuracy).toBeGreaterThan(0.9);
    expect(said.some((l) => /test accuracy \d+\.\d\d %/.test(l))).toBe(true);
    const json = JSON.parse(fs.readFileSync(path.join(first.dir, 'classifier.json'), 'utf8'));
    expect(json.test_accuracy).toBe(first.testAccuracy);
    expect(json.hash_inputs.settings).toEqual(SLICE_CLASSIFIER);
    expect(json.hash_inputs.data).toMatchObject({ classes: 10, n_train: 8000, n_test: 10_000 });
    expect(path.dirname(first.dir)).toBe(cacheRoot);
    // Nothing but the entry is left in the cache folder (no temp folders).
    expect(fs.readdirSync(cacheRoot)).toEqual([first.hash]);
  });

  it('is reused from the cache on the second call, with identical outputs', async () => {
    const lines: string[] = [];
    const again = await obtainClassifier(cacheRoot, source, SLICE_CLASSIFIER, { say: (l) => lines.push(l) });
    try {
      expect(again.trained).toBe(false);
      expect(lines).toEqual([]);
      expect(again.hash).toBe(first.hash);
      expect(again.testAccuracy).toBe(first.testAccuracy);
      const x = source.test.images.subarray(0, 20 * source.dim);
      expect(again.classifier.features(x, 20)).toEqual(first.classifier.features(x, 20));
    } finally {
      again.classifier.dispose();
    }
  });

  it('other settings get another entry', async () => {
    const other = { ...SLICE_CLASSIFIER, limit: 1000, epochs: 1 };
    const got = await obtainClassifier(cacheRoot, source, other);
    try {
      expect(got.trained).toBe(true);
      expect(got.hash).not.toBe(first.hash);
    } finally {
      got.classifier.dispose();
      fs.rmSync(got.dir, { recursive: true });
    }
  });

  it('rebuilds a damaged entry with a warning', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aelab-classifiers-damaged-'));
    const small = syntheticSource();
    try {
      const built = await obtainClassifier(root, small, TINY_CLASSIFIER);
      built.classifier.dispose();
      const weights = path.join(built.dir, 'weights.bin');
      fs.writeFileSync(weights, fs.readFileSync(weights).subarray(0, 100));
      const warned: string[] = [];
      const rebuilt = await obtainClassifier(root, small, TINY_CLASSIFIER, { warn: (l) => warned.push(l) });
      rebuilt.classifier.dispose();
      expect(rebuilt.trained).toBe(true);
      expect(warned).toHaveLength(1);
      expect(warned[0]).toContain(built.dir);
      expect(warned[0]).toMatch(/damaged .*weights hold 100 bytes.*rebuilding/);
      // Garbage in classifier.json too.
      fs.writeFileSync(path.join(built.dir, 'classifier.json'), '{"format": 1, "hash": ');
      const again = await obtainClassifier(root, small, TINY_CLASSIFIER, { warn: (l) => warned.push(l) });
      again.classifier.dispose();
      expect(again.trained).toBe(true);
      expect(warned[1]).toMatch(/damaged \(.*JSON/);
      const reused = await obtainClassifier(root, small, TINY_CLASSIFIER);
      reused.classifier.dispose();
      expect(reused.trained).toBe(false);
      expect(fs.readdirSync(root)).toEqual([built.hash]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('survives two processes building the same entry at once', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aelab-classifiers-race-'));
    try {
      const outputs = await runConcurrently('tests/evaluate/helpers/classifier-child.ts', [[root], [root]], path.join(root, '.sync'));
      const results = outputs.map((o) => JSON.parse(o) as { hash: string; trained: boolean; accuracy: number; features: number[] });
      expect(results[0]!.hash).toBe(results[1]!.hash);
      expect(results[0]!.accuracy).toBe(results[1]!.accuracy);
      expect(results[0]!.features).toEqual(results[1]!.features);
      expect(results.some((r) => r.trained)).toBe(true);
      // One whole entry and no temp or damaged folders; this process reuses it without training.
      expect(fs.readdirSync(root).filter((n) => n !== '.sync')).toEqual([results[0]!.hash]);
      const reused = await obtainClassifier(root, syntheticSource(), TINY_CLASSIFIER);
      reused.classifier.dispose();
      expect(reused.trained).toBe(false);
      expect(reused.testAccuracy).toBe(results[0]!.accuracy);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('data with one class (or none) skips quality metrics with the reason', () => {
    expect(classifierSkipReason({ train: { labels: new Uint8Array(10).fill(3), count: 10 } })).toMatch(/only one class \(3\)/);
    expect(classifierSkipReason({ train: { labels: null, count: 10 } })).toMatch(/no labels/);
    expect(classifierSkipReason(source)).toBeNull();
  });

  it('has no tensor leaks in features and predictions', () => {
    const before = tf.memory().numTensors;
    first.classifier.featuresAndPredictions(source.test.images.subarray(0, 1500 * source.dim), 1500);
    expect(tf.memory().numTensors).toBe(before);
    const c = FeatureClassifier.initial(4, [3], 2, 1);
    c.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('quality metrics on real MNIST digits 1, 5, 6', () => {
  it('rank uniform noise ≫ decoded PCA samples ≫ real validation images', () => {
    const { train, validation, test } = digits156;
    const dim = digits156.dim;
    const { fit } = fitPca(train.images, train.count, dim, 8);
    const model = new PcaModel(fit);
    const codes = model.encode(train.images, train.count);
    const density = fitDensity('gaussian-full', codes, train.count, 8, { components: 1, seed: 1 });
    const before = tf.memory().numTensors;
    const { metrics, samples } = computeQualityMetrics({
      classifier: first.classifier,
      decode: (z, n) => model.decode(z, n),
      reconstruct: (x, n) => model.reconstruct(x, n),
      density,
      validation,
      test,
      digits: [1, 5, 6],
      seed: 42,
    });
    expect(tf.memory().numTensors).toBe(before);

    const rng = createRng(9);
    const noise = Float32Array.from({ length: test.count * dim }, () => rng.next());
    const fdNoise = frechetDistanceOfImages(first.classifier, noise, test.count, test.images, test.count);

    expect(metrics.quality_samples).toBe(test.count);
    expect(samples.count).toBe(test.count);
    expect(metrics.fd_real).not.toBeNull();
    expect(fdNoise).toBeGreaterThan(5 * metrics.fd_samples);
    expect(metrics.fd_samples).toBeGreaterThan(3 * metrics.fd_real!);
    // Reconstructions are closer to the test images than free samples are.
    expect(metrics.fd_reconstructions).toBeLessThan(metrics.fd_samples);
    expect(metrics.fd_reconstructions).toBeGreaterThan(metrics.fd_real!);

    // The classifier knows the originals; 8 principal components keep most digits recognisable.
    expect(metrics.original_accuracy).toBeGreaterThan(0.9);
    expect(metrics.recon_accuracy).toBeGreaterThan(0.7);

    const shares = Object.values(metrics.sample_class_share);
    expect(Object.keys(metrics.sample_class_share)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    const inDigits = metrics.sample_class_share['1']! + metrics.sample_class_share['5']! + metrics.sample_class_share['6']!;
    expect(metrics.sample_in_digits).toBeCloseTo(inDigits, 10);
    // Blurry PCA samples of 1/5/6 are mostly read as 1, 5 or 6, but not all.
    expect(metrics.sample_in_digits).toBeGreaterThan(0.5);
    expect(metrics.sample_in_digits).toBeLessThan(1);

    // The same seed draws the same samples; another seed other ones.
    const again = computeQualityMetrics({ classifier: first.classifier, decode: (z, n) => model.decode(z, n), reconstruct: (x, n) => model.reconstruct(x, n), density, validation, test, digits: [1, 5, 6], seed: 42 });
    expect(again.metrics.fd_samples).toBe(metrics.fd_samples);
    model.dispose();
  });

  it('a model that only generates one digit shows it in the class histogram', () => {
    const { validation, test } = digits156;
    const dim = digits156.dim;
    // "Decoder" that returns a fixed real 1 whatever the code.
    const oneIndex = test.labels.indexOf(1);
    const aOne = test.images.subarray(oneIndex * dim, (oneIndex + 1) * dim);
    const { metrics } = computeQualityMetrics({
      classifier: first.classifier,
      decode: (_z, n) => {
        const out = new Float32Array(n * dim);
        for (let i = 0; i < n; i++) out.set(aOne, i * dim);
        return out;
      },
      reconstruct: (x) => x,
      density: { sample: (n) => new Float32Array(n * 2) },
      validation,
      test,
      digits: [1, 5, 6],
      seed: 1,
    });
    expect(metrics.sample_class_share['1']).toBe(1);
    expect(metrics.sample_in_digits).toBe(1);
    // Identity reconstructions: same features as the test images, accuracy equals the originals'.
    expect(metrics.fd_reconstructions).toBeLessThan(1e-6);
    expect(metrics.recon_accuracy).toBe(metrics.original_accuracy);
    expect(metrics.fd_samples).toBeGreaterThan(10 * metrics.fd_real!);
  });
});
