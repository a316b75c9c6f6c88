// runs/<name>/latest: a symlink to the newest completed run, for humans and scripts
// (`open runs/mnist-156-deep/latest/report.html`).
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from '../shared/errors.ts';
import { writeFileAtomic } from '../shared/fs.ts';
import { numberedEntries } from './paths.ts';
import { readRunJson } from './list.ts';

export const LATEST = 'latest';

/**
 * Points nameDir/latest at the newest completed run: `id` (call it after the run completed) or a
 * completed run with a larger number. Replaced atomically (a symlink under a temp name, then
 * rename), and never moved back to an older run. Concurrent completions converge without a lock:
 * after each replacement the folder is checked again, and whoever still sees a newer completed run
 * than the one it linked links again — so the last writer always leaves the newest one.
 */
export function updateLatest(nameDir: string, id: string): void {
  if (!/^\d+$/.test(id)) throw new Error(`updateLatest expects a run id such as 0007, got '${id}'`);
  for (let round = 0; round < 100; round++) {
    const target = newestCompleted(nameDir, id);
    if (readLatest(nameDir) !== target) replaceLink(nameDir, target);
    if (newestCompleted(nameDir, id) === target) return;
  }
}

/** The run id nameDir/latest points at, or null when there is none. */
export function readLatest(nameDir: string): string | null {
  const link = path.join(nameDir, LATEST);
  try {
    return path.basename(fs.readlinkSync(link));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code !== 'EINVAL') throw err;
  }
  // A plain file: the fallback used where symlinks are not allowed.
  try {
    const text = fs.readFileSync(link, 'utf8').trim();
    return text.length > 0 ? text : null;
  } catch {
    return null;
  }
}

function newestCompleted(nameDir: string, candidate: string): string {
  const candidateNumber = Number(candidate);
  for (const entry of numberedEntries(nameDir, '').reverse()) {
    if (entry.number <= candidateNumber) break;
    if (readRunJson(path.join(nameDir, entry.id))?.status === 'completed') return entry.id;
  }
  return candidate;
}

function replaceLink(nameDir: string, target: string): void {
  const link = path.join(nameDir, LATEST);
  const tmp = path.join(nameDir, `.${LATEST}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    fs.symlinkSync(target, tmp, 'dir');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw err;
    // No symlinks here (Windows without developer mode, some network shares): a file naming the run.
    writeFileAtomic(link, target + '\n');
    return;
  }
  try {
    fs.renameSync(tmp, link);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR') {
      throw new UserError(`${link} is a folder; aelab keeps a link to the newest completed run there — move that folder elsewhere`);
    }
    throw err;
  }
}
