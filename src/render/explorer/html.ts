// The latent explorer as a page fragment: static markup (hidden until its script runs, so a page
// without JavaScript shows only its static pictures), the embedded data as a JSON data block, and
// the inline script, allowed by the Content-Security-Policy through its SHA-256 hash.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { CATEGORY10 } from '../charts.ts';
import { escapeHtml } from '../escape.ts';
import { explorerPayload, type ExplorerInput } from './payload.ts';

/** The page script, plain JavaScript evaluated as it is (no build step, no modules). */
export const EXPLORER_SCRIPT = fs.readFileSync(new URL('./client.js', import.meta.url), 'utf8');

/** The CSP source that allows exactly EXPLORER_SCRIPT to run. */
export const EXPLORER_SCRIPT_SOURCE = `'sha256-${createHash('sha256').update(EXPLORER_SCRIPT, 'utf8').digest('base64')}'`;

/** A CSP that lets a self-contained page run the explorer and nothing else. */
export const EXPLORER_CSP = `default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src ${EXPLORER_SCRIPT_SOURCE}`;

/** Sliders beyond this many dimensions would not fit; the plane and the held code still cover the rest. */
export const MAX_DIMENSION_SLIDERS = 32;

const STYLE = `
.explorer { margin: 12px 0 30px; }
.explorer .ex-row { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
.explorer canvas { display: block; border: 1px solid #d8dee4; background: #000; }
.explorer canvas.ex-scatter { background: #fff; cursor: crosshair; touch-action: none; }
.explorer canvas.ex-digit { image-rendering: pixelated; }
.explorer .ex-tiles { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.explorer .ex-tile { margin: 0; font-size: 12.5px; color: #3d444d; max-width: 200px; }
.explorer .ex-tile figcaption { margin-top: 3px; word-break: break-word; }
.explorer .ex-legend { font-size: 13px; margin-top: 4px; }
.explorer .ex-legend span { display: inline-block; margin-right: 12px; }
.explorer .ex-legend i { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 4px; }
.explorer .ex-controls { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; margin: 12px 0; font-size: 14px; }
.explorer .ex-sliders { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 2px 18px; font-size: 12.5px; }
.explorer .ex-sliders label { display: grid; grid-template-columns: 3.2em 1fr 5.5em; gap: 6px; align-items: center; }
.explorer .ex-readout { font-size: 12.5px; color: #3d444d; max-width: 560px; word-break: break-word; }
.explorer h3 { margin-top: 18px; }
.explorer input[type=range].ex-alpha { width: 260px; }
`;

function digitCanvas(role: string, input: ExplorerInput, scale: number, extra = ''): string {
  return `<canvas class="ex-digit" data-role="${role}"${extra} width="${input.width}" height="${input.height}" style="width:${input.width * scale}px;height:${input.height * scale}px"></canvas>`;
}

function tile(canvas: string, caption: string): string {
  return `<figure class="ex-tile">${canvas}<figcaption>${caption}</figcaption></figure>`;
}

function dimOptions(latent: number, selected: number): string {
  return Array.from({ length: latent }, (_, j) => `<option value="${j}"${j === selected ? ' selected' : ''}>z${j + 1}</option>`).join('');
}

/**
 * The explorer section for a page, and the CSP that page needs. `heading` is trusted HTML-free
 * text; every label from the input is escaped; the JSON data block has '<' escaped so that no
 * string in it can end the block.
 */
