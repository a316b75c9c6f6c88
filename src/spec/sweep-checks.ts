// The values a sweep will set, checked where they are written. The schema only sees `sweep.grid`
// as "dotted key → list"; without these checks a typo in a dotted key or a value out of range
// (`model.latent: [0, 2]`) would pass `aelab validate` and only fail when the sweep runs, pointing
// at no line. Each value is checked the way its trial will be: set into the spec, then validated
// against the schema; problems are reported at the value's (or the key's) own line.
import type { CheckIssue } from './checks.ts';
import { ajvErrorsToIssues, type RawIssue } from './messages.ts';
import { formatPath, isPlainObject, parseDottedPath, type Segment } from './paths.ts';
import { schemaAtPath, schemaValidator, type JsonSchema } from './schema.ts';

/** Problems with the values of `sweep.grid` and `sweep.random` in `raw` (the spec as written). */
export function checkSweepValues(raw: Record<string, unknown>): CheckIssue[] {
  const sweep = raw.sweep;
  if (!isPlainObject(sweep)) return [];
  const base = structuredClone(raw);
  delete base.sweep;
  const issues: CheckIssue[] = [];
  const seen = new Set<string>();
  const push = (issue: CheckIssue) => {
    const id = JSON.stringify([issue.at ?? issue.path, issue.message]);
    if (!seen.has(id)) {
      seen.add(id);
      issues.push(issue);
    }
  };

  const checkValue = (block: 'grid' | 'random' | 'trials', key: string, at: Segment[], value: unknown, what: string, keyAt: Segment[] = ['sweep', block, key]) => {
    const segments = parseDottedPath(key);
    // A key that is no dotted key at all is already reported by the schema's propertyNames rule.
    if (!segments || !keyPattern(block).test(key)) return;
    for (const problem of problemsWhenSet(base, segments, value)) {
      // An unknown key is the key's fault, reported once; anything else belongs to this value.
      const atKey = problem.prefer === 'key' && isPrefix(problem.path, segments);
      const where = atKey ? keyAt : at;
      push({
        path: where,
        prefer: atKey ? 'key' : 'value',
        message: atKey ? `${formatPath(problem.path)}: ${problem.message}` : `${formatPath(problem.path)} ${problem.message} (${what})`,
      });
    }
  };

  const grid = sweep.grid;
  if (isPlainObject(grid)) {
    for (const [key, values] of Object.entries(grid)) {
      if (!Array.isArray(values)) continue;
      values.forEach((value, index) => checkValue('grid', key, ['sweep', 'grid', key, index], value, `in every trial with ${setting(key, value)}`));
    }
  }

  const trials = sweep.trials;
  if (Array.isArray(trials)) {
    trials.forEach((trial, index) => {
      if (!isPlainObject(trial)) return;
      for (const [key, value] of Object.entries(trial)) {
        checkValue('trials', key, ['sweep', 'trials', index, key], value, `in trial ${index + 1} of sweep.trials`, ['sweep', 'trials', index, key]);
      }
    });
  }

  const random = sweep.random;
  if (isPlainObject(random)) {
    for (const [key, entry] of Object.entries(random)) {
      if (key === 'n') continue;
      if (Array.isArray(entry)) {
        entry.forEach((value, index) => checkValue('random', key, ['sweep', 'random', key, index], value, `in the trials that draw ${setting(key, value)}`));
      } else if (isPlainObject(entry)) {
        for (const end of ['min', 'max'] as const) {
          if (typeof entry[end] === 'number') checkValue('random', key, ['sweep', 'random', key, end], entry[end], `the range's ${end}`);
        }
        const segments = parseDottedPath(key);
        const target = segments ? schemaAtPath(segments) : undefined;
        if (target && wantsInteger(target) && entry.integer !== true && typeof entry.min === 'number' && typeof entry.max === 'number') {
          push({
            path: ['sweep', 'random', key],
            prefer: 'value',
            message: `${key} takes whole numbers, but this range draws fractions; add \`integer: true\``,
          });
        }
      }
    }
  }
  return issues;
}

/** Schema problems of `base` with `value` set at `segments`, limited to that key. */
function problemsWhenSet(base: Record<string, unknown>, segments: Segment[], value: unknown): RawIssue[] {
  const doc = structuredClone(base);
  let node: Record<string, unknown> = doc;
  for (let i = 0; i < segments.length - 1; i++) {
    const seg = segments[i]!;
    const next = node[String(seg)];
    if (next === undefined || next === null) node[String(seg)] = {};
    else if (!isPlainObject(next)) return []; // the base spec's own value is wrong there; reported on its line
    node = node[String(seg)] as Record<string, unknown>;
  }
  node[String(segments[segments.length - 1]!)] = structuredClone(value);
  const validate = schemaValidator();
  if (validate(doc)) return [];
  return ajvErrorsToIssues(validate.errors ?? [], doc).filter(
    (issue) => issue.path.length > 0 && (isPrefix(issue.path, segments) || isPrefix(segments, issue.path)),
  );
}

/** `latent=8`, `encoder=500-300`: a setting as trial folder names write it. */
function setting(key: string, value: unknown): string {
  const name = key.slice(key.lastIndexOf('.') + 1);
  if (Array.isArray(value) && value.every((v) => typeof v === 'number' || typeof v === 'string')) return `${name}=${value.join('-')}`;
  return `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
}

/** The schema's rule for the dotted keys of `sweep.grid` / `sweep.random` / each of `sweep.trials`. */
function keyPattern(block: 'grid' | 'random' | 'trials'): RegExp {
  const node = schemaAtPath(['sweep', block]) as { propertyNames?: { pattern?: string }; items?: { propertyNames?: { pattern?: string } } } | undefined;
  const names = block === 'trials' ? node?.items?.propertyNames : node?.propertyNames;
  return new RegExp(names?.pattern ?? '^[a-z_]+(\\.[a-z_]+)*$');
}

function isPrefix(prefix: readonly Segment[], path: readonly Segment[]): boolean {
  return prefix.length <= path.length && prefix.every((seg, i) => seg === path[i]);
}

function wantsInteger(schema: JsonSchema): boolean {
  if (schema.type === 'integer') return true;
  return schema.anyOf !== undefined && schema.anyOf.length > 0 && schema.anyOf.every((branch) => branch.type === 'integer');
}
