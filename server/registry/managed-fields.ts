// metadata.managedFields in the FieldsV1 shape: which manager last set which field. The kind's
// schema says how each value is tracked, as structured-merge-diff reads it: structs and granular
// maps field by field, atomic ones (x-kubernetes-map-type: atomic) whole; lists by item key
// (x-kubernetes-list-type: map), by value (set), or whole (atomic, the default).

import type { SchemaNode } from '../../openapi/schema.js';
import { isJsonObject, jsonEqual, type JsonObject as Json } from '../json.js';
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

/** A path one segment longer ('' is the root, which has no segments). */
function under(path: string, segment: string): string {
  return path ? `${path}${separator}${segment}` : segment;
}

/**
 * Collects the owned paths of a value with their serialized leaf values: every struct, map, list
 * and list item with children also owns its own node (path + "."), an empty one is a leaf.
 */
function collect(value: unknown, node: SchemaNode | undefined, path: string, out: Map<string, string>): void {
  if (Array.isArray(value) && value.length > 0 && node && node.listType !== 'atomic') {
    const items = node.items;
    if (node.listType === 'set') {
      out.set(under(path, nodeMarker), '');
      for (const v of value) out.set(under(path, `v:${JSON.stringify(v)}`), '');
      return;
    }
    const keys = listKeys(node, value);
    if (keys) {
      out.set(under(path, nodeMarker), '');
      for (const item of value as Json[]) {
        const itemPath = under(path, itemKey(item, keys, items));
        out.set(under(itemPath, nodeMarker), '');
        for (const k of Object.keys(item)) collect(item[k], items?.child(k), under(itemPath, `f:${k}`), out);
      }
      return;
    }
  } else if (isJsonObject(value) && Object.keys(value).length > 0 && !node?.atomicObject) {
    out.set(under(path, nodeMarker), '');
    for (const k of Object.keys(value)) collect(value[k], node?.child(k), under(path, `f:${k}`), out);
    return;
  }
  out.set(path, JSON.stringify(value));
}

/**
 * The parts of an object a manager's fields are collected from, in the scope it writes (main
 * resource or status): each top-level field, and each field of metadata but those the server sets.
 * A part's paths all start with its own path, so parts can be compared one by one.
 */
function forEachPart(object: KubeObject, schema: SchemaNode | undefined, scope: ManagedScope, visit: (id: string, value: unknown, node: SchemaNode | undefined, path: string) => void): void {
  for (const [key, value] of Object.entries(inScope(object, scope))) {
    if (key === 'metadata') {
      if (!isJsonObject(value)) continue;
      const meta = schema?.property('metadata');
      for (const [mk, mv] of Object.entries(value)) {
        if (!serverMetadata.has(mk)) visit(`metadata.${mk}`, mv, meta?.property(mk), under('f:metadata', `f:${mk}`));
      }
    } else visit(key, value, schema?.property(key), `f:${key}`);
  }
}

/**
 * The top-level fields of an object that a manager of `scope` can own: status alone for a status
 * write, all but kind, apiVersion and (when it has its own subresource) status otherwise.
 */
export function inScope(object: KubeObject, scope: ManagedScope): KubeObject {
  const out = {} as KubeObject;
  for (const key in object) {
    if (key === 'kind' || key === 'apiVersion') continue;
    const isStatus = key === 'status';
    if (scope.subresource === 'status' ? !isStatus : isStatus && scope.statusIsSubresource) continue;
    out[key] = object[key];
  }
  return out;
}

/** Every owned path of an object with its serialized leaf value, in the scope a manager writes (main resource or status). */
export function fieldsOf(object: KubeObject, schema: SchemaNode | undefined, scope: ManagedScope): Map<string, string> {
  const out = new Map<string, string>();
  forEachPart(object, schema, scope, (_, value, node, path) => collect(value, node, path, out));
  return out;
}

/**
 * What a write changed, as owned paths: `changed` set or given a new value, `removed` gone. Parts
 * equal on both sides are skipped without collecting their fields (a Lease renewal changes one).
 */
