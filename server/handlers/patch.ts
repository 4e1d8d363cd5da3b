// PATCH: JSON patch, merge patch, strategic merge patch and server-side apply of an object or of
// its status or scale subresource. The result goes through the same create or replace path as any write.

import { dropUnknownFields, removeUnknownFields, UndecodableValue, unstructuredConversionError, validateBodyFields } from '../../openapi/field-validation.js';
import { builtinKindSchema, kubernetesComponents, resourceSchema, schemaNode } from '../../openapi/kubernetes.js';
import type { SchemaNode } from '../../openapi/schema.js';
import type { KubeContext } from '../context.js';
import { errors, field, invalidOptions, StatusError } from '../errors.js';
import { applyJsonPatch, checkPatchOperations, goText, type PatchedDocument } from '../patch/json-patch.js';
import { decodeJsonText, JsonSyntaxError, strictDecodingErrors, type DecodedJson } from '../json-decode.js';
import { addWarning } from '../warnings.js';
import { applyMergePatch } from '../patch/merge-patch.js';
import { applyStrategicMergePatch } from '../patch/strategic-merge-patch.js';
import { serverSideApply } from '../patch/apply.js';
import { queryBool } from '../middleware/request-info.js';
import { timestamp } from '../clock.js';
import { goValueText } from '../registry/go-literal.js';
import { groupVersion, type ResourceDefinition } from '../registry/types.js';
import type { Services } from '../services.js';
import type { KubeObject } from '../store/types.js';
import { checkDecoded, decodeYaml, mediaTypeOf, readRawBody } from './body.js';
import { queryParam } from './query.js';
import { presented, respondObject } from './respond.js';
import { respondScale, scaleOf, scaleTo } from './scale.js';
import { readWriteOptions } from './write-options.js';
import { isJsonObject, type JsonObject as Json } from '../json.js';

const jsonPatch = 'application/json-patch+json';
const mergePatch = 'application/merge-patch+json';
const strategicMergePatch = 'application/strategic-merge-patch+json';
export const applyPatch = 'application/apply-patch+yaml';

/** Patch types a resource takes, in the order kube-apiserver lists them; custom resources lack strategic merge. */
export function patchTypes(builtin: boolean): string[] {
  return builtin ? [jsonPatch, mergePatch, strategicMergePatch, applyPatch] : [jsonPatch, mergePatch, applyPatch];
}


/** The schema of the Scale a scale subresource speaks. */
function scaleSchema(): SchemaNode {
  return kubernetesComponents.node(builtinKindSchema({ group: 'autoscaling', version: 'v1', kind: 'Scale' })!)!;
}

/** The objects of a merge patch's result that went through a Go map (the patch's own, and those it merged into). */
function mergedObjects(result: unknown, patch: unknown, out: Set<object>): Set<object> {
  if (isJsonObject(patch) && isJsonObject(result)) {
    out.add(result);
    for (const key of Object.keys(patch)) mergedObjects(result[key], patch[key], out);
  } else if (Array.isArray(patch) && Array.isArray(result)) {
    result.forEach((item, i) => mergedObjects(item, patch[i], out));
  }
  return out;
}

/** The patched object, and its JSON as kube-apiserver holds it before decoding it into the kind's type. */
function patched(type: string, current: Json, body: unknown, schema: SchemaNode, goTypes: boolean): PatchedDocument {
  if (type === jsonPatch) return applyJsonPatch(current, body);
  if (!isJsonObject(body)) throw errors.badRequest(notAnObject(body));
  if (type === mergePatch) {
    const result = applyMergePatch(current, body) as Json;
    const text = goText(result, mergedObjects(result, body, new Set()));
    return { object: JSON.parse(text), text };
  }
  if (!goTypes) throw errors.unsupportedMediaType(patchTypes(false));
  const result = applyStrategicMergePatch(current, body, schema);
  return { object: result, text: JSON.stringify(result) };
}

/** schema.GroupVersionKind's String() of what an applied configuration names (`/v1, Kind=Secret`). */
function goGroupVersionKind(applied: Json): string {
  const apiVersion = typeof applied.apiVersion === 'string' ? applied.apiVersion : '';
  const parts = apiVersion.split('/');
  const [group, version] = parts.length === 2 ? parts : parts.length === 1 ? ['', apiVersion] : ['', ''];
  return `${group}/${version}, Kind=${typeof applied.kind === 'string' ? applied.kind : ''}`;
}

