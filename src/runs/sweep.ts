// Sweep storage: runs/<name>/sweep-NNNN/ holds sweep.json (the plan) and one run folder per trial.
// The trial folders' run.json files are the truth about what ran; sweep.json's statuses are a
// snapshot derived from them. That way shard processes on several machines never need to agree on
// the contents of one central file: each only writes its own trials' folders, and any reader can
// re-derive the state. The short critical sections (claiming a trial, rewriting the snapshot) are
// serialised with a lock file in the sweep folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { fileError } from '../shared/errors.ts';
import { canonicalJson } from '../shared/canonical-json.ts';
import { writeJsonAtomic } from '../shared/fs.ts';
import { allocateNumberedDir, ensureRunsFolder, numberedEntries, safeFolderName } from './paths.ts';
import { withLock, type LockOptions } from './lock.ts';
import { readRunJson } from './list.ts';
import { RUN_JSON } from './record.ts';
import { runLiveness, systemProbe, type LivenessProbe } from '../shared/liveness.ts';

export const SWEEP_JSON = 'sweep.json';
const SWEEP_PREFIX = 'sweep-';
/** Marks a trial folder as taken between the claim and the run writing its run.json. */
const CLAIM_FILE = '.claim.json';
/** Created exclusively inside a trial folder by the one process moving it aside (and kept there). */
const TAKEOVER_FILE = '.takeover.json';
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
 * pending: not started. claimed: taken, its run.json not written yet. running: its owner is alive
 * (see shared/liveness.ts). lost: its owner died without finishing (pid gone on this host, or no
 * heartbeat for --stale-after), or the folder is unusable. completed / failed / interrupted: as
 * its run.json says.
 */
export type TrialStatus = 'pending' | 'claimed' | 'running' | 'lost' | 'completed' | 'failed' | 'interrupted';

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
      /** Set when an earlier failed, interrupted or lost attempt was moved aside first. */
      previous?: { status: TrialStatus; movedTo: string };
      /**
       * Set when the interrupted or lost attempt is to be continued in place from its checkpoint
       * (ClaimOptions.resumable said so): the folder is this process's, its run.json not yet rewritten.
       */
      resume?: { status: TrialStatus };
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

export interface ClaimOptions {
  /** Take over trials running or claimed on another host whatever their heartbeat says. */
  reclaimForeign?: boolean;
  /** The sweep lock's settings (tests break it on purpose to prove the file system decides). */
  lock?: LockOptions;
  /** How lost owners are told from live ones (default: this machine now, 10 minutes). */
  probe?: LivenessProbe;
  /**
   * Whether an interrupted or lost trial folder can be continued from its checkpoint; if so it is
   * taken over in place (claim.resume) instead of being moved aside and started over.
   */
  resumable?: (trialDir: string) => boolean;
}

/**
 * Takes a trial for this process, or says why not. A completed trial is skipped; a running or
 * just-claimed one is left to its owner; a failed, interrupted or lost one (owner gone: see
 * shared/liveness.ts) is moved aside to '<folder>.attempt-N' — never deleted — and claimed afresh.
 * `reclaimForeign: true` also takes over trials running on another host that still look alive
 * (for a sweep whose machines are known to be gone).
 *
 * Exactly one process gets a trial, across processes and machines sharing the folder. The
 * decision happens under the sweep's lock, and even without that lock the file system decides:
 * only the process that creates '.takeover.json' exclusively (O_EXCL) inside the very folder it
 * judged (same inode) moves that folder aside, and the new folder appears complete with its claim
 * by one rename, which fails when another process's folder is already there.
 */
