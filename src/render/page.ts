// The HTML shell shared by report.html, runs/index.html and compare.html: inline CSS, no scripts,
// no external fonts or stylesheets.
import { escapeHtml } from './escape.ts';

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f3f4f6; color: #1f2328;
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Roboto, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 28px 36px 56px; background: #fff; min-height: 100vh; }
h1 { font-size: 26px; margin: 0 0 4px; line-height: 1.25; word-break: break-word; }
h2 { font-size: 19px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #d8dee4; }
h3 { font-size: 15px; margin: 0 0 6px; word-break: break-word; }
p { margin: 6px 0; }
.muted { color: #59636e; }
.description { color: #3d444d; margin: 6px 0 0; }
code, pre, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
pre { background: #f6f8fa; border: 1px solid #d8dee4; border-radius: 6px; padding: 12px 14px; overflow: auto; line-height: 1.45; }
a { color: #0969da; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12.5px; font-weight: 600;
  border: 1px solid transparent; white-space: nowrap; }
.status-completed { background: #dafbe1; color: #116329; border-color: #aceebb; }
.status-failed { background: #ffebe9; color: #a40e26; border-color: #ffcecb; }
.status-interrupted { background: #fff8c5; color: #7d4e00; border-color: #f2d98f; }
.status-running { background: #ddf4ff; color: #0550ae; border-color: #b6e3ff; }
.status-lost { background: #fbefff; color: #6e40c9; border-color: #ecd8ff; }
.status-other { background: #eff2f5; color: #424a53; border-color: #d1d9e0; }
.tag { background: #eff2f5; color: #24292f; border-color: #d1d9e0; font-weight: 500; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 18px 0 0; }
dl.facts dt { color: #59636e; }
dl.facts dd { margin: 0; word-break: break-word; }
table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 12px; border-bottom: 1px solid #e3e6ea; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; font-size: 13.5px; }
td.num, th.num { text-align: right; white-space: nowrap; }
tr.best td { background: #f0fbf3; }
.table-wrap { overflow-x: auto; }
.run-error { color: #82071e; font-size: 12.5px; margin-top: 4px; max-width: 34em; word-break: break-word; }
.error { background: #ffebe9; border: 1px solid #ffcecb; color: #82071e; border-radius: 6px; padding: 10px 14px; margin: 16px 0; white-space: pre-wrap; }
figure { margin: 18px 0 30px; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid #e3e6ea; }
img.digits { image-rendering: pixelated; }
figcaption { margin-top: 8px; color: #3d444d; max-width: 820px; }
figcaption strong { color: #1f2328; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 18px; }
.card { border: 1px solid #d8dee4; border-radius: 8px; padding: 12px; background: #fff; }
.card img { display: block; max-width: 100%; height: auto; image-rendering: pixelated; }
footer { margin-top: 40px; color: #59636e; font-size: 13px; }
details summary { cursor: pointer; color: #0969da; }
`;

export interface PageOptions {
  title: string;
  body: string;
  /** A Content-Security-Policy for pages that must not load anything from outside themselves. */
  contentSecurityPolicy?: string;
}

export function htmlPage({ title, body, contentSecurityPolicy }: PageOptions): string {
  const csp = contentSecurityPolicy
    ? `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy)}">\n`
    : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${csp}<meta name="generator" content="aelab">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

const KNOWN_STATUSES = new Set(['completed', 'failed', 'interrupted', 'running', 'lost']);

/** A coloured status pill; unknown statuses get a neutral colour. */
export function statusBadge(status: string | null | undefined): string {
  const s = String(status ?? 'unknown');
  const cls = KNOWN_STATUSES.has(s) ? `status-${s}` : 'status-other';
  return `<span class="badge ${cls}">${escapeHtml(s)}</span>`;
}

export function pngDataUri(png: Buffer): string {
  return `data:image/png;base64,${png.toString('base64')}`;
}
