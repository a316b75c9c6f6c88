// Sample quality as numbers, in the feature space of the classifier (penultimate layer):
//   fd_samples          decoded density samples vs the test images (as many samples as test images)
//   fd_reconstructions  g(f(x)) of the test images vs the test images
//   fd_real             validation vs test images of the same digits: the floor a perfect model reaches
//   recon_accuracy      the classifier's accuracy on reconstructions (original_accuracy: on the originals)
//   sample_class_share  the classifier's class histogram of the samples; sample_in_digits its share in data.digits
import type { Split } from '../../shared/types.ts';
import type { FeatureClassifier } from './classifier.ts';
import { frechetDistance, gaussianStats, type GaussianStats } from './frechet.ts';

export interface QualityInputs {
  classifier: FeatureClassifier;
  /** n×latent → n×dim; the run's decoder. */
  decode(z: Float32Array, n: number): Float32Array;
  /** n×dim → n×dim; the run's g(f(x)). */
  reconstruct(x: Float32Array, n: number): Float32Array;
  /** The run's density model over codes (or a VAE's prior): n row-major samples for a seed. */
  density: { sample(n: number, seed: number): Float32Array };
  /** The run's splits (only data.digits). */
  validation: Split;
  test: Split;
  digits: number[];
  seed: number;
}

export interface QualityMetrics {
  fd_samples: number;
  fd_reconstructions: number;
  /** null when there are fewer than two validation images. */
  fd_real: number | null;
  recon_accuracy: number;
  original_accuracy: number;
  /** Class (as a string) → share of the samples the classifier assigns to it; every class has a key. */
  sample_class_share: Record<string, number>;
  sample_in_digits: number;
  /** How many samples were drawn (= test images). */
  quality_samples: number;
}

export interface QualityResult {
  metrics: QualityMetrics;
  /** The decoded samples and their predicted classes (tests and pictures may reuse them). */
  samples: { images: Float32Array; predictions: Uint8Array; count: number };
}

export function computeQualityMetrics(inputs: QualityInputs): QualityResult {
  const { classifier, test, validation } = inputs;
  if (test.count < 2) throw new Error(`computeQualityMetrics: needs at least 2 test images, got ${test.count}`);
  const dim = classifier.featureDim;
  const stats = (x: Float32Array, n: number): { stats: GaussianStats; predictions: Uint8Array } => {
    const { features, predictions } = classifier.featuresAndPredictions(x, n);
    return { stats: gaussianStats(features, n, dim), predictions };
  };

  const testSide = stats(test.images, test.count);
  const n = test.count;
  const codes = inputs.density.sample(n, inputs.seed);
  const sampleImages = inputs.decode(codes, n);
  const sampleSide = stats(sampleImages, n);
  const reconSide = stats(inputs.reconstruct(test.images, n), n);
  const fdReal = validation.count >= 2 ? frechetDistance(stats(validation.images, validation.count).stats, testSide.stats) : null;

  const classCounts = new Array<number>(classifier.classes).fill(0);
  for (const p of sampleSide.predictions) classCounts[p]! += 1;
  const classShare: Record<string, number> = {};
  classCounts.forEach((count, c) => (classShare[String(c)] = count / n));
  const wanted = new Set(inputs.digits);
  let inDigits = 0;
  for (const p of sampleSide.predictions) if (wanted.has(p)) inDigits++;

  return {
    metrics: {
      fd_samples: frechetDistance(sampleSide.stats, testSide.stats),
      fd_reconstructions: frechetDistance(reconSide.stats, testSide.stats),
      fd_real: fdReal,
      recon_accuracy: agreement(reconSide.predictions, test.labels),
      original_accuracy: agreement(testSide.predictions, test.labels),
      sample_class_share: classShare,
      sample_in_digits: inDigits / n,
      quality_samples: n,
    },
    samples: { images: sampleImages, predictions: sampleSide.predictions, count: n },
  };
}

/** Fréchet distance of any image set against a reference set, in the classifier's feature space. */
export function frechetDistanceOfImages(classifier: FeatureClassifier, a: Float32Array, nA: number, b: Float32Array, nB: number): number {
  const d = classifier.featureDim;
  return frechetDistance(gaussianStats(classifier.features(a, nA), nA, d), gaussianStats(classifier.features(b, nB), nB, d));
}

function agreement(predicted: Uint8Array, labels: Uint8Array): number {
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) right++;
  return right / labels.length;
}
