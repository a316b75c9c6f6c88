import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';

import { parseCommandArgs } from '../../src/cli/args.ts';
import { UsageError } from '../../src/cli/exit.ts';
import { commands } from '../../src/cli/commands.ts';
import { main } from '../../src/cli/main.ts';
import { InterruptedError, UserError } from '../../src/shared/errors.ts';
import { lines, removeFixtures, writeFixtures } from '../spec/fixtures.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

let dir: string;
const at = (name: string) => path.join(dir, name);

beforeAll(() => {
  dir = writeFixtures({
    'good.yaml': lines('model:', '  latent: 3'),
    'typo.yaml': lines('seed: 1', 'modle:', '  latent: 3'),
    'two-errors.yaml': lines('model:', '  latent: -2', '  encoder: [500, "x"]'),
    'pca-encoder.yaml': lines('model:', '  kind: pca', '  encoder: [64]'),
    'sub/nested.yaml': lines('seed: 5'),
    'sweep-clash.yaml': lines('sweep:', '  grid:', '    model.kind: [pca, deep]', '    model.latent: [2, 1000]'),
  });
});
afterAll(() => removeFixtures(dir));

async function cli(argv: string[], env: Record<string, string | undefined> = {}, cwd?: string) {
  let out = '';
  let err = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env,
    ...(cwd === undefined ? {} : { cwd }),
  });
  return { code, out, err };
}

