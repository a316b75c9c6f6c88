// model.kind linear: the lecture's "f and g linear" autoencoder (z = Ax + b, x̂ = out(Cz + d)),
// trained by gradient descent on the reconstruction MSE; PCA is its exact optimum. The network
// (tfjs) is src/model/network.ts, loaded on first build or load.
import { denseMseNetwork, latentCompressionWarnings, reconstructionMse } from './common.ts';
import type { TrainableModelKind } from './types.ts';

export const linearKind: TrainableModelKind<'linear'> = {
  kind: 'linear',
  label: 'linear autoencoder',
  order: 1,
  trainable: true,
  objective: reconstructionMse,
  dataParallel: true,
  uses: ['model.output_activation', 'model.tied', 'model.code_l1', 'train'],
  whyIgnored: () => 'model.kind is linear, which has no hidden layers',
  // The truly linear g that PCA solves exactly; the schema's sigmoid default suits deep models.
  defaults: { output_activation: 'linear' },
  describe: (spec) => `linear autoencoder, latent ${spec.latent}${spec.tied ? ', tied weights' : ''}`,
  check: (ctx) => ({ errors: [], warnings: latentCompressionWarnings(ctx) }),
  // Tied: x̂ = out(Aᵀz + d), the classic tied linear autoencoder.
  ...denseMseNetwork('linear', (spec) => ({ encoderWidths: [], decoderWidths: [], activation: null, tied: spec.tied })),
};
