// fieldValidation for request bodies. kube-apiserver decodes a built-in kind's body into Go structs,
// so fields the type lacks are dropped; Strict turns them into a 400, Warn (the default) into one
// Warning header each, Ignore into nothing. A custom resource's strategy prunes it by its CRD's schema.
//
// The check walks the body beside the kind's schema rather than running a JSON Schema validator over
// it: the walk meets fields in the order a decoder does (the order of the 400's list), yields
// kube-apiserver's paths directly and costs nothing up front. A value of the wrong JSON type cannot
// be decoded into a Go struct at all, so for built-in kinds it is a 400 whatever fieldValidation says.

import type { KubeContext } from '../server/context.js';
import { errors } from '../server/errors.js';
import { queryParam } from '../server/handlers/query.js';
import { isJsonObject, type JsonObject } from '../server/json.js';
import { strictDecodingErrors } from '../server/json-decode.js';
import { addWarning } from '../server/warnings.js';
import type { ResourceDefinition } from '../server/registry/types.js';
import type { KubeObject } from '../server/store/types.js';
import { builtinSchemaNames, resourceSchema } from './kubernetes.js';
import type { Schema, SchemaNode } from './schema.js';

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  return typeof value === 'boolean' ? 'bool' : typeof value;
}

function matchesType(value: unknown, type: Schema['type']): boolean {
  switch (type) {
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

/** Whether a JSON value can be decoded into a field of this schema (null decodes into anything). */
function decodable(value: unknown, schema: Schema): boolean {
  if (value === null || value === undefined) return true;
  if (schema['x-kubernetes-int-or-string']) return typeof value === 'string' || Number.isInteger(value);
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives && !schema.type) return alternatives.some((alternative) => matchesType(value, alternative.type));
  return matchesType(value, schema.type);
}

/** The Go type a schema stands for, as encoding/json names it in errors (int32, []v1.Container, v1.PodSpec). */
function goTypeName(node: SchemaNode | undefined): string {
  if (!node) return 'interface {}';
  const { schema } = node;
  if (node.component && schema.properties) return node.component.split('.').slice(-2).join('.');
  if (schema.format === 'int-or-string') return 'int32';
  switch (schema.type) {
    case 'string':
      return 'string';
    case 'integer':
      return schema.format === 'int32' || schema.format === 'int64' ? schema.format : 'int';
    case 'number':
      return schema.format === 'float' ? 'float32' : 'float64';
    case 'boolean':
      return 'bool';
    case 'array':
      return `[]${goTypeName(node.items)}`;
    case 'object':
      return node.values ? `map[string]${goTypeName(node.values)}` : 'map[string]interface {}';
  }
  return 'interface {}';
}

/** A value the kind's Go type cannot decode, worded as encoding/json says it. */
export class UndecodableValue extends Error {}

interface Place {
  /** Field names from the root, without indices or map keys: what encoding/json reports. */
  path: string;
  /** The Go struct holding the field. */
  struct: string;
}

function undecodable(value: unknown, node: SchemaNode, place: Place): UndecodableValue {
  if (node.component === builtinSchemaNames.quantity) {
    return new UndecodableValue(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
  }
  return new UndecodableValue(`json: cannot unmarshal ${jsonKind(value)} into Go struct field ${place.struct}.${place.path} of type ${goTypeName(node)}`);
}

function collectUnknown(value: unknown, node: SchemaNode, path: string, place: Place, unknown: string[]): void {
  if (!decodable(value, node.schema)) throw undecodable(value, node, place);
  if (Array.isArray(value)) {
    const items = node.items;
    if (items) value.forEach((item, i) => collectUnknown(item, items, `${path}[${i}]`, place, unknown));
    return;
  }
  if (!isJsonObject(value)) return;
  const { schema } = node;
  const struct = node.component && schema.properties ? node.component.slice(node.component.lastIndexOf('.') + 1) : place.struct;
  if (schema.properties) {
    for (const key of Object.keys(value)) {
      const fieldPath = path ? `${path}.${key}` : key;
      const child = node.property(key);
      if (child) {
        collectUnknown(value[key], child, fieldPath, { path: place.path ? `${place.path}.${key}` : key, struct }, unknown);
      } else if (!node.preservesUnknownFields) {
        unknown.push(fieldPath);
        delete value[key];
      }
    }
  } else if (node.values) {
    const values = node.values;
    for (const key of Object.keys(value)) collectUnknown(value[key], values, `${path}.${key}`, { path: place.path, struct }, unknown);
  }
}

/**
 * Removes from `object` the fields its kind's schema does not know and returns their paths
 * (`spec.foo`, `spec.template.spec.containers[0].lifecycle.preStart`) in document order. A value a
 * built-in kind's Go type cannot decode is a 400. Custom resources are pruned by their strategy,
 * from their CRD's structural schema.
 */
export function dropUnknownFields(def: ResourceDefinition, object: JsonObject): string[] {
  try {
    return removeUnknownFields(def, object);
  } catch (err) {
    if (!(err instanceof UndecodableValue)) throw err;
    throw errors.badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${err.message}`);
  }
}

/** dropUnknownFields, throwing UndecodableValue where a body is a 400 (a patch's result answers it as a 422). */
export function removeUnknownFields(def: ResourceDefinition, object: JsonObject): string[] {
  const schema = resourceSchema(def);
  if (!schema.goTypes) return def.strategy.prune?.(object as KubeObject) ?? [];
  const unknown: string[] = [];
  collectUnknown(object, schema.components.node(schema.name)!, '', { path: '', struct: def.kind }, unknown);
  return unknown;
}

/** The reflect.Kind apimachinery's unstructured converter names for a decoded JSON value. */
function unstructuredKind(value: unknown): string {
  if (Array.isArray(value)) return 'slice';
  if (isJsonObject(value)) return 'map';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int64' : 'float64';
  return typeof value === 'boolean' ? 'bool' : 'string';
}

/** The Go kind of a scalar field, as the converter names its destination. */
function scalarKind(schema: Schema): string | undefined {
  switch (schema.type) {
    case 'string':
      return schema.format === 'byte' ? undefined : 'string';
    case 'integer':
      return schema.format === 'int64' ? 'int64' : 'int32';
    case 'number':
      return schema.format === 'float' ? 'float32' : 'float64';
    case 'boolean':
      return 'bool';
  }
  return undefined;
}

/**
 * Why runtime.DefaultUnstructuredConverter cannot put a value into a field of this schema, as
 * FromUnstructured words it (a strategic merge patch's result is converted that way, not decoded
 * from JSON); undefined when it can.
 */
function conversionError(value: unknown, node: SchemaNode): string | undefined {
  if (value === null || value === undefined) return undefined;
  const { schema } = node;
  const from = unstructuredKind(value);
  // Types with their own JSON decoding get the value re-encoded as JSON.
  if (node.component === builtinSchemaNames.quantity) {
    return typeof value === 'string' || typeof value === 'number' ? undefined : "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
  }
  if (schema['x-kubernetes-int-or-string'] || schema.format === 'int-or-string') {
    return typeof value === 'string' || Number.isInteger(value) ? undefined : `json: cannot unmarshal ${jsonKind(value) === 'bool' ? 'bool' : jsonKind(value)} into Go value of type int32`;
  }
  const scalar = scalarKind(schema);
  if (scalar) {
    const numeric = (kind: string) => kind === 'int64' || kind === 'int32' || kind === 'float64' || kind === 'float32';
    if (from === scalar || (from === 'string' && scalar === 'string') || (from === 'bool' && scalar === 'bool')) return undefined;
    if (from === 'int64' && numeric(scalar)) return undefined;
    if (from === 'float64' && numeric(scalar)) return scalar.startsWith('float') || Number.isInteger(value) ? undefined : `cannot convert float64 to ${scalar}`;
    // Go converts an integer to a string type, which JSON forbids.
    if (from === 'int64' && scalar === 'string') return 'cannot convert int64 to string';
    return `unrecognized type: ${scalar}`;
  }
  if (schema.type === 'array') {
    if (!Array.isArray(value)) return schema.format === 'byte' && typeof value === 'string' ? undefined : `cannot restore slice from ${from}`;
    const items = node.items;
    if (!items) return undefined;
    for (const item of value) {
      const problem = conversionError(item, items);
      if (problem) return problem;
    }
    return undefined;
  }
  if (schema.type === 'object' || schema.properties) {
    if (!isJsonObject(value)) return schema.properties ? `cannot restore struct from: ${from}` : `cannot restore map from ${from}`;
    for (const key of Object.keys(value)) {
      const child = schema.properties ? node.property(key) : node.values;
      const problem = child && conversionError(value[key], child);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** Why the unstructured converter cannot turn `object` into its built-in kind's Go type, if it cannot. */
export function unstructuredConversionError(def: ResourceDefinition, object: JsonObject): string | undefined {
  const schema = resourceSchema(def);
  if (!schema.goTypes) return undefined;
  return conversionError(object, schema.components.node(schema.name)!);
}

/** Applies the request's fieldValidation directive (already checked by readWriteOptions) to a decoded body. */
export function validateBodyFields(ctx: KubeContext, def: ResourceDefinition, body: unknown): void {
  // A body of another kind is refused by the store with its own message.
  if (!isJsonObject(body) || (body.kind !== undefined && body.kind !== def.kind)) return;
  const problems = strictDecodingErrors(dropUnknownFields(def, body), ctx.state.decodedBody);
  if (!problems.length) return;
  const directive = queryParam(ctx, 'fieldValidation') || 'Warn';
  if (directive === 'Strict') {
    throw errors.badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: strict decoding error: ${problems.join(', ')}`);
  }
  if (directive === 'Warn') for (const problem of problems) addWarning(ctx, problem);
}
