// YAML file → ResolvedSpec: follow `extends`, apply `--set` overrides, validate against the
// schema, fill its defaults, run the checks a schema cannot express — and report every problem
// of the file at once, each with the file, line and column of the node at fault.
import fs from 'node:fs';
import path from 'node:path';

import { modelKindRegistry, isModelKind } from '../kinds/model/registry.ts';
import { UserError, type Issue } from '../shared/errors.ts';
import type { ResolvedSpec } from '../shared/spec-types.ts';
import { checkSpec, DATA_FILE_KEYS, type CheckIssue } from './checks.ts';
import { specHash } from './hash.ts';
import { checkSweepValues } from './sweep-checks.ts';
import { ajvErrorsToIssues, describeSchema, showValue } from './messages.ts';
import { formatPath, getAt, isPlainObject, parseDottedPath, type Segment } from './paths.ts';
import { experimentSchema, nameMaxLength, namePattern, schemaAtPath, schemaValidator, withDefaults } from './schema.ts';
import { parseSpecText, type Layer, type Loc } from './source.ts';

export interface LoadedSpec {
  /** Absolute path of the spec file. */
  file: string;
  /** Its directory: data paths in `spec.data` are relative to it. */
  dir: string;
  /** The file's text as written (before extends, overrides and defaults). */
  text: string;
  spec: ResolvedSpec;
  /** Keys the user wrote that do nothing for the chosen kinds, and similar slips (each one line). */
  warnings: Issue[];
  /** specHash(spec): equal for specs that describe the same experiment. */
  hash: string;
  /** The dotted-key overrides that were applied (`--set`, or a sweep trial's values). */
  overrides: Record<string, unknown>;
  /** Absolute paths of the files merged, this file first, then what it extends, and so on. */
  extendsChain: string[];
}

export interface LoadSpecOptions {
  /** Dotted key → value (`{'model.latent': 8}`), applied after `extends` and before defaults. */
  overrides?: Record<string, unknown>;
  /** Remove the `sweep` block (a sweep trial is a plain spec). */
  dropSweep?: boolean;
  /** Shown as the file of problems caused by an override; default `--set`. */
  overridesSource?: string;
}

/** How a file is named in messages: relative to the working directory when below it. */
export function displayPath(abs: string): string {
  const rel = path.relative(process.cwd(), abs);
  return rel.length > 0 && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
}

/**
 * A spec describes an experiment in a few dozen lines; a file much larger is not one (a data file
 * named by mistake, or generated junk), and YAML's cost on it would grow without bound.
 */
export const MAX_SPEC_BYTES = 256 * 1024;

