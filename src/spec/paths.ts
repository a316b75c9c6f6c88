// Config paths. Internally a path is a list of segments (`['model', 'encoder', 1]`); users see it
// in dotted form (`model.encoder[1]`), which is also how `--set` and sweeps name keys.

export type Segment = string | number;
export type SpecPath = readonly Segment[];

/**
 * `['model', 'encoder', 1]` → `model.encoder[1]`; the root is the empty string. A key that is not
 * a plain word (a sweep's dotted key, a key with spaces) is quoted: `sweep.grid["model.latent"]`.
 */
export function formatPath(path: SpecPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (!/^[A-Za-z0-9_-]+$/.test(seg)) out += `[${JSON.stringify(seg)}]`;
    else out += out.length === 0 ? seg : `.${seg}`;
  }
  return out;
}

/** A map key for a path that cannot collide (keys may contain dots or brackets). */
export function pathKey(path: SpecPath): string {
  return JSON.stringify(path);
}

/** JSON pointer (`/model/encoder/1`, as ajv reports it) → segments; array indices become numbers. */
export function pointerToPath(pointer: string, root: unknown): Segment[] {
  if (pointer === '') return [];
  const out: Segment[] = [];
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const index = Number(token);
      out.push(index);
      node = node[index];
    } else {
      out.push(token);
      node = isPlainObject(node) ? node[token] : undefined;
    }
  }
  return out;
}

const DOTTED_SEGMENT = /^([^.[\]\s=]+)((?:\[\d+\])*)$/;

/**
 * Dotted key (`train.early_stopping.patience`, `model.encoder[0]`) → segments, or undefined when
 * it is not one. Key names are not checked against the schema here: validation does that, with
 * a "did you mean" for typos.
 */
export function parseDottedPath(key: string): Segment[] | undefined {
  if (key.length === 0) return undefined;
  const out: Segment[] = [];
  for (const part of key.split('.')) {
    const m = DOTTED_SEGMENT.exec(part);
    if (!m || m[1] === undefined) return undefined;
    out.push(m[1]);
    for (const idx of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at a path, or undefined when any step is missing. */
export function getAt(root: unknown, path: SpecPath): unknown {
  let node = root;
  for (const seg of path) {
    if (typeof seg === 'number') {
      if (!Array.isArray(node)) return undefined;
      node = node[seg];
    } else {
      if (!isPlainObject(node)) return undefined;
      node = node[seg];
    }
  }
  return node;
}

/** True when `inner` equals `outer` or lies below it. */
export function isWithin(inner: SpecPath, outer: SpecPath): boolean {
  return outer.length <= inner.length && outer.every((seg, i) => inner[i] === seg);
}
