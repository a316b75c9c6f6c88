// Turns schema violations into sentences a user can act on: "must be an integer ≥ 1, got -2",
// "unknown key `modle`; did you mean `model`?".
import type { ErrorObject } from 'ajv';

import { pointerToPath, type Segment } from './paths.ts';
import { allKeyPaths, branchFor, type JsonSchema } from './schema.ts';

/** A problem before it is given a file and line: the path, the message, and which node to point at. */
export interface RawIssue {
  path: Segment[];
  message: string;
  /** `key` points at the key of a map entry (unknown keys), `value` at its value. */
  prefer: 'key' | 'value';
}

/** Optimal string alignment distance: Levenshtein plus transpositions, so `modle` is 1 from `model`. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidate nearest to `word`, when it is near enough to be the likely intent. */
export function closest(word: string, candidates: readonly string[]): { match: string; distance: number } | undefined {
  const lower = word.toLowerCase();
  let best: { match: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase());
    if (!best || distance < best.distance) best = { match: candidate, distance };
  }
  const allowed = word.length <= 3 ? 1 : word.length <= 6 ? 2 : 3;
  return best && best.distance <= allowed ? best : undefined;
}

/** How a value reads in a message. */
export function showValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    const text = JSON.stringify(value);
    return `the list ${text.length > 40 ? text.slice(0, 37) + '…]' : text}`;
  }
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

const PATTERN_WORDS: Record<string, string> = {
  '^[a-z0-9_-]+$': "lowercase letters, digits, '-' and '_' only",
};

function bounds(s: JsonSchema): string {
  if (s.minimum !== undefined && s.maximum !== undefined) return ` from ${s.minimum} to ${s.maximum}`;
  const parts: string[] = [];
  if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) parts.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined) parts.push(`≤ ${s.maximum}`);
  if (s.exclusiveMaximum !== undefined) parts.push(`< ${s.exclusiveMaximum}`);
  return parts.length ? ' ' + parts.join(' and ') : '';
}

/** "an integer ≥ 1", "one of pca, linear, deep", "`mirror` or a list of integers ≥ 1". */
export function describeSchema(s: JsonSchema, plural = false): string {
  if (s.enum) return `one of ${s.enum.map(String).join(', ')}`;
  if ('const' in s) return `\`${String(s.const)}\``;
  if (s.anyOf) return s.anyOf.map((b) => describeSchema(b, plural)).join(' or ');
  switch (s.type) {
    case 'integer':
      return (plural ? 'integers' : 'an integer') + bounds(s);
    case 'number':
      return (plural ? 'numbers' : 'a number') + bounds(s);
    case 'boolean':
      return 'true or false';
    case 'string': {
      const noun = plural ? 'texts' : 'a text';
      if (s.pattern) return `${noun} of ${PATTERN_WORDS[s.pattern] ?? `the form ${s.pattern}`}`;
      return s.minLength ? `${plural ? 'non-empty texts' : 'a non-empty text'}` : noun;
    }
    case 'array':
      return (plural ? 'lists' : 'a list') + (s.items ? ` of ${describeSchema(s.items, true)}` : '');
    case 'object':
      return plural ? 'mappings' : 'a mapping (indented `key: value` lines)';
    default:
      return 'a value';
  }
}

function expectsNumber(s: JsonSchema): boolean {
  if (s.type === 'integer' || s.type === 'number') return true;
  return (s.anyOf ?? []).some(expectsNumber);
}

function literalChoices(s: JsonSchema): string[] {
  if (s.enum) return s.enum.map(String);
  if ('const' in s) return [String(s.const)];
  return (s.anyOf ?? []).flatMap(literalChoices);
}

/** "must be an integer ≥ 1, got -2", with a hint for quoted numbers and near-miss choices. */
export function valueMessage(schema: JsonSchema, value: unknown): string {
  let message = `must be ${describeSchema(schema)}, got ${showValue(value)}`;
  if (typeof value === 'string') {
    if (expectsNumber(schema) && value.trim() !== '' && Number.isFinite(Number(value))) {
      message += ' (the quotes make it text; remove them)';
    } else {
      const near = closest(value, literalChoices(schema));
      if (near) message += `; did you mean \`${near.match}\`?`;
    }
  }
  return message;
}

