// Flag parsing for every command: Node's util.parseArgs, with a thin layer over it for what it
// cannot do itself: its errors become usage errors (exit 2) that say what was wrong in a few words
// ("unknown option --backnd; did you mean --backend?"), positional arguments are counted against
// the command's rule, and --help/-h is accepted by every command.
import { parseArgs } from 'node:util';

import { isUserError } from '../shared/errors.ts';
import { MIN_STALE_AFTER_MS, parseDuration } from '../shared/liveness.ts';
import { closest, parseSetArgs } from '../spec/index.ts';
import { UsageError } from './exit.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  default?: string | boolean | string[] | boolean[];
}

type OptionValue<O extends OptionSpec> = O['type'] extends 'boolean'
  ? O['multiple'] extends true
    ? boolean[]
    : boolean
  : O['multiple'] extends true
    ? string[]
    : string;

export type OptionValues<O extends Record<string, OptionSpec>> = { [K in keyof O]?: OptionValue<O[K]> };

export interface PositionalRule {
  /** Fewest and most positional arguments (default 0 and unlimited). */
  min?: number;
  max?: number;
  /** How to name them in messages: `spec file`, `run folder`. */
  name?: string;
}

/**
 * Parses a command's arguments. `--help`/`-h` are always accepted (main shows the help before a
 * command runs). Unknown flags, missing flag values and wrong positional counts throw UsageError.
 *
 *   const { values, positionals } = parseCommandArgs(args, { set: { type: 'string', multiple: true } }, { min: 1, max: 1, name: 'spec file' });
 */
export function parseCommandArgs<O extends Record<string, OptionSpec>>(
  args: readonly string[],
  options: O,
  positionals: PositionalRule = {},
): { values: OptionValues<O>; positionals: string[] } {
  const config = { ...options, help: { type: 'boolean' as const, short: 'h' } };
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...args], options: config, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(describeParseError(err, Object.keys(options)));
  }
  const count = parsed.positionals.length;
  const what = positionals.name ?? 'argument';
  const plural = (n: number) => `${n} ${what}${n === 1 ? '' : 's'}`;
  if (positionals.min !== undefined && count < positionals.min) {
    throw new UsageError(count === 0 ? `missing ${what}` : `expected at least ${plural(positionals.min)}, got ${count}`);
  }
  if (positionals.max !== undefined && count > positionals.max) {
    throw new UsageError(
      positionals.max === 0
        ? `unexpected argument ${JSON.stringify(parsed.positionals[0])}`
        : `expected at most ${plural(positionals.max)}, got ${count}: ${parsed.positionals.join(' ')}`,
    );
  }
  const { help: _help, ...values } = parsed.values;
  return { values: values as OptionValues<O>, positionals: parsed.positionals };
}

function describeParseError(err: unknown, known: string[]): string {
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  const quoted = /'([^']+)'/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const flag = quoted ?? '?';
      const near = closest(flag.replace(/^-+/, ''), known);
      return `unknown option ${flag}${near ? `; did you mean --${near.match}?` : ''}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      // "Option '--set <value>' argument missing" and the like.
      return message.replace(/^Option '([^']+)'/, 'option $1').replace(/\.$/, '');
    default:
      return message;
  }
}

/** True when the arguments ask for help (`--help` or `-h` before any `--`). */
export function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

/**
 * `--set` values → overrides. A flag that cannot be read (no `=`, no key, a value that is not
 * YAML) is a mistake on the command line, so it exits 2 like any other usage error. A value of the
 * wrong type or range is found later, with the spec, and reported like a spec error.
 */
export function parseSetFlags(sets: readonly string[] | undefined): Record<string, unknown> {
  try {
    return parseSetArgs(sets ?? []);
  } catch (err) {
    if (isUserError(err) && err.issues.every((i) => i.file === '--set')) {
      throw new UsageError(err.issues.map((i) => `--set ${i.path ? i.path + ' ' : ''}${i.message}`).join('; '));
    }
    throw err;
  }
}

/** --stale-after DURATION → milliseconds (undefined: the default). */
export function readStaleAfter(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === null) throw new UsageError(`--stale-after ${text}: expected a duration such as 90s, 10m or 2h`);
  if (ms < MIN_STALE_AFTER_MS) {
    throw new UsageError(`--stale-after ${text}: must be at least ${MIN_STALE_AFTER_MS / 1000}s: runs beat every 30 s, so anything shorter would call live runs lost`);
  }
  return ms;
}
