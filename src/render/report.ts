// report.html: one self-contained page per run. Pictures are embedded as data: URIs and a
// Content-Security-Policy forbids loading anything else, so the page can be mailed or archived.
import fs from 'node:fs';
import path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { densityKindRegistry, isDensityKind } from '../kinds/density/registry.ts';
import type { TrainingObjective } from '../kinds/model/types.ts';
import { isModelKind, modelKindRegistry } from '../kinds/model/registry.ts';
import type { BackendInfo, Metrics, PictureData, ResolvedSpec } from '../shared/types.ts';
import { escapeHtml, relativeHref } from './escape.ts';
import { METRIC_ORDER, formatDuration, formatMetric, formatTime, metricLabel } from './format.ts';
import { htmlPage, pngDataUri, statusBadge } from './page.ts';
import { CHART_ZOOM } from './charts.ts';
import type { RenderedFile } from './pictures.ts';
import { describeEngine, type EngineIds } from '../shared/engine.ts';
import { renderExplorer } from './explorer/html.ts';
import type { ExplorerInput } from './explorer/payload.ts';

/** What the report shows about the run itself; a run record (run.json) fits as it is. */
export interface RunInfo {
  id: string;
  name: string;
  status: string;
  description?: string | null;
  started_at?: string | null;
  finished_at?: string | null;
  duration_seconds?: number | null;
  backend?: BackendInfo | null;
  /** Why the run failed or was interrupted: a message, or an object with one. */
  error?: unknown;
  sweep?: { dir: string; trial: string } | null;
  /** Where it ran: the host, the Slurm / Kubernetes job (run.json's engine) and --shard i/n. */
  hostname?: string | null;
  engine?: EngineIds | null;
  shard?: { index: number; count: number } | null;
  /** Each time the run was continued from a checkpoint (`aelab run --resume`, a sweep rerun). */
  resumed?: { at: string; after_epoch: number; was: string; signal?: string }[] | null;
  /** How many threads trained it and why (run.json's train_workers). */
  train_workers?: { workers: number; reason: string } | null;
}

export interface RunReportInput {
  /** The run folder. Pictures given by name are read from here. */
  dir: string;
  run: RunInfo;
  metrics: Metrics | Record<string, unknown> | null;
  /** The spec file as the user wrote it (spec.yaml). */
  specYaml: string;
  /** The resolved spec (defaults and overrides applied): shown as YAML; gives kind, latent and density. */
  resolved?: ResolvedSpec | null;
  /**
   * The pictures: file names inside `dir` (read synchronously) or the files themselves (e.g. the
   * result of renderRunPictures). Only .png files are embedded; a matching .svg in `dir` is linked.
   */
  pictures: (string | RenderedFile)[];
  /** Extra caption text per picture file name; pictureNotes(pictureData) makes these. */
  notes?: Record<string, string>;
  /** The interactive latent explorer (after the pictures); absent or null for none. */
  explorer?: ExplorerInput | null;
}

const PICTURE_ORDER = ['reconstructions.png', 'latent.png', 'manifold.png', 'interpolation.png', 'samples.png', 'classes.png', 'loss.png'];
const CHART_PICTURES = new Set(['latent.png', 'loss.png', 'classes.png']);

/** Caption notes that only the PictureData knows (projection axes, what the manifold grid spans). */
export function pictureNotes(pictures: PictureData): Record<string, string> {
  const notes: Record<string, string> = {};
  if (pictures.latent) {
    notes['latent.png'] = pictures.latent.projected
      ? `Axes: ${pictures.latent.xLabel} and ${pictures.latent.yLabel}, the first two principal axes of the test codes.`
      : `Axes: ${pictures.latent.xLabel} and ${pictures.latent.yLabel}.`;
  }
  if (pictures.reconstructions?.noisy) {
    notes['reconstructions.png'] =
      'Denoising run: in each group of three rows, top: the corrupted input the encoder sees (train.input_noise); middle: the clean test image, the target; bottom: the output for the corrupted input.';
  }
  if (pictures.manifold) notes['manifold.png'] = `Grid of ${pictures.manifold.side}×${pictures.manifold.side}: ${pictures.manifold.description}`;
  if (pictures.interpolation && pictures.interpolation.labels.length > 0) {
    notes['interpolation.png'] = `Pairs of digits: ${pictures.interpolation.labels.map(([a, b]) => `${a} → ${b}`).join(', ')}.`;
  }
  return notes;
}