describe('aelab validate', () => {
  it('checks every trial of a sweep: swept keys can clash in one combination only', async () => {
    const { code, out } = await cli(['validate', at('sweep-clash.yaml')]);
    expect(code).toBe(1);
    expect(out).toContain('sweep trial kind=pca,latent=1000');
    expect(out).toMatch(/at most 784 components, got 1000/);
    expect(out).not.toContain('kind=deep,latent=1000');
    const ok = await cli(['validate', path.join(ROOT, 'experiments', 'pca-vs-deep.yaml')]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('sweep of 10 trials');
  });

  it('exits 0 on the experiments (glob expanded by aelab)', async () => {
    const { code, out } = await cli(['validate', 'experiments/*.yaml']);
    expect(code).toBe(0);
    expect(out).toContain('✓ experiments/mnist-156-deep.yaml');
    expect(out).toContain('✓ experiments/mnist-156-pca.yaml');
    expect(out).toMatch(/\d+ specs valid/);
  });

  it('exits 1 on a misspelt key, printing its line, path and a suggestion', async () => {
    const { code, out } = await cli(['validate', at('typo.yaml')]);
    expect(code).toBe(1);
    expect(out).toContain(`✗ ${at('typo.yaml')} (1 problem)`);
    expect(out).toContain(`${at('typo.yaml')}:2:1  modle  unknown key \`modle\`; did you mean \`model\`?`);
  });

  it('reports both errors of a file at once', async () => {
    const { code, out } = await cli(['validate', at('two-errors.yaml')]);
    expect(code).toBe(1);
    expect(out).toContain(':2:11  model.latent  must be an integer ≥ 1, got -2');
    expect(out).toContain(':3:18  model.encoder[1]  must be an integer ≥ 1 or a mapping (indented `key: value` lines), got "x"');
  });

  it('validates every file, exits 1 if any is invalid, and prints warnings', async () => {
    const { code, out } = await cli(['validate', at('good.yaml'), at('typo.yaml'), at('pca-encoder.yaml')]);
    expect(code).toBe(1);
    expect(out).toContain(`✓ ${at('good.yaml')}`);
    expect(out).toContain(`✓ ${at('pca-encoder.yaml')} (1 warning)`);
    expect(out).toContain(`${at('pca-encoder.yaml')}:3:3  model.encoder  warning: ignored: model.kind is pca`);
    expect(out).toContain('1 of 3 specs invalid');
  });

  it('reads relative arguments from the working directory it is given, not the process’s', async () => {
    const { code, out } = await cli(['validate', 'good.yaml', 'sub/*.yaml'], {}, dir);
    expect(code).toBe(0);
    expect(out).toContain('✓ good.yaml');
    expect(out).toContain('✓ sub/nested.yaml');
    const shown = await cli(['show', 'good.yaml', '--set', 'seed=9'], {}, dir);
    expect(shown.code).toBe(0);
    expect(parse(shown.out)).toMatchObject({ name: 'good', seed: 9, model: { latent: 3 } });
  });

  it('takes a folder as its .yaml files, and --set overrides', async () => {
    const ok = await cli(['validate', path.join(dir, 'sub')]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('nested.yaml');
    const bad = await cli(['validate', at('good.yaml'), '--set', 'model.latent=0']);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('--set  model.latent  must be an integer ≥ 1, got 0');
  });

  it.each([
    [['validate'], /missing spec file/],
    [['validate', 'no/such/*.yaml'], /no files match "no\/such\/\*\.yaml"/],
    [['validate', 'nothing-here.yaml'], /no files match/],
    [['validate', '--strict', 'experiments/*.yaml'], /unknown option --strict/],
    [['validate', '--set'], /option --set <value> argument missing/],
  ])('exits 2 on a usage error: %j', async (argv, message) => {
    const { code, err, out } = await cli(argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(err).toContain('usage: aelab validate <files|globs…>');
    expect(out).toBe('');
  });
});

describe('aelab show', () => {
  it('prints the resolved spec as YAML', async () => {
    const { code, out } = await cli(['show', 'experiments/mnist-156-deep.yaml']);
    expect(code).toBe(0);
    const spec = parse(out) as { name: string; model: unknown; train: { epochs: number } };
    expect(spec.name).toBe('mnist-156-deep');
    expect(spec.model).toEqual({ kind: 'deep', latent: 2, encoder: [500, 300], decoder: 'mirror', activation: 'relu', output_activation: 'sigmoid', dropout: 0, batch_norm: false, tied: false });
    expect(spec.train.epochs).toBe(20);
  });

  it('applies --set, and prints warnings on stderr', async () => {
    const { code, out, err } = await cli(['show', at('pca-encoder.yaml'), '--set', 'model.latent=7', '--set', 'seed=3']);
    expect(code).toBe(0);
    expect(parse(out)).toMatchObject({ seed: 3, model: { kind: 'pca', latent: 7 } });
    expect(err).toContain('model.encoder  warning: ignored');
  });

  it('exits 1 for an invalid spec or --set value, 2 for an unreadable --set flag', async () => {
    const invalid = await cli(['show', at('typo.yaml')]);
    expect(invalid.code).toBe(1);
    expect(invalid.err).toContain('did you mean `model`?');
    expect(invalid.err).not.toMatch(/\n\s+at /);
    const badSet = await cli(['show', at('good.yaml'), '--set', 'model.latent']);
    expect(badSet.code).toBe(2);
    expect(badSet.err).toContain('--set');
    expect(badSet.err).toContain('expected key=value');
    expect(badSet.err).toContain('usage: aelab show');
    const badValue = await cli(['show', at('good.yaml'), '--set', 'model.latent=-2']);
    expect(badValue.code).toBe(1);
    expect(badValue.err).toMatch(/--set.*model\.latent.*must be an integer ≥ 1, got -2/);
  });

  it('exits 2 for two specs', async () => {
    const { code, err } = await cli(['show', at('good.yaml'), at('typo.yaml')]);
    expect(code).toBe(2);
    expect(err).toMatch(/expected at most 1 spec file, got 2/);
  });
});

describe('help, version and dispatch', () => {
  it('prints the top-level help with every command', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const { code, out } = await cli([flag]);
      expect(code).toBe(0);
      for (const name of Object.keys(commands)) expect(out).toContain(`  ${name}`);
    }
  });

  it.each(Object.keys(commands))('%s --help prints its usage and exits 0', async (name) => {
    for (const argv of [[name, '--help'], [name, '-h'], ['help', name], [name, 'whatever', '--help']]) {
      const { code, out } = await cli(argv);
      expect(code).toBe(0);
      expect(out).toContain(`usage: aelab ${name}`);
    }
  });

  it('prints the version from package.json', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const { code, out } = await cli(['--version']);
    expect(code).toBe(0);
    expect(out.trim()).toBe(pkg.version);
  });

  it('exits 2 with help when no command is given, and suggests a command for a typo', async () => {
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('usage: aelab <command>');
    const typo = await cli(['valdate', 'x.yaml']);
    expect(typo.code).toBe(2);
    expect(typo.err).toContain('unknown command "valdate"; did you mean `validate`?');
    const flag = await cli(['--frobnicate']);
    expect(flag.code).toBe(2);
  });
});

