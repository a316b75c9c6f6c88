// The training loop minimises and reports the model's own objective (model.loss, from its kind's
// descriptor), not a hard-coded MSE.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { reconstructionMse } from '../../src/kinds/model/common.ts';
import type { TrainingObjective } from '../../src/kinds/model/types.ts';
import { buildModel, selectBackend } from '../../src/model/index.ts';
import { buildNetwork } from '../../src/model/network.ts';
import type { TrainableAutoencoder } from '../../src/shared/types.ts';
import { trainModel } from '../../src/train/index.ts';
import { deepSpec, mse, syntheticDataset, trainSpec } from '../model/fixtures.ts';

const data = syntheticDataset({ side: 8, nTrain: 96, nVal: 40 });

beforeAll(async () => {
  await selectBackend();
});

function network(objective: TrainingObjective, seed = 3) {
  return buildNetwork({
    kind: 'deep',
    inputDim: data.dim,
    latent: 2,
    encoderWidths: [16],
    decoderWidths: [16],
    activation: 'relu',
    outputActivation: 'sigmoid',
    seed,
    objective,
  });
}

describe('loss hook', () => {
  it("deep and linear models' loss is the reconstruction MSE of a batch, and leaves no tensor behind", async () => {
    for (const spec of [deepSpec({ encoder: [16] }), deepSpec({ kind: 'linear', output_activation: 'linear' })]) {
      const model = (await buildModel(spec, { inputDim: data.dim, seed: 2 })) as TrainableAutoencoder;
      const rows = 20;
      const x = data.validation.images.subarray(0, rows * data.dim);
      const before = tf.memory().numTensors;
      const value = tf.tidy(() => {
        const result = model.loss(tf.tensor2d(x, [rows, data.dim]), { training: false, epoch: 1 });
        expect(result.parts).toBeUndefined();
        return result.loss.dataSync()[0]!;
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(value).toBeCloseTo(mse(model.reconstruct(x, rows), x), 6);
      model.dispose();
    }
  });

  it('trainModel calls the objective for every training batch and validation pass, with the epoch, and reports what it returns', async () => {
    const calls: { training: boolean; epoch: number; rows: number }[] = [];
    const spy: TrainingObjective = {
      name: 'spy',
      description: 'reconstruction MSE, recording its calls',
      loss: (tfjs, out, opts) => {
        calls.push({ training: opts.training, epoch: opts.epoch, rows: out.x.shape[0] });
        return reconstructionMse.loss(tfjs, out, opts);
      },
    };
    const spied = network(spy);
    const plain = network(reconstructionMse);
    const spec = trainSpec({ epochs: 2, batch_size: 32 });
    const a = await trainModel(spied, data, spec, { seed: 5 });
    const b = await trainModel(plain, data, spec, { seed: 5 });
    expect(a.history.map((h) => [h.loss, h.val_loss])).toEqual(b.history.map((h) => [h.loss, h.val_loss]));
    // 96 training rows in batches of 32, then one validation pass of 40 rows, per epoch.
    const summary = calls.map((c) => `${c.epoch}:${c.training ? 'train' : 'val'}:${c.rows}`);
    expect(summary).toEqual(['1:train:32', '1:train:32', '1:train:32', '1:val:40', '2:train:32', '2:train:32', '2:train:32', '2:val:40']);
    spied.dispose();
    plain.dispose();
  });

  it('trains on whatever the objective says: a doubled MSE doubles the reported losses at the same starting weights', async () => {
    const doubled: TrainingObjective = {
      name: 'double-mse',
      description: 'twice the reconstruction MSE',
      loss: (tfjs, out, opts) => ({ loss: tfjs.mul(reconstructionMse.loss(tfjs, out, opts).loss, 2) as tf.Scalar }),
    };
    // sgd with lr halved for the doubled loss takes the very same steps, so the losses differ by exactly ×2 (up to rounding).
    const [m2, m1] = [network(doubled), network(reconstructionMse)];
    const a = await trainModel(m2, data, trainSpec({ epochs: 1, optimizer: 'sgd', learning_rate: 0.05 }), { seed: 5 });
    const b = await trainModel(m1, data, trainSpec({ epochs: 1, optimizer: 'sgd', learning_rate: 0.1 }), { seed: 5 });
    expect(a.history[0]!.loss).toBeCloseTo(2 * b.history[0]!.loss, 5);
    expect(a.history[0]!.val_loss!).toBeCloseTo(2 * b.history[0]!.val_loss!, 5);
    m2.dispose();
    m1.dispose();
  });
});
