// Reads every import of the sources (static, dynamic, type-only) with the TypeScript parser, and
// checks them against the layering the README describes. Used by ./imports.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import ts from 'typescript';

export type ImportKind = 'static' | 'type' | 'dynamic';

export interface ImportEdge {
  /** Importing file, relative to the source root: `render/report.ts`. */
  from: string;
  /** The specifier as written: `../model/index.ts`, `@tensorflow/tfjs`. */
  specifier: string;
  /** For relative specifiers: the imported file relative to the source root; else null (a package). */
  to: string | null;
  /** `static`: an import/export declaration loaded at run time; `type`: erased (import type,
   * `import('x').T`); `dynamic`: an `import()` call, loaded only when it runs. */
  kind: ImportKind;
  line: number;
}

/** Every import of every .ts file below `root`. */
export function readImports(root: string): ImportEdge[] {
  const files = fg.sync('**/*.ts', { cwd: root, onlyFiles: true }).sort();
  return files.flatMap((file) => importsOf(root, file, fs.readFileSync(path.join(root, file), 'utf8')));
}

export function importsOf(root: string, file: string, text: string): ImportEdge[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const add = (specifierNode: ts.Node | undefined, kind: ImportKind) => {
    if (!specifierNode || !ts.isStringLiteralLike(specifierNode)) return;
    const specifier = specifierNode.text;
    const to = specifier.startsWith('.')
      ? path.relative(root, path.resolve(root, path.dirname(file), specifier)).split(path.sep).join('/')
      : null;
    const line = source.getLineAndCharacterOfPosition(specifierNode.getStart(source)).line + 1;
    edges.push({ from: file, specifier, to, kind, line });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const typeOnly = clause !== undefined && (clause.isTypeOnly || allTypeOnly(clause));
      add(node.moduleSpecifier, typeOnly ? 'type' : 'static');
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      add(node.moduleSpecifier, node.isTypeOnly ? 'type' : 'static');
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], 'dynamic');
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg)) add(arg.literal, 'type');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/** `import { type A, type B } from …` is erased like `import type`; a default or namespace import is not. */
function allTypeOnly(clause: ts.ImportClause): boolean {
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  return bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

/** Stages of the data flow: each imports only shared/, kinds/ and its own folder. */
export const STAGES = ['spec', 'plan', 'data', 'model', 'train', 'evaluate', 'render', 'runs', 'compare'] as const;
/** Where tfjs may be loaded. */
export const TFJS_FOLDERS = ['data', 'model', 'train', 'evaluate'];

/** Top folder of a source file (`render` for `render/report.ts`); `.` for a file at the root. */
export function areaOf(file: string): string {
  const slash = file.indexOf('/');
  return slash < 0 ? '.' : file.slice(0, slash);
}

/**
 * Which areas each area may import, and how:
 * - a stage: shared/, kinds/ and itself;
 * - kinds/ (one descriptor file per model or density kind, read by every stage): shared/ and
 *   itself; model/ and evaluate/ only through `import()` (or `import type`, which is erased), so
 *   that reading a descriptor never loads tfjs;
 * - shared/: itself only;
 * - pipeline/ (the composer): every stage, kinds/ and shared/;
 * - cli/ (the shell): pipeline/, shared/, and spec/ for its tfjs-free helpers (loading and
 *   printing specs, `--set` parsing, did-you-mean) that validate and show need without tfjs;
 *   and ui/ for `aelab ui`.
 * - ui/ (`aelab ui`, a second composer beside the pipeline that only reads what runs wrote):
 *   runs/ (listing, sweeps), render/ (the pages' look and escaping) and pipeline/ (compare, so that
 *   the dashboard shows exactly what `aelab compare` does). It never trains, so it stays out of
 *   the tfjs stages; the pipeline and the stages never import it.
 * Returns why the edge is not allowed, or null when it is.
 */
export function ruleBreak(edge: ImportEdge): string | null {
  if (edge.to === null) {
    const tfjs = edge.specifier.startsWith('@tensorflow/');
    if (tfjs && edge.kind !== 'type' && !TFJS_FOLDERS.includes(areaOf(edge.from))) {
      return `tfjs is imported only in ${TFJS_FOLDERS.map((f) => `src/${f}/`).join(', ')}`;
    }
    return null;
  }
  const from = areaOf(edge.from);
  const to = areaOf(edge.to);
  if (from === '.') return `a file at the top of src/ belongs in its stage's folder`;
  if (to === '.') return `src/${edge.to} is outside every stage folder`;
  if (from === to || to === 'shared') return null;
  if ((STAGES as readonly string[]).includes(from)) {
    if (to === 'kinds') return null;
    return `a stage (src/${from}/) imports only src/shared/, src/kinds/ and its own files; the pipeline composes stages`;
  }
  switch (from) {
    case 'kinds':
      if ((to === 'model' || to === 'evaluate') && edge.kind !== 'static') return null;
      return to === 'model' || to === 'evaluate'
        ? `src/kinds/ may load src/${to}/ only with import() (a static import would load tfjs with every descriptor)`
        : 'src/kinds/ imports only src/shared/ (and src/model/, src/evaluate/ through import())';
    case 'shared':
      return 'src/shared/ imports only its own files';
    case 'pipeline':
      return to === 'cli' || to === 'ui' ? `the pipeline never imports src/${to}/` : null;
    case 'cli':
      return to === 'pipeline' || to === 'spec' || to === 'ui' ? null : 'src/cli/ imports only src/pipeline/, src/shared/, src/spec/ and src/ui/';
    case 'ui':
      return to === 'runs' || to === 'render' || to === 'pipeline' ? null : 'src/ui/ imports only src/runs/, src/render/, src/pipeline/ and src/shared/';
    default:
      return `src/${from}/ is not a known layer: add it to the rules in tests/architecture/import-graph.ts`;
  }
}

export function describeBreak(edge: ImportEdge, why: string): string {
  const how = edge.kind === 'static' ? 'imports' : edge.kind === 'type' ? 'imports types from' : 'loads with import()';
  return `src/${edge.from}:${edge.line} ${how} '${edge.specifier}': ${why}`;
}

/** Files reachable from `start` through imports loaded at start-up (static, not type-only, not import()). */
export function staticClosure(edges: ImportEdge[], start: string): { files: Set<string>; packages: Map<string, string> } {
  const byFile = new Map<string, ImportEdge[]>();
  for (const e of edges) byFile.set(e.from, [...(byFile.get(e.from) ?? []), e]);
  const files = new Set<string>([start]);
  const packages = new Map<string, string>(); // package → first file importing it
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const e of byFile.get(file) ?? []) {
      if (e.kind !== 'static') continue;
      if (e.to === null) {
        if (!packages.has(e.specifier)) packages.set(e.specifier, file);
      } else if (!files.has(e.to)) {
        files.add(e.to);
        queue.push(e.to);
      }
    }
  }
  return { files, packages };
}

/** Cycles through imports that load code (static and import(); not type-only), each as the files around it. */
export function importCycles(edges: ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) if (e.kind !== 'type' && e.to !== null) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const to of next.get(file) ?? []) {
      if (state.get(to) === 'open') cycles.push([...stack.slice(stack.indexOf(to)), to]);
      else if (!state.has(to)) visit(to);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...next.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}
