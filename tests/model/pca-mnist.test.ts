// PCA on the real digits-1/5/6 split (16,583 training images, 2,985 test images) against an
// independent reference: numpy's PCA (eigendecomposition of the float64 covariance of the same
// training images, scaled to [0, 1]) gives test MSE 0.042933 at k = 2.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.ts';
import { computeReconstructionMetrics } from '../../src/evaluate/index.ts';
import { fitPca, PcaModel, selectBackend } from '../../src/model/index.ts';

const NUMPY_TEST_MSE_K2 = 0.042933;

beforeAll(async () => {
  await selectBackend();
});

describe('PCA on MNIST digits 1, 5, 6 (validation 5000)', () => {
  it('k = 2: test MSE 0.04293, as numpy computes it (4 significant digits)', () => {
    const data = loadDataset({ source: 'mnist', digits: [1, 5, 6], validation: 5000 }, { baseDir: process.cwd() });
    expect([data.counts.n_train, data.counts.n_test]).toEqual([16_583, 2_985]);
    const { fit } = fitPca(data.train.images, data.train.count, data.dim, 2);
    const model = new PcaModel(fit);
    try {
      const metrics = computeReconstructionMetrics(model, data);
      expect(Number(metrics.test_mse.toPrecision(4))).toBe(0.04293);
      expect(Math.abs(metrics.test_mse - NUMPY_TEST_MSE_K2)).toBeLessThan(5e-6);
      // Training MSE of PCA is the discarded variance per pixel (a closed form of the fit itself).
      const discarded = fit.totalVariance - fit.explainedVariance.reduce((a, b) => a + b, 0);
      expect(metrics.train_mse).toBeCloseTo(discarded / data.dim, 5);
    } finally {
      model.dispose();
    }
  });
});
