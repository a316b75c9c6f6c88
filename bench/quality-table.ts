// The README's sample-quality table: one trained run's model (e.g. experiments/density-156.yaml's
// gaussian-diag trial, the lecture's 784-500-300-2 deep autoencoder on digits 1/5/6) under each
// density kind, with the pipeline's own seeds and its cached feature classifier. The three trials
// of that sweep train the same model (same seed); this fits the other densities on the codes of
// the one already trained instead of training it twice more.
//
//   node bin/run-ts.mjs bench/quality-table.ts <run-dir> [--runs-dir DIR] [--components 10]
//
// Prints a Markdown table and the gaussian-diag row's difference from the run's own metrics.json
// (0 when the script reproduces the pipeline).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadAllLabels, loadDataset } from '../src/data/index.ts';
import { encodeSplit, fitDensity } from '../src/evaluate/index.ts';
import { classifierCacheRoot, runQualityStepForRun } from '../src/evaluate/quality/index.ts';
import { loadModel, selectBackend } from '../src/model/index.ts';
import { deriveSeed } from '../src/shared/random.ts';
import type { DensityKind, ResolvedSpec } from '../src/shared/spec-types.ts';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { 'runs-dir': { type: 'string' }, components: { type: 'string', default: '10' } } });
const runDir = path.resolve(positionals[0] ?? '');
if (!fs.existsSync(path.join(runDir, 'resolved.json'))) {
  console.error('usage: node bin/run-ts.mjs bench/quality-table.ts <run-dir> [--runs-dir DIR] [--components 10]');
  process.exit(2);
}
const runsDir = path.resolve(values['runs-dir'] ?? path.join(runDir, '..', '..', '..'));
const { spec } = JSON.parse(fs.readFileSync(path.join(runDir, 'resolved.json'), 'utf8')) as { spec: ResolvedSpec };
const runJson = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as { spec_file: string };
const baseDir = path.dirname(runJson.spec_file);
const own = JSON.parse(fs.readFileSync(path.join(runDir, 'metrics.json'), 'utf8')) as Record<string, number>;

const backend = await selectBackend();
console.error(`backend ${backend.name}; run ${runDir}; classifier cache ${classifierCacheRoot(runsDir)}`);
const data = loadDataset(spec.data, { baseDir });
const all = loadAllLabels(spec.data, { baseDir, limit: spec.evaluate.classifier.limit });
const source = { origin: all.origin, height: all.height, width: all.width, dim: all.dim, train: all.train, test: all.test };
const model = await loadModel(path.join(runDir, 'model'));
const trainCodes = encodeSplit(model, data.train);

const kinds: DensityKind[] = ['gaussian-diag', 'gaussian-full', 'gmm'];
const rows: string[] = [];
for (const kind of kinds) {
  const density = fitDensity(kind, trainCodes, data.train.count, model.latent, {
    ...spec.density,
    components: Number(values.components),
    seed: deriveSeed(spec.seed, 'density'),
  });
  const step = await runQualityStepForRun({ spec, data, runsDir, source, model, density, say: (l) => console.error(l), warn: (l) => console.error(l) });
  const m = step.metrics;
  step.dispose();
  const name = kind === 'gmm' ? `gmm (${values.components} components)` : kind;
  rows.push(
    `| ${name} | ${m.fd_samples.toFixed(2)} | ${(100 * m.sample_in_digits).toFixed(1)} % | ${(100 * m.recon_accuracy).toFixed(1)} % | ` +
      `${m.fd_reconstructions.toFixed(2)} | ${m.fd_real?.toFixed(2) ?? '-'} | ${(100 * m.original_accuracy).toFixed(1)} % | ${(100 * m.classifier_test_accuracy).toFixed(2)} % |`,
  );
  if (kind === spec.density.kind && typeof own.fd_samples === 'number') {
    console.error(`check: ${kind} fd_samples here ${m.fd_samples} vs the run's metrics.json ${own.fd_samples}`);
  }
  console.error(`${kind}: class shares ${JSON.stringify(Object.fromEntries(Object.entries(m.sample_class_share).map(([k, v]) => [k, Number(v.toFixed(3))])))}`);
}
model.dispose();
console.log('| density | fd_samples | sample_in_digits | recon_accuracy | fd_reconstructions | fd_real | original_accuracy | classifier test accuracy |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
