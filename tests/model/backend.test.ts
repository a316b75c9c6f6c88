import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it, vi } from 'vitest';
import { currentBackend, selectBackend } from '../../src/model/index.ts';
import { UserError } from '../../src/shared/errors.ts';
import { isWasmSharedIdentityInstalled } from '../../src/model/wasm-shared-identity.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** `--import` this in a child process to make @tensorflow/tfjs-node resolve to a stand-in that loads. */
const fakeTfjsNode = fileURLToPath(new URL('./fake-tfjs-node/register.mjs', import.meta.url));

/** Runs a snippet in a fresh Node process (backend choice is per process) and returns its output. */
function runFresh(code: string, env: Record<string, string | undefined> = {}, imports: string[] = []): { stdout: string; stderr: string } {
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) merged[k] = v;
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', ...imports.flatMap((m) => ['--import', m]), '--input-type=module', '-e', code],
    {
      cwd: root,
      env: merged,
      encoding: 'utf8',
    },
  );
  if (child.status !== 0) throw new Error(`child failed (${child.status}): ${child.stderr}`);
  return { stdout: child.stdout, stderr: child.stderr };
}

/**
 * Whether @tensorflow/tfjs-node loads on this machine, found out independently of src/ by
 * importing it in a child process: it is an optional dependency whose install downloads
 * libtensorflow, so it is present on some machines and absent on others (such as this project's CI).
 */
function tfjsNodeStatus(): 'loads' | 'not installed' | 'fails to load' {
  const probe = `try { await import('@tensorflow/tfjs-node'); process.stdout.write('loads'); }
    catch (e) { process.stdout.write(e.code === 'ERR_MODULE_NOT_FOUND' ? 'not installed' : 'fails to load'); }`;
  const { stdout } = runFresh(probe);
  return stdout as ReturnType<typeof tfjsNodeStatus>;
}
const tfjsNode = tfjsNodeStatus();

const selectAndReport = `
  const { selectBackend } = await import('./src/model/index.ts');
  const { isWasmFastMatmulInstalled } = await import('./src/model/wasm-fast-matmul.ts');
  const info = await selectBackend(PREFERENCE);
  const tf = await import('@tensorflow/tfjs');
  tf.tidy(() => tf.matMul(tf.ones([3, 3]), tf.ones([3, 3]), false, true).dataSync());
  process.stdout.write('RESULT ' + JSON.stringify({ ...info, active: tf.getBackend(), kernels_installed: isWasmFastMatmulInstalled() }));`;

function selectFresh(preference: string | undefined, env: Record<string, string | undefined> = {}, imports: string[] = []) {
  const out = runFresh(selectAndReport.replace('PREFERENCE', preference === undefined ? '' : `'${preference}'`), env, imports);
  expect(out.stdout.startsWith('RESULT ')).toBe(true);
  return { info: JSON.parse(out.stdout.slice('RESULT '.length)), stderr: out.stderr };
}

