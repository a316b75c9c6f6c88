// The dashboard's HTML: the runs list, a run, a sweep. Rendered on the server from the runs index
// (every value escaped here, in one place); the page script (./client.js) only swaps in fragments
// the server renders, sorts and filters rows, and draws the live loss curves from JSON.
import { createHash } from 'node:crypto';
import fs from 'node:fs';

import { escapeHtml, formatDuration, formatMetric, formatTime, htmlPage, relativeHref, statusBadge } from '../render/index.ts';
import type { UiRun, UiSweep } from './scan.ts';

/** The page script, plain JavaScript run as it is (no build step). */
export const UI_SCRIPT = fs.readFileSync(new URL('./client.js', import.meta.url), 'utf8');
const UI_SCRIPT_SOURCE = `'sha256-${createHash('sha256').update(UI_SCRIPT, 'utf8').digest('base64')}'`;

/**
 * The dashboard's pages load nothing from elsewhere: their one script is allowed by its hash, they
 * talk only to this server (fragments, JSON, events) and frame only its reports.
 */
export const UI_CSP = `default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; script-src ${UI_SCRIPT_SOURCE}; connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'`;

const UI_CSS = `
.ui-nav { font-size: 13.5px; margin: -8px 0 14px; }
.ui-nav a { margin-right: 14px; }
.controls { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: center; margin: 14px 0 6px; }
.controls input[type=search] { min-width: 260px; padding: 4px 8px; font: inherit; }
.controls select, .controls button { font: inherit; padding: 3px 8px; }
table.runs th[data-sort] { cursor: pointer; user-select: none; }
table.runs th[data-sort]:hover { text-decoration: underline; }
table.runs th.sorted-asc::after { content: ' ▲'; font-size: 10px; }
table.runs th.sorted-desc::after { content: ' ▼'; font-size: 10px; }
tr.group-head th { background: #eef1f4; font-size: 14px; }
.status-lost { background: #fbefff; color: #6e3a91; border-color: #e6ccf5; }
.status-unreadable { background: #ffebe9; color: #82071e; border-color: #ffcecb; }
.progress { font-size: 12.5px; color: #0550ae; margin-top: 3px; white-space: nowrap; }
.chart svg { display: block; max-width: 100%; height: auto; }
.chart .legend { font-size: 12.5px; color: #3d444d; display: flex; flex-wrap: wrap; gap: 2px 14px; margin-top: 4px; }
.chart .legend i { display: inline-block; width: 14px; height: 3px; margin-right: 5px; vertical-align: middle; }
iframe.report { width: 100%; height: 85vh; border: 1px solid #d8dee4; border-radius: 6px; }
.live { font-size: 12.5px; color: #59636e; }
.counts span { margin-right: 16px; }
`;

function page(title: string, view: Record<string, string>, body: string): string {
  const data = Object.entries(view)
    .map(([k, v]) => ` data-${k}="${escapeHtml(v)}"`)
    .join('');
  return htmlPage({
    title,
    contentSecurityPolicy: UI_CSP,
    body:
      `<style>${UI_CSS}</style>\n<div id="ui"${data} hidden></div>\n` +
      `<nav class="ui-nav"><a href="/">all runs</a><span class="live" id="live">live updates: connecting…</span></nav>\n` +
      body +
      `\n<script>${UI_SCRIPT}</script>`,
  });
}

/** URL of a file or folder inside the runs dir: every segment percent-encoded. */
export function fileUrl(runPath: string): string {
  return `/r/${relativeHref(runPath) ?? ''}`;
}

export function runPageUrl(runPath: string): string {
  return `${fileUrl(runPath)}/.run`;
}

export function sweepPageUrl(sweepPath: string): string {
  return `${fileUrl(sweepPath)}/.sweep`;
}

function badge(status: string): string {
  // statusBadge knows the four run.json statuses; lost and unreadable get their own colours here.
  if (status === 'lost' || status === 'unreadable') return `<span class="badge status-${status}">${status}</span>`;
  return statusBadge(status);
}

