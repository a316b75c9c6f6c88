// Metrics that only some models have: a VAE's likelihood bounds and posterior-collapse check, and
// the sparsity of the codes when the objective penalised them (model.code_l1). All in nats per
// image; ELBOs are "higher is better", nll_iwae_test is −log p(x) ("lower is better").
import { deriveSeed } from '../shared/random.ts';
import type { Autoencoder, Dataset } from '../shared/types.ts';
import { isVariational } from '../shared/types.ts';
import { activeUnits, codeSparsity } from './code-stats.ts';
import { encodeSplit } from './metrics.ts';

export interface ModelMetricsOptions {
  /** evaluate.iwae_samples */
  iwaeSamples: number;
  /** model.code_l1; code_sparsity is reported when it is above 0. */
  codeL1: number;
  seed: number;
  /** Test codes (μ(x) for a VAE) when already computed. */
  testCodes?: Float32Array;
  /** Told before the slow IWAE pass starts, so a long evaluation shows progress. */
  onProgress?: (message: string) => void;
}

export function computeModelMetrics(model: Autoencoder, data: Dataset, opts: ModelMetricsOptions): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  const testCodes = opts.testCodes ?? encodeSplit(model, data.test);
  if (isVariational(model)) {
    const evidence = (split: Dataset['train'], name: string) => model.evidence(split.images, split.count, deriveSeed(opts.seed, `evaluate:elbo:${name}`));
    const test = evidence(data.test, 'test');
    out.elbo_train = evidence(data.train, 'train').elbo;
    out.elbo_val = data.validation.count > 0 ? evidence(data.validation, 'val').elbo : null;
    out.elbo_test = test.elbo;
    out.kl_test = test.kl;
    out.reconstruction_nll_test = test.reconstruction_nll;
    opts.onProgress?.(`IWAE estimate of −log p(x) with ${opts.iwaeSamples} samples on ${data.test.count} test images`);
    out.nll_iwae_test = -model.iwae(data.test.images, data.test.count, opts.iwaeSamples, deriveSeed(opts.seed, 'evaluate:iwae'));
    out.iwae_samples = opts.iwaeSamples;
    out.active_units = activeUnits(testCodes, data.test.count, model.latent);
  }
  if (opts.codeL1 > 0) out.code_sparsity = codeSparsity(testCodes, data.test.count, model.latent);
  return out;
}
