// The class histogram of decoded samples (as the quality classifier reads them) next to the
// training digits' shares: a model that only generates 1s, or whose samples drift into digits it
// never saw, shows it at a glance.
import type { TopLevelSpec } from 'vega-lite';
import type { PictureData } from '../shared/types.ts';
import { CATEGORY10, CONFIG } from './charts.ts';

export const SAMPLES_SERIES = 'decoded samples';
export const TRAINING_SERIES = 'training images';

/** Grouped bars per class: the samples' share and the training split's share. Null without classes. */
export function classShareChartSpec(part: NonNullable<PictureData['classShares']>): TopLevelSpec | null {
  const classes = [...new Set([...Object.keys(part.samples), ...Object.keys(part.training)])].sort((a, b) => Number(a) - Number(b));
  if (classes.length === 0) return null;
  const values = classes.flatMap((c) => [
    { class: c, series: TRAINING_SERIES, share: part.training[c] ?? 0 },
    { class: c, series: SAMPLES_SERIES, share: part.samples[c] ?? 0 },
  ]);
  const outside = classes.filter((c) => !part.digits.includes(Number(c))).reduce((s, c) => s + (part.samples[c] ?? 0), 0);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Classes of the decoded samples',
      subtitle: `as the feature classifier reads them, against the training digits; ${(100 * outside).toFixed(1)} % of samples fall outside data.digits`,
    },
    width: { step: 36 },
    height: 220,
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'class', type: 'ordinal', title: 'class (digit)', sort: classes, axis: { labelAngle: 0 } },
      xOffset: { field: 'series', sort: [TRAINING_SERIES, SAMPLES_SERIES] },
      y: { field: 'share', type: 'quantitative', title: 'share', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
      color: {
        field: 'series',
        type: 'nominal',
        scale: { domain: [TRAINING_SERIES, SAMPLES_SERIES], range: [CATEGORY10[7]!, CATEGORY10[0]!] },
        legend: { title: null, orient: 'top' },
      },
      tooltip: [
        { field: 'class', type: 'ordinal' },
        { field: 'series', type: 'nominal' },
        { field: 'share', type: 'quantitative', format: '.1%' },
      ],
    },
    config: CONFIG,
  } as TopLevelSpec;
}
