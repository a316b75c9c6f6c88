// A resolved spec, metrics and run facts for report tests.
import type { RunReportInput } from '../../src/render/index.ts';
import type { ResolvedSpec } from '../../src/shared/types.ts';

export function resolvedSpec(): ResolvedSpec {
  return {
    name: 'mnist-156-deep',
    description: 'Deep autoencoder on digits 1, 5, 6',
    seed: 42,
    data: { source: 'mnist', digits: [1, 5, 6], validation: 0.1 },
    model: { kind: 'deep', latent: 2, encoder: [500, 300], decoder: 'mirror', activation: 'relu', output_activation: 'sigmoid', likelihood: 'bernoulli', beta: 1, code_l1: 0, dropout: 0, batch_norm: false, tied: false },
    train: { epochs: 4, batch_size: 128, optimizer: 'adam', learning_rate: 0.001, lr_schedule: { kind: 'constant' }, warmup_epochs: 0, weight_decay: 0, gradient_clip: 0, loss: 'mse', early_stopping: { patience: 5, min_delta: 0 }, workers: 1, kl_warmup_epochs: 0, checkpoint_every: 1 },
    density: { kind: 'gaussian-diag', components: 3 },
    outputs: { reconstructions: 12, latent_points: 300, manifold_grid: 4, interpolations: 2, interpolation_steps: 5, samples: 7, explorer: true, explorer_images: 600, train_codes: true },
    evaluate: { quality: true, classifier: { hidden: [256, 128], epochs: 6, batch_size: 128, learning_rate: 0.001, seed: 1 }, iwae_samples: 100 },
  };
}

export function reportInput(dir: string, pictures: string[]): RunReportInput {
  return {
    dir,
    run: {
      id: '0001',
      name: 'mnist-156-deep',
      status: 'completed',
      started_at: '2025-11-28T11:53:02.123Z',
      finished_at: '2025-11-28T11:55:30.000Z',
      duration_seconds: 147.9,
      backend: { name: 'wasm', reason: 'tfjs-node not installed, fell back to wasm', tfjs_version: '4.22.0', fast_matmul: true },
    },
    metrics: {
      n_train: 16000, n_val: 1800, n_test: 2900, train_mse: 0.0231, val_mse: 0.0245, test_mse: 0.0243712,
      test_mse_by_digit: { '1': 0.0081, '5': 0.0362, '6': 0.0287 }, params: 1089886, epochs: 4, train_seconds: 142.3,
      samples_per_second: 3375.2, density_kind: 'gaussian-diag', density_log_likelihood_train: -3.412, density_log_likelihood_test: -3.498,
    },
    specYaml: 'name: mnist-156-deep\nmodel:\n  kind: deep\n',
    resolved: resolvedSpec(),
    pictures,
  };
}
