// RFC 6902 JSON Patch (application/json-patch+json), applied with fast-json-patch.

import fastJsonPatch from 'fast-json-patch';
import { errors } from '../errors.js';

const { applyPatch, JsonPatchError } = fastJsonPatch;

export function applyJsonPatch(document: Record<string, unknown>, body: unknown): Record<string, unknown> {
  if (!Array.isArray(body)) {
    const kind = body === null ? 'null' : typeof body === 'object' ? 'object' : typeof body;
    throw errors.badRequest(`json: cannot unmarshal ${kind} into Go value of type jsonpatch.Patch`);
  }
  try {
    return applyPatch(document, body, true, false).newDocument;
  } catch (err) {
    // kube-apiserver answers a patch that cannot be applied with the generic 422, without the details.
    if (err instanceof JsonPatchError || err instanceof TypeError) throw errors.invalidRequest();
    throw err;
  }
}