/** encoding/json's error for a patch that is no object. */
function notAnObject(body: unknown): string {
  const what = Array.isArray(body) ? 'array' : typeof body === 'boolean' ? 'bool' : typeof body;
  return `json: cannot unmarshal ${what} into Go value of type map[string]interface {}`;
}

/**
 * The patch body decoded as kube-apiserver does, and the strict decoding errors of the body itself
 * (a JSON patch's operations are decoded into their struct; a merge patch's repeated fields).
 */
function decodePatchBody(type: string, text: string, directive: string): { body: unknown; problems: string[] } {
  const strict = directive !== 'Ignore' && (type === jsonPatch || type === mergePatch);
  let decoded: DecodedJson;
  try {
    decoded = decodeJsonText(text);
    checkDecoded(decoded.value);
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    if (strict) throw errors.badRequest(`error decoding patch: ${err.message}`);
    throw errors.badRequest(type === mergePatch ? 'Invalid JSON Patch' : err.message);
  }
  if (!strict) return { body: decoded.value, problems: [] };
  if (type === mergePatch) {
    if (!isJsonObject(decoded.value)) throw errors.badRequest(`error decoding patch: ${notAnObject(decoded.value)}`);
    return { body: decoded.value, problems: strictDecodingErrors([], decoded) };
  }
  const unknown = checkPatchOperations(decoded.value);
  return { body: decoded.value, problems: strictDecodingErrors(unknown, decoded).map((problem) => `json patch ${problem}`) };
}

/**
 * Decodes a JSON or merge patch's result into the kind's type as kube-apiserver does: a value the
 * type cannot take is a 422 on the patch; unknown fields join the body's strict errors, a 422
 * under Strict and warnings under Warn.
 */
function decodePatchedObject(ctx: KubeContext, def: ResourceDefinition, result: PatchedDocument, problems: string[], directive: string): void {
  const invalid = (why: string) => errors.invalid({ group: '', kind: '' }, '', [field.invalid('patch', result.text, why)]);
  let unknown: string[] = [];
  if (isJsonObject(result.object)) {
    try {
      unknown = removeUnknownFields(def, result.object);
    } catch (err) {
      if (err instanceof UndecodableValue) throw invalid(err.message);
      throw err;
    }
  }
  const all = directive === 'Ignore' ? [] : [...problems, ...strictDecodingErrors(unknown, undefined)];
  if (all.length === 0) return;
  if (directive === 'Strict') throw invalid(`strict decoding error: ${all.join(', ')}`);
  for (const problem of all) addWarning(ctx, problem);
}

