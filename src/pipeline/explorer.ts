// The latent explorer and the codes files, composed from what the stages produce: the model's
// exported decoder (model), the test split (data), the codes and the fitted density (evaluate),
// turned into the explorer's plain input (render) and into .npy files (data's writer).
import fs from 'node:fs';
import path from 'node:path';
import { writeNpyFile } from '../data/npy-write.ts';
import { densityKind, isDensityKind } from '../kinds/density/registry.ts';
import { MAX_EXPLORER_MODELS, type ExplorerDensity, type ExplorerInput, type ExplorerModel } from '../render/explorer/payload.ts';
import type { Autoencoder, Dataset, ResolvedSpec } from '../shared/types.ts';

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

/** A compared run as far as the explorer needs it. */
export interface ExplorerRunCandidate {
  dir: string;
  label: string;
  status: string;
  spec: ResolvedSpec | null;
}

/**
 * compare.html's explorer: the first MAX_EXPLORER_MODELS completed runs (in table order) with a
 * saved model from the largest group sharing one latent size and data, their decoders on one z,
 * the scatter switchable between their codes of the same test images. Models are loaded (and the
 * data read) only here, so a comparison without an explorer never starts tfjs. Returns a sentence
 * instead when no explorer can be made.
 */
export async function compareExplorer(runs: ExplorerRunCandidate[]): Promise<ExplorerInput | { unavailable: string }> {
  const withModel = runs.filter(
    (r) => r.status === 'completed' && r.spec && fs.existsSync(path.join(r.dir, 'model', 'aelab-model.json')) && fs.existsSync(path.join(r.dir, 'density.json')),
  );
  if (withModel.length === 0) return { unavailable: 'none of these runs is completed with a saved model and density.json.' };
  // The largest group of runs sharing a latent size and data (the earliest in table order on a tie).
  const groups = new Map<string, ExplorerRunCandidate[]>();
  for (const r of withModel) {
    const key = JSON.stringify([r.spec!.model.latent, r.spec!.data]);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const largest = [...groups.values()].reduce((best, g) => (g.length > best.length ? g : best));
  const chosen = largest.slice(0, MAX_EXPLORER_MODELS);
  const first = chosen[0]!.spec!;
  if (chosen.length < 2) {
    const latents = [...new Set(withModel.map((r) => r.spec!.model.latent))].sort((a, b) => a - b);
    return {
      unavailable:
        latents.length > 1
          ? `the explorer decodes one z through several runs, which needs at least two runs with the same latent size and data; these have latent sizes ${latents.join(', ')}.`
          : 'the explorer needs at least two completed runs on the same data; each run’s own report.html has one.',
    };
  }
  const { loadDataset } = await import('../data/index.ts');
  const { loadModel } = await import('../model/index.ts');
  const specFile = readSpecFile(chosen[0]!.dir);
  let data: Dataset;
  try {
    data = loadDataset(first.data, { baseDir: specFile ? path.dirname(specFile) : chosen[0]!.dir });
  } catch (err) {
    return { unavailable: `the test images could not be loaded again (${err instanceof Error ? err.message : String(err)}).` };
  }
  const models: ExplorerModel[] = [];
  for (const run of chosen) {
    const model = await loadModel(path.join(run.dir, 'model'));
    try {
      // A convolutional decoder has no dense export: it stays out of the shared explorer.
      if (model.exportsDecoder?.() === false) continue;
      const codes = model.encode(data.test.images, data.test.count);
      const saved = JSON.parse(fs.readFileSync(path.join(run.dir, 'density.json'), 'utf8')) as Record<string, unknown>;
      models.push(explorerModel(run.label, model, codes, saved));
    } finally {
      model.dispose();
    }
  }
  if (models.length === 0) return { unavailable: 'the explorer decodes in the browser through dense layers only; these runs have convolutional decoders.' };
  return explorerInput(data, first.model.latent, models, first.seed);
}

function readSpecFile(runDir: string): string | null {
  try {
    const run = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as { spec_file?: unknown };
    return typeof run.spec_file === 'string' ? run.spec_file : null;
  } catch {
    return null;
  }
}
