// The command table. To add a command: write src/cli/<name>.ts exporting a `Command` (see
// ./command.ts), then add one entry here. Each command module is imported only when it runs.
import type { CommandEntry } from './command.ts';

export const commands: Record<string, CommandEntry> = {
  validate: {
    summary: 'check spec files: every problem with its file, line and fix',
    load: async () => (await import('./validate.ts')).validateCommand,
  },
  show: {
    summary: 'print a spec as it will run: extends merged, defaults filled',
    load: async () => (await import('./show.ts')).showCommand,
  },
};