function fieldChanges(object: KubeObject, old: KubeObject, schema: SchemaNode | undefined, scope: ManagedScope): { changed: Set<string>; removed: Set<string> } {
  const oldParts = new Map<string, unknown>();
  forEachPart(old, schema, scope, (id, value) => oldParts.set(id, value));
  const now = new Map<string, string>();
  const before = new Map<string, string>();
  forEachPart(object, schema, scope, (id, value, node, path) => {
    const previous = oldParts.get(id);
    oldParts.delete(id);
    if (previous !== undefined && jsonEqual(value, previous)) return;
    collect(value, node, path, now);
    if (previous !== undefined) collect(previous, node, path, before);
  });
  // Parts only the old object has.
  forEachPart(old, schema, scope, (id, value, node, path) => {
    if (oldParts.has(id)) collect(value, node, path, before);
  });
  const changed = new Set<string>();
  for (const [path, value] of now) if (!unchanged(path, value, before)) changed.add(path);
  const removed = new Set<string>();
  for (const path of before.keys()) if (!now.has(path)) removed.add(path);
  return { changed, removed };
}

/** Trees already built, by their paths: objects of one shape written by one manager own the same fields. */
const trees = new Map<string, Record<string, unknown>>();
const treesHeld = 512;
/** Paths longer than this (serialized) are not remembered, so the table stays small whatever clients send. */
const treeKeyChars = 8192;

/**
 * The FieldsV1 tree of a set of paths, members in the order kube-apiserver writes them: ".", then
 * f:, k: and v: entries, each sorted. The tree is frozen and shared by every entry owning those paths.
 */
export function toTree(paths: Iterable<string>): Record<string, unknown> {
  const list = [...paths];
  const key = JSON.stringify(list);
  let tree = trees.get(key);
  if (!tree) {
    const root: SegmentTree = new Map();
    for (const path of list) {
      let node = root;
      for (const segment of path.split(separator)) {
        let child = node.get(segment);
        if (!child) node.set(segment, (child = new Map()));
        node = child;
      }
    }
    tree = inSegmentOrder(root);
    if (key.length <= treeKeyChars) {
      if (trees.size >= treesHeld) trees.clear();
      trees.set(key, tree);
    }
  }
  return tree;
}

type SegmentTree = Map<string, SegmentTree>;

/**
 * A tree as FieldsV1, each node's members sorted: the order of the sorted paths, since the separator
 * sorts before every character a segment holds. Sorting level by level compares short segments, not
 * long paths with shared prefixes; the tree is built in Maps, so each object is made once. Each
 * object is frozen, as the tree is shared.
 */
function inSegmentOrder(node: SegmentTree): Json {
  const out: Json = {};
  for (const segment of [...node.keys()].sort()) out[segment] = inSegmentOrder(node.get(segment)!);
  return Object.freeze(out);
}

export function fromTree(tree: Json, prefix = '', out = new Set<string>()): Set<string> {
  for (const segment of Object.keys(tree)) {
    const child = tree[segment];
    const path = under(prefix, segment);
    if (isJsonObject(child) && Object.keys(child).length > 0) fromTree(child, path, out);
    else out.add(path);
  }
  return out;
}

/** Whether a FieldsV1 tree is as toTree writes it: members sorted at every level, leaves empty objects. */
function inTreeOrder(tree: Json): boolean {
  let last: string | undefined;
  for (const segment of Object.keys(tree)) {
    if (last !== undefined && last >= segment) return false;
    last = segment;
    const child = tree[segment];
    if (!isJsonObject(child) || !inTreeOrder(child)) return false;
  }
  return true;
}

/** The tree of `paths`: `tree` itself when it holds exactly those paths in toTree's order (a manager rewriting fields it owns). */
function treeOf(paths: Set<string>, owned: Set<string>, tree: Json): Record<string, unknown> {
  if (paths.size === owned.size && [...paths].every((p) => owned.has(p)) && inTreeOrder(tree)) return tree;
  return toTree(paths);
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
  const { changed, removed } = fieldChanges(object, old, schema, info);
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
    const tree = entry.fieldsV1 ?? {};
    const all = fromTree(tree);
    const owned = [...all].filter((p) => !changed.has(p) || sameManager);
    const kept = owned.filter((p) => !removed.has(p));
    if (sameManager) {
      mine = { ...entry, apiVersion: info.apiVersion, fieldsV1: treeOf(new Set([...kept, ...changed]), all, tree) };
      if (changed.size > 0) mine.time = info.time;
      entries.push(mine);
    } else if (kept.length > 0) {
      entries.push({ ...entry, fieldsV1: treeOf(new Set(kept), all, tree) });
    }
  }
  if (!mine && changed.size > 0) {
    const entry: ManagedFieldsEntry = { manager: info.manager, operation: 'Update', apiVersion: info.apiVersion, time: info.time, fieldsType: 'FieldsV1', fieldsV1: toTree(changed) };
    if (info.subresource) entry.subresource = info.subresource;
    entries.push(entry);
  }
  return entries;
}
