// Trials reused across sweeps: when a changed sweep opens a new sweep folder, a trial whose
// resolved configuration (spec hash) already completed in an earlier sweep of the same experiment
// is not trained again — its files are hard-linked (copied where linking fails) into the new
// trial folder, and its run.json says `reused_from`.
import fs from 'node:fs';
import path from 'node:path';

import { writeJsonAtomic } from '../shared/fs.ts';
import { findRunDirs, readRunJson } from './list.ts';
import { numberedEntries } from './paths.ts';
import { RUN_JSON } from './record.ts';

const SWEEP_PREFIX = 'sweep-';
const CLAIM_FILE = '.claim.json';

/** Spec hash → the completed trial folder of the newest earlier sweep in nameDir that ran it. */
export function completedTrialsByHash(nameDir: string, exceptSweepDir: string): Map<string, string> {
  const byHash = new Map<string, string>();
  for (const entry of numberedEntries(nameDir, SWEEP_PREFIX)) {
    const sweepDir = path.join(nameDir, entry.id);
    if (path.resolve(sweepDir) === path.resolve(exceptSweepDir)) continue;
    for (const dir of findRunDirs(sweepDir)) {
      if (/\.attempt-\d+$/.test(dir)) continue;
      const run = readRunJson(dir);
      const hash = run?.spec_hash;
      // A reused trial points at its origin, so chains resolve to the run that really trained.
      const origin = typeof run?.reused_from === 'string' && fs.existsSync(run.reused_from as string) ? (run.reused_from as string) : dir;
      if (run?.status === 'completed' && typeof hash === 'string' && fs.existsSync(path.join(dir, 'metrics.json'))) byHash.set(hash, origin);
    }
  }
  return byHash;
}

/** How the plan of a new sweep differs from the newest earlier one: why a new folder was opened. */
export function describePlanChange(
  nameDir: string,
  newSweepDir: string,
  trials: { name: string; hash?: string | null }[],
): string | null {
  const earlier = numberedEntries(nameDir, SWEEP_PREFIX)
    .map((e) => path.join(nameDir, e.id))
    .filter((d) => path.resolve(d) !== path.resolve(newSweepDir))
    .at(-1);
  if (!earlier) return null;
  let old: { trials?: { name: string; hash?: string | null }[] };
  try {
    old = JSON.parse(fs.readFileSync(path.join(earlier, 'sweep.json'), 'utf8')) as typeof old;
  } catch {
    return null;
  }
  const before = new Map((old.trials ?? []).map((t) => [t.name, t.hash ?? null]));
  const now = new Map(trials.map((t) => [t.name, t.hash ?? null]));
  const added = [...now.keys()].filter((n) => !before.has(n));
  const removed = [...before.keys()].filter((n) => !now.has(n));
  const changed = [...now.keys()].filter((n) => before.has(n) && before.get(n) !== now.get(n));
  const list = (names: string[]) => (names.length <= 3 ? names.join('; ') : `${names.slice(0, 3).join('; ')}; … ${names.length} in all`);
  const parts: string[] = [];
  if (added.length > 0) parts.push(`${added.length} trial${added.length === 1 ? '' : 's'} added (${list(added)})`);
  if (removed.length > 0) parts.push(`${removed.length} removed (${list(removed)})`);
  if (changed.length > 0) parts.push(`${changed.length} with changed settings (${list(changed)})`);
  if (parts.length === 0) parts.push('the spec changed outside the trials');
  return `the plan differs from ${path.basename(earlier)}: ${parts.join(', ')}`;
}

/**
 * Fills a claimed trial folder with a completed run's files (hard links, or copies across file
 * systems) and writes its run.json last, so the trial counts as completed only once it is whole.
 */
export function reuseTrial(source: string, target: string, info: { id: string; sweep: { dir: string; trial: string } }): 'linked' | 'copied' {
  let how: 'linked' | 'copied' = 'linked';
  const walk = (from: string, to: string) => {
    fs.mkdirSync(to, { recursive: true });
    for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
      if (entry.name === RUN_JSON || entry.name === CLAIM_FILE || entry.name.startsWith('.')) continue;
      const a = path.join(from, entry.name);
      const b = path.join(to, entry.name);
      if (entry.isDirectory()) walk(a, b);
      else if (entry.isFile()) {
        try {
          fs.linkSync(a, b);
        } catch {
          fs.copyFileSync(a, b);
          how = 'copied';
        }
      }
    }
  };
  walk(source, target);
  const run = JSON.parse(fs.readFileSync(path.join(source, RUN_JSON), 'utf8')) as Record<string, unknown>;
  writeJsonAtomic(path.join(target, RUN_JSON), { ...run, id: info.id, sweep: info.sweep, reused_from: source, reused_at: new Date().toISOString(), reused_by: how });
  fs.rmSync(path.join(target, CLAIM_FILE), { force: true });
  return how;
}
