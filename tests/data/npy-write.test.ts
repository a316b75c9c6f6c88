// The .npy writer. Two checks that do not trust the writer: its bytes are compared with what
// numpy 1.24's np.save wrote for the same arrays (pinned below), and the project's reader (tested
// against numpy's format in npy.test.ts) reads every file back. Python is not a test dependency.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { npyFileBytes, parseNpy, readNpy, writeNpyFile } from '../../src/data/index.ts';
import { makeTempDir } from './fixtures.ts';

const dir = makeTempDir();

/** np.save(f, np.zeros(shape, dtype)) header as numpy 1.24 wrote it: magic, v1.0, length, dict, padding, '\n'. */
function numpyHeader(dict: string): Uint8Array {
  // numpy pads to a multiple of 64 bytes in total; for these dicts that is 128 (header length 118 = 0x76).
  const text = dict + ' '.repeat(118 - 1 - dict.length) + '\n';
  return Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0x76, 0, ...new TextEncoder().encode(text)]);
}

describe('writeNpy', () => {
  it('writes float32 n×latent byte for byte as numpy does', () => {
    const data = Float32Array.from([0.5, -1.25, 3, 4e-8, -0, 1e30]);
    const bytes = npyFileBytes(data, [3, 2]);
    const header = numpyHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }");
    expect(Array.from(bytes.subarray(0, 128))).toEqual(Array.from(header));
    expect(bytes.length).toBe(128 + 24);
    expect(Array.from(new Float32Array(bytes.slice(128).buffer))).toEqual(Array.from(data));
  });

  it('writes uint8 labels with the 1-tuple shape (5,) as numpy does', () => {
    const bytes = npyFileBytes(Uint8Array.from([1, 5, 6, 6, 255]), [5]);
    expect(Array.from(bytes.subarray(0, 128))).toEqual(Array.from(numpyHeader("{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }")));
    expect(Array.from(bytes.subarray(128))).toEqual([1, 5, 6, 6, 255]);
  });

  it('round-trips through the project reader, from a file, for large and empty arrays', () => {
    const n = 2985;
    const codes = Float32Array.from({ length: n * 8 }, (_, i) => Math.sin(i) * 10);
    const file = path.join(dir, 'codes', 'test.npy');
    writeNpyFile(file, codes, [n, 8]);
    const back = readNpy(file);
    expect(back.dtype).toBe('float32');
    expect(back.shape).toEqual([n, 8]);
    expect(Array.from(back.data as Float32Array)).toEqual(Array.from(codes));
    // The data starts on a 64-byte boundary, as numpy aligns it.
    expect((npyFileBytes(codes, [n, 8]).length - codes.byteLength) % 64).toBe(0);
    const empty = parseNpy(npyFileBytes(new Float32Array(0), [0, 2]), 'empty.npy');
    expect(empty.shape).toEqual([0, 2]);
  });

  it('writes a subarray view (not its whole buffer)', () => {
    const whole = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const back = parseNpy(npyFileBytes(whole.subarray(2, 4), [2]), 'view.npy');
    expect(Array.from(back.data as Float32Array)).toEqual([3, 4]);
  });

  it('refuses a shape that does not fit the data', () => {
    expect(() => npyFileBytes(new Float32Array(6), [4, 2])).toThrow(/holds 8 values, the data has 6/);
    expect(() => npyFileBytes(new Uint8Array(2), [-2])).toThrow(/bad shape/);
  });
});
