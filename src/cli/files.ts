import fs from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';

import { runFolderSpecFile } from '../spec/index.ts';
import { UsageError } from './exit.ts';

/**
 * Command-line file arguments → files, in the order given, each once. An existing file is taken
 * as is (even with glob characters in its name); a run folder means the spec it ran (its
 * resolved.yaml); another folder means the .yaml/.yml files below it; a glob is expanded (sorted). An argument that matches nothing is a usage error: it is a typo.
 * Returned paths are as typed (relative to `cwd` unless absolute), so messages show them so.
 */
export function expandFileArgs(patterns: readonly string[], cwd: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (file: string) => {
    const key = path.resolve(cwd, file);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(file);
  };
  const unmatched: string[] = [];
  for (const pattern of patterns) {
    const stat = fs.statSync(path.resolve(cwd, pattern), { throwIfNoEntry: false });
    let matches: string[];
    const runSpec = stat?.isDirectory() ? runFolderSpecFile(path.resolve(cwd, pattern)) : null;
    if (stat?.isFile()) matches = [pattern];
    else if (runSpec) matches = [path.isAbsolute(pattern) ? runSpec : path.relative(cwd, runSpec)];
    else if (stat?.isDirectory()) matches = fg.sync(`${fg.escapePath(pattern.replace(/\/+$/, ''))}/**/*.{yaml,yml}`, { cwd, onlyFiles: true }).sort();
    else if (fg.isDynamicPattern(pattern)) matches = fg.sync(pattern, { cwd, onlyFiles: true }).sort();
    else matches = [];
    if (matches.length === 0) unmatched.push(pattern);
    matches.forEach(add);
  }
  if (unmatched.length > 0) {
    throw new UsageError(`no files match ${unmatched.map((p) => JSON.stringify(p)).join(', ')}`);
  }
  return out;
}