/** Server-side apply: creates the object when it is missing (201), else applies to it. */
async function applyObject(ctx: KubeContext, services: Services, def: ResourceDefinition, namespace: string, name: string, subresource: string): Promise<void> {
  const manager = queryParam(ctx, 'fieldManager');
  if (!manager) throw invalidOptions('PatchOptions', [field.required('fieldManager', 'is required for apply patch')]);
  const options = readWriteOptions(ctx, 'PatchOptions');
  let applied: unknown;
  try {
    applied = decodeYaml((await readRawBody(ctx)).toString('utf8'));
  } catch (err) {
    if (err instanceof StatusError && err.status.code === 400) throw errors.badRequest(`error decoding YAML: ${err.message}`);
    throw err;
  }
  if (!isJsonObject(applied)) throw errors.badRequest('the applied configuration must be an object');
  const gv = groupVersion(def);
  if (applied.apiVersion !== gv || applied.kind !== def.kind) throw errors.badRequest(`invalid object type: ${goGroupVersionKind(applied)}`);
  if (applied.metadata !== undefined && !isJsonObject(applied.metadata)) throw errors.badRequest('metadata of the applied configuration must be an object');
  const meta = (applied.metadata ??= {}) as Json;
  if (def.namespaced && meta.namespace !== undefined && meta.namespace !== namespace) throw errors.namespaceMismatch();
  if (meta.name !== undefined && meta.name !== name) throw errors.badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
  if (meta.managedFields !== undefined) throw errors.badRequest('metadata.managedFields must be nil');
  meta.name = name;
  if (def.namespaced) meta.namespace = namespace;
  const precondition = meta.resourceVersion as string | undefined;
  // Everything from reading the live object to writing happens without yielding, so no write can come between.
  const unknown = dropUnknownFields(def, applied);
  if (unknown.length > 0) {
    const where = def.namespaced ? `${namespace}/${name}` : name;
    throw errors.badRequest(`failed to create typed patch object (${where}; ${gv}, Kind=${def.kind}): .${unknown[0]}: field not declared in schema`);
  }

  const existing = services.objects.find(def, namespace, name);
  if (!existing && subresource) throw errors.notFound({ group: def.group, resource: def.plural }, name);
  const live = existing ? (JSON.parse(presented(def, existing).json) as KubeObject) : undefined;
  const { object, managedFields } = serverSideApply(live, applied as KubeObject, {
    manager,
    force: queryBool(queryParam(ctx, 'force')),
    apiVersion: gv,
    time: timestamp(services.clock.now()),
    subresource: subresource || undefined,
    statusIsSubresource: def.subresources.some((s) => s.name === 'status'),
    schema: schemaNode(def),
  });
  const writeOptions = { ...options, fieldManager: manager, managedFields };
  if (!existing) return respondObject(ctx, def, services.objects.create(def, namespace, object, writeOptions), 201);
  // A resourceVersion in the applied configuration is a precondition, as for any update.
  object.metadata.resourceVersion = precondition || existing.object.metadata.resourceVersion;
  respondObject(ctx, def, services.objects.replace(def, existing, object, { ...writeOptions, subresource: subresource || undefined }));
}

export async function patchObject(ctx: KubeContext, services: Services, def: ResourceDefinition, namespace: string, name: string, subresource = ''): Promise<void> {
  const type = mediaTypeOf(ctx);
  const { goTypes } = resourceSchema(def);
  const accepted = patchTypes(goTypes);
  // The route takes every patch type (go-restful refuses others); the handler then refuses what the kind cannot take.
  if (!patchTypes(true).includes(type)) throw errors.unsupportedMediaTypeRoute();
  if (!accepted.includes(type)) throw errors.unsupportedMediaType(accepted);
  if (type === applyPatch && subresource !== 'scale') return applyObject(ctx, services, def, namespace, name, subresource);
  if (type === applyPatch) throw errors.unsupportedMediaType(accepted.filter((t) => t !== applyPatch));
  if (queryParam(ctx, 'force') !== undefined) {
    throw invalidOptions('PatchOptions', [field.forbidden('force', 'may not be specified for non-apply patch')]);
  }
  const options = readWriteOptions(ctx, 'PatchOptions');
  const directive = queryParam(ctx, 'fieldValidation') || 'Warn';
  const text = (await readRawBody(ctx)).toString('utf8');
  // Everything from reading the current object to writing happens without yielding, so no write can come between.
  // The object is looked up before the patch is decoded, as kube-apiserver does (a missing object is a 404 first).
  const existing = services.objects.get(def, namespace, name);
  const { body, problems } = decodePatchBody(type, text, directive);

  if (subresource === 'scale') {
    const scale = patched(type, scaleOf(def, existing) as Json, body, scaleSchema(), true).object as Json;
    return respondScale(ctx, def, scaleTo(services, def, existing, scale, options));
  }
  const current = JSON.parse(presented(def, existing).json) as Json;
  const result = patched(type, current, body, schemaNode(def), goTypes);
  if (type === strategicMergePatch) {
    // The merged map is converted into the kind's Go type, not decoded from JSON: what does not fit is a 422 quoting the patch.
    const unfit = isJsonObject(result.object) ? unstructuredConversionError(def, result.object) : undefined;
    if (unfit) throw errors.invalid({ group: '', kind: '' }, '', [field.invalid('patch', goValueText(body), unfit)]);
    validateBodyFields(ctx, def, result.object);
  }
  else decodePatchedObject(ctx, def, result, problems, directive);
  const written = services.objects.replace(def, existing, result.object as KubeObject, { ...options, subresource: subresource || undefined });
  respondObject(ctx, def, written);
}
