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

/** A keyed list's keys in the order an identity writes them, each with its quoted name and schema default. */
interface IdentityKey {
  name: string;
  quoted: string;
  default: unknown;
}

const identityPlans = new WeakMap<string[], Map<SchemaNode | undefined, IdentityKey[]>>();

/** Segments of identities by one string key, by that string: a kubelet's condition types, a container's name. */
const oneKeySegments = new WeakMap<IdentityKey[], Map<string, string>>();
const oneKeySegmentsHeld = 1024;

function identityPlan(keys: string[], itemSchema: SchemaNode | undefined): IdentityKey[] {
  let bySchema = identityPlans.get(keys);
  if (!bySchema) identityPlans.set(keys, (bySchema = new Map()));
  let plan = bySchema.get(itemSchema);
  if (!plan) {
    plan = [...new Set(keys)].sort().map((name) => ({ name, quoted: JSON.stringify(name), default: itemSchema?.property(name)?.schema.default }));
    bySchema.set(itemSchema, plan);
  }
  return plan;
}

/**
 * `k:{"containerPort":80,"protocol":"TCP"}`: an item's identity, absent keys taken from their schema
 * defaults; written member by member as JSON.stringify writes the identity object (a member it
 * cannot write is left out).
 */
export function itemKey(item: Json, keys: string[], itemSchema: SchemaNode | undefined): string {
  const plan = identityPlan(keys, itemSchema);
  if (plan.length === 1) {
    const value = item[plan[0].name] ?? plan[0].default;
    if (typeof value === 'string') {
      let segments = oneKeySegments.get(plan);
      if (!segments) oneKeySegments.set(plan, (segments = new Map()));
      let segment = segments.get(value);
      if (segment === undefined) {
        segment = `k:{${plan[0].quoted}:${JSON.stringify(value)}}`;
        if (segments.size >= oneKeySegmentsHeld) segments.clear();
        segments.set(value, segment);
      }
      return segment;
    }
  }
  let members = '';
  for (const key of plan) {
    const value = item[key.name] ?? key.default;
    const written = value === undefined ? undefined : (JSON.stringify(value) as string | undefined);
    if (written !== undefined) members = members ? `${members},${key.quoted}:${written}` : `${key.quoted}:${written}`;
  }
  return `k:{${members}}`;
}

/** `f:<name>` segments, made once per field name and shared by every tree and set built from them. */
const fieldSegments = new Map<string, string>();
const fieldSegmentsHeld = 4096;

function fieldSegment(name: string): string {
  let segment = fieldSegments.get(name);
  if (segment === undefined) {
    segment = `f:${name}`;
    if (fieldSegments.size >= fieldSegmentsHeld) fieldSegments.clear();
    fieldSegments.set(name, segment);
  }
  return segment;
}

/** A path one segment longer ('' is the root, which has no segments). */
function under(path: string, segment: string): string {
  return path ? `${path}${separator}${segment}` : segment;
}

/** What a marker ("."), a set's item or a FieldsV1 leaf holds: it is there, with no value to compare. */
const present = Symbol('present');

/**
 * A set of owned fields as a tree of path segments. A node is a member when its own path is in
 * the set; a member collected from an object keeps its value there, to tell a changed leaf from an
 * unchanged one.
 */
class FieldSet {
  member = false;
  value: unknown;
  children: Map<string, FieldSet> | undefined;

  child(segment: string): FieldSet {
    this.children ??= new Map();
    let child = this.children.get(segment);
    if (!child) this.children.set(segment, (child = new FieldSet()));
    return child;
  }

  get(segment: string): FieldSet | undefined {
    return this.children?.get(segment);
  }

  add(value: unknown): void {
    this.member = true;
    this.value = value;
  }

  /** The node at `segments` below this one, made as needed. */
  at(segments: string[]): FieldSet {
    let node: FieldSet = this;
    for (const segment of segments) node = node.child(segment);
    return node;
  }
}