// Names come from the kinds' descriptors; a run written by another aelab may hold a kind this one
// does not know, which is shown as it is written.
function densityName(spec: ResolvedSpec | null | undefined): string {
  if (!spec) return 'density model';
  const kind = spec.density.kind;
  return isDensityKind(kind) ? densityKindRegistry[kind].describe(spec.density) : String(kind);
}

function trainingObjective(spec: ResolvedSpec | null | undefined): TrainingObjective | undefined {
  const kind = spec?.model.kind;
  if (!isModelKind(kind)) return undefined;
  const descriptor = modelKindRegistry[kind];
  return descriptor.trainable ? descriptor.objective : undefined;
}

function modelName(spec: ResolvedSpec | null | undefined): string | null {
  if (!spec) return null;
  const kind = spec.model.kind;
  return isModelKind(kind) ? modelKindRegistry[kind].describe(spec.model) : `${String(kind)}, latent ${spec.model.latent}`;
}

/** Whether the run's model was trained (not fitted in closed form like PCA); unknown kinds count as trained. */
function isTrained(spec: ResolvedSpec | null | undefined): boolean {
  const kind = spec?.model.kind;
  return !isModelKind(kind) || modelKindRegistry[kind].trainable;
}

/** Captions in HTML (the fixed text is trusted; notes are escaped). */
function caption(name: string, spec: ResolvedSpec | null | undefined, note: string | undefined): string {
  const latent = spec?.model.latent;
  let text: string;
  switch (name) {
    case 'reconstructions.png':
      text =
        '<strong>Reconstructions.</strong> In each pair of rows, top: test images <i>x</i>; bottom: their reconstructions <i>g</i>(<i>f</i>(<i>x</i>)). ' +
        'The test images are picked from the seed, so every run on the same data shows the same digits.';
      break;
    case 'latent.png':
      text =
        '<strong>Latent space.</strong> The codes <i>z</i> = <i>f</i>(<i>x</i>) of the test images, one dot per image, coloured by digit.' +
        (latent !== undefined && latent > 2 ? ` The codes have ${latent} dimensions; the plot shows them projected on their first two principal axes.` : '');
      break;
    case 'manifold.png':
      // evaluate's own description (passed as the note) says exactly what the grid spans.
      text =
        '<strong>Walk in the latent space.</strong> Decoder outputs <i>g</i>(<i>z</i>) for a regular grid of latent points <i>z</i>' +
        (latent === undefined || note
          ? '.'
          : latent === 2
            ? ', a lattice over the 1st–99th percentile box of the codes.'
            : ', a plane through the mean code along the top two principal directions of the codes.');
      break;
    case 'interpolation.png':
      text =
        '<strong>Interpolation.</strong> Each pair of rows goes from a test image <i>x</i> (left, α = 0) to another test image <i>x</i>′ (right, α = 1). ' +
        'Row “pixel”: the pixel blend (1−α)<i>x</i> + α<i>x</i>′. Row “latent”: <i>g</i>((1−α)<i>f</i>(<i>x</i>) + α<i>f</i>(<i>x</i>′)), the decoded blend of their codes.';
      break;
    case 'samples.png':
      text =
        (isDensityKind(spec?.density.kind) && densityKindRegistry[spec.density.kind].onlyFor !== undefined
          ? `<strong>Samples.</strong> Decoded samples <i>g</i>(<i>z</i>), with <i>z</i> drawn from ${escapeHtml(densityName(spec))} (not fitted: the model was trained towards it).`
          : `<strong>Samples.</strong> Decoded samples <i>g</i>(<i>z</i>), with <i>z</i> drawn from the ${escapeHtml(densityName(spec))} fitted on the training codes.`) +
        (spec?.evaluate?.quality === false ? '' : ' When quality metrics are on, each tile’s corner shows the class the feature classifier reads: yellow among data.digits, red outside.');
      break;
    case 'classes.png':
      text =
        '<strong>Classes of the samples.</strong> What the feature classifier (trained on all labels of the data source) reads in the decoded samples, ' +
        'against the share of each digit among the training images. A density that covers the codes well gives bars of the same height; ' +
        'samples read as other digits left the data.';
      break;
    case 'loss.png':
      text = trainingObjective(spec)?.chartLabel
        ? `<strong>Training curve.</strong> The objective, ${escapeHtml(trainingObjective(spec)!.description)}, per epoch on the training images and on the validation split; dashed: its parts on the training images.`
        : '<strong>Training curve.</strong> Mean squared error per epoch on the training images and on the validation split.';
      break;
    default:
      text = `<strong>${escapeHtml(name)}</strong>`;
  }
  if (!note) return text;
  const sentence = /[.!?]$/.test(note.trim()) ? note.trim() : `${note.trim()}.`;
  return `${text} ${escapeHtml(sentence)}`;
}

