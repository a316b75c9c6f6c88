// COMPARE: runs side by side — which folders, what differs between them, and how they score.
export { resolveCompareInputs, loadComparedRun, type ComparedRun, type SkippedInput } from './inputs.ts';
export {
  buildComparison,
  formatComparison,
  formatNumber,
  COMPARE_METRICS,
  type Comparison,
  type ComparisonRow,
  type CompareMetric,
  type ComparisonGroup,
  type CompareOptions,
  changeHeader,
  displayTable,
} from './table.ts';
export { metricValue, summarize, formatPercent, type Summary } from './stats.ts';
