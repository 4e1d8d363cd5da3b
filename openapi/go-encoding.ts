// What a built-in object looks like once kube-apiserver has decoded it into its Go type and
// written it back: Go's zero values and its omitempty rules, from the facts tools/openapi-schema
// records beside the schema. A non-pointer struct is always written (a Node's `spec: {}`), so is a
// field without omitempty (`status.nodeInfo.machineID: ""`, `rules: null`) and a zero metav1.Time
// (a template's `metadata.creationTimestamp: null`); an omitempty field that is empty is left out
// (`paused: false`, `finalizers: []`). Storage (protobuf) does not keep empty lists and maps apart
// from unset ones, so an empty one written without omitempty comes back as null. Fields come in
// the Go struct's order and map keys sorted, as in kube-apiserver's JSON.

import { isJsonObject, jsonEqual, type JsonObject } from '../server/json.js';
import { type GoField, type SchemaNode, structZero } from './schema.js';

interface FieldPlan {
  field: GoField;
  node: SchemaNode | undefined;
  /** Position in the Go struct. */
  index: number;
}

/** A struct's fields, looked up once per schema node: by name, and those written even when unset. */
interface StructPlan {
  byName: Map<string, FieldPlan>;
  always: FieldPlan[];
}

const plans = new WeakMap<SchemaNode, StructPlan | null>();

function planOf(node: SchemaNode): StructPlan | undefined {
  let plan = plans.get(node);
  if (plan === undefined) {
    const fields = node.goFields;
    if (fields) {
      const all = fields.map((field, index) => ({ field, node: node.property(field.name), index }));
      plan = { byName: new Map(all.map((p) => [p.field.name, p])), always: all.filter((p) => p.field.mode === 'always') };
    } else plan = null;
    plans.set(node, plan);
  }
  return plan ?? undefined;
}

/** Whether an object has no keys of its own, found without listing them. */
function hasNoKeys(value: JsonObject): boolean {
  for (const key in value) if (Object.hasOwn(value, key)) return false;
  return true;
}

