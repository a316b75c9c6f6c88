import path from 'node:path';

import { planSweep } from '../pipeline/plan.ts';
import { formatIssue, isUserError, type Issue } from '../shared/errors.ts';
import { displayPath, loadSpec } from '../spec/index.ts';
import { parseCommandArgs, parseSetFlags } from './args.ts';
import type { Command } from './command.ts';
import { EXIT_OK, EXIT_USER_ERROR } from './exit.ts';
import { expandFileArgs } from './files.ts';

const usage = 'aelab validate <files|globs…> [--set key=value …]';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export const validateCommand: Command = {
  usage,
  help: `usage: ${usage}

Checks experiment specs without running them: YAML syntax, unknown keys, values out of range,
\`extends\` chains, data files. Prints ✓ or ✗ for each file, then every problem as
\`file:line:col  path  message\`, and warnings (keys that do nothing for the chosen kind).

Arguments are files, folders (their .yaml/.yml files) or globs such as 'experiments/*.yaml'.

options:
  --set key=value   override a key in every spec first (dotted key, YAML value; repeatable)
  -h, --help        show this help

exit status: 0 all specs valid, 1 some spec invalid, 2 bad command line (e.g. no file matched)`,

  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(args, { set: { type: 'string', multiple: true } }, { min: 1, name: 'spec file' });
    const overrides = parseSetFlags(values.set);
    const files = expandFileArgs(positionals, ctx.cwd);
    const show = (issue: Issue, warning = false) =>
      ctx.out(`  ${formatIssue(warning ? { ...issue, message: `warning: ${issue.message}` } : issue)}`);

    let invalid = 0;
    for (const file of files) {
      const name = displayPath(file);
      try {
        const loaded = loadSpec(path.resolve(ctx.cwd, file), { overrides });
        // A sweep is valid when every trial is: combinations of swept keys can clash.
        const trials = loaded.spec.sweep ? planSweep(loaded).length : 0;
        const note =
          (trials > 0 ? ` (sweep of ${plural(trials, 'trial')})` : '') +
          (loaded.warnings.length > 0 ? ` (${plural(loaded.warnings.length, 'warning')})` : '');
        ctx.out(`✓ ${name}${note}`);
        for (const warning of loaded.warnings) show(warning, true);
      } catch (err) {
        if (!isUserError(err)) throw err;
        invalid++;
        ctx.out(`✗ ${name} (${plural(err.issues.length, 'problem')})`);
        for (const issue of err.issues) show(issue);
      }
    }
    ctx.out(invalid === 0 ? `${plural(files.length, 'spec')} valid` : `${invalid} of ${plural(files.length, 'spec')} invalid`);
    return invalid === 0 ? EXIT_OK : EXIT_USER_ERROR;
  },
};