function hasKeys(value: Json): boolean {
  for (const _ in value) return true;
  return false;
}

/**
 * Collects the owned fields of a value under `at`, each leaf with its value: every struct, map,
 * list and list item with children also owns its own node ("."), an empty one is a leaf.
 */
function collect(value: unknown, node: SchemaNode | undefined, at: FieldSet): void {
  if (Array.isArray(value) && value.length > 0 && node && node.listType !== 'atomic') {
    const items = node.items;
    if (node.listType === 'set') {
      at.child(nodeMarker).add(present);
      for (const v of value) at.child(`v:${JSON.stringify(v)}`).add(present);
      return;
    }
    const keys = listKeys(node, value);
    if (keys) {
      at.child(nodeMarker).add(present);
      for (const item of value as Json[]) {
        const itemAt = at.child(itemKey(item, keys, items));
        itemAt.child(nodeMarker).add(present);
        for (const k of Object.keys(item)) collect(item[k], items?.child(k), itemAt.child(fieldSegment(k)));
      }
      return;
    }
  } else if (isJsonObject(value) && !node?.atomicObject) {
    const keys = Object.keys(value);
    if (keys.length > 0) {
      at.child(nodeMarker).add(present);
      for (const k of keys) collect(value[k], node?.child(k), at.child(fieldSegment(k)));
      return;
    }
  }
  at.add(value);
}

/**
 * The parts of an object a manager's fields are collected from, in the scope it writes (main
 * resource or status): each top-level field, and each field of metadata but those the server sets.
 * A part's fields all lie below its own segments, so parts can be compared one by one.
 */
function forEachPart(object: KubeObject, schema: SchemaNode | undefined, scope: ManagedScope, visit: (id: string, value: unknown, node: SchemaNode | undefined, segments: string[]) => void): void {
  for (const key in object) {
    if (!ownable(key, scope)) continue;
    const value = object[key];
    if (key === 'metadata') {
      if (!isJsonObject(value)) continue;
      const meta = schema?.property('metadata');
      for (const mk of Object.keys(value)) {
        if (!serverMetadata.has(mk)) visit(`metadata.${mk}`, value[mk], meta?.property(mk), ['f:metadata', fieldSegment(mk)]);
      }
    } else visit(key, value, schema?.property(key), [fieldSegment(key)]);
  }
}

/** Whether a manager of `scope` can own a top-level field: status alone for a status write, all but kind, apiVersion and (when it has its own subresource) status otherwise. */
function ownable(key: string, scope: ManagedScope): boolean {
  if (key === 'kind' || key === 'apiVersion') return false;
  const isStatus = key === 'status';
  return scope.subresource === 'status' ? isStatus : !(isStatus && scope.statusIsSubresource);
}

/** The top-level fields of an object that a manager of `scope` can own (ownable). */
export function inScope(object: KubeObject, scope: ManagedScope): KubeObject {
  const out = {} as KubeObject;
  for (const key in object) if (ownable(key, scope)) out[key] = object[key];
  return out;
}

/** Every owned path of an object with its serialized leaf value (markers ''), in the scope a manager writes, in the order the object holds them. */
export function fieldsOf(object: KubeObject, schema: SchemaNode | undefined, scope: ManagedScope): Map<string, string> {
  const fields = new FieldSet();
  forEachPart(object, schema, scope, (_, value, node, segments) => collect(value, node, fields.at(segments)));
  const out = new Map<string, string>();
  const flatten = (set: FieldSet, path: string) => {
    if (set.member) out.set(path, set.value === present ? '' : JSON.stringify(set.value));
    for (const [segment, child] of set.children ?? []) flatten(child, under(path, segment));
  };
  flatten(fields, '');
  return out;
}

/** JSON.stringify writes nothing for these: such a leaf matches a missing one. */
const unwritable = (value: unknown) => value === undefined || typeof value === 'function';

