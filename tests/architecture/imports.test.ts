// The layering the README promises, checked on every import of src/ (static, type-only and
// dynamic): stages import only shared/, kinds/ and their own files; the pipeline is the only
// composer; tfjs stays in data/, model/, train/ and evaluate/; the CLI has no import cycle and
// `aelab validate` / `show` start without loading tfjs.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

import { describeBreak, importCycles, importsOf, readImports, ruleBreak, staticClosure, type ImportEdge } from './import-graph.ts';

const SRC = path.resolve(import.meta.dirname, '../../src');
const edges = readImports(SRC);

/** Every broken rule in `edges`, one line each: file:line, the import, and the rule. */
function breaks(list: ImportEdge[]): string[] {
  return list.flatMap((e) => {
    const why = ruleBreak(e);
    return why ? [describeBreak(e, why)] : [];
  });
}

/** The edges of one made-up file, for checking the checker. */
function edgesOf(file: string, text: string): ImportEdge[] {
  return importsOf(SRC, file, text);
}

describe('import layering of src/', () => {
  it('reads the imports of every source file', () => {
    // A parser that found nothing would pass every rule below.
    const files = new Set(edges.map((e) => e.from));
    for (const f of ['cli/main.ts', 'pipeline/run.ts', 'render/report.ts', 'model/backend.ts']) expect(files).toContain(f);
    expect(edges.some((e) => e.kind === 'dynamic' && e.from === 'cli/commands.ts')).toBe(true);
    expect(edges.some((e) => e.kind === 'type')).toBe(true);
  });

  it('no stage imports another stage, kinds/ loads model/ and evaluate/ lazily, shared/ stands alone, the CLI goes through the pipeline, tfjs stays in data/model/train/evaluate', () => {
    expect(breaks(edges), 'imports that break the layering (see tests/architecture/import-graph.ts)').toEqual([]);
  });

  it('has no import cycle (static or through import())', () => {
    expect(importCycles(edges).map((c) => c.join(' → '))).toEqual([]);
  });

  it.each(['cli/main.ts', 'cli/validate.ts', 'cli/show.ts', 'cli/ui.ts'])('%s starts without loading tfjs', (file) => {
    const { packages } = staticClosure(edges, file);
    const tfjs = [...packages].filter(([pkg]) => pkg.startsWith('@tensorflow/')).map(([pkg, by]) => `${pkg} (imported by src/${by})`);
    expect(tfjs).toEqual([]);
  });
});

