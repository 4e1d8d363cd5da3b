// What a built-in object looks like once kube-apiserver has decoded it into its Go type and
// written it back: Go's zero values and its omitempty rules, from the facts tools/openapi-schema
// records beside the schema. A non-pointer struct is always written (a Node's `spec: {}`), so is a
// field without omitempty (`status.nodeInfo.machineID: ""`, `rules: null`) and a zero metav1.Time
// (a template's `metadata.creationTimestamp: null`); an omitempty field that is empty is left out
// (`paused: false`, `finalizers: []`). Storage (protobuf) does not keep empty lists and maps apart
// from unset ones, so an empty one written without omitempty comes back as null. Fields come in
// the Go struct's order, which is the order of kube-apiserver's JSON.

import { isJsonObject, type JsonObject } from '../server/json.js';
import { type GoField, type SchemaNode, structZero } from './schema.js';

function isEmpty(value: unknown): boolean {
  if (value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isJsonObject(value) && Object.keys(value).length === 0;
}

/** An empty list or map, which storage turns into an unset one. */
function isEmptyCollection(value: unknown, node: SchemaNode | undefined): boolean {
  if (Array.isArray(value)) return value.length === 0;
  return isJsonObject(value) && Object.keys(value).length === 0 && !!node?.isMap;
}

const fieldNames = new WeakMap<GoField[], Set<string>>();

function namesOf(fields: GoField[]): Set<string> {
  let names = fieldNames.get(fields);
  if (!names) fieldNames.set(fields, (names = new Set(fields.map((f) => f.name))));
  return names;
}

function writeStruct(value: JsonObject, node: SchemaNode, fields: GoField[], stored: boolean): JsonObject {
  const out: JsonObject = {};
  for (const field of fields) {
    const child = node.property(field.name);
    let given = Object.hasOwn(value, field.name) ? value[field.name] : undefined;
    if (given === undefined || given === null) {
      if (field.mode !== 'always') continue;
      if (field.zero !== structZero) {
        out[field.name] = field.zero;
        continue;
      }
      given = {};
    }
    const written = write(given, child, stored);
    if (field.mode === 'omitEmpty' && isEmpty(written)) continue;
    out[field.name] = field.mode === 'always' && field.zero === null && stored && isEmptyCollection(written, child) ? null : written;
  }
  // Fields Go does not know are pruned before; anything else is kept after Go's own.
  const known = namesOf(fields);
  for (const key of Object.keys(value)) if (!known.has(key)) out[key] = value[key];
  return out;
}

function write(value: unknown, node: SchemaNode | undefined, stored: boolean): unknown {
  if (!node) return value;
  if (Array.isArray(value)) {
    const items = node.items;
    if (!items) return value;
    // A null item of a list of structs decodes as the zero struct.
    return value.map((item) => write(item === null && items.goFields ? {} : item, items, stored));
  }
  if (!isJsonObject(value)) return value;
  const fields = node.goFields;
  if (fields) return writeStruct(value, node, fields, stored);
  const values = node.values;
  if (!values?.goFields) return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, write(v, values, stored)]));
}

/** A built-in object as JSON-decoding it into its Go type and encoding it again gives it back. */
export function decodedByGo<T>(node: SchemaNode, object: T): T {
  return write(object, node, false) as T;
}

/** A built-in object as kube-apiserver returns it from storage. */
export function storedByGo<T>(node: SchemaNode, object: T): T {
  return write(object, node, true) as T;
}