/** Whether a leaf holds what it held before, as JSON.stringify writes both. */
function sameLeaf(value: unknown, before: FieldSet | undefined): boolean {
  if (!before?.member) return unwritable(value);
  const was = before.value;
  if (value === was) return true;
  if (unwritable(value) || unwritable(was)) return unwritable(value) && unwritable(was);
  return typeof value === 'object' && value !== null && typeof was === 'object' && was !== null && JSON.stringify(value) === JSON.stringify(was);
}

/**
 * The members of `now` that are new or hold another value than in `before`; undefined when none.
 * A node's "." is unchanged when the node was a leaf before (an empty map that gained keys).
 */
function changedFields(now: FieldSet, before: FieldSet | undefined, wasLeaf: boolean): FieldSet | undefined {
  // A part the old object does not have is changed whole (a create's every part).
  if (!before && !wasLeaf && allWritable(now)) return now;
  let out: FieldSet | undefined;
  if (now.member && !wasLeaf && !sameLeaf(now.value, before)) (out = new FieldSet()).add(present);
  for (const [segment, child] of now.children ?? []) {
    const changed = changedFields(child, before?.get(segment), segment === nodeMarker && !!before?.member);
    if (changed) ((out ??= new FieldSet()).children ??= new Map()).set(segment, changed);
  }
  return out;
}

function allWritable(set: FieldSet): boolean {
  if (set.member && unwritable(set.value)) return false;
  for (const child of set.children?.values() ?? []) if (!allWritable(child)) return false;
  return true;
}

/** The members of `before` that `now` does not hold; undefined when none. */
function removedFields(before: FieldSet, now: FieldSet | undefined): FieldSet | undefined {
  let out: FieldSet | undefined;
  if (before.member && !now?.member) (out = new FieldSet()).add(present);
  for (const [segment, child] of before.children ?? []) {
    const removed = removedFields(child, now?.get(segment));
    if (removed) ((out ??= new FieldSet()).children ??= new Map()).set(segment, removed);
  }
  return out;
}

/** What a write changed, as owned fields: `changed` set or given a new value, `removed` gone. */
interface FieldChanges {
  changed?: FieldSet;
  removed?: FieldSet;
}

/**
 * What a write changed. Parts equal on both sides are skipped without collecting their fields, and
 * objects on both sides are compared field by field, so only the fields that differ are collected
 * (a Lease renewal collects its renewTime, nothing else).
 */
function fieldChanges(object: KubeObject, old: KubeObject, schema: SchemaNode | undefined, scope: ManagedScope): FieldChanges {
  const changes: FieldChanges = {};
  // The parts of forEachPart, each side looked up by key.
  const compare = (parts: Json | undefined, oldParts: Json | undefined, key: string, node: SchemaNode | undefined, inMetadata: boolean) => {
    const has = parts !== undefined && Object.hasOwn(parts, key);
    const had = oldParts !== undefined && Object.hasOwn(oldParts, key);
    const value = has ? parts[key] : undefined;
    const previous = had ? oldParts[key] : undefined;
    // A part only the old object has is collected whatever it holds; otherwise an undefined one is not.
    const previousHeld = previous !== undefined || (had && !has);
    if (has && previousHeld && jsonEqual(value, previous)) return;
    compareValues(value, has, previous, previousHeld, node, inMetadata ? ['f:metadata', fieldSegment(key)] : [fieldSegment(key)], changes);
  };
  for (const key in object) if (key !== 'metadata' && ownable(key, scope)) compare(object, old, key, schema?.property(key), false);
  for (const key in old) if (key !== 'metadata' && ownable(key, scope) && !Object.hasOwn(object, key)) compare(object, old, key, schema?.property(key), false);
  if (ownable('metadata', scope)) {
    const meta = schema?.property('metadata');
    const metadata = isJsonObject(object.metadata) ? object.metadata : undefined;
    const oldMetadata = isJsonObject(old.metadata) ? old.metadata : undefined;
    for (const key in metadata) if (!serverMetadata.has(key)) compare(metadata, oldMetadata, key, meta?.property(key), true);
    for (const key in oldMetadata) if (!serverMetadata.has(key) && !(metadata && Object.hasOwn(metadata, key))) compare(metadata, oldMetadata, key, meta?.property(key), true);
  }
  return changes;
}

