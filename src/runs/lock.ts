// A lock file for the short critical sections of sweep bookkeeping (claiming a trial, rewriting
// sweep.json). Creating a file with the 'wx' flag (O_CREAT|O_EXCL) is atomic on local disks and
// on NFSv3+, so it also works for shard processes on different machines sharing a folder.
import fs from 'node:fs';
import os from 'node:os';
import { UserError } from '../shared/errors.ts';
import { createRng } from '../shared/random.ts';
import { isPidAlive } from '../shared/liveness.ts';
import { fileSystemError } from '../shared/fs.ts';

export interface LockOptions {
  /** Give up (UserError) after waiting this long. */
  timeoutMs?: number;
  /** A lock older than this is taken to be left by a crashed process and is broken. Critical
   * sections last milliseconds, so a generous value only delays recovery. */
  staleMs?: number;
}

interface LockOwner {
  pid: number;
  hostname: string;
  acquired_at: string;
}

const waitCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for ms milliseconds (the lock API is synchronous so that callers stay simple). */
function sleepSync(ms: number): void {
  Atomics.wait(waitCell, 0, 0, ms);
}

/** Whether a process with this pid exists on this machine (see shared/liveness.ts). */
export const isProcessAlive = isPidAlive;

/** Runs fn while holding lockFile; waits with backoff while someone else holds it. Not re-entrant. */
export function withLock<T>(lockFile: string, fn: () => T, options: LockOptions = {}): T {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const staleMs = options.staleMs ?? 30_000;
  const start = Date.now();
  const jitter = createRng(process.pid ^ start);
  let delay = 2;
  for (;;) {
    try {
      const owner: LockOwner = { pid: process.pid, hostname: os.hostname(), acquired_at: new Date().toISOString() };
      fs.writeFileSync(lockFile, JSON.stringify(owner), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw fileSystemError(err, lockFile, 'create the lock file') ?? err;
    }
    if (isStale(lockFile, staleMs)) {
      // Two waiters may both decide the lock is stale; the second unlink then removes nothing or,
      // in a window of microseconds, the first one's fresh lock. Accepted: locks are only broken
      // after a crash, and everything guarded here is re-derivable from the trial folders.
      fs.rmSync(lockFile, { force: true });
      continue;
    }
    if (Date.now() - start > timeoutMs) {
      throw new UserError(
        `could not take the lock ${lockFile} within ${Math.round(timeoutMs / 1000)} s; if no other aelab process is using this folder, delete that file`,
      );
    }
    sleepSync(delay + jitter.int(delay + 1));
    delay = Math.min(delay * 2, 100);
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

function isStale(lockFile: string, staleMs: number): boolean {
  let stat: fs.Stats;
  let text: string;
  try {
    stat = fs.statSync(lockFile);
    text = fs.readFileSync(lockFile, 'utf8');
  } catch {
    return false; // released in the meantime: just try again
  }
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    if (owner.hostname === os.hostname() && typeof owner.pid === 'number' && !isProcessAlive(owner.pid)) return true;
  } catch {
    // Half-written by its creator, or garbage: fall back to its age.
  }
  return Date.now() - stat.mtimeMs > staleMs;
}
