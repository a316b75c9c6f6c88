import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  renderComparison,
  renderRunPictures,
  renderRunReport,
  renderRunsIndex,
  pictureNotes,
  type ComparisonInput,
  type RenderedFile,
  type RunIndexRow,
  type RunReportInput,
} from '../../src/render/index.ts';
import { escapeHtml, relativeHref } from '../../src/render/escape.ts';
import type { RunListing } from '../../src/runs/index.ts';
import { formatMetric, formatSignificant } from '../../src/render/format.ts';
import { history, pictureData } from './fixtures.ts';
import { resolvedSpec, reportInput } from './report-fixture.ts';

const HOSTILE = `<script>alert("pwned")</script><img src=x onerror=alert(1)>&'`;

let dir: string;
let files: RenderedFile[];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aelab-render-html-'));
  files = await renderRunPictures(pictureData(28, 28), history(4));
  for (const f of files) fs.writeFileSync(path.join(dir, f.name), f.data);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The hostile name's tags must never appear as markup (as escaped text they are harmless). */
function expectNoInjectedMarkup(html: string): void {
  expect(html).not.toContain('<script');
  expect(html).not.toContain('<img src=x');
  // An unescaped quote would end an attribute and let onerror= become one.
  expect(html).not.toContain('"pwned"');
}

