// `aelab run SPEC --trial 'latent=8'`: which trials of a sweep to run. A filter is a comma-separated
// list of key=value pairs, every one of which a trial's name must contain; several filters select
// the trials any of them matches. Keys may be written as in the trial name (`latent`) or in full
// (`model.latent`). Pure, like the rest of the plan stage.
import { UserError } from '../shared/errors.ts';

function nameParts(name: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const part of name.replace(/~\d+$/, '').split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) parts.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return parts;
}

function parseFilter(filter: string): [string, string][] {
  const pairs = filter.split(',').map((p) => p.trim()).filter(Boolean);
  if (pairs.length === 0 || pairs.some((p) => p.indexOf('=') <= 0)) {
    throw new UserError(`--trial ${JSON.stringify(filter)}: write key=value pairs separated by commas, e.g. --trial 'latent=8' or --trial 'kind=pca,latent=8'`);
  }
  return pairs.map((p) => [p.slice(0, p.indexOf('=')).trim(), p.slice(p.indexOf('=') + 1).trim()]);
}

const sameKey = (label: string, key: string) => label === key || label.endsWith(`.${key}`) || key.endsWith(`.${label}`);

/** The trials (in plan order) that match any filter; an unmatched filter is an error listing the trials. */
export function selectTrials<T extends { name: string }>(trials: T[], filters: readonly string[]): T[] {
  if (filters.length === 0) return trials;
  const parsed = filters.map(parseFilter);
  const matches = (trial: T, pairs: [string, string][]) => {
    if (pairs.length === 1 && pairs[0]!.join('=') === trial.name) return true;
    const parts = nameParts(trial.name);
    return pairs.every(([key, value]) => [...parts].some(([label, v]) => sameKey(label, key) && v === value));
  };
  parsed.forEach((pairs, i) => {
    if (!trials.some((t) => matches(t, pairs))) {
      const shown = trials.slice(0, 12).map((t) => t.name);
      throw new UserError(
        `--trial ${filters[i]}: no trial of this sweep matches; its trials: ${shown.join('; ')}${trials.length > shown.length ? `; … (${trials.length} in all)` : ''}`,
      );
    }
  });
  return trials.filter((t) => parsed.some((pairs) => matches(t, pairs)));
}
