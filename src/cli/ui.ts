// `aelab ui`: a live dashboard over a runs folder, served on this machine until Ctrl-C.
import path from 'node:path';

import { startUiServer } from '../ui/server.ts';
import { parseCommandArgs, readStaleAfter } from './args.ts';
import type { Command } from './command.ts';
import { UsageError } from './exit.ts';

const usage = 'aelab ui [--runs-dir DIR] [--port N] [--host H] [--stale-after DURATION]';

export const uiCommand: Command = {
  usage,
  help: `usage: ${usage}

Serves a live, read-only dashboard of a runs folder: every run and sweep trial with its status
(running with epoch k/n and ETA, completed, failed with its reason, interrupted, lost), loss
curves that grow while runs train, sweep progress, and any runs compared side by side as
\`aelab compare\` shows them. Nothing in the runs folder is written. Ctrl-C stops it.

options:
  --runs-dir DIR  the runs folder to show (default: runs)
  --port N        port to listen on (default 8765; 0 picks a free one)
  --host H        address to listen on (default 127.0.0.1, this machine only). Any other
                  address makes every run readable from the network; on a cluster, keep the
                  default and use an SSH tunnel: ssh -L 8765:127.0.0.1:8765 login-node
  --stale-after D a running run whose heartbeat is older than D shows as lost (default 10m;
                  as for aelab run and compare)
  -h, --help      show this help`,

  async run(args, ctx) {
    const { values } = parseCommandArgs(
      args,
      { 'runs-dir': { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, 'stale-after': { type: 'string' } },
      { max: 0 },
    );
    const port = values.port === undefined ? 8765 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port ${values.port}: give a port number from 0 to 65535`);
    const host = values.host ?? '127.0.0.1';
    const runsDir = path.resolve(ctx.cwd, values['runs-dir'] ?? 'runs');
    const staleAfterMs = readStaleAfter(values['stale-after']);
    const server = await startUiServer({ runsDir, host, port, ...(staleAfterMs === undefined ? {} : { staleAfterMs }) });
    if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
      ctx.err(
        `aelab ui: warning: listening on ${host}: anyone who can reach this machine on port ${new URL(server.url).port} can read every run in ${runsDir}. ` +
          'On a cluster prefer the default 127.0.0.1 and an SSH tunnel (see the README).',
      );
    }
    ctx.err(`aelab ui: ${server.index.runs().length} runs in ${runsDir}; Ctrl-C stops`);
    ctx.out(server.url);
    // Serves until the process is stopped (Ctrl-C ends it at once: the server writes nothing).
    return new Promise<number>(() => {});
  },
};
