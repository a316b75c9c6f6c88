// `aelab ls`: the runs below a runs folder, one line each, oldest first (the newest is nearest the
// prompt), filtered by status, experiment name or sweep; --format json for scripts.
import fs from 'node:fs';
import path from 'node:path';

import { listRuns, type RunListing } from '../pipeline/list.ts';
import { isSamePath } from '../shared/fs.ts';
import { parseCommandArgs } from './args.ts';
import type { Command } from './command.ts';
import { EXIT_OK, UsageError } from './exit.ts';

const usage = 'aelab ls [--runs-dir DIR] [--status S] [--name GLOB] [--sweep DIR] [--format table|json]';
const STATUSES = ['running', 'completed', 'failed', 'interrupted', 'lost'];

export const lsCommand: Command = {
  usage,
  help: `usage: ${usage}

Lists the runs below the runs folder, one line each, oldest first:
  id       the experiment and run folder (name/0003), or for a sweep trial its sweep folder
           (name/sweep-0002) — what \`aelab compare\` takes
  trial    the sweep trial (kind=pca,latent=8), '-' for a single run
  status, kind, latent, test MSE, and age (time since the run started)

options:
  --runs-dir DIR  the runs folder (default: ./runs)
  --status S      only runs with this status (comma-separated: running, completed, failed,
                  interrupted, lost = marked running but its owner stopped beating)
  --name GLOB     only experiments whose name matches (* and ? wildcards), e.g. 'lecture*'
  --sweep DIR     only the trials of this sweep folder
  --format F      table (default) or json (every field, one object per run)
  -h, --help      show this help`,

  async run(args, ctx) {
    const { values } = parseCommandArgs(
      args,
      { 'runs-dir': { type: 'string' }, status: { type: 'string' }, name: { type: 'string' }, sweep: { type: 'string' }, format: { type: 'string' } },
      { max: 0 },
    );
    const format = values.format ?? 'table';
    if (format !== 'table' && format !== 'json') throw new UsageError(`--format ${format}: choose table or json`);
    const runsDir = path.resolve(ctx.cwd, values['runs-dir'] ?? 'runs');
    if (!fs.existsSync(runsDir)) {
      throw new UsageError(`${runsDir}: no runs folder here; give --runs-dir DIR (runs go to ./runs unless \`aelab run --runs-dir\` said otherwise)`);
    }
    const statuses = values.status?.split(',').map((s) => s.trim());
    for (const s of statuses ?? []) if (!STATUSES.includes(s)) throw new UsageError(`--status ${s}: choose from ${STATUSES.join(', ')}`);
    const nameGlob = values.name === undefined ? undefined : globToRegExp(values.name);
    const sweepDir = values.sweep === undefined ? undefined : resolveSweep(values.sweep, ctx.cwd, runsDir);

    const runs = listRuns(runsDir)
      .filter((r) => statuses === undefined || statuses.includes(r.status))
      .filter((r) => nameGlob === undefined || nameGlob.test(r.name))
      .filter((r) => sweepDir === undefined || (r.sweep !== null && isSamePath(path.resolve(runsDir, r.sweep.dir), sweepDir)))
      .sort(byStart);
    if (format === 'json') {
      ctx.stdout.write(JSON.stringify(runs.map((r) => ({ ...r, dir: path.join(runsDir, r.path) })), null, 2) + '\n');
      return EXIT_OK;
    }
    const now = Date.now();
    const header = ['id', 'trial', 'status', 'kind', 'latent', 'test MSE', 'age'];
    const lines = runs.map((r) => [
      runId(r),
      r.sweep?.trial ?? '-',
      r.status,
      r.kind ?? '-',
      r.latent === null ? '-' : String(r.latent),
      r.test_mse === null ? '-' : String(Number(r.test_mse.toPrecision(4))),
      age(r.started_at, now),
    ]);
    const numeric = [false, false, false, false, true, true, true];
    const widths = header.map((h, j) => Math.max(h.length, ...lines.map((l) => l[j]!.length)));
    const render = (cells: string[]) => cells.map((c, j) => (numeric[j] ? c.padStart(widths[j]!) : c.padEnd(widths[j]!))).join('  ').trimEnd();
    ctx.out(render(header));
    for (const line of lines) ctx.out(render(line));
    ctx.err(`aelab: ${runs.length} run${runs.length === 1 ? '' : 's'} in ${runsDir}${runs.length === 0 ? ' match' : ''}`);
    return EXIT_OK;
  },
};

/** name/0003 for a single run, name/sweep-0002 for a sweep trial (its trial is the next column). */
function runId(r: RunListing): string {
  const parts = r.path.split('/');
  return r.sweep ? parts.slice(0, -1).join('/') : r.path;
}

function byStart(a: RunListing, b: RunListing): number {
  const ta = a.started_at ? Date.parse(a.started_at) : 0;
  const tb = b.started_at ? Date.parse(b.started_at) : 0;
  return ta - tb || a.path.localeCompare(b.path, 'en', { numeric: true });
}

/** '45 s', '12 min', '3 h', '5 d'. */
export function age(startedAt: string | null, now: number): string {
  if (!startedAt) return '-';
  const seconds = Math.max(0, (now - Date.parse(startedAt)) / 1000);
  if (!Number.isFinite(seconds)) return '-';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86400 * 2) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** --sweep as given (relative to the cwd), or relative to the runs folder. */
function resolveSweep(arg: string, cwd: string, runsDir: string): string {
  for (const candidate of [path.resolve(cwd, arg), path.resolve(runsDir, arg)]) {
    if (fs.existsSync(path.join(candidate, 'sweep.json'))) return candidate;
  }
  throw new UsageError(`--sweep ${arg}: not a sweep folder (no sweep.json there or under ${runsDir})`);
}
