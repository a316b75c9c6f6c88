// `npm run gen`: writes the files derived from schemas/experiment.schema.json — the TypeScript
// types of a resolved spec (src/shared/spec-types.ts) and the spec reference (docs/spec.md).
// tests/spec/generated.test.ts fails when either file differs from what this would write.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { writeFileAtomic } from '../src/shared/fs.ts';
import { experimentSchema, type JsonSchema } from '../src/spec/schema.ts';

export const PROJECT_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Schema locations (JSON pointers) that become named interfaces; everything else is inlined. */
const INTERFACE_NAMES: Record<string, string> = {
  '': 'ResolvedSpec',
  '/properties/data': 'DataSpec',
  '/properties/model': 'ModelSpec',
  '/properties/train': 'TrainSpec',
  '/properties/train/properties/early_stopping': 'EarlyStoppingSpec',
  '/properties/density': 'DensitySpec',
  '/properties/outputs': 'OutputsSpec',
  '/properties/evaluate': 'EvaluateSpec',
  '/properties/evaluate/properties/classifier': 'ClassifierSpec',
  '/properties/sweep': 'SweepSpec',
  '/properties/sweep/properties/random/additionalProperties/anyOf/1': 'SweepRange',
};

/** Doc comments of named interfaces where the schema's description is about the file, not the type. */
const INTERFACE_DOCS: Record<string, string> = {
  ResolvedSpec: 'A spec after `extends`, defaults and overrides: every defaulted key is present.',
};

/** Keys that have no schema default but are always filled by the loader. */
const LOADER_FILLED: Record<string, string> = {
  '/properties/name': "the spec file's name without extension",
};

const TYPE_ALIASES = [
  ['ModelKind', "ModelSpec['kind']"],
  ['DensityKind', "DensitySpec['kind']"],
] as const;

function literal(value: unknown): string {
  return typeof value === 'string' ? `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : JSON.stringify(value);
}

function isPresentInResolved(parent: JsonSchema, key: string, pointer: string): boolean {
  const prop = parent.properties?.[key];
  return (parent.required ?? []).includes(key) || (prop !== undefined && 'default' in prop) || pointer in LOADER_FILLED;
}

function wrapLines(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line.length > 0 ? `${line} ${word}` : word;
    }
  }
  if (line.length > 0) lines.push(line);
  return lines;
}

function docComment(text: string, indent: string): string {
  const lines = wrapLines(text, 96 - indent.length);
  if (lines.length === 0) return '';
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((l) => `${indent} * ${l}`).join('\n')}\n${indent} */\n`;
}

/** The TypeScript of src/shared/spec-types.ts. */
export function generateSpecTypes(schema: JsonSchema = experimentSchema()): string {
  const blocks: string[] = [];

  const typeOf = (s: JsonSchema, pointer: string, pending: string[]): string => {
    const named = INTERFACE_NAMES[pointer];
    if (named !== undefined && pointer !== '') {
      pending.push(pointer);
      return named;
    }
    if (s.enum) return s.enum.map(literal).join(' | ');
    if ('const' in s) return literal(s.const);
    if (s.anyOf) return s.anyOf.map((b, i) => typeOf(b, `${pointer}/anyOf/${i}`, pending)).join(' | ');
    switch (s.type) {
      case 'integer':
      case 'number':
        return 'number';
      case 'string':
        return 'string';
      case 'boolean':
        return 'boolean';
      case 'array': {
        if (!s.items) return 'unknown[]';
        const item = typeOf(s.items, `${pointer}/items`, pending);
        return item.includes(' ') ? `(${item})[]` : `${item}[]`;
      }
      case 'object': {
        const props = Object.entries(s.properties ?? {});
        const inline = props.map(([key, sub]) => {
          const optional = isPresentInResolved(s, key, `${pointer}/properties/${key}`) ? '' : '?';
          return `${key}${optional}: ${typeOf(sub, `${pointer}/properties/${key}`, pending)}`;
        });
        const shape = inline.length > 0 ? `{ ${inline.join('; ')} }` : '';
        const extra = s.additionalProperties;
        if (typeof extra === 'object') {
          // The index signature must also admit the declared keys' types for the intersection to be usable.
          const valueTypes = [typeOf(extra, `${pointer}/additionalProperties`, pending)];
          for (const [key, sub] of props) {
            const t = typeOf(sub, `${pointer}/properties/${key}`, []);
            if (!valueTypes.includes(t)) valueTypes.push(t);
          }
          const record = `Record<string, ${valueTypes.join(' | ')}>`;
          return shape ? `${shape} & ${record}` : record;
        }
        return shape || 'Record<string, unknown>';
      }
      default:
        return 'unknown';
    }
  };

  const emitInterface = (pointer: string, s: JsonSchema) => {
    const name = INTERFACE_NAMES[pointer]!;
    const pending: string[] = [];
    let body = '';
    for (const [key, sub] of Object.entries(s.properties ?? {})) {
      const childPointer = `${pointer}/properties/${key}`;
      const optional = isPresentInResolved(s, key, childPointer) ? '' : '?';
      const type = typeOf(sub, childPointer, pending);
      let doc = sub.description ?? '';
      if ('default' in sub && sub.type !== 'object') doc += ` Default: \`${JSON.stringify(sub.default)}\`.`;
      body += docComment(doc, '  ');
      body += `  ${key}${optional}: ${type};\n`;
    }
    const header = INTERFACE_DOCS[name] ?? s.description;
    blocks.push(`${header ? docComment(header, '') : ''}export interface ${name} {\n${body}}\n`);
    for (const child of pending) emitInterface(child, schemaAt(schema, child));
  };

  emitInterface('', schema);
  const aliases = TYPE_ALIASES.map(([name, type]) => `export type ${name} = ${type};`).join('\n');
  return [
    '// GENERATED from schemas/experiment.schema.json by `npm run gen` — do not edit by hand.\n' +
      '// A test fails when this file drifts from the schema.\n',
    ...blocks,
    aliases + '\n',
  ].join('\n');
}

