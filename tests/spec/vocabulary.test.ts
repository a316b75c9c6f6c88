// Validation of the training and layer vocabulary (issue 19): contradictions are refused with the
// field and the fix, and the new keys at their defaults leave existing specs' hashes alone.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/shared/errors.ts';
import { loadSpec } from '../../src/spec/index.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aelab-vocab-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** Every spec is named spec.yaml (in its own folder): the name is part of what a hash covers. */
function load(yaml: string) {
  const folder = path.join(dir, String(n++));
  fs.mkdirSync(folder);
  const file = path.join(folder, 'spec.yaml');
  fs.writeFileSync(file, yaml);
  return loadSpec(file);
}

function issues(yaml: string): { path: string; message: string }[] {
  try {
    load(yaml);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as UserError).issues.map((i) => ({ path: i.path, message: i.message }));
  }
  throw new Error('expected the spec to be refused');
}

describe('training and layer vocabulary in the spec', () => {
  it('accepts the whole vocabulary and fills its defaults', () => {
    const { spec } = load(
      [
        'model:',
        '  encoder: [{conv: 16, kernel: 3, stride: 2}, 64]',
        '  activation: [relu, tanh, tanh, relu]',
        '  dropout: 0.2',
        '  batch_norm: true',
        'train:',
        '  optimizer: adamw',
        '  weight_decay: 0.01',
        '  lr_schedule: {kind: cosine, min_lr: 0.0001}',
        '  warmup_epochs: 2',
        '  gradient_clip: 1',
      ].join('\n'),
    );
    expect(spec.model.encoder).toEqual([{ conv: 16, kernel: 3, stride: 2 }, 64]);
    expect(spec.train).toMatchObject({ optimizer: 'adamw', weight_decay: 0.01, warmup_epochs: 2, gradient_clip: 1, lr_schedule: { kind: 'cosine', min_lr: 0.0001 } });
    const defaults = load('{}').spec;
    expect(defaults.model).toMatchObject({ dropout: 0, batch_norm: false });
    expect(defaults.train).toMatchObject({ lr_schedule: { kind: 'constant' }, warmup_epochs: 0, weight_decay: 0, gradient_clip: 0 });
  });

  it('hashes a key only when it changes what is trained', () => {
    const plain = load('model: {latent: 2}').hash;
    expect(load('model: {latent: 2, dropout: 0, batch_norm: false, tied: false}\ntrain: {weight_decay: 0, gradient_clip: 0, warmup_epochs: 0, lr_schedule: {kind: constant}, loss: mse}').hash).toBe(plain);
    for (const changed of ['model: {latent: 2, dropout: 0.1}', 'model: {latent: 2, batch_norm: true}', 'model: {latent: 2, tied: true}', 'model: {kind: linear, latent: 2, tied: true}', 'train: {weight_decay: 0.001}', 'train: {gradient_clip: 1}', 'train: {warmup_epochs: 1}', 'train: {lr_schedule: {kind: exponential, gamma: 0.9}}', 'train: {optimizer: adamw}', 'train: {loss: bce}']) {
      expect(load(changed).hash, changed).not.toBe(plain);
    }
  });

  it('accepts tied weights with a written decoder that mirrors the encoder; pca ignores tied (it is tied already)', () => {
    const { spec } = load('model: {encoder: [64, 32], decoder: [32, 64], tied: true}');
    expect(spec.model).toMatchObject({ tied: true, decoder: [32, 64] });
    expect(load('{}').spec.model.tied).toBe(false);
    const pca = load('model: {kind: pca, tied: true}');
    expect(pca.warnings.map((w) => `${w.path} ${w.message}`)).toContainEqual(expect.stringMatching(/model.tied ignored: .*already is its encoder transposed/));
    expect(pca.hash).toBe(load('model: {kind: pca}').hash);
  });

  it.each([
    ['a step outside the epochs', 'train: {epochs: 10, lr_schedule: {kind: step, every: 10, gamma: 0.5}}', 'train.lr_schedule.every', /never happens within the 10 epochs/],
    ['a step schedule without its step', 'train: {lr_schedule: {kind: step, gamma: 0.5}}', 'train.lr_schedule', /needs every, e\.g\./],
    ['warm-up as long as training', 'train: {epochs: 3, warmup_epochs: 3}', 'train.warmup_epochs', /fewer warm-up epochs than train.epochs/],
    ['a cosine floor above the rate', 'train: {learning_rate: 0.001, lr_schedule: {kind: cosine, min_lr: 0.01}}', 'train.lr_schedule.min_lr', /below train.learning_rate/],
    ['dropout of 1', 'model: {dropout: 1}', 'model.dropout', /< 1|below 1/],
    ['batch norm on pca', 'model: {kind: pca, batch_norm: true}', 'model.batch_norm', /PCA has no layers to normalise.*model.kind: deep/],
    ['a written decoder after convolutions', 'model: {encoder: [{conv: 8, kernel: 3, stride: 2}], decoder: [16]}', 'model.decoder', /set model.decoder: mirror/],
    ['a convolution after a dense width', 'model: {encoder: [64, {conv: 8, kernel: 3, stride: 2}]}', 'model.encoder[1]', /before the dense widths/],
    ['an activation list of the wrong length', 'model: {encoder: [64, 32], activation: [relu, tanh]}', 'model.activation', /one activation per hidden layer: this model has 4/],
    ['bce with a linear output', 'model: {output_activation: linear}\ntrain: {loss: bce}', 'train.loss', /set model.output_activation: sigmoid/],
    ['bce on the linear kind (linear output by default)', 'model: {kind: linear}\ntrain: {loss: bce}', 'train.loss', /output_activation is linear/],
    ['tied weights with a decoder that does not mirror the encoder', 'model: {encoder: [64, 32], decoder: [32, 16], tied: true}', 'model.decoder', /model.tied needs a decoder that mirrors the encoder \(32, 64\).*set model.decoder: mirror or remove model.tied/],
    ['tied weights with convolutions', 'model: {encoder: [{conv: 8, kernel: 3, stride: 2}, 16], tied: true}', 'model.tied', /dense layers.*remove model.tied or the convolutions/],
    ['a convolution without its stride', 'model: {encoder: [{conv: 8, kernel: 3}]}', 'model.encoder[0].stride', /is required/],
  ])('refuses %s, naming the field and the fix', (_name, yaml, where, message) => {
    const found = issues(yaml);
    const issue = found.find((i) => i.path === where);
    expect(issue, JSON.stringify(found)).toBeDefined();
    expect(issue!.message).toMatch(message);
  });
});
