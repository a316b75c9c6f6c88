// The kind registries against the schema, the descriptors' consistency, and the promise that the
// kind layer (and the stages that read it for metadata) never load tfjs.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

import { PROJECT_ROOT } from '../../scripts/generate-from-schema.ts';
import { densityKind, densityKindRegistry, densityKinds } from '../../src/kinds/density/registry.ts';
import { compareModelKinds, modelKind, modelKindRegistry, modelKinds } from '../../src/kinds/model/registry.ts';
import { keysIgnoredByDensityKind, keysIgnoredByModelKind, keysIgnoredBySpec } from '../../src/kinds/spec-keys.ts';
import { UserError } from '../../src/shared/errors.ts';
import { experimentSchema, schemaAtPath } from '../../src/spec/schema.ts';

const schemaEnum = (block: 'model' | 'density'): string[] => schemaAtPath([block, 'kind'])!.enum as string[];

describe('model kind registry', () => {
  it('has a descriptor for every kind of the schema enum, and no other', () => {
    expect([...Object.keys(modelKindRegistry)].sort()).toEqual([...schemaEnum('model')].sort());
    expect([...modelKinds].sort()).toEqual([...schemaEnum('model')].sort());
  });

  it('files every descriptor under its own kind, with distinct orders, and lists kinds in that order', () => {
    for (const [key, d] of Object.entries(modelKindRegistry)) expect(d.kind).toBe(key);
    const orders = Object.values(modelKindRegistry).map((d) => d.order);
    expect(new Set(orders).size).toBe(orders.length);
    expect(modelKinds.map((k) => modelKindRegistry[k].order)).toEqual([...orders].sort((a, b) => a - b));
    expect(modelKinds.slice(0, 3)).toEqual(['pca', 'linear', 'deep']);
    expect(['deep', 'zz-unknown', 'pca', 'linear', 'aa-unknown'].sort(compareModelKinds)).toEqual(['pca', 'linear', 'deep', 'aa-unknown', 'zz-unknown']);
  });

  it('lists only spec keys the schema has, uses train exactly when trainable, and has an objective then', () => {
    for (const d of Object.values(modelKindRegistry)) {
      for (const key of d.uses) expect(schemaAtPath(key.split('.')), `${d.kind} uses ${key}`).toBeDefined();
      expect(d.uses.includes('train'), d.kind).toBe(d.trainable);
      if (d.trainable) expect(typeof d.objective.loss).toBe('function');
      // Kind defaults name keys the kind uses, with values the schema allows.
      for (const [key, value] of Object.entries(d.defaults ?? {})) {
        expect(d.uses).toContain(`model.${key}`);
        const slot = schemaAtPath(['model', key])!;
        if (slot.enum) expect(slot.enum).toContain(value);
      }
      expect(d.label.length).toBeGreaterThan(0);
    }
  });

  it('fails a lookup of an unknown kind with a UserError listing the valid kinds', () => {
    expect(modelKind('deep')).toBe(modelKindRegistry.deep);
    expect(() => modelKind('banana')).toThrow(UserError);
    expect(() => modelKind('banana')).toThrow(new RegExp(`model\\.kind.*unknown model kind 'banana'; valid kinds: ${modelKinds.join(', ')}$`));
    expect(() => modelKind('toString')).toThrow(/unknown model kind/);
  });
});

describe('density kind registry', () => {
  it('has a descriptor for every kind of the schema enum, and no other', () => {
    expect([...Object.keys(densityKindRegistry)].sort()).toEqual([...schemaEnum('density')].sort());
    expect(densityKinds.slice(0, 3)).toEqual(['gaussian-diag', 'gaussian-full', 'gmm']);
    for (const [key, d] of Object.entries(densityKindRegistry)) {
      expect(d.kind).toBe(key);
      for (const k of d.uses) expect(schemaAtPath(k.split('.')), `${d.kind} uses ${k}`).toBeDefined();
    }
  });

  it('fails a lookup of an unknown kind with a UserError listing the valid kinds', () => {
    expect(densityKind('gmm')).toBe(densityKindRegistry.gmm);
    expect(() => densityKind('banana')).toThrow(new RegExp(`density\\.kind.*unknown density kind "banana"; valid kinds: ${densityKinds.join(', ')}$`));
  });

  it('names each fitted density for the report', () => {
    const spec = { kind: 'gmm', components: 7 } as const;
    expect(densityKindRegistry.gmm.describe(spec)).toBe('Gaussian mixture with 7 components');
    expect(densityKindRegistry['gaussian-diag'].describe({ ...spec, kind: 'gaussian-diag' })).toBe('diagonal Gaussian N(m̂, Δ̂)');
  });
});