export function renderExplorer(input: ExplorerInput, heading = 'Explore the latent space'): { html: string; csp: string } {
  const payload = explorerPayload(input);
  const { latent } = input;
  const multi = input.models.length > 1;
  const digits = [...new Set(input.labels)].sort((a, b) => a - b);
  const legend = digits
    .map((d, i) => `<span><i style="background:${CATEGORY10[i % CATEGORY10.length]}"></i>${d}</span>`)
    .join('');
  const decodedTiles = input.models
    .map((m, i) => tile(digitCanvas('decoded', input, multi ? 5 : 7, ` data-model="${i}"`), `<strong>g(z)</strong>${multi ? ` · ${escapeHtml(m.label)}` : ''}`))
    .join('');
  const reconTiles = input.models
    .map((m, i) => tile(digitCanvas('nearest-reconstruction', input, 3, ` data-model="${i}"`), `its reconstruction${multi ? ` · ${escapeHtml(m.label)}` : ''}`))
    .join('');
  const latentTiles = input.models
    .map((m, i) => tile(digitCanvas('interpolation-latent', input, 4, ` data-model="${i}"`), `latent: g((1−α)f(x) + αf(x′))${multi ? ` · ${escapeHtml(m.label)}` : ''}`))
    .join('');
  const sampleable = input.models.some((m) => m.density !== null);
  const densityNote = input.models[0]!.density ? ` from ${escapeHtml(input.models[0]!.density.label)}` : '';

  const controls: string[] = [];
  if (multi) {
    controls.push(
      `<label>Scatter and samples of <select data-role="model">${input.models.map((m, i) => `<option value="${i}">${escapeHtml(m.label)}</option>`).join('')}</select></label>`,
    );
  }
  if (sampleable) controls.push(`<button type="button" data-role="sample">Sample${densityNote}</button>`);
  controls.push('<button type="button" data-role="random-pair">Random pair</button>');
  let sliders = '';
  if (latent > 2) {
    controls.push(
      '<label>Plane <select data-role="plane"><option value="pca" selected>first two principal axes of the codes</option><option value="dims">two dimensions</option></select></label>',
      `<label>x <select data-role="dim-x" disabled>${dimOptions(latent, 0)}</select></label>`,
      `<label>y <select data-role="dim-y" disabled>${dimOptions(latent, 1)}</select></label>`,
      '<label>Other dimensions held at <select data-role="hold"><option value="mean" selected>the mean code</option><option value="picked" disabled>the picked test code x</option></select></label>',
    );
  }
  if (latent > 1) {
    const shown = Math.min(latent, MAX_DIMENSION_SLIDERS);
    const rows = Array.from(
      { length: shown },
      (_, j) => `<label>z${j + 1} <input type="range" data-role="dim-slider" data-dim="${j}" min="0" max="1" step="any" value="0.5"><output class="mono" data-role="dim-value" data-dim="${j}"></output></label>`,
    );
    const more = latent > shown ? `<p class="muted">Sliders for z1–z${shown}; the other ${latent - shown} dimensions follow the plane and the held code.</p>` : '';
    sliders = `<details${latent > 2 ? ' open' : ''}><summary>The code z, one slider per dimension</summary><div class="ex-sliders">${rows.join('')}</div>${more}</details>`;
  }

  const imagesNote =
    payload.imageIndex.length < payload.n
      ? `${payload.n} test codes are plotted; ${payload.imageIndex.length} of their images (the same share of every digit) are embedded, and “nearest” means the nearest of those.`
      : `All ${payload.n} test codes and their images are embedded.`;
  const html = `<section id="aelab-explorer" class="explorer" hidden>
<style>${STYLE}</style>
<h2>${escapeHtml(heading)}</h2>
<p>${
    multi
      ? `Move the mouse over the scatter of test codes: the point under it, <i>z</i>, goes through every run’s decoder at once (${input.models.length} runs, latent size ${latent}), computed in this page from their weights. The scatter shows the codes of the run chosen above it; the runs’ latent spaces are not aligned, so the same <i>z</i> can mean different things to each.`
      : 'Move the mouse over the scatter of test codes: the decoder turns the point under it into an image, <i>g</i>(<i>z</i>), computed in this page from the model’s weights.'
  } Click two test points (or press “Random pair”) to interpolate between them. ${escapeHtml(imagesNote)}</p>
<div class="ex-controls">${controls.join('')}</div>
<div class="ex-row">
<div><canvas class="ex-scatter" data-role="scatter" width="440" height="440" style="width:440px;height:440px"></canvas><div class="ex-legend">${legend}</div></div>
<div>
<div class="ex-tiles">${decodedTiles}</div>
<div class="ex-tiles" style="margin-top:10px">${tile(digitCanvas('nearest', input, 3), 'nearest test image')}${reconTiles}</div>
<p class="ex-readout mono" data-role="readout"></p>
</div>
</div>
${sliders}
<h3>Interpolation between two test images x (α = 0) and x′ (α = 1)</h3>
<div class="ex-controls"><label>α <input class="ex-alpha" type="range" data-role="alpha" min="0" max="1" step="0.01" value="0.5"></label><output class="mono" data-role="alpha-value">0.50</output></div>
<div class="ex-tiles">${tile(digitCanvas('pair-a', input, 4), '<strong>x</strong>')}${latentTiles}${tile(digitCanvas('interpolation-pixel', input, 4), 'pixel: (1−α)x + αx′')}${tile(digitCanvas('pair-b', input, 4), '<strong>x′</strong>')}</div>
</section>
<noscript><p class="muted">The interactive latent explorer needs JavaScript; the pictures above show the same latent space.</p></noscript>
<script type="application/json" id="aelab-explorer-data">${JSON.stringify(payload).replace(/</g, '\\u003c')}</script>
<script>${EXPLORER_SCRIPT}</script>`;
  return { html, csp: EXPLORER_CSP };
}