function schemaAt(root: JsonSchema, pointer: string): JsonSchema {
  let node: unknown = root;
  for (const token of pointer.split('/').slice(1)) node = (node as Record<string, unknown>)[token];
  return node as JsonSchema;
}

// ---------------------------------------------------------------------------------------------
// docs/spec.md

function bounds(s: JsonSchema): string {
  if (s.minimum !== undefined && s.maximum !== undefined) return ` ${s.minimum}…${s.maximum}`;
  const parts: string[] = [];
  if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) parts.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined) parts.push(`≤ ${s.maximum}`);
  return parts.length ? ' ' + parts.join(', ') : '';
}

function docType(s: JsonSchema, plural = false): string {
  if (s.enum) return `one of ${s.enum.map((v) => `\`${String(v)}\``).join(', ')}`;
  if ('const' in s) return `\`${String(s.const)}\``;
  if (s.anyOf) return s.anyOf.map((b) => docType(b, plural)).join(' or ');
  const noun = (one: string, many: string) => (plural ? many : one);
  switch (s.type) {
    case 'integer':
      return noun('integer', 'integers') + bounds(s);
    case 'number':
      return noun('number', 'numbers') + bounds(s);
    case 'boolean':
      return 'true / false';
    case 'string': {
      let t = noun('text', 'texts');
      if (s.pattern) t += ` matching \`${s.pattern}\``;
      if (s.maxLength !== undefined) t += `, at most ${s.maxLength} characters`;
      return t;
    }
    case 'array': {
      let t = noun('list', 'lists') + (s.items ? ` of ${docType(s.items, true)}` : '');
      if (s.minItems !== undefined && s.maxItems !== undefined) t += `, ${s.minItems}–${s.maxItems} entries`;
      else if (s.minItems !== undefined) t += `, at least ${s.minItems} ${s.minItems === 1 ? 'entry' : 'entries'}`;
      return t;
    }
    case 'object':
      return noun('mapping', 'mappings');
    default:
      return 'any';
  }
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function docDefault(s: JsonSchema, pointer: string): string {
  if (pointer in LOADER_FILLED) return LOADER_FILLED[pointer]!;
  if (!('default' in s)) return '—';
  if (s.type === 'object') return 'see below';
  return `\`${JSON.stringify(s.default).replace(/,/g, ', ')}\``;
}