function readText(abs: string): { text: string } | { reason: string } {
  try {
    const size = fs.statSync(abs).size;
    if (size > MAX_SPEC_BYTES) {
      const mb = (n: number) => `${(n / 1024 / 1024).toFixed(n < 1024 * 1024 ? 2 : 1)} MB`;
      return { reason: `is ${mb(size)}; a spec is at most ${mb(MAX_SPEC_BYTES)} (an experiment takes a few dozen lines): is this the right file?` };
    }
    return { text: fs.readFileSync(abs, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    return { reason };
  }
}

/** Objects merge key by key; anything else in `over` replaces what `base` has. */
function mergeLayers(base: Layer, over: Layer): Layer {
  const value = structuredClone(base.value);
  const prov = base.prov.clone();
  const mergeInto = (target: Record<string, unknown>, source: Record<string, unknown>, at: Segment[]) => {
    for (const [key, sourceValue] of Object.entries(source)) {
      const p = [...at, key];
      const targetValue = target[key];
      if (isPlainObject(sourceValue) && isPlainObject(targetValue)) {
        const locs = over.prov.get(p);
        if (locs) prov.set(p, locs);
        mergeInto(targetValue, sourceValue, p);
      } else {
        target[key] = structuredClone(sourceValue);
        prov.deleteWithin(p);
        prov.copyWithin(over.prov, p);
      }
    }
  };
  const rootLocs = over.prov.get([]);
  if (rootLocs) prov.set([], rootLocs);
  mergeInto(value, over.value, []);
  return { value, prov };
}

interface Resolved {
  layer?: Layer;
  issues: Issue[];
  chain: string[];
}

/** Parses `abs` and everything it extends, merged; `seen` is the chain of files that led here. */
function resolveFile(abs: string, text: string, seen: string[]): Resolved {
  const file = displayPath(abs);
  const parsed = parseSpecText(text, file);
  if (!parsed.layer) return { issues: parsed.issues, chain: [abs] };
  const own = parsed.layer;
  if (!('extends' in own.value)) return { layer: own, issues: [], chain: [abs] };

  const target = own.value.extends;
  const where: Loc = own.prov.locate(['extends']) ?? { file };
  const issueAt = (message: string): Issue => ({ ...where, path: 'extends', message });
  delete own.value.extends;
  own.prov.deleteWithin(['extends']);

  if (typeof target !== 'string' || target.length === 0) {
    return {
      layer: own,
      issues: [issueAt(`must be the path of another spec file, relative to this one, got ${showValue(target)}`)],
      chain: [abs],
    };
  }
  const baseAbs = path.resolve(path.dirname(abs), target);
  const chain = [...seen, abs];
  if (chain.includes(baseAbs)) {
    const cycle = [...chain.slice(chain.indexOf(baseAbs)), baseAbs].map(displayPath).join(' → ');
    return { layer: own, issues: [issueAt(`makes a cycle: ${cycle}; remove one of these \`extends\``)], chain: [abs] };
  }
  const read = readText(baseAbs);
  if ('reason' in read) {
    return { layer: own, issues: [issueAt(`cannot read ${JSON.stringify(target)} (${baseAbs}): ${read.reason}`)], chain: [abs] };
  }
  const base = resolveFile(baseAbs, read.text, chain);
  if (!base.layer) return { layer: own, issues: base.issues, chain: [abs, ...base.chain] };

  // The name is the experiment's identity (its runs folder): a spec never inherits it.
  delete base.layer.value.name;
  base.layer.prov.deleteWithin(['name']);
  // Data paths are relative to the file that wrote them; re-anchor them to this file's folder.
  const baseData = base.layer.value.data;
  if (isPlainObject(baseData)) {
    for (const key of DATA_FILE_KEYS) {
      const p = baseData[key];
      if (typeof p === 'string' && p.length > 0 && !path.isAbsolute(p)) {
        baseData[key] = path.relative(path.dirname(abs), path.resolve(path.dirname(baseAbs), p)) || '.';
      }
    }
  }
  return { layer: mergeLayers(base.layer, own), issues: base.issues, chain: [abs, ...base.chain] };
}

/** Sets each dotted key; problems are reported against `source` (e.g. `--set`). */
function applyOverrides(layer: Layer, overrides: Record<string, unknown>, source: string): Issue[] {
  const issues: Issue[] = [];
  const here = { file: source };
  for (const [key, value] of Object.entries(overrides)) {
    const parsed = parseDottedPath(key);
    const segments = parsed && sweepEntryPath(parsed);
    const fail = (message: string) => issues.push({ file: source, path: key, message });
    if (!segments || typeof segments[0] !== 'string') {
      fail('is not a dotted key such as `model.latent` or `train.early_stopping.patience`');
      continue;
    }
    if (segments[0] === 'extends') {
      fail('cannot be overridden: `extends` is resolved before overrides; edit the spec instead');
      continue;
    }
    let node: unknown = layer.value;
    let ok = true;
    for (let i = 0; i < segments.length - 1 && ok; i++) {
      const seg = segments[i]!;
      const next = segments[i + 1]!;
      const p = segments.slice(0, i + 1);
      if (typeof seg === 'number') {
        if (!Array.isArray(node) || seg >= node.length) {
          fail(`${formatPath(segments.slice(0, i))} has no entry [${seg}]`);
          ok = false;
          break;
        }
        node = node[seg];
        continue;
      }
      const obj = node as Record<string, unknown>;
      const slot = schemaAtPath(p);
      if ((obj[seg] === undefined || obj[seg] === null) && slot && !slot.anyOf && slot.type !== (typeof next === 'number' ? 'array' : 'object')) {
        fail(`cannot set it: ${formatPath(p)} is ${describeSchema(slot)}, not a ${typeof next === 'number' ? 'list' : 'mapping'}`);
        ok = false;
      } else if (obj[seg] === undefined || obj[seg] === null) {
        // `model.encoder[0]=64` on a spec that leaves the encoder at its default edits the default list.
        const fallback = slot?.default;
        if (typeof next === 'number') obj[seg] = Array.isArray(fallback) ? structuredClone(fallback) : [];
        else obj[seg] = {};
        layer.prov.set(p, { key: here, value: here });
      } else if (typeof next === 'string' && !isPlainObject(obj[seg])) {
        fail(`cannot set it: ${formatPath(p)} is ${showValue(obj[seg])}, not a mapping`);
        ok = false;
      } else if (typeof next === 'number' && !Array.isArray(obj[seg])) {
        fail(`cannot set it: ${formatPath(p)} is ${showValue(obj[seg])}, not a list`);
        ok = false;
      }
      node = obj[seg];
    }
    if (!ok) continue;
    const last = segments[segments.length - 1]!;
    if (typeof last === 'number') {
      if (!Array.isArray(node) || last > node.length) {
        fail(`${formatPath(segments.slice(0, -1))} has no entry [${last}]`);
        continue;
      }
      node[last] = structuredClone(value);
    } else {
      (node as Record<string, unknown>)[last] = structuredClone(value);
    }
    layer.prov.deleteWithin(segments);
    layer.prov.set(segments, { key: here, value: here });
  }
  return issues;
}

/** Keys of a range in `sweep.random` (`sweep.random.train.learning_rate.max`). */
const RANGE_KEYS: ReadonlySet<string> = new Set(['min', 'max', 'log', 'integer']);

/**
 * The keys of `sweep.grid` and `sweep.random` are dotted keys themselves, so
 * `sweep.grid.model.latent` means the entry "model.latent" of the grid, not grid → model → latent;
 * a trailing min/max/log/integer in `sweep.random` addresses that part of a range.
 */
function sweepEntryPath(segments: Segment[]): Segment[] {
  const [root, block, ...rest] = segments;
  if (root !== 'sweep' || (block !== 'grid' && block !== 'random') || rest.length < 2) return segments;
  if (!rest.every((s): s is string => typeof s === 'string')) return segments;
  const last = rest[rest.length - 1]!;
  if (block === 'random' && rest.length >= 3 && RANGE_KEYS.has(last)) return ['sweep', 'random', rest.slice(0, -1).join('.'), last];
  return ['sweep', block, rest.join('.')];
}

/** A folder-safe suggestion for a `name:` key from an unusable file stem. */
function slug(stem: string): string {
  const s = stem.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  return (s || 'experiment').slice(0, nameMaxLength());
}

/**
 * Reads, merges, overrides, validates and completes one spec file. Throws one UserError listing
 * every problem found (each with file, line, column, dotted path and a message with the fix).
 */
export function loadSpec(file: string, opts: LoadSpecOptions = {}): LoadedSpec {
  const abs = path.resolve(file);
  const display = displayPath(abs);
  const dir = path.dirname(abs);
  const read = readText(abs);
  if ('reason' in read) throw new UserError([{ file: display, path: '', message: `cannot read the spec: ${read.reason}` }]);

  const resolved = resolveFile(abs, read.text, []);
  const issues: Issue[] = [...resolved.issues];
  if (!resolved.layer) throw new UserError(sortIssues(issues, display));
  const layer = resolved.layer;

  const overrides = opts.overrides ?? {};
  issues.push(...applyOverrides(layer, overrides, opts.overridesSource ?? '--set'));
  if (opts.dropSweep) {
    delete layer.value.sweep;
    layer.prov.deleteWithin(['sweep']);
  }
  const raw = layer.value;

  const locate = (issue: CheckIssue): Issue => {
    const loc = layer.prov.locate(issue.at ?? issue.path, issue.prefer) ?? { file: display, line: 1, col: 1 };
    return { ...loc, path: formatPath(issue.path), message: issue.message };
  };

  const validate = schemaValidator();
  if (!validate(raw)) issues.push(...ajvErrorsToIssues(validate.errors ?? [], raw).map(locate));

  let name = raw.name;
  if (name === undefined) {
    const stem = path.basename(abs, path.extname(abs));
    name = stem;
    if (!namePattern().test(stem) || stem.length > nameMaxLength()) {
      issues.push({
        file: display,
        line: 1,
        col: 1,
        path: 'name',
        message: `the file name ${JSON.stringify(stem)} cannot be the experiment's name (lowercase letters, digits, '-' and '_' only, at most ${nameMaxLength()} characters, because it becomes a folder name); add a \`name:\` key such as \`name: ${slug(stem)}\``,
      });
    }
  }
  const filled = withDefaults(experimentSchema(), raw) as Record<string, unknown>;
  applyKindDefaults(raw, filled);
  const spec: Record<string, unknown> = { name, ...filled };

  const checked = checkSpec({ raw, spec, dir });
  issues.push(...checked.errors.map(locate));
  issues.push(...checkSweepValues(raw).map(locate));
  if (issues.length > 0) throw new UserError(sortIssues(issues, display));

  const resolvedSpec = spec as unknown as ResolvedSpec;
  return {
    file: abs,
    dir,
    text: read.text,
    spec: resolvedSpec,
    warnings: sortIssues(checked.warnings.map(locate), display),
    hash: specHash(resolvedSpec, dir),
    overrides,
    extendsChain: resolved.chain,
  };
}

/**
 * Defaults that depend on the model kind, which a schema default cannot express (e.g. linear's
 * linear output layer): the kind's descriptor lists them, and they fill the keys the spec did not write.
 */
function applyKindDefaults(raw: Record<string, unknown>, filled: Record<string, unknown>): void {
  const model = filled.model;
  if (!isPlainObject(model) || !isModelKind(model.kind)) return;
  const defaults: Record<string, unknown> = modelKindRegistry[model.kind].defaults ?? {};
  for (const [key, value] of Object.entries(defaults)) {
    if (getAt(raw, ['model', key]) === undefined) model[key] = structuredClone(value);
  }
  const density = modelKindRegistry[model.kind].defaultDensity;
  if (density !== undefined && getAt(raw, ['density', 'kind']) === undefined && isPlainObject(filled.density)) filled.density.kind = density;
}

/** The spec's own file first, then the files it extends, then overrides; by line and column within each. */
function sortIssues(issues: Issue[], topFile: string): Issue[] {
  const rank = (f: string | undefined) => (f === topFile ? 0 : f === undefined || !issues.some((i) => i.file === f && i.line !== undefined) ? 2 : 1);
  return [...issues].sort(
    (a, b) =>
      rank(a.file) - rank(b.file) ||
      (a.file ?? '').localeCompare(b.file ?? '') ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.col ?? 0) - (b.col ?? 0),
  );
}
