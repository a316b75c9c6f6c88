// Entry point of a sweep worker process, forked by pipeline.ts for `aelab run --jobs N`.
import { serveSweepWorker } from './pipeline.ts';

await serveSweepWorker();
