// fieldValidation for POST and PUT bodies of built-in kinds. kube-apiserver decodes a body into Go
// structs, so fields the type lacks are dropped; Strict turns them into a 400, Warn (the default)
// into one Warning header each, Ignore into nothing.
//
// The check walks the body beside the kind's schema rather than running ajv over it: the walk meets
// fields in the order a decoder does (the order of the 400's list), yields kube-apiserver's paths
// directly and costs nothing up front (ajv takes ~150 ms to compile the Pod schema alone). A value of
// the wrong JSON type cannot be decoded at all, so it is a 400 whatever fieldValidation says.

import type { KubeContext } from '../server/context.js';
import { errors } from '../server/errors.js';
import { queryParam } from '../server/handlers/query.js';
import type { Registry } from '../server/registry/registry.js';
import type { ResourceDefinition } from '../server/registry/types.js';
import { schemaCatalog } from './cache.js';
import { gvkKey, knownSchemaNames, type Schema, type SchemaCatalog, schemaRef, schemaRefPrefix } from './schemas.js';
import { isJsonObject, type JsonObject } from '../server/json.js';
import type { KubeObject } from '../server/store/types.js';



function resolve(schema: Schema, schemas: Record<string, Schema>): Schema | undefined {
  return schema.$ref ? schemas[schema.$ref.slice(schemaRefPrefix.length)] : schema;
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  return typeof value === 'boolean' ? 'bool' : typeof value;
}

const goTypes: Record<string, string> = { string: 'string', integer: 'int64', number: 'float64', boolean: 'bool', array: 'slice', object: 'object' };

/** Whether a JSON value can be decoded into a field of this schema (null decodes into anything). */
function decodable(value: unknown, schema: Schema, ref: string | undefined): boolean {
  if (value === null || value === undefined) return true;
  if (ref === schemaRef(knownSchemaNames.quantity).$ref) return typeof value === 'string' || typeof value === 'number';
  if (schema.format === 'int-or-string') return typeof value === 'string' || Number.isInteger(value);
  switch (schema.type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isJsonObject(value);
    default:
      return true;
  }
}

class UndecodableValue extends Error {}

function collectUnknown(value: unknown, given: Schema, path: string, schemas: Record<string, Schema>, unknown: string[]): void {
  const schema = resolve(given, schemas);
  if (!schema) return;
  if (!decodable(value, schema, given.$ref)) {
    const type = schema.type ? goTypes[schema.type] : 'object';
    throw new UndecodableValue(`json: cannot unmarshal ${jsonKind(value)} into Go struct field ${path || '.'} of type ${type}`);
  }
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((item, i) => collectUnknown(item, schema.items!, `${path}[${i}]`, schemas, unknown));
    return;
  }
  if (!isJsonObject(value)) return;
  if (schema.properties) {
    for (const key of Object.keys(value)) {
      const fieldPath = path ? `${path}.${key}` : key;
      const fieldSchema = Object.hasOwn(schema.properties, key) ? schema.properties[key] : undefined;
      if (fieldSchema) {
        collectUnknown(value[key], fieldSchema, fieldPath, schemas, unknown);
      } else {
        unknown.push(fieldPath);
        delete value[key];
      }
    }
  } else if (schema.additionalProperties) {
    for (const key of Object.keys(value)) collectUnknown(value[key], schema.additionalProperties, `${path}.${key}`, schemas, unknown);
  }
}

/**
 * Removes from `object` the fields its kind's schema does not know and returns their paths
 * (`spec.foo`, `spec.template.spec.containers[0].lifecycle.preStart`) in document order.
 * Custom resources are pruned by their strategy, from their CRD's schema.
 */
export function dropUnknownFields(catalog: SchemaCatalog, def: ResourceDefinition, object: JsonObject): string[] {
  const kind = catalog.kinds.get(gvkKey(def));
  if (!kind?.builtin) return def.strategy.prune?.(object as KubeObject) ?? [];
  const unknown: string[] = [];
  try {
    collectUnknown(object, schemaRef(kind.name), '', catalog.schemas, unknown);
  } catch (err) {
    if (!(err instanceof UndecodableValue)) throw err;
    throw errors.badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${err.message}`);
  }
  return unknown;
}

/** A Warning header value: code 299, no agent, the text quoted with non-ASCII escaped (headers carry ASCII). */
export function warningHeader(text: string): string {
  const quoted = JSON.stringify(text).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `299 - ${quoted}`;
}

/** Applies the request's fieldValidation directive (already checked by readWriteOptions) to a decoded body. */
export async function validateBodyFields(ctx: KubeContext, registry: Registry, def: ResourceDefinition, body: unknown): Promise<void> {
  applyFieldValidation(ctx, await schemaCatalog(registry), def, body);
}

/** validateBodyFields with the catalog at hand, for callers that must not yield between reading and writing. */
export function applyFieldValidation(ctx: KubeContext, catalog: SchemaCatalog, def: ResourceDefinition, body: unknown): void {
  // A body of another kind is refused by the store with its own message.
  if (!isJsonObject(body) || (body.kind !== undefined && body.kind !== def.kind)) return;
  const problems = dropUnknownFields(catalog, def, body).map((path) => `unknown field "${path}"`);
  if (!problems.length) return;
  const directive = queryParam(ctx, 'fieldValidation') || 'Warn';
  if (directive === 'Strict') {
    throw errors.badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: strict decoding error: ${problems.join(', ')}`);
  }
  if (directive === 'Warn') for (const problem of problems) ctx.append('Warning', warningHeader(problem));
}
