// Reading a data file's bytes, transparently un-gzipping it. Gzip is recognised by its magic bytes
// (1f 8b), not by the name: people rename files, and a `.gz` that is really raw should still load.
import fs from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileError } from '../shared/errors.ts';

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC_0 && bytes[1] === GZIP_MAGIC_1;
}

/** The file's contents, gunzipped when they start with the gzip magic bytes. */
export function readFileBytes(file: string): Buffer {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch (err) {
    throw fileError(file, describeReadFailure(err));
  }
  if (!isGzip(raw)) return raw;
  try {
    return gunzipSync(raw);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw fileError(file, `is a corrupt or truncated gzip file (${reason}); re-download or re-compress it`);
  }
}

function describeReadFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EISDIR') return 'is a folder, expected a data file';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read (permission denied)';
  return `cannot be read (${err instanceof Error ? err.message : String(err)})`;
}