export function claimTrial(sweepDir: string, trialName: string, options: ClaimOptions = {}): TrialClaim {
  const probe = options.probe ?? systemProbe();
  return withLock(
    path.join(sweepDir, SWEEP_LOCK),
    () => {
      const sweep = readSweepFile(sweepDir);
      const entry = sweep.trials.find((t) => t.name === trialName);
      if (!entry) throw new Error(`sweep ${sweepDir} has no trial named '${trialName}'`);
      const dir = path.join(sweepDir, entry.folder);
      const judged = inodeOf(dir);
      const state = trialState(dir, probe);
      // From here on, other processes may act too (if the lock were broken): takeOver and
      // createClaimedFolder decide by exclusive create and rename alone.
      if (state.status === 'completed') return { claimed: false, dir, reason: 'completed' };
      if ((state.status === 'running' || state.status === 'claimed') && !(options.reclaimForeign && state.foreign)) {
        return { claimed: false, dir, reason: state.status };
      }
      if ((state.status === 'interrupted' || state.status === 'lost') && judged !== null && options.resumable?.(dir)) {
        if (!acquireTakeover(dir, judged, probe)) return { claimed: false, dir, reason: 'claimed' };
        // A `--resume` (which takes no sweep lock) may have continued it between the look and the marker.
        const now = trialState(dir, probe).status;
        if (now !== state.status) {
          releaseTakeover(dir);
          return { claimed: false, dir, reason: now === 'completed' ? 'completed' : 'running' };
        }
        return { claimed: true, dir, resume: { status: state.status } };
      }
      let previous: { status: TrialStatus; movedTo: string } | undefined;
      if (state.status !== 'pending') {
        const movedTo = judged === null ? null : takeOver(sweepDir, entry.folder, judged, probe);
        if (movedTo === null) return { claimed: false, dir, reason: 'claimed' };
        previous = { status: state.status, movedTo };
      }
      if (!createClaimedFolder(dir)) return { claimed: false, dir, reason: 'claimed' };
      return previous ? { claimed: true, dir, previous } : { claimed: true, dir };
    },
    options.lock,
  );
}

/** The folder's inode (lstat: a symlink is not followed); null when it does not exist. */
export function inodeOf(dir: string): number | null {
  try {
    return fs.lstatSync(dir).ino;
  } catch {
    return null;
  }
}

/**
 * Moves the trial folder judged finished or lost (inode `judged`) aside, if this process wins it:
 * returns where it went, or null when another process is taking it over or already has.
 */
export function takeOver(sweepDir: string, folder: string, judged: number, probe: LivenessProbe): string | null {
  return acquireTakeover(path.join(sweepDir, folder), judged, probe) ? moveAside(sweepDir, folder) : null;
}

/**
 * Makes the run folder judged finished or lost (inode `judged`) this process's, if it wins it:
 * creates '.takeover.json' in it exclusively. False when another process is taking it over (its
 * marker is there and its owner alive) or the folder is gone or was replaced. A caller that
 * continues the run in place removes the marker (releaseTakeover) once run.json names it.
 */
