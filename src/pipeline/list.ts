// `aelab ls` reaches the runs stage's listing through the composer, like every command.
export { listRuns, type RunListing } from '../runs/index.ts';
