// Strategic merge patch (application/strategic-merge-patch+json): a merge patch that merges lists
// element by element where the schema gives a merge key (containers by name, ports by containerPort),
// unions primitive sets (finalizers), and honours the $patch, $retainKeys, $setElementOrder and
// $deleteFromPrimitiveList directives. Patch strategies and merge keys come from the kind's schema
// (x-kubernetes-patch-strategy, x-kubernetes-patch-merge-key).

import type { SchemaNode } from '../../openapi/schema.js';
import { isJsonObject, type JsonObject as Json } from '../json.js';

const setElementOrder = '$setElementOrder/';
const deleteFromPrimitiveList = '$deleteFromPrimitiveList/';

function isDirective(key: string): boolean {
  return key === '$patch' || key === '$retainKeys' || key.startsWith(setElementOrder) || key.startsWith(deleteFromPrimitiveList);
}

/** A patch value with its directives removed, for places where it is taken as it is. */
function literal(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => !(isJsonObject(v) && v.$patch !== undefined && Object.keys(v).length === 1)).map(literal);
  if (!isJsonObject(value)) return value;
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) if (!isDirective(key)) out[key] = literal(v);
  return out;
}

function sameElement(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function mergeKeyedList(original: unknown[], patch: unknown[], mergeKey: string, itemSchema: SchemaNode | undefined): unknown[] {
  if (patch.some((e) => isJsonObject(e) && e.$patch === 'replace')) return literal(patch) as unknown[];
  const result = [...original];
  for (const element of patch) {
    if (!isJsonObject(element)) {
      if (!result.some((o) => sameElement(o, element))) result.push(element);
      continue;
    }
    const matches = (o: unknown) => isJsonObject(o) && o[mergeKey] === element[mergeKey];
    if (element.$patch === 'delete') {
      for (let at = result.findIndex(matches); at >= 0; at = result.findIndex(matches)) result.splice(at, 1);
      continue;
    }
    const index = result.findIndex(matches);
    if (index >= 0) {
      const merged = mergeMap(result[index] as Json, element, itemSchema);
      if (merged === undefined) result.splice(index, 1);
      else result[index] = merged;
    } else {
      result.push(literal(element));
    }
  }
  return result;
}

function mergePrimitiveSet(original: unknown[], patch: unknown[]): unknown[] {
  const result = [...original];
  for (const value of patch) if (!result.some((o) => sameElement(o, value))) result.push(value);
  return result;
}

function orderBy(list: unknown[], order: unknown[], mergeKey: string | undefined): unknown[] {
  const keyOf = (item: unknown) => JSON.stringify(mergeKey && isJsonObject(item) ? item[mergeKey] : item);
  const wanted = order.map((o) => JSON.stringify(mergeKey && isJsonObject(o) ? o[mergeKey] : o));
  const rank = (item: unknown) => {
    const at = wanted.indexOf(keyOf(item));
    return at < 0 ? wanted.length : at;
  };
  return [...list].sort((a, b) => rank(a) - rank(b));
}

/** Merges `patch` into `original`; `undefined` means the map is deleted ($patch: delete). */
function mergeMap(original: Json, patch: Json, schema: SchemaNode | undefined): Json | undefined {
  if (patch.$patch === 'delete') return undefined;
  if (patch.$patch === 'replace') return literal(patch) as Json;
  const result: Json = { ...original };
  const orders: Array<[string, unknown[]]> = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(setElementOrder)) {
      if (Array.isArray(value)) orders.push([key.slice(setElementOrder.length), value]);
      continue;
    }
    if (key.startsWith(deleteFromPrimitiveList)) {
      const field = key.slice(deleteFromPrimitiveList.length);
      const current = result[field];
      if (Array.isArray(current) && Array.isArray(value)) result[field] = current.filter((v) => !value.some((d) => sameElement(d, v)));
      continue;
    }
    if (isDirective(key)) continue;
    const child = schema?.child(key);
    if (value === null) {
      delete result[key];
    } else if (isJsonObject(value)) {
      const merged = mergeMap(isJsonObject(result[key]) ? (result[key] as Json) : {}, value, child);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
    } else if (Array.isArray(value)) {
      const strategy = child?.schema['x-kubernetes-patch-strategy'] ?? '';
      const current = Array.isArray(result[key]) ? (result[key] as unknown[]) : [];
      const mergeKey = child?.schema['x-kubernetes-patch-merge-key'];
      if (!strategy.split(',').includes('merge')) result[key] = literal(value);
      else if (mergeKey) result[key] = mergeKeyedList(current, value, mergeKey, child?.items);
      else result[key] = mergePrimitiveSet(current, value);
    } else {
      result[key] = value;
    }
  }
  for (const [field, order] of orders) {
    const list = result[field];
    if (Array.isArray(list)) result[field] = orderBy(list, order, schema?.child(field)?.schema['x-kubernetes-patch-merge-key']);
  }
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) for (const key of Object.keys(result)) if (!retain.includes(key)) delete result[key];
  return result;
}

export function applyStrategicMergePatch(original: Json, patch: Json, schema: SchemaNode): Json {
  return mergeMap(original, patch, schema) ?? {};
}
