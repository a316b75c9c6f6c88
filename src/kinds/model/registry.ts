// Model kinds by name.
//
// Layering: src/kinds/ is the plugin layer; any stage may import it for what a kind is (name,
// order, spec keys, defaults, checks, objective). Its files import src/shared/ (and each other)
// only, and importing them never loads tfjs: a kind's build() and load() reach the
// implementation in src/model/ through a dynamic import(), so `aelab validate` and `show`, spec/,
// render/ and compare/ stay free of tfjs. Adding a model kind: its file in this folder exporting
// one ModelKindDescriptor, one line below (the `satisfies` makes the compiler demand an entry for
// every kind the schema's model.kind enum allows), the schema branch, `npm run gen`, its tests.
// CONTRIBUTING.md has the checklist.
import { UserError } from '../../shared/errors.ts';
import type { ModelKind } from '../../shared/spec-types.ts';
import { deepKind } from './deep.ts';
import { linearKind } from './linear.ts';
import { pcaKind } from './pca.ts';
import type { ModelKindDescriptor } from './types.ts';

export const modelKindRegistry = {
  pca: pcaKind,
  linear: linearKind,
  deep: deepKind,
} satisfies { [K in ModelKind]: ModelKindDescriptor<K> };

/** Every model kind, in display order. */
export const modelKinds: ModelKind[] = (Object.keys(modelKindRegistry) as ModelKind[]).sort(
  (a, b) => modelKindRegistry[a].order - modelKindRegistry[b].order,
);

export function isModelKind(kind: unknown): kind is ModelKind {
  return typeof kind === 'string' && Object.hasOwn(modelKindRegistry, kind);
}

/** The descriptor of a model kind; an unknown kind is the user's mistake, and the message lists the valid ones. */
export function modelKind(kind: unknown, where: { file?: string; path: string } = { path: 'model.kind' }): ModelKindDescriptor {
  if (!isModelKind(kind)) {
    throw new UserError([{ ...where, message: `unknown model kind '${String(kind)}'; valid kinds: ${modelKinds.join(', ')}` }]);
  }
  return modelKindRegistry[kind];
}

/** Sorts kind names by the kinds' order; names that are not kinds (old runs) go last, by name. */
export function compareModelKinds(a: string, b: string): number {
  const rank = (k: string) => (isModelKind(k) ? modelKindRegistry[k].order : Number.POSITIVE_INFINITY);
  return rank(a) - rank(b) || a.localeCompare(b);
}
