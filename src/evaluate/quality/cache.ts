// The feature classifier is trained once per data source and classifier settings, and kept in
// <runs-dir>/.cache/classifiers/<hash>/ (classifier.json: settings, hash inputs, test accuracy,
// layer shapes; weights.bin: float32 weights). An entry is built in a private temp folder and
// renamed into place, so a reader sees a whole entry or none; when two runs race, both train, the
// first rename wins and the loser uses the winner's entry. A damaged entry is rebuilt with a warning.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { canonicalJson } from '../../shared/canonical-json.ts';
import { errorMessage } from '../../shared/errors.ts';
import { writeFileAtomic, writeJsonAtomic } from '../../shared/fs.ts';
import type { Split } from '../../shared/types.ts';
import { FeatureClassifier, packWeights, trainClassifier, unpackWeights, type ClassifierSettings, type ClassifierTrainProgress } from './classifier.ts';

/** Bump when the entry format or the training procedure changes, so old entries are not reused. */
export const CLASSIFIER_FORMAT = 1;
export const CLASSIFIER_JSON = 'classifier.json';
export const CLASSIFIER_WEIGHTS = 'weights.bin';

/** A data source with ALL its labels (not only the run's digits): the classifier's training data. */
export interface LabelledSource {
  /** Human-readable origin of the files (recorded in the entry; the hash covers the bytes). */
  origin: string;
  height: number;
  width: number;
  dim: number;
  train: Split;
  test: Split;
}

export interface ClassifierHashInputs {
  format: number;
  settings: ClassifierSettings;
  data: {
    height: number;
    width: number;
    classes: number;
    n_train: number;
    n_test: number;
    /** sha256 of the training images and labels actually used, and of the test images and labels. */
    train_sha256: string;
    test_sha256: string;
  };
}

interface ClassifierFile {
  format: number;
  hash: string;
  /** Where the data came from (descriptive only: the hash covers the data's bytes, not their paths). */
  origin: string;
  hash_inputs: ClassifierHashInputs;
  test_accuracy: number;
  train_seconds: number;
  history: ClassifierTrainProgress[];
  shapes: { inputs: number; outputs: number }[];
  created: string;
}

export interface CachedClassifier {
  classifier: FeatureClassifier;
  /** Accuracy on the source's whole test split (all labels). */
  testAccuracy: number;
  hash: string;
  dir: string;
  /** True when this call trained it, false when it came from the cache. */
  trained: boolean;
  hashInputs: ClassifierHashInputs;
}

export interface ObtainOptions {
  /** One line per event worth telling the user (training progress, a rebuilt entry). */
  say?: (line: string) => void;
  warn?: (line: string) => void;
}

/** Why quality metrics cannot be computed for this source, or null when they can. */
export function classifierSkipReason(source: { train: { labels: Uint8Array | null; count: number } }): string | null {
  const labels = source.train.labels;
  if (labels === null || labels.length === 0) return 'the data source has no labels, so no feature classifier can be trained';
  const seen = new Set<number>();
  for (let i = 0; i < labels.length && seen.size < 2; i++) seen.add(labels[i]!);
  if (seen.size < 2) return `the data source's training labels hold only one class (${[...seen][0]}), so no feature classifier can be trained`;
  return null;
}

export function classifierCacheRoot(runsDir: string): string {
  return path.join(runsDir, '.cache', 'classifiers');
}

