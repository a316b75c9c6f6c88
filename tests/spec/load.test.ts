import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { UserError, type Issue } from '../../src/shared/errors.ts';
import { loadSpec, type LoadSpecOptions } from '../../src/spec/index.ts';
import { lines, removeFixtures, writeFixtures } from './fixtures.ts';

let dir: string;
let counter = 0;

beforeAll(() => {
  dir = writeFixtures({ 'data/train-images': 'x', 'data/train-labels': 'x', 'data/test-images': 'x', 'data/test-labels': 'x' });
});
afterAll(() => removeFixtures(dir));

/** Writes `text` as a fresh spec file and returns its path. */
function specFile(text: string, name = `spec-${++counter}.yaml`): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

function load(text: string, opts?: LoadSpecOptions, name?: string) {
  return loadSpec(specFile(text, name), opts);
}

/** The issues a spec is rejected with (fails the test when it loads). */
function problems(text: string, opts?: LoadSpecOptions, name?: string): Issue[] {
  try {
    load(text, opts, name);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as UserError).issues;
  }
  throw new Error('expected the spec to be rejected');
}

describe('valid specs', () => {
  const valid: Array<{ name: string; text: string; check?: (spec: ReturnType<typeof load>['spec']) => void }> = [
    {
      name: 'an empty file takes every default',
      text: '',
      check: (spec) => {
        expect(spec.model).toEqual({ kind: 'deep', latent: 2, encoder: [500, 300], decoder: 'mirror', activation: 'relu', output_activation: 'sigmoid', dropout: 0, batch_norm: false, tied: false });
        expect(spec.data).toEqual({ source: 'mnist', digits: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], validation: 5000 });
        expect(spec.train.early_stopping).toEqual({ patience: 0, min_delta: 0 });
        expect(spec.seed).toBe(42);
        expect(spec.sweep).toBeUndefined();
      },
    },
    {
      name: "the lecture's setup",
      text: lines('data:', '  digits: [1, 5, 6]', 'model:', '  encoder: [500, 300]', '  latent: 2'),
      check: (spec) => expect(spec.data.digits).toEqual([1, 5, 6]),
    },
    {
      name: 'pca with a latent size',
      text: lines('model:', '  kind: pca', '  latent: 10'),
      check: (spec) => expect(spec.model.kind).toBe('pca'),
    },
    {
      name: 'linear with a linear output',
      text: lines('model: {kind: linear, output_activation: linear}'),
      check: (spec) => expect(spec.model.output_activation).toBe('linear'),
    },
    {
      name: "linear without output_activation is linear end to end (the lecture's f and g linear)",
      text: lines('model: {kind: linear}'),
      check: (spec) => expect(spec.model.output_activation).toBe('linear'),
    },
    {
      name: 'linear keeps a sigmoid output the spec asks for',
      text: lines('model: {kind: linear, output_activation: sigmoid}'),
      check: (spec) => expect(spec.model.output_activation).toBe('sigmoid'),
    },
    {
      name: 'a decoder list and an activation',
      text: lines('model:', '  encoder: [256, 64]', '  decoder: [32, 128]', '  activation: gelu'),
      check: (spec) => expect(spec.model.decoder).toEqual([32, 128]),
    },
    {
      name: 'gmm with components',
      text: lines('density:', '  kind: gmm', '  components: 3'),
      check: (spec) => expect(spec.density).toEqual({ kind: 'gmm', components: 3 }),
    },
    {
      name: 'idx files that exist',
      text: lines(
        'data:',
        '  source: idx',
        '  train_images: data/train-images',
        '  train_labels: data/train-labels',
        '  test_images: data/test-images',
        '  test_labels: data/test-labels',
      ),
      check: (spec) => expect(spec.data.train_images).toBe('data/train-images'),
    },
    {
      name: 'early stopping with a validation split',
      text: lines('train:', '  early_stopping: {patience: 3, min_delta: 0.0001}'),
      check: (spec) => expect(spec.train.early_stopping).toEqual({ patience: 3, min_delta: 0.0001 }),
    },
    {
      name: 'scientific notation and an explicit name',
      text: lines('name: lr-test_1', 'train:', '  learning_rate: 1e-3'),
      check: (spec) => {
        expect(spec.name).toBe('lr-test_1');
        expect(spec.train.learning_rate).toBe(0.001);
      },
    },
    {
      name: 'YAML anchors and aliases',
      text: lines('model:', '  encoder: &widths [64, 32]', '  decoder: *widths'),
      check: (spec) => expect(spec.model.decoder).toEqual([64, 32]),
    },
    {
      name: 'a sweep, with range defaults filled',
      text: lines('sweep:', '  grid:', '    model.latent: [2, 8]', '  random:', '    n: 4', '    train.learning_rate: {min: 0.0001, max: 0.01, log: true}'),
      check: (spec) => {
        expect(spec.sweep?.grid).toEqual({ 'model.latent': [2, 8] });
        expect(spec.sweep?.random?.['train.learning_rate']).toEqual({ min: 0.0001, max: 0.01, log: true, integer: false });
      },
    },
  ];

  it.each(valid)('$name', ({ text, check }) => {
    const loaded = load(text);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.hash).toMatch(/^[0-9a-f]{64}$/);
    check?.(loaded.spec);
  });

  it('takes the name from the file stem, and keys in schema order', () => {
    const loaded = load('seed: 7\nmodel: {latent: 3}\n', undefined, 'my_exp-2.yaml');
    expect(loaded.spec.name).toBe('my_exp-2');
    expect(Object.keys(loaded.spec)).toEqual(['name', 'seed', 'data', 'model', 'train', 'density', 'outputs', 'evaluate']);
    expect(loaded.file).toBe(path.join(dir, 'my_exp-2.yaml'));
    expect(loaded.dir).toBe(dir);
    expect(loaded.text).toBe('seed: 7\nmodel: {latent: 3}\n');
  });
});

