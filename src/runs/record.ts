// run.json: the record of one run, rewritten atomically at every change so that whatever happens
// to the process (an error, Ctrl-C, a kill) the folder says what state the run got to.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { writeJsonAtomic } from '../shared/fs.ts';
import { InterruptedError, UserError, errorMessage, type Issue } from '../shared/errors.ts';
import type { BackendInfo } from '../shared/types.ts';
import { engineIds, type EngineIds } from '../shared/engine.ts';

/** How often a running run rewrites heartbeat_at (see MIN_STALE_AFTER_MS in shared/liveness.ts). */
export const HEARTBEAT_INTERVAL_MS = 30_000;

export type RunStatus = 'running' | 'completed' | 'failed' | 'interrupted';

export interface RunError {
  message: string;
  /** 'user': a mistake in the input (no stack); 'internal': a bug (with stack). */
  kind: 'user' | 'internal';
  /** The UserError's issues (file, line, path, message). */
  issues?: Issue[];
  stack?: string;
}

/** Contents of run.json. Known fields are typed; the pipeline may record more (any other key). */
export interface RunJson {
  id: string;
  name: string;
  status: RunStatus;
  /** ISO 8601 times. */
  started_at: string;
  finished_at?: string;
  duration_seconds?: number;
  error?: RunError;
  /** The signal that interrupted the run. */
  signal?: string;
  /** What the run is doing now ('train', 'evaluate', …), so a failed run tells where it stopped. */
  stage?: string;
  /** process.argv after the node binary and script, as typed. */
  command: string[];
  /** --set overrides and, for a sweep trial, the trial's keys: dotted key → value. */
  overrides: Record<string, unknown>;
  backend?: BackendInfo;
  versions: { node: string; tfjs?: string; aelab: string };
  /** null or absent outside a git repository. */
  git?: { commit: string; dirty: boolean } | null;
  cpus: number;
  /** Host and pid of the process running it: lets a rerun tell a live run from a dead one. */
  hostname: string;
  pid: number;
  /** ISO time of the run's last sign of life: rewritten every HEARTBEAT_INTERVAL_MS, at every
   * epoch and at every other change, so a reader can tell a silent death (see shared/liveness.ts). */
  heartbeat_at?: string;
  /** Slurm / Kubernetes ids of the job that ran it, when there is one. */
  engine?: EngineIds;
  /** Hash of the resolved spec (resolved.json's hash). */
  spec_hash?: string;
  spec_file?: string;
  seed?: number;
  /** For a sweep trial: the sweep folder (relative to the runs dir) and the trial name. */
  sweep?: { dir: string; trial: string };
  /** For a run started with --shard i/n. */
  shard?: { index: number; count: number };
  [key: string]: unknown;
}

type RequiredInitKey = 'id' | 'name' | 'command' | 'overrides' | 'versions';
type DefaultedKey = 'started_at' | 'hostname' | 'pid' | 'cpus';
type OptionalKey = 'finished_at' | 'duration_seconds' | 'error' | 'signal' | 'stage' | 'backend' | 'git' | 'spec_hash' | 'spec_file' | 'seed' | 'sweep' | 'shard' | 'engine';

/** Fields that may be changed after creation (status and id only through the record's methods). */
export type RunJsonPatch = Partial<Pick<RunJson, Exclude<RequiredInitKey, 'id'> | DefaultedKey | OptionalKey>> & { [key: string]: unknown };

/**
 * What createRunRecord needs: id, name, command, overrides and versions; started_at, hostname,
 * pid and cpus are filled in when absent; status, if given, must be 'running'.
 */
export type RunJsonInit = Pick<RunJson, RequiredInitKey> &
  Partial<Pick<RunJson, DefaultedKey | OptionalKey>> & { status?: 'running'; [key: string]: unknown };

export interface RunRecord {
  readonly dir: string;
  /** The current contents of run.json. */
  readonly data: Readonly<RunJson>;
  /** True once completed, failed or interrupted. */
  readonly finished: boolean;
  /** Merges fields into run.json and rewrites it (use complete/fail/interrupt for the status). */
  update(patch: RunJsonPatch): void;
  /** status 'completed', finish time and duration; extra fields merged in. */
  complete(extra?: RunJsonPatch): void;
  /** status 'failed' with the error (an InterruptedError marks the run 'interrupted' instead). */
  fail(err: unknown): void;
  /** status 'interrupted' with the signal's name. */
  interrupt(signal: string): void;
  /** Rewrites heartbeat_at now (the pipeline calls it at every epoch; a timer every 30 s). */
  heartbeat(): void;
  /**
   * True once the folder was found moved away: another process judged this run lost (its
   * heartbeat was older than --stale-after) and took the trial over. Nothing is written after.
   */
  readonly takenOver: boolean;
}