/** What collect keeps as a leaf's own value, compared as it is (not as JSON). */
const isScalar = (value: unknown) => value === null || typeof value !== 'object';

/** Whether collect owns an object field by field (and its "."): a non-empty one that is not atomic. */
const ownedFieldByField = (value: unknown, node: SchemaNode | undefined): value is Json => isJsonObject(value) && !node?.atomicObject && hasKeys(value);

/**
 * The changes at `segments` between two values that differ (one the new object `has`, one the old
 * one's fields hold when `previousHeld`), added to `changes` as collecting both sides whole and
 * comparing them would find them. Two objects owned
 * field by field both own "." and differ only in their fields, so each field is compared on its own;
 * two scalars differ in their leaf; anything else (lists, a leaf becoming an object) is collected.
 */
function compareValues(value: unknown, has: boolean, previous: unknown, previousHeld: boolean, node: SchemaNode | undefined, segments: string[], changes: FieldChanges): void {
  if (has && ownedFieldByField(value, node) && ownedFieldByField(previous, node)) {
    for (const key in value) {
      const kept = Object.hasOwn(previous, key);
      const was = kept ? previous[key] : undefined;
      if (kept && jsonEqual(value[key], was)) continue;
      compareValues(value[key], true, was, kept, node?.child(key), [...segments, fieldSegment(key)], changes);
    }
    for (const key in previous) if (!Object.hasOwn(value, key)) compareValues(undefined, false, previous[key], true, node?.child(key), [...segments, fieldSegment(key)], changes);
    return;
  }
  if (has && previousHeld && isScalar(value) && isScalar(previous)) {
    if (!(unwritable(value) && unwritable(previous))) (changes.changed ??= new FieldSet()).at(segments).add(present);
    return;
  }
  let now: FieldSet | undefined;
  let before: FieldSet | undefined;
  if (has) collect(value, node, (now = new FieldSet()));
  if (previousHeld) collect(previous, node, (before = new FieldSet()));
  const changed = now && changedFields(now, before, false);
  if (changed) changes.changed = placed(changes.changed, segments, changed);
  const removed = before && removedFields(before, now);
  if (removed) changes.removed = placed(changes.removed, segments, removed);
}

/** `set` placed at `segments` below `root` (made when absent), which holds nothing there yet. */
function placed(root: FieldSet | undefined, segments: string[], set: FieldSet): FieldSet {
  const out = root ?? new FieldSet();
  const parent = out.at(segments.slice(0, -1));
  (parent.children ??= new Map()).set(segments[segments.length - 1], set);
  return out;
}

/**
 * fieldsV1Of(fieldChanges(...).changed), part by part: only the old object's parts become FieldSets
 * (a create's are the kind's zero value), the new ones are walked once (changedTreeOf). Undefined
 * when nothing changed.
 */
function changedTree(object: KubeObject, old: KubeObject, schema: SchemaNode | undefined, scope: ManagedScope): Json | undefined {
  const oldParts = new Map<string, unknown>();
  forEachPart(old, schema, scope, (id, value) => oldParts.set(id, value));
  const top: string[] = [];
  const topTrees: Json[] = [];
  const meta: string[] = [];
  const metaTrees: Json[] = [];
  forEachPart(object, schema, scope, (id, value, node, segments) => {
    const previous = oldParts.get(id);
    if (previous !== undefined && jsonEqual(value, previous)) return;
    let before: FieldSet | undefined;
    if (previous !== undefined) collect(previous, node, (before = new FieldSet()));
    let tree = changedTreeOf(value, node, before);
    if (tree === merged) {
      const now = new FieldSet();
      collect(value, node, now);
      const changed = changedFields(now, before, false);
      tree = changed && fieldsV1Of(changed);
    }
    if (!tree) return;
    if (segments.length === 2) {
      if (meta.length === 0) {
        // The metadata node's place among the top-level ones, filled in below.
        top.push(segments[0]);
        topTrees.push(leaf);
      }
      meta.push(segments[1]);
      metaTrees.push(tree);
    } else {
      top.push(segments[0]);
      topTrees.push(tree);
    }
  });
  if (meta.length > 0) topTrees[top.indexOf('f:metadata')] = nodeOf(meta, metaTrees);
  return top.length > 0 ? nodeOf(top, topTrees) : undefined;
}

