import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.ts';
import { UserError } from '../../src/shared/errors.ts';
import { writeFileAtomic } from '../../src/shared/fs.ts';
import type { DataSpec } from '../../src/shared/spec-types.ts';
import { expectUserError, makeTempDir, patternImages, writeIdx, writeNpy } from './fixtures.ts';

// A 12-image training set and a 6-image test set of non-square 5×7 images.
const H = 5;
const W = 7;
const DIM = H * W;
const TRAIN_LABELS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 5];
const TEST_LABELS = [1, 5, 6, 0, 6, 9];
const trainPixels = patternImages(TRAIN_LABELS.length, H, W);
const testPixels = patternImages(TEST_LABELS.length, H, W).map((v) => 255 - v);

const dir = makeTempDir();
writeIdx(path.join(dir, 'train-images'), [TRAIN_LABELS.length, H, W], trainPixels);
writeIdx(path.join(dir, 'train-labels'), [TRAIN_LABELS.length], Uint8Array.from(TRAIN_LABELS));
writeIdx(path.join(dir, 'test-images'), [TEST_LABELS.length, H, W], testPixels);
writeIdx(path.join(dir, 'test-labels'), [TEST_LABELS.length], Uint8Array.from(TEST_LABELS));
fs.mkdirSync(path.join(dir, 'gz'));
writeIdx(path.join(dir, 'gz', 'train-images.gz'), [TRAIN_LABELS.length, H, W], trainPixels, { gzip: true });
writeIdx(path.join(dir, 'gz', 'train-labels.gz'), [TRAIN_LABELS.length], Uint8Array.from(TRAIN_LABELS), { gzip: true });
writeIdx(path.join(dir, 'gz', 'test-images.gz'), [TEST_LABELS.length, H, W], testPixels, { gzip: true });
writeIdx(path.join(dir, 'gz', 'test-labels.gz'), [TEST_LABELS.length], Uint8Array.from(TEST_LABELS), { gzip: true });

function idxSpec(overrides: Partial<DataSpec> = {}): DataSpec {
  return {
    source: 'idx',
    digits: [1, 5, 6],
    validation: 3,
    train_images: 'train-images',
    train_labels: 'train-labels',
    test_images: 'test-images',
    test_labels: 'test-labels',
    ...overrides,
  };
}

/** Row `row` of a uint8 image array, scaled the way the loader must scale it. */
function scaledRow(pixels: Uint8Array, row: number): number[] {
  return Array.from(pixels.subarray(row * DIM, (row + 1) * DIM), (v) => Math.fround(v / 255));
}

function rowOf(images: Float32Array, row: number): number[] {
  return Array.from(images.subarray(row * DIM, (row + 1) * DIM));
}

describe('loadDataset: split pipeline on IDX fixtures', () => {
  it('holds out the first `validation` images before the digit filter, then filters every split', () => {
    const data = loadDataset(idxSpec(), { baseDir: dir });
    expect([data.height, data.width, data.dim]).toEqual([H, W, DIM]);
    // Validation: first 3 images (labels 0, 1, 2) → only row 1. Train: rows 3..11 → rows 5, 6, 10, 11.
    expect(Array.from(data.validation.labels)).toEqual([1]);
    expect(Array.from(data.train.labels)).toEqual([5, 6, 1, 5]);
    expect(Array.from(data.test.labels)).toEqual([1, 5, 6, 6]);
    expect(data.counts).toEqual({
      n_train: 4,
      n_val: 1,
      n_test: 4,
      train_by_digit: { '1': 1, '5': 2, '6': 1 },
      val_by_digit: { '1': 1, '5': 0, '6': 0 },
      test_by_digit: { '1': 1, '5': 1, '6': 2 },
    });
    expect(data.train.images).toBeInstanceOf(Float32Array);
    expect(data.train.images.length).toBe(4 * DIM);
    expect(rowOf(data.train.images, 0)).toEqual(scaledRow(trainPixels, 5));
    expect(rowOf(data.train.images, 3)).toEqual(scaledRow(trainPixels, 11));
    expect(rowOf(data.validation.images, 0)).toEqual(scaledRow(trainPixels, 1));
    expect(rowOf(data.test.images, 3)).toEqual(scaledRow(testPixels, 4));
    expect(Math.max(...data.test.images)).toBeLessThanOrEqual(1);
    expect(data.origin).toContain('train_images=train-images');
  });

  it('loads gzip files and resolves paths relative to baseDir', () => {
    const plain = loadDataset(idxSpec(), { baseDir: dir });
    const gz = loadDataset(
      idxSpec({ train_images: 'gz/train-images.gz', train_labels: 'gz/train-labels.gz', test_images: 'gz/test-images.gz', test_labels: 'gz/test-labels.gz' }),
      { baseDir: dir },
    );
    expect(gz.counts).toEqual(plain.counts);
    expect(Array.from(gz.train.images)).toEqual(Array.from(plain.train.images));
  });

  it('limit keeps the FIRST N training images after the filter and leaves validation and test alone', () => {
    const data = loadDataset(idxSpec({ limit: 2 }), { baseDir: dir });
    expect(Array.from(data.train.labels)).toEqual([5, 6]);
    expect(rowOf(data.train.images, 1)).toEqual(scaledRow(trainPixels, 6));
    expect([data.counts.n_val, data.counts.n_test]).toEqual([1, 4]);
    expect(loadDataset(idxSpec({ limit: 100 }), { baseDir: dir }).counts.n_train).toBe(4);
  });

  it('validation 0 gives an empty validation split, not an error', () => {
    const data = loadDataset(idxSpec({ validation: 0 }), { baseDir: dir });
    expect(data.counts.n_val).toBe(0);
    expect(data.validation.images.length).toBe(0);
    expect(Array.from(data.train.labels)).toEqual([1, 5, 6, 1, 5]);
  });
});

