import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The project root (where package.json is), found from this file's location. */
export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

let cached: string | undefined;

/** aelab's own version, from package.json. */
export function aelabVersion(): string {
  cached ??= (JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
