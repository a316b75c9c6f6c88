// Writers for tiny IDX and .npy files, so that the data tests build their own fixtures.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, expect } from 'vitest';
import { isUserError } from '../../src/shared/errors.ts';
import { writeFileAtomic } from '../../src/shared/fs.ts';

/** A fresh temp folder, removed after the calling test file (or describe block) finishes. */
export function makeTempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aelab-data-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An IDX file of unsigned bytes (or of `typeByte`) with the given dimensions. */
export function idxBytes(dims: number[], data: Uint8Array, typeByte = 0x08): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  header[2] = typeByte;
  header[3] = dims.length;
  const view = new DataView(header.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

export function writeIdx(file: string, dims: number[], data: Uint8Array, options: { gzip?: boolean } = {}): string {
  const bytes = idxBytes(dims, data);
  writeFileAtomic(file, options.gzip ? gzipSync(bytes) : bytes);
  return file;
}

export interface NpyOptions {
  version?: 1 | 2 | 3;
  fortranOrder?: boolean;
  /** Header text to write verbatim instead of the generated dict. */
  rawHeader?: string;
}

/** A .npy file whose data bytes are given as is (already in the byte order `descr` says). */
export function npyBytes(descr: string, shape: number[], data: Uint8Array, options: NpyOptions = {}): Uint8Array {
  const version = options.version ?? 1;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = options.rawHeader ?? `{'descr': '${descr}', 'fortran_order': ${options.fortranOrder ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const lengthBytes = version === 1 ? 2 : 4;
  const prefix = 6 + 2 + lengthBytes;
  // numpy pads the header with spaces so that the data starts on a 64-byte boundary.
  let header = dict;
  while ((prefix + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const headerBytes = new TextEncoder().encode(header);
  const out = new Uint8Array(prefix + headerBytes.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerBytes.length, true);
  else view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, prefix);
  out.set(data, prefix + headerBytes.length);
  return out;
}

export function writeNpy(file: string, descr: string, shape: number[], data: ArrayBufferView, options: NpyOptions & { gzip?: boolean } = {}): string {
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const bytes = npyBytes(descr, shape, raw, options);
  writeFileAtomic(file, options.gzip ? gzipSync(bytes) : bytes);
  return file;
}

/** count × h × w bytes with a distinct pattern per image: pixel j of image i = (i·31 + j·7) mod 256. */
export function patternImages(count: number, height: number, width: number): Uint8Array {
  const dim = height * width;
  const out = new Uint8Array(count * dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) out[i * dim + j] = (i * 31 + j * 7) % 256;
  return out;
}

/** Asserts that `run` throws a UserError whose message contains every fragment; returns the message. */
export function expectUserError(run: () => unknown, ...fragments: string[]): string {
  let caught: unknown;
  try {
    run();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a UserError to be thrown').toBeDefined();
  expect(isUserError(caught), `expected a UserError, got ${String(caught)}`).toBe(true);
  const message = (caught as Error).message;
  for (const fragment of fragments) expect(message).toContain(fragment);
  return message;
}
