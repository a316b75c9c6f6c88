import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it, vi } from 'vitest';
import { currentBackend, selectBackend } from '../../src/model/index.ts';
import { UserError } from '../../src/shared/errors.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Runs a snippet in a fresh Node process (backend choice is per process) and returns its output. */
function runFresh(code: string, env: Record<string, string> = {}): { stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`child failed (${child.status}): ${child.stderr}`);
  return { stdout: child.stdout, stderr: child.stderr };
}

describe('selectBackend', () => {
  it('falls back from tfjs-node (not installed here) to wasm, says why, prints nothing, and is idempotent', async () => {
    const log = vi.spyOn(console, 'log');
    const warn = vi.spyOn(console, 'warn');
    const stderr = vi.spyOn(process.stderr, 'write');
    const info = await selectBackend();
    expect(info.name).toBe('wasm');
    expect(info.reason).toMatch(/tfjs-node is not installed \(its install needs the internet\); using wasm \(SIMD, 1 thread/);
    expect(info.tfjs_version).toBe(tf.version.tfjs);
    expect(typeof info.fast_matmul).toBe('boolean');
    expect(tf.getBackend()).toBe('wasm');
    // The kernel stock tfjs-backend-wasm lacks, so convolutions can train here.
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(await selectBackend()).toBe(info);
    expect(await selectBackend('wasm')).toBe(info);
    expect(currentBackend()).toBe(info);
    // Using the backend prints nothing either (no tfjs "install tfjs-node" advice).
    tf.tidy(() => tf.matMul(tf.ones([2, 2]), tf.ones([2, 2])).dataSync());
    expect(log).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
    expect(stderr).not.toHaveBeenCalled();
    vi.restoreAllMocks();
  });

  it('refuses a backend that cannot load with a UserError that says why and lists the available ones', async () => {
    const err = await selectBackend('tensorflow').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/backend 'tensorflow' is not available: tfjs-node is not installed/);
    expect((err as Error).message).toMatch(/Available here: wasm, cpu/);
    // The earlier selection stays in effect.
    expect(tf.getBackend()).toBe('wasm');
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

  it('in a fresh process: silent on stdout and stderr, and AELAB_WASM_FAST_MATMUL=0 turns the fast matmul off', () => {
    const code = `
      const { selectBackend } = await import('./src/model/index.ts');
      const info = await selectBackend();
      const tf = await import('@tensorflow/tfjs');
      tf.tidy(() => tf.matMul(tf.ones([3, 3]), tf.ones([3, 3]), false, true).dataSync());
      process.stdout.write('RESULT ' + JSON.stringify(info));`;
    const off = runFresh(code, { AELAB_WASM_FAST_MATMUL: '0' });
    const offInfo = JSON.parse(off.stdout.replace(/^RESULT /, ''));
    expect(off.stdout.startsWith('RESULT ')).toBe(true);
    expect(offInfo).toMatchObject({ name: 'wasm', fast_matmul: false });
    expect(offInfo.reason).toMatch(/fast matmul off by AELAB_WASM_FAST_MATMUL=0/);
    expect(off.stderr).toBe('');

    // tfjs's cpu backend prints "Hi, looks like you are running TensorFlow.js in Node.js…" on
    // first use unless silenced.
    const cpu = runFresh(code.replace('selectBackend()', "selectBackend('cpu')"));
    expect(JSON.parse(cpu.stdout.replace(/^RESULT /, ''))).toMatchObject({ name: 'cpu' });
    expect(cpu.stderr).toBe('');
  });
});
