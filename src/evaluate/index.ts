// EVALUATE stage: reconstruction metrics, codes, latent density models and the data behind every
// picture. Works on plain typed arrays through the Autoencoder interface.
export { computeReconstructionMetrics, encodeSplit, EVAL_BATCH, type ReconstructionMetrics } from './metrics.ts';
// Density kinds live in the plugin layer (src/kinds/density/); evaluate fits them on the codes.
export { densityKinds, fitDensity } from '../kinds/density/registry.ts';
export type { DensityFitOptions, DensityFitter } from '../kinds/density/types.ts';
export { computePictureData, pickSpreadAcrossLabels, MANIFOLD_PERCENTILES, MANIFOLD_PLANE_STDS } from './pictures.ts';
