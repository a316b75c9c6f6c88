// One canonical JSON for every fingerprint (spec hashes, sweep plan hashes): equal values give
// equal text whatever order their keys were built in.

/**
 * JSON with object keys sorted at every level and no whitespace. Keys whose value is undefined
 * are left out and undefined elsewhere becomes null, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
