// Turning what a file holds (an IDX or .npy array) into images and labels, with the checks that
// make a wrong file fail here, naming the file, instead of deep inside the model.
import { fileError } from '../shared/errors.ts';
import type { IdxArray } from './idx.ts';
import type { NpyArray, NpyData } from './npy.ts';

/** Images as the file holds them: uint8 (0–255) or float already in [0, 1]; row-major, count × height·width. */
export interface RawImages {
  file: string;
  count: number;
  height: number;
  width: number;
  pixels: Uint8Array | Float32Array | Float64Array;
}

/** Labels must fit here because `data.digits` selects among 0–9. */
export const MAX_LABEL = 9;

export function imagesFromIdx(idx: IdxArray, file: string): RawImages {
  const { count, height, width } = imageShape(idx.dims, file, 'IDX');
  return { file, count, height, width, pixels: idx.data };
}

export function labelsFromIdx(idx: IdxArray, file: string): Uint8Array {
  if (idx.dims.length !== 1) {
    throw fileError(file, `holds an IDX array of shape (${idx.dims.join(', ')}); labels must be one-dimensional (N)`);
  }
  checkLabelRange(idx.data, file);
  return idx.data;
}

export function imagesFromNpy(npy: NpyArray, file: string): RawImages {
  const { count, height, width } = imageShape(npy.shape, file, '.npy');
  const data = npy.data;
  if (data instanceof Uint8Array && npy.dtype === 'uint8') return { file, count, height, width, pixels: data };
  if (data instanceof Float32Array || data instanceof Float64Array) {
    checkUnitRange(data, file);
    return { file, count, height, width, pixels: data };
  }
  throw fileError(file, `holds images of dtype ${npy.dtype}; images must be uint8 (0–255) or float32/float64 in [0, 1] (convert with .astype(np.uint8) or .astype(np.float32))`);
}

/**
 * Labels from a .npy file: integers of any width, shape (N) or (N, 1), or one-hot rows (N, K) of
 * any numeric dtype (each row exactly one 1 and otherwise 0).
 */
export function labelsFromNpy(npy: NpyArray, file: string): Uint8Array {
  const { shape, data } = npy;
  const isOneHot = shape.length === 2 && (shape[1] as number) > 1;
  if (isOneHot) return labelsFromOneHot(data, shape[0] as number, shape[1] as number, file);
  if (shape.length !== 1 && !(shape.length === 2 && shape[1] === 1)) {
    throw fileError(file, `holds labels of shape (${shape.join(', ')}); labels must be integers of shape (N) or one-hot rows of shape (N, K)`);
  }
  if (data instanceof Float32Array || data instanceof Float64Array || npy.dtype === 'bool') {
    throw fileError(file, `holds labels of dtype ${npy.dtype}; integer labels of shape (N) must have an integer dtype (convert with .astype(np.uint8))`);
  }
  const labels = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const value = Number(data[i] as number | bigint);
    if (value < 0 || value > MAX_LABEL) throw labelOutOfRange(file, value, i);
    labels[i] = value;
  }
  return labels;
}

function labelsFromOneHot(data: NpyData, count: number, classes: number, file: string): Uint8Array {
  const labels = new Uint8Array(count);
  for (let row = 0; row < count; row++) {
    let hot = -1;
    for (let k = 0; k < classes; k++) {
      const value = Number(data[row * classes + k] as number | bigint);
      if (value === 0) continue;
      if (value !== 1 || hot !== -1) {
        throw fileError(file, `holds labels of shape (${count}, ${classes}) but row ${row} is not one-hot (${rowText(data, row, classes)}); one-hot rows need exactly one 1 and otherwise 0`);
      }
      hot = k;
    }
    if (hot === -1) {
      throw fileError(file, `holds labels of shape (${count}, ${classes}) but row ${row} is all zeros; one-hot rows need exactly one 1`);
    }
    if (hot > MAX_LABEL) throw labelOutOfRange(file, hot, row);
    labels[row] = hot;
  }
  return labels;
}

function rowText(data: NpyData, row: number, classes: number): string {
  const shown = Math.min(classes, 12);
  const values: string[] = [];
  for (let k = 0; k < shown; k++) values.push(String(data[row * classes + k]));
  return `[${values.join(', ')}${classes > shown ? ', …' : ''}]`;
}

function checkLabelRange(labels: Uint8Array, file: string): void {
  for (let i = 0; i < labels.length; i++) {
    if ((labels[i] as number) > MAX_LABEL) throw labelOutOfRange(file, labels[i] as number, i);
  }
}

function labelOutOfRange(file: string, value: number, index: number): Error {
  return fileError(file, `has label ${value} at index ${index}; labels must be 0–${MAX_LABEL}, the values data.digits can select`);
}

/**
 * (N, H, W) as is; (N, H, W, 1) as (N, H, W) (a single channel); (N, D) as (N, √D, √D) when D is a
 * perfect square — otherwise the height and width cannot be known and the file must say them.
 */
function imageShape(shape: number[], file: string, format: string): { count: number; height: number; width: number } {
  const [count, a, b, channels] = shape;
  if (shape.length === 3 || (shape.length === 4 && channels === 1)) {
    return { count: count as number, height: a as number, width: b as number };
  }
  if (shape.length === 2) {
    const side = Math.round(Math.sqrt(a as number));
    if (side * side === a && side > 0) return { count: count as number, height: side, width: side };
    throw fileError(file, `holds ${format} images of shape (${shape.join(', ')}): ${a} pixels per image is not a square, so height and width are unknown; save the images as (N, H, W)`);
  }
  throw fileError(file, `holds ${format === 'IDX' ? 'an' : 'a'} ${format} array of shape (${shape.join(', ')}); images must have shape (N, H, W) or (N, H·W)`);
}

function checkUnitRange(pixels: Float32Array | Float64Array, file: string): void {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i] as number;
    if (Number.isNaN(v)) throw fileError(file, `holds a NaN pixel at flat index ${i}; pixels must be numbers in [0, 1]`);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (pixels.length > 0 && (min < 0 || max > 1)) {
    const hint = max > 1 && max <= 255 && min >= 0 ? ' (they look like 0–255 values: divide by 255 or save them as uint8)' : '';
    throw fileError(file, `holds float pixels ranging from ${min} to ${max}; float pixels must be in [0, 1]${hint}`);
  }
}
