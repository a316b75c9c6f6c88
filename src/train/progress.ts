// Training progress for people: a status bar redrawn at most ~10×/s on a terminal; off a terminal
// (CI logs, pipes), one plain line per epoch plus at most one intermediate line every ~10 s so a
// long epoch still shows signs of life. All output goes through the shared Terminal, which keeps
// bar and lines from gluing together.
import type { Terminal } from '../shared/terminal.ts';

const BAR_INTERVAL_MS = 100;
const PLAIN_INTERVAL_MS = 10_000;

export interface ProgressState {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** Running mean of this epoch's batch losses. */
  loss: number;
  /** Last finished epoch's validation loss. */
  valLoss: number | null;
  samplesPerSecond: number;
  etaSeconds: number | null;
}

export class ProgressReporter {
  private lastDraw = -Infinity;
  private lastPlain: number;
  constructor(
    private readonly terminal: Terminal | undefined,
    now = performance.now(),
  ) {
    this.lastPlain = now;
  }

  /** Called after every batch; cheap when nothing is due. */
  batch(state: ProgressState, now = performance.now()): void {
    const t = this.terminal;
    if (!t) return;
    if (t.isTTY) {
      if (now - this.lastDraw < BAR_INTERVAL_MS && state.batch !== state.batches) return;
      this.lastDraw = now;
      t.status(formatBar(state));
    } else if (now - this.lastPlain >= PLAIN_INTERVAL_MS && state.batch < state.batches) {
      this.lastPlain = now;
      t.line(`train: epoch ${state.epoch}/${state.epochs} batch ${state.batch}/${state.batches}  loss ${formatLoss(state.loss)}  ${formatRate(state.samplesPerSecond)}${state.etaSeconds !== null ? `  ETA ${formatDuration(state.etaSeconds)}` : ''}`);
    }
  }

  /** Called after every epoch with its final numbers. */
  epoch(record: { epoch: number; epochs: number; loss: number; valLoss: number | null; seconds: number; samplesPerSecond: number; note?: string }, now = performance.now()): void {
    const t = this.terminal;
    if (!t || t.isTTY) return;
    this.lastPlain = now;
    t.line(
      `train: epoch ${record.epoch}/${record.epochs}  loss ${formatLoss(record.loss)}` +
        (record.valLoss !== null ? `  val_loss ${formatLoss(record.valLoss)}` : '') +
        `  ${formatDuration(record.seconds)}  ${formatRate(record.samplesPerSecond)}` +
        (record.note ? `  ${record.note}` : ''),
    );
  }

  /** Removes the bar and prints the closing summary line. */
  finish(summary: string | null): void {
    const t = this.terminal;
    if (!t) return;
    t.clearStatus();
    if (summary !== null) t.line(summary);
  }
}

export function formatBar(s: ProgressState): string {
  const parts = [
    `epoch ${s.epoch}/${s.epochs}`,
    `batch ${s.batch}/${s.batches}`,
    `loss ${formatLoss(s.loss)}`,
    `val ${s.valLoss === null ? '–' : formatLoss(s.valLoss)}`,
    formatRate(s.samplesPerSecond),
  ];
  if (s.etaSeconds !== null) parts.push(`ETA ${formatDuration(s.etaSeconds)}`);
  return `train: ${parts.join(' · ')}`;
}

export function formatLoss(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return v !== 0 && Math.abs(v) < 1e-4 ? v.toExponential(3) : v.toFixed(6);
}

export function formatRate(samplesPerSecond: number): string {
  return `${Math.round(samplesPerSecond).toLocaleString('en-US')} samples/s`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}
