// metadata.managedFields in the FieldsV1 shape: which manager last set which field. The kind's
// schema says how each value is tracked, as structured-merge-diff reads it: structs and granular
// maps field by field, atomic ones (x-kubernetes-map-type: atomic) whole; lists by item key
// (x-kubernetes-list-type: map), by value (set), or whole (atomic, the default).

import type { SchemaNode } from '../../openapi/schema.js';
import { isJsonObject, type JsonObject as Json } from '../json.js';
import type { KubeObject } from '../store/types.js';

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Update' | 'Apply';
  apiVersion: string;
  /** Absent when the write that made the entry changed nothing (an apply of what is already there). */
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

/** Which part of an object a manager writes: the main resource, or one subresource (status). */
export interface ManagedScope {
  subresource?: string;
  /** When status has its own subresource, main-resource writes do not own it. */
  statusIsSubresource: boolean;
}

export interface ManagerInfo extends ManagedScope {
  manager: string;
  apiVersion: string;
  time: string;
}

const serverMetadata = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink', 'generateName']);

/** Joins the segments of a field path (f:spec, k:{"name":"web"}, v:"x", .). */
export const separator = '\u0001';

/** The last segment of a node's own path: the node exists, whatever its children. */
export const nodeMarker = '.';

/** The keys that identify the items of a keyed list, if every item has one of them. */
export function listKeys(list: SchemaNode | undefined, items: unknown[]): string[] | undefined {
  const keys = list?.listMapKeys;
  if (!keys) return undefined;
  return items.every((item) => isJsonObject(item) && keys.some((k) => item[k] !== undefined)) ? keys : undefined;
}

/** `k:{"containerPort":80,"protocol":"TCP"}`: an item's identity, absent keys taken from their schema defaults. */
export function itemKey(item: Json, keys: string[], itemSchema: SchemaNode | undefined): string {
  const identity: Json = {};
  for (const k of [...keys].sort()) {
    const value = item[k] ?? itemSchema?.property(k)?.schema.default;
    if (value !== undefined) identity[k] = value;
  }
  return `k:${JSON.stringify(identity)}`;
}

/**
 * Collects the owned paths of a value with their serialized leaf values: every struct, map, list
 * and list item with children also owns its own node (path + "."), an empty one is a leaf.
 */
function collect(value: unknown, node: SchemaNode | undefined, path: string[], out: Map<string, string>): void {
  const join = (segments: string[]) => segments.join(separator);
  if (Array.isArray(value) && value.length > 0 && node && node.listType !== 'atomic') {
    const items = node.items;
    if (node.listType === 'set') {
      out.set(join([...path, nodeMarker]), '');
      for (const v of value) out.set(join([...path, `v:${JSON.stringify(v)}`]), '');
      return;
    }
    const keys = listKeys(node, value);
    if (keys) {
      out.set(join([...path, nodeMarker]), '');
      for (const item of value as Json[]) {
        const itemPath = [...path, itemKey(item, keys, items)];
        out.set(join([...itemPath, nodeMarker]), '');
        for (const [k, v] of Object.entries(item)) collect(v, items?.child(k), [...itemPath, `f:${k}`], out);
      }
      return;
    }
  } else if (isJsonObject(value) && Object.keys(value).length > 0 && !node?.atomicObject) {
    out.set(join([...path, nodeMarker]), '');
    for (const [k, v] of Object.entries(value)) collect(v, node?.child(k), [...path, `f:${k}`], out);
    return;
  }
  out.set(join(path), JSON.stringify(value));
}

/** Every owned path of an object with its serialized leaf value, in the scope a manager writes (main resource or status). */
export function fieldsOf(object: KubeObject, schema: SchemaNode | undefined, scope: ManagedScope): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(object)) {
    if (key === 'kind' || key === 'apiVersion') continue;
    const isStatus = key === 'status';
    if (scope.subresource === 'status' ? !isStatus : isStatus && scope.statusIsSubresource) continue;
    if (key === 'metadata') {
      const meta = schema?.property('metadata');
      for (const [mk, mv] of Object.entries(value as Json)) {
        if (!serverMetadata.has(mk)) collect(mv, meta?.property(mk), ['f:metadata', `f:${mk}`], out);
      }
    } else collect(value, schema?.property(key), [`f:${key}`], out);
  }
  return out;
}

