// Where runs live, and how folders are allocated so that concurrent processes never share one.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { UserError } from '../shared/errors.ts';
import { fileSystemError } from '../shared/fs.ts';

/** Run ids are zero-padded to this width ('0001') and simply grow longer past 9999. */
const ID_WIDTH = 4;
/** Gives up after this many lost races in a row (only a runaway loop could get there). */
const MAX_ALLOCATION_ATTEMPTS = 10_000;
/** Folder names are cut to this many characters (plus a hash), well under the 255-byte limit. */
const MAX_FOLDER_NAME = 120;

/** Allocates `parentDir/0001`, `0002`, … — the next free run id. */
export function allocateRunDir(parentDir: string): { id: string; dir: string } {
  return allocateNumberedDir(parentDir, '');
}

/**
 * Allocates `parentDir/<prefix>NNNN` with the next number after the largest one present. The leaf
 * is made with a plain (non-recursive) mkdir, which fails with EEXIST when another process got
 * there first; then we look again and take the next number. That makes the folder ours alone,
 * also between machines sharing a file system (the scheme sacred's file-storage observer uses).
 */
export function allocateNumberedDir(parentDir: string, prefix: string): { id: string; dir: string } {
  ensureRunsFolder(parentDir);
  let next = largestNumber(parentDir, prefix) + 1;
  for (let attempt = 0; attempt < MAX_ALLOCATION_ATTEMPTS; attempt++) {
    const id = prefix + String(next).padStart(ID_WIDTH, '0');
    const dir = path.join(parentDir, id);
    try {
      fs.mkdirSync(dir);
      return { id, dir };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw fileSystemError(err, dir, 'create the run folder') ?? err;
      next = Math.max(next + 1, largestNumber(parentDir, prefix) + 1);
    }
  }
  throw new Error(`could not allocate a folder in ${parentDir} after ${MAX_ALLOCATION_ATTEMPTS} attempts`);
}

/**
 * mkdir -p for a folder below the runs folder. What the user can fix (a path through a file, no
 * permission, a read-only disk) becomes a one-line UserError naming the path, not a stack trace.
 */
export function ensureRunsFolder(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const fix = 'choose another runs folder with --runs-dir';
    if (code === 'ENOTDIR' || code === 'EEXIST' || code === 'ENOENT') {
      const link = danglingLinkOnPath(dir);
      if (link) {
        throw new UserError(`cannot create the run folder ${dir}: ${link.path} is a symbolic link to ${link.target}, which does not exist; create that folder or ${fix}`);
      }
      if (code !== 'ENOENT') throw new UserError(`cannot create the run folder ${dir}: ${firstFileOnPath(dir) ?? 'a part of the path'} is a file, not a folder; ${fix}`);
    }
    throw fileSystemError(err, dir, 'create the run folder') ?? err;
  }
}

/** The first symbolic link on the way to `dir` whose target does not exist, if any. */
function danglingLinkOnPath(dir: string): { path: string; target: string } | undefined {
  for (const p of ancestors(dir)) {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(p);
    } catch {
      return undefined;
    }
    if (stat.isSymbolicLink() && !fs.existsSync(p)) return { path: p, target: fs.readlinkSync(p) };
  }
  return undefined;
}

/** `dir` and the folders above it, from the root down. */
function ancestors(dir: string): string[] {
  let current = path.resolve(dir);
  const chain: string[] = [];
  for (;;) {
    chain.unshift(current);
    const parent = path.dirname(current);
    if (parent === current) return chain;
    current = parent;
  }
}

/** The first existing non-folder on the way from the root to `dir`, if any. */
function firstFileOnPath(dir: string): string | undefined {
  for (const p of ancestors(dir)) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      return undefined;
    }
    if (!stat.isDirectory()) return p;
  }
  return undefined;
}

/** Numbers of the `<prefix>NNNN` entries of dir, ascending. */
export function numberedEntries(dir: string, prefix: string): { id: string; number: number }[] {
  const pattern = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\d{${ID_WIDTH},})$`);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const found: { id: string; number: number }[] = [];
  for (const name of names) {
    const match = pattern.exec(name);
    if (match) found.push({ id: name, number: Number(match[1]) });
  }
  return found.sort((a, b) => a.number - b.number);
}

function largestNumber(dir: string, prefix: string): number {
  return numberedEntries(dir, prefix).reduce((max, e) => Math.max(max, e.number), 0);
}

/**
 * runsDir joined with parts, each of which must be one plain folder or file name. Anything that
 * could land outside runsDir — '..', '.', absolute paths, '/' or '\' inside a part, NUL — is
 * refused with a UserError, whatever a spec's name says.
 */
export function safeRunPath(runsDir: string, ...parts: string[]): string {
  for (const part of parts) {
    if (
      typeof part !== 'string' ||
      part.length === 0 ||
      part === '.' ||
      part === '..' ||
      /[/\\\0]/.test(part) ||
      path.isAbsolute(part)
    ) {
      throw new UserError(
        `'${String(part)}' cannot be a folder name inside ${runsDir}: it must be one plain name ` +
          `without '/', '\\' or '..' (rename the experiment, e.g. name: my-experiment)`,
      );
    }
  }
  const root = path.resolve(runsDir);
  const joined = path.resolve(root, ...parts);
  const relative = path.relative(root, joined);
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new UserError(`${parts.join('/')} would lie outside ${runsDir}; use plain names`);
  }
  // The runs folder itself may be a link (to a bigger disk, say); inside it, aelab only writes
  // into real folders, so that no run can land outside it through a link someone left there.
  let below = root;
  for (const part of parts) {
    below = path.join(below, part);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.lstatSync(below, { throwIfNoEntry: false });
    } catch (err) {
      throw fileSystemError(err, below, 'use the run folder') ?? err;
    }
    if (stat?.isSymbolicLink()) {
      throw new UserError(
        `${below} is a symbolic link (to ${fs.readlinkSync(below)}); aelab writes runs only into real folders inside ${runsDir}: ` +
          `remove the link, or point --runs-dir at the folder the link leads to`,
      );
    }
  }
  return joined;
}

/**
 * A readable name made safe as one folder name on any file system and in URLs and shells:
 * letters, digits and `= , . _ + - ~ @` are kept, anything else becomes '_'; a leading '.' or '-'
 * gets a '_' in front (hidden files, options); very long names are cut and given a short hash so
 * two long names stay distinct.
 */
export function safeFolderName(text: string): string {
  let name = text.replace(/[^\p{L}\p{N}=,._+~@-]/gu, '_');
  if (name.length === 0) name = '_';
  if (name.startsWith('.') || name.startsWith('-')) name = '_' + name;
  if (name.length > MAX_FOLDER_NAME) {
    const hash = createHash('sha256').update(text).digest('hex').slice(0, 8);
    name = `${name.slice(0, MAX_FOLDER_NAME - 9)}~${hash}`;
  }
  return name;
}
