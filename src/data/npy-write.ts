// Writes NumPy .npy files (format 1.0) for other tools: numpy.load reads them as they are. Only the
// two dtypes aelab hands out (float32 codes, uint8 labels), little-endian, C order.
import { writeFileAtomic } from '../shared/fs.ts';

export type NpyWritable = Float32Array | Uint8Array;

/** The .npy bytes of `data` with the given shape (C order). */
export function npyFileBytes(data: NpyWritable, shape: readonly number[]): Uint8Array {
  if (!shape.every((s) => Number.isInteger(s) && s >= 0)) throw new Error(`npyFileBytes: bad shape (${shape.join(', ')})`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`npyFileBytes: shape (${shape.join(', ')}) holds ${count} values, the data has ${data.length}`);
  const descr = data instanceof Float32Array ? '<f4' : '|u1';
  // Python's tuple syntax: a 1-tuple needs its trailing comma.
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // As numpy writes it: magic, version 1.0, uint16 header length, then the dict padded with spaces
  // and ended by '\n' so that the data starts on a 64-byte boundary.
  const prefix = 10;
  const padded = Math.ceil((prefix + dict.length + 1) / 64) * 64 - prefix;
  if (padded > 0xffff) throw new Error('npyFileBytes: header too long for format 1.0');
  const header = dict.padEnd(padded - 1, ' ') + '\n';
  const out = new Uint8Array(prefix + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), prefix);
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof Float32Array && !LITTLE_ENDIAN) {
    const view = new DataView(out.buffer, prefix + header.length);
    data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  } else {
    out.set(body, prefix + header.length);
  }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Writes `data` as a .npy file, atomically (temp file + rename). */
export function writeNpyFile(file: string, data: NpyWritable, shape: readonly number[]): void {
  writeFileAtomic(file, npyFileBytes(data, shape));
}