/** Status, epoch k/n and ETA while running, the one-line reason of a failed, lost or unreadable run. */
export function statusCell(run: UiRun): string {
  let html = badge(run.status);
  if (run.status === 'running') {
    const parts: string[] = [];
    if (run.epochs !== null) parts.push(`epoch ${run.epoch}/${run.epochs}`);
    else if (run.stage) parts.push(run.stage);
    if (run.eta_seconds !== null) parts.push(`ETA ${formatDuration(run.eta_seconds)}`);
    else if (run.stage && run.stage !== 'train' && run.epochs !== null) parts.push(run.stage);
    if (parts.length > 0) html += `<div class="progress">${escapeHtml(parts.join(' · '))}</div>`;
  }
  if (run.reason && run.status !== 'running' && run.status !== 'completed')
    html += `<div class="run-error">${escapeHtml(run.reason)}</div>`;
  return html;
}

const COLUMNS = [
  ['name', 'name', ''],
  ['id', 'id', ''],
  ['status', 'status', ''],
  ['kind', 'kind', ''],
  ['latent', 'latent', 'num'],
  ['test_mse', 'test MSE', 'num'],
  ['val_mse', 'val MSE', 'num'],
  ['params', 'params', 'num'],
  ['started', 'started', 'num'],
] as const;

function runRow(run: UiRun): string {
  const data: Record<string, string | number | null> = {
    path: run.path,
    name: run.sweep ? `${run.name} ${run.sweep.trial}` : run.name,
    id: run.id,
    status: run.status,
    kind: run.kind ?? '',
    latent: run.latent,
    test_mse: run.metrics.test_mse,
    val_mse: run.metrics.val_mse,
    params: run.metrics.params,
    started: run.started_at,
    search: run.search,
  };
  const attrs = Object.entries(data)
    .map(([k, v]) => ` data-${k}="${escapeHtml(v ?? '')}"`)
    .join('');
  const label = run.sweep ? `<span class="mono">${escapeHtml(run.sweep.trial)}</span>` : escapeHtml(run.name);
  return (
    `<tr class="run"${attrs}><td><input type="checkbox" class="pick" value="${escapeHtml(run.path)}" aria-label="select ${escapeHtml(run.path)}"></td>` +
    `<td><a href="${escapeHtml(runPageUrl(run.path))}">${label}</a></td><td class="mono">${escapeHtml(run.id)}</td>` +
    `<td>${statusCell(run)}</td><td>${escapeHtml(run.kind ?? '—')}</td><td class="num">${escapeHtml(run.latent ?? '—')}</td>` +
    `<td class="num">${escapeHtml(formatMetric('test_mse', run.metrics.test_mse))}</td>` +
    `<td class="num">${escapeHtml(formatMetric('val_mse', run.metrics.val_mse))}</td>` +
    `<td class="num">${escapeHtml(formatMetric('params', run.metrics.params))}</td>` +
    `<td class="num">${escapeHtml(formatTime(run.started_at))}</td></tr>`
  );
}

/** Groups: each experiment's own runs, then each of its sweeps; in name order. */
function groups(runs: UiRun[]): { key: string; title: string; sweep: string | null; runs: UiRun[] }[] {
  const byKey = new Map<string, { key: string; title: string; sweep: string | null; runs: UiRun[] }>();
  for (const run of runs) {
    const sweepDir = run.sweep?.dir ?? sweepOfPath(run.path);
    const experiment = run.path.split('/')[0] ?? run.name;
    const key = sweepDir ?? experiment;
    let group = byKey.get(key);
    if (!group) {
      group = { key, title: sweepDir ? `${experiment} · ${sweepDir.split('/').at(-1)}` : experiment, sweep: sweepDir, runs: [] };
      byKey.set(key, group);
    }
    group.runs.push(run);
  }
  return [...byKey.values()].sort((a, b) => a.key.localeCompare(b.key, 'en', { numeric: true }));
}

