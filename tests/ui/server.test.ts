// `aelab ui`'s server over a runs folder made by real tiny runs: what it lists and shows, what it
// refuses (paths leaving the runs folder, methods other than GET), and that it never writes.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startUiServer, type UiServer } from '../../src/ui/server.ts';
import { HOSTILE, buildRunsFixture, snapshot, type UiFixture } from './fixture.ts';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request with the path sent exactly as written (no URL normalisation of '..' or '%2f'). */
function request(server: UiServer, rawPath: string, options: { method?: string; host?: string } = {}): Promise<Reply> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: rawPath,
        method: options.method ?? 'GET',
        headers: options.host ? { Host: options.host } : {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Collects the server's change events until `until` holds for one of them, or the time is up. */
function awaitChange(server: UiServer, until: (paths: string[]) => boolean, timeoutMs: number): Promise<string[]> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: url.hostname, port: url.port, path: '/events' }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (const block of buffer.split('\n\n').slice(0, -1)) {
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (block.startsWith('event: change') && data) {
            const paths = (JSON.parse(data) as { paths: string[] }).paths;
            if (until(paths)) {
              clearTimeout(timer);
              req.destroy();
              resolve(paths);
            }
          }
        }
        buffer = buffer.slice(buffer.lastIndexOf('\n\n') + 2);
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no change event within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', () => {});
  });
}

// One runs folder for the whole file (real runs take a while on a loaded machine); the live-update
// tests add runs to it only after the read-only check has run.
let fixture: Promise<UiFixture> | undefined;
const sharedFixture = () => (fixture ??= buildRunsFixture());

