// The latent explorer and the codes files, composed from what the stages produce: the model's
// exported decoder (model), the test split (data), the codes and the fitted density (evaluate),
// turned into the explorer's plain input (render) and into .npy files (data's writer).
import path from 'node:path';
import { writeNpyFile } from '../data/npy-write.ts';
import { densityKind, isDensityKind } from '../kinds/density/registry.ts';
import type { ExplorerDensity, ExplorerInput, ExplorerModel } from '../render/explorer/payload.ts';
import type { Autoencoder, Dataset } from '../shared/types.ts';

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

/**
 * What "Sample" draws from: the model's prior when it has one (a VAE's N(0, I), what its decoder
 * was trained on), else the density fitted on the training codes (its saved JSON, converted by its
 * kind); null when the density cannot be read.
 */
export function explorerDensity(model: Autoencoder, savedDensity: Record<string, unknown>): ExplorerDensity | null {
  if (model.latentPrior) return { label: 'the prior p(z)', components: model.latentPrior() };
  const kind = savedDensity['kind'];
  if (!isDensityKind(kind)) return null;
  const components = densityKind(kind).mixture(savedDensity);
  return components ? { label: `the ${densityKind(kind).label} fitted on the training codes`, components } : null;
}

/** One model's part of an explorer: its decoder, its test codes and its density. */
export function explorerModel(label: string, model: Autoencoder, testCodes: Float32Array, savedDensity: Record<string, unknown>): ExplorerModel {
  return { label, kind: model.kind, decoder: model.exportDecoder(), codes: testCodes, density: explorerDensity(model, savedDensity) };
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
