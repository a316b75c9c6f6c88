// Child process for the allocation race test: allocates `count` run folders in one parent.
import { allocateRunDir } from '../../../src/runs/index.ts';
import { waitForGo } from './children.ts';

const [syncDir, index, parentDir, count] = process.argv.slice(2) as [string, string, string, string];
waitForGo(syncDir, index);
const ids: string[] = [];
for (let i = 0; i < Number(count); i++) ids.push(allocateRunDir(parentDir).id);
process.stdout.write(JSON.stringify(ids));
