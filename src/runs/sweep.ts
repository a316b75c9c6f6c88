// Sweep storage: runs/<name>/sweep-NNNN/ holds sweep.json (the plan) and one run folder per trial.
// The trial folders' run.json files are the truth about what ran; sweep.json's statuses are a
// snapshot derived from them. That way shard processes on several machines never need to agree on
// the contents of one central file: each only writes its own trials' folders, and any reader can
// re-derive the state. The short critical sections (claiming a trial, rewriting the snapshot) are
// serialised with a lock file in the sweep folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { fileError } from '../shared/errors.ts';
import { canonicalJson } from '../shared/canonical-json.ts';
import { writeJsonAtomic } from '../shared/fs.ts';
import { allocateNumberedDir, ensureRunsFolder, numberedEntries, safeFolderName } from './paths.ts';
import { isProcessAlive, withLock, type LockOptions } from './lock.ts';
import { readRunJson, isStaleRun } from './list.ts';
import { RUN_JSON } from './record.ts';

export const SWEEP_JSON = 'sweep.json';
const SWEEP_PREFIX = 'sweep-';
/** Marks a trial folder as taken between the claim and the run writing its run.json. */
const CLAIM_FILE = '.claim.json';
const SWEEP_LOCK = '.sweep.lock';
const SWEEPS_LOCK = '.sweeps.lock';

export interface SweepPlanTrial {
  name: string;
  /** Dotted key → value set on the base spec for this trial. */
  overrides: Record<string, unknown>;
  /** The trial's resolved-spec hash, when known before running. */
  hash?: string;
}

export interface SweepPlan {
  /** The experiment's name (runs/<name>/). */
  name: string;
  /** Hash of the resolved sweep spec (base spec with its sweep: block). */
  spec_hash: string;
  trials: SweepPlanTrial[];
}

/**
 * pending: not started. claimed: taken, its run.json not written yet. running: its process is
 * alive, or on another host. stale: its process died (on this host) without finishing, or the
 * folder is unusable. completed / failed / interrupted: as its run.json says.
 */
export type TrialStatus = 'pending' | 'claimed' | 'running' | 'stale' | 'completed' | 'failed' | 'interrupted';

export interface SweepTrialEntry extends SweepPlanTrial {
  /** Folder name inside the sweep folder (the trial name made file-system safe). */
  folder: string;
  status: TrialStatus;
  /** Attempts so far: earlier ones moved aside to '<folder>.attempt-N', plus the current one. */
  attempts: number;
}

/** Contents of sweep.json. */
export interface SweepJson {
  format: 1;
  name: string;
  /** 'sweep-0001' */
  id: string;
  created_at: string;
  updated_at: string;
  plan_hash: string;
  spec_hash: string;
  counts: Record<TrialStatus, number>;
  trials: SweepTrialEntry[];
}

export interface OpenedSweep {
  dir: string;
  id: string;
  /** False when an earlier sweep folder with the same plan was reused. */
  created: boolean;
  sweep: SweepJson;
}

export type TrialClaim =
  | {
      claimed: true;
      dir: string;
      /** Set when an earlier failed, interrupted or stale attempt was moved aside first. */
      previous?: { status: TrialStatus; movedTo: string };
    }
  | { claimed: false; dir: string; reason: 'completed' | 'running' | 'claimed' };

