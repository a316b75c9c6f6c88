// Reading a data file's bytes, transparently un-gzipping it. Gzip is recognised by its magic bytes
// (1f 8b), not by the name: people rename files, and a `.gz` that is really raw should still load.
import fs from 'node:fs';
import { constants as bufferConstants } from 'node:buffer';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { fileError } from '../shared/errors.ts';

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
/** Compressed bytes un-gzipped first to read a file's header (which says how long the rest is). */
const HEAD_BYTES = 64 * 1024;
/** Deflate cannot expand data more than about 1032-fold: a bound on what a .gz can hold. */
const MAX_DEFLATE_RATIO = 1032;

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC_0 && bytes[1] === GZIP_MAGIC_1;
}

/**
 * The file's contents, gunzipped when they start with the gzip magic bytes. `lengthFromHeader`
 * reads the uncompressed file's total length from its first bytes (null if they are not a valid
 * header): a gzip file is then never inflated past that length, so a small .gz whose contents
 * claim or hold gigabytes (a "zip bomb", or a damaged header) is refused before memory runs out.
 */
export function readFileBytes(file: string, lengthFromHeader?: (head: Uint8Array) => number | null): Buffer {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch (err) {
    throw fileError(file, describeReadFailure(err));
  }
  if (!isGzip(raw)) return raw;
  const gzipFailure = (err: unknown) => {
    const reason = err instanceof Error ? err.message : String(err);
    return fileError(file, `is a corrupt or truncated gzip file (${reason}); re-download or re-compress it`);
  };
  let limit: number = bufferConstants.MAX_LENGTH;
  if (lengthFromHeader) {
    let head: Buffer;
    try {
      head = gunzipSync(raw.subarray(0, HEAD_BYTES), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch (err) {
      throw gzipFailure(err);
    }
    const length = lengthFromHeader(head);
    // Not a valid header: the caller's parser says what is wrong from the first bytes alone.
    if (length === null) return head;
    if (length > bufferConstants.MAX_LENGTH || length > raw.length * MAX_DEFLATE_RATIO) {
      throw fileError(
        file,
        `announces ${formatBytes(length)} of data in its header, but ${length > bufferConstants.MAX_LENGTH ? `aelab can hold at most ${formatBytes(bufferConstants.MAX_LENGTH)} in memory` : `this ${formatBytes(raw.length)} gzip file cannot hold that much`}; the header is damaged or the file is not what it claims`,
      );
    }
    limit = length;
  }
  try {
    return gunzipSync(raw, { maxOutputLength: Math.max(1, limit) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw fileError(file, `un-gzips to more than the ${formatBytes(limit)} its header announces; the file is damaged or not what it claims`);
    }
    throw gzipFailure(err);
  }
}

function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} bytes`;
}

function describeReadFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EISDIR') return 'is a folder, expected a data file';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read (permission denied)';
  return `cannot be read (${err instanceof Error ? err.message : String(err)})`;
}
