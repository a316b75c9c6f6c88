// What `aelab ui` knows about the runs directory: one entry per run folder (readable or not), kept
// current by rescanning only the folders that changed. Reads through the runs stage (listRuns,
// findRunDirs, readSweep); never writes anything.
import fs from 'node:fs';
import path from 'node:path';

import { systemProbe } from '../shared/liveness.ts';
import { findRunDirs, listRuns, readSweep, RUN_JSON, SWEEP_JSON, type RunListing } from '../runs/index.ts';

/** run.json's status, plus `lost` (says running, its process is gone) and `unreadable` (run.json is not valid). */
export type UiStatus = 'running' | 'completed' | 'failed' | 'interrupted' | 'lost' | 'unreadable';

export interface EpochPoint {
  epoch: number;
  loss: number;
  val_loss: number | null;
  seconds: number;
}

export interface UiRun {
  /** Folder relative to the runs dir, '/'-separated: the run's key in every URL. */
  path: string;
  name: string;
  id: string;
  status: UiStatus;
  /** One line: why it failed, or why run.json cannot be read. */
  reason: string | null;
  kind: string | null;
  latent: number | null;
  metrics: { test_mse: number | null; val_mse: number | null; params: number | null; train_seconds: number | null };
  started_at: string | null;
  /** Epochs in history.csv, and the spec's train.epochs (null for fitted kinds). */
  epoch: number;
  epochs: number | null;
  /** Seconds left for a running run: the mean epoch time so far × the epochs left. */
  eta_seconds: number | null;
  /** The stage run.json says it is in ('train', 'evaluate', …). */
  stage: string | null;
  /** The sweep folder (relative to the runs dir) and trial name of a sweep trial. */
  sweep: { dir: string; trial: string } | null;
  /** Lower-case text the free-text filter searches: name, path, status, spec.yaml as written. */
  search: string;
  hasReport: boolean;
}

/** Files whose change can change what a run shows. */
const WATCHED_FILES = [RUN_JSON, 'history.csv', 'metrics.json', 'report.html', 'resolved.json'];

interface CacheEntry {
  stamp: string;
  run: UiRun;
}

/**
 * The runs below `runsDir`. `scanAll` walks the folder; `rescan(dirs)` reads only those run
 * folders again. Entries are cached by the modification times of their files, so a full walk of a
 * thousand unchanged runs costs stat calls, not reads; running runs are always read again, since
 * whether their process is alive does not show in any file.
 */
export class RunsIndex {
  readonly runsDir: string;
  private cache = new Map<string, CacheEntry>();

  /** `staleAfterMs`: a running run whose heartbeat is older is lost (default: the runs stage's 10 minutes). */
  constructor(
    runsDir: string,
    private readonly staleAfterMs?: number,
  ) {
    this.runsDir = path.resolve(runsDir);
  }

  /** Walks the runs dir; returns the run paths whose entry changed, appeared or disappeared. */
  scanAll(): string[] {
    const dirs = findRunDirs(this.runsDir);
    const changed: string[] = [];
    const seen = new Set<string>();
    for (const dir of dirs) {
      const key = this.keyOf(dir);
      seen.add(key);
      if (this.refresh(dir)) changed.push(key);
    }
    for (const key of [...this.cache.keys()]) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        changed.push(key);
      }
    }
    return changed;
  }

  /** Reads these run folders (absolute) again; returns the paths whose entry changed. */
  rescan(dirs: Iterable<string>): string[] {
    const changed: string[] = [];
    for (const dir of dirs) {
      const key = this.keyOf(dir);
      if (!fs.existsSync(path.join(dir, RUN_JSON))) {
        if (this.cache.delete(key)) changed.push(key);
      } else if (this.refresh(dir)) {
        changed.push(key);
      }
    }
    return changed;
  }

  /** Paths of runs whose status may change without a file changing (running ones). */
  liveDirs(): string[] {
    return [...this.cache.values()].filter((e) => e.run.status === 'running').map((e) => path.join(this.runsDir, e.run.path));
  }

  runs(): UiRun[] {
    return [...this.cache.values()].map((e) => e.run).sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
  }

  get(runPath: string): UiRun | undefined {
    return this.cache.get(runPath)?.run;
  }

  private keyOf(dir: string): string {
    return path.relative(this.runsDir, dir).split(path.sep).join('/');
  }

  /** Re-reads one run folder if its files changed (or it is running); true when its entry changed. */
  private refresh(dir: string): boolean {
    const key = this.keyOf(dir);
    const stamp = WATCHED_FILES.map((f) => {
      try {
        const st = fs.statSync(path.join(dir, f));
        return `${st.mtimeMs}:${st.size}`;
      } catch {
        return '-';
      }
    }).join('|');
    const old = this.cache.get(key);
    if (old && old.stamp === stamp && old.run.status !== 'running') return false;
    const run = readUiRun(this.runsDir, dir, this.staleAfterMs);
    this.cache.set(key, { stamp, run });
    return !old || JSON.stringify(old.run) !== JSON.stringify(run);
  }
}

