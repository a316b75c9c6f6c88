// Render stage: plain data in, picture bytes and HTML strings out. Nothing here decides where a
// file goes; the pipeline writes what these functions return.
export { renderRunPictures, type RenderedFile } from './pictures.ts';
export { renderRunReport, pictureNotes, type RunReportInput, type RunInfo } from './report.ts';
export { renderRunsIndex, type RunIndexRow } from './runs-index.ts';
export {
  renderComparison,
  renderComparisonTable,
  COMPARISON_CHART_PNG,
  COMPARISON_CHART_SVG,
  type ComparisonInput,
  type ComparisonRun,
  type ComparisonGroups,
} from './comparison.ts';
export type { ComparisonPoint } from './charts.ts';
export { formatDuration, formatMetric, formatTime } from './format.ts';
export { htmlPage, statusBadge } from './page.ts';
export { escapeHtml, relativeHref } from './escape.ts';
export { EXPLORER_SCRIPT_SOURCE } from './explorer/html.ts';