export function acquireTakeover(dir: string, judged: number, probe: LivenessProbe, retry = true): boolean {
  const marker = path.join(dir, TAKEOVER_FILE);
  const me = { pid: process.pid, hostname: os.hostname(), claimed_at: new Date().toISOString() };
  try {
    fs.writeFileSync(marker, JSON.stringify(me), { flag: 'wx' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false; // moved aside already
    if (code !== 'EEXIST') throw err;
    // Another process is moving it, or died doing so (a window of milliseconds): then clear its
    // marker and try once more.
    const owner = readClaimQuietly(marker);
    // Unreadable: its writer is at work this very moment, or died in the middle; its age tells.
    const ownerLost =
      owner !== null
        ? runLiveness({ hostname: owner.hostname, pid: owner.pid, heartbeat_at: owner.claimed_at }, probe) === 'lost'
        : probe.now - (fs.statSync(marker, { throwIfNoEntry: false })?.mtimeMs ?? probe.now) > probe.staleAfterMs;
    if (!ownerLost || !retry) return false;
    fs.rmSync(marker, { force: true });
    return acquireTakeover(dir, judged, probe, false);
  }
  if (inodeOf(dir) !== judged) {
    // The marker landed in a folder made since we looked (another process's new claim): not ours.
    fs.rmSync(marker, { force: true });
    return false;
  }
  return true;
}

/** Removes this process's takeover marker from a run folder it continues in place (its run.json now says so). */
export function releaseTakeover(dir: string): void {
  fs.rmSync(path.join(dir, TAKEOVER_FILE), { force: true });
}

/** Renames sweepDir/folder to the next free '<folder>.attempt-N'; returns where it went. */
function moveAside(sweepDir: string, folder: string): string {
  let attempt = numberedAttempts(sweepDir, folder).reduce((max, n) => Math.max(max, n), 0) + 1;
  for (;;) {
    const movedTo = path.join(sweepDir, `${folder}.attempt-${attempt}`);
    try {
      fs.renameSync(path.join(sweepDir, folder), movedTo);
      return movedTo;
    } catch (err) {
      // Another process took this attempt number in the meantime: the next one.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      attempt++;
    }
  }
}

/**
 * Makes `dir` with the claim file already inside: built under a private name, then renamed into
 * place. The rename fails when a non-empty `dir` exists (another process's claim); false then.
 */
export function createClaimedFolder(dir: string): boolean {
  const temp = path.join(path.dirname(dir), `.${path.basename(dir)}.claim-${process.pid}-${randomBytes(4).toString('hex')}`);
  fs.mkdirSync(temp);
  try {
    writeJsonAtomic(path.join(temp, CLAIM_FILE), { pid: process.pid, hostname: os.hostname(), claimed_at: new Date().toISOString() });
    fs.renameSync(temp, dir);
    return true;
  } catch (err) {
    fs.rmSync(temp, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
    throw err;
  }
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
export function trialState(trialDir: string, probe: LivenessProbe = systemProbe()): { status: TrialStatus; foreign: boolean } {
  if (!fs.existsSync(trialDir)) return { status: 'pending', foreign: false };
  const run = readRunJson(trialDir);
  if (run) {
    if (run.status !== 'running') return { status: run.status, foreign: false };
    const foreign = run.hostname !== probe.hostname;
    return { status: runLiveness(run, probe) === 'lost' ? 'lost' : 'running', foreign };
  }
  if (fs.existsSync(path.join(trialDir, RUN_JSON))) return { status: 'lost', foreign: false }; // unreadable run.json
  const claim = readClaimQuietly(path.join(trialDir, CLAIM_FILE));
  if (!claim) return { status: 'lost', foreign: false }; // a folder nobody claimed: left over from a crash or made by hand
  const foreign = claim.hostname !== probe.hostname;
  // A claim's age is its heartbeat: it lasts only while the data loads, before run.json exists.
  const liveness = runLiveness({ hostname: claim.hostname, pid: claim.pid, heartbeat_at: claim.claimed_at }, probe);
  return { status: liveness === 'lost' ? 'lost' : 'claimed', foreign };
}

/** sweep.json with every trial's status and attempt count derived afresh from the trial folders. */
export function readSweep(sweepDir: string, probe: LivenessProbe = systemProbe()): SweepJson {
  const sweep = readSweepFile(sweepDir);
  for (const trial of sweep.trials) {
    const dir = path.join(sweepDir, trial.folder);
    trial.status = trialState(dir, probe).status;
    trial.attempts = numberedAttempts(sweepDir, trial.folder).length + (trial.status === 'pending' ? 0 : 1);
  }
  sweep.counts = countStatuses(sweep.trials);
  return sweep;
}

/**
 * Re-derives every trial's status and rewrites sweep.json (atomically, under the sweep's lock, so
 * a snapshot taken earlier never overwrites a later one). Call it after each trial finishes.
 */
export function updateSweepStatus(sweepDir: string, options: { lock?: LockOptions; probe?: LivenessProbe } = {}): SweepJson {
  return withLock(
    path.join(sweepDir, SWEEP_LOCK),
    () => {
      const sweep = readSweep(sweepDir, options.probe);
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

/** A claim or takeover file (pid, hostname, claimed_at); null when missing or unreadable. */
function readClaimQuietly(file: string): { pid?: unknown; hostname?: unknown; claimed_at?: unknown } | null {
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    return data !== null && typeof data === 'object' ? (data as { pid?: unknown; hostname?: unknown; claimed_at?: unknown }) : null;
  } catch {
    return null;
  }
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
  const counts: Record<TrialStatus, number> = { pending: 0, claimed: 0, running: 0, lost: 0, completed: 0, failed: 0, interrupted: 0 };
  for (const t of trials) counts[t.status] += 1;
  return counts;
}
