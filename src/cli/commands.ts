// The command table. To add a command: write src/cli/<name>.ts exporting a `Command` (see
// ./command.ts), then add one entry here. Each command module is imported only when it runs.
import type { CommandEntry } from './command.ts';

export const commands: Record<string, CommandEntry> = {
  validate: {
    summary: 'check spec files: every problem with its file, line and fix',
    load: async () => (await import('./validate.ts')).validateCommand,
  },
  run: {
    summary: 'train specs (and sweeps) into versioned run folders with metrics, pictures and a report',
    load: async () => (await import('./run.ts')).runCommand,
  },
  compare: {
    summary: 'put runs side by side: a table of what differs and the metrics, plus compare.html',
    load: async () => (await import('./compare.ts')).compareCommand,
  },
  ui: {
    summary: 'a live dashboard of a runs folder in the browser: runs, loss curves, sweeps, comparisons',
    load: async () => (await import('./ui.ts')).uiCommand,
  },
  ls: {
    summary: 'list runs, one line each: id, trial, status, kind, latent, test MSE, age',
    load: async () => (await import('./ls.ts')).lsCommand,
  },
  show: {
    summary: 'print a spec as it will run: extends merged, defaults filled',
    load: async () => (await import('./show.ts')).showCommand,
  },
};
