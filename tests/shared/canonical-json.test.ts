import { describe, expect, it } from 'vitest';

import { canonicalJson } from '../../src/shared/canonical-json.ts';

describe('canonicalJson', () => {
  it('sorts keys at every level, so build order never changes a hash', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ y: [1, 'x'], x: true })).toBe(canonicalJson({ x: true, y: [1, 'x'] }));
  });

  it('treats undefined as JSON.stringify does: left out of objects, null elsewhere', () => {
    const value = { a: undefined, b: [undefined, 1], c: 'é"' };
    expect(canonicalJson(value)).toBe('{"b":[null,1],"c":"é\\""}');
    expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
    expect(canonicalJson(undefined)).toBe('null');
  });
});