export interface RunRecordOptions {
  /** Heartbeat period; 0 turns the timer off (default HEARTBEAT_INTERVAL_MS). */
  heartbeatMs?: number;
  /** Environment to read Slurm / Kubernetes ids from (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Called once when the folder is found taken over (see RunRecord.takenOver). */
  onTakenOver?: () => void;
}

export const RUN_JSON = 'run.json';

/**
 * Writes dir/run.json with status 'running' now and returns the record that keeps it current.
 * The first of complete/fail/interrupt wins; later ones are ignored, so a signal handler and the
 * main flow's catch can both report without overwriting each other. While running, an unref'd
 * timer rewrites heartbeat_at (it never keeps the process alive). Every write merges into what
 * was written before: no step clears a field an earlier one set.
 */
export function createRunRecord(dir: string, initial: RunJsonInit, options: RunRecordOptions = {}): RunRecord {
  const file = path.join(dir, RUN_JSON);
  const now = new Date().toISOString();
  const engine = initial.engine ?? engineIds(options.env ?? process.env) ?? undefined;
  const data: RunJson = {
    ...initial,
    status: 'running',
    started_at: initial.started_at ?? now,
    hostname: initial.hostname ?? os.hostname(),
    pid: initial.pid ?? process.pid,
    cpus: initial.cpus ?? os.availableParallelism(),
    heartbeat_at: now,
    ...(engine ? { engine } : {}),
  };
  // The folder's identity: a takeover renames it to '<trial>.attempt-N' and makes a new one.
  fs.mkdirSync(dir, { recursive: true });
  const inode = fs.statSync(dir).ino;
  let takenOver = false;
  const write = () => {
    if (takenOver) return;
    let current: number | null;
    try {
      current = fs.statSync(dir).ino;
    } catch {
      current = null;
    }
    if (current !== inode) {
      takenOver = true;
      stopTimer();
      options.onTakenOver?.();
      return;
    }
    writeJsonAtomic(file, data);
  };
  write();

  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_INTERVAL_MS;
  const timer =
    heartbeatMs > 0
      ? setInterval(() => {
          try {
            record.heartbeat();
          } catch (err) {
            // A full disk must not kill the run from a timer; the next step's write reports it.
            process.emitWarning(`could not write the heartbeat to ${file}: ${errorMessage(err)}`);
          }
        }, heartbeatMs)
      : null;
  timer?.unref();
  function stopTimer() {
    if (timer) clearInterval(timer);
  }

  const finish = (status: Exclude<RunStatus, 'running'>, fields: Partial<RunJson>) => {
    if (data.status !== 'running') return;
    stopTimer();
    const finishedAt = new Date();
    Object.assign(data, definedOnly(fields), {
      status,
      finished_at: finishedAt.toISOString(),
      duration_seconds: Math.max(0, Math.round(finishedAt.getTime() - Date.parse(data.started_at)) / 1000),
    });
    write();
  };

  const record: RunRecord = {
    dir,
    get data() {
      return data;
    },
    get finished() {
      return data.status !== 'running';
    },
    get takenOver() {
      return takenOver;
    },
    update(patch) {
      const { status: _status, id: _id, ...rest } = patch;
      Object.assign(data, definedOnly(rest));
      if (data.status === 'running') data.heartbeat_at = new Date().toISOString();
      write();
    },
    heartbeat() {
      if (data.status !== 'running') return;
      data.heartbeat_at = new Date().toISOString();
      write();
    },
    complete(extra = {}) {
      const { status: _status, id: _id, ...rest } = extra;
      finish('completed', rest);
    },
    fail(err) {
      if (err instanceof InterruptedError) {
        record.interrupt(/interrupted by (\S+)/.exec(err.message)?.[1] ?? 'SIGINT');
        return;
      }
      finish('failed', { error: describeError(err) });
    },
    interrupt(signal) {
      finish('interrupted', { signal });
    },
  };
  return record;
}

/** The fields of patch whose value is not undefined: an update never deletes a key. */
function definedOnly<T extends Record<string, unknown>>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The error as run.json stores it: user mistakes without a stack, bugs with one. */
export function describeError(err: unknown): RunError {
  if (err instanceof UserError) return { message: err.message, kind: 'user', issues: err.issues };
  const error: RunError = { message: errorMessage(err), kind: 'internal' };
  if (err instanceof Error && err.stack) error.stack = err.stack;
  return error;
}

/**
 * The commit checked out at cwd and whether tracked files differ from it; null outside a git
 * repository, in one without commits, or without git. Untracked files do not make it dirty:
 * run folders and scratch files would otherwise mark every run dirty.
 */
export function gitInfo(cwd: string): { commit: string; dirty: boolean } | null {
  const git = (args: string[]) =>
    execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
  try {
    const commit = git(['rev-parse', '--verify', 'HEAD']).trim();
    const dirty = git(['status', '--porcelain', '--untracked-files=no']).trim().length > 0;
    return { commit, dirty };
  } catch {
    return null;
  }
}
