import { parseDocument } from 'yaml';

import { UserError, type Issue } from '../shared/errors.ts';
import { parseDottedPath } from './paths.ts';

/**
 * `--set` arguments → dotted-key overrides: `['model.latent=8', 'model.encoder=[64, 32]']` →
 * `{'model.latent': 8, 'model.encoder': [64, 32]}`. Values are YAML, so numbers, lists and
 * quoted text work as in a spec file. Later settings of the same key win.
 */
export function parseSetArgs(sets: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const issues: Issue[] = [];
  for (const arg of sets) {
    const eq = arg.indexOf('=');
    const key = eq >= 0 ? arg.slice(0, eq).trim() : '';
    const text = eq >= 0 ? arg.slice(eq + 1) : '';
    if (eq < 0 || key.length === 0) {
      issues.push({ file: '--set', path: '', message: `expected key=value such as \`--set model.latent=8\`, got ${JSON.stringify(arg)}` });
      continue;
    }
    if (!parseDottedPath(key)) {
      issues.push({ file: '--set', path: key, message: 'is not a dotted key such as `model.latent` or `model.encoder[0]`' });
      continue;
    }
    if (text.trim().length === 0) {
      issues.push({ file: '--set', path: key, message: `has no value after \`=\`; write e.g. \`--set ${key}=…\`` });
      continue;
    }
    const doc = parseDocument(text);
    if (doc.errors.length > 0) {
      const why = doc.errors[0]!.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      issues.push({ file: '--set', path: key, message: `value ${JSON.stringify(text)} is not valid YAML: ${why}` });
      continue;
    }
    out[key] = doc.toJS();
  }
  if (issues.length > 0) throw new UserError(issues);
  return out;
}