function isEmpty(value: unknown): boolean {
  if (value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isJsonObject(value) && hasNoKeys(value);
}

/** An empty list or map, which storage turns into an unset one. */
function isEmptyCollection(value: unknown, node: SchemaNode | undefined): boolean {
  if (Array.isArray(value)) return value.length === 0;
  return isJsonObject(value) && hasNoKeys(value) && !!node?.isMap;
}

const byIndex = (a: FieldPlan, b: FieldPlan) => a.index - b.index;

/**
 * The value as written, or `before` itself when the value is the same (Go's form of it, as the object
 * held it before this write): unchanged parts are neither walked nor copied.
 */
function writeOrKeep(value: unknown, node: SchemaNode | undefined, stored: boolean, before: unknown): unknown {
  if (before !== undefined && before !== null && (value === before || jsonEqual(value, before))) return before;
  return write(value, node, stored, before);
}

/**
 * Go's form of a struct. A value already in that form (fields in Go's order, none to fill in, drop
 * or convert, every part written as it is) is its own answer; otherwise a copy is made from the
 * first field that differs.
 */
/** The fields of the structs being written, one list per depth of nesting, reused from write to write. */
const fieldsAtDepth: FieldPlan[][] = [];
let structDepth = 0;

function writeStruct(value: JsonObject, plan: StructPlan, stored: boolean, before?: JsonObject): JsonObject {
  const depth = structDepth++;
  try {
    return writeStructFields(value, plan, stored, before, (fieldsAtDepth[depth] ??= []));
  } finally {
    structDepth--;
  }
}

/** writeStruct, its fields gathered in `fields` (its first entries; what it held before is written over). */
function writeStructFields(value: JsonObject, plan: StructPlan, stored: boolean, before: JsonObject | undefined, fields: FieldPlan[]): JsonObject {
  let count = 0;
  let unknown: string[] | undefined;
  let last = -1;
  let inOrder = true;
  let filled = false;
  for (const key in value) {
    const field = plan.byName.get(key);
    if (!field) {
      (unknown ??= []).push(key);
      continue;
    }
    if (field.index < last) inOrder = false;
    last = field.index;
    fields[count++] = field;
  }
  for (const field of plan.always) {
    if (value[field.field.name] !== undefined) continue;
    if (field.index < last) inOrder = false;
    last = field.index;
    fields[count++] = field;
    filled = true;
  }
  const present = inOrder ? fields : fields.slice(0, count).sort(byIndex);

  // Undefined while every field so far is the value's own, in its place.
  let out: JsonObject | undefined = inOrder && !filled && !unknown ? undefined : {};
  for (let i = 0; i < count; i++) {
    const { field, node } = present[i];
    const own = value[field.name];
    let given = own;
    let written: unknown;
    if (given === undefined || given === null) {
      if (field.mode !== 'always') {
        out ??= copyOfFields(value, present, i);
        continue;
      }
      if (field.zero !== structZero) written = field.zero;
      else given = {};
    }
    if (given !== undefined && given !== null) {
      // Scalars are written as they are; only lists, maps and structs have anything to fill in or drop.
      written = typeof given === 'object' ? writeOrKeep(given, node, stored, before?.[field.name]) : given;
      if (field.mode === 'omitEmpty' && isEmpty(written)) {
        out ??= copyOfFields(value, present, i);
        continue;
      }
      if (field.mode === 'always' && field.zero === null && stored && isEmptyCollection(written, node)) written = null;
    }
    if (out) out[field.name] = written;
    else if (written !== own) (out = copyOfFields(value, present, i))[field.name] = written;
  }
  if (!out) return value;
  // Fields Go does not know are pruned before; anything else is kept after Go's own.
  if (unknown) for (const key of unknown) out[key] = value[key];
  return out;
}

/** A copy of the first `count` fields of `value`, which are written as they are. */
function copyOfFields(value: JsonObject, present: FieldPlan[], count: number): JsonObject {
  const out: JsonObject = {};
  for (let i = 0; i < count; i++) out[present[i].field.name] = value[present[i].field.name];
  return out;
}

function write(value: unknown, node: SchemaNode | undefined, stored: boolean, before?: unknown): unknown {
  if (!node) return value;
  if (Array.isArray(value)) {
    const items = node.items;
    if (!items || (!items.goFields && !items.items)) return value;
    const previous = Array.isArray(before) ? before : undefined;
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      // A null item of a list of structs decodes as the zero struct.
      const written = writeOrKeep(item === null && items.goFields ? {} : item, items, stored, previous?.[i]);
      if (out) out.push(written);
      else if (written !== item) (out = value.slice(0, i)).push(written);
    }
    return out ?? value;
  }
  if (!isJsonObject(value)) return value;
  const previous = isJsonObject(before) ? before : undefined;
  const plan = planOf(node);
  if (plan) return writeStruct(value, plan, stored, previous);
  const values = node.values;
  if (!values) return value;
  // Go writes a map's keys sorted; a null value of a map of strings or numbers decodes as the zero value (a JSON patch can leave one).
  const zero = values.goFields ? undefined : scalarZero(values);
  const keys = Object.keys(value);
  let out: JsonObject | undefined;
  if (!inKeyOrder(keys)) {
    keys.sort();
    out = {};
  }
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const given = value[key];
    const written = values.goFields ? writeOrKeep(given, values, stored, previous?.[key]) : given === null && zero !== undefined ? zero : given;
    if (out) out[key] = written;
    else if (written !== given) (out = copyOfKeys(value, keys, i))[key] = written;
  }
  return out ?? value;
}

function inKeyOrder(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return false;
  return true;
}

/** A copy of the first `count` of `keys` of `value`. */
function copyOfKeys(value: JsonObject, keys: string[], count: number): JsonObject {
  const out: JsonObject = {};
  for (let i = 0; i < count; i++) out[keys[i]] = value[keys[i]];
  return out;
}

/** The zero value of a scalar Go type, if the schema is one. */
function scalarZero(node: SchemaNode): unknown {
  switch (node.schema.type) {
    case 'string':
      return node.schema.format === 'byte' ? null : '';
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    default:
      return undefined;
  }
}

/**
 * A built-in object as JSON-decoding it into its Go type and encoding it again gives it back.
 * `before`, an object as stored, lends its parts to the parts of `object` equal to them.
 */
export function decodedByGo<T>(node: SchemaNode, object: T, before?: JsonObject): T {
  return write(object, node, false, before) as T;
}

/**
 * A built-in object as kube-apiserver returns it from storage: decoded, stored as protobuf, encoded
 * again. `before` is the object as stored before this write: the parts of `object` equal to its
 * parts (a status write keeps the stored spec) are in that form already and kept as they are.
 */
export function storedByGo<T>(node: SchemaNode, object: T, before?: JsonObject): T {
  return write(object, node, true, before) as T;
}
