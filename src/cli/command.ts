// What a CLI command is. Commands are listed in ./commands.ts and loaded only when invoked, so that
// `aelab validate` never pays for loading TensorFlow.js. A command gets everything it would take
// from the process (streams, terminal, argv, cwd, env, interrupts) through its context; only
// ./main.ts and bin/aelab.mjs touch `process`.
import type { Terminal, TerminalStream } from '../shared/terminal.ts';

/** Anything with a `write`, e.g. process.stdout; tests pass a collector. */
export interface OutputStream {
  write(text: string): unknown;
}

/** What main() takes from the process unless a test passes its own. */
export interface CliIO {
  stdout: OutputStream;
  /** Also the terminal's stream: a status bar is drawn only when it is a TTY. */
  stderr: TerminalStream;
  /** Environment (AELAB_DEBUG, CI etc.). */
  env: Record<string, string | undefined>;
  /** The working directory relative arguments are read from. */
  cwd: string;
}

export interface CommandContext {
  /** The command's name as typed (`validate`). */
  name: string;
  /** The whole command line as typed, `aelab run spec.yaml …`: recorded in run.json. */
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  stdout: OutputStream;
  /** Writes one line to stdout / stderr (stderr lines go through the terminal). */
  out(line: string): void;
  err(line: string): void;
  /** stderr for humans: progress bar on a TTY, plain lines otherwise. */
  terminal: Terminal;
  /**
   * For an `interruptible` command, aborted (with the signal's name) on the first SIGINT/SIGTERM;
   * a second one quits at once (exit 130 or 143, see ./exit.ts). Never aborted for other commands.
   */
  signal: AbortSignal;
}

export interface Command {
  /** One line: `aelab validate <files|globs…>`. Printed with usage errors. */
  usage: string;
  /** The full `--help` text (starts with the usage line). */
  help: string;
  /**
   * True when the command stops cleanly on ctx.signal, so main traps Ctrl-C while it runs;
   * otherwise Ctrl-C ends the process at once, as usual.
   */
  interruptible?: boolean;
  /**
   * Runs with the arguments after the command name (`--help`/`-h` are handled before this is
   * called). Returns the exit code (./exit.ts). Throw UsageError for bad flags (exit 2), UserError
   * for bad input (exit 1); anything else is reported as an internal error (exit 70).
   */
  run(args: string[], ctx: CommandContext): Promise<number>;
}

/** An entry of the command table: a summary for `aelab --help`, and the command itself, loaded lazily. */
export interface CommandEntry {
  summary: string;
  load(): Promise<Command>;
}
