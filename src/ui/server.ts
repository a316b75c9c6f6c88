// `aelab ui`'s web server: Node's http over a runs directory, read-only. It keeps a RunsIndex
// current from fs.watch (plus a periodic rescan, since watch says nothing on many network file
// systems) and pushes every change to the open pages as a Server-Sent Event.
//
// URLs:  /                      the runs list
//        /r/<run>/.run          a run: live status and loss curves, its report.html framed
//        /r/<sweep>/.sweep      a sweep: counts, every trial's val loss, the completed trials compared
//        /r/.compare?run=…      compare.html for the chosen runs, as `aelab compare` renders it
//        /r/<file>              a file inside the runs dir (reports, pictures, csv, json)
//        /api/…, /events        fragments and JSON for the page script, the change stream
// Pages live at a dot-name inside the folder they show, so that the relative links in report.html
// and compare.html resolve to the files beside them; a dot-name is never served as a file.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import { EXPLORER_SCRIPT_SOURCE } from '../render/index.ts';
import { UserError } from '../shared/errors.ts';
import { messagePage, runFragment, runPage, runsFragment, runsPage, sweepFragment, sweepPage, UI_CSP } from './pages.ts';
import { readHistory, readUiSweep, RunsIndex, type UiRun } from './scan.ts';

export interface UiServerOptions {
  runsDir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8765; 0 picks a free port. */
  port?: number;
  /** A running run whose heartbeat is older than this is shown lost (ms; default 10 minutes). */
  staleAfterMs?: number;
  /** How often running runs are read again without a file event (ms). */
  liveRescanMs?: number;
  /** How often the whole runs dir is walked again without a file event (ms). */
  fullRescanMs?: number;
  /** Watch the folder with fs.watch (default true); false leaves only the periodic rescans. */
  watch?: boolean;
}

export interface UiServer {
  url: string;
  index: RunsIndex;
  /** Stops watching, ends the event streams and closes the server. */
  close(): Promise<void>;
}

/** Files that may be served from a run folder, by extension, with their content type. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'text/plain; charset=utf-8',
  '.csv': 'text/plain; charset=utf-8',
  '.yaml': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.npy': 'application/octet-stream',
};

/**
 * What a report or compare page served from the runs dir may do: exactly what it may as a file
 * (its own meta CSP still applies on top), plus images from this server; framed only by the UI.
 */
