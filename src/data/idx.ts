// IDX, the format of the original MNIST files (and of Fashion-MNIST, EMNIST, KMNIST):
// two zero bytes, a data-type byte, the number of dimensions, then one big-endian uint32 per
// dimension, then the values in C order. See http://yann.lecun.com/exdb/mnist/.
import { fileError } from '../shared/errors.ts';
import { readFileBytes } from './file-bytes.ts';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const IDX_TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};
const IDX_UNSIGNED_BYTE = 0x08;
/** (N, H, W, 1): the most dimensions an image file may have (see arrays.ts imageShape). */
const MAX_IDX_RANK = 4;

/** Reads an IDX file (raw or gzip). Only unsigned-byte data, which is what image/label files use. */
export function readIdx(file: string): IdxArray {
  return parseIdx(readFileBytes(file, idxFileLength), file);
}

/** Header plus data bytes of the IDX file whose first bytes are `head`; null if not a valid header. */
function idxFileLength(head: Uint8Array): number | null {
  if (head.length < 4 || head[0] !== 0 || head[1] !== 0) return null;
  const rank = head[3] as number;
  const headerBytes = 4 + 4 * rank;
  if (rank === 0 || rank > MAX_IDX_RANK || head.length < headerBytes) return null;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let length = 1;
  for (let d = 0; d < rank; d++) length *= view.getUint32(4 + 4 * d, false);
  return headerBytes + length;
}

/** Parses IDX bytes; `file` only names the source in error messages. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) {
    throw fileError(file, `is not an IDX file: only ${bytes.length} bytes, too short for the 4-byte IDX magic number`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw fileError(file, `is not an IDX file: it starts with ${hex(bytes, 0, 4)}, expected 00 00 <type> <dims>${formatHint(bytes)}`);
  }
  const typeByte = bytes[2] as number;
  const rank = bytes[3] as number;
  const typeName = IDX_TYPE_NAMES[typeByte];
  if (typeName === undefined) {
    throw fileError(file, `is not an IDX file: data-type byte 0x${hexByte(typeByte)} is not an IDX type (expected 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e)`);
  }
  if (typeByte !== IDX_UNSIGNED_BYTE) {
    throw fileError(file, `holds IDX data of type ${typeName} (0x${hexByte(typeByte)}); aelab reads unsigned-byte IDX files (type 0x08), as MNIST-style image and label files are`);
  }
  if (rank === 0) throw fileError(file, 'is an IDX file with 0 dimensions; expected images (N, H, W) or labels (N)');
  // Images and labels have at most (N, H, W, 1); more dimensions means a damaged header, whose
  // "dimensions" would otherwise be pixel bytes read as sizes (an absurd truncation message).
  if (rank > MAX_IDX_RANK) {
    throw fileError(file, `announces ${rank} dimensions in its IDX header (${hex(bytes, 0, 4)}), but images have 3 (N, H, W), labels 1 (N); the file is damaged or not an image/label IDX file`);
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw fileError(file, `is truncated: the IDX header announces ${rank} dimensions (${headerBytes} header bytes) but the file holds only ${bytes.length} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < rank; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const available = bytes.length - headerBytes;
  if (available < expected) {
    const perItem = dims.slice(1).reduce((a, b) => a * b, 1);
    const whole = perItem > 0 ? Math.floor(available / perItem) : 0;
    throw fileError(file, `is truncated: the header says ${dims[0]} items of shape (${dims.join(', ')}) = ${expected} bytes, but the file holds only ${available} data bytes (${whole} whole items)`);
  }
  if (available > expected) {
    throw fileError(file, `has ${available - expected} unexpected bytes after the ${expected} data bytes that its header (${dims.join(' × ')}) announces; the file is damaged or not an IDX file`);
  }
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerBytes, expected) };
}

function formatHint(bytes: Uint8Array): string {
  if (bytes[0] === 0x93 && bytes[1] === 0x4e) return ' (this looks like a NumPy .npy file: use data.source: npy)';
  return '';
}

function hexByte(b: number): string {
  return b.toString(16).padStart(2, '0');
}

function hex(bytes: Uint8Array, start: number, end: number): string {
  return Array.from(bytes.subarray(start, end), hexByte).join(' ');
}
