// What a CLI command is. Commands are listed in ./commands.ts and loaded only when invoked, so that
// `aelab validate` never pays for loading TensorFlow.js.

/** Anything with a `write`, e.g. process.stdout; tests pass a collector. */
export interface OutputStream {
  write(text: string): unknown;
}

export interface CliIO {
  stdout: OutputStream;
  stderr: OutputStream;
  /** Environment (AELAB_DEBUG etc.); process.env unless a test passes its own. */
  env: Record<string, string | undefined>;
}

export interface CommandContext extends CliIO {
  /** The command's name as typed (`validate`). */
  name: string;
  /** Writes one line to stdout / stderr. */
  out(line: string): void;
  err(line: string): void;
}

export interface Command {
  /** One line: `aelab validate <files|globs…>`. Printed with usage errors. */
  usage: string;
  /** The full `--help` text (starts with the usage line). */
  help: string;
  /**
   * Runs with the arguments after the command name (`--help`/`-h` are handled before this is
   * called). Returns the exit code. Throw UsageError for bad flags (exit 2), UserError for bad
   * input (exit 1); anything else is reported as an internal error (exit 70).
   */
  run(args: string[], ctx: CommandContext): Promise<number>;
}

/** An entry of the command table: a summary for `aelab --help`, and the command itself, loaded lazily. */
export interface CommandEntry {
  summary: string;
  load(): Promise<Command>;
}
