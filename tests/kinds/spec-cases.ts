// Overrides applied to every experiments/*.yaml by spec-hashes.test.ts: every model kind and
// density kind, plus keys that some kinds ignore, so that the recorded hashes, warnings and
// errors pin down how each kind treats the spec.
const MODEL_KINDS = ['pca', 'linear', 'deep'];
const DENSITY_KINDS = ['gaussian-diag', 'gaussian-full', 'gmm'];

export const CASES: Record<string, unknown>[] = [
  {},
  ...MODEL_KINDS.flatMap((kind) => DENSITY_KINDS.map((density) => ({ 'model.kind': kind, 'density.kind': density }))),
  ...MODEL_KINDS.map((kind) => ({
    'model.kind': kind,
    'model.encoder': [784, 64, 2],
    'model.decoder': [2, 64],
    'model.activation': 'tanh',
    'model.output_activation': 'sigmoid',
    'train.epochs': 3,
    'train.early_stopping.min_delta': 0.1,
    'density.components': 3,
  })),
  ...MODEL_KINDS.map((kind) => ({ 'model.kind': kind, 'model.latent': 784 })),
  ...MODEL_KINDS.map((kind) => ({ 'model.kind': kind, 'model.latent': 785 })),
  ...MODEL_KINDS.map((kind) => ({ 'model.kind': kind, 'data.validation': 0, 'train.early_stopping.patience': 2 })),
  ...MODEL_KINDS.map((kind) => ({ 'model.kind': kind, 'data.limit': 10, 'train.batch_size': 64 })),
  { 'density.kind': 'gmm', 'density.components': 2 },
];
