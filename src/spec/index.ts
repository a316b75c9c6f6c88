// The spec language: YAML experiment files → validated, complete ResolvedSpec objects.
export { loadSpec, displayPath, type LoadedSpec, type LoadSpecOptions } from './load.ts';
export { parseSetArgs } from './set-args.ts';
export { specHash } from './hash.ts';
export { specToYaml } from './yaml-out.ts';
export { formatPath, parseDottedPath } from './paths.ts';
export { closest, editDistance } from './messages.ts';
export { experimentSchema, SCHEMA_FILE, type JsonSchema } from './schema.ts';
export { resolvedSpecYaml, runFolderSpecFile, RESOLVED_YAML } from './run-folder.ts';