describe('loadDataset: npy sources', () => {
  const npyDir = makeTempDir();
  const n = TRAIN_LABELS.length;
  const m = TEST_LABELS.length;

  function oneHot(labels: number[], classes: number): Float32Array {
    const out = new Float32Array(labels.length * classes);
    labels.forEach((label, i) => (out[i * classes + label] = 1));
    return out;
  }

  it('uint8 (N, H, W) images with int64 labels (format v1)', () => {
    writeNpy(path.join(npyDir, 'u8-train.npy'), '|u1', [n, H, W], trainPixels);
    writeNpy(path.join(npyDir, 'i8-train-labels.npy'), '<i8', [n], BigInt64Array.from(TRAIN_LABELS.map(BigInt)));
    writeNpy(path.join(npyDir, 'u8-test.npy'), '|u1', [m, H, W], testPixels);
    writeNpy(path.join(npyDir, 'i8-test-labels.npy'), '<i8', [m], BigInt64Array.from(TEST_LABELS.map(BigInt)));
    const data = loadDataset(
      { source: 'npy', digits: [1, 5, 6], validation: 3, train_images: 'u8-train.npy', train_labels: 'i8-train-labels.npy', test_images: 'u8-test.npy', test_labels: 'i8-test-labels.npy' },
      { baseDir: npyDir },
    );
    const fromIdx = loadDataset(idxSpec(), { baseDir: dir });
    expect(data.counts).toEqual(fromIdx.counts);
    expect(Array.from(data.train.images)).toEqual(Array.from(fromIdx.train.images));
    expect([data.height, data.width]).toEqual([H, W]);
  });

  it('float32 (N, H, W) images with one-hot float labels (format v2), fortran-order float64 images', () => {
    const scaledTrain = Float32Array.from(trainPixels, (v) => v / 255);
    const scaledTest = Float32Array.from(testPixels, (v) => v / 255);
    writeNpy(path.join(npyDir, 'f4-train.npy'), '<f4', [n, H, W], scaledTrain, { version: 2 });
    writeNpy(path.join(npyDir, 'onehot-train.npy'), '<f4', [n, 10], oneHot(TRAIN_LABELS, 10), { version: 2 });
    // Fortran order: element (i, r, c) at i + n·(r + H·c).
    const fortranTest = new Float64Array(m * DIM);
    for (let i = 0; i < m; i++) for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) fortranTest[i + m * (r + H * c)] = scaledTest[i * DIM + r * W + c] as number;
    writeNpy(path.join(npyDir, 'f8-test-fortran.npy'), '<f8', [m, H, W], fortranTest, { fortranOrder: true });
    writeNpy(path.join(npyDir, 'onehot-test.npy'), '<i4', [m, 10], Int32Array.from(oneHot(TEST_LABELS, 10)), { version: 3 });
    const data = loadDataset(
      { source: 'npy', digits: [1, 5, 6], validation: 3, train_images: 'f4-train.npy', train_labels: 'onehot-train.npy', test_images: 'f8-test-fortran.npy', test_labels: 'onehot-test.npy' },
      { baseDir: npyDir },
    );
    const fromIdx = loadDataset(idxSpec(), { baseDir: dir });
    expect(data.counts).toEqual(fromIdx.counts);
    expect(Array.from(data.train.labels)).toEqual([5, 6, 1, 5]);
    expect(Array.from(data.train.images)).toEqual(Array.from(fromIdx.train.images));
    expect(Array.from(data.test.images)).toEqual(Array.from(fromIdx.test.images));
  });

  it('(N, H·W) images with a square H·W are read as H×W', () => {
    const flat = patternImages(4, 4, 4);
    writeNpy(path.join(npyDir, 'flat-train.npy'), '|u1', [4, 16], flat);
    writeNpy(path.join(npyDir, 'flat-train-labels.npy'), '|u1', [4, 1], Uint8Array.from([1, 1, 5, 6]));
    writeNpy(path.join(npyDir, 'flat-test.npy'), '<f8', [2, 16], new Float64Array(32).fill(0.5));
    writeNpy(path.join(npyDir, 'flat-test-labels.npy'), '<u2', [2], Uint16Array.from([5, 6]));
    const data = loadDataset(
      { source: 'npy', digits: [1, 5, 6], validation: 1, train_images: 'flat-train.npy', train_labels: 'flat-train-labels.npy', test_images: 'flat-test.npy', test_labels: 'flat-test-labels.npy' },
      { baseDir: npyDir },
    );
    expect([data.height, data.width, data.dim]).toEqual([4, 4, 16]);
    expect([data.counts.n_train, data.counts.n_val, data.counts.n_test]).toEqual([3, 1, 2]);
    expect(Array.from(data.test.images.subarray(0, 3))).toEqual([0.5, 0.5, 0.5]);
  });
});