const FILE_CSP = `default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; script-src ${EXPLORER_SCRIPT_SOURCE}; base-uri 'none'; form-action 'none'; frame-ancestors 'self'`;

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const runsDir = path.resolve(options.runsDir);
  let realRoot: string;
  try {
    realRoot = fs.realpathSync(runsDir);
    if (!fs.statSync(realRoot).isDirectory()) throw new Error('not a folder');
  } catch {
    throw new UserError(
      `runs folder ${runsDir} does not exist or is not a folder; pass --runs-dir DIR (the folder \`aelab run\` writes to)`,
    );
  }
  const host = options.host ?? '127.0.0.1';
  const loopbackOnly = LOOPBACK_NAMES.has(host);
  const index = new RunsIndex(runsDir, options.staleAfterMs);
  index.scanAll();

  const streams = new Set<http.ServerResponse>();
  const broadcast = (paths: string[]) => {
    if (paths.length === 0) return;
    const message = `event: change\ndata: ${JSON.stringify({ paths })}\n\n`;
    for (const res of streams) res.write(message);
  };

  // ---- watching ----
  const pending = new Set<string>();
  let flushTimer: NodeJS.Timeout | null = null;
  const flush = () => {
    flushTimer = null;
    const files = [...pending];
    pending.clear();
    const runDirs = new Set<string>();
    const extra: string[] = [];
    let full = false;
    for (const rel of files) {
      const abs = path.join(runsDir, rel);
      const runDir = enclosingRunDir(runsDir, abs);
      if (runDir) runDirs.add(runDir);
      else if (path.basename(rel) === 'sweep.json') extra.push(rel.split(path.sep).join('/'));
      else full = true; // a new or removed folder: walk again
    }
    const changed = index.rescan(runDirs);
    if (full) changed.push(...index.scanAll());
    broadcast([...new Set([...changed, ...extra])]);
  };
  const noteChange = (rel: string) => {
    pending.add(rel);
    flushTimer ??= setTimeout(flush, 80);
  };

  let watcher: fs.FSWatcher | null = null;
  if (options.watch !== false) {
    try {
      watcher = fs.watch(runsDir, { recursive: true }, (_event, filename) => {
        if (filename) noteChange(filename.toString());
      });
      watcher.on('error', () => {
        watcher?.close();
        watcher = null; // the periodic rescans carry on alone
      });
    } catch {
      watcher = null;
    }
  }
  const liveTimer = setInterval(() => broadcast(index.rescan(index.liveDirs())), options.liveRescanMs ?? 1000);
  const fullTimer = setInterval(() => broadcast(index.scanAll()), options.fullRescanMs ?? 3000);
  const keepAlive = setInterval(() => {
    for (const res of streams) res.write(': keep-alive\n\n');
  }, 20_000);

  // Tables of completed trials change only when a trial completes: cached by the completed set.
  const tableCache = new Map<string, string>();
  const completedTable = async (sweepDir: string, completed: string[]): Promise<string | null> => {
    if (completed.length === 0) return null;
    const key = JSON.stringify([sweepDir, completed]);
    let table = tableCache.get(key);
    if (table === undefined) {
      const { compareToHtml } = await import('../pipeline/compare.ts');
      table = await compareToHtml(
        completed.map((p) => path.join(runsDir, p)),
        { pageDir: path.join(runsDir, sweepDir), tableOnly: true },
      );
      if (tableCache.size > 50) tableCache.clear();
      tableCache.set(key, table);
    }
    return table;
  };

  const sweepView = async (sweepPath: string) => {
    const sweep = readUiSweep(runsDir, path.join(runsDir, sweepPath));
    if (!sweep) return null;
    const runs = new Map<string, UiRun>();
    for (const t of sweep.trials) {
      const run = index.get(t.path);
      if (run) runs.set(t.path, run);
    }
    const completed = sweep.trials.filter((t) => runs.get(t.path)?.status === 'completed').map((t) => t.path);
    return { sweep, runs, table: await completedTable(sweepPath, completed) };
  };

  // ---- requests ----
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendPage(res, 405, messagePage('405 method not allowed', 'aelab ui is read-only: only GET and HEAD.'));
    }
    // A page on another site must not read the runs through a name that resolves to 127.0.0.1.
    if (loopbackOnly && !LOOPBACK_NAMES.has(hostName(req.headers.host))) {
      return sendPage(res, 403, messagePage('403 forbidden', 'Open this server as localhost or 127.0.0.1.'));
    }
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const pathname = q < 0 ? raw : raw.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
    const notFound = () => sendPage(res, 404, messagePage('404 not found', 'Nothing here: only runs inside the runs folder are served.'));

    if (pathname === '/') return sendPage(res, 200, runsPage(runsDir, index.runs()), UI_CSP);
    if (pathname === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    if (pathname === '/events') return openStream(req, res, streams);
    if (pathname === '/api/runs') return sendJson(res, index.runs());
    if (pathname === '/api/runs-fragment') return sendText(res, runsFragment(index.runs()), 'text/html; charset=utf-8');
    if (pathname === '/api/run') {
      const run = index.get(query.get('path') ?? '');
      if (!run) return notFound();
      return sendJson(res, {
        fragment: runFragment(run),
        history: readHistory(path.join(runsDir, run.path)),
        hasReport: run.hasReport,
        status: run.status,
      });
    }
    if (pathname === '/api/sweep') {
      const sweepPath = query.get('path') ?? '';
      const view = safeSegments(sweepPath.split('/')) ? await sweepView(sweepPath) : null;
      if (!view) return notFound();
      return sendJson(res, {
        fragment: sweepFragment(view.sweep, view.runs, view.table),
        trials: view.sweep.trials.map((t) => ({
          name: t.name,
          path: t.path,
          status: t.status,
          history: readHistory(path.join(runsDir, t.path)),
        })),
      });
    }
    if (!pathname.startsWith('/r/')) return notFound();

    // Encoded slashes, backslashes or NULs could turn one segment into several: refused outright.
    if (/%(2f|5c|00)/i.test(pathname)) return notFound();
    const segments: string[] = [];
    for (const s of pathname.slice(3).split('/')) {
      try {
        segments.push(decodeURIComponent(s));
      } catch {
        return notFound();
      }
    }
    const last = segments.at(-1);
    if (segments.length === 1 && last === '.compare') {
      const picked = query.getAll('run').filter((p) => index.get(p));
      if (picked.length === 0)
        return sendPage(res, 404, messagePage('Nothing to compare', 'Select runs on the runs list, then “compare selected”.'));
      const { compareToHtml } = await import('../pipeline/compare.ts');
      const html = await compareToHtml(
        picked.map((p) => path.join(runsDir, p)),
        { pageDir: runsDir },
      );
      return sendPage(res, 200, html, FILE_CSP);
    }
    if (last === '.run' || last === '.sweep') {
      const folder = segments.slice(0, -1);
      if (!safeSegments(folder)) return notFound();
      const rel = folder.join('/');
      if (last === '.run') {
        const run = index.get(rel);
        return run ? sendPage(res, 200, runPage(run), UI_CSP) : notFound();
      }
      const view = await sweepView(rel);
      return view ? sendPage(res, 200, sweepPage(view.sweep, view.runs, view.table), UI_CSP) : notFound();
    }
    if (!safeSegments(segments)) return notFound();
    const file = insideRoot(realRoot, path.join(runsDir, ...segments));
    const type = file ? CONTENT_TYPES[path.extname(file).toLowerCase()] : undefined;
    if (!file || !type) return notFound();
    res.writeHead(200, {
      'Content-Type': type,
      'Content-Length': fs.statSync(file).size,
      'Content-Security-Policy': FILE_CSP,
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    fs.createReadStream(file).pipe(res);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendPage(res, 500, messagePage('500 internal error', err instanceof Error ? err.message : String(err)));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new UserError(
              `port ${options.port} on ${host} is in use (another aelab ui?); choose another with --port N, or --port 0 for any free one`,
            )
          : err.code === 'EADDRNOTAVAIL'
            ? new UserError(`cannot listen on --host ${host}: no such address on this machine`)
            : err,
      );
    });
    server.listen(options.port ?? 8765, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;

  return {
    url: `http://${shownHost}:${port}/`,
    index,
    async close() {
      clearInterval(liveTimer);
      clearInterval(fullTimer);
      clearInterval(keepAlive);
      if (flushTimer) clearTimeout(flushTimer);
      watcher?.close();
      for (const res of streams) res.end();
      streams.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function openStream(req: http.IncomingMessage, res: http.ServerResponse, streams: Set<http.ServerResponse>): void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
  // Reconnect quickly if the stream drops; the first comment lets the page know it is live.
  res.write('retry: 1000\n: connected\n\n');
  streams.add(res);
  req.on('close', () => streams.delete(res));
}

/** Each segment one plain name: no empty, '.', '..' or hidden names, no separators or NULs. */
function safeSegments(segments: string[]): boolean {
  return segments.length > 0 && segments.every((s) => s.length > 0 && !s.startsWith('.') && !/[/\\\0]/.test(s));
}

/** The real path of `file` if it is a regular file inside `realRoot` (symlinks resolved), else null. */
function insideRoot(realRoot: string, file: string): string | null {
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    return null;
  }
  if (!real.startsWith(realRoot + path.sep)) return null;
  try {
    return fs.statSync(real).isFile() ? real : null;
  } catch {
    return null;
  }
}

/** The nearest folder from `abs` up to (not including) runsDir that holds a run.json. */
function enclosingRunDir(runsDir: string, abs: string): string | null {
  let dir = abs;
  try {
    if (!fs.statSync(abs).isDirectory()) dir = path.dirname(abs);
  } catch {
    dir = path.dirname(abs); // removed, or a temp file already renamed
  }
  while (dir.startsWith(runsDir + path.sep)) {
    if (fs.existsSync(path.join(dir, 'run.json'))) return dir;
    dir = path.dirname(dir);
  }
  return null;
}

function hostName(header: string | undefined): string {
  if (!header) return '';
  if (header.startsWith('[')) return header.slice(0, header.indexOf(']') + 1);
  return header.split(':')[0]!.toLowerCase();
}

function sendPage(res: http.ServerResponse, status: number, html: string, csp?: string): void {
  if (csp) res.setHeader('Content-Security-Policy', csp);
  sendText(res, html, 'text/html; charset=utf-8', status);
}

function sendText(res: http.ServerResponse, text: string, type: string, status = 200): void {
  const body = Buffer.from(text, 'utf8');
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': body.length });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function sendJson(res: http.ServerResponse, value: unknown): void {
  sendText(res, JSON.stringify(value), 'application/json; charset=utf-8');
}
