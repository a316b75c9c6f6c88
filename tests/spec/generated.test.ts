import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import {
  PROJECT_ROOT,
  generateSpecDocs,
  generateSpecTypes,
  staleGeneratedFiles,
} from '../../scripts/generate-from-schema.ts';
import { experimentSchema } from '../../src/spec/index.ts';

describe('files generated from schemas/experiment.schema.json', () => {
  it('are up to date', () => {
    const stale = staleGeneratedFiles();
    expect(stale, `out of date with the schema: ${stale.join(', ')} — run \`npm run gen\``).toEqual([]);
  });

  it('notice a schema change (the drift check can fail)', () => {
    const changed = structuredClone(experimentSchema());
    changed.properties!.seed!.default = 7;
    expect(staleGeneratedFiles(PROJECT_ROOT, changed).sort()).toEqual(['docs/spec.md', 'src/shared/spec-types.ts']);
  });

  it('keep the exported type names other stages use', () => {
    const types = generateSpecTypes();
    for (const name of ['ResolvedSpec', 'DataSpec', 'ModelSpec', 'TrainSpec', 'EarlyStoppingSpec', 'DensitySpec', 'OutputsSpec', 'SweepSpec', 'SweepRange']) {
      expect(types).toContain(`export interface ${name} {`);
    }
    expect(types).toContain("export type ModelKind = ModelSpec['kind'];");
    expect(types).toContain("export type DensityKind = DensitySpec['kind'];");
    expect(types).toContain("kind: 'pca' | 'linear' | 'deep' | 'vae';");
    expect(types).toContain("decoder: 'mirror' | number[];");
    expect(types).toContain('random?: { n: number } & Record<string, unknown[] | SweepRange | number>;');
  });

  it('document every key of the schema with its default', () => {
    const docs = generateSpecDocs();
    const walk = (schema: ReturnType<typeof experimentSchema>, prefix: string) => {
      for (const [key, sub] of Object.entries(schema.properties ?? {})) {
        const dotted = prefix ? `${prefix}.${key}` : key;
        expect(docs).toContain(`| \`${dotted}\` |`);
        walk(sub, dotted);
      }
    };
    walk(experimentSchema(), '');
    expect(docs).toContain('| `model.latent` | integer ≥ 1 | `2` |');
    expect(docs).toContain('one of `pca`, `linear`, `deep`');
    expect(fs.readFileSync(path.join(PROJECT_ROOT, 'docs/spec.md'), 'utf8')).toBe(docs);
  });
});
