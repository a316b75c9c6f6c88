import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { UserError } from '../../src/shared/errors.ts';
import { canonicalJson } from '../../src/shared/canonical-json.ts';
import { formatPath, loadSpec, parseDottedPath, parseSetArgs, specHash, specToYaml } from '../../src/spec/index.ts';
import { lines, removeFixtures, writeFixtures } from './fixtures.ts';

let dir: string;
let counter = 0;
beforeAll(() => {
  dir = writeFixtures({});
});
afterAll(() => removeFixtures(dir));

function load(text: string, name = `h-${++counter}.yaml`, overrides?: Record<string, unknown>) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return loadSpec(file, { overrides });
}

describe('specHash', () => {
  it('is the same for the same science, however it is written', () => {
    const a = load(lines('name: same', 'model: {latent: 3, kind: deep}', 'data: {digits: [1, 5]}'));
    const b = load(
      lines('# a comment', 'name: same', 'description: other words', 'data:', '  digits: [1, 5]', 'model:', '  kind: deep', '  latent: 3', 'sweep:', '  grid: {model.latent: [3]}'),
    );
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.hash).toBe(a.hash);
    expect(specHash(b.spec)).toBe(b.hash);
  });

  it('changes with anything that changes results', () => {
    const base = load(lines('name: h', 'model: {latent: 3}'));
    const changes = [{ 'model.latent': 4 }, { seed: 1 }, { 'data.validation': 10 }, { 'train.epochs': 2 }, { 'outputs.samples': 0 }, { name: 'other' }];
    for (const change of changes) {
      expect(load(lines('name: h', 'model: {latent: 3}'), undefined, change).hash, JSON.stringify(change)).not.toBe(base.hash);
    }
  });

  it('ignores keys the chosen kinds ignore', () => {
    const pca = load(lines('name: p', 'model: {kind: pca}'));
    expect(load(lines('name: p', 'model: {kind: pca, encoder: [8]}', 'train: {epochs: 99}')).hash).toBe(pca.hash);
    const diag = load(lines('name: d', 'density: {kind: gaussian-diag}'));
    expect(load(lines('name: d', 'density: {kind: gaussian-diag, components: 9}')).hash).toBe(diag.hash);
    const gmm = load(lines('name: g', 'density: {kind: gmm}'));
    expect(load(lines('name: g', 'density: {kind: gmm, components: 9}')).hash).not.toBe(gmm.hash);
  });

  it('equals the hash of the same spec written flat instead of through extends', () => {
    load(lines('model: {latent: 6}', 'data: {digits: [0, 1]}'), 'hash-base.yaml');
    const viaExtends = load(lines('name: x', 'extends: hash-base.yaml', 'train: {epochs: 3}'));
    const flat = load(lines('name: x', 'model: {latent: 6}', 'data: {digits: [0, 1]}', 'train: {epochs: 3}'));
    expect(viaExtends.hash).toBe(flat.hash);
  });

  it('canonical JSON sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
  });
});

describe('specToYaml', () => {
  it('writes the resolved spec so that loading it gives the same spec', () => {
    const loaded = load(lines('name: round', 'data: {digits: [1, 5, 6]}', 'model: {decoder: [300, 500]}', 'density: {kind: gmm, components: 3}'));
    const text = specToYaml(loaded.spec);
    expect(text).toContain('digits: [1, 5, 6]');
    const again = load(text);
    expect(again.spec).toEqual(loaded.spec);
    expect(again.hash).toBe(loaded.hash);
  });
});

describe('parseSetArgs', () => {
  it('parses dotted keys with YAML values', () => {
    expect(parseSetArgs(['model.latent=8', 'model.encoder=[64, 32]', 'model.kind=pca', 'description=a=b', 'model.encoder[0]=16', 'data.digits= [1,5]'])).toEqual({
      'model.latent': 8,
      'model.encoder': [64, 32],
      'model.kind': 'pca',
      description: 'a=b',
      'model.encoder[0]': 16,
      'data.digits': [1, 5],
    });
  });

  it('lets a later setting of the same key win', () => {
    expect(parseSetArgs(['seed=1', 'seed=2'])).toEqual({ seed: 2 });
  });

  it.each([
    ['model.latent', /expected key=value/],
    ['=3', /expected key=value/],
    ['model..latent=3', /not a dotted key/],
    ['model.latent=', /no value after `=`/],
    ['model.encoder=[1,', /not valid YAML/],
  ])('rejects %j, naming --set', (arg, message) => {
    let error: unknown;
    try {
      parseSetArgs([arg]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UserError);
    const issue = (error as UserError).issues[0]!;
    expect(issue.file).toBe('--set');
    expect(issue.message).toMatch(message);
    expect((error as UserError).message).toContain('--set');
  });

  it('feeds loadSpec', () => {
    const loaded = load(lines('seed: 1'), undefined, parseSetArgs(['model.latent=5', 'train.early_stopping.patience=2']));
    expect(loaded.spec.model.latent).toBe(5);
    expect(loaded.spec.train.early_stopping.patience).toBe(2);
  });
});

describe('formatPath', () => {
  it.each([
    [[], ''],
    [['model', 'encoder', 1], 'model.encoder[1]'],
    [['sweep', 'grid', 'model.latent'], 'sweep.grid["model.latent"]'],
    [['foo bar'], '["foo bar"]'],
  ] as Array<[Array<string | number>, string]>)('%j → %s', (segments, text) => {
    expect(formatPath(segments)).toBe(text);
  });

  it('parseDottedPath reads what --set and sweeps write', () => {
    expect(parseDottedPath('train.early_stopping.patience')).toEqual(['train', 'early_stopping', 'patience']);
    expect(parseDottedPath('model.encoder[0]')).toEqual(['model', 'encoder', 0]);
    expect(parseDottedPath('model..latent')).toBeUndefined();
    expect(parseDottedPath('')).toBeUndefined();
  });
});
