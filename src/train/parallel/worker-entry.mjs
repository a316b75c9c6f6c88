// Entry of a data-parallel training worker thread: aelab's sources are TypeScript, compiled on
// the fly by tsx, which each thread must register for itself.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