/** The FieldsV1 tree of a set of paths, members in the order kube-apiserver writes them: ".", then f:, k: and v: entries, each sorted. */
export function toTree(paths: Iterable<string>): Record<string, unknown> {
  const root: Json = {};
  for (const path of [...paths].sort()) {
    let node = root;
    for (const segment of path.split(separator)) node = (node[segment] ??= {}) as Json;
  }
  return root;
}

export function fromTree(tree: Json, prefix: string[] = [], out = new Set<string>()): Set<string> {
  for (const [segment, child] of Object.entries(tree)) {
    const path = [...prefix, segment];
    if (isJsonObject(child) && Object.keys(child).length > 0) fromTree(child, path, out);
    else out.add(path.join(separator));
  }
  return out;
}

/** Whether a path is the same in both field sets: a node that was an empty leaf before is the same node. */
function unchanged(path: string, value: string, before: Map<string, string>): boolean {
  if (before.get(path) === value) return true;
  return path.endsWith(`${separator}${nodeMarker}`) && before.has(path.slice(0, -2));
}

/** Whether an entry owns any field of the scope a write touches (status alone, or all but a status subresource). */
function ownsInScope(entry: ManagedFieldsEntry, scope: ManagedScope): boolean {
  const tops = Object.keys(entry.fieldsV1 ?? {});
  if (scope.subresource === 'status') return tops.includes('f:status');
  return scope.statusIsSubresource ? tops.some((t) => t !== 'f:status') : tops.length > 0;
}

/**
 * The managedFields after a write by `info.manager`: it owns what it set or changed; other managers
 * lose the fields it changed; fields that no longer exist are owned by nobody. A create compares
 * with `old` as the empty object of its kind (what Go's zero value holds is owned by nobody).
 */
export function managedFieldsEntry(object: KubeObject, old: KubeObject, schema: SchemaNode | undefined, info: ManagerInfo): ManagedFieldsEntry[] {
  const now = fieldsOf(object, schema, info);
  const before = fieldsOf(old, schema, info);
  const changed = new Set<string>();
  for (const [path, value] of now) if (!unchanged(path, value, before)) changed.add(path);
  const previous = (old.metadata.managedFields ?? []) as unknown as ManagedFieldsEntry[];
  const entries: ManagedFieldsEntry[] = [];
  let mine: ManagedFieldsEntry | undefined;
  for (const entry of previous) {
    const sameManager = entry.manager === info.manager && entry.operation === 'Update' && (entry.subresource ?? '') === (info.subresource ?? '');
    // An entry that owns nothing in the written scope (a creator's spec, on a status write) stays as it is.
    if (!sameManager && !ownsInScope(entry, info)) {
      entries.push(entry);
      continue;
    }
    const owned = [...fromTree(entry.fieldsV1 ?? {})].filter((p) => !changed.has(p) || sameManager);
    const kept = owned.filter((p) => now.has(p) || !before.has(p));
    if (sameManager) {
      mine = { ...entry, apiVersion: info.apiVersion, fieldsV1: toTree([...kept, ...changed]) };
      if (changed.size > 0) mine.time = info.time;
      entries.push(mine);
    } else if (kept.length > 0) {
      entries.push({ ...entry, fieldsV1: toTree(kept) });
    }
  }
  if (!mine && changed.size > 0) {
    const entry: ManagedFieldsEntry = { manager: info.manager, operation: 'Update', apiVersion: info.apiVersion, time: info.time, fieldsType: 'FieldsV1', fieldsV1: toTree(changed) };
    if (info.subresource) entry.subresource = info.subresource;
    entries.push(entry);
  }
  return entries;
}
