// Two kinds of failure: the user's (a bad spec, a missing file — one line each, no stack trace)
// and ours (anything else — a stack trace, because it is a bug to fix).

/** One problem found in user input, shaped like zod's issues: where it is and what is wrong. */
export interface Issue {
  /** File the problem is in, when there is one. */
  file?: string;
  /** 1-based line and column of the offending YAML node, when known. */
  line?: number;
  col?: number;
  /** Dotted config path such as `model.encoder[1]`; empty for the whole document. */
  path: string;
  /** Plain-English message, ideally with the fix. */
  message: string;
}

/** Formats an issue as `file:line:col  path  message`, leaving out the parts that are unknown. */
export function formatIssue(issue: Issue): string {
  let where = issue.file ?? '';
  if (issue.file !== undefined && issue.line !== undefined) {
    where += `:${issue.line}`;
    if (issue.col !== undefined) where += `:${issue.col}`;
  }
  return [where, issue.path, issue.message].filter((s) => s.length > 0).join('  ');
}

/** A mistake in the user's input. Printed as one line per issue, never with a stack trace. */
export class UserError extends Error {
  readonly issues: Issue[];
  constructor(issues: Issue[] | string, options?: { cause?: unknown }) {
    const list = typeof issues === 'string' ? [{ path: '', message: issues }] : issues;
    super(list.map(formatIssue).join('\n'), options);
    this.name = 'UserError';
    this.issues = list;
  }
}

/** A problem with a data or model file the user pointed us at: names the file and what is wrong. */
export function fileError(file: string, message: string, path = ''): UserError {
  return new UserError([{ file, path, message }]);
}

/** Thrown when a run is stopped by SIGINT/SIGTERM, so that callers can mark it `interrupted`. */
export class InterruptedError extends Error {
  /** The signal's name ('SIGINT', 'SIGTERM'), or another reason the run was stopped. */
  readonly signal: string;
  constructor(signal = 'SIGINT') {
    super(`interrupted by ${signal}`);
    this.name = 'InterruptedError';
    this.signal = signal;
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}

/** Message of any thrown value, for logs and run.json. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