describe('loadDataset: bad data ends in a UserError naming the file', () => {
  const bad = makeTempDir();
  const here = (name: string): string => path.join(bad, name);
  const load = (overrides: Partial<DataSpec>) => () => loadDataset(idxSpec(overrides), { baseDir: dir });
  const loadNpy = (files: Partial<DataSpec>, overrides: Partial<DataSpec> = {}) => () =>
    loadDataset({ source: 'npy', digits: [1, 5, 6], validation: 3, train_images: here('u8.npy'), train_labels: here('labels.npy'), test_images: here('u8.npy'), test_labels: here('labels.npy'), ...files, ...overrides }, { baseDir: bad });
  writeNpy(here('u8.npy'), '|u1', [TRAIN_LABELS.length, H, W], trainPixels);
  writeNpy(here('labels.npy'), '|u1', [TRAIN_LABELS.length], Uint8Array.from(TRAIN_LABELS));

  it('missing file: names the spec key and the resolved path', () => {
    const message = expectUserError(load({ train_labels: 'nope/labels.idx' }), path.join(dir, 'nope/labels.idx'), 'data.train_labels', 'file not found');
    expect(message).toContain('"nope/labels.idx"');
  });

  it('missing spec key for a file-based source', () => {
    expectUserError(load({ test_images: undefined }), 'data.test_images', 'required when data.source is idx');
  });

  it('a folder instead of a file', () => {
    expectUserError(load({ train_images: 'gz' }), path.join(dir, 'gz'), 'data.train_images', 'not a file');
  });

  it('wrong IDX magic, tagged with the spec key', () => {
    writeFileAtomic(here('garbage'), 'this is not an idx file');
    let caught: unknown;
    try {
      loadDataset(idxSpec({ train_images: here('garbage') }), { baseDir: dir });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UserError);
    expect((caught as UserError).issues[0]).toMatchObject({ file: here('garbage'), path: 'data.train_images' });
  });

  it('corrupt .gz', () => {
    const gz = fs.readFileSync(path.join(dir, 'gz', 'test-labels.gz'));
    writeFileAtomic(here('cut.gz'), gz.subarray(0, gz.length - 12));
    expectUserError(load({ test_labels: here('cut.gz') }), here('cut.gz'), 'data.test_labels', 'gzip');
  });

  it('truncated image file', () => {
    const full = fs.readFileSync(path.join(dir, 'train-images'));
    writeFileAtomic(here('short-images'), full.subarray(0, full.length - DIM * 2 - 3));
    expectUserError(load({ train_images: here('short-images') }), here('short-images'), 'truncated', 'says 12 items', '9 whole items');
  });

  it('images/labels count mismatch names both files', () => {
    writeIdx(here('short-labels'), [10], Uint8Array.from(TRAIN_LABELS.slice(0, 10)));
    expectUserError(load({ train_labels: here('short-labels') }), here('short-labels'), path.join(dir, 'train-images'), 'holds 10 labels', '12 images');
  });

  it('label out of range: says the value and the index (IDX, npy integers, one-hot)', () => {
    writeIdx(here('label-12'), [TEST_LABELS.length], Uint8Array.from([1, 5, 6, 0, 12, 9]));
    expectUserError(load({ test_labels: here('label-12') }), here('label-12'), 'label 12 at index 4', '0–9');
    writeNpy(here('negative.npy'), '<i4', [TRAIN_LABELS.length], Int32Array.from(TRAIN_LABELS.map((l, i) => (i === 7 ? -1 : l))));
    expectUserError(loadNpy({ train_labels: here('negative.npy') }), here('negative.npy'), 'label -1 at index 7');
    const hot = new Float32Array(TRAIN_LABELS.length * 12);
    TRAIN_LABELS.forEach((l, i) => (hot[i * 12 + (i === 2 ? 11 : l)] = 1));
    writeNpy(here('onehot12.npy'), '<f4', [TRAIN_LABELS.length, 12], hot);
    expectUserError(loadNpy({ train_labels: here('onehot12.npy') }), here('onehot12.npy'), 'label 11 at index 2');
  });

  it('one-hot rows that are not one-hot', () => {
    const hot = new Float32Array(TRAIN_LABELS.length * 10);
    TRAIN_LABELS.forEach((l, i) => (hot[i * 10 + l] = 1));
    hot[3 * 10 + 4] = 0.5;
    writeNpy(here('soft.npy'), '<f4', [TRAIN_LABELS.length, 10], hot);
    expectUserError(loadNpy({ train_labels: here('soft.npy') }), here('soft.npy'), 'row 3 is not one-hot');
  });

  it('unsupported npy dtype for images or labels', () => {
    writeNpy(here('i4-images.npy'), '<i4', [TRAIN_LABELS.length, H, W], Int32Array.from(trainPixels));
    expectUserError(loadNpy({ train_images: here('i4-images.npy') }), here('i4-images.npy'), 'dtype int32', 'uint8', 'float32');
    writeNpy(here('f4-labels.npy'), '<f4', [TRAIN_LABELS.length], Float32Array.from(TRAIN_LABELS));
    expectUserError(loadNpy({ train_labels: here('f4-labels.npy') }), here('f4-labels.npy'), 'dtype float32', 'integer');
    writeNpy(here('c8.npy'), '<c8', [1], new Uint8Array(8));
    expectUserError(loadNpy({ test_images: here('c8.npy') }), here('c8.npy'), "'<c8'", 'data.test_images');
  });

  it('malformed npy header', () => {
    writeFileAtomic(here('broken.npy'), Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 6, 0, ...new TextEncoder().encode('{oops}')]));
    expectUserError(loadNpy({ train_images: here('broken.npy') }), here('broken.npy'), 'malformed .npy header');
  });

  it('float pixels outside [0, 1]: says the range found', () => {
    writeNpy(here('f4-255.npy'), '<f4', [TRAIN_LABELS.length, H, W], Float32Array.from(trainPixels));
    expectUserError(loadNpy({ train_images: here('f4-255.npy') }), here('f4-255.npy'), 'ranging from 0 to 255', 'must be in [0, 1]', 'divide by 255');
    writeNpy(here('f8-neg.npy'), '<f8', [2, 16], new Float64Array(32).fill(-0.5));
    expectUserError(loadNpy({ test_images: here('f8-neg.npy') }), here('f8-neg.npy'), 'from -0.5 to -0.5');
  });

  it('(N, D) images with a non-square D, and images of the wrong rank', () => {
    writeNpy(here('flat15.npy'), '|u1', [TRAIN_LABELS.length, 15], new Uint8Array(TRAIN_LABELS.length * 15));
    expectUserError(loadNpy({ train_images: here('flat15.npy') }), here('flat15.npy'), '(12, 15)', 'not a square', '(N, H, W)');
    writeNpy(here('rank1.npy'), '|u1', [12], new Uint8Array(12));
    expectUserError(loadNpy({ train_images: here('rank1.npy') }), here('rank1.npy'), 'shape (12)');
  });

  it('test images of another size than the training images', () => {
    writeIdx(here('test-4x4'), [TEST_LABELS.length, 4, 4], patternImages(TEST_LABELS.length, 4, 4));
    expectUserError(load({ test_images: here('test-4x4') }), here('test-4x4'), '4×4', '5×7');
  });

  it('a digit subset with no images in a split says which split', () => {
    // 7 occurs in training (row 7) but not in the test labels.
    expectUserError(load({ digits: [7], validation: 0 }), path.join(dir, 'test-labels'), 'no test image', '[7]', 'data.digits');
    // With the first 3 images held out, 7 is missing from validation too: both splits are reported.
    const both = expectUserError(load({ digits: [7] }), 'no test image', 'validation hold-out');
    expect(both.split('\n')).toHaveLength(2);
    // 9 occurs at row 9 only: not among the first 3 (validation) images.
    expectUserError(load({ digits: [9] }), path.join(dir, 'train-labels'), 'validation hold-out', '[9]');
    // 0 occurs at row 0 only, which is held out for validation: the training split is empty.
    expectUserError(load({ digits: [0] }), path.join(dir, 'train-labels'), 'no training image', '[0]');
  });

  it('a validation count larger than the training set', () => {
    expectUserError(load({ validation: 50 }), path.join(dir, 'train-images'), 'data.validation', 'is 50', 'only 12 images');
    expectUserError(load({ validation: 12 }), 'only 12 images', 'at most 11');
  });
});