/** A FieldsV1 leaf; frozen, as every tree shares it. */
const leaf: Json = Object.freeze({});

/** Trees that are shared, so never changed (frozen): the leaf, flat nodes and nodes made only of shared trees. */
const sharedTrees = new WeakSet<Json>([leaf]);

/**
 * Shared FieldsV1 nodes found by their members: each member's segment, in collected order, and
 * (unless every member is a leaf) its tree, one level of the table each. Bounded: emptied when full.
 */
class SharedNodes {
  private root: SharedNodesLevel = {};
  private held = 0;

  constructor(private readonly max: number) {}

  /** The node remembered for these members (`trees` absent: all leaves). */
  find(segments: string[], trees?: Json[]): Json | undefined {
    let found: SharedNodesLevel | undefined = this.root;
    for (let i = 0; found && i < segments.length; i++) {
      found = found.next?.get(segments[i]);
      if (trees) found = found?.next?.get(trees[i]);
    }
    return found?.node;
  }

  /** Shares `node` (frozen from now on) and remembers it for these members, unless their segments are too long. */
  share(segments: string[], trees: Json[] | undefined, node: Json): Json {
    Object.freeze(node);
    sharedTrees.add(node);
    let chars = segments.length - 1;
    for (const segment of segments) chars += segment.length;
    if (chars > sharedKeyChars) return node;
    if (this.held >= this.max) {
      this.root = {};
      this.held = 0;
    }
    let at = this.root;
    for (let i = 0; i < segments.length; i++) {
      at = levelBelow(at, segments[i]);
      if (trees) at = levelBelow(at, trees[i]);
    }
    at.node = node;
    this.held++;
    return node;
  }
}

interface SharedNodesLevel {
  node?: Json;
  next?: Map<unknown, SharedNodesLevel>;
}

function levelBelow(level: SharedNodesLevel, key: unknown): SharedNodesLevel {
  level.next ??= new Map();
  let next = level.next.get(key);
  if (!next) level.next.set(key, (next = {}));
  return next;
}

/** Segments longer than this (joined) are not remembered, so the tables stay small whatever clients send. */
const sharedKeyChars = 8192;

/** Nodes whose members are all leaves (the segments are mostly the shared f: ones): objects of one shape share them. */
const flatNodes = new SharedNodes(512);

/** Nodes made only of shared trees: a status write's conditions share theirs. */
const sharedNodes = new SharedNodes(1024);

/** A set as a FieldsV1 tree, members in the order kube-apiserver writes them: ".", then f:, k: and v: entries, each sorted. */
function fieldsV1Of(set: FieldSet): Json {
  const children = set.children;
  if (!children) return leaf;
  // A node owned without any of its children is a leaf, as kube-apiserver writes it: {}, not {".": {}}.
  if (children.size === 1 && children.has(nodeMarker) && !children.get(nodeMarker)!.children) return leaf;
  let flat = true;
  for (const child of children.values()) if (child.children) flat = false;
  if (!flat) {
    const out: Json = {};
    for (const segment of [...children.keys()].sort()) out[segment] = fieldsV1Of(children.get(segment)!);
    return out;
  }
  return flatNode([...children.keys()]);
}

/** The FieldsV1 node whose members are the given leaves (segments in collected order), shared. */
function flatNode(segments: string[]): Json {
  const found = flatNodes.find(segments);
  if (found) return found;
  const node: Json = {};
  for (const segment of [...segments].sort()) node[segment] = leaf;
  return flatNodes.share(segments, undefined, node);
}