describe('the CLI shell', () => {
  it('only cli/main.ts reads the process; commands get streams, argv, cwd, env and signals from their context', () => {
    const cliDir = path.join(SRC, 'cli');
    const uses: string[] = [];
    for (const name of fs.readdirSync(cliDir).filter((f) => f.endsWith('.ts') && f !== 'main.ts')) {
      const source = ts.createSourceFile(name, fs.readFileSync(path.join(cliDir, name), 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node) => {
        // `process` as a value (process.cwd(), process.argv …); the NodeJS.Signals type is fine.
        if (ts.isIdentifier(node) && node.text === 'process' && !ts.isQualifiedName(node.parent)) {
          uses.push(`src/cli/${name}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(uses).toEqual([]);
  });
});

describe('the import checker', () => {
  it('names the file, line and import of a stage importing another stage, in every form', () => {
    const found = breaks(
      edgesOf(
        'render/report.ts',
        [
          "import { buildModel } from '../model/index.ts';",
          "import type { Metrics } from '../evaluate/metrics.ts';",
          "const m = await import('../train/index.ts');",
          "export { x } from '../runs/index.ts';",
          "type L = import('../data/index.ts').Dataset;",
          "import { ok } from '../shared/fs.ts';",
          "import { kind } from '../kinds/models/pca.ts';",
          "import { near } from './format.ts';",
        ].join('\n'),
      ),
    );
    expect(found).toEqual([
      expect.stringMatching(/^src\/render\/report\.ts:1 imports '\.\.\/model\/index\.ts': a stage \(src\/render\/\) imports only/),
      expect.stringMatching(/^src\/render\/report\.ts:2 imports types from '\.\.\/evaluate\/metrics\.ts'/),
      expect.stringMatching(/^src\/render\/report\.ts:3 loads with import\(\) '\.\.\/train\/index\.ts'/),
      expect.stringMatching(/^src\/render\/report\.ts:4 imports '\.\.\/runs\/index\.ts'/),
      expect.stringMatching(/^src\/render\/report\.ts:5 imports types from '\.\.\/data\/index\.ts'/),
    ]);
  });

  it('flags tfjs outside data/model/train/evaluate, but not an erased type import', () => {
    expect(breaks(edgesOf('render/charts.ts', "import * as tf from '@tensorflow/tfjs';"))).toEqual([
      "src/render/charts.ts:1 imports '@tensorflow/tfjs': tfjs is imported only in src/data/, src/model/, src/train/, src/evaluate/",
    ]);
    expect(breaks(edgesOf('kinds/models/deep.ts', "const tf = await import('@tensorflow/tfjs-core');"))).toHaveLength(1);
    expect(breaks(edgesOf('shared/types.ts', "type M = import('@tensorflow/tfjs').LayersModel;"))).toEqual([]);
    expect(breaks(edgesOf('train/index.ts', "import * as tf from '@tensorflow/tfjs';"))).toEqual([]);
  });

  it('lets kinds/ reach model/ and evaluate/ only through import(), and holds the CLI and shared/ to their layers', () => {
    expect(breaks(edgesOf('kinds/models/deep.ts', "const { buildDeep } = await import('../../model/network.ts');"))).toEqual([]);
    expect(breaks(edgesOf('kinds/models/deep.ts', "import { buildDeep } from '../../model/network.ts';"))).toEqual([
      expect.stringContaining('src/kinds/models/deep.ts:1 imports'),
    ]);
    expect(breaks(edgesOf('kinds/models/deep.ts', "import { x } from '../../render/index.ts';"))).toHaveLength(1);
    expect(breaks(edgesOf('spec/checks.ts', "import { modelKinds } from '../kinds/index.ts';"))).toEqual([]);
    expect(breaks(edgesOf('cli/run.ts', "import { parseShard } from '../plan/index.ts';"))).toEqual([
      expect.stringContaining('src/cli/ imports only src/pipeline/, src/shared/, src/spec/ and src/ui/'),
    ]);
    expect(breaks(edgesOf('cli/ui.ts', "import { startUiServer } from '../ui/server.ts';"))).toEqual([]);
    expect(breaks(edgesOf('shared/fs.ts', "import { x } from '../spec/index.ts';"))).toHaveLength(1);
    expect(breaks(edgesOf('pipeline/run.ts', "import { x } from '../cli/main.ts';"))).toHaveLength(1);
    expect(breaks(edgesOf('pipeline.ts', "import { x } from './model/index.ts';"))).toHaveLength(1);
  });

  it('lets ui/ read runs/, render/ and compare through the pipeline, and keeps it out of the pipeline and the stages', () => {
    // ui/ is a composer for reading: it may use what runs wrote and how the reports look…
    expect(breaks(edgesOf('ui/server.ts', "import { listRuns } from '../runs/index.ts';\nimport { htmlPage } from '../render/index.ts';\nconst c = await import('../pipeline/compare.ts');"))).toEqual([]);
    // …but never trains or evaluates itself, and nothing below it may depend on it.
    expect(breaks(edgesOf('ui/server.ts', "import { trainModel } from '../train/index.ts';"))).toEqual([expect.stringContaining('src/ui/ imports only')]);
    expect(breaks(edgesOf('pipeline/run.ts', "import { startUiServer } from '../ui/server.ts';"))).toEqual([expect.stringContaining('the pipeline never imports src/ui/')]);
    expect(breaks(edgesOf('runs/list.ts', "import { x } from '../ui/scan.ts';"))).toHaveLength(1);
  });

  it('finds a cycle that goes through a lazy import() (the old cli/main → commands → run → main)', () => {
    const cyclic = [
      ...edgesOf('cli/main.ts', "import { commands } from './commands.ts';"),
      ...edgesOf('cli/commands.ts', "const load = () => import('./run.ts');"),
      ...edgesOf('cli/run.ts', "import { internalErrorReport } from './main.ts';"),
    ];
    expect(importCycles(cyclic).map((c) => c.join(' → '))).toEqual(['cli/commands.ts → cli/run.ts → cli/main.ts → cli/commands.ts']);
  });
});
