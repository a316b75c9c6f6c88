// Entry point of a sweep worker process, forked by ./workers.ts for `aelab run --jobs N`.
import { serveSweepWorker } from './workers.ts';

await serveSweepWorker();
