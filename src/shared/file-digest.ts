// The identity of a data file by its content: sha256 of its bytes, with its size. Remembered per
// path, size, modification time and inode in this process, so a sweep hashing one spec per trial
// reads each file once (an MNIST-size file takes a fraction of a second).
import { createHash } from 'node:crypto';
import fs from 'node:fs';

export interface FileDigest {
  bytes: number;
  sha256: string;
}

const remembered = new Map<string, { stamp: string; digest: FileDigest }>();

/** The file's size and sha256; null when it cannot be read (the caller keeps the path instead). */
export function fileDigest(file: string): FileDigest | null {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return null;
  }
  if (!stat.isFile()) return null;
  const stamp = `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
  const known = remembered.get(file);
  if (known?.stamp === stamp) return known.digest;
  const hash = createHash('sha256');
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (let read = fs.readSync(fd, chunk); read > 0; read = fs.readSync(fd, chunk)) hash.update(chunk.subarray(0, read));
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
  const digest = { bytes: stat.size, sha256: hash.digest('hex') };
  remembered.set(file, { stamp, digest });
  return digest;
}