describe('escaping helpers', () => {
  it('escapes the five HTML specials', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('relative hrefs: encodes segments, refuses schemes and absolute paths', () => {
    expect(relativeHref('kind=pca,latent=8/report.html')).toBe('kind%3Dpca%2Clatent%3D8/report.html');
    expect(relativeHref('../runs/my run#1/report.html')).toBe('../runs/my%20run%231/report.html');
    expect(relativeHref('a\\b.png')).toBe('a/b.png');
    expect(relativeHref('javascript:alert(1)')).toBeNull();
    expect(relativeHref('https://example.com/x.png')).toBeNull();
    expect(relativeHref('/etc/passwd')).toBeNull();
    expect(relativeHref(null)).toBeNull();
  });

  it('formats metrics by kind of value', () => {
    expect(formatSignificant(0.0243712)).toBe('0.02437');
    expect(formatSignificant(0.0000123)).toBe('1.23e−5');
    expect(formatSignificant(-3.4981)).toBe('−3.498');
    expect(formatMetric('params', 1089886)).toBe('1,089,886');
    expect(formatMetric('train_seconds', 142.34)).toBe('2 min 22 s');
    expect(formatMetric('val_mse', null)).toBe('—');
    expect(formatMetric('test_mse_by_digit', { '1': 0.01, '5': 0.03 })).toBe('1: 0.01 · 5: 0.03');
  });
});

describe('renderRunReport', () => {
  it('embeds every picture as a data: URI, in the lecture order, with captions', () => {
    const html = renderRunReport(reportInput(dir, files.filter((f) => f.name.endsWith('.png')).map((f) => f.name)));
    const srcs = [...html.matchAll(/<img [^>]*src="([^"]+)"/g)].map((m) => m[1]!);
    expect(srcs).toHaveLength(6);
    for (const src of srcs) expect(src.startsWith('data:image/png;base64,')).toBe(true);
    const order = ['reconstructions', 'latent', 'manifold', 'interpolation', 'samples', 'loss'].map((id) => html.indexOf(`<figure id="${id}"`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(html).toContain('their reconstructions <i>g</i>(<i>f</i>(<i>x</i>))');
    expect(html).toContain('Row “pixel”');
    // The page asks for nothing outside itself.
    expect(html).toContain(`content="default-src &#39;none&#39;; img-src data:; style-src &#39;unsafe-inline&#39;"`);
    expect(html).not.toMatch(/<script|<link |src="http|url\(/);
    // Charts link their SVG beside the report.
    expect(html).toContain('<a href="latent.svg">SVG version</a>');
  });

  it('shows the header, formatted metrics and the resolved spec', () => {
    const html = renderRunReport(reportInput(dir, ['reconstructions.png']));
    expect(html).toContain('<h1>mnist-156-deep</h1>');
    expect(html).toContain('status-completed');
    expect(html).toContain('wasm (fast matmul) · tfjs 4.22.0');
    expect(html).toContain('2025-11-28 11:53:02 UTC');
    expect(html).toContain('<td class="num">0.02437</td>');
    expect(html).toContain('<td class="num">1,089,886</td>');
    expect(html).toMatch(/<pre>name: mnist-156-deep\n[\s\S]*latent: 2[\s\S]*<\/pre>/);
    expect(html).toContain('deep autoencoder, encoder 500-300-2, mirrored decoder, relu');
  });

  it('says where a run ran: host, Slurm or Kubernetes job, shard', () => {
    const input = reportInput(dir, []);
    const run = { ...input.run, hostname: 'node-7', engine: { slurm: { job_id: '815', array_job_id: '812', array_task_id: '3' } }, shard: { index: 2, count: 4 } };
    expect(renderRunReport({ ...input, run })).toContain('<dt>Ran on</dt><dd>node-7 · Slurm job 812_3 (job id 815) · shard 2/4</dd>');
    expect(renderRunReport(input)).not.toContain('<dt>Ran on</dt>');
  });

  it('leaves training-only metrics out of a PCA report and calls its fit a fit', () => {
    const input = reportInput(dir, []);
    const spec = { ...input.resolved!, model: { ...input.resolved!.model, kind: 'pca' as const } };
    const metrics = { ...input.metrics!, epochs: 0, best_epoch: null, stopped_early: false, samples_per_second: null, train_seconds: 0.31 };
    const html = renderRunReport({ ...input, resolved: spec, metrics });
    for (const key of ['epochs', 'best_epoch', 'stopped_early', 'samples_per_second']) expect(html).not.toContain(`<span class="muted mono">${key}</span>`);
    expect(html).toContain('<dt>Fit time</dt>');
    expect(html).not.toContain('<dt>Training time</dt>');
    expect(html).toContain('<span class="muted mono">test_mse</span>');
  });

  it('accepts pictures as buffers and notes from PictureData', () => {
    const html = renderRunReport({ ...reportInput('', []), pictures: files, notes: pictureNotes(pictureData(28, 28)) });
    expect([...html.matchAll(/<img /g)]).toHaveLength(6);
    expect(html).toContain('Grid of 4×4: z1 from −2 to 2, z2 from 2 to −2.');
  });

  it('says which picture is missing instead of failing', () => {
    const html = renderRunReport(reportInput(dir, ['samples.png', 'nope.png']));
    expect(html).toContain('nope.png is missing from the run folder');
    expect([...html.matchAll(/<img /g)]).toHaveLength(1);
  });

  it('escapes a hostile run name, description, error, spec and note', () => {
    const input: RunReportInput = {
      ...reportInput(dir, ['latent.png']),
      run: { id: HOSTILE, name: HOSTILE, status: 'failed', error: { message: HOSTILE } },
      specYaml: `name: "${HOSTILE}"`,
      resolved: { ...resolvedSpec(), name: HOSTILE, description: HOSTILE },
      notes: { 'latent.png': HOSTILE },
    };
    const html = renderRunReport(input);
    expectNoInjectedMarkup(html);
    expect(html).toContain('<h1>&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&amp;&#39;</h1>');
    expect(html).toContain('status-failed');
    expect(html).toContain('<div class="error"><strong>failed:</strong> &lt;script&gt;');
  });
});

describe('renderRunsIndex', () => {
  const rows: RunIndexRow[] = [
    { name: 'old', id: '0001', status: 'completed', kind: 'pca', latent: 2, test_mse: 0.0512345, started_at: '2025-11-01T10:00:00Z', link: 'old/0001/report.html' },
    { name: HOSTILE, id: '0002', status: 'failed', kind: 'deep', latent: 8, test_mse: null, started_at: '2025-11-03T10:00:00Z', link: 'javascript:alert(1)' },
    { name: 'mid', id: '0001', status: 'interrupted', kind: 'linear', latent: 4, test_mse: 0.03, started_at: '2025-11-02T10:00:00Z', link: 'mid/0001/report.html' },
  ];

  it('lists runs newest first with status colours, test MSE and links', () => {
    const html = renderRunsIndex(rows);
    const order = [html.indexOf('&lt;script'), html.indexOf('>mid<'), html.indexOf('>old<')];
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(html).toContain('<span class="badge status-interrupted">interrupted</span>');
    expect(html).toContain('<span class="badge status-failed">failed</span>');
    expect(html).toContain('<td class="num">0.05123</td>');
    expect(html).toContain('<a href="old/0001/report.html">report</a>');
    expect(html).toContain('3 runs');
  });

  it('escapes names and refuses a javascript: link', () => {
    const html = renderRunsIndex(rows);
    expectNoInjectedMarkup(html);
    expect(html).not.toContain('javascript:');
  });

  it('takes the runs listing as it is: links from the run folder, lost runs and where they ran, sweep trials', () => {
    // The shape listRuns returns, with fields the index does not use.
    const listing = [
      { name: 'sweep', id: '0001', status: 'completed', kind: 'pca', latent: 8, test_mse: 0.02, path: 'pca-vs-deep/sweep-0001/kind=pca,latent=8', started_at: '2025-11-05T10:00:00Z', finished_at: null, duration_seconds: 3, spec_hash: 'abc', sweep: { dir: 'pca-vs-deep/sweep-0001', trial: 'kind=pca,latent=8' }, attempt: null, error: null, host: 'node-1', engine: null, shard: null },
      { name: 'crashed', id: '0002', status: 'lost', kind: 'deep', latent: 2, test_mse: null, path: 'crashed/0002', started_at: '2025-11-04T10:00:00Z', finished_at: null, duration_seconds: null, spec_hash: null, sweep: null, attempt: null, error: null, host: 'node-7', engine: 'Slurm job 812_3 on node-7', shard: '3/4' },
    ] satisfies RunListing[];
    const html = renderRunsIndex(listing);
    expect(html).toContain('<a href="pca-vs-deep/sweep-0001/kind%3Dpca%2Clatent%3D8/report.html">report</a>');
    expect(html).toContain('sweep <span class="muted mono">kind=pca,latent=8</span>');
    expect(html).toContain('<a href="crashed/0002/">folder</a>');
    expect(html).toContain('<span class="badge status-lost">lost</span><div class="muted run-where">node-7 · Slurm job 812_3 on node-7 · shard 3/4</div>');
    expect(html).not.toContain('node-1'); // a finished run does not need its host shown
  });

  it("shows why a run failed under its status, escaped", () => {
    const failed = { name: 'broken', id: '0003', status: 'failed', kind: 'deep', latent: 2, test_mse: null, started_at: '2025-11-06T10:00:00Z', path: 'broken/0003', error: `data.train_images  file not found ${HOSTILE}` };
    const html = renderRunsIndex([...rows, failed]);
    expect(html).toContain('<div class="run-error">data.train_images  file not found');
    expectNoInjectedMarkup(html);
  });

  it('says how to start when there are no runs', () => {
    expect(renderRunsIndex([])).toContain('No runs yet');
  });
});

describe('renderComparison', () => {
  function input(): ComparisonInput {
    const runs = ['pca', 'deep'].flatMap((kind) =>
      [2, 8].map((latent) => ({
        id: `${kind}-${latent}`,
        label: kind === 'deep' && latent === 8 ? HOSTILE : `kind=${kind},latent=${latent}`,
        kind,
        latent,
        parameters: { 'model.kind': kind, 'model.latent': latent },
        metrics: { test_mse: (kind === 'pca' ? 0.06 : 0.03) / latent, params: latent * 100 },
        reportPath: `${kind}/${latent}/report.html`,
        reconstructionsPath: `${kind}/${latent}/reconstructions.png`,
        samplesPath: kind === 'pca' && latent === 2 ? null : `${kind}/${latent}/samples.png`,
      })),
    );
    return { title: 'pca vs deep', parameterKeys: ['model.kind', 'model.latent'], metricKeys: ['test_mse', 'params'], runs, best: { runId: 'deep-8', metric: 'test_mse' } };
  }

  it('writes the table with the best run marked, the chart files and links to each run’s pictures', async () => {
    const { html, files } = await renderComparison(input());
    expect(files.map((f) => f.name)).toEqual(['compare-mse-latent.png', 'compare-mse-latent.svg']);
    expect((files[1]!.data as string).startsWith('<svg')).toBe(true);
    expect(html).toContain('<th class="mono">model.kind</th><th class="mono">model.latent</th>');
    expect([...html.matchAll(/<tr class="run best">/g)]).toHaveLength(1);
    expect(html).toMatch(/<tr class="run best"><td><span title="best run"[^>]*>★<\/span><\/td><td><a href="deep\/8\/report.html">&lt;script/);
    expect(html).toContain('src="data:image/png;base64,');
    expect(html).toContain('<img src="pca/8/reconstructions.png"');
    expect(html).toContain('<img src="deep/2/samples.png"');
    expect(html).toContain('This run has no samples.png.');
    expectNoInjectedMarkup(html);
  });

  it('derives the chart from the runs when no points are given, and skips it when none are usable', async () => {
    const withoutMse = input();
    for (const r of withoutMse.runs) delete r.metrics['test_mse'];
    const { html, files } = await renderComparison(withoutMse);
    expect(files).toEqual([]);
    expect(html).toContain('No chart');
  });
});