/** One run folder as the UI shows it. A run.json that cannot be read gives an `unreadable` entry. */
export function readUiRun(runsDir: string, dir: string, staleAfterMs?: number): UiRun {
  const rel = path.relative(runsDir, dir).split(path.sep).join('/');
  // listRuns on the run folder itself reads exactly that run, with the runs stage's idea of its
  // status (including whether a 'running' run is really still alive).
  const listing: RunListing | undefined = listRuns(dir, { probe: systemProbe(staleAfterMs) })[0];
  const resolved = readJson(path.join(dir, 'resolved.json'));
  const metrics = readJson(path.join(dir, 'metrics.json'));
  const history = readHistory(dir);
  const runJson = readJson(path.join(dir, RUN_JSON));
  const epochsTotal = numberAt(resolved, 'spec', 'train', 'epochs');
  const specText = readText(path.join(dir, 'spec.yaml'));
  const segments = rel.split('/');
  if (!listing) {
    return {
      path: rel,
      name: segments[0] ?? rel,
      id: segments.at(-1) ?? rel,
      status: 'unreadable',
      reason: `${RUN_JSON} cannot be read (${runJson === null ? 'not valid JSON' : 'not an aelab run record'})`,
      kind: stringAt(resolved, 'spec', 'model', 'kind'),
      latent: numberAt(resolved, 'spec', 'model', 'latent'),
      metrics: { test_mse: null, val_mse: null, params: null, train_seconds: null },
      started_at: null,
      epoch: history.length,
      epochs: epochsTotal,
      eta_seconds: null,
      stage: null,
      sweep: null,
      search: `${rel} unreadable ${specText}`.toLowerCase(),
      hasReport: false,
    };
  }
  const status = uiStatus(listing);
  const epoch = history.length;
  let eta: number | null = null;
  if (status === 'running' && epochsTotal !== null && epoch > 0 && epoch < epochsTotal) {
    const mean = history.reduce((s, h) => s + h.seconds, 0) / epoch;
    eta = mean * (epochsTotal - epoch);
  }
  return {
    path: rel,
    name: listing.name,
    id: listing.id,
    status,
    reason: listing.error ? firstLine(listing.error) : status === 'lost' ? 'its process is gone without finishing the run' : null,
    kind: listing.kind,
    latent: listing.latent,
    metrics: {
      test_mse: listing.test_mse,
      val_mse: numberAt(metrics, 'val_mse'),
      params: numberAt(metrics, 'params'),
      train_seconds: numberAt(metrics, 'train_seconds'),
    },
    started_at: listing.started_at,
    epoch,
    epochs: epochsTotal,
    eta_seconds: eta,
    stage: stringAt(runJson, 'stage'),
    // run.json records the sweep folder as the run saw it (absolute); the trial's parent folder is
    // that sweep folder wherever the runs dir is now.
    sweep: listing.sweep ? { dir: segments.slice(0, -1).join('/'), trial: listing.sweep.trial } : null,
    search: [listing.name, rel, status, listing.kind ?? '', listing.sweep?.trial ?? '', specText].join(' ').toLowerCase(),
    hasReport: fs.existsSync(path.join(dir, 'report.html')),
  };
}

/**
 * The status to show. A run whose record says 'running' but whose process is known to be gone is
 * `lost`: the runs stage's listing says so (as `stale` today; as status 'lost' once the runs
 * stage reports it itself).
 */
function uiStatus(listing: RunListing): UiStatus {
  const status = listing.status as string;
  if (status === 'lost') return 'lost';
  if (status === 'running' && (listing as { stale?: boolean }).stale) return 'lost';
  return (['running', 'completed', 'failed', 'interrupted'] as const).find((s) => s === status) ?? 'unreadable';
}

/** history.csv as numbers; a half-written last line is left out. */
export function readHistory(dir: string): EpochPoint[] {
  const text = readText(path.join(dir, 'history.csv'));
  const points: EpochPoint[] = [];
  for (const line of text.split('\n').slice(1)) {
    const [epoch, loss, val, seconds] = line.split(',');
    const e = Number(epoch);
    const l = Number(loss);
    if (!line || !Number.isFinite(e) || !Number.isFinite(l)) continue;
    const v = val === undefined || val === '' ? null : Number(val);
    points.push({ epoch: e, loss: l, val_loss: v !== null && Number.isFinite(v) ? v : null, seconds: Number(seconds) || 0 });
  }
  return points;
}

export interface UiSweep {
  /** The sweep folder relative to the runs dir. */
  path: string;
  name: string;
  total: number;
  counts: { completed: number; running: number; failed: number; pending: number; other: number };
  trials: { name: string; folder: string; status: string; path: string }[];
}

/** A sweep folder's plan and each trial's state, derived from the trial folders (nothing written). */
export function readUiSweep(runsDir: string, sweepDir: string): UiSweep | null {
  if (!fs.existsSync(path.join(sweepDir, SWEEP_JSON))) return null;
  let sweep: ReturnType<typeof readSweep>;
  try {
    sweep = readSweep(sweepDir);
  } catch {
    return null;
  }
  const rel = path.relative(runsDir, sweepDir).split(path.sep).join('/');
  const counts = { completed: 0, running: 0, failed: 0, pending: 0, other: 0 };
  const trials = sweep.trials.map((t) => {
    // A trial whose process died is 'stale' to the runs stage of today and 'lost' once it says so itself.
    const raw: string = t.status;
    const status = raw === 'stale' ? 'lost' : raw;
    if (status === 'completed' || status === 'running' || status === 'failed' || status === 'pending') counts[status] += 1;
    else if (status === 'claimed') counts.running += 1;
    else counts.other += 1;
    return { name: t.name, folder: t.folder, status, path: `${rel}/${t.folder}` };
  });
  return { path: rel, name: sweep.name, total: sweep.trials.length, counts, trials };
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Parsed JSON of a file, or null when it is missing or not JSON. */
function readJson(file: string): unknown {
  try {
    return JSON.parse(readText(file));
  } catch {
    return null;
  }
}

/** The value at a key path inside parsed JSON, as a finite number or a string, else null. */
function numberAt(value: unknown, ...keys: string[]): number | null {
  const v = at(value, keys);
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function stringAt(value: unknown, ...keys: string[]): string | null {
  const v = at(value, keys);
  return typeof v === 'string' ? v : null;
}

function at(value: unknown, keys: string[]): unknown {
  return keys.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), value);
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 240 ? `${line.slice(0, 239)}…` : line;
}
