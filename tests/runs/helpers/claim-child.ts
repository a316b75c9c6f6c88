// Child process for the shard race test: opens the sweep, claims what it can and "runs" it.
import fs from 'node:fs';
import path from 'node:path';
import { createOrOpenSweep, claimTrial, createRunRecord, updateSweepStatus, type SweepPlan } from '../../../src/runs/index.ts';
import { waitForGo } from './children.ts';

const [syncDir, index, nameDir, planFile] = process.argv.slice(2) as [string, string, string, string];
const plan = JSON.parse(fs.readFileSync(planFile, 'utf8')) as SweepPlan;
waitForGo(syncDir, index);
const { dir: sweepDir } = createOrOpenSweep(nameDir, plan);
const ran: string[] = [];
for (const trial of plan.trials) {
  const claim = claimTrial(sweepDir, trial.name);
  if (!claim.claimed) continue;
  const record = createRunRecord(claim.dir, {
    id: trial.name,
    name: plan.name,
    command: [],
    overrides: trial.overrides,
    versions: { node: process.version, aelab: 'test' },
    sweep: { dir: path.basename(sweepDir), trial: trial.name },
  });
  // Leave a trace per run: a second process running the same trial would add a second line.
  fs.appendFileSync(path.join(claim.dir, 'runners.txt'), `${process.pid}\n`);
  record.complete();
  updateSweepStatus(sweepDir);
  ran.push(trial.name);
}
process.stdout.write(JSON.stringify({ sweepDir, ran }));
