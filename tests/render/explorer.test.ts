// The explorer's page fragment and embedded data, without a browser: what goes in, how big it is,
// and that the CSP hash allows exactly the script that is in the page.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderExplorer, EXPLORER_SCRIPT } from '../../src/render/explorer/html.ts';
import { explorerPayload, principalPlane, stratifiedSubset, type ExplorerInput } from '../../src/render/explorer/payload.ts';
import type { DecoderExport } from '../../src/shared/types.ts';

function denseDecoder(widths: number[]): DecoderExport {
  return {
    layers: widths.slice(1).map((out, i) => ({
      in: widths[i]!,
      out,
      weights: Float32Array.from({ length: widths[i]! * out }, (_, k) => Math.sin(k)),
      bias: new Float32Array(out),
      activation: i === widths.length - 2 ? ('sigmoid' as const) : ('relu' as const),
    })),
  };
}

function input(n: number, latent: number, widths: number[], side = 28, label = 'deep'): ExplorerInput {
  const labels = Uint8Array.from({ length: n }, (_, i) => [1, 5, 6][i % 3]!);
  return {
    height: side,
    width: side,
    latent,
    labels,
    images: Float32Array.from({ length: n * side * side }, (_, k) => (k % 7) / 6),
    models: [{ label, kind: 'deep', decoder: denseDecoder([latent, ...widths, side * side]), codes: Float32Array.from({ length: n * latent }, (_, k) => Math.cos(k)), density: { label: 'N(0, I)', components: [{ weight: 1, mean: new Array<number>(latent).fill(0), covariance: Array.from({ length: latent }, (_, i) => Array.from({ length: latent }, (__, j) => (i === j ? 1 : 0))) }] } }],
    seed: 1,
  };
}

describe('stratifiedSubset', () => {
  it('keeps every label in proportion, spread evenly, deterministically', () => {
    const labels = Uint8Array.from({ length: 3000 }, (_, i) => (i < 2000 ? 1 : i % 2 ? 5 : 6));
    const picked = stratifiedSubset(labels, 300);
    expect(picked.length).toBeLessThanOrEqual(300);
    expect(picked.length).toBeGreaterThan(295);
    expect(new Set(picked).size).toBe(picked.length);
    expect(picked).toEqual([...picked].sort((a, b) => a - b));
    const count = (d: number) => picked.filter((i) => labels[i] === d).length;
    expect(count(1)).toBe(200);
    expect(count(5)).toBe(50);
    expect(count(6)).toBe(50);
    // Spread through the label's images, not the first ones.
    expect(Math.max(...picked.filter((i) => labels[i] === 1))).toBeGreaterThan(1900);
    expect(stratifiedSubset(labels, 300)).toEqual(picked);
  });

  it('keeps a rare label and takes everything when there is room', () => {
    const labels = Uint8Array.from({ length: 1000 }, (_, i) => (i === 500 ? 9 : 0));
    expect(stratifiedSubset(labels, 10)).toContain(500);
    expect(stratifiedSubset(labels.subarray(0, 8), 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('principalPlane', () => {
  it('finds the direction of largest spread first, orthonormal axes, and their standard deviations', () => {
    const n = 400;
    const codes = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const a = Math.sin(i * 1.3) * 3;
      const b = Math.cos(i * 0.7);
      // Spread 3 along (1, 1, 0)/√2, 1 along z3; mean (1, 2, 3).
      codes.set([1 + a / Math.SQRT2, 2 + a / Math.SQRT2, 3 + b], i * 3);
    }
    const { mean, axes, stds } = principalPlane(codes, n, 3);
    expect(mean[0]).toBeCloseTo(1, 1);
    expect(Math.abs(axes[0]![0]!)).toBeCloseTo(Math.SQRT1_2, 4);
    expect(Math.abs(axes[0]![1]!)).toBeCloseTo(Math.SQRT1_2, 4);
    expect(Math.abs(axes[1]![2]!)).toBeCloseTo(1, 4);
    expect(axes[0]!.reduce((s, v, j) => s + v * axes[1]![j]!, 0)).toBeCloseTo(0, 10);
    expect(stds[0]).toBeGreaterThan(stds[1]!);
  });
});

describe('renderExplorer', () => {
  it('allows exactly its own script by hash and embeds it unchanged', () => {
    const { html, csp } = renderExplorer(input(30, 2, [8]));
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toEqual([EXPLORER_SCRIPT]);
    const hash = createHash('sha256').update(scripts[0]!, 'utf8').digest('base64');
    expect(csp).toBe(`default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-${hash}'`);
    expect(html).toContain('<section id="aelab-explorer" class="explorer" hidden>');
  });

  it('escapes labels in the markup and in the JSON data block', () => {
    const hostile = '</script><script>alert(1)</script>';
    const { html } = renderExplorer({ ...input(30, 2, [8], 28, hostile), models: [input(30, 2, [8], 28, hostile).models[0]!, { ...input(30, 2, [8]).models[0]!, label: hostile }] });
    expect(html.match(/<script/g)?.length).toBe(2);
    expect(html).not.toContain('<script>alert');
    const block = html.match(/<script type="application\/json" id="aelab-explorer-data">([\s\S]*?)<\/script>/)![1]!;
    expect(JSON.parse(block).models[0].label).toBe(hostile);
  });

  it('offers dimension controls and a slider per dimension (at most 32) only above latent 2', () => {
    expect(renderExplorer(input(30, 2, [8])).html).not.toContain('data-role="plane"');
    const eight = renderExplorer(input(30, 8, [8])).html;
    expect(eight).toContain('data-role="plane"');
    expect(eight.match(/data-role="dim-slider"/g)?.length).toBe(8);
    const forty = renderExplorer(input(30, 40, [8])).html;
    expect(forty.match(/data-role="dim-slider"/g)?.length).toBe(32);
    expect(forty).toContain('the other 8 dimensions');
  });

  it("the lecture's deep run (2-300-500-784, 2985 test codes) embeds in about 3.6 MB", () => {
    const big = input(2985, 2, [300, 500]);
    const { html } = renderExplorer(big);
    const payload = explorerPayload(big);
    expect(payload.imageIndex.length).toBeLessThanOrEqual(600);
    // Decoder 544,184 floats (2.9 MB as base64), 600 images as uint8 (0.63 MB), codes (32 kB).
    expect(html.length).toBeGreaterThan(3.4e6);
    expect(html.length).toBeLessThan(3.9e6);
  });

  it('refuses a decoder that does not map the latent size to the image size', () => {
    const bad = input(30, 2, [8]);
    bad.models[0]!.decoder = denseDecoder([3, 8, 784]);
    expect(() => renderExplorer(bad)).toThrow(/maps 3 → 784, expected 2 → 784/);
    expect(() => renderExplorer({ ...input(30, 2, [8]), models: [] })).toThrow(/1 to 4 models/);
  });
});

describe('compare.html and the explorer', () => {
  it('shows why there is no explorer when the runs cannot share one', async () => {
    const { renderComparison } = await import('../../src/render/index.ts');
    const { html } = await renderComparison({
      parameterKeys: [],
      metricKeys: [],
      runs: [{ id: 'a', label: 'a', kind: 'deep', latent: 2, parameters: {}, metrics: {} }],
      explorer: { unavailable: 'the runs have different latent sizes (2, 8).' },
    });
    expect(html).toContain('No interactive explorer: the runs have different latent sizes (2, 8).');
    expect(html).not.toContain('<script');
  });
});
