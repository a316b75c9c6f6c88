// Writes spec fixtures into a fresh temporary folder, so that tests never touch the repository.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Joins lines with newlines, so that line numbers in assertions are easy to count. */
export const lines = (...rows: string[]): string => rows.join('\n') + '\n';

/** Creates a temp folder holding `files` (relative path → content); returns its path. */
export function writeFixtures(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aelab-spec-'));
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  return dir;
}

export function removeFixtures(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