/** 'exp/sweep-0001' for a trial folder 'exp/sweep-0001/trial' (also for an unreadable trial). */
function sweepOfPath(runPath: string): string | null {
  const parts = runPath.split('/');
  return parts.length >= 3 && /^sweep-\d+$/.test(parts[parts.length - 2]!) ? parts.slice(0, -1).join('/') : null;
}

/** The runs table: one tbody per experiment or sweep. */
export function runsTable(runs: UiRun[]): string {
  if (runs.length === 0)
    return '<p>No runs yet. Start one with <code>aelab run experiments/&lt;spec&gt;.yaml</code>; it appears here as it starts.</p>';
  const head =
    '<th></th>' +
    COLUMNS.map(([key, label, cls]) => `<th data-sort="${key}"${cls ? ` class="${cls}"` : ''}>${escapeHtml(label)}</th>`).join('');
  const bodies = groups(runs).map((g) => {
    const link = g.sweep ? ` <a href="${escapeHtml(sweepPageUrl(g.sweep))}">sweep page</a>` : '';
    const count = `<span class="muted"> — ${g.runs.length} run${g.runs.length === 1 ? '' : 's'}</span>`;
    return (
      `<tbody class="group" data-group="${escapeHtml(g.key)}"><tr class="group-head"><th colspan="${COLUMNS.length + 1}">` +
      `${escapeHtml(g.title)}${count}${link}</th></tr>${g.runs.map(runRow).join('')}</tbody>`
    );
  });
  return `<div class="table-wrap"><table class="runs"><thead><tr>${head}</tr></thead>${bodies.join('')}</table></div>`;
}

function summary(runs: UiRun[]): string {
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return (
    `${runs.length} run${runs.length === 1 ? '' : 's'}` + (counts.size ? ` — ${[...counts].map(([s, n]) => `${n} ${s}`).join(' · ')}` : '')
  );
}

/** The list fragment the page script swaps in on every change. */
export function runsFragment(runs: UiRun[]): string {
  return `<p class="muted" id="summary">${escapeHtml(summary(runs))}</p>${runsTable(runs)}`;
}

export function runsPage(runsDir: string, runs: UiRun[]): string {
  const kinds = [...new Set(runs.map((r) => r.kind).filter((k): k is string => k !== null))].sort();
  const statuses = ['running', 'completed', 'failed', 'interrupted', 'lost', 'unreadable'];
  const body = [
    `<h1>aelab runs</h1><p class="muted mono">${escapeHtml(runsDir)}</p>`,
    '<div class="controls">',
    '<input type="search" id="filter-text" placeholder="filter: name or anything in the spec" aria-label="filter by text">',
    `<select id="filter-status" aria-label="status"><option value="">any status</option>${statuses.map((s) => `<option>${s}</option>`).join('')}</select>`,
    `<select id="filter-kind" aria-label="kind"><option value="">any kind</option>${kinds.map((k) => `<option>${escapeHtml(k)}</option>`).join('')}</select>`,
    '<button type="button" id="compare" disabled>compare selected</button>',
    '</div>',
    `<div id="runs">${runsFragment(runs)}</div>`,
    '<footer>Served read-only by <code>aelab ui</code>; updates as runs write their files.</footer>',
  ];
  return page('aelab runs', { page: 'runs' }, body.join('\n'));
}

