// Public API of the model stage: backend selection, the model registry (build / load), and the
// pieces tests and benchmarks reach for directly.
export { selectBackend, currentBackend, backendNames, type BackendName } from './backend.ts';
export { buildModel, loadModel, modelKinds, type BuildOptions } from './registry.ts';
export { fitPca, PcaModel, type PcaFit, type PcaFitTiming } from './pca.ts';
export { NetworkAutoencoder, hiddenActivations, LEAKY_RELU_ALPHA } from './network.ts';
export { symmetricTopEigen, type EigenResult } from '../shared/eigen.ts';
export { fileLoadHandler, fileSaveHandler } from './layers-io.ts';
export { buildReplica, replicaBuilderUrl } from './replica.ts';
