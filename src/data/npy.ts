// NumPy .npy files (format versions 1.0, 2.0 and 3.0, see numpy/lib/format.py): the magic
// "\x93NUMPY", major and minor version bytes, a little-endian header length (uint16 in v1, uint32
// in v2/v3), then a Python dict literal {'descr': …, 'fortran_order': …, 'shape': (…)}, padded
// with spaces and ended by '\n', then the raw values.
import os from 'node:os';
import { fileError } from '../shared/errors.ts';
import { readFileBytes } from './file-bytes.ts';
import { parsePythonLiteral, type PyValue } from './python-literal.ts';

export type NpyDtype =
  | 'bool'
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'uint32'
  | 'int32'
  | 'uint64'
  | 'int64'
  | 'float32'
  | 'float64';

export type NpyData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array
  | Float32Array
  | Float64Array;

export interface NpyArray {
  /** Shape in C (row-major) order; `data` is always C order, whatever the file's order was. */
  shape: number[];
  dtype: NpyDtype;
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** NumPy type code (kind + itemsize) → dtype. */
const TYPE_CODES: Record<string, NpyDtype> = {
  b1: 'bool',
  u1: 'uint8',
  i1: 'int8',
  u2: 'uint16',
  i2: 'int16',
  u4: 'uint32',
  i4: 'int32',
  u8: 'uint64',
  i8: 'int64',
  f4: 'float32',
  f8: 'float64',
};

const ITEM_SIZE: Record<NpyDtype, number> = {
  bool: 1,
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  uint64: 8,
  int64: 8,
  float32: 4,
  float64: 8,
};

/** Reads a .npy file (raw or gzip). */
export function readNpy(file: string): NpyArray {
  return parseNpy(readFileBytes(file, (head) => npyFileLength(head, file)), file);
}

/** Length of the whole .npy file whose first bytes are `head`, per its header; null if unknown. */
function npyFileLength(head: Uint8Array, file: string): number | null {
  try {
    const { header, dataStart } = parseNpyHeader(head, file);
    return dataStart + header.shape.reduce((a, b) => a * b, 1) * ITEM_SIZE[header.dtype];
  } catch {
    return null;
  }
}

/** Parses .npy bytes; `file` only names the source in error messages. */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  const { header, dataStart } = parseNpyHeader(bytes, file);
  const itemSize = ITEM_SIZE[header.dtype];
  const count = header.shape.reduce((a, b) => a * b, 1);
  const expected = count * itemSize;
  const available = bytes.length - dataStart;
  if (available < expected) {
    throw fileError(file, `is truncated: its header says shape (${header.shape.join(', ')}) of ${header.dtype} = ${expected} bytes, but the file holds only ${available} data bytes`);
  }
  if (available > expected) {
    throw fileError(file, `has ${available - expected} unexpected bytes after the ${expected} data bytes that its header (shape (${header.shape.join(', ')}), ${header.dtype}) announces; the file is damaged`);
  }

  const swap = itemSize > 1 && !header.littleEndian;
  const aligned = (bytes.byteOffset + dataStart) % itemSize === 0;
  let buffer: ArrayBufferLike;
  let offset: number;
  if (swap || !aligned || header.fortranOrder) {
    // A private, aligned copy that can be byte-swapped and transposed in place.
    const copy = new Uint8Array(expected);
    copy.set(bytes.subarray(dataStart, dataStart + expected));
    if (swap) swapBytes(copy, itemSize);
    buffer = header.fortranOrder ? fortranToC(copy, itemSize, header.shape).buffer : copy.buffer;
    offset = 0;
  } else {
    buffer = bytes.buffer;
    offset = bytes.byteOffset + dataStart;
  }
  return { shape: header.shape, dtype: header.dtype, data: typedView(header.dtype, buffer, offset, count) };
}

/** The header of .npy bytes and where its data starts. */
function parseNpyHeader(bytes: Uint8Array, file: string): { header: NpyHeader; dataStart: number } {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    const hint = bytes.length >= 3 && bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0x08 ? ' (this looks like an IDX file: use data.source: idx)' : '';
    throw fileError(file, `is not a NumPy .npy file: it does not start with the magic bytes \\x93NUMPY${hint}`);
  }
  const major = bytes[6] as number;
  const minor = bytes[7] as number;
  if (major < 1 || major > 3) {
    throw fileError(file, `uses .npy format version ${major}.${minor}; aelab reads versions 1.0, 2.0 and 3.0`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) throw fileError(file, 'is truncated inside the .npy header');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lengthBytes;
  const dataStart = headerStart + headerLength;
  if (bytes.length < dataStart) {
    throw fileError(file, `is truncated: the .npy header announces ${headerLength} header bytes but the file ends after ${bytes.length - headerStart}`);
  }
  // v1 and v2 headers are latin-1, v3 headers UTF-8 (that is the only difference in v3).
  const headerText = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));
  return { header: parseHeader(headerText, file), dataStart };
}

interface NpyHeader {
  dtype: NpyDtype;
  littleEndian: boolean;
  fortranOrder: boolean;
  shape: number[];
}