/** A FieldsV1 node of the given members (segments in collected order), as fieldsV1Of writes it. */
function nodeOf(segments: string[], trees: Json[]): Json {
  // Owned without any of its children: a leaf.
  if (segments.length === 1 && segments[0] === nodeMarker) return leaf;
  let flat = true;
  let sorted = true;
  for (let i = 0; i < segments.length; i++) {
    if (trees[i] !== leaf) flat = false;
    if (i > 0 && segments[i - 1] > segments[i]) sorted = false;
  }
  if (flat) return flatNode(segments);
  let shared = true;
  for (const tree of trees) if (!sharedTrees.has(tree)) shared = false;
  return shared ? sharedNode(segments, trees, sorted) : sortedNode(segments, trees, sorted);
}

function sortedNode(segments: string[], trees: Json[], sorted: boolean): Json {
  const order = segments.map((_, i) => i);
  if (!sorted) order.sort((a, b) => (segments[a] < segments[b] ? -1 : 1));
  const out: Json = {};
  for (const i of order) out[segments[i]] = trees[i];
  return out;
}

function sharedNode(segments: string[], trees: Json[], sorted: boolean): Json {
  return sharedNodes.find(segments, trees) ?? sharedNodes.share(segments, trees, sortedNode(segments, trees, sorted));
}

/** Two items of a list have one identity: their fields merge, which only a FieldSet follows. */
const merged = Symbol('merged');

/** Whether a node's "." is changed: it was not there, and the node was no leaf before (an empty map that gained keys). */
function markerChanged(before: FieldSet | undefined): boolean {
  return !before || (!before.member && !sameLeaf(present, before.get(nodeMarker)));
}

/**
 * fieldsV1Of(changedFields(...)) of a value against the fields collected from what it replaces
 * (`before`; absent for a new part), in one walk of the value with no FieldSet of its own.
 * Undefined when nothing changed, `merged` when two list items share an identity.
 */
function changedTreeOf(value: unknown, node: SchemaNode | undefined, before: FieldSet | undefined): Json | undefined | typeof merged {
  if (Array.isArray(value) && value.length > 0 && node && node.listType !== 'atomic') {
    if (node.listType === 'set') {
      const segments = markerChanged(before) ? [nodeMarker] : [];
      const seen = new Set<string>();
      for (const v of value) {
        const segment = `v:${JSON.stringify(v)}`;
        if (seen.has(segment)) continue;
        seen.add(segment);
        if (!sameLeaf(present, before?.get(segment))) segments.push(segment);
      }
      return segments.length ? nodeOf(segments, segments.map(() => leaf)) : undefined;
    }
    const keys = listKeys(node, value);
    if (keys) {
      const segments = markerChanged(before) ? [nodeMarker] : [];
      const trees = segments.map(() => leaf);
      const seen = new Set<string>();
      for (const item of value as Json[]) {
        const segment = itemKey(item, keys, node.items);
        if (seen.has(segment)) return merged;
        seen.add(segment);
        const tree = changedFieldsOf(item, node.items, before?.get(segment));
        if (tree === merged) return merged;
        if (tree === undefined) continue;
        segments.push(segment);
        trees.push(tree);
      }
      return segments.length ? nodeOf(segments, trees) : undefined;
    }
  } else if (isJsonObject(value) && !node?.atomicObject && hasKeys(value)) {
    return changedFieldsOf(value, node, before);
  }
  return sameLeaf(value, before) ? undefined : leaf;
}