/** The classifier for this source and settings: from the cache when a valid entry exists, else trained and cached. */
export async function obtainClassifier(cacheRoot: string, source: LabelledSource, settings: ClassifierSettings, opts: ObtainOptions = {}): Promise<CachedClassifier> {
  const reason = classifierSkipReason(source);
  if (reason !== null) throw new Error(`obtainClassifier: ${reason}`);
  const hashInputs = describeInputs(source, settings);
  const hash = hashOf(hashInputs);
  const dir = path.join(cacheRoot, hash);

  if (fs.existsSync(dir)) {
    const loaded = tryLoad(dir, hash, source.dim);
    if (loaded.ok) return { ...loaded.value, dir, hash, trained: false, hashInputs };
    opts.warn?.(`aelab: warning: classifier cache entry ${dir} is damaged (${loaded.error}); rebuilding it`);
  }

  const built = await build(source, settings, hashInputs, hash, opts);
  const tmp = path.join(cacheRoot, `.tmp-${hash}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    writeEntry(tmp, built.file, built.classifier);
    install(tmp, dir, hash, source.dim);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  // Whoever won the rename, the entry in place is valid (install checked it); prefer our own
  // weights when they are the ones installed, else load the winner's (same inputs, same training).
  const installed = tryLoad(dir, hash, source.dim);
  if (!installed.ok) throw new Error(`classifier cache entry ${dir} is unreadable right after installing it: ${installed.error}`);
  built.classifier.dispose();
  return { ...installed.value, dir, hash, trained: true, hashInputs };
}

async function build(source: LabelledSource, settings: ClassifierSettings, hashInputs: ClassifierHashInputs, hash: string, opts: ObtainOptions): Promise<{ classifier: FeatureClassifier; file: ClassifierFile }> {
  const classes = hashInputs.data.classes;
  const n = hashInputs.data.n_train;
  opts.say?.(`aelab: training the feature classifier for quality metrics (${[source.dim, ...settings.hidden, classes].join('-')} MLP on ${n} training images, ${settings.epochs} epoch${settings.epochs === 1 ? '' : 's'}; cached for later runs)`);
  const start = performance.now();
  const history: ClassifierTrainProgress[] = [];
  const classifier = await trainClassifier(source.train, source.dim, classes, settings, (p) => {
    history.push(p);
    opts.say?.(`aelab: classifier epoch ${p.epoch}/${p.epochs}: loss ${p.loss.toFixed(4)} (${p.seconds.toFixed(1)} s)`);
  });
  const testAccuracy = classifier.accuracy(source.test);
  const trainSeconds = (performance.now() - start) / 1000;
  opts.say?.(`aelab: classifier test accuracy ${(100 * testAccuracy).toFixed(2)} % (${source.test.count} test images, all labels)`);
  const file: ClassifierFile = {
    format: CLASSIFIER_FORMAT,
    hash,
    origin: source.origin,
    hash_inputs: hashInputs,
    test_accuracy: testAccuracy,
    train_seconds: trainSeconds,
    history,
    shapes: [],
    created: new Date().toISOString(),
  };
  return { classifier, file };
}

function writeEntry(tmp: string, file: ClassifierFile, classifier: FeatureClassifier): void {
  const packed = packWeights(classifier.weights());
  fs.mkdirSync(tmp, { recursive: true });
  writeFileAtomic(path.join(tmp, CLASSIFIER_WEIGHTS), packed.bytes);
  writeJsonAtomic(path.join(tmp, CLASSIFIER_JSON), { ...file, shapes: packed.shapes });
}

/**
 * Renames the finished temp folder to `dir`. When `dir` exists (another run won, or a damaged
 * entry), a valid entry is kept and ours dropped; a damaged one is moved aside first and removed.
 */
function install(tmp: string, dir: string, hash: string, dim: number): void {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      fs.renameSync(tmp, dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    }
    const existing = tryLoad(dir, hash, dim);
    if (existing.ok) {
      existing.value.classifier.dispose();
      return;
    }
    const aside = `${dir}.damaged-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      fs.renameSync(dir, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    fs.rmSync(aside, { recursive: true, force: true });
  }
  throw new Error(`could not install the classifier cache entry ${dir}: it keeps changing under us`);
}

type LoadResult = { ok: true; value: { classifier: FeatureClassifier; testAccuracy: number } } | { ok: false; error: string };

function tryLoad(dir: string, hash: string, dim: number): LoadResult {
  try {
    const file = JSON.parse(fs.readFileSync(path.join(dir, CLASSIFIER_JSON), 'utf8')) as Partial<ClassifierFile>;
    if (file.format !== CLASSIFIER_FORMAT) return { ok: false, error: `format ${String(file.format)}, expected ${CLASSIFIER_FORMAT}` };
    if (file.hash !== hash || file.hash_inputs === undefined || hashOf(file.hash_inputs) !== hash) return { ok: false, error: `${CLASSIFIER_JSON} does not match the folder's hash` };
    if (typeof file.test_accuracy !== 'number' || !(file.test_accuracy >= 0 && file.test_accuracy <= 1)) return { ok: false, error: 'test_accuracy missing or out of range' };
    if (!Array.isArray(file.shapes) || file.shapes.length < 2 || file.shapes[0]?.inputs !== dim) return { ok: false, error: 'layer shapes missing or not for this image size' };
    const bytes = fs.readFileSync(path.join(dir, CLASSIFIER_WEIGHTS));
    const classifier = new FeatureClassifier(unpackWeights(file.shapes, bytes));
    return { ok: true, value: { classifier, testAccuracy: file.test_accuracy } };
  } catch (err) {
    return { ok: false, error: errorMessage(err) };
  }
}

function describeInputs(source: LabelledSource, settings: ClassifierSettings): ClassifierHashInputs {
  const nTrain = settings.limit === undefined ? source.train.count : Math.min(settings.limit, source.train.count);
  let classes = 0;
  for (const labels of [source.train.labels.subarray(0, nTrain), source.test.labels]) {
    for (let i = 0; i < labels.length; i++) classes = Math.max(classes, labels[i]! + 1);
  }
  return {
    format: CLASSIFIER_FORMAT,
    settings: { ...settings, hidden: [...settings.hidden] },
    data: {
      height: source.height,
      width: source.width,
      classes,
      n_train: nTrain,
      n_test: source.test.count,
      train_sha256: digest(source.train.images.subarray(0, nTrain * source.dim), source.train.labels.subarray(0, nTrain)),
      test_sha256: digest(source.test.images, source.test.labels),
    },
  };
}

function digest(images: Float32Array, labels: Uint8Array): string {
  return createHash('sha256')
    .update(new Uint8Array(images.buffer, images.byteOffset, images.byteLength))
    .update(labels)
    .digest('hex');
}

/** Canonical JSON, so the hash does not depend on how the object was built. */
function hashOf(inputs: ClassifierHashInputs): string {
  return createHash('sha256').update(canonicalJson(inputs)).digest('hex').slice(0, 16);
}
