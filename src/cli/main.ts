// `aelab <command> …`: finds the command, shows help and version, hands the command its context
// (the only place that reads the process: streams, env, cwd, signals) and turns every way a
// command can fail into an exit code (./exit.ts).
import { createTerminal, type Terminal } from '../shared/terminal.ts';
import { aelabVersion } from '../shared/version.ts';
import { closest } from '../spec/index.ts';
import { wantsHelp } from './args.ts';
import type { CliIO, Command, CommandContext } from './command.ts';
import { commands } from './commands.ts';
import { EXIT_OK, EXIT_USAGE, UsageError, exitCodeForSignal, reportFailure } from './exit.ts';

const TOP_USAGE = 'aelab <command> [options]   (aelab <command> --help for details)';

function topLevelHelp(): string {
  const names = Object.keys(commands);
  const width = Math.max(...names.map((n) => n.length));
  const rows = names.map((name) => `  ${name.padEnd(width)}   ${commands[name]!.summary}`);
  return `aelab ${aelabVersion()} — declarative autoencoder experiments

usage: ${TOP_USAGE}

commands:
${rows.join('\n')}

options:
  -h, --help     show this help; \`aelab <command> --help\` shows a command's help
  --version      print aelab's version

environment:
  AELAB_DEBUG=1  print full stack traces for internal errors`;
}

function lineWriter(stream: CliIO['stdout']): (line: string) => void {
  return (line) => void stream.write(line.endsWith('\n') ? line : line + '\n');
}

/**
 * Runs the CLI with `argv` (the arguments after `aelab`) and returns the exit code. `io` replaces
 * process.stdout/stderr/env/cwd, for tests.
 */
export async function main(argv: readonly string[], io: Partial<CliIO> = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  const cwd = io.cwd ?? process.cwd();
  const terminal = createTerminal(stderr, { env });
  const out = lineWriter(stdout);
  const err = (line: string) => terminal.line(line);
  const debug = env.AELAB_DEBUG === '1';
  // V8 keeps 10 frames by default; a debugging user wants all of them.
  if (debug) Error.stackTraceLimit = Infinity;

  let commandName: string | undefined;
  let command: Command | undefined;
  try {
    const [first, ...rest] = argv;
    if (first === undefined) {
      err(topLevelHelp());
      return EXIT_USAGE;
    }
    if (first === '--help' || first === '-h') {
      out(topLevelHelp());
      return EXIT_OK;
    }
    if (first === '--version' || first === '-v') {
      out(aelabVersion());
      return EXIT_OK;
    }
    if (first === 'help') {
      // `aelab help` and `aelab help <command>`.
      const topic = rest[0];
      if (topic === undefined) {
        out(topLevelHelp());
        return EXIT_OK;
      }
      const entry = findCommand(topic);
      out((await entry.load()).help);
      return EXIT_OK;
    }
    if (first.startsWith('-')) throw new UsageError(`unknown option ${first}`);

    const entry = findCommand(first);
    commandName = first;
    command = await entry.load();
    if (wantsHelp(rest)) {
      out(command.help);
      return EXIT_OK;
    }
    const controller = new AbortController();
    const ctx: CommandContext = { name: first, argv: ['aelab', ...argv], cwd, env, stdout, out, err, terminal, signal: controller.signal };
    const release = command.interruptible ? trapInterrupts(controller, terminal) : () => {};
    try {
      return await command.run(rest, ctx);
    } finally {
      release();
    }
  } catch (error) {
    return reportFailure(error, { commandName, usage: command?.usage ?? TOP_USAGE, debug, err });
  }
}

/**
 * The first SIGINT/SIGTERM aborts the command's signal (it stops after the current batch and
 * marks its run interrupted); a second one quits at once. Returns the function that lets go.
 */
function trapInterrupts(controller: AbortController, terminal: Terminal): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      terminal.line(`aelab: ${signal} again — quitting now`);
      process.exit(exitCodeForSignal(signal));
    }
    terminal.clearStatus();
    terminal.line(`aelab: ${signal} — stopping after the current batch (press Ctrl-C again to quit now)`);
    controller.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

function findCommand(name: string) {
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (entry) return entry;
  const near = closest(name, Object.keys(commands));
  throw new UsageError(`unknown command ${JSON.stringify(name)}${near ? `; did you mean \`${near.match}\`?` : ''}`);
}
