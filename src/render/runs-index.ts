// runs/index.html: every run under the runs folder, newest first, linking to each report.
import { escapeHtml, relativeHref } from './escape.ts';
import { formatMetric, formatTime } from './format.ts';
import { htmlPage, statusBadge } from './page.ts';

/** One run of the index. The runs stage's listing (listRuns) fits as it is. */
export interface RunIndexRow {
  name: string;
  id: string;
  status: string;
  kind: string | null;
  latent: number | null;
  test_mse: number | null;
  /** ISO time the run started; sorts the table (newest first). */
  started_at: string | null;
  /** The run folder relative to runs/index.html, '/'-separated, as on disk (not URL-encoded). */
  path?: string | null;
  /**
   * The report's path relative to runs/index.html (as on disk); null for no link. When absent,
   * a completed run links `path`/report.html and any other run links its folder (it may have no report).
   */
  link?: string | null;
  /** Where it ran (host; Slurm / Kubernetes job; shard), shown under a running or lost run. */
  host?: string | null;
  engine?: string | null;
  shard?: string | null;
  /**
   * Set for a sweep trial; its name (e.g. 'kind=pca,latent=8') is shown beside the run name and
   * its sweep folder's name (sweep-0002) as its id, so trials of two sweeps tell apart.
   */
  sweep?: { trial: string; dir?: string } | null;
  /** Why a failed run failed; shown under its row's status. */
  error?: string | null;
}

/** Errors are cut to this many characters in the index; run.json keeps them whole. */
const MAX_ERROR_CHARS = 300;

function reportLink(r: RunIndexRow): { href: string | null; text: string } {
  if (r.link !== undefined) return { href: relativeHref(r.link), text: 'report' };
  if (!r.path) return { href: null, text: 'report' };
  const folder = r.path.replace(/\/+$/, '');
  if (r.status === 'completed') return { href: relativeHref(`${folder}/report.html`), text: 'report' };
  const href = relativeHref(folder);
  return { href: href ? `${href}/` : null, text: 'folder' };
}

function newestFirst(a: RunIndexRow, b: RunIndexRow): number {
  const ta = a.started_at ? Date.parse(a.started_at) : NaN;
  const tb = b.started_at ? Date.parse(b.started_at) : NaN;
  // Runs without a start time (broken folders) go last.
  if (Number.isNaN(ta) !== Number.isNaN(tb)) return Number.isNaN(ta) ? 1 : -1;
  if (!Number.isNaN(ta) && ta !== tb) return tb - ta;
  return b.id.localeCompare(a.id) || a.name.localeCompare(b.name);
}

export function renderRunsIndex(rows: RunIndexRow[]): string {
  const sorted = [...rows].sort(newestFirst);
  const counts = new Map<string, number>();
  for (const r of sorted) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const summary = [...counts.entries()].map(([s, n]) => `${n} ${escapeHtml(s)}`).join(' · ');
  const body: string[] = [];
  body.push('<h1>aelab runs</h1>');
  body.push(`<p class="muted">${sorted.length} run${sorted.length === 1 ? '' : 's'}${summary ? ` — ${summary}` : ''}. Newest first.</p>`);
  if (sorted.length === 0) {
    body.push('<p>No runs yet. Start one with <code>aelab run experiments/&lt;spec&gt;.yaml</code>.</p>');
  } else {
    const trs = sorted.map((r) => {
      const link = reportLink(r);
      const report = link.href ? `<a href="${escapeHtml(link.href)}">${link.text}</a>` : '<span class="muted">—</span>';
      const trial = r.sweep?.trial;
      const name = trial ? `${escapeHtml(r.name)} <span class="muted mono">${escapeHtml(trial)}</span>` : escapeHtml(r.name);
      // 'lost': run.json says running, but its owner is gone (the listing decides; shared/liveness.ts).
      const badge = statusBadge(r.status);
      // Why a run failed, where the user looks first (the full error is in its run.json).
      const why = r.status === 'failed' && r.error ? `<div class="run-error">${escapeHtml(shorten(r.error.split('\n')[0]!, MAX_ERROR_CHARS))}</div>` : '';
      // Where an unfinished run was (or is) running: the place to look for it.
      const where = r.status === 'running' || r.status === 'lost' ? [r.host, r.engine, r.shard ? `shard ${r.shard}` : null].filter(Boolean).join(' · ') : '';
      const status = badge + why + (where ? `<div class="muted run-where">${escapeHtml(where)}</div>` : '');
      return (
        `<tr class="run"><td>${name}</td><td class="mono">${escapeHtml(r.sweep?.dir ? (r.sweep.dir.split(/[\\/]/).filter(Boolean).at(-1) ?? r.id) : r.id)}</td><td>${status}</td>` +
        `<td>${escapeHtml(r.kind ?? '—')}</td><td class="num">${escapeHtml(r.latent ?? '—')}</td>` +
        `<td class="num">${escapeHtml(formatMetric('test_mse', r.test_mse))}</td>` +
        `<td class="num">${escapeHtml(formatTime(r.started_at))}</td><td>${report}</td></tr>`
      );
    });
    body.push(
      '<div class="table-wrap"><table class="runs"><thead><tr><th>name (trial)</th><th>id (sweep)</th><th>status</th><th>kind</th>' +
        '<th class="num">latent</th><th class="num">test MSE</th><th class="num">started</th><th>report</th></tr></thead>' +
        `<tbody>${trs.join('')}</tbody></table></div>`,
    );
  }
  body.push('<footer>Refreshed by aelab after every run.</footer>');
  return htmlPage({ title: 'aelab runs', body: body.join('\n') });
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
