#!/usr/bin/env node
// Entry point for `npx aelab` / `npm start`. The sources are TypeScript; tsx compiles them
// on the fly so that a fresh `npm install` needs no separate build step.
import { register } from 'tsx/esm/api';

// `aelab compare … | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
