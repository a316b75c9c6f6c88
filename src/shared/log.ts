import pino from 'pino';

// Structured logs (pino JSON lines). A run logs into its own log.jsonl; the CLI talks to the
// user on stderr through a Terminal (./terminal.ts), which keeps progress bars and lines apart.

export type Logger = pino.Logger;

/** A logger writing JSON lines synchronously to file (so a crash or Ctrl-C loses nothing). */
export function createFileLogger(file: string, bindings: Record<string, unknown> = {}): Logger {
  const dest = pino.destination({ dest: file, sync: true, append: true, mkdir: true });
  return pino({ base: { ...bindings }, timestamp: pino.stdTimeFunctions.isoTime }, dest);
}