describe('aelab ui server', () => {
  let fx: UiFixture;
  let server: UiServer;
  let before: Record<string, string>;

  beforeAll(async () => {
    fx = await sharedFixture();
    // Links that lead out of the runs folder: a file and a run folder.
    fs.writeFileSync(path.join(fx.root, 'secret.txt'), 'secret');
    fs.symlinkSync(path.join(fx.root, 'secret.txt'), path.join(fx.runsDir, 'secret.txt'));
    fs.mkdirSync(path.join(fx.root, 'elsewhere', '0001'), { recursive: true });
    fs.writeFileSync(path.join(fx.root, 'elsewhere', '0001', 'notes.txt'), 'outside');
    fs.symlinkSync(path.join(fx.root, 'elsewhere'), path.join(fx.runsDir, 'escape'));
    before = snapshot(fx.runsDir);
    server = await startUiServer({ runsDir: fx.runsDir, port: 0 });
  }, 240_000);

  afterAll(async () => {
    await server?.close();
  });

  it('listens on 127.0.0.1 and lists every run, the corrupt one marked unreadable, grouped by experiment and sweep', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const res = await request(server, '/');
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toMatch(/default-src 'none'.*script-src 'sha256-/);
    const rows = [...res.body.matchAll(/<tr class="run" data-path="([^"]+)"[^>]* data-status="([^"]+)"/g)].map((m) => [m[1], m[2]]);
    expect(Object.fromEntries(rows)).toEqual({
      'broken/0001': 'unreadable',
      [fx.deepTrial]: 'completed',
      [fx.pcaTrial]: 'completed',
      'hostile/0001': 'failed',
      'orphan/0001': 'lost',
    });
    expect(res.body).toContain('run.json cannot be read (not valid JSON)');
    expect(res.body).toContain('its process is gone without finishing the run');
    const groups = [...res.body.matchAll(/data-group="([^"]+)"/g)].map((m) => m[1]);
    expect(groups).toEqual(['broken', fx.sweepPath, 'hostile', 'orphan']);
    expect(res.body).toContain(`href="/r/grid/sweep-0001/.sweep"`);
    // The failed run's one-line reason, escaped; the hostile markup never appears as markup.
    expect(res.body).toContain('bad &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.body).not.toContain('second line');
    expect(res.body).not.toContain(HOSTILE);
    expect(res.body).not.toMatch(/<img src=x/);
  });

  it('serves a run page with its status and history, and its report.html with the CSP kept', async () => {
    const page = await request(server, `/r/${fx.deepTrial.split('/').map(encodeURIComponent).join('/')}/.run`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<iframe class="report" src="report.html"');
    const api = JSON.parse((await request(server, `/api/run?path=${encodeURIComponent(fx.deepTrial)}`)).body);
    expect(api.history.map((h: { epoch: number }) => h.epoch)).toEqual([1, 2]);
    expect(api.history[1].val_loss).toBeGreaterThan(0);
    const report = await request(server, `/r/${fx.deepTrial}/report.html`);
    expect(report.status).toBe(200);
    expect(report.headers['content-type']).toMatch(/^text\/html/);
    expect(report.headers['content-security-policy']).toMatch(/^default-src 'none'; img-src 'self' data:;.*frame-ancestors 'self'/);
    expect(report.body).toContain('http-equiv="Content-Security-Policy"');
    expect(report.body).toBe(fs.readFileSync(path.join(fx.runsDir, fx.deepTrial, 'report.html'), 'utf8'));
    const hostile = await request(server, '/r/hostile/0001/.run');
    expect(hostile.body).not.toContain(HOSTILE);
    expect(hostile.body).toContain('No report.html yet');
  });

  it('shows a sweep: counts of the total, every trial, and the compare table of the completed ones', async () => {
    const res = await request(server, `/r/${fx.sweepPath}/.sweep`);
    expect(res.status).toBe(200);
    expect(res.body).toMatch(
      /<strong>2<\/strong> done.*<strong>0<\/strong> running.*<strong>0<\/strong> failed.*<strong>0<\/strong> pending.*of 2 trials/,
    );
    // The same table `aelab compare` renders: the differing key and the metrics, best marked.
    expect(res.body).toContain('<table class="comparison">');
    expect(res.body).toContain('<th class="mono">model.kind</th>');
    expect(res.body).toMatch(/<tr class="run best">/);
    const api = JSON.parse((await request(server, `/api/sweep?path=${encodeURIComponent(fx.sweepPath)}`)).body);
    const deep = api.trials.find((t: { path: string }) => t.path === fx.deepTrial);
    expect(deep.history).toHaveLength(2);
    expect(api.trials.find((t: { path: string }) => t.path === fx.pcaTrial).history).toEqual([]);
  });

  it('compares selected runs as `aelab compare` does, with pictures that load from the runs folder', async () => {
    const res = await request(server, `/r/.compare?run=${encodeURIComponent(fx.deepTrial)}&run=${encodeURIComponent(fx.pcaTrial)}`);
    expect(res.status, res.body).toBe(200);
    expect(res.body).toContain('aelab compare — 2 runs');
    const images = [...res.body.matchAll(/<img src="([^"]+\.png)"/g)].map((m) => m[1]!);
    expect(images).toContain('grid/sweep-0001/kind%3Ddeep/reconstructions.png');
    for (const src of images) expect((await request(server, `/r/${src}`)).status, src).toBe(200);
    // Every link on the page leads somewhere: the chart files exist only where `aelab compare`
    // writes them, so this page names them instead of linking them.
    const links = [...res.body.matchAll(/<a href="([^"#][^"]*)"/g)].map((m) => m[1]!).filter((href) => !/^[a-z]+:/.test(href));
    for (const href of links) expect((await request(server, `/r/${href}`)).status, href).toBe(200);
    expect(res.body).toContain('<code>aelab compare</code> writes it as compare-mse-latent.png');
    expect((await request(server, '/r/.compare?run=..%2F..%2Fetc')).status).toBe(404);
  }, 120_000);

  it.each([
    '/r/../secret.txt',
    '/r/../../../../etc/passwd',
    '/r/%2e%2e/secret.txt',
    '/r/grid%2fsweep-0001/sweep.json',
    '/r/grid/sweep-0001/..%2F..%2F..%2Fsecret.txt',
    '/r/grid%5c..%5c..%5csecret.txt',
    '/r/secret.txt',
    '/r/escape/0001/notes.txt',
    '/r/grid/sweep-0001/.sweep.lock',
    '/r/.compare/../../secret.txt',
    '/r/%00',
    '/r/%E0%A4%A',
    '/r/grid/sweep-0001/kind=deep/model',
    '/../../etc/passwd',
    '/api/run?path=../secret.txt',
    '/api/sweep?path=..%2F..',
    '/r/../escape/0001/.run',
  ])('refuses %s with 404', async (raw) => {
    const res = await request(server, raw);
    expect(res.status).toBe(404);
    expect(res.body).not.toContain('secret');
    expect(res.body).not.toContain('outside');
  });

  it('serves files inside the runs folder', async () => {
    const run = await request(server, `/r/${fx.pcaTrial}/run.json`);
    expect(run.status).toBe(200);
    expect(JSON.parse(run.body).status).toBe('completed');
    expect((await request(server, `/r/${fx.sweepPath}/sweep.json`)).status).toBe(200);
    expect((await request(server, `/r/${fx.pcaTrial}/reconstructions.png`)).headers['content-type']).toBe('image/png');
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH'])('answers %s with 405 and Allow: GET, HEAD', async (method) => {
    const res = await request(server, `/r/${fx.pcaTrial}/run.json`, { method });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });

  it('refuses requests addressed to another host name (DNS rebinding), accepts localhost', async () => {
    expect((await request(server, '/', { host: 'attacker.example:80' })).status).toBe(403);
    expect((await request(server, '/', { host: 'localhost:9999' })).status).toBe(200);
  });

  it('has written nothing into the runs folder', () => {
    expect(snapshot(fx.runsDir)).toEqual(before);
  });
});

describe('aelab ui live updates', () => {
  let fx: UiFixture;
  beforeAll(async () => {
    fx = await sharedFixture();
  }, 240_000);

  it.each([
    ['fs.watch', true],
    ['the periodic rescan alone (watch unavailable, as on network file systems)', false],
  ])(
    'announces a new run and a new epoch through %s',
    async (_how, watch) => {
      const server = await startUiServer({ runsDir: fx.runsDir, port: 0, watch, fullRescanMs: 500, liveRescanMs: 300 });
      try {
        const id = watch ? '0001' : '0002';
        const target = path.join(fx.runsDir, 'copied', id);
        const appeared = awaitChange(server, (p) => p.includes(`copied/${id}`), 15_000);
        await new Promise((r) => setTimeout(r, 200));
        // A run that is still training, as a training process leaves it between epochs.
        fs.cpSync(path.join(fx.runsDir, fx.deepTrial), target, { recursive: true });
        const run = JSON.parse(fs.readFileSync(path.join(target, 'run.json'), 'utf8'));
        Object.assign(run, { status: 'running', pid: process.pid, id, name: 'copied' });
        delete run.sweep;
        delete run.finished_at;
        fs.writeFileSync(path.join(target, 'run.json'), JSON.stringify(run));
        await appeared;
        expect(server.index.get(`copied/${id}`)?.status).toBe('running');
        expect(server.index.get(`copied/${id}`)?.epoch).toBe(2);

        const grew = awaitChange(server, (p) => p.includes(`copied/${id}`), 15_000);
        await new Promise((r) => setTimeout(r, 200));
        fs.appendFileSync(path.join(target, 'history.csv'), '3,0.1,0.09,0.5\n');
        await grew;
        expect(server.index.get(`copied/${id}`)?.epoch).toBe(3);
      } finally {
        await server.close();
      }
    },
    60_000,
  );
});
