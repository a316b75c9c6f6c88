// How every command ends: the exit codes, and the one place a thrown error becomes a report on
// stderr and a code. 0 fine, 1 the user's input is wrong, 2 the command line is wrong, 70 a bug in
// aelab (with a stack trace), 128 + the signal's number when interrupted: 130 for Ctrl-C (SIGINT),
// 143 for SIGTERM (what Slurm, Kubernetes and `kill` send first), as shells report them.
import { constants } from 'node:os';

import { InterruptedError, formatIssue, isUserError } from '../shared/errors.ts';

export const EXIT_OK = 0;
export const EXIT_USER_ERROR = 1;
export const EXIT_USAGE = 2;
/** EX_SOFTWARE from sysexits.h: an internal software error. */
export const EXIT_INTERNAL = 70;
export const EXIT_INTERRUPTED = 130;

/** 128 + the signal's number (SIGINT 130, SIGTERM 143); 130 for anything that is not a signal. */
export function exitCodeForSignal(signal: string): number {
  const number = (constants.signals as Record<string, number | undefined>)[signal];
  return number === undefined ? EXIT_INTERRUPTED : 128 + number;
}

/** Frames of an internal error's stack shown without AELAB_DEBUG=1. */
const SHORT_STACK_FRAMES = 5;

/** The command line itself is wrong (unknown flag, missing argument): exit 2 with the usage line. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function isUsageError(err: unknown): err is UsageError {
  return err instanceof UsageError;
}

/** Who failed, for the report: the command as typed and its usage line, when known. */
export interface FailureContext {
  commandName?: string;
  usage: string;
  /** AELAB_DEBUG=1: the full stack and causes of internal errors. */
  debug: boolean;
  err(line: string): void;
}

/** Reports a thrown error on stderr and returns the exit code it means. */
export function reportFailure(error: unknown, ctx: FailureContext): number {
  if (isUsageError(error)) {
    const who = ctx.commandName ? `aelab ${ctx.commandName}` : 'aelab';
    ctx.err(`${who}: ${error.message}`);
    ctx.err(`usage: ${ctx.usage}`);
    if (ctx.commandName) ctx.err(`(\`aelab ${ctx.commandName} --help\` for details)`);
    return EXIT_USAGE;
  }
  if (isUserError(error)) {
    for (const issue of error.issues) {
      const line = formatIssue(issue);
      ctx.err(issue.file === undefined && issue.path === '' ? `aelab: ${line}` : line);
    }
    return EXIT_USER_ERROR;
  }
  if (error instanceof InterruptedError) {
    ctx.err(`aelab: ${error.message}`);
    return exitCodeForSignal(error.signal);
  }
  ctx.err(internalErrorReport(error, ctx.debug));
  return EXIT_INTERNAL;
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
