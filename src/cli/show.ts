import fs from 'node:fs';
import path from 'node:path';

import { formatIssue } from '../shared/errors.ts';
import { displayPath, loadSpec, runFolderSpecFile, specToYaml } from '../spec/index.ts';
import { parseCommandArgs, parseSetFlags } from './args.ts';
import type { Command } from './command.ts';
import { EXIT_OK } from './exit.ts';

const usage = 'aelab show <spec|run folder> [--set key=value …]';

export const showCommand: Command = {
  usage,
  help: `usage: ${usage}

Prints the spec as aelab will run it: \`extends\` merged, overrides applied, every default filled
in. The output is YAML in the spec format. Warnings go to stderr. A run folder stands for the spec
as it ran (its resolved.yaml: overrides applied, data paths absolute).

options:
  --set key=value   override a key (dotted key, YAML value; repeatable),
                    e.g. --set model.latent=8 --set 'model.encoder=[256, 64]'
  -h, --help        show this help

exit status: 0 valid, 1 invalid spec (problems on stderr), 2 bad command line`,

  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(args, { set: { type: 'string', multiple: true } }, { min: 1, max: 1, name: 'spec file' });
    const overrides = parseSetFlags(values.set);
    const given = path.resolve(ctx.cwd, positionals[0]!);
    const file = (fs.statSync(given, { throwIfNoEntry: false })?.isDirectory() ? runFolderSpecFile(given) : null) ?? given;
    const loaded = loadSpec(file, { overrides });
    for (const warning of loaded.warnings) ctx.err(formatIssue({ ...warning, message: `warning: ${warning.message}` }));
    const origin = [displayPath(loaded.file), ...loaded.extendsChain.slice(1).map((f) => `extends ${displayPath(f)}`)];
    if (Object.keys(overrides).length > 0) origin.push(`--set ${Object.keys(overrides).join(', ')}`);
    ctx.out(`# resolved from ${origin.join(', ')}; defaults filled in; spec hash ${loaded.hash.slice(0, 12)}`);
    ctx.stdout.write(specToYaml(loaded.spec));
    return EXIT_OK;
  },
};
