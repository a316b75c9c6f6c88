// RUNS: run folder storage and lifecycle — allocation, run.json, latest link, listing, sweeps.
export { allocateRunDir, allocateNumberedDir, ensureRunsFolder, safeRunPath, safeFolderName } from './paths.ts';
export {
  createRunRecord,
  describeError,
  gitInfo,
  RUN_JSON,
  type RunJson,
  type RunJsonInit,
  type RunJsonPatch,
  type RunRecord,
  type RunStatus,
  type RunError,
} from './record.ts';
export { updateLatest, readLatest, LATEST } from './latest.ts';
export { listRuns, findRunDirs, readRunJson, type RunListing, type ListOptions } from './list.ts';
export { HEARTBEAT_INTERVAL_MS, type RunRecordOptions } from './record.ts';
export {
  createOrOpenSweep,
  claimTrial,
  releaseTrial,
  releaseTakeover,
  trialState,
  readSweep,
  updateSweepStatus,
  planHash,
  SWEEP_JSON,
  type SweepPlan,
  type SweepPlanTrial,
  type SweepJson,
  type SweepTrialEntry,
  type TrialStatus,
  type TrialClaim,
  type ClaimOptions,
  type OpenedSweep,
} from './sweep.ts';
export { isProcessAlive, withLock, type LockOptions } from './lock.ts';
export { completedTrialsByHash, describePlanChange, reuseTrial } from './reuse.ts';
export { CHECKPOINT_FILE, checkpointFile, claimRunForResume, whyNoCheckpoint, type ResumableRun } from './resume.ts';
