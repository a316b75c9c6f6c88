import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from './errors.ts';

// Every file aelab writes goes through here: a temp file in the same folder, then rename, so a
// crash or Ctrl-C leaves either the old file or the new one, never half of one. (A kill -9 in
// the middle can leave the hidden temp file, '.<name>.<pid>.<random>.tmp', never a half <name>.)

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(file);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw fileSystemError(err, dir, 'create the folder') ?? err;
  }
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw fileSystemError(err, file, 'write') ?? err;
  }
}

/** What the user can do about a file system refusal, by errno code. */
const FILE_SYSTEM_REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device; free some space or choose another folder with --runs-dir',
  EDQUOT: 'the disk quota is exceeded; free some space or choose another folder with --runs-dir',
  EFBIG: 'the file would exceed the limit on file size (see `ulimit -f`); raise the limit or choose another folder with --runs-dir',
  EACCES: 'permission denied; make the folder writable or choose another one with --runs-dir',
  EPERM: 'operation not permitted; make the folder writable or choose another one with --runs-dir',
  EROFS: 'the file system is read-only; choose another folder with --runs-dir',
  ELOOP: 'too many levels of symbolic links (a link that points to itself?); fix the link or choose another folder with --runs-dir',
  ENAMETOOLONG: 'the path is too long for the file system; choose a shorter --runs-dir',
  EIO: 'an input/output error of the disk; check the disk',
};

/**
 * A file system refusal the user can act on (full disk, quota, file-size limit, permissions,
 * read-only) as one line naming the path; null for anything else (a bug: keep its stack).
 */
export function fileSystemError(err: unknown, file: string, action: string): UserError | null {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason = code === undefined ? undefined : FILE_SYSTEM_REASONS[code];
  return reason ? new UserError(`cannot ${action} ${file}: ${reason} (${code})`, { cause: err }) : null;
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/** True when both paths name the same file or folder (symlinks followed; a missing path compares as written). */
export function isSamePath(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return real(a) === real(b);
}
