// The experiment schema (schemas/experiment.schema.json) is the single source of truth: the
// validator, the defaults, the generated types and the reference docs all come from it.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';

import { isPlainObject } from './paths.ts';

/** The subset of JSON Schema the experiment schema uses. */
export interface JsonSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  title?: string;
  $schema?: string;
  $id?: string;
}

export const SCHEMA_FILE = fileURLToPath(new URL('../../schemas/experiment.schema.json', import.meta.url));

let cachedSchema: JsonSchema | undefined;
let cachedValidator: ValidateFunction | undefined;

export function experimentSchema(): JsonSchema {
  cachedSchema ??= JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')) as JsonSchema;
  return cachedSchema;
}

/** The compiled validator: every error collected (allErrors), each with its schema and data (verbose). */
export function schemaValidator(): ValidateFunction {
  if (!cachedValidator) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
    cachedValidator = ajv.compile(experimentSchema());
  }
  return cachedValidator;
}

/** The name `name` must match; the file stem is checked against it too. */
export function namePattern(): RegExp {
  return new RegExp(experimentSchema().properties?.name?.pattern ?? '^[a-z0-9_-]+$');
}

export function nameMaxLength(): number {
  return experimentSchema().properties?.name?.maxLength ?? 64;
}

/**
 * The anyOf branch that fits a value's JSON type (a list → the list branch, text → the text
 * branch), so that errors and defaults follow the alternative the user evidently meant.
 */
export function branchFor(schema: JsonSchema, value: unknown): { index: number; branch: JsonSchema } | undefined {
  const branches = schema.anyOf ?? [];
  for (let index = 0; index < branches.length; index++) {
    const branch = branches[index]!;
    if (valueFitsType(branch, value)) return { index, branch };
  }
  return undefined;
}

function valueFitsType(schema: JsonSchema, value: unknown): boolean {
  if ('const' in schema) return typeof schema.const === typeof value && (value !== null) === (schema.const !== null);
  if (schema.enum) return schema.enum.some((v) => typeof v === typeof value);
  switch (schema.type) {
    case 'object':
      // Object branches told apart by a constant property (train.input_noise's kind) fit only
      // values that carry that constant, or leave the property out.
      return (
        isPlainObject(value) &&
        Object.entries(schema.properties ?? {}).every(([key, sub]) => !('const' in sub) || value[key] === undefined || value[key] === sub.const)
      );
    case 'array':
      return Array.isArray(value);
    case 'integer':
    case 'number':
      return typeof value === 'number';
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return false;
  }
}

/** Fills every defaulted key the value lacks, following the schema (objects, lists, anyOf). */
export function withDefaults(schema: JsonSchema, value: unknown): unknown {
  if (value === undefined) {
    if (!('default' in schema)) return undefined;
    value = structuredClone(schema.default);
  }
  if (schema.anyOf) {
    const fit = branchFor(schema, value);
    return fit ? withDefaults(fit.branch, value) : value;
  }
  if (Array.isArray(value)) {
    const items = schema.items;
    return items ? value.map((item) => withDefaults(items, item)) : value;
  }
  if (isPlainObject(value) && (schema.properties || typeof schema.additionalProperties === 'object')) {
    const out: Record<string, unknown> = {};
    const props = schema.properties ?? {};
    // Schema order first, so that `aelab show` prints keys in the order the reference documents them.
    for (const [key, sub] of Object.entries(props)) {
      const filled = withDefaults(sub, value[key]);
      if (filled !== undefined) out[key] = filled;
    }
    const extra = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
    for (const [key, sub] of Object.entries(value)) {
      if (key in props) continue;
      out[key] = extra ? withDefaults(extra, sub) : sub;
    }
    return out;
  }
  return value;
}

/** The schema of the value at a path (following properties, items and additionalProperties). */
export function schemaAtPath(path: readonly (string | number)[], schema: JsonSchema = experimentSchema()): JsonSchema | undefined {
  let node: JsonSchema | undefined = schema;
  for (const seg of path) {
    if (!node) return undefined;
    if (typeof seg === 'number') node = node.items;
    else node = node.properties?.[seg] ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
  }
  return node;
}

/** Every key path the schema allows, for "`latent` belongs under `model:`" hints. */
export function allKeyPaths(schema: JsonSchema = experimentSchema()): string[][] {
  const out: string[][] = [];
  const walk = (s: JsonSchema, prefix: string[]) => {
    for (const [key, sub] of Object.entries(s.properties ?? {})) {
      out.push([...prefix, key]);
      walk(sub, [...prefix, key]);
    }
  };
  walk(schema, []);
  return out;
}
