// The latent explorer and the codes files, composed from what the stages produce: the model's
// exported decoder (model), the test split (data), the codes and the fitted density (evaluate),
// turned into the explorer's plain input (render) and into .npy files (data's writer).
import path from 'node:path';
import { writeNpyFile } from '../data/npy-write.ts';
import { explorerDensityFromJson, standardNormalDensity, type ExplorerDensity, type ExplorerInput, type ExplorerModel } from '../render/explorer/payload.ts';
import type { Autoencoder, Dataset, DensityModel } from '../shared/types.ts';

/** Where a run's codes go, relative to the run folder. */
export const CODES_DIR = 'codes';

/**
 * codes/test.npy (float32, n_test × latent), codes/test_labels.npy (uint8, n_test) and, unless
 * trainCodes is null, codes/train.npy (float32, n_train × latent), for numpy.load.
 */
export function writeCodes(runDir: string, latent: number, test: { codes: Float32Array; labels: Uint8Array }, trainCodes: Float32Array | null): string[] {
  const dir = path.join(runDir, CODES_DIR);
  const n = test.labels.length;
  writeNpyFile(path.join(dir, 'test.npy'), test.codes, [n, latent]);
  writeNpyFile(path.join(dir, 'test_labels.npy'), test.labels, [n]);
  const written = ['test.npy', 'test_labels.npy'];
  if (trainCodes) {
    writeNpyFile(path.join(dir, 'train.npy'), trainCodes, [trainCodes.length / latent, latent]);
    written.push('train.npy');
  }
  return written.map((f) => `${CODES_DIR}/${f}`);
}

const DENSITY_LABELS: Record<string, string> = {
  'gaussian-diag': 'the diagonal Gaussian',
  'gaussian-full': 'the full-covariance Gaussian',
  gmm: 'the Gaussian mixture',
};

/**
 * What "Sample" draws from: a VAE's prior N(0, I) (what its decoder was trained on), otherwise
 * the density fitted on the training codes; null for a density the page cannot sample.
 */
export function explorerDensity(kind: string, latent: number, density: DensityModel | Record<string, unknown>): ExplorerDensity | null {
  if (kind === 'vae') return standardNormalDensity(latent);
  const json = 'toJSON' in density && typeof density.toJSON === 'function' ? (density as DensityModel).toJSON() : (density as Record<string, unknown>);
  const label = `${DENSITY_LABELS[String(json['kind'])] ?? String(json['kind'])} fitted on the training codes`;
  return explorerDensityFromJson(json, label);
}

/** One model's part of an explorer: its decoder, its test codes and its density. */
export function explorerModel(label: string, model: Autoencoder, testCodes: Float32Array, density: DensityModel | Record<string, unknown>): ExplorerModel {
  return {
    label,
    kind: model.kind,
    decoder: model.exportDecoder(),
    codes: testCodes,
    density: explorerDensity(model.kind, model.latent, density),
  };
}

/** The explorer input for a set of models that share the test images of `data`. */
export function explorerInput(data: Pick<Dataset, 'height' | 'width' | 'test'>, latent: number, models: ExplorerModel[], seed: number, maxImages?: number): ExplorerInput {
  return {
    height: data.height,
    width: data.width,
    latent,
    labels: data.test.labels,
    images: data.test.images,
    models,
    seed,
    ...(maxImages !== undefined ? { maxImages } : {}),
  };
}
