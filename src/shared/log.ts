import pino from 'pino';
import fs from 'node:fs';

// Structured logs (pino JSON lines). A run logs into its own log.jsonl; the CLI talks to the
// user on stderr through `say`, which is kept separate so that progress bars can route around it.

export type Logger = pino.Logger;

/** A logger writing JSON lines synchronously to file (so a crash or Ctrl-C loses nothing). */
export function createFileLogger(file: string, bindings: Record<string, unknown> = {}): Logger {
  const dest = pino.destination({ dest: file, sync: true, append: true, mkdir: true });
  return pino({ base: { ...bindings }, timestamp: pino.stdTimeFunctions.isoTime }, dest);
}

/** A logger that drops everything, for library use and tests. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Appends one line to a file descriptor without buffering (used for stderr messages). */
export function writeLineSync(fd: number, line: string): void {
  fs.writeSync(fd, line.endsWith('\n') ? line : line + '\n');
}