/** The live part of a run page: status line and facts. */
export function runFragment(run: UiRun): string {
  const facts: [string, string][] = [
    ['Status', statusCell(run)],
    ['Kind', escapeHtml(run.kind ?? '—')],
    ['Latent', escapeHtml(run.latent ?? '—')],
    ['Started', escapeHtml(formatTime(run.started_at))],
    ['Folder', `<span class="mono">${escapeHtml(run.path)}</span>`],
  ];
  if (run.metrics.test_mse !== null) facts.splice(3, 0, ['Test MSE', escapeHtml(formatMetric('test_mse', run.metrics.test_mse))]);
  return `<dl class="facts">${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

export function runPage(run: UiRun): string {
  const title = run.sweep ? `${run.name} · ${run.sweep.trial}` : `${run.name} · ${run.id}`;
  const sweep = run.sweep ? ` · <a href="${escapeHtml(sweepPageUrl(run.sweep.dir))}">its sweep</a>` : '';
  const body = [
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="muted"><a href="${escapeHtml(fileUrl(run.path))}/report.html">report.html</a> · <a href="${escapeHtml(fileUrl(run.path))}/run.json">run.json</a> · <a href="${escapeHtml(fileUrl(run.path))}/history.csv">history.csv</a>${sweep}</p>`,
    `<div id="run-status">${runFragment(run)}</div>`,
    '<h2>Loss by epoch</h2>',
    '<div class="chart" id="chart"><p class="muted">No epochs yet.</p></div>',
    '<h2>Report</h2>',
    run.hasReport
      ? '<iframe class="report" src="report.html" title="report.html"></iframe>'
      : `<p class="muted" id="no-report">No report.html yet: it is written when the run completes${run.status === 'running' ? ', and this page shows it then' : ''}.</p>`,
  ];
  return page(title, { page: 'run', path: run.path, report: run.hasReport ? '1' : '' }, body.join('\n'));
}

/** The live part of a sweep page: counts, the trials and the compare table of the completed ones. */
export function sweepFragment(sweep: UiSweep, runs: Map<string, UiRun>, compareTable: string | null): string {
  const c = sweep.counts;
  const counts =
    `<p class="counts"><span><strong>${c.completed}</strong> done</span><span><strong>${c.running}</strong> running</span>` +
    `<span><strong>${c.failed}</strong> failed</span><span><strong>${c.pending}</strong> pending</span>` +
    (c.other ? `<span><strong>${c.other}</strong> interrupted or lost</span>` : '') +
    `<span class="muted">of ${sweep.total} trials</span></p>`;
  const rows = sweep.trials.map((t) => {
    const run = runs.get(t.path);
    const link = run ? `<a href="${escapeHtml(runPageUrl(t.path))}">${escapeHtml(t.name)}</a>` : escapeHtml(t.name);
    const status = run ? statusCell(run) : badge(t.status);
    return `<tr><td class="mono">${link}</td><td>${status}</td><td class="num">${escapeHtml(formatMetric('test_mse', run?.metrics.test_mse ?? null))}</td></tr>`;
  });
  const table = `<div class="table-wrap"><table><thead><tr><th>trial</th><th>status</th><th class="num">test MSE</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
  const compare =
    compareTable === null
      ? '<p class="muted">No completed trial yet.</p>'
      : `${compareTable}<p class="muted">The table <code>aelab compare</code> prints for the completed trials; <a href="${escapeHtml(comparePageUrl(sweep.trials.filter((t) => runs.get(t.path)?.status === 'completed').map((t) => t.path)))}">compare them with pictures</a>.</p>`;
  return `${counts}${table}<h2>Completed trials compared</h2>${compare}`;
}

export function sweepPage(sweep: UiSweep, runs: Map<string, UiRun>, compareTable: string | null): string {
  const title = `${sweep.name} · ${sweep.path.split('/').at(-1)}`;
  const body = [
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="muted mono">${escapeHtml(sweep.path)}</p>`,
    '<h2>Validation loss by epoch</h2>',
    '<div class="chart" id="chart"><p class="muted">No epochs yet.</p></div>',
    '<h2>Trials</h2>',
    `<div id="sweep-status">${sweepFragment(sweep, runs, compareTable)}</div>`,
  ];
  return page(title, { page: 'sweep', path: sweep.path }, body.join('\n'));
}

export function comparePageUrl(paths: string[]): string {
  return `/r/.compare?${paths.map((p) => `run=${encodeURIComponent(p)}`).join('&')}`;
}

/** A plain page for 404s and other refusals. */
export function messagePage(title: string, message: string): string {
  return htmlPage({
    title,
    contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'",
    body: `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p><a href="/">all runs</a></p>`,
  });
}
