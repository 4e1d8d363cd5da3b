// What a structural schema does to a custom resource besides validating it, as apiextensions-apiserver
// does: defaulting (apply `default`s, drop nulls nobody may hold), pruning (drop fields the schema does
// not declare) and the uniqueness of list-type set and map lists.

import { field, type FieldError, GoLiteral } from '../../errors.js';
import { isJsonObject, jsonEqual, type JsonObject } from '../../json.js';
import { childPath, indexPath, type JSONSchemaProps, propertySchema } from './types.js';

const clone = <T>(value: T): T => structuredClone(value);

/** Applies defaults in place: missing fields, and nulls where the schema does not allow null. Says whether anything changed. */
export function applyDefaults(value: unknown, schema: JSONSchemaProps | undefined): boolean {
  if (!schema) return false;
  let changed = false;
  if (Array.isArray(value)) {
    const items = schema.items;
    if (!items) return false;
    for (let i = 0; i < value.length; i++) {
      if (value[i] === null && !items.nullable && items.default !== undefined) {
        value[i] = clone(items.default);
        changed = true;
      }
      changed = applyDefaults(value[i], items) || changed;
    }
    return changed;
  }
  if (!isJsonObject(value)) return false;
  for (const [key, property] of defaultedProperties(schema)) {
    if (!Object.hasOwn(value, key) || (value[key] === null && !property.nullable)) {
      value[key] = clone(property.default);
      changed = true;
    }
  }
  for (const key of Object.keys(value)) {
    const child = value[key];
    // Only nulls and nested values have anything to default or drop.
    if (typeof child !== 'object') continue;
    const property = propertySchema(schema, key);
    if (!property) continue;
    if (child === null && !property.nullable && property.default === undefined) {
      delete value[key];
      changed = true;
      continue;
    }
    changed = applyDefaults(child, property) || changed;
  }
  return changed;
}

const defaultedOf = new WeakMap<JSONSchemaProps, Array<[string, JSONSchemaProps]>>();

/** The properties of an object schema that have a default, found once per schema node. */
function defaultedProperties(schema: JSONSchemaProps): Array<[string, JSONSchemaProps]> {
  let found = defaultedOf.get(schema);
  if (!found) defaultedOf.set(schema, (found = Object.entries(schema.properties ?? {}).filter(([, property]) => property.default !== undefined)));
  return found;
}

/** Whether any node of a schema has a default. */
export function hasDefaults(schema: JSONSchemaProps | undefined): boolean {
  if (!schema) return false;
  return (
    schema.default !== undefined ||
    Object.values(schema.properties ?? {}).some(hasDefaults) ||
    (isJsonObject(schema.additionalProperties) && hasDefaults(schema.additionalProperties as JSONSchemaProps)) ||
    hasDefaults(schema.items)
  );
}

/**
 * Drops, in place, the fields a schema does not declare (unless it preserves unknown fields) and
 * returns their paths. The root of a resource (and of an embedded resource) keeps apiVersion, kind
 * and metadata whatever the schema says.
 */
export function prune(value: unknown, schema: JSONSchemaProps | undefined, isResourceRoot: boolean, path = ''): string[] {
  const pruned: string[] = [];
  walkPrune(value, schema, isResourceRoot, path, pruned);
  return pruned;
}

const resourceFields = new Set(['apiVersion', 'kind', 'metadata']);

