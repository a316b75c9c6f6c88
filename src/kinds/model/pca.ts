// model.kind pca: exact principal component analysis, the optimal linear autoencoder. Fitted in
// closed form on the training images while it is built, so it has no train block and no
// objective. The implementation (tfjs) is src/model/pca.ts, loaded on first build or load.
import type { FittedModelKind, KindIssue } from './types.ts';

export const pcaKind: FittedModelKind<'pca'> = {
  kind: 'pca',
  label: 'PCA',
  order: 0,
  trainable: false,
  uses: [],
  whyIgnored: (key) =>
    key === 'train'
      ? 'model.kind is pca, which is computed exactly, without training'
      : key === 'model.tied'
        ? 'model.kind is pca, whose decoder already is its encoder transposed (orthonormal components)'
        : 'model.kind is pca, a linear projection with no hidden layers or activations',
  describe: (spec) => `PCA, latent ${spec.latent}`,
  check(ctx) {
    const errors: KindIssue[] = [];
    // Not merely ignored: PCA's code is an exact projection, so normalising it is a contradiction.
    if (ctx.wrote('model', 'batch_norm') && ctx.model.batch_norm === true) {
      errors.push({ path: ['model', 'batch_norm'], prefer: 'value', message: 'PCA has no layers to normalise (its code is the exact projection); remove batch_norm or use model.kind: deep' });
    }
    const latent = ctx.model.latent;
    if (ctx.input && typeof latent === 'number' && latent > ctx.input.pixels) {
      errors.push({ path: ['model', 'latent'], prefer: 'value', message: `PCA of ${ctx.input.name} has at most ${ctx.input.pixels} components, got ${latent}` });
    }
    return { errors, warnings: [] };
  },
  async build(spec, opts) {
    if (!opts.train) throw new Error('buildModel: kind pca needs opts.train (the training images) to fit');
    const { fitPcaOnce, PcaModel } = await import('../../model/pca.ts');
    // The seed plays no part in the fit: a sweep over seeds fits each latent size once per process.
    const { fit, timing } = fitPcaOnce(opts.train.images, opts.train.count, opts.inputDim, spec.latent);
    return new PcaModel(fit, timing);
  },
  async load(dir, manifest) {
    const { loadPca } = await import('../../model/pca.ts');
    return loadPca(dir, manifest);
  },
};