describe('invalid specs: every problem with its path, line and a fix', () => {
  interface Case {
    name: string;
    text: string;
    expected: Array<{ path: string; line: number; message: RegExp }>;
    specName?: string;
  }
  const invalid: Case[] = [
    {
      name: 'a misspelt top-level key',
      text: lines('seed: 1', 'modle:', '  latent: 3'),
      expected: [{ path: 'modle', line: 2, message: /unknown key `modle`; did you mean `model`\?/ }],
    },
    {
      name: 'a negative latent and a text width, both at once',
      text: lines('model:', '  latent: -2', '  encoder: [500, "x"]'),
      expected: [
        { path: 'model.latent', line: 2, message: /must be an integer ≥ 1, got -2/ },
        { path: 'model.encoder[1]', line: 3, message: /must be an integer ≥ 1 or a mapping .*, got "x"/ },
      ],
    },
    {
      name: 'a kind in the wrong case',
      text: lines('model:', '  kind: PCA'),
      expected: [{ path: 'model.kind', line: 2, message: /must be one of pca, linear, deep, got "PCA"; did you mean `pca`\?/ }],
    },
    {
      name: 'a digit listed twice',
      text: lines('data:', '  digits: [1, 5, 1]'),
      expected: [{ path: 'data.digits[2]', line: 2, message: /digit 1 is listed twice/ }],
    },
    {
      name: 'a digit out of range',
      text: lines('data:', '  digits:', '    - 1', '    - 10'),
      expected: [{ path: 'data.digits[1]', line: 4, message: /integer from 0 to 9, got 10/ }],
    },
    {
      name: 'no digits',
      text: lines('data:', '  digits: []'),
      expected: [{ path: 'data.digits', line: 2, message: /must not be an empty list/ }],
    },
    {
      name: 'a negative validation split',
      text: lines('data: {validation: -1}'),
      expected: [{ path: 'data.validation', line: 1, message: /integer ≥ 0, got -1/ }],
    },
    {
      name: 'holding out every MNIST training image',
      text: lines('data:', '  validation: 60000'),
      expected: [{ path: 'data.validation', line: 2, message: /leaving none to train on/ }],
    },
    {
      name: 'idx without its files',
      text: lines('data:', '  source: idx'),
      expected: [{ path: 'data', line: 2, message: /add train_images, train_labels, test_images and test_labels/ }],
    },
    {
      name: 'npy with files that do not exist and one missing',
      text: lines('data:', '  source: npy', '  train_images: nope.npy', '  train_labels: data/train-labels', '  test_images: data/test-images'),
      expected: [
        { path: 'data', line: 2, message: /also needs test_labels/ },
        { path: 'data.train_images', line: 3, message: /file not found: .*nope\.npy/ },
      ],
    },
    {
      name: 'early stopping without a validation split',
      text: lines('data:', '  validation: 0', 'train:', '  early_stopping:', '    patience: 3'),
      expected: [{ path: 'train.early_stopping.patience', line: 5, message: /data\.validation is 0/ }],
    },
    {
      name: 'a zero learning rate',
      text: lines('train:', '  learning_rate: 0'),
      expected: [{ path: 'train.learning_rate', line: 2, message: /must be a number > 0, got 0/ }],
    },
    {
      name: 'a quoted number',
      text: lines('train:', '  learning_rate: "0.01"'),
      expected: [{ path: 'train.learning_rate', line: 2, message: /the quotes make it text; remove them/ }],
    },
    {
      name: 'a fractional batch size',
      text: lines('train:', '  batch_size: 2.5'),
      expected: [{ path: 'train.batch_size', line: 2, message: /must be an integer ≥ 1, got 2.5/ }],
    },
    {
      name: 'a misspelt decoder keyword',
      text: lines('model:', '  decoder: mirorr'),
      expected: [{ path: 'model.decoder', line: 2, message: /`mirror` or a list of integers ≥ 1, got "mirorr"; did you mean `mirror`\?/ }],
    },
    {
      name: 'a bad decoder width (the list branch is reported, not the keyword)',
      text: lines('model:', '  decoder: [300, -1]'),
      expected: [{ path: 'model.decoder[1]', line: 2, message: /must be an integer ≥ 1, got -1/ }],
    },
    {
      name: 'a name that is not a folder name',
      text: lines('name: My Exp'),
      expected: [{ path: 'name', line: 1, message: /lowercase letters, digits, '-' and '_' only, got "My Exp"/ }],
    },
    {
      name: 'a file stem that cannot be a name',
      text: lines('seed: 1'),
      specName: 'My Spec.yaml',
      expected: [{ path: 'name', line: 1, message: /add a `name:` key such as `name: my-spec`/ }],
    },
    {
      name: 'a key at the wrong level',
      text: lines('latent: 2'),
      expected: [{ path: 'latent', line: 1, message: /belongs under `model` \(model\.latent\)/ }],
    },
    {
      name: 'a misspelt nested key',
      text: lines('train:', '  early_stopping:', '    patients: 3'),
      expected: [{ path: 'train.early_stopping.patients', line: 3, message: /did you mean `patience`\?/ }],
    },
    {
      name: 'an unknown key with nothing close',
      text: lines('outputs:', '  zebra: 1'),
      expected: [{ path: 'outputs.zebra', line: 2, message: /allowed keys here: reconstructions, latent_points/ }],
    },
    {
      name: 'an empty section',
      text: lines('seed: 3', 'model:'),
      expected: [{ path: 'model', line: 2, message: /must be a mapping .*, got an empty value/ }],
    },
    {
      name: 'more PCA components than pixels',
      text: lines('model:', '  kind: pca', '  latent: 1000'),
      expected: [{ path: 'model.latent', line: 3, message: /at most 784 components, got 1000/ }],
    },
    {
      name: 'too many samples',
      text: lines('outputs:', '  samples: 1000'),
      expected: [{ path: 'outputs.samples', line: 2, message: /integer from 0 to 400, got 1000/ }],
    },
    {
      name: 'a random sweep without n, and a bad range key',
      text: lines('sweep:', '  random:', '    model.latent: {min: 1, maxx: 8}'),
      expected: [
        { path: 'sweep.random.n', line: 2, message: /is required/ },
        { path: 'sweep.random["model.latent"].max', line: 3, message: /is required/ },
        { path: 'sweep.random["model.latent"].maxx', line: 3, message: /did you mean `max`\?/ },
      ],
    },
    {
      name: 'a sweep key that is not a dotted path',
      text: lines('sweep:', '  grid:', '    Model.Latent: [2, 8]'),
      expected: [{ path: 'sweep.grid["Model.Latent"]', line: 3, message: /not a dotted key/ }],
    },
    {
      name: 'sweep values checked where they are written: a typo in a key, a value out of range',
      text: lines('sweep:', '  grid:', '    model.latnt: [2, 4]', '    model.latent: [0, 2]', '    model.kind: [pca, dep]'),
      expected: [
        { path: 'sweep.grid["model.latnt"]', line: 3, message: /^model\.latnt: unknown key `latnt`; did you mean `latent`\?$/ },
        { path: 'sweep.grid["model.latent"][0]', line: 4, message: /^model\.latent must be an integer ≥ 1, got 0 \(in every trial with latent=0\)$/ },
        { path: 'sweep.grid["model.kind"][1]', line: 5, message: /^model\.kind must be one of pca, linear, deep, got "dep"; did you mean `deep`\?/ },
      ],
    },
    {
      name: 'random sweep values: list entries, range ends, fractions for a whole-number key',
      text: lines(
        'sweep:',
        '  random:',
        '    n: 3',
        '    train.optimizer: [adam, sgdd]',
        '    train.learning_rate: {min: 0, max: 0.1}',
        '    model.latent: {min: 2, max: 16}',
      ),
      expected: [
        { path: 'sweep.random["train.optimizer"][1]', line: 4, message: /^train\.optimizer must be one of adam, adamw, sgd, rmsprop, got "sgdd".*\(in the trials that draw optimizer=sgdd\)$/ },
        { path: 'sweep.random["train.learning_rate"].min', line: 5, message: /^train\.learning_rate must be a number > 0, got 0 \(the range's min\)$/ },
        { path: 'sweep.random["model.latent"]', line: 6, message: /takes whole numbers.*add `integer: true`/ },
      ],
    },
    {
      name: 'extends pointing nowhere',
      text: lines('extends: missing.yaml', 'seed: 1'),
      expected: [{ path: 'extends', line: 1, message: /cannot read "missing\.yaml" .*no such file/ }],
    },
  ];

  it.each(invalid)('$name', ({ text, expected, specName }) => {
    const issues = problems(text, undefined, specName);
    const got = issues.map((i) => ({ path: i.path, line: i.line }));
    expect(got).toEqual(expected.map((e) => ({ path: e.path, line: e.line })));
    issues.forEach((issue, index) => {
      expect(issue.message).toMatch(expected[index]!.message);
      expect(issue.file).toMatch(/\.yaml$/);
      expect(issue.col).toBeGreaterThanOrEqual(1);
    });
  });

  it('reports every problem of a file in one error, sorted by line', () => {
    const issues = problems(
      lines('modle: {}', 'model:', '  latent: -2', '  kind: PCA', 'data:', '  digits: [1, 1]', 'train:', '  epochs: 0'),
    );
    expect(issues.map((i) => i.path)).toEqual(['modle', 'model.latent', 'model.kind', 'data.digits[1]', 'train.epochs']);
    expect(issues.map((i) => i.line)).toEqual([1, 3, 4, 6, 8]);
  });

  it('points at the column of the offending node', () => {
    const [issue] = problems(lines('model:', '  encoder: [500, "x"]'));
    expect(issue).toMatchObject({ line: 2, col: 18, path: 'model.encoder[1]' });
  });
});

describe('YAML syntax and shape', () => {
  const cases: Array<{ name: string; text: string; line: number; message: RegExp }> = [
    // Reported where the bracket opens (the line to fix), not where YAML noticed (the next key).
    { name: 'an unclosed list', text: lines('seed: 1', 'model:', '  encoder: [500, 300', 'data: {}'), line: 3, message: /YAML syntax error: the list opened here with `\[` is not closed with `\]`/ },
    { name: 'an unclosed mapping', text: lines('model: {kind: pca, latent: [2]', 'seed: 1'), line: 1, message: /the mapping opened here with `\{` is not closed with `\}`/ },
    { name: 'a duplicate key', text: lines('seed: 1', 'seed: 2'), line: 2, message: /keep only one/ },
    { name: 'tab indentation', text: 'model:\n\tlatent: 2\n', line: 2, message: /spaces, not tabs/ },
    { name: 'a list instead of a mapping', text: lines('- 1', '- 2'), line: 1, message: /must be a mapping of keys/ },
    { name: 'two documents', text: lines('seed: 1', '---', 'seed: 2'), line: 2, message: /single YAML document/ },
  ];
  it.each(cases)('$name', ({ text, line, message }) => {
    const issues = problems(text);
    expect(issues.length).toBeGreaterThanOrEqual(1);
    // The YAML library's advice to programmers (e.g. "use YAML.parseAllDocuments()") is no help here.
    expect(issues.map((i) => i.message).join('\n')).not.toMatch(/YAML\.\w+\(|please use/);
    expect(issues[0]!.line).toBe(line);
    expect(issues[0]!.col).toBeGreaterThanOrEqual(1);
    expect(issues.map((i) => i.message).join('\n')).toMatch(message);
  });

  it('a missing file is a user error naming it', () => {
    expect(() => loadSpec(path.join(dir, 'absent.yaml'))).toThrow(/absent\.yaml.*cannot read the spec: no such file/);
  });
});

describe('warnings for keys the chosen kind ignores', () => {
  const cases: Array<{ name: string; text: string; expected: Array<{ path: string; line: number; message: RegExp }> }> = [
    {
      name: 'pca with an encoder and a train block',
      text: lines('model:', '  kind: pca', '  encoder: [500, 300]', 'train:', '  epochs: 5'),
      expected: [
        { path: 'model.encoder', line: 3, message: /^ignored: model\.kind is pca/ },
        { path: 'train', line: 4, message: /^ignored: model\.kind is pca/ },
      ],
    },
    {
      name: 'linear with an activation',
      text: lines('model:', '  kind: linear', '  activation: tanh'),
      expected: [{ path: 'model.activation', line: 3, message: /^ignored: model\.kind is linear/ }],
    },
    {
      name: 'components without gmm',
      text: lines('density:', '  components: 4'),
      expected: [{ path: 'density.components', line: 2, message: /only density\.kind gmm has components/ }],
    },
    {
      name: 'data paths with the bundled MNIST',
      text: lines('data:', '  train_images: x.idx'),
      expected: [{ path: 'data.train_images', line: 2, message: /data\.source is mnist/ }],
    },
    {
      name: 'the input width written into the encoder, the code width into the decoder',
      text: lines('model:', '  encoder: [784, 300]', '  decoder: [2, 300]'),
      expected: [
        { path: 'model.encoder[0]', line: 2, message: /input layer is implicit/ },
        { path: 'model.decoder[0]', line: 3, message: /equals model\.latent/ },
      ],
    },
    {
      name: 'min_delta while early stopping is off',
      text: lines('train:', '  early_stopping: {min_delta: 0.01}'),
      expected: [{ path: 'train.early_stopping.min_delta', line: 2, message: /has no effect while/ }],
    },
  ];
  it.each(cases)('$name', ({ text, expected }) => {
    const { warnings } = load(text);
    expect(warnings.map((w) => ({ path: w.path, line: w.line }))).toEqual(expected.map((e) => ({ path: e.path, line: e.line })));
    warnings.forEach((w, i) => {
      expect(w.message).toMatch(expected[i]!.message);
      expect(w.message).not.toContain('\n');
    });
  });

  it('warns only about keys the user wrote, never about defaults', () => {
    expect(load(lines('model: {kind: pca}')).warnings).toEqual([]);
    expect(load(lines('model: {kind: linear}')).warnings).toEqual([]);
  });
});

describe('extends', () => {
  it('merges mappings key by key and replaces lists; the base keeps its own lines', () => {
    const base = specFile(lines('seed: 9', 'data:', '  digits: [1, 5, 6]', '  validation: 100', 'model:', '  encoder: [64, 32, 16]', '  latent: 4'), 'base-merge.yaml');
    const loaded = load(lines(`extends: ${path.basename(base)}`, 'model:', '  encoder: [128]', 'data:', '  validation: 0'));
    expect(loaded.spec.seed).toBe(9);
    expect(loaded.spec.data).toMatchObject({ digits: [1, 5, 6], validation: 0 });
    expect(loaded.spec.model).toMatchObject({ encoder: [128], latent: 4 });
    expect(loaded.spec.extends).toBeUndefined();
    expect(loaded.extendsChain).toEqual([loaded.file, base]);
  });

  it('reports an error in the extended file with that file and its line', () => {
    specFile(lines('seed: 1', 'model:', '  latent: 0'), 'base-bad.yaml');
    const issues = problems(lines('extends: base-bad.yaml', 'model:', '  encoder: [8, "y"]'));
    expect(issues.map((i) => [path.basename(i.file ?? ''), i.line, i.path])).toEqual([
      [expect.stringMatching(/^spec-\d+\.yaml$/), 3, 'model.encoder[1]'],
      ['base-bad.yaml', 3, 'model.latent'],
    ]);
  });

  it('reports a syntax error in the extended file', () => {
    specFile(lines('model: [1,'), 'base-syntax.yaml');
    const issues = problems(lines('extends: base-syntax.yaml'));
    expect(path.basename(issues[0]!.file ?? '')).toBe('base-syntax.yaml');
    expect(issues[0]!.message).toMatch(/YAML syntax error/);
  });

  it('detects a cycle and shows the chain', () => {
    specFile(lines('extends: cycle-b.yaml'), 'cycle-a.yaml');
    specFile(lines('seed: 1', 'extends: cycle-a.yaml'), 'cycle-b.yaml');
    const issues = problems(lines('extends: cycle-a.yaml'), undefined, 'cycle-start.yaml');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'extends', line: 2, col: 10 });
    expect(path.basename(issues[0]!.file ?? '')).toBe('cycle-b.yaml');
    expect(issues[0]!.message).toMatch(/makes a cycle: .*cycle-a\.yaml → .*cycle-b\.yaml → .*cycle-a\.yaml/);
  });

  it('detects a file extending itself', () => {
    const issues = problems(lines('extends: self.yaml'), undefined, 'self.yaml');
    expect(issues[0]!.message).toMatch(/makes a cycle: .*self\.yaml → .*self\.yaml/);
  });

  it('never inherits the name, and re-anchors data paths to the extending file', () => {
    specFile(
      lines(
        'name: the-base',
        'data:',
        '  source: idx',
        '  train_images: train-images',
        '  train_labels: train-labels',
        '  test_images: test-images',
        '  test_labels: test-labels',
      ),
      'data/base-paths.yaml',
    );
    const loaded = load(lines('extends: data/base-paths.yaml'), undefined, 'child-paths.yaml');
    expect(loaded.spec.name).toBe('child-paths');
    expect(loaded.spec.data.train_images).toBe(path.join('data', 'train-images'));
    expect(fs.existsSync(path.resolve(loaded.dir, loaded.spec.data.test_labels!))).toBe(true);
  });

  it('follows a chain of three files', () => {
    specFile(lines('seed: 1', 'model: {latent: 3}'), 'chain-c.yaml');
    specFile(lines('extends: chain-c.yaml', 'seed: 2'), 'chain-b.yaml');
    const loaded = load(lines('extends: chain-b.yaml', 'model: {kind: linear}'));
    expect(loaded.spec.seed).toBe(2);
    expect(loaded.spec.model).toMatchObject({ kind: 'linear', latent: 3 });
    expect(loaded.extendsChain.map((f) => path.basename(f))).toEqual([expect.any(String), 'chain-b.yaml', 'chain-c.yaml']);
  });

  it('rejects an extends that is not a path', () => {
    const issues = problems(lines('extends: [a.yaml]'));
    expect(issues[0]).toMatchObject({ path: 'extends', line: 1 });
    expect(issues[0]!.message).toMatch(/must be the path of another spec file/);
  });
});

describe('overrides', () => {
  it('apply after extends and before defaults', () => {
    specFile(lines('model: {latent: 4}', 'train: {epochs: 3}'), 'base-ov.yaml');
    const loaded = load(lines('extends: base-ov.yaml', 'model: {latent: 5}'), {
      overrides: { 'model.latent': 8, 'train.early_stopping.patience': 2, 'model.encoder[0]': 100 },
    });
    expect(loaded.spec.model.latent).toBe(8);
    expect(loaded.spec.train).toMatchObject({ epochs: 3, early_stopping: { patience: 2, min_delta: 0 } });
    // An index into a list the spec leaves at its default edits the default list.
    expect(loaded.spec.model.encoder).toEqual([100, 300]);
    expect(loaded.overrides).toEqual({ 'model.latent': 8, 'train.early_stopping.patience': 2, 'model.encoder[0]': 100 });
  });

  it('report problems against --set with the dotted path', () => {
    const issues = problems(lines('seed: 1'), { overrides: { 'model.latent': -1, 'modle.latent': 3, 'model.kind.x': 1 } });
    expect(issues.map((i) => [i.file, i.path])).toEqual(
      expect.arrayContaining([
        ['--set', 'model.latent'],
        ['--set', 'modle'],
        ['--set', 'model.kind.x'],
      ]),
    );
    expect(issues.find((i) => i.path === 'modle')!.message).toMatch(/did you mean `model`\?/);
    expect(issues.find((i) => i.path === 'model.latent')!.message).toMatch(/integer ≥ 1, got -1/);
  });

  it('address a sweep entry by its dotted key: sweep.grid.model.latent, sweep.random.train.learning_rate.max', () => {
    const text = lines('sweep:', '  grid:', '    model.latent: [2, 8]', '  random:', '    n: 2', '    train.learning_rate: {min: 0.001, max: 0.01}');
    const loaded = load(text, { overrides: { 'sweep.grid.model.latent': [4, 16], 'sweep.grid.model.kind': ['pca', 'deep'], 'sweep.random.train.learning_rate.max': 0.1 } });
    expect(loaded.spec.sweep?.grid).toEqual({ 'model.latent': [4, 16], 'model.kind': ['pca', 'deep'] });
    expect(loaded.spec.sweep?.random?.['train.learning_rate']).toMatchObject({ min: 0.001, max: 0.1 });
    expect(loaded.spec.sweep?.random?.n).toBe(2);
    // On a spec without a sweep, the first grid key creates it.
    expect(load(lines('seed: 1'), { overrides: { 'sweep.grid.model.latent': [2, 3] } }).spec.sweep?.grid).toEqual({ 'model.latent': [2, 3] });
  });

  it('use the given source name (sweep trials)', () => {
    const issues = problems(lines('seed: 1'), { overrides: { 'train.epochs': 0 }, overridesSource: 'sweep trial 3' });
    expect(issues[0]).toMatchObject({ file: 'sweep trial 3', path: 'train.epochs' });
  });

  it('dropSweep removes the sweep block', () => {
    const text = lines('sweep:', '  grid:', '    model.latent: [2, 8]');
    expect(load(text).spec.sweep).toBeDefined();
    const trial = load(text, { overrides: { 'model.latent': 8 }, dropSweep: true });
    expect(trial.spec.sweep).toBeUndefined();
    expect(trial.spec.model.latent).toBe(8);
  });

  it('a sweep over model.kind works from one spec: the pca trial only warns', () => {
    const text = lines('model:', '  encoder: [64]', 'sweep:', '  grid:', '    model.kind: [pca, deep]');
    const trial = load(text, { overrides: { 'model.kind': 'pca' }, dropSweep: true });
    expect(trial.warnings.map((w) => w.path)).toEqual(['model.encoder']);
  });
});
