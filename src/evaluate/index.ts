// EVALUATE stage: reconstruction metrics, codes, latent density models and the data behind every
// picture. Works on plain typed arrays through the Autoencoder interface.
export { computeReconstructionMetrics, encodeSplit, EVAL_BATCH, type ReconstructionMetrics } from './metrics.ts';
export { densityKinds, fitDensity } from './density/registry.ts';
export type { DensityFitOptions, DensityFitter } from './density/types.ts';
export { computePictureData, pickSpreadAcrossLabels, MANIFOLD_PERCENTILES, MANIFOLD_PLANE_STDS } from './pictures.ts';
