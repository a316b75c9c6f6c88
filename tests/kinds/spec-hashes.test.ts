// Pins what the kind descriptors decide about a spec — the hash (which keys count), the defaults,
// the warnings and the errors — for every experiments/*.yaml under every model and density kind.
// spec-hashes.json was recorded before the kind descriptors replaced the per-kind switches in
// spec/, so a descriptor that drops or adds a key shows up here. Re-record it only when a change
// of hash is intended (it splits run history: --reuse no longer finds earlier runs).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { PROJECT_ROOT } from '../../scripts/generate-from-schema.ts';
import { UserError } from '../../src/shared/errors.ts';
import { loadSpec } from '../../src/spec/index.ts';
import { CASES } from './spec-cases.ts';

interface Recorded {
  file: string;
  overrides: Record<string, unknown>;
  hash?: string;
  model?: object;
  density?: object;
  warnings?: string[];
  errors?: string[];
}

const recorded = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'spec-hashes.json'), 'utf8')) as Recorded[];

describe('spec hashes, kind defaults, warnings and errors of experiments/*.yaml', () => {
  it('covers every experiment file under every case', () => {
    const files = fs.readdirSync(path.join(PROJECT_ROOT, 'experiments')).filter((f) => f.endsWith('.yaml'));
    expect(recorded.length).toBe(files.length * CASES.length);
    expect(recorded.filter((r) => r.hash !== undefined).length).toBeGreaterThan(100);
  });

  it.each(recorded.map((r) => [`${r.file} ${JSON.stringify(r.overrides)}`, r] as const))('%s', (_name, r) => {
    let actual: Recorded;
    try {
      const l = loadSpec(path.join(PROJECT_ROOT, r.file), { overrides: r.overrides, dropSweep: true });
      actual = { ...r, hash: l.hash, model: l.spec.model, density: l.spec.density, warnings: l.warnings.map((w) => `${w.path}: ${w.message}`) };
      delete actual.errors;
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      actual = { file: r.file, overrides: r.overrides, errors: err.issues.map((i) => `${i.path}: ${i.message}`) };
    }
    // The model and density blocks only need to hold what was recorded: a key that a new kind adds
    // to the schema appears in every resolved spec but, unused by these kinds, not in their hashes.
    const { model, density, ...rest } = actual;
    const { model: recordedModel, density: recordedDensity, ...recordedRest } = r;
    expect(rest).toEqual(recordedRest);
    if (recordedModel !== undefined) expect(model).toMatchObject(recordedModel);
    if (recordedDensity !== undefined) expect(density).toMatchObject(recordedDensity);
  });
});
