import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNpy, readNpy } from '../../src/data/index.ts';
import { writeFileAtomic } from '../../src/shared/fs.ts';
import { expectUserError, makeTempDir, npyBytes, writeNpy } from './fixtures.ts';

const dir = makeTempDir();

describe('readNpy: format versions and dtypes', () => {
  const values = Float32Array.from([0, 0.25, 0.5, 0.75, 1, 0.125]);

  for (const version of [1, 2, 3] as const) {
    it(`reads format version ${version}.0`, () => {
      const file = writeNpy(path.join(dir, `v${version}.npy`), '<f4', [2, 3], values, { version });
      const npy = readNpy(file);
      expect(npy.shape).toEqual([2, 3]);
      expect(npy.dtype).toBe('float32');
      expect(Array.from(npy.data as Float32Array)).toEqual(Array.from(values));
    });
  }

  it('reads uint8, float64, int64 and bool', () => {
    const u8 = readNpy(writeNpy(path.join(dir, 'u8.npy'), '|u1', [3], Uint8Array.from([0, 128, 255])));
    expect(u8.dtype).toBe('uint8');
    expect(Array.from(u8.data as Uint8Array)).toEqual([0, 128, 255]);
    const f8 = readNpy(writeNpy(path.join(dir, 'f8.npy'), '<f8', [2], Float64Array.from([0.1, 0.9])));
    expect(f8.dtype).toBe('float64');
    expect(Array.from(f8.data as Float64Array)).toEqual([0.1, 0.9]);
    const i8 = readNpy(writeNpy(path.join(dir, 'i8.npy'), '<i8', [3], BigInt64Array.from([1n, -5n, 6n])));
    expect(i8.dtype).toBe('int64');
    expect(Array.from(i8.data as BigInt64Array)).toEqual([1n, -5n, 6n]);
    const b1 = readNpy(writeNpy(path.join(dir, 'b1.npy'), '|b1', [2], Uint8Array.from([1, 0])));
    expect(b1.dtype).toBe('bool');
  });

  it('byte-swaps big-endian data', () => {
    const bytes = new Uint8Array(8);
    const view = new DataView(bytes.buffer);
    view.setFloat32(0, 0.5, false);
    view.setFloat32(4, 0.75, false);
    const f4 = readNpy(writeNpy(path.join(dir, 'be-f4.npy'), '>f4', [2], bytes));
    expect(Array.from(f4.data as Float32Array)).toEqual([0.5, 0.75]);
    const i2 = readNpy(writeNpy(path.join(dir, 'be-i2.npy'), '>i2', [2], Uint8Array.from([0x01, 0x02, 0xff, 0xfe])));
    expect(Array.from(i2.data as Int16Array)).toEqual([0x0102, -2]);
  });

  it("reads '=' (native) byte order", () => {
    const native = readNpy(writeNpy(path.join(dir, 'native.npy'), '=i4', [2], Int32Array.from([7, -7])));
    expect(Array.from(native.data as Int32Array)).toEqual([7, -7]);
  });

  it('transposes fortran_order arrays to C order (2-D and 3-D)', () => {
    // C-order matrix [[1, 2, 3], [4, 5, 6]] stored column by column.
    const m = readNpy(writeNpy(path.join(dir, 'fortran2.npy'), '<i4', [2, 3], Int32Array.from([1, 4, 2, 5, 3, 6]), { fortranOrder: true }));
    expect(m.shape).toEqual([2, 3]);
    expect(Array.from(m.data as Int32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    // 3-D (2, 2, 3): C value at (i, j, k) = 100i + 10j + k; Fortran stores i fastest, then j, then k.
    const fortran: number[] = [];
    for (let k = 0; k < 3; k++) for (let j = 0; j < 2; j++) for (let i = 0; i < 2; i++) fortran.push(100 * i + 10 * j + k);
    const t = readNpy(writeNpy(path.join(dir, 'fortran3.npy'), '<f8', [2, 2, 3], Float64Array.from(fortran), { fortranOrder: true }));
    const expected: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let k = 0; k < 3; k++) expected.push(100 * i + 10 * j + k);
    expect(Array.from(t.data as Float64Array)).toEqual(expected);
  });

  it('parses headers with other key order, double quotes and Python 2 long integers', () => {
    const raw = npyBytes('', [], Uint8Array.from([1, 2, 3, 4, 5, 6]), { rawHeader: `{"shape": (2L, 3L), "fortran_order": False, "descr": "|u1"}` });
    const npy = parseNpy(raw, 'inline.npy');
    expect(npy.shape).toEqual([2, 3]);
    expect(Array.from(npy.data as Uint8Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads a gzipped .npy', () => {
    const npy = readNpy(writeNpy(path.join(dir, 'gz.npy.gz'), '|u1', [2], Uint8Array.from([3, 4]), { gzip: true }));
    expect(Array.from(npy.data as Uint8Array)).toEqual([3, 4]);
  });
});

describe('readNpy: bad files', () => {
  it('rejects a file without the NUMPY magic, naming the file', () => {
    const file = path.join(dir, 'not.npy');
    writeFileAtomic(file, 'x,y\n1,2\n');
    expectUserError(() => readNpy(file), file, 'not a NumPy .npy file');
  });

  it('rejects unsupported dtypes, naming the dtype', () => {
    const complex = writeNpy(path.join(dir, 'complex.npy'), '<c8', [1], new Uint8Array(8));
    expectUserError(() => readNpy(complex), complex, "dtype '<c8'", 'float32');
    const unicode = writeNpy(path.join(dir, 'unicode.npy'), '<U3', [1], new Uint8Array(12));
    expectUserError(() => readNpy(unicode), unicode, "dtype '<U3'");
    const half = writeNpy(path.join(dir, 'half.npy'), '<f2', [1], new Uint8Array(2));
    expectUserError(() => readNpy(half), half, "dtype '<f2'");
    const structured = path.join(dir, 'structured.npy');
    writeFileAtomic(structured, npyBytes('', [], new Uint8Array(0), { rawHeader: "{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (0,), }" }));
    expectUserError(() => readNpy(structured), structured, 'structured');
  });

  it('rejects malformed headers', () => {
    const cases: Record<string, string> = {
      'garbage.npy': "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }",
      'missing-shape.npy': "{'descr': '<f4', 'fortran_order': False}",
      'bad-shape.npy': "{'descr': '<f4', 'fortran_order': False, 'shape': (1.5,), }",
      'not-dict.npy': "('<f4', False, (1,))",
      'unterminated.npy': "{'descr': '<f4, 'fortran_order': False, 'shape': (1,)",
    };
    for (const [name, header] of Object.entries(cases)) {
      const file = path.join(dir, name);
      writeFileAtomic(file, npyBytes('', [], new Uint8Array(4), { rawHeader: header }));
      expectUserError(() => readNpy(file), file, 'malformed .npy header');
    }
  });

  it('rejects an unknown format version', () => {
    const bytes = npyBytes('<f4', [1], new Uint8Array(4));
    bytes[6] = 4;
    const file = path.join(dir, 'v4.npy');
    writeFileAtomic(file, bytes);
    expectUserError(() => readNpy(file), file, 'version 4.0');
  });

  it('rejects truncated data and trailing bytes', () => {
    const full = npyBytes('<f4', [4, 2], new Uint8Array(32));
    const truncated = path.join(dir, 'truncated.npy');
    writeFileAtomic(truncated, full.subarray(0, full.length - 5));
    expectUserError(() => readNpy(truncated), truncated, 'truncated', 'shape (4, 2)', '27 data bytes');
    const trailing = path.join(dir, 'trailing.npy');
    writeFileAtomic(trailing, Uint8Array.from([...full, 0, 0]));
    expectUserError(() => readNpy(trailing), trailing, '2 unexpected bytes');
    const header = path.join(dir, 'cut-header.npy');
    writeFileAtomic(header, full.subarray(0, 30));
    expectUserError(() => readNpy(header), header, 'truncated');
  });
});
