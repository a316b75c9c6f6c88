// From whole files to the three splits. The order matters and follows TensorFlow's old
// read_data_sets, which the lecture's numbers come from:
//   1. the FIRST `validation` training images become the validation split (before any filter);
//   2. each split keeps only the images whose label is in `digits`;
//   3. `limit` keeps the first N of the filtered training images (deterministic, no sampling;
//      validation and test are never limited);
//   4. only the kept images are converted to Float32 in [0, 1] — filtering happens on the file's
//      own (uint8) data, so at most one float copy of each split ever exists.
import { UserError, fileError, type Issue } from '../shared/errors.ts';
import type { DataSpec } from '../shared/spec-types.ts';
import type { Dataset, DatasetCounts, Split } from '../shared/types.ts';
import type { RawImages } from './arrays.ts';

export interface SourceArrays {
  trainImages: RawImages;
  trainLabels: { file: string; labels: Uint8Array };
  testImages: RawImages;
  testLabels: { file: string; labels: Uint8Array };
}

export type SplitSettings = Pick<DataSpec, 'digits' | 'validation' | 'limit'>;

/** uint8 → float in [0, 1]: one table lookup per pixel is faster than a division and bit-identical. */
const BYTE_TO_UNIT = Float32Array.from({ length: 256 }, (_, i) => i / 255);

export function buildDataset(source: SourceArrays, settings: SplitSettings, origin: string): Dataset {
  const { trainImages, trainLabels, testImages, testLabels } = source;
  checkPairing(trainImages, trainLabels, 'data.train_labels');
  checkPairing(testImages, testLabels, 'data.test_labels');
  if (trainImages.height * trainImages.width === 0) {
    throw fileError(trainImages.file, `holds images of size ${trainImages.height}×${trainImages.width}; images need at least one pixel`, 'data.train_images');
  }
  if (testImages.height !== trainImages.height || testImages.width !== trainImages.width) {
    throw new UserError([
      {
        file: testImages.file,
        path: 'data.test_images',
        message: `holds ${testImages.height}×${testImages.width} images but the training images (${trainImages.file}) are ${trainImages.height}×${trainImages.width}; both must have the same size`,
      },
    ]);
  }
  const total = trainImages.count;
  if (settings.validation >= total) {
    throw new UserError([
      {
        file: trainImages.file,
        path: 'data.validation',
        message: `is ${settings.validation} but the training file holds only ${total} images; the validation hold-out must be smaller than the training set (at most ${Math.max(0, total - 1)})`,
      },
    ]);
  }

  const keep = new Uint8Array(256);
  for (const digit of settings.digits) keep[digit] = 1;
  const digitList = `[${[...new Set(settings.digits)].sort((a, b) => a - b).join(', ')}]`;

  const validationRows = selectRows(trainLabels.labels, 0, settings.validation, keep);
  const trainRows = selectRows(trainLabels.labels, settings.validation, total, keep, settings.limit);
  const testRows = selectRows(testLabels.labels, 0, testImages.count, keep);

  // Report every empty split at once, so that one fix (other digits, another hold-out) covers all.
  const empty: Issue[] = [];
  if (trainRows.length === 0) {
    empty.push({ file: trainLabels.file, path: 'data.digits', message: `has no training image with a label in data.digits ${digitList} after the first ${settings.validation} images are held out for validation; choose other digits or a smaller data.validation` });
  }
  if (settings.validation > 0 && validationRows.length === 0) {
    empty.push({ file: trainLabels.file, path: 'data.digits', message: `has no image with a label in data.digits ${digitList} among the first ${settings.validation} training images (the validation hold-out); raise data.validation, set it to 0, or choose other digits` });
  }
  if (testRows.length === 0) {
    empty.push({ file: testLabels.file, path: 'data.digits', message: `has no test image with a label in data.digits ${digitList}; choose other digits` });
  }
  if (empty.length > 0) throw new UserError(empty);

  const dim = trainImages.height * trainImages.width;
  const train = gatherSplit(trainImages, trainLabels.labels, trainRows, dim);
  const validation = gatherSplit(trainImages, trainLabels.labels, validationRows, dim);
  const test = gatherSplit(testImages, testLabels.labels, testRows, dim);
  const counts: DatasetCounts = {
    n_train: train.count,
    n_val: validation.count,
    n_test: test.count,
    train_by_digit: countByDigit(train.labels, settings.digits),
    val_by_digit: countByDigit(validation.labels, settings.digits),
    test_by_digit: countByDigit(test.labels, settings.digits),
  };
  return { height: trainImages.height, width: trainImages.width, dim, train, validation, test, counts, origin };
}

function checkPairing(images: RawImages, labels: { file: string; labels: Uint8Array }, labelsKey: string): void {
  if (images.count !== labels.labels.length) {
    throw fileError(labels.file, `holds ${labels.labels.length} labels but its images file ${images.file} holds ${images.count} images; images and labels must match one to one`, labelsKey);
  }
}

/** Indices in [start, end) whose label is kept, in file order, at most `limit` of them. */
function selectRows(labels: Uint8Array, start: number, end: number, keep: Uint8Array, limit = Infinity): Int32Array {
  const rows = new Int32Array(end - start);
  let n = 0;
  for (let i = start; i < end && n < limit; i++) {
    if (keep[labels[i] as number] === 1) rows[n++] = i;
  }
  return rows.slice(0, n);
}

function gatherSplit(images: RawImages, labels: Uint8Array, rows: Int32Array, dim: number): Split {
  const count = rows.length;
  const out = new Float32Array(count * dim);
  const kept = new Uint8Array(count);
  const pixels = images.pixels;
  for (let r = 0; r < count; r++) {
    const row = rows[r] as number;
    kept[r] = labels[row] as number;
    const from = row * dim;
    const to = r * dim;
    if (pixels instanceof Uint8Array) {
      for (let j = 0; j < dim; j++) out[to + j] = BYTE_TO_UNIT[pixels[from + j] as number] as number;
    } else if (pixels instanceof Float32Array) {
      out.set(pixels.subarray(from, from + dim), to);
    } else {
      for (let j = 0; j < dim; j++) out[to + j] = pixels[from + j] as number;
    }
  }
  return { images: out, labels: kept, count };
}

/** Every selected digit gets a key, also when a split has none of it (then 0). */
function countByDigit(labels: Uint8Array, digits: number[]): Record<string, number> {
  const tally = new Array<number>(256).fill(0);
  for (let i = 0; i < labels.length; i++) tally[labels[i] as number]! += 1;
  const result: Record<string, number> = {};
  for (const digit of [...new Set(digits)].sort((a, b) => a - b)) result[String(digit)] = tally[digit] as number;
  return result;
}
