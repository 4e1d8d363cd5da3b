// RFC 7386 JSON Merge Patch (application/merge-patch+json): objects merge, null deletes, anything
// else (lists included) replaces.

import { isJsonObject, type JsonObject as Json } from '../json.js';

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return patch;
  const result: Json = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}