describe(`selectBackend (tfjs-node here: ${tfjsNode})`, () => {
  it('chooses tfjs-node when it loads, else wasm with the fast matmul on, says why, prints nothing, and is idempotent', async () => {
    vi.stubEnv('AELAB_WASM_FAST_MATMUL', '');
    const log = vi.spyOn(console, 'log');
    const warn = vi.spyOn(console, 'warn');
    const stderr = vi.spyOn(process.stderr, 'write');
    const info = await selectBackend();
    if (tfjsNode === 'loads') {
      expect(info.name).toBe('tensorflow');
      expect(info.reason).toBe('using tfjs-node (native TensorFlow)');
      expect(info.fast_matmul).toBeUndefined();
    } else {
      expect(info.name).toBe('wasm');
      const why =
        tfjsNode === 'not installed'
          ? 'tfjs-node is not installed \\(its install needs the internet\\)'
          : 'tfjs-node failed to load \\(.*\\)';
      expect(info.reason).toMatch(new RegExp(`^${why}; using wasm \\((no )?SIMD, \\d+ threads?\\)$`));
      expect(info.fast_matmul).toBe(true);
    }
    expect(info.tfjs_version).toBe(tf.version.tfjs);
    expect(tf.getBackend()).toBe(info.name);
    // The kernel stock tfjs-backend-wasm lacks, so convolutions can train there.
    if (info.name === 'wasm') expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    // Clones share their data on wasm (src/model/wasm-shared-identity.ts).
    if (info.name === 'wasm') expect(isWasmSharedIdentityInstalled()).toBe(true);
    expect(await selectBackend()).toBe(info);
    expect(await selectBackend(info.name)).toBe(info);
    expect(currentBackend()).toBe(info);
    // Using the backend prints nothing either (no tfjs "install tfjs-node" advice).
    tf.tidy(() => tf.matMul(tf.ones([2, 2]), tf.ones([2, 2])).dataSync());
    expect(log).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
    expect(stderr).not.toHaveBeenCalled();
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('takes tensorflow when asked and tfjs-node loads; otherwise refuses it with a UserError that says why and lists the available ones', async () => {
    const before = currentBackend()!;
    if (tfjsNode === 'loads') {
      const info = await selectBackend('tensorflow');
      expect(info.name).toBe('tensorflow');
      expect(tf.getBackend()).toBe('tensorflow');
    } else {
      const err = await selectBackend('tensorflow').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      const why = tfjsNode === 'not installed' ? 'tfjs-node is not installed' : 'tfjs-node failed to load';
      expect((err as Error).message).toContain(`backend 'tensorflow' is not available: ${why}`);
      expect((err as Error).message).toMatch(/Available here: wasm, cpu/);
      // The earlier selection stays in effect.
      expect(tf.getBackend()).toBe(before.name);
      expect(currentBackend()).toBe(before);
    }
    await expect(selectBackend('gpu' as never)).rejects.toThrow(/unknown backend 'gpu'; valid backends: tensorflow, wasm, cpu/);
  });

  it('switches to an explicitly requested backend', async () => {
    const cpu = await selectBackend('cpu');
    expect(cpu.name).toBe('cpu');
    expect(cpu.reason).toMatch(/cpu requested/);
    expect(cpu.fast_matmul).toBeUndefined();
    expect(tf.getBackend()).toBe('cpu');
    expect(await selectBackend()).toBe(cpu);
    const wasm = await selectBackend('wasm');
    expect(wasm.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('in a fresh process on wasm: the fast matmul is on by default, AELAB_WASM_FAST_MATMUL=0 turns it off, both silent', () => {
    const on = selectFresh('wasm', { AELAB_WASM_FAST_MATMUL: undefined });
    expect(on.info).toMatchObject({ name: 'wasm', active: 'wasm', fast_matmul: true, kernels_installed: true });
    expect(on.info.reason).not.toMatch(/fast matmul off/);
    expect(on.stderr).toBe('');

    const off = selectFresh('wasm', { AELAB_WASM_FAST_MATMUL: '0' });
    expect(off.info).toMatchObject({ name: 'wasm', fast_matmul: false, kernels_installed: false });
    expect(off.info.reason).toMatch(/fast matmul off by AELAB_WASM_FAST_MATMUL=0/);
    expect(off.stderr).toBe('');

    // tfjs's cpu backend prints "Hi, looks like you are running TensorFlow.js in Node.js…" on
    // first use unless silenced.
    const cpu = selectFresh('cpu');
    expect(cpu.info).toMatchObject({ name: 'cpu', active: 'cpu' });
    expect(cpu.stderr).toBe('');
  });

  it('in a fresh process where tfjs-node loads (a stand-in registering the tensorflow backend): picks it by default, silently', () => {
    const chosen = selectFresh(undefined, { AELAB_WASM_FAST_MATMUL: undefined }, [fakeTfjsNode]);
    expect(chosen.info).toMatchObject({
      name: 'tensorflow',
      active: 'tensorflow',
      reason: 'using tfjs-node (native TensorFlow)',
      kernels_installed: false,
    });
    expect(chosen.info.fast_matmul).toBeUndefined();
    expect(chosen.stderr).toBe('');
  });
});
