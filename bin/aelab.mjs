#!/usr/bin/env node
// Entry point for `npx aelab` / `npm start`. The sources are TypeScript; tsx compiles them
// on the fly so that a fresh `npm install` needs no separate build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
