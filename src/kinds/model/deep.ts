// model.kind deep: dense encoder → linear latent layer → dense decoder → output activation,
// trained by gradient descent on the reconstruction MSE. The network (tfjs) is
// src/model/network.ts, loaded on first build or load.
import { denseMseNetwork, latentCompressionWarnings, reconstructionMse } from './common.ts';
import type { KindCheckContext, KindIssue, TrainableModelKind } from './types.ts';

export const deepKind: TrainableModelKind<'deep'> = {
  kind: 'deep',
  label: 'deep autoencoder',
  order: 2,
  trainable: true,
  objective: reconstructionMse,
  dataParallel: true,
  uses: [
    'model.encoder',
    'model.decoder',
    'model.activation',
    'model.output_activation',
    'model.dropout',
    'model.batch_norm',
    'model.tied',
    'model.code_l1',
    'train',
  ],
  whyIgnored: (key) => `model.kind is deep, which does not use ${key}`,
  describe(spec) {
    const decoder = spec.decoder === 'mirror' ? 'mirrored decoder' : `decoder ${spec.decoder.join('-')}`;
    return `deep autoencoder, encoder ${[...spec.encoder, spec.latent].join('-')}, ${decoder}${spec.tied ? ' (tied weights)' : ''}, ${spec.activation}`;
  },
  check: (ctx) => ({ errors: layerErrors(ctx), warnings: [...latentCompressionWarnings(ctx), ...widthSlips(ctx)] }),
  ...denseMseNetwork('deep', (spec) => {
    const convs = spec.encoder.filter((e) => typeof e === 'object');
    const widths = spec.encoder.filter((e) => typeof e === 'number');
    return {
      encoderWidths: widths,
      decoderWidths: spec.decoder === 'mirror' ? [...widths].reverse() : [...spec.decoder],
      activation: spec.activation,
      convs,
      dropout: spec.dropout,
      batchNorm: spec.batch_norm,
      tied: spec.tied,
    };
  }),
};

const intList = (v: unknown): number[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined;

/** Widths list hidden layers only; a common slip is to include the input, code or output layer. */
function widthSlips(ctx: KindCheckContext): KindIssue[] {
  const warnings: KindIssue[] = [];
  const pixels = ctx.input?.pixels;
  const latent = typeof ctx.model.latent === 'number' && Number.isFinite(ctx.model.latent) ? ctx.model.latent : undefined;
  const encoder = intList(ctx.model.encoder);
  if (encoder && encoder.length > 0 && ctx.wrote('model', 'encoder')) {
    if (pixels !== undefined && encoder[0] === pixels) {
      warnings.push({
        path: ['model', 'encoder', 0],
        prefer: 'value',
        message: `${pixels} is the input size: the input layer is implicit, so this adds a ${pixels}-wide hidden layer; list hidden widths only, e.g. [500, 300]`,
      });
    }
    if (latent !== undefined && encoder[encoder.length - 1] === latent) {
      warnings.push({
        path: ['model', 'encoder', encoder.length - 1],
        prefer: 'value',
        message: `equals model.latent: the code layer is added after the encoder's hidden layers, so this adds an extra ${latent}-wide hidden layer`,
      });
    }
  }
  const decoder = intList(ctx.model.decoder);
  if (decoder && decoder.length > 0) {
    if (latent !== undefined && decoder[0] === latent) {
      warnings.push({
        path: ['model', 'decoder', 0],
        prefer: 'value',
        message: `equals model.latent: the code is the decoder's input, so this adds an extra ${latent}-wide hidden layer; list hidden widths only`,
      });
    }
    if (pixels !== undefined && decoder[decoder.length - 1] === pixels) {
      warnings.push({
        path: ['model', 'decoder', decoder.length - 1],
        prefer: 'value',
        message: `${pixels} is the output size: the reconstruction layer is added automatically, so this adds a ${pixels}-wide hidden layer`,
      });
    }
  }
  return warnings;
}

const isConvEntry = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Contradictions between the layer keys: convolutions after dense widths, a hand-written decoder
 * after convolutions (they are mirrored), tied weights with convolutions or a decoder that does
 * not mirror the encoder, an activation list of the wrong length.
 */
function layerErrors(ctx: KindCheckContext): KindIssue[] {
  const errors: KindIssue[] = [];
  const encoder = Array.isArray(ctx.model.encoder) ? (ctx.model.encoder as unknown[]) : [];
  const convs = encoder.filter(isConvEntry).length;
  const firstDense = encoder.findIndex((e) => !isConvEntry(e));
  encoder.forEach((e, i) => {
    if (isConvEntry(e) && firstDense >= 0 && i > firstDense) {
      errors.push({ path: ['model', 'encoder', i], prefer: 'value', message: 'convolutions must come before the dense widths (image → convolutions → dense → code); move this entry up' });
    }
  });
  if (convs > 0 && ctx.model.decoder !== 'mirror') {
    errors.push({ path: ['model', 'decoder'], prefer: 'value', message: 'a convolutional encoder is mirrored by transposed convolutions back to the image; set model.decoder: mirror' });
  }
  if (ctx.model.tied === true) {
    // Each decoder layer applies an encoder layer's kernel transposed, so their widths must mirror.
    if (convs > 0) {
      errors.push({ path: ['model', 'tied'], prefer: 'value', message: 'tied weights are for dense layers and this encoder has convolutions; remove model.tied or the convolutions' });
    }
    const widths = encoder.filter((e) => !isConvEntry(e));
    const decoder = ctx.model.decoder;
    if (Array.isArray(decoder) && !(decoder.length === widths.length && decoder.every((w, i) => w === widths[widths.length - 1 - i]))) {
      errors.push({
        path: ['model', 'decoder'],
        prefer: 'value',
        message: `model.tied needs a decoder that mirrors the encoder (${[...widths].reverse().join(', ') || 'no hidden layers'}): each decoder layer applies an encoder layer's weights transposed; set model.decoder: mirror or remove model.tied`,
      });
    }
  }
  const activation = ctx.model.activation;
  if (Array.isArray(activation)) {
    const dense = encoder.length - convs;
    const decoderDense = ctx.model.decoder === 'mirror' ? dense : Array.isArray(ctx.model.decoder) ? ctx.model.decoder.length : dense;
    // Encoder convs and dense layers, decoder dense layers, then (after convs) the layer back to the
    // image and every transposed convolution but the last (which is the reconstruction).
    const hidden = 2 * convs + dense + decoderDense;
    if (activation.length !== hidden) {
      errors.push({
        path: ['model', 'activation'],
        prefer: 'value',
        message: `a list needs one activation per hidden layer: this model has ${hidden} (encoder ${convs + dense}, decoder ${hidden - convs - dense}), got ${activation.length}; or give one activation for all`,
      });
    }
  }
  return errors;
}
