// Finding runs again: every run folder below a runs dir, for the index page, `aelab compare` and
// skipping trials whose resolved spec already completed. Tolerant: half-written or foreign folders
// are skipped, never fatal.
import fs from 'node:fs';
import path from 'node:path';
import { RUN_JSON, type RunJson, type RunStatus } from './record.ts';
import { runLiveness, systemProbe, type LivenessProbe } from '../shared/liveness.ts';
import { describeEngine } from '../shared/engine.ts';

/** Run folders are at most runs/<name>/sweep-NNNN/<trial>; a little slack for hand-made layouts. */
const MAX_DEPTH = 6;

export interface RunListing {
  name: string;
  id: string;
  /** run.json's status, except 'lost' for a run that says 'running' but whose owner is gone
   * (see shared/liveness.ts): what every listing shows. */
  status: RunStatus | 'lost';
  kind: string | null;
  latent: number | null;
  test_mse: number | null;
  /** Folder relative to runsDir, '/'-separated (e.g. 'pca-vs-deep/sweep-0001/kind=pca,latent=2'). */
  path: string;
  started_at: string | null;
  finished_at: string | null;
  duration_seconds: number | null;
  spec_hash: string | null;
  sweep: { dir: string; trial: string } | null;
  /** N for a failed attempt moved aside to '<trial>.attempt-N', else null. */
  attempt: number | null;
  /** Why the run failed (run.json's error message), else null. */
  error: string | null;
  /** Where it ran: host, and the Slurm / Kubernetes job when there was one. */
  host: string | null;
  engine: string | null;
  /** --shard i/n of the command that ran it, as 'i/n'. */
  shard: string | null;
}

export interface ListOptions {
  /** How lost runs are told from running ones (default: this machine now, 10 minutes). */
  probe?: LivenessProbe;
}

/** Every run folder below runsDir (inside sweeps too), sorted by path with numbers in order. */
export function listRuns(runsDir: string, options: ListOptions = {}): RunListing[] {
  const probe = options.probe ?? systemProbe();
  const listings: RunListing[] = [];
  for (const dir of findRunDirs(runsDir)) {
    const run = readRunJson(dir);
    if (!run) continue;
    const resolved = readJsonQuietly(path.join(dir, 'resolved.json'));
    const metrics = readJsonQuietly(path.join(dir, 'metrics.json'));
    const model = field(field(resolved, 'spec'), 'model');
    const attemptMatch = /\.attempt-(\d+)$/.exec(path.basename(dir));
    listings.push({
      name: run.name,
      id: run.id,
      status: run.status === 'running' && runLiveness(run, probe) === 'lost' ? 'lost' : run.status,
      kind: stringOrNull(field(model, 'kind')),
      latent: numberOrNull(field(model, 'latent')),
      test_mse: numberOrNull(field(metrics, 'test_mse')),
      path: path.relative(runsDir, dir).split(path.sep).join('/'),
      started_at: stringOrNull(run.started_at),
      finished_at: stringOrNull(run.finished_at),
      duration_seconds: numberOrNull(run.duration_seconds),
      spec_hash: stringOrNull(run.spec_hash) ?? stringOrNull(field(resolved, 'hash')),
      sweep: run.sweep && typeof run.sweep === 'object' ? run.sweep : null,
      attempt: attemptMatch ? Number(attemptMatch[1]) : null,
      error: stringOrNull(field(run.error, 'message')),
      host: stringOrNull(run.hostname),
      engine: describeEngine(run.engine && typeof run.engine === 'object' ? run.engine : null),
      shard: shardText(run.shard),
    });
  }
  return listings.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
}

/** run.json of dir if it is readable and looks like one (id, name, known status), else null. */
export function readRunJson(dir: string): RunJson | null {
  const data = readJsonQuietly(path.join(dir, RUN_JSON));
  if (!data || typeof data !== 'object') return null;
  const run = data as Partial<RunJson>;
  const statuses: unknown[] = ['running', 'completed', 'failed', 'interrupted'];
  if (typeof run.id !== 'string' || typeof run.name !== 'string' || !statuses.includes(run.status)) return null;
  return run as RunJson;
}

function shardText(shard: unknown): string | null {
  const index = field(shard, 'index');
  const count = field(shard, 'count');
  return typeof index === 'number' && typeof count === 'number' ? `${index}/${count}` : null;
}

/** Folders below root (root included) that hold a run.json; symlinks and hidden entries skipped. */
export function findRunDirs(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (entries.some((e) => e.name === RUN_JSON && e.isFile())) {
      found.push(dir);
      return; // a run folder holds no other runs
    }
    if (depth >= MAX_DEPTH) return;
    for (const entry of entries) {
      if (entry.isDirectory() && !entry.name.startsWith('.')) walk(path.join(dir, entry.name), depth + 1);
    }
  };
  walk(root, 0);
  return found;
}

/** A JSON file's value, or null when it is missing or not JSON. */
export function readJsonQuietly(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** value[key] when value is an object, else undefined (for walking JSON of unknown shape). */
export function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
