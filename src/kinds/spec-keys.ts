// Which spec keys a spec's kinds ignore. The kind-specific keys are those some kind lists in its
// `uses`; every other key (model.kind, model.latent, data, outputs, …) is common to all kinds.
// A kind ignores the kind-specific keys it does not list: spec/ warns when they are written and
// leaves them out of the hash, compare/ shows them as '-'. So a new kind that adds a key
// (say model.beta) makes every other kind ignore it without touching their files.
import { densityKindRegistry, isDensityKind } from './density/registry.ts';
import { isModelKind, modelKindRegistry } from './model/registry.ts';

const modelSpecific: readonly string[] = [...new Set(Object.values(modelKindRegistry).flatMap((d) => d.uses))];
const densitySpecific: readonly string[] = [...new Set(Object.values(densityKindRegistry).flatMap((d) => d.uses))];

/** Dotted keys ('model.encoder', 'train') that a model kind ignores; none for an unknown kind. */
export function keysIgnoredByModelKind(kind: unknown): string[] {
  if (!isModelKind(kind)) return [];
  const uses: readonly string[] = modelKindRegistry[kind].uses;
  return modelSpecific.filter((key) => !uses.includes(key));
}

/** Dotted keys ('density.components') that a density kind ignores; none for an unknown kind. */
export function keysIgnoredByDensityKind(kind: unknown): string[] {
  if (!isDensityKind(kind)) return [];
  const uses: readonly string[] = densityKindRegistry[kind].uses;
  return densitySpecific.filter((key) => !uses.includes(key));
}

/** The density kinds that use a key, e.g. ['gmm'] for 'density.components'. */
export function densityKindsUsing(key: string): string[] {
  return Object.values(densityKindRegistry)
    .filter((d) => (d.uses as readonly string[]).includes(key))
    .sort((a, b) => a.order - b.order)
    .map((d) => d.kind);
}

/** Both of the above for a spec (any shape: unresolved, resolved or read back from a run). */
export function keysIgnoredBySpec(spec: { model?: unknown; density?: unknown }): string[] {
  const kindOf = (block: unknown) => (block !== null && typeof block === 'object' ? (block as { kind?: unknown }).kind : undefined);
  return [...keysIgnoredByModelKind(kindOf(spec.model)), ...keysIgnoredByDensityKind(kindOf(spec.density))];
}