/** Width and height from a PNG's IHDR chunk, or null when the bytes are not a PNG. */
export function pngSize(png: Buffer): { width: number; height: number } | null {
  if (png.length < 24 || png.readUInt32BE(0) !== 0x89504e47 || png.toString('ascii', 12, 16) !== 'IHDR') return null;
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

interface LoadedPicture {
  name: string;
  png: Buffer | null;
}

function loadPictures(dir: string, pictures: (string | RenderedFile)[]): LoadedPicture[] {
  const loaded: LoadedPicture[] = [];
  for (const p of pictures) {
    const name = typeof p === 'string' ? p : p.name;
    if (!name.toLowerCase().endsWith('.png')) continue;
    let png: Buffer | null = null;
    if (typeof p !== 'string') png = Buffer.isBuffer(p.data) ? p.data : null;
    else {
      try {
        png = fs.readFileSync(path.join(dir, p));
      } catch {
        png = null; // shown as missing rather than failing the whole report
      }
    }
    loaded.push({ name, png });
  }
  const rank = (n: string): number => {
    const i = PICTURE_ORDER.indexOf(n);
    return i < 0 ? PICTURE_ORDER.length : i;
  };
  return loaded.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

function figure(picture: LoadedPicture, dir: string, spec: ResolvedSpec | null | undefined, note: string | undefined): string {
  const cap = caption(picture.name, spec, note);
  const size = picture.png ? pngSize(picture.png) : null;
  if (!picture.png || !size) {
    return `<figure><p class="error">${escapeHtml(picture.name)} is missing from the run folder or is not a PNG.</p><figcaption>${cap}</figcaption></figure>`;
  }
  const chart = CHART_PICTURES.has(picture.name);
  // Charts are rasterised at CHART_ZOOM; showing them at their SVG size keeps text crisp on HiDPI screens.
  const width = chart ? Math.round(size.width / CHART_ZOOM) : size.width;
  const height = chart ? Math.round(size.height / CHART_ZOOM) : size.height;
  const svgName = picture.name.replace(/\.png$/i, '.svg');
  const svgLink =
    chart && dir && fs.existsSync(path.join(dir, svgName)) ? ` <a href="${escapeHtml(relativeHref(svgName))}">SVG version</a>.` : '';
  return (
    `<figure id="${escapeHtml(picture.name.replace(/\.png$/i, ''))}">` +
    `<img class="${chart ? 'chart' : 'digits'}" src="${pngDataUri(picture.png)}" width="${width}" height="${height}" alt="${escapeHtml(picture.name)}">` +
    `<figcaption>${cap}${svgLink}</figcaption></figure>`
  );
}

function errorText(error: unknown): string | null {
  if (error === null || error === undefined || error === '') return null;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && 'message' in error && typeof (error as { message: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  return JSON.stringify(error);
}

/** Metrics about gradient-descent training: PCA is fitted exactly, so for it they say nothing. */
const TRAINING_ONLY_METRICS: ReadonlySet<string> = new Set(['epochs', 'best_epoch', 'stopped_early', 'samples_per_second']);

function metricsTable(metrics: Record<string, unknown>, trained: boolean): string {
  const keys = Object.keys(metrics).filter((key) => trained || !TRAINING_ONLY_METRICS.has(key));
  const ordered = [...METRIC_ORDER.filter((k) => keys.includes(k)), ...keys.filter((k) => !METRIC_ORDER.includes(k)).sort()];
  const rows = ordered.map((key) => {
    const value = metrics[key];
    const numeric = typeof value === 'number';
    return (
      `<tr><th scope="row">${escapeHtml(metricLabel(key))} <span class="muted mono">${escapeHtml(key)}</span></th>` +
      `<td${numeric ? ' class="num"' : ''}>${escapeHtml(formatMetric(key, value))}</td></tr>`
    );
  });
  return `<div class="table-wrap"><table class="metrics"><tbody>${rows.join('')}</tbody></table></div>`;
}

/** The report page; every string from the run is HTML-escaped. */
export function renderRunReport(input: RunReportInput): string {
  const { run, resolved } = input;
  const facts: [string, string][] = [];
  facts.push(['Run id', `<span class="mono">${escapeHtml(run.id)}</span>`]);
  facts.push(['Status', statusBadge(run.status)]);
  const model = modelName(resolved);
  if (model) facts.push(['Model', escapeHtml(model)]);
  if (resolved) {
    facts.push(['Data', escapeHtml(`${resolved.data.source}, digits ${resolved.data.digits.join(', ')}`)]);
    facts.push(['Density model', escapeHtml(densityName(resolved))]);
    facts.push(['Seed', escapeHtml(resolved.seed)]);
  }
  if (run.backend) {
    const b = run.backend;
    facts.push([
      'Backend',
      `${escapeHtml(b.name)}${b.fast_matmul ? ' (fast matmul)' : ''} · tfjs ${escapeHtml(b.tfjs_version)} <span class="muted">— ${escapeHtml(b.reason)}</span>`,
    ]);
  }
  facts.push(['Started', escapeHtml(formatTime(run.started_at))]);
  if (run.finished_at) facts.push(['Finished', escapeHtml(formatTime(run.finished_at))]);
  if (typeof run.duration_seconds === 'number') facts.push(['Duration', escapeHtml(formatDuration(run.duration_seconds))]);
  for (const r of run.resumed ?? []) {
    facts.push(['Resumed', escapeHtml(`after epoch ${r.after_epoch} (${r.was}${r.signal ? ` by ${r.signal}` : ''}) at ${formatTime(r.at)}, from its checkpoint`)]);
  }
  const trainSeconds = input.metrics?.['train_seconds'];
  const trained = isTrained(resolved);
  if (typeof trainSeconds === 'number') facts.push([trained ? 'Training time' : 'Fit time', escapeHtml(formatDuration(trainSeconds))]);
  // The backend line says how one wasm instance runs (1 thread); data-parallel training uses several.
  const threads = run.train_workers;
  if (threads) facts.push(['Training threads', escapeHtml(`${threads.workers} (${threads.reason})`)]);
  if (run.sweep) facts.push(['Sweep trial', `<span class="mono">${escapeHtml(run.sweep.trial)}</span>`]);
  const ranOn = [run.hostname ?? null, describeEngine(run.engine), run.shard ? `shard ${run.shard.index}/${run.shard.count}` : null].filter(Boolean);
  if (ranOn.length > 0) facts.push(['Ran on', escapeHtml(ranOn.join(' · '))]);
  facts.push(['Folder', `<span class="mono">${escapeHtml(input.dir)}</span>`]);

  const description = run.description ?? resolved?.description;
  const error = errorText(run.error);
  const pictures = loadPictures(input.dir, input.pictures);
  const notes = input.notes ?? {};

  const parts: string[] = [];
  parts.push(`<header><h1>${escapeHtml(run.name)}</h1>`);
  if (description) parts.push(`<p class="description">${escapeHtml(description)}</p>`);
  parts.push(`<dl class="facts">${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join('')}</dl></header>`);
  if (error) parts.push(`<div class="error"><strong>${escapeHtml(run.status)}:</strong> ${escapeHtml(error)}</div>`);

  parts.push('<h2>Metrics</h2>');
  parts.push(input.metrics && Object.keys(input.metrics).length > 0 ? metricsTable(input.metrics, trained) : '<p class="muted">No metrics: the run did not get that far.</p>');

  parts.push('<h2>Pictures</h2>');
  if (pictures.length === 0) parts.push('<p class="muted">No pictures in this run.</p>');
  for (const p of pictures) parts.push(figure(p, input.dir, resolved, notes[p.name]));
  const explorer = input.explorer ? renderExplorer(input.explorer) : null;
  if (explorer) parts.push(explorer.html);

  parts.push('<h2>Spec</h2>');
  if (resolved) {
    parts.push('<p class="muted">Resolved: every default filled in and every override applied.</p>');
    parts.push(`<pre>${escapeHtml(toYaml(resolved))}</pre>`);
    parts.push(`<details><summary>spec.yaml as written</summary><pre>${escapeHtml(input.specYaml)}</pre></details>`);
  } else {
    parts.push(`<pre>${escapeHtml(input.specYaml)}</pre>`);
  }
  parts.push(
    `<footer>Written by aelab. This page is self-contained: pictures${explorer ? ', the decoder and the codes' : ''} are embedded, nothing is loaded from elsewhere.</footer>`,
  );

  return htmlPage({
    title: `${run.name} · ${run.id} — aelab report`,
    body: parts.join('\n'),
    contentSecurityPolicy: explorer ? explorer.csp : "default-src 'none'; img-src data:; style-src 'unsafe-inline'",
  });
}