const INTRO = `A spec is one YAML file stating only what differs from the defaults below (an empty file
trains the deep 784-500-300-2 autoencoder on all ten MNIST digits). \`npx aelab show <spec>\` prints the complete spec with every default filled in, and
\`npx aelab validate <spec>\` checks it without running anything.

How a spec is read, in this order:

1. **\`extends\`** — the file named by \`extends\` (relative to this one) is read first, recursively;
   this file is merged on top of it: mappings key by key, lists and single values replaced.
   \`name\` is never inherited (it names the runs folder). Data paths written in an extended file
   stay relative to that file. A cycle of \`extends\` is an error that shows the chain.
2. **Overrides** — \`--set key=value\` on the command line (and each sweep trial) sets a dotted key
   such as \`model.latent\` or \`train.early_stopping.patience\`; the value is YAML
   (\`--set 'model.encoder=[256, 64]'\`).
3. **Defaults** — every key not given takes the default listed below.
4. **Checks** — the schema (types, ranges, allowed values, unknown keys, with "did you mean"), then
   the rules a schema cannot express: each digit listed once; \`source: idx\` or \`npy\` needs all
   four data paths, and the files must exist; early stopping needs a validation split; PCA on MNIST
   has at most 784 components; the bundled MNIST set has 60 000 training images to hold out from.

Every problem of a file is reported at once as \`file:line:col  path  message\`.

Keys that do nothing for the chosen kind are allowed, with a one-line warning (so a sweep over
\`model.kind\` can use one spec): \`model.encoder\`, \`decoder\`, \`activation\`, \`output_activation\` and
the \`train\` block for \`pca\`; \`encoder\`, \`decoder\` and \`activation\` for \`linear\`;
\`density.components\` unless \`density.kind\` is \`gmm\`; data paths when \`source\` is \`mnist\`.`;

/** The Markdown of docs/spec.md. */
export function generateSpecDocs(schema: JsonSchema = experimentSchema()): string {
  const sections: string[] = [];
  const table = (rows: string[][]) =>
    ['| Key | Type and allowed values | Default | Description |', '| --- | --- | --- | --- |', ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');

  const section = (title: string, dotted: string, s: JsonSchema, pointer: string) => {
    const rows: string[][] = [];
    const nested: Array<[string, string, JsonSchema, string]> = [];
    for (const [key, sub] of Object.entries(s.properties ?? {})) {
      const childDotted = dotted ? `${dotted}.${key}` : key;
      const childPointer = `${pointer}/properties/${key}`;
      const required = (s.required ?? []).includes(key) ? 'Required. ' : '';
      rows.push([`\`${childDotted}\``, docType(sub), docDefault(sub, childPointer), required + (sub.description ?? '')]);
      if (sub.type === 'object') nested.push([`\`${childDotted}\``, childDotted, sub, childPointer]);
    }
    const extra = s.additionalProperties;
    if (typeof extra === 'object') {
      const keyName = dotted ? `${dotted}.<key>` : '<key>';
      const keyRule = s.propertyNames?.pattern ? `; \`<key>\` matches \`${s.propertyNames.pattern}\`` : '';
      const what = 'a dotted path of the spec such as `model.latent`.';
      rows.push([`\`${keyName}\``, docType(extra) + keyRule, '—', rows.length > 0 ? `Any other key: ${what}` : `Each key: ${what}`]);
      (extra.anyOf ?? []).forEach((branch, i) => {
        if (branch.type === 'object' && branch.properties) {
          nested.push([`\`${keyName}\` as a range`, keyName, branch, `${pointer}/additionalProperties/anyOf/${i}`]);
        }
      });
    }
    const description = title === '' ? '' : `${s.description ?? ''}\n\n`;
    sections.push(`## ${title || 'Top-level keys'}\n\n${description}${table(rows)}\n`);
    for (const [t, d, sub, p] of nested) section(t, d, sub, p);
  };

  section('', '', schema, '');
  return [
    '<!-- GENERATED from schemas/experiment.schema.json by `npm run gen` — do not edit by hand. -->\n',
    '# Experiment spec reference\n',
    `${schema.description ?? ''}\n`,
    `${INTRO}\n`,
    ...sections,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------

export interface GeneratedFile {
  /** Path relative to the project root. */
  file: string;
  generate(schema: JsonSchema): string;
}

export const GENERATED_FILES: GeneratedFile[] = [
  { file: 'src/shared/spec-types.ts', generate: generateSpecTypes },
  { file: 'docs/spec.md', generate: generateSpecDocs },
];

/** Generated files whose content differs from what the schema gives now. */
export function staleGeneratedFiles(root = PROJECT_ROOT, schema: JsonSchema = experimentSchema()): string[] {
  return GENERATED_FILES.filter(({ file, generate }) => {
    const target = path.join(root, file);
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
    return current !== generate(schema);
  }).map((g) => g.file);
}

/** Writes every generated file; returns those that changed. */
export function writeGeneratedFiles(root = PROJECT_ROOT, schema: JsonSchema = experimentSchema()): string[] {
  const stale = staleGeneratedFiles(root, schema);
  for (const { file, generate } of GENERATED_FILES) {
    if (stale.includes(file)) writeFileAtomic(path.join(root, file), generate(schema));
  }
  return stale;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  const changed = writeGeneratedFiles();
  console.log(changed.length > 0 ? `generated ${changed.join(', ')}` : 'generated files are up to date');
}
