// Log lines and the progress bar share stderr: a line must never be lost or glued to the bar.
import { describe, expect, it } from 'vitest';
import { createTerminal } from '../../src/shared/terminal.ts';

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = { isTTY, columns: 80, write: (s: string) => chunks.push(s) } as unknown as NodeJS.WriteStream;
  return { stream, output: () => chunks.join('') };
}

describe('terminal', () => {
  it('on a TTY clears the bar before a line and redraws it after', () => {
    const saved = process.env.CI;
    delete process.env.CI;
    try {
      const { stream, output } = fakeStream(true);
      const t = createTerminal(stream);
      t.status('epoch 1/3 [====      ]');
      t.line('a log line');
      t.status('epoch 2/3 [========  ]');
      t.clearStatus();
      t.line('done');
      const out = output();
      expect(out).toBe(
        '\r\x1b[2Kepoch 1/3 [====      ]' +
          '\r\x1b[2Ka log line\nepoch 1/3 [====      ]' +
          '\r\x1b[2Kepoch 2/3 [========  ]' +
          '\r\x1b[2K' +
          'done\n',
      );
      // Every log line starts at the beginning of a cleared line: never glued to the bar.
      expect(out).not.toMatch(/\]a log line/);
    } finally {
      if (saved !== undefined) process.env.CI = saved;
    }
  });

  it('off a TTY prints every line and no bar at all', () => {
    const { stream, output } = fakeStream(false);
    const t = createTerminal(stream);
    t.status('epoch 1/3');
    t.line('one');
    t.status('epoch 2/3');
    t.line('two');
    expect(output()).toBe('one\ntwo\n');
  });

  it('lets a sweep worker give up the status line even on a TTY', () => {
    const { stream, output } = fakeStream(true);
    const t = createTerminal(stream, { allowStatus: false });
    t.status('epoch 1/3');
    t.line('one');
    expect(t.isTTY).toBe(false);
    expect(output()).toBe('one\n');
  });
});