describe('failures inside a command', () => {
  const withCommand = async (run: () => Promise<number>, argv: string[] = [], env: Record<string, string> = {}) => {
    commands['test-only'] = { summary: 'test', load: async () => ({ usage: 'aelab test-only', help: 'usage: aelab test-only', run }) };
    try {
      return await cli(['test-only', ...argv], env);
    } finally {
      delete commands['test-only'];
    }
  };

  function deepThrow(depth: number): never {
    if (depth === 0) throw new Error('kaboom');
    return deepThrow(depth - 1);
  }

  it('an internal error exits 70 with a short stack and a hint', async () => {
    const { code, err } = await withCommand(async () => deepThrow(12));
    expect(code).toBe(70);
    expect(err).toContain('aelab: internal error: kaboom');
    expect(err.match(/^\s+at /gm)?.length).toBe(5);
    expect(err).toContain('AELAB_DEBUG=1');
  });

  it('AELAB_DEBUG=1 prints the full stack', async () => {
    const limit = Error.stackTraceLimit;
    onTestFinished(() => {
      Error.stackTraceLimit = limit;
    });
    const { code, err } = await withCommand(async () => deepThrow(12), [], { AELAB_DEBUG: '1' });
    expect(code).toBe(70);
    expect(err.match(/^\s+at /gm)!.length).toBeGreaterThan(12);
    expect(err).not.toContain('more frames');
  });

  it('a UserError exits 1 with its lines and no stack', async () => {
    const { code, err } = await withCommand(async () => {
      throw new UserError([{ file: 'a.yaml', line: 3, col: 2, path: 'model.latent', message: 'too big' }]);
    });
    expect(code).toBe(1);
    expect(err).toBe('a.yaml:3:2  model.latent  too big\n');
  });

  it('a UsageError exits 2 with the command usage; an interruption exits 128 + the signal: 130 for SIGINT, 143 for SIGTERM', async () => {
    const usage = await withCommand(async () => {
      throw new UsageError('needs a run folder');
    });
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('aelab test-only: needs a run folder');
    expect(usage.err).toContain('usage: aelab test-only');
    const interrupted = await withCommand(async () => {
      throw new InterruptedError('SIGINT');
    });
    expect(interrupted.code).toBe(130);
    const terminated = await withCommand(async () => {
      throw new InterruptedError('SIGTERM');
    });
    expect(terminated.code).toBe(143);
    expect(terminated.err).toBe('aelab: interrupted by SIGTERM\n');
  });

  it('a malformed --shard or --stale-after exits 2 like every other bad flag, before anything runs', async () => {
    const runsDir = at('runs-bad-flags');
    const slurm1Based = { SLURM_ARRAY_JOB_ID: '812', SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '2', SLURM_ARRAY_TASK_COUNT: '2' };
    for (const [args, env, says] of [
      [['--shard', '3/3'], {}, /--shard 3\/3: i counts from 0/],
      [['--shard', 'abc'], {}, /--shard expects i\/n/],
      [['--shard', '0/0'], {}, /must be a whole number ≥ 1/],
      [['--shard', 'auto'], {}, /--shard auto: neither SLURM_ARRAY_TASK_ID/],
      [['--shard', '1/2'], slurm1Based, /slice 0 would never run; write --shard auto/],
      [['--stale-after', 'soon'], {}, /--stale-after soon: expected a duration/],
      [['--stale-after', '30s'], {}, /--stale-after 30s: must be at least 60s/],
    ] as const) {
      const { code, err } = await cli(['run', at('good.yaml'), '--runs-dir', runsDir, ...args], env);
      expect(code, err).toBe(2);
      expect(err).toMatch(says);
      expect(err).toContain('usage: aelab run');
    }
    const compare = await cli(['compare', at('good.yaml'), '--stale-after', '0s']);
    expect(compare.code, compare.err).toBe(2);
    expect(compare.err).toContain('--stale-after 0s: expected a duration');
    expect(fs.existsSync(runsDir)).toBe(false);
  });
});

describe('parseCommandArgs', () => {
  const options = { set: { type: 'string', multiple: true }, backend: { type: 'string' }, force: { type: 'boolean' } } as const;

  it('returns typed values and positionals', () => {
    const { values, positionals } = parseCommandArgs(['a.yaml', '--set', 'x=1', '--backend', 'wasm', '--set', 'y=2', '--force'], options);
    expect(values).toEqual({ set: ['x=1', 'y=2'], backend: 'wasm', force: true });
    expect(positionals).toEqual(['a.yaml']);
  });

  it('throws UsageError for unknown options (with a suggestion) and positional counts', () => {
    expect(() => parseCommandArgs(['--backnd', 'x'], options)).toThrow(/unknown option --backnd; did you mean --backend\?/);
    expect(() => parseCommandArgs([], options, { min: 1, name: 'spec file' })).toThrow(UsageError);
    expect(() => parseCommandArgs(['a', 'b'], options, { max: 1, name: 'spec file' })).toThrow(/at most 1 spec file, got 2/);
  });
});

describe('the installed entry point', () => {
  it('node bin/aelab.mjs validate experiments/*.yaml exits 0; a bad spec exits 1 without a stack trace', () => {
    const ok = spawnSync(process.execPath, ['bin/aelab.mjs', 'validate', 'experiments/*.yaml'], { cwd: ROOT, encoding: 'utf8' });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('✓ experiments/mnist-156-deep.yaml');

    const bad = spawnSync(process.execPath, ['bin/aelab.mjs', 'show', at('typo.yaml')], { cwd: ROOT, encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(':2:1  modle  unknown key `modle`; did you mean `model`?');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
