// Real models (built with tfjs, untrained or PCA-fitted on synthetic images) and explorer pages
// made from them, for the explorer's browser tests.
import fs from 'node:fs';
import path from 'node:path';
import { buildModel } from '../../src/model/index.ts';
import { htmlPage } from '../../src/render/page.ts';
import { renderExplorer } from '../../src/render/explorer/html.ts';
import { densityKind } from '../../src/kinds/density/registry.ts';
import type { ExplorerModel } from '../../src/render/explorer/payload.ts';
import type { Autoencoder } from '../../src/shared/types.ts';
import type { ModelSpec } from '../../src/shared/spec-types.ts';
import { syntheticImages } from '../model/fixtures.ts';

export const SIDE = 10;
export const DIM = SIDE * SIDE;
export const N_TEST = 240;
export const DIGITS = [1, 5, 6];

export interface ExplorerFixture {
  images: Float32Array;
  labels: Uint8Array;
  train: Float32Array;
}

export function fixtureData(): ExplorerFixture {
  const train = syntheticImages(400, DIM, 3);
  const images = syntheticImages(N_TEST, DIM, 11);
  const labels = Uint8Array.from({ length: N_TEST }, (_, i) => DIGITS[i % 3]!);
  return { images, labels, train };
}

export async function buildFixtureModel(spec: ModelSpec, data: ExplorerFixture, seed = 5): Promise<Autoencoder> {
  return buildModel(spec, { inputDim: DIM, seed, train: { images: data.train, count: 400 } });
}

/** A diagonal Gaussian over the codes, as gaussian-diag's toJSON writes it. */
export function diagDensityJson(codes: Float32Array, latent: number): Record<string, unknown> {
  const n = codes.length / latent;
  const mean = Array.from({ length: latent }, (_, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += codes[i * latent + j]!;
    return s / n;
  });
  const variance = mean.map((m, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (codes[i * latent + j]! - m) ** 2;
    return s / n;
  });
  return { kind: 'gaussian-diag', dim: latent, mean, variance };
}

export function explorerModel(label: string, model: Autoencoder, data: ExplorerFixture): ExplorerModel {
  const codes = model.encode(data.images, N_TEST);
  return {
    label,
    kind: model.kind,
    decoder: model.exportDecoder(),
    codes,
    density: { label: 'diagonal Gaussian', components: densityKind('gaussian-diag').mixture(diagDensityJson(codes, model.latent))! },
  };
}

/** Writes a page holding only the explorer; returns its path. */
export function writeExplorerPage(dir: string, name: string, models: ExplorerModel[], data: ExplorerFixture, maxImages?: number): string {
  const { html, csp } = renderExplorer({
    height: SIDE,
    width: SIDE,
    latent: models[0]!.codes.length / N_TEST,
    labels: data.labels,
    images: data.images,
    models,
    seed: 42,
    ...(maxImages !== undefined ? { maxImages } : {}),
  });
  const file = path.join(dir, `${name}.html`);
  fs.writeFileSync(file, htmlPage({ title: name, body: `<h1>${name}</h1><p>static content</p>\n${html}`, contentSecurityPolicy: csp }));
  return file;
}