function walkPrune(value: unknown, schema: JSONSchemaProps | undefined, isResourceRoot: boolean, path: string, pruned: string[]): void {
  if (Array.isArray(value)) {
    const items = schema?.items;
    if (!items) return;
    for (let i = 0; i < value.length; i++) if (isNested(value[i])) walkPrune(value[i], items, !!items['x-kubernetes-embedded-resource'], indexPath(path, i), pruned);
    return;
  }
  if (!isJsonObject(value) || !schema) return;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  for (const key of Object.keys(value)) {
    const child = value[key];
    if (isResourceRoot && resourceFields.has(key)) {
      // metadata has a fixed shape; a root schema may only restrict name and generateName.
      if (key !== 'metadata' && isNested(child)) walkPrune(child, schema.properties?.[key], false, childPath(path, key), pruned);
      continue;
    }
    const property = propertySchema(schema, key);
    if (!property) {
      if (preserve || schema.additionalProperties === true) continue;
      pruned.push(childPath(path, key));
      delete value[key];
      continue;
    }
    // A scalar has nothing below it to prune: its path is not built.
    if (isNested(child)) walkPrune(child, property, !!property['x-kubernetes-embedded-resource'], childPath(path, key), pruned);
  }
}

const isNested = (value: unknown): boolean => typeof value === 'object' && value !== null;

/** Go's %#v of a decoded JSON object (other values print as they are). */
export function goValue(value: unknown): unknown {
  if (!isJsonObject(value)) return value;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1));
  return new GoLiteral(`map[string]interface {}{${entries.map(([k, v]) => `${JSON.stringify(k)}:${goNested(v)}`).join(', ')}}`);
}

function goNested(value: unknown): string {
  if (isJsonObject(value)) return (goValue(value) as GoLiteral).text;
  if (Array.isArray(value)) return `[]interface {}{${value.map(goNested).join(', ')}}`;
  return JSON.stringify(value);
}

/** Duplicates in lists of type set (equal items) and map (equal keys), one error per repeated item. */
export function validateListTypes(value: unknown, schema: JSONSchemaProps | undefined, path = ''): FieldError[] {
  const problems: FieldError[] = [];
  walkLists(value, schema, path, problems);
  return problems;
}

const keyedListsBelow = new WeakMap<JSONSchemaProps, boolean>();

/** Whether the schema declares a set or map list anywhere: the walk skips the parts that declare none. */
function hasKeyedLists(schema: JSONSchemaProps): boolean {
  let found = keyedListsBelow.get(schema);
  if (found === undefined) {
    const listType = schema['x-kubernetes-list-type'];
    found =
      listType === 'set' ||
      listType === 'map' ||
      Object.values(schema.properties ?? {}).some(hasKeyedLists) ||
      (isJsonObject(schema.additionalProperties) && hasKeyedLists(schema.additionalProperties as JSONSchemaProps)) ||
      (!!schema.items && hasKeyedLists(schema.items));
    keyedListsBelow.set(schema, found);
  }
  return found;
}

function walkLists(value: unknown, schema: JSONSchemaProps | undefined, path: string, problems: FieldError[]): void {
  if (!schema || !hasKeyedLists(schema)) return;
  if (Array.isArray(value)) {
    const listType = schema['x-kubernetes-list-type'];
    if (listType === 'set') {
      value.forEach((item, i) => {
        if (value.slice(0, i).some((earlier) => jsonEqual(earlier, item))) problems.push(field.duplicate(indexPath(path, i), goValue(item)));
      });
    } else if (listType === 'map') {
      const keys = schema['x-kubernetes-list-map-keys'] ?? [];
      const seen: JsonObject[] = [];
      value.forEach((item, i) => {
        if (!isJsonObject(item)) {
          problems.push(field.invalid(indexPath(path, i), item, 'must be an object for an array of list-type map'));
          return;
        }
        const key: JsonObject = {};
        for (const k of keys) {
          if (item[k] !== undefined) key[k] = item[k];
        }
        if (seen.some((earlier) => jsonEqual(earlier, key))) problems.push(field.duplicate(indexPath(path, i), goValue(key)));
        seen.push(key);
      });
    }
    value.forEach((item, i) => walkLists(item, schema.items, indexPath(path, i), problems));
    return;
  }
  if (!isJsonObject(value)) return;
  for (const key of Object.keys(value)) walkLists(value[key], propertySchema(schema, key), childPath(path, key), problems);
}