/** changedTreeOf of a non-empty object (a struct, a map, a list item): its marker and each field. */
function changedFieldsOf(value: Json, node: SchemaNode | undefined, before: FieldSet | undefined): Json | undefined | typeof merged {
  const segments = markerChanged(before) ? [nodeMarker] : [];
  const trees = segments.map(() => leaf);
  for (const k of Object.keys(value)) {
    const segment = fieldSegment(k);
    const tree = changedTreeOf(value[k], node?.child(k), before?.get(segment));
    if (tree === merged) return merged;
    if (tree === undefined) continue;
    segments.push(segment);
    trees.push(tree);
  }
  return segments.length ? nodeOf(segments, trees) : undefined;
}

/** The FieldsV1 tree of a set of paths (segments joined by `separator`). */
export function toTree(paths: Iterable<string>): Record<string, unknown> {
  const set = new FieldSet();
  for (const path of paths) set.at(path.split(separator)).add(present);
  return fieldsV1Of(set);
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

/**
 * Trees found in toTree's order. Stored objects are never changed in place, and a manager's tree
 * is carried from version to version while its fields stay the same (every Lease renewal).
 */
const orderedTrees = new WeakSet<Json>();

/** Whether a FieldsV1 tree is as toTree writes it: members sorted at every level, leaves empty objects. */
function inTreeOrder(tree: Json): boolean {
  if (orderedTrees.has(tree)) return true;
  if (!sortedAtEveryLevel(tree)) return false;
  orderedTrees.add(tree);
  return true;
}

function sortedAtEveryLevel(tree: Json): boolean {
  let last: string | undefined;
  for (const segment of Object.keys(tree)) {
    if (last !== undefined && last >= segment) return false;
    last = segment;
    const child = tree[segment];
    if (!isJsonObject(child) || !sortedAtEveryLevel(child)) return false;
  }
  return true;
}

/** The leaves of a FieldsV1 tree that neither `drop` nor `alsoDrop` holds; undefined when none. `state.dropped` says whether any went. */
function keptLeaves(tree: Json, drop: FieldSet | undefined, alsoDrop: FieldSet | undefined, state: { dropped: boolean }): FieldSet | undefined {
  let out: FieldSet | undefined;
  for (const segment of Object.keys(tree)) {
    const child = tree[segment];
    const dropHere = drop?.get(segment);
    const alsoDropHere = alsoDrop?.get(segment);
    let kept: FieldSet | undefined;
    if (isJsonObject(child) && hasKeys(child)) kept = keptLeaves(child, dropHere, alsoDropHere, state);
    else if (dropHere?.member || alsoDropHere?.member) state.dropped = true;
    else (kept = new FieldSet()).add(present);
    if (kept) ((out ??= new FieldSet()).children ??= new Map()).set(segment, kept);
  }
  return out;
}

/** Adds the members of `from` to `into`; says whether any was not there yet. */
function addFields(into: FieldSet, from: FieldSet): boolean {
  let grew = false;
  if (from.member && !into.member) {
    into.add(present);
    grew = true;
  }
  for (const [segment, child] of from.children ?? []) grew = addFields(into.child(segment), child) || grew;
  return grew;
}

/** Whether `set` holds a leaf of `tree`: taking the set away would drop a field. */
function holdsLeafOf(tree: Json, set: FieldSet | undefined): boolean {
  for (const [segment, child] of set?.children ?? []) {
    const node = tree[segment];
    if (node === undefined) continue;
    if (isJsonObject(node) && hasKeys(node)) {
      if (holdsLeafOf(node, child)) return true;
    } else if (child.member) return true;
  }
  return false;
}

/** Whether `set` holds a member that is not a leaf of `tree`: adding the set would grow it. */
function addsTo(tree: Json, set: FieldSet): boolean {
  for (const [segment, child] of set.children ?? []) {
    const node = tree[segment];
    const inner = isJsonObject(node) && hasKeys(node);
    if (child.member && (node === undefined || inner)) return true;
    if (child.children && addsTo(inner ? node : leaf, child)) return true;
  }
  return false;
}

/**
 * An entry's FieldsV1 once `drop` and `alsoDrop` are taken from it and `add` joins it: the tree
 * itself when that leaves its fields as they are and it is in toTree's order (a manager rewriting
 * fields it owns), undefined when no field is left.
 */
function ownedAfter(tree: Json, drop: FieldSet | undefined, alsoDrop: FieldSet | undefined, add?: FieldSet): Json | undefined {
  // The common case (a Lease renewal, a status heartbeat) is found by walking the small sets, not copying the tree.
  if (!holdsLeafOf(tree, drop) && !holdsLeafOf(tree, alsoDrop) && !(add && addsTo(tree, add)) && inTreeOrder(tree)) return tree;
  const state = { dropped: false };
  let kept = keptLeaves(tree, drop, alsoDrop, state);
  let grew = false;
  if (add) grew = addFields((kept ??= new FieldSet()), add);
  if (!state.dropped && !grew && inTreeOrder(tree)) return tree;
  return kept && fieldsV1Of(kept);
}

/** Whether an entry owns any field of the scope a write touches (status alone, or all but a status subresource). */
function ownsInScope(entry: ManagedFieldsEntry, scope: ManagedScope): boolean {
  const fields = entry.fieldsV1 ?? {};
  for (const top in fields) {
    if (!Object.hasOwn(fields, top)) continue;
    if (scope.subresource === 'status' ? top === 'f:status' : !scope.statusIsSubresource || top !== 'f:status') return true;
  }
  return false;
}

/**
 * The managedFields after a write by `info.manager`: it owns what it set or changed; other managers
 * lose the fields it changed; fields that no longer exist are owned by nobody. A create compares
 * with `old` as the empty object of its kind (what Go's zero value holds is owned by nobody).
 */
/** Whether an entry is the one an Update by this manager, of this subresource, writes. */
function writes(entry: ManagedFieldsEntry, info: ManagerInfo): boolean {
  return entry.manager === info.manager && entry.operation === 'Update' && (entry.subresource ?? '') === (info.subresource ?? '');
}

export function managedFieldsEntry(object: KubeObject, old: KubeObject, schema: SchemaNode | undefined, info: ManagerInfo): ManagedFieldsEntry[] {
  const previous = (old.metadata.managedFields ?? []) as unknown as ManagedFieldsEntry[];
  if (!previous.some((entry) => writes(entry, info) || ownsInScope(entry, info))) {
    // Nobody owns anything in the written scope yet (a create, a first status write): the entries stay
    // as they are, the writer owns what changed, and nothing else is computed.
    const fieldsV1 = changedTree(object, old, schema, info);
    return fieldsV1 ? [...previous, newEntry(info, fieldsV1)] : [...previous];
  }
  const { changed, removed } = fieldChanges(object, old, schema, info);
  const entries: ManagedFieldsEntry[] = [];
  let mine: ManagedFieldsEntry | undefined;
  for (const entry of previous) {
    const sameManager = writes(entry, info);
    // An entry that owns nothing in the written scope (a creator's spec, on a status write) stays as it is.
    if (!sameManager && !ownsInScope(entry, info)) {
      entries.push(entry);
      continue;
    }
    const tree = entry.fieldsV1 ?? {};
    if (sameManager) {
      // The manager keeps what it owned and still exists, and owns what it changed.
      mine = { ...entry, apiVersion: info.apiVersion, fieldsV1: ownedAfter(tree, removed, undefined, changed) ?? {} };
      if (changed) mine.time = info.time;
      entries.push(mine);
    } else {
      const kept = ownedAfter(tree, changed, removed);
      if (kept) entries.push({ ...entry, fieldsV1: kept });
    }
  }
  if (!mine && changed) entries.push(newEntry(info, fieldsV1Of(changed)));
  return entries;
}

function newEntry(info: ManagerInfo, fieldsV1: Json): ManagedFieldsEntry {
  const entry: ManagedFieldsEntry = { manager: info.manager, operation: 'Update', apiVersion: info.apiVersion, time: info.time, fieldsType: 'FieldsV1', fieldsV1 };
  if (info.subresource) entry.subresource = info.subresource;
  return entry;
}
