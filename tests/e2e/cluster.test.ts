// Sweeps as job engines run them, through the real CLI: a 1-based Slurm array with --shard auto
// runs every trial once and each run records its shard and job; a trial whose owner on another
// machine stopped beating is taken over on a rerun without --reclaim, once --stale-after says so.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJson, runCli, tempDir, writeSpec } from '../helpers/cli.ts';

const spec = `evaluate:
  quality: false   # no feature classifier: tests/e2e/quality.test.ts covers it
data:
  digits: [1, 5, 6]
  validation: 200
  limit: 300
model:
  kind: pca
sweep:
  grid:
    model.latent: [2, 3, 4]
outputs:
  latent_points: 100
`;

/** What Slurm sets in task `id` of `sbatch --array=1-2` (job 900). */
function slurmTask(id: number): Record<string, string> {
  return {
    SLURM_JOB_ID: String(900 + id),
    SLURM_ARRAY_JOB_ID: '900',
    SLURM_ARRAY_TASK_ID: String(id),
    SLURM_ARRAY_TASK_MIN: '1',
    SLURM_ARRAY_TASK_MAX: '2',
    SLURM_ARRAY_TASK_STEP: '1',
    SLURM_ARRAY_TASK_COUNT: '2',
    SLURMD_NODENAME: `node-${id}`,
  };
}

describe('sweeps on a cluster', () => {
  it('a 1-based Slurm array with --shard auto runs every trial once, records shard and job; a lost trial is taken over after --stale-after', async () => {
    const dir = tempDir('aelab-cluster-');
    const file = writeSpec(dir, 'array', spec);
    const runsDir = path.join(dir, 'runs');
    const tasks = await Promise.all([1, 2].map((id) => runCli(['run', file, '--runs-dir', runsDir, '--shard', 'auto'], { env: slurmTask(id) })));
    for (const t of tasks) expect(t.code, t.stderr).toBe(0);
    expect(tasks[0]!.stderr).toContain('aelab: --shard auto: slice 0/2 (Slurm array task 1 of 1-2)');
    expect(tasks[1]!.stderr).toContain('aelab: --shard auto: slice 1/2 (Slurm array task 2 of 1-2)');

    const sweepDir = path.join(runsDir, 'array', 'sweep-0001');
    const trials = ['latent=2', 'latent=3', 'latent=4'];
    const shardOf: Record<string, number> = {};
    for (const trial of trials) {
      const run = readJson<{ status: string; shard: { index: number; count: number }; engine: { slurm: Record<string, string> }; heartbeat_at: string }>(path.join(sweepDir, trial, 'run.json'));
      expect(run.status).toBe('completed');
      expect(run.shard.count).toBe(2);
      shardOf[trial] = run.shard.index;
      const task = run.shard.index + 1;
      expect(run.engine.slurm).toEqual({ job_id: String(900 + task), array_job_id: '900', array_task_id: String(task), node: `node-${task}` });
      expect(typeof run.heartbeat_at).toBe('string');
      expect(fs.readFileSync(path.join(sweepDir, trial, 'report.html'), 'utf8')).toContain(`Slurm job 900_${task} (job id ${900 + task}) on node-${task} · shard ${run.shard.index}/2`);
    }
    // Round-robin slices: trials 0 and 2 in slice 0, trial 1 in slice 1; nothing ran twice.
    expect(shardOf).toEqual({ 'latent=2': 0, 'latent=3': 1, 'latent=4': 0 });
    expect(fs.readdirSync(sweepDir).filter((n) => n.includes('.attempt-'))).toEqual([]);

    // latent=3 now looks like it was running on a machine that stopped answering 5 minutes ago.
    const lostFile = path.join(sweepDir, 'latent=3', 'run.json');
    const lost = { ...readJson(lostFile), status: 'running', hostname: 'node-gone', pid: 12345, heartbeat_at: new Date(Date.now() - 5 * 60_000).toISOString() };
    delete (lost as Record<string, unknown>).finished_at;
    fs.writeFileSync(lostFile, JSON.stringify(lost, null, 2));

    // Within the default 10 minutes it may still be alive: left alone.
    const patient = await runCli(['run', file, '--runs-dir', runsDir]);
    expect(patient.code, patient.stderr).toBe(0);
    expect(patient.stderr).toContain('[latent=3] running by another process, skipped');
    expect(readJson(lostFile)).toEqual(lost);

    // With --stale-after 2m it is lost: taken over without --reclaim, the lost attempt kept whole.
    const impatient = await runCli(['run', file, '--runs-dir', runsDir, '--stale-after', '2m']);
    expect(impatient.code, impatient.stderr).toBe(0);
    expect(impatient.stderr).toContain(`[latent=3] rerunning (earlier attempt lost, kept in ${path.join(sweepDir, 'latent=3.attempt-1')})`);
    expect(impatient.stderr.match(/already completed, skipped/g)).toHaveLength(2);
    expect(readJson(path.join(sweepDir, 'latent=3.attempt-1', 'run.json'))).toEqual(lost);
    expect(readJson<{ status: string }>(lostFile).status).toBe('completed');
    const sweep = readJson<{ counts: Record<string, number>; trials: { name: string; attempts: number }[] }>(path.join(sweepDir, 'sweep.json'));
    expect(sweep.counts.completed).toBe(3);
    expect(sweep.trials.find((t) => t.name === 'latent=3')!.attempts).toBe(2);
    // The index shows the kept attempt as lost (not running), with where it ran.
    const index = fs.readFileSync(path.join(runsDir, 'index.html'), 'utf8');
    expect(index).toMatch(/<span class="badge status-lost">lost<\/span><div class="muted run-where">node-gone · Slurm job 900_2 \(job id 902\) on node-2 · shard 1\/2<\/div>/);
    expect(index).not.toContain('badge status-running');
  }, 400_000);
});
