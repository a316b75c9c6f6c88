// What `aelab compare` was pointed at → the run folders to compare. Accepts run folders, sweep
// folders (their trials), a run's run.json, and globs; anything else is skipped with a reason.
import fs from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import { UserError, fileError } from '../shared/errors.ts';
import type { Metrics, ResolvedSpec } from '../shared/types.ts';
import { runLiveness, systemProbe, type LivenessProbe } from '../shared/liveness.ts';

export interface SkippedInput {
  path: string;
  reason: string;
}

/** One run as compare sees it: run.json facts, the resolved spec and the metrics. */
export interface ComparedRun {
  dir: string;
  id: string;
  name: string;
  /** run.json's status, or 'lost' for a run that says running but whose owner is gone. */
  status: string;
  /** The resolved spec (resolved.json's spec); null when the run has no resolved.json. */
  spec: ResolvedSpec | null;
  specHash: string | null;
  /** metrics.json; null for runs that did not get that far. */
  metrics: Partial<Metrics> | null;
  /** The trial name for a sweep trial. */
  trial: string | null;
}

/**
 * Resolves compare arguments (relative to cwd) to run folders, in the order given, without
 * duplicates (a `latest` link and the run it points at count once). A sweep folder stands for its
 * trials in plan order (earlier attempts moved aside are left out). Arguments that are no run are
 * reported through onSkip; when nothing is left, a UserError lists why.
 */
export function resolveCompareInputs(args: string[], cwd: string, onSkip?: (skipped: SkippedInput) => void): string[] {
  const runs: string[] = [];
  const skipped: SkippedInput[] = [];
  const seen = new Set<string>();
  const skip = (p: string, reason: string) => {
    const entry = { path: p, reason };
    skipped.push(entry);
    onSkip?.(entry);
  };
  const addRun = (dir: string) => {
    let real: string;
    try {
      real = fs.realpathSync(dir);
    } catch {
      real = path.resolve(dir);
    }
    if (seen.has(real)) return;
    seen.add(real);
    runs.push(dir);
  };

  for (const arg of args) {
    const literal = path.resolve(cwd, arg);
    let candidates: string[];
    if (fs.existsSync(literal) || !fg.isDynamicPattern(arg)) {
      candidates = [literal];
    } else {
      candidates = fg
        .sync(arg, { cwd, onlyFiles: false, absolute: true, dot: false, followSymbolicLinks: false, suppressErrors: true })
        .map((p) => path.normalize(p))
        .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
      if (candidates.length === 0) skip(arg, 'the pattern matched nothing');
    }
    for (const candidate of candidates) {
      const shown = path.relative(cwd, candidate) || '.';
      let stat: fs.Stats;
      try {
        stat = fs.statSync(candidate);
      } catch {
        skip(shown, 'does not exist');
        continue;
      }
      let dir = candidate;
      if (stat.isFile()) {
        const base = path.basename(candidate);
        if (base !== 'run.json' && base !== 'sweep.json') {
          skip(shown, 'is a file, not a run folder');
          continue;
        }
        dir = path.dirname(candidate);
      }
      if (fs.existsSync(path.join(dir, 'run.json'))) {
        addRun(dir);
      } else if (fs.existsSync(path.join(dir, 'sweep.json'))) {
        const trials = sweepTrialFolders(dir);
        if (trials.length === 0) skip(shown, 'is a sweep with no trials');
        for (const trial of trials) {
          if (fs.existsSync(path.join(trial.dir, 'run.json'))) addRun(trial.dir);
          else skip(path.relative(cwd, trial.dir), `trial '${trial.name}' has not run yet`);
        }
      } else {
        skip(shown, `has no run.json or sweep.json, so it is not a run or sweep folder (for every run below it, use a glob such as '${path.join(shown, '*')}')`);
      }
    }
  }
  if (runs.length === 0) {
    const why = skipped.map((s) => `  ${s.path}: ${s.reason}`).join('\n');
    throw new UserError(`no runs to compare${args.length === 0 ? ': give run folders, sweep folders or globs' : `:\n${why}`}`);
  }
  return runs;
}

/** Trial folders of a sweep from its sweep.json, or (if that is unreadable) its subfolders. */
function sweepTrialFolders(sweepDir: string): { name: string; dir: string }[] {
  try {
    const sweep = JSON.parse(fs.readFileSync(path.join(sweepDir, 'sweep.json'), 'utf8')) as { trials?: { name?: unknown; folder?: unknown }[] };
    if (Array.isArray(sweep.trials)) {
      const trials = sweep.trials.filter(
        (t): t is { name: string; folder: string } => typeof t?.name === 'string' && typeof t?.folder === 'string' && !/[/\\]|^\.\.?$/.test(t.folder),
      );
      return trials.map((t) => ({ name: t.name, dir: path.join(sweepDir, t.folder) }));
    }
  } catch {
    // fall through to the folder listing
  }
  return fs
    .readdirSync(sweepDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !/\.attempt-\d+$/.test(e.name))
    .map((e) => ({ name: e.name, dir: path.join(sweepDir, e.name) }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}

/**
 * Reads a run folder's run.json (required), resolved.json and metrics.json (each optional).
 * `probe` tells lost runs from running ones (default: this machine now, 10 minutes).
 */
export function loadComparedRun(dir: string, probe: LivenessProbe = systemProbe()): ComparedRun {
  const run = readObject(path.join(dir, 'run.json'), true)!;
  const resolved = readObject(path.join(dir, 'resolved.json'), false);
  const metrics = readObject(path.join(dir, 'metrics.json'), false);
  const sweep = run.sweep as { trial?: unknown } | undefined;
  const spec = resolved?.spec;
  return {
    dir,
    id: typeof run.id === 'string' ? run.id : path.basename(dir),
    name: typeof run.name === 'string' ? run.name : path.basename(path.dirname(dir)),
    status: typeof run.status !== 'string' ? 'unknown' : run.status === 'running' && runLiveness(run, probe) === 'lost' ? 'lost' : run.status,
    spec: spec !== null && typeof spec === 'object' && !Array.isArray(spec) ? (spec as ResolvedSpec) : null,
    specHash: typeof resolved?.hash === 'string' ? resolved.hash : typeof run.spec_hash === 'string' ? run.spec_hash : null,
    metrics: metrics as Partial<Metrics> | null,
    trial: sweep && typeof sweep.trial === 'string' ? sweep.trial : null,
  };
}

function readObject(file: string, required: boolean): Record<string, unknown> | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !required) return null;
    throw fileError(file, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found: this is not a run folder' : `cannot be read (${(err as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw fileError(file, 'is not valid JSON (damaged?); remove the run from the comparison or restore the file');
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw fileError(file, 'does not hold a JSON object');
  return data as Record<string, unknown>;
}
