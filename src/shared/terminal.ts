// All human-facing output on stderr goes through one Terminal, so that a progress bar and log
// lines never glue together: on a TTY, a line clears the bar, prints, then redraws the bar; off a
// TTY there is no bar at all, only plain lines (throttled by the caller), and nothing is buffered.

export interface Terminal {
  readonly isTTY: boolean;
  /** Prints one line (never lost, never glued to the bar). */
  line(text: string): void;
  /** Shows or replaces the status bar (TTY only; ignored otherwise). */
  status(text: string): void;
  /** Removes the status bar. */
  clearStatus(): void;
}

/** What a terminal writes to: process.stderr, or anything with a `write` (tests). */
export interface TerminalStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export function createTerminal(
  stream: TerminalStream = process.stderr,
  opts: { allowStatus?: boolean; env?: Record<string, string | undefined> } = {},
): Terminal {
  // Sweep workers share their parent's terminal: only one process may own the status line.
  const env = opts.env ?? process.env;
  const isTTY = Boolean(stream.isTTY) && env.CI !== 'true' && opts.allowStatus !== false;
  let bar = '';
  const write = (s: string) => {
    stream.write(s);
  };
  // columns is 0 or undefined when the size is unknown (e.g. under `script`): assume 100.
  const width = () => Math.max(20, (stream.columns || 100) - 1);
  return {
    isTTY,
    line(text) {
      if (isTTY && bar) write('\r\x1b[2K');
      write(text.endsWith('\n') ? text : text + '\n');
      if (isTTY && bar) write(bar);
    },
    status(text) {
      if (!isTTY) return;
      bar = text.length > width() ? text.slice(0, width()) : text;
      write('\r\x1b[2K' + bar);
    },
    clearStatus() {
      if (isTTY && bar) write('\r\x1b[2K');
      bar = '';
    },
  };
}

/** A terminal that records lines in memory (tests). */
export function createMemoryTerminal(): Terminal & { lines: string[] } {
  const lines: string[] = [];
  return {
    isTTY: false,
    lines,
    line: (t) => void lines.push(t),
    status: () => {},
    clearStatus: () => {},
  };
}