function parseHeader(text: string, file: string): NpyHeader {
  let value: PyValue;
  try {
    value = parsePythonLiteral(text.trim());
  } catch (err) {
    throw fileError(file, `has a malformed .npy header (${err instanceof Error ? err.message : String(err)}): ${JSON.stringify(text.trim())}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw fileError(file, `has a malformed .npy header: expected a dict with descr, fortran_order and shape, found ${JSON.stringify(text.trim())}`);
  }
  const dict = value;
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!(key in dict)) throw fileError(file, `has a malformed .npy header: the key '${key}' is missing`);
  }
  const descr = dict['descr'];
  if (typeof descr !== 'string') {
    throw fileError(file, `holds a structured NumPy array (descr ${JSON.stringify(descr)}); aelab reads plain numeric arrays — save images and labels as separate plain arrays`);
  }
  const fortran = dict['fortran_order'];
  if (typeof fortran !== 'boolean') throw fileError(file, `has a malformed .npy header: fortran_order is ${JSON.stringify(fortran)}, expected True or False`);
  const shapeValue = dict['shape'];
  if (!Array.isArray(shapeValue) || !shapeValue.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    throw fileError(file, `has a malformed .npy header: shape is ${JSON.stringify(shapeValue)}, expected a tuple of non-negative integers`);
  }
  const { dtype, littleEndian } = parseDescr(descr, file);
  return { dtype, littleEndian, fortranOrder: fortran, shape: shapeValue as number[] };
}

function parseDescr(descr: string, file: string): { dtype: NpyDtype; littleEndian: boolean } {
  const match = /^([<>|=]?)([a-zA-Z]\d*)$/.exec(descr);
  const dtype = match ? TYPE_CODES[match[2] as string] : undefined;
  if (!match || dtype === undefined) {
    throw fileError(file, `has NumPy dtype '${descr}', which aelab does not read; supported: bool, uint8/16/32/64, int8/16/32/64, float32, float64 (convert with .astype(np.float32) or .astype(np.uint8))`);
  }
  const order = match[1];
  // '|' means "byte order not applicable" (1-byte types); '=' and '' mean the writer's native order.
  const littleEndian = order === '<' || order === '|' || order === '' || (order === '=' && os.endianness() === 'LE');
  return { dtype, littleEndian };
}

function swapBytes(bytes: Uint8Array, itemSize: number): void {
  for (let i = 0; i < bytes.length; i += itemSize) {
    for (let a = i, b = i + itemSize - 1; a < b; a++, b--) {
      const t = bytes[a] as number;
      bytes[a] = bytes[b] as number;
      bytes[b] = t;
    }
  }
}

/**
 * Reorders a Fortran-order (column-major) array into C order (row-major), element by element.
 * In Fortran order the FIRST index varies fastest: element (i0, i1, …) sits at
 * i0 + d0·(i1 + d1·(i2 + …)).
 */
function fortranToC(bytes: Uint8Array, itemSize: number, shape: number[]): Uint8Array {
  const rank = shape.length;
  const count = bytes.length / itemSize;
  if (rank < 2 || count === 0) return bytes;
  // Move whole elements as one word where possible (8-byte items as two 32-bit words).
  const wordsPerItem = itemSize === 8 ? 2 : 1;
  const source = wordView(bytes, itemSize);
  const target = wordView(new Uint8Array(bytes.length), itemSize);
  const fortranStride: number[] = [];
  let stride = 1;
  for (let d = 0; d < rank; d++) {
    fortranStride.push(stride);
    stride *= shape[d] as number;
  }
  const index = new Array<number>(rank).fill(0);
  let sourceItem = 0;
  for (let c = 0; c < count; c++) {
    for (let w = 0; w < wordsPerItem; w++) target[c * wordsPerItem + w] = source[sourceItem * wordsPerItem + w] as number;
    // Advance the C-order odometer (last index fastest), keeping the Fortran offset in step.
    for (let d = rank - 1; d >= 0; d--) {
      const next = (index[d] as number) + 1;
      if (next < (shape[d] as number)) {
        index[d] = next;
        sourceItem += fortranStride[d] as number;
        break;
      }
      sourceItem -= (index[d] as number) * (fortranStride[d] as number);
      index[d] = 0;
    }
  }
  return new Uint8Array(target.buffer, target.byteOffset, target.byteLength);
}

function wordView(bytes: Uint8Array, itemSize: number): Uint8Array | Uint16Array | Uint32Array {
  if (itemSize === 1) return bytes;
  if (itemSize === 2) return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
  return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}

function typedView(dtype: NpyDtype, buffer: ArrayBufferLike, offset: number, count: number): NpyData {
  switch (dtype) {
    case 'bool':
    case 'uint8':
      return new Uint8Array(buffer, offset, count);
    case 'int8':
      return new Int8Array(buffer, offset, count);
    case 'uint16':
      return new Uint16Array(buffer, offset, count);
    case 'int16':
      return new Int16Array(buffer, offset, count);
    case 'uint32':
      return new Uint32Array(buffer, offset, count);
    case 'int32':
      return new Int32Array(buffer, offset, count);
    case 'uint64':
      return new BigUint64Array(buffer, offset, count);
    case 'int64':
      return new BigInt64Array(buffer, offset, count);
    case 'float32':
      return new Float32Array(buffer, offset, count);
    case 'float64':
      return new Float64Array(buffer, offset, count);
  }
}
