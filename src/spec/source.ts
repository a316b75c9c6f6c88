// One YAML file → its plain value plus where every node sits (file, line, column), so that every
// later check can point the user at the exact line, even after `extends` merged several files.
import { LineCounter, isMap, isScalar, isSeq, parseDocument, visit, type Node } from 'yaml';

import type { Issue } from '../shared/errors.ts';
import { isPlainObject, isWithin, pathKey, type Segment, type SpecPath } from './paths.ts';

export interface Loc {
  file: string;
  line?: number;
  col?: number;
}

/** Where a map entry's key and value are written (a list item has only a value). */
export interface NodeLocs {
  key?: Loc;
  value?: Loc;
}

/** Path → location of the node that supplied the value at that path. */
export class Provenance {
  private readonly entries = new Map<string, { path: Segment[]; locs: NodeLocs }>();

  clone(): Provenance {
    const copy = new Provenance();
    for (const entry of this.entries.values()) copy.set(entry.path, entry.locs);
    return copy;
  }

  set(path: SpecPath, locs: NodeLocs): void {
    this.entries.set(pathKey(path), { path: [...path], locs });
  }

  get(path: SpecPath): NodeLocs | undefined {
    return this.entries.get(pathKey(path))?.locs;
  }

  /** Forgets the path and everything below it (its value was replaced). */
  deleteWithin(path: SpecPath): void {
    for (const [key, entry] of this.entries) if (isWithin(entry.path, path)) this.entries.delete(key);
  }

  /** Copies the other provenance's entries at and below `path`. */
  copyWithin(other: Provenance, path: SpecPath): void {
    for (const entry of other.entries.values()) if (isWithin(entry.path, path)) this.set(entry.path, entry.locs);
  }

  /** Location for a problem at `path`: the node itself, or else its nearest written ancestor. */
  locate(path: SpecPath, prefer: 'key' | 'value' = 'value'): Loc | undefined {
    for (let depth = path.length; depth >= 0; depth--) {
      const locs = this.get(path.slice(0, depth));
      if (!locs) continue;
      const loc = prefer === 'key' ? (locs.key ?? locs.value) : (locs.value ?? locs.key);
      if (loc) return loc;
    }
    return undefined;
  }
}

/** A spec document (or part of one) with the locations of its nodes. */
export interface Layer {
  value: Record<string, unknown>;
  prov: Provenance;
}

const YAML_HINTS: Record<string, string> = {
  DUPLICATE_KEY: 'a key appears twice in the same mapping; keep only one',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  MULTIPLE_DOCS: 'a spec is a single YAML document; remove the `---` line',
  BAD_INDENT: 'check the indentation: nested keys must be indented further than their parent, siblings equally',
  MISSING_CHAR: 'a bracket or quote is not closed',
};

/**
 * The innermost `[` or `{` still open at `end`, skipping quoted text and comments: where a flow
 * collection that YAML found unterminated begins.
 */
function unclosedBracket(text: string, end: number): { offset: number; char: '[' | '{' } | undefined {
  const open: { offset: number; char: '[' | '{' }[] = [];
  let quote: string | null = null;
  for (let i = 0; i < Math.min(end, text.length); i++) {
    const c = text[i]!;
    if (quote !== null) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
      else if (c === '\n' && quote === "'") quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '[' || c === '{') open.push({ offset: i, char: c });
    else if ((c === ']' || c === '}') && open.length > 0) open.pop();
  }
  return open.at(-1);
}

/** The library's wording where it addresses programmers ("please use YAML.parseAllDocuments()"). */
const YAML_MESSAGES: Record<string, string> = {
  MULTIPLE_DOCS: 'the file holds more than one YAML document',
};

/** Parses one spec file's text. `file` is the name shown to the user. */
export function parseSpecText(text: string, file: string): { layer?: Layer; issues: Issue[] } {
  const lineCounter = new LineCounter();
  // merge: YAML 1.1 merge keys (`<<: *base`) are a common way to share blocks; allow them.
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true, merge: true });
  const at = (offset: number): Loc => ({ file, ...lineCounter.linePos(offset) });

  if (doc.errors.length > 0) {
    const issues = doc.errors.map((err): Issue => {
      // YAML notices an unclosed `[` or `{` only at the next key; point at the bracket instead.
      const opener = /end with an? [\]}]/.test(err.message) ? unclosedBracket(text, err.pos[0]) : undefined;
      if (opener) {
        const where = lineCounter.linePos(opener.offset);
        const [what, close] = opener.char === '[' ? ['list', ']'] : ['mapping', '}'];
        return {
          file,
          line: where.line,
          col: where.col,
          path: '',
          message: `YAML syntax error: the ${what} opened here with \`${opener.char}\` is not closed with \`${close}\`; add it after the ${what}'s last entry`,
        };
      }
      const pos = err.linePos?.[0];
      const what = YAML_MESSAGES[err.code] ?? err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      const hint = YAML_HINTS[err.code];
      return {
        file,
        line: pos?.line ?? 1,
        col: pos?.col ?? 1,
        path: '',
        message: `YAML syntax error: ${what}${hint ? ` (${hint})` : ''}`,
      };
    });
    return { issues };
  }

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    // Unresolvable or exploding aliases are the only way toJS fails on a parsed document.
    let where: Loc = { file, line: 1, col: 1 };
    visit(doc, {
      Alias(_key, node) {
        if (node.range) where = at(node.range[0]);
        return visit.BREAK;
      },
    });
    return { issues: [{ ...where, path: '', message: `YAML alias error: ${(err as Error).message}` }] };
  }

  if (value === null || value === undefined) value = {};
  if (!isPlainObject(value)) {
    const kind = Array.isArray(value) ? 'a list' : `the single value ${JSON.stringify(value)}`;
    return {
      issues: [
        {
          file,
          line: 1,
          col: 1,
          path: '',
          message: `a spec must be a mapping of keys such as \`data:\` and \`model:\`, but this file holds ${kind}`,
        },
      ],
    };
  }

  const prov = new Provenance();
  const locOf = (node: unknown): Loc | undefined => {
    if (!node || typeof node !== 'object' || !('range' in node)) return undefined;
    const range = (node as Node).range;
    if (!range) return undefined;
    // An empty value (`model:` with nothing after it) has a zero-width range: point at the key.
    if (isScalar(node) && node.value === null && range[0] === range[1]) return undefined;
    return at(range[0]);
  };
  const walk = (node: unknown, path: Segment[], locs: NodeLocs): void => {
    prov.set(path, locs);
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const keyLoc = locOf(pair.key);
        walk(pair.value, [...path, key], { key: keyLoc, value: locOf(pair.value) ?? keyLoc });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item, [...path, index], { value: locOf(item) }));
    }
    // Values below an alias (`*name`) are not walked: problems there point at the alias itself.
  };
  walk(doc.contents, [], { value: { file, line: 1, col: 1 } });
  return { layer: { value, prov }, issues: [] };
}
