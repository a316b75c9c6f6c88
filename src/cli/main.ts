// `aelab <command> …`: finds the command, shows help and version, and turns every way a command
// can fail into an exit code: 0 fine, 1 the user's input is wrong, 2 the command line is wrong,
// 70 a bug in aelab (with a stack trace), 130 interrupted.
import { InterruptedError, formatIssue, isUserError } from '../shared/errors.ts';
import { aelabVersion } from '../shared/version.ts';
import { closest } from '../spec/index.ts';
import { isUsageError, UsageError, wantsHelp } from './args.ts';
import type { CliIO, Command, CommandContext } from './command.ts';
import { commands } from './commands.ts';

export const EXIT_OK = 0;
export const EXIT_USER_ERROR = 1;
export const EXIT_USAGE = 2;
/** EX_SOFTWARE from sysexits.h: an internal software error. */
export const EXIT_INTERNAL = 70;
export const EXIT_INTERRUPTED = 130;

const TOP_USAGE = 'aelab <command> [options]   (aelab <command> --help for details)';

/** Frames of an internal error's stack shown without AELAB_DEBUG=1. */
const SHORT_STACK_FRAMES = 5;

export function topLevelHelp(): string {
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
 * process.stdout/stderr/env, for tests.
 */
export async function main(argv: readonly string[], io: Partial<CliIO> = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  const out = lineWriter(stdout);
  const err = lineWriter(stderr);
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
    const ctx: CommandContext = { stdout, stderr, env, name: first, out, err };
    return await command.run(rest, ctx);
  } catch (error) {
    if (isUsageError(error)) {
      const who = commandName ? `aelab ${commandName}` : 'aelab';
      err(`${who}: ${error.message}`);
      err(`usage: ${command?.usage ?? TOP_USAGE}`);
      if (commandName) err(`(\`aelab ${commandName} --help\` for details)`);
      return EXIT_USAGE;
    }
    if (isUserError(error)) {
      for (const issue of error.issues) {
        const line = formatIssue(issue);
        err(issue.file === undefined && issue.path === '' ? `aelab: ${line}` : line);
      }
      return EXIT_USER_ERROR;
    }
    if (error instanceof InterruptedError) {
      err(`aelab: ${error.message}`);
      return EXIT_INTERRUPTED;
    }
    err(internalErrorReport(error, debug));
    return EXIT_INTERNAL;
  }
}

function findCommand(name: string) {
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (entry) return entry;
  const near = closest(name, Object.keys(commands));
  throw new UsageError(`unknown command ${JSON.stringify(name)}${near ? `; did you mean \`${near.match}\`?` : ''}`);
}

/** "aelab: internal error: …" plus the stack: a few frames, or all of them (and causes) when debugging. */
export function internalErrorReport(error: unknown, debug: boolean): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = [`aelab: internal error: ${message}`, 'This is a bug in aelab, not in your spec.'];
  const stack = error instanceof Error && error.stack ? error.stack : undefined;
  if (!stack) return lines.join('\n');
  const frames = stack.split('\n').filter((l) => /^\s+at /.test(l));
  if (debug) {
    lines.push(...frames);
    let cause = error instanceof Error ? error.cause : undefined;
    while (cause !== undefined) {
      lines.push(`caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`);
      cause = cause instanceof Error ? cause.cause : undefined;
    }
  } else {
    lines.push(...frames.slice(0, SHORT_STACK_FRAMES));
    if (frames.length > SHORT_STACK_FRAMES) lines.push(`    … ${frames.length - SHORT_STACK_FRAMES} more frames`);
    lines.push('Rerun with AELAB_DEBUG=1 for the full stack trace.');
  }
  return lines.join('\n');
}