describe('keys a kind ignores', () => {
  it('derives them from what the other kinds use', () => {
    // (Containment, not equality: a kind added later brings keys that these kinds also ignore.)
    expect(keysIgnoredByModelKind('pca')).toEqual(expect.arrayContaining(['model.activation', 'model.decoder', 'model.encoder', 'model.output_activation', 'train']));
    expect(keysIgnoredByModelKind('linear')).toEqual(expect.arrayContaining(['model.activation', 'model.decoder', 'model.encoder']));
    for (const kind of modelKinds) {
      const ignored = keysIgnoredByModelKind(kind);
      for (const used of modelKindRegistry[kind].uses) expect(ignored).not.toContain(used);
      for (const other of modelKinds) for (const key of modelKindRegistry[other].uses) if (!modelKindRegistry[kind].uses.includes(key)) expect(ignored).toContain(key);
    }
    expect(keysIgnoredByDensityKind('gaussian-full')).toContain('density.components');
    expect(keysIgnoredByDensityKind('gmm')).not.toContain('density.components');
    expect(keysIgnoredBySpec({ model: { kind: 'linear' }, density: { kind: 'gaussian-diag' } })).toEqual(
      expect.arrayContaining(['density.components', 'model.activation', 'model.decoder', 'model.encoder']),
    );
    expect(keysIgnoredBySpec({ model: { kind: 'linear' }, density: { kind: 'gaussian-diag' } })).not.toContain('model.output_activation');
    // Unknown kinds (a run written by another version) ignore nothing rather than guess.
    expect(keysIgnoredBySpec({ model: { kind: 'banana' }, density: 'x' })).toEqual([]);
  });

  it('never ignores keys every kind shares', () => {
    const common = ['model.kind', 'model.latent', 'density.kind', 'data', 'outputs', 'seed'];
    for (const kind of modelKinds) for (const key of common) expect(keysIgnoredByModelKind(kind)).not.toContain(key);
    expect(Object.keys(experimentSchema().properties ?? {})).toEqual(expect.arrayContaining(['model', 'train', 'density']));
  });
});

describe('the kind layer is tfjs-free', () => {
  it('importing the registries, spec/, render/ and compare/ does not load tfjs; building a model does', () => {
    // tfjs-core keeps its engine on the global object from the moment it is loaded.
    const script = `
      import { register } from 'tsx/esm/api';
      register();
      const loaded = () => globalThis._tfengine !== undefined;
      const out = {};
      for (const m of ['src/kinds/model/registry.ts', 'src/kinds/density/registry.ts', 'src/kinds/spec-keys.ts', 'src/spec/index.ts', 'src/render/index.ts', 'src/compare/index.ts']) {
        await import('./' + m);
        out[m] = loaded();
      }
      const { modelKindRegistry } = await import('./src/kinds/model/registry.ts');
      const { densityKindRegistry } = await import('./src/kinds/density/registry.ts');
      const { fitDensity } = await import('./src/kinds/density/registry.ts');
      fitDensity('gmm', Float32Array.from([0, 0, 1, 1, 2, 0, 0, 3]), 4, 2, { components: 2, seed: 1 }).sample(3, 1);
      out.afterDensityFit = loaded();
      const model = await modelKindRegistry.pca.build(
        { kind: 'pca', latent: 1, encoder: [], decoder: 'mirror', activation: 'relu', output_activation: 'linear' },
        { inputDim: 2, seed: 1, train: { images: Float32Array.from([0, 1, 1, 0, 2, 2]), count: 3 } },
      );
      out.afterBuild = loaded() && model.latent === 1 && Object.keys(densityKindRegistry).length > 0;
      console.log(JSON.stringify(out));
    `;
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, boolean>;
    expect(out).toEqual({
      'src/kinds/model/registry.ts': false,
      'src/kinds/density/registry.ts': false,
      'src/kinds/spec-keys.ts': false,
      'src/spec/index.ts': false,
      'src/render/index.ts': false,
      'src/compare/index.ts': false,
      afterDensityFit: false,
      afterBuild: true,
    });
  });
});
