import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readIdx } from '../../src/data/index.ts';
import { writeFileAtomic } from '../../src/shared/fs.ts';
import { expectUserError, idxBytes, makeTempDir, patternImages, writeIdx } from './fixtures.ts';

describe('readIdx', () => {
  const dir = makeTempDir();
  const images = patternImages(3, 5, 7);

  it('reads a raw IDX image file: dims from the header, data in file order', () => {
    const file = writeIdx(path.join(dir, 'images-idx3-ubyte'), [3, 5, 7], images);
    const idx = readIdx(file);
    expect(idx.dims).toEqual([3, 5, 7]);
    expect(Array.from(idx.data)).toEqual(Array.from(images));
  });

  it('reads gzip by magic bytes, with or without the .gz extension', () => {
    const named = writeIdx(path.join(dir, 'images.gz'), [3, 5, 7], images, { gzip: true });
    const unnamed = writeIdx(path.join(dir, 'images-gzipped-no-extension'), [3, 5, 7], images, { gzip: true });
    expect(Array.from(readIdx(named).data)).toEqual(Array.from(images));
    expect(Array.from(readIdx(unnamed).data)).toEqual(Array.from(images));
  });

  it('reads a raw file that is merely named .gz', () => {
    const file = writeIdx(path.join(dir, 'raw-but-named.gz'), [4], Uint8Array.from([1, 5, 6, 1]));
    expect(readIdx(file)).toEqual({ dims: [4], data: Uint8Array.from([1, 5, 6, 1]) });
  });

  it('rejects a wrong magic number, naming the file', () => {
    const file = path.join(dir, 'not-idx.bin');
    writeFileAtomic(file, Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]));
    expectUserError(() => readIdx(file), file, 'is not an IDX file', '50 4b 03 04');
  });

  it('says when an IDX-named file is really a .npy file', () => {
    const file = path.join(dir, 'really-npy.idx');
    writeFileAtomic(file, Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]));
    expectUserError(() => readIdx(file), file, 'data.source: npy');
  });

  it('rejects an unsupported IDX dtype, naming it', () => {
    const file = path.join(dir, 'float-idx');
    writeFileAtomic(file, idxBytes([2], new Uint8Array(8), 0x0d));
    expectUserError(() => readIdx(file), file, 'float32', '0x0d');
    const bogus = path.join(dir, 'bogus-type-idx');
    writeFileAtomic(bogus, idxBytes([2], new Uint8Array(2), 0x42));
    expectUserError(() => readIdx(bogus), bogus, '0x42');
  });

  it('rejects a damaged header announcing more dimensions than images or labels have', () => {
    // A flipped dims byte (03 → 09) makes the next image bytes read as six huge "dimensions".
    const file = path.join(dir, 'nine-dims-idx');
    const bytes = idxBytes([3, 5, 7], images);
    bytes[3] = 9;
    writeFileAtomic(file, bytes);
    const message = expectUserError(() => readIdx(file), file, 'announces 9 dimensions', 'images have 3 (N, H, W), labels 1 (N)');
    expect(message).not.toContain('e+');
  });

  it('rejects a file whose header promises more images than its bytes hold', () => {
    const file = path.join(dir, 'truncated-idx');
    const full = idxBytes([3, 5, 7], images);
    writeFileAtomic(file, full.subarray(0, full.length - 20));
    expectUserError(() => readIdx(file), file, 'truncated', 'says 3 items', '2 whole items');
  });

  it('rejects a file cut inside the header', () => {
    const file = path.join(dir, 'truncated-header-idx');
    writeFileAtomic(file, idxBytes([3, 5, 7], images).subarray(0, 9));
    expectUserError(() => readIdx(file), file, 'truncated', '3 dimensions');
  });

  it('rejects trailing bytes after the announced data', () => {
    const file = path.join(dir, 'trailing-idx');
    const bytes = idxBytes([2], Uint8Array.from([1, 2]));
    writeFileAtomic(file, Uint8Array.from([...bytes, 9, 9, 9]));
    expectUserError(() => readIdx(file), file, '3 unexpected bytes');
  });

  it('rejects a corrupt .gz', () => {
    const file = path.join(dir, 'corrupt.gz');
    const gz = gzipSync(idxBytes([3, 5, 7], images));
    writeFileAtomic(file, gz.subarray(0, gz.length - 30));
    expectUserError(() => readIdx(file), file, 'corrupt or truncated gzip');
  });

  it('names a missing file', () => {
    const file = path.join(dir, 'no-such-file');
    expect(fs.existsSync(file)).toBe(false);
    expectUserError(() => readIdx(file), file, 'file not found');
  });
});