/** Identity of a plan: two sweeps with the same hash run the same trials with the same settings. */
export function planHash(plan: SweepPlan): string {
  const canonical = canonicalJson({
    spec_hash: plan.spec_hash,
    trials: plan.trials.map((t) => ({ name: t.name, overrides: t.overrides, hash: t.hash ?? null })),
  });
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * Opens the newest sweep folder in nameDir whose plan hash matches (so rerunning a sweep resumes
 * it), or allocates a new `sweep-NNNN` and writes its sweep.json. Shards starting at the same time
 * end up in the same folder: the look-up and creation happen under a lock in nameDir.
 * `fresh: true` always allocates a new folder.
 */
export function createOrOpenSweep(nameDir: string, plan: SweepPlan, options: { fresh?: boolean; lock?: LockOptions } = {}): OpenedSweep {
  const names = new Set<string>();
  for (const trial of plan.trials) {
    if (names.has(trial.name)) throw new Error(`sweep plan has two trials named '${trial.name}'`);
    names.add(trial.name);
  }
  if (plan.trials.length === 0) throw new Error('sweep plan has no trials');
  const hash = planHash(plan);
  ensureRunsFolder(nameDir);
  return withLock(
    path.join(nameDir, SWEEPS_LOCK),
    () => {
      if (!options.fresh) {
        for (const entry of numberedEntries(nameDir, SWEEP_PREFIX).reverse()) {
          const dir = path.join(nameDir, entry.id);
          const existing = readSweepJsonQuietly(dir);
          if (existing?.plan_hash === hash) return { dir, id: entry.id, created: false, sweep: readSweep(dir) };
        }
      }
      const { id, dir } = allocateNumberedDir(nameDir, SWEEP_PREFIX);
      const now = new Date().toISOString();
      const trials: SweepTrialEntry[] = [];
      const folders = new Set<string>();
      for (const trial of plan.trials) {
        const base = safeFolderName(trial.name);
        let folder = base;
        for (let k = 2; folders.has(folder); k++) folder = `${base}~${k}`;
        folders.add(folder);
        trials.push({ ...trial, folder, status: 'pending', attempts: 0 });
      }
      const sweep: SweepJson = {
        format: 1,
        name: plan.name,
        id,
        created_at: now,
        updated_at: now,
        plan_hash: hash,
        spec_hash: plan.spec_hash,
        counts: countStatuses(trials),
        trials,
      };
      writeJsonAtomic(path.join(dir, SWEEP_JSON), sweep);
      return { dir, id, created: true, sweep };
    },
    options.lock,
  );
}

/**
 * Takes a trial for this process, or says why not. Exclusive across processes and machines:
 * the decision and the folder creation happen under the sweep's lock, and the folder is made with
 * a non-recursive mkdir. A completed trial is skipped; a running or just-claimed one is left to its
 * owner; a failed, interrupted or stale one (process dead on this host) is moved aside to
 * '<folder>.attempt-N' — never deleted — and claimed afresh. A trial running on another host
 * cannot be checked for life; `reclaimForeign: true` takes it over anyway (for a sweep whose
 * machines are known to be gone).
 */
export function claimTrial(
  sweepDir: string,
  trialName: string,
  options: { reclaimForeign?: boolean; lock?: LockOptions } = {},
): TrialClaim {
  return withLock(
    path.join(sweepDir, SWEEP_LOCK),
    () => {
      const sweep = readSweepFile(sweepDir);
      const entry = sweep.trials.find((t) => t.name === trialName);
      if (!entry) throw new Error(`sweep ${sweepDir} has no trial named '${trialName}'`);
      const dir = path.join(sweepDir, entry.folder);
      const state = trialState(dir);
      if (state.status === 'completed') return { claimed: false, dir, reason: 'completed' };
      if ((state.status === 'running' || state.status === 'claimed') && !(options.reclaimForeign && state.foreign)) {
        return { claimed: false, dir, reason: state.status };
      }
      let previous: { status: TrialStatus; movedTo: string } | undefined;
      if (state.status !== 'pending') {
        const attempt = numberedAttempts(sweepDir, entry.folder).reduce((max, n) => Math.max(max, n), 0) + 1;
        const movedTo = path.join(sweepDir, `${entry.folder}.attempt-${attempt}`);
        fs.renameSync(dir, movedTo);
        previous = { status: state.status, movedTo };
      }
      try {
        fs.mkdirSync(dir);
      } catch (err) {
        // Only possible if the lock was broken as stale while its owner was still working: the
        // non-recursive mkdir still keeps the trial to one process.
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { claimed: false, dir, reason: 'claimed' };
        throw err;
      }
      writeJsonAtomic(path.join(dir, CLAIM_FILE), { pid: process.pid, hostname: os.hostname(), claimed_at: new Date().toISOString() });
      return previous ? { claimed: true, dir, previous } : { claimed: true, dir };
    },
    options.lock,
  );
}

/**
 * Gives back a claimed trial that never started (no run.json yet, e.g. its spec was refused):
 * removes the folder if it holds nothing but the claim. A folder with anything else is kept.
 */
export function releaseTrial(trialDir: string): boolean {
  let entries: string[];
  try {
    entries = fs.readdirSync(trialDir);
  } catch {
    return false;
  }
  if (entries.length !== 1 || entries[0] !== CLAIM_FILE) return false;
  fs.rmSync(path.join(trialDir, CLAIM_FILE), { force: true });
  try {
    fs.rmdirSync(trialDir);
    return true;
  } catch {
    return false;
  }
}

/** State of one trial folder, derived from its run.json (or claim). */
export function trialState(trialDir: string): { status: TrialStatus; foreign: boolean } {
  if (!fs.existsSync(trialDir)) return { status: 'pending', foreign: false };
  const run = readRunJson(trialDir);
  if (run) {
    if (run.status !== 'running') return { status: run.status, foreign: false };
    const foreign = run.hostname !== os.hostname();
    return { status: isStaleRun(run) ? 'stale' : 'running', foreign };
  }
  if (fs.existsSync(path.join(trialDir, RUN_JSON))) return { status: 'stale', foreign: false }; // unreadable run.json
  let claim: { pid?: unknown; hostname?: unknown } | null = null;
  try {
    claim = JSON.parse(fs.readFileSync(path.join(trialDir, CLAIM_FILE), 'utf8')) as { pid?: unknown; hostname?: unknown };
  } catch {
    return { status: 'stale', foreign: false }; // a folder nobody claimed: left over from a crash or made by hand
  }
  if (claim.hostname !== os.hostname()) return { status: 'claimed', foreign: true };
  return { status: typeof claim.pid === 'number' && isProcessAlive(claim.pid) ? 'claimed' : 'stale', foreign: false };
}

/** sweep.json with every trial's status and attempt count derived afresh from the trial folders. */
export function readSweep(sweepDir: string): SweepJson {
  const sweep = readSweepFile(sweepDir);
  for (const trial of sweep.trials) {
    const dir = path.join(sweepDir, trial.folder);
    trial.status = trialState(dir).status;
    trial.attempts = numberedAttempts(sweepDir, trial.folder).length + (trial.status === 'pending' ? 0 : 1);
  }
  sweep.counts = countStatuses(sweep.trials);
  return sweep;
}

/**
 * Re-derives every trial's status and rewrites sweep.json (atomically, under the sweep's lock, so
 * a snapshot taken earlier never overwrites a later one). Call it after each trial finishes.
 */
export function updateSweepStatus(sweepDir: string, options: { lock?: LockOptions } = {}): SweepJson {
  return withLock(
    path.join(sweepDir, SWEEP_LOCK),
    () => {
      const sweep = readSweep(sweepDir);
      sweep.updated_at = new Date().toISOString();
      writeJsonAtomic(path.join(sweepDir, SWEEP_JSON), sweep);
      return sweep;
    },
    options.lock,
  );
}

function readSweepFile(sweepDir: string): SweepJson {
  const file = path.join(sweepDir, SWEEP_JSON);
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw fileError(file, missing ? 'not found: this is not a sweep folder' : 'is not valid JSON; restore it or start a new sweep');
  }
  const sweep = data as Partial<SweepJson>;
  if (!sweep || !Array.isArray(sweep.trials) || sweep.trials.some((t) => typeof t?.name !== 'string' || typeof t?.folder !== 'string')) {
    throw fileError(file, 'is not a sweep plan written by aelab (no trials list); start a new sweep');
  }
  return sweep as SweepJson;
}

function readSweepJsonQuietly(dir: string): SweepJson | null {
  try {
    return readSweepFile(dir);
  } catch {
    return null;
  }
}

function numberedAttempts(sweepDir: string, folder: string): number[] {
  const prefix = `${folder}.attempt-`;
  let names: string[];
  try {
    names = fs.readdirSync(sweepDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length)))
    .map((n) => Number(n.slice(prefix.length)));
}

function countStatuses(trials: { status: TrialStatus }[]): Record<TrialStatus, number> {
  const counts: Record<TrialStatus, number> = { pending: 0, claimed: 0, running: 0, stale: 0, completed: 0, failed: 0, interrupted: 0 };
  for (const t of trials) counts[t.status] += 1;
  return counts;
}