/** "unknown key `modle`; did you mean `model`?" — or where the key belongs, or the keys allowed here. */
export function unknownKeyMessage(key: string, parent: readonly Segment[], schema: JsonSchema): string {
  const allowed = Object.keys(schema.properties ?? {});
  const near = closest(key, allowed);
  if (near && near.distance <= 1) return `unknown key \`${key}\`; did you mean \`${near.match}\`?`;
  // A right key at the wrong level (`latent:` at the top instead of under `model:`).
  const parentDotted = parent.filter((s): s is string => typeof s === 'string').join('.');
  const elsewhere = allKeyPaths().find((p) => p[p.length - 1] === key && p.slice(0, -1).join('.') !== parentDotted);
  if (elsewhere && elsewhere.length > 1) {
    const home = elsewhere.slice(0, -1).join('.');
    return `unknown key \`${key}\` here; it belongs under \`${home}\` (${elsewhere.join('.')})`;
  }
  if (near) return `unknown key \`${key}\`; did you mean \`${near.match}\`?`;
  return allowed.length > 0
    ? `unknown key \`${key}\`; allowed keys here: ${allowed.join(', ')}`
    : `unknown key \`${key}\`; nothing is allowed here`;
}

type AjvError = ErrorObject & { propertyName?: string };

function startsWithPath(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(outer + '/');
}

/**
 * anyOf reports every branch's complaints. Keep only the branch the value evidently meant (a list
 * → the list branch), or, when no branch fits, one summary of the alternatives.
 */
function resolveAnyOf(errors: AjvError[]): AjvError[] {
  const dropped = new Set<AjvError>();
  for (const err of errors) {
    if (err.keyword !== 'anyOf') continue;
    const schema = err.parentSchema as JsonSchema;
    const inGroup = (e: AjvError) =>
      e !== err && e.schemaPath.startsWith(err.schemaPath + '/') && startsWithPath(e.instancePath, err.instancePath);
    const fit = branchFor(schema, err.data);
    const fitIsLiteral = fit && ('const' in fit.branch || fit.branch.enum !== undefined);
    if (fit && !fitIsLiteral) {
      const keep = `${err.schemaPath}/${fit.index}/`;
      for (const e of errors) if (inGroup(e) && !e.schemaPath.startsWith(keep)) dropped.add(e);
      dropped.add(err);
    } else {
      for (const e of errors) if (inGroup(e)) dropped.add(e);
    }
  }
  return errors.filter((e) => !dropped.has(e));
}

/** All of ajv's errors for one document, as user-facing issues (deduplicated). */
export function ajvErrorsToIssues(errors: readonly ErrorObject[], root: unknown): RawIssue[] {
  const out: RawIssue[] = [];
  const seen = new Set<string>();
  const push = (issue: RawIssue) => {
    const id = JSON.stringify([issue.path, issue.message]);
    if (seen.has(id)) return;
    seen.add(id);
    out.push(issue);
  };
  for (const err of resolveAnyOf(errors as AjvError[])) {
    // Errors inside propertyNames repeat the propertyNames error itself.
    if (err.propertyName !== undefined) continue;
    const path = pointerToPath(err.instancePath, root);
    const schema = (err.parentSchema ?? {}) as JsonSchema;
    const params = err.params as Record<string, unknown>;
    switch (err.keyword) {
      case 'additionalProperties': {
        const key = String(params.additionalProperty);
        push({ path: [...path, key], prefer: 'key', message: unknownKeyMessage(key, path, schema) });
        break;
      }
      case 'required': {
        const key = String(params.missingProperty);
        const what = schema.properties?.[key]?.description;
        push({ path: [...path, key], prefer: 'key', message: `is required${what ? ` (${what.replace(/\.$/, '')})` : ''}` });
        break;
      }
      case 'propertyNames': {
        const key = String(params.propertyName);
        push({
          path: [...path, key],
          prefer: 'key',
          message: `\`${key}\` is not a dotted key; write lowercase keys separated by dots, such as \`model.latent\``,
        });
        break;
      }
      case 'minItems': {
        const limit = Number(params.limit);
        push({ path, prefer: 'value', message: limit === 1 ? 'must not be an empty list' : `must have at least ${limit} entries` });
        break;
      }
      case 'maxItems': {
        const count = Array.isArray(err.data) ? err.data.length : '?';
        push({ path, prefer: 'value', message: `must have at most ${String(params.limit)} entries, got ${count}` });
        break;
      }
      case 'minLength':
        push({ path, prefer: 'value', message: Number(params.limit) === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters long` });
        break;
      case 'maxLength':
        push({
          path,
          prefer: 'value',
          message: `must be at most ${String(params.limit)} characters long, got ${typeof err.data === 'string' ? err.data.length : '?'}`,
        });
        break;
      case 'type':
      case 'minimum':
      case 'maximum':
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
      case 'enum':
      case 'const':
      case 'pattern':
      case 'anyOf':
        push({ path, prefer: 'value', message: valueMessage(schema, err.data) });
        break;
      default:
        push({ path, prefer: 'value', message: err.message ?? `fails the schema's \`${err.keyword}\` rule` });
    }
  }
  return out;
}
