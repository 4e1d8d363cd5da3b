// Helpers for decoded JSON values.

export type JsonObject = Record<string, unknown>;

/** A JSON object (not null, not a list). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep equality that ignores key order, as Go's semantic equality of decoded structs does. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    if (a.length !== other.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], other[i])) return false;
    return true;
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  // Keys holding undefined are absent, as they are once serialized. (for-in: decoded objects have
  // no enumerable inherited keys, and it makes no array of keys, as jsonCopy.)
  let defined = 0;
  for (const key in left) {
    const value = left[key];
    if (value === undefined) continue;
    defined++;
    if (!jsonEqual(value, right[key])) return false;
  }
  for (const key in right) if (right[key] !== undefined) defined--;
  return defined === 0;
}

/** A deep copy of a decoded JSON value: faster than a JSON round trip or structuredClone for the small objects controllers write. */
export function jsonCopy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = jsonCopy(value[i]);
    return out as T;
  }
  const out: JsonObject = {};
  for (const key in value) out[key] = jsonCopy((value as JsonObject)[key]);
  return out as T;
}
