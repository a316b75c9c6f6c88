// Sample quality in a classifier's feature space: the classifier (trained once per data source and
// cached), the Fréchet distance, and the per-run metrics built from them.
export { FeatureClassifier, trainClassifier, type ClassifierSettings } from './classifier.ts';
export { classifierCacheRoot, classifierSkipReason, obtainClassifier, type CachedClassifier, type LabelledSource } from './cache.ts';
export { frechetDistance, gaussianStats, symmetricSqrt, traceSqrtProduct, type GaussianStats } from './frechet.ts';
export { computeQualityMetrics, frechetDistanceOfImages, type QualityInputs, type QualityMetrics, type QualityResult } from './metrics.ts';
export { runQualityStep, runQualityStepForRun, type ClassifierRecord, type QualityStep, type QualityStepInput } from './run-quality.ts';
