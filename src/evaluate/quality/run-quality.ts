// One run's quality step, as the pipeline calls it: obtain the classifier (cache or train), compute
// the metrics, and hand back what metrics.json, run.json and the pictures need. The classifier
// stays open until the caller has labelled its picture samples, then the caller disposes it.
import { deriveSeed } from '../../shared/random.ts';
import type { ResolvedSpec } from '../../shared/spec-types.ts';
import type { Dataset, Split } from '../../shared/types.ts';
import type { ClassifierSettings } from './classifier.ts';
import { classifierCacheRoot, obtainClassifier, type LabelledSource, type ObtainOptions } from './cache.ts';
import { computeQualityMetrics, type QualityInputs, type QualityMetrics } from './metrics.ts';

export interface QualityStepInput extends ObtainOptions {
  cacheRoot: string;
  source: LabelledSource;
  settings: ClassifierSettings;
  model: Pick<QualityInputs, 'decode' | 'reconstruct'>;
  density: QualityInputs['density'];
  validation: Split;
  test: Split;
  digits: number[];
  /** The training split's count per digit (metrics' counts.train_by_digit), for the class chart. */
  trainByDigit: Record<string, number>;
  seed: number;
}

/** What run.json records about the classifier a run used. */
export interface ClassifierRecord {
  hash: string;
  dir: string;
  test_accuracy: number;
  /** True when this run trained it, false when it came from the cache. */
  trained: boolean;
  architecture: string;
  settings: ClassifierSettings;
}

export interface QualityStep {
  metrics: QualityMetrics & { classifier_test_accuracy: number };
  classifier: ClassifierRecord;
  classShares: { samples: Record<string, number>; training: Record<string, number>; digits: number[] };
  /** Predicted classes of any images (samples.png's); valid until dispose(). */
  predict(images: Float32Array, count: number): Uint8Array;
  dispose(): void;
}

export async function runQualityStep(input: QualityStepInput): Promise<QualityStep> {
  const cached = await obtainClassifier(input.cacheRoot, input.source, input.settings, input);
  const { classifier } = cached;
  try {
    const { metrics } = computeQualityMetrics({
      classifier,
      // Called through the object: a model's methods need their `this`.
      decode: (z, n) => input.model.decode(z, n),
      reconstruct: (x, n) => input.model.reconstruct(x, n),
      density: input.density,
      validation: input.validation,
      test: input.test,
      digits: input.digits,
      seed: input.seed,
    });
    const trainTotal = Object.values(input.trainByDigit).reduce((a, b) => a + b, 0);
    const training: Record<string, number> = {};
    for (const [digit, count] of Object.entries(input.trainByDigit)) training[digit] = trainTotal > 0 ? count / trainTotal : 0;
    return {
      metrics: { ...metrics, classifier_test_accuracy: cached.testAccuracy },
      classifier: {
        hash: cached.hash,
        dir: cached.dir,
        test_accuracy: cached.testAccuracy,
        trained: cached.trained,
        architecture: `${[classifier.inputDim, ...input.settings.hidden, classifier.classes].join('-')} ReLU MLP`,
        settings: input.settings,
      },
      classShares: { samples: metrics.sample_class_share, training, digits: [...input.digits] },
      predict: (images, count) => classifier.predict(images, count),
      dispose: () => classifier.dispose(),
    };
  } catch (err) {
    classifier.dispose();
    throw err;
  }
}

/**
 * runQualityStep with everything a run's spec decides taken from it (classifier settings, digits,
 * the samples' seed), so the pipeline and bench/quality-table.ts draw the very same samples.
 */
export function runQualityStepForRun(
  run: { spec: ResolvedSpec; data: Dataset; runsDir: string; source: LabelledSource; model: QualityStepInput['model']; density: QualityStepInput['density'] } & ObtainOptions,
): Promise<QualityStep> {
  const { spec, data } = run;
  return runQualityStep({
    cacheRoot: classifierCacheRoot(run.runsDir),
    source: run.source,
    settings: spec.evaluate.classifier,
    model: run.model,
    density: run.density,
    validation: data.validation,
    test: data.test,
    digits: spec.data.digits,
    trainByDigit: data.counts.train_by_digit,
    seed: deriveSeed(spec.seed, 'quality samples'),
    ...(run.say ? { say: run.say } : {}),
    ...(run.warn ? { warn: run.warn } : {}),
  });
}
