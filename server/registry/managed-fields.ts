// metadata.managedFields in the FieldsV1 shape: which manager last set which field. Ownership is
// tracked per leaf field; list identity follows the merge keys Kubernetes declares for common lists.

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

export interface ManagerInfo {
  manager: string;
  apiVersion: string;
  time: string;
  subresource?: string;
  /** When status has its own subresource, main-resource writes do not own it. */
  statusIsSubresource: boolean;
}

type Json = Record<string, any>;

const listKeys: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  imagePullSecrets: ['name'],
  schedulingGates: ['name'],
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
  conditions: ['type'],
  addresses: ['type'],
  ownerReferences: ['uid'],
  hostAliases: ['ip'],
  topologySpreadConstraints: ['topologyKey', 'whenUnsatisfiable'],
};

export const setLists = new Set(['finalizers']);

/** Map-typed fields own themselves ("."), unlike struct fields. */
const mapFields = new Set(['labels', 'annotations', 'data', 'binaryData', 'nodeSelector', 'matchLabels', 'limits', 'requests', 'capacity', 'allocatable']);

const serverMetadata = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink', 'generateName']);

/** Joins the segments of a field path (f:spec, k:{"name":"web"}, v:"x", .). */
export const separator = '\u0001';

/** The keys that identify the items of a list field, if it is a keyed list. */
export function keysFor(fieldName: string, items: unknown[]): string[] | undefined {
  let keys = listKeys[fieldName];
  if (fieldName === 'ports') {
    const first = items[0] as Json | undefined;
    keys = first && 'containerPort' in first ? ['containerPort', 'protocol'] : ['port', 'protocol'];
  }
  if (!keys) return undefined;
  const usable = items.every((item) => item && typeof item === 'object' && keys!.some((k) => (item as Json)[k] !== undefined));
  return usable ? keys : undefined;
}

/** Key fields that defaulting fills in, so an item names itself the same before and after defaults. */
const keyDefaults: Json = { protocol: 'TCP' };

export function itemKey(item: Json, keys: string[]): string {
  const identity: Json = {};
  for (const k of [...keys].sort()) {
    const value = item[k] ?? keyDefaults[k];
    if (value !== undefined) identity[k] = value;
  }
  return `k:${JSON.stringify(identity)}`;
}

/** Collects leaf paths (and the "." markers of self-owned nodes) with their serialized values. */
function collect(value: unknown, path: string[], fieldName: string, out: Map<string, string>): void {
  if (Array.isArray(value) && value.length > 0) {
    if (setLists.has(fieldName) && value.every((v) => typeof v === 'string')) {
      for (const v of value) out.set([...path, `v:${JSON.stringify(v)}`].join(separator), '');
      return;
    }
    const keys = keysFor(fieldName, value);
    if (keys) {
      for (const item of value as Json[]) {
        const itemPath = [...path, itemKey(item, keys)];
        out.set([...itemPath, '.'].join(separator), '');
        for (const [k, v] of Object.entries(item)) collect(v, [...itemPath, `f:${k}`], k, out);
      }
      return;
    }
  } else if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    if (mapFields.has(fieldName)) out.set([...path, '.'].join(separator), '');
    for (const [k, v] of Object.entries(value)) collect(v, [...path, `f:${k}`], k, out);
    return;
  }
  out.set(path.join(separator), JSON.stringify(value));
}

/** Every owned path of an object with its serialized leaf value, in the scope a manager writes (main resource or status). */
export function fieldsOf(object: KubeObject, info: Pick<ManagerInfo, 'subresource' | 'statusIsSubresource'>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(object)) {
    if (key === 'kind' || key === 'apiVersion') continue;
    const isStatus = key === 'status';
    if (info.subresource === 'status' ? !isStatus : isStatus && info.statusIsSubresource) continue;
    if (key === 'metadata') {
      for (const [mk, mv] of Object.entries(value as Json)) {
        if (!serverMetadata.has(mk)) collect(mv, ['f:metadata', `f:${mk}`], mk, out);
      }
    } else collect(value, [`f:${key}`], key, out);
  }
  return out;
}

export function toTree(paths: Iterable<string>): Record<string, unknown> {
  const root: Json = {};
  for (const path of paths) {
    let node = root;
    for (const segment of path.split(separator)) node = node[segment] ??= {};
  }
  return root;
}

export function fromTree(tree: Json, prefix: string[] = [], out = new Set<string>()): Set<string> {
  for (const [segment, child] of Object.entries(tree)) {
    const path = [...prefix, segment];
    if (child && typeof child === 'object' && Object.keys(child).length > 0) fromTree(child, path, out);
    else out.add(path.join(separator));
  }
  return out;
}

/**
 * The managedFields after a write by `info.manager`: it owns what it set or changed; other managers
 * lose the fields it changed; fields that no longer exist are owned by nobody.
 */
export function managedFieldsEntry(object: KubeObject, old: KubeObject | undefined, info: ManagerInfo): ManagedFieldsEntry[] {
  const now = fieldsOf(object, info);
  const before = old ? fieldsOf(old, info) : new Map<string, string>();
  const changed = new Set<string>();
  for (const [path, value] of now) if (before.get(path) !== value) changed.add(path);
  const previous = (old?.metadata.managedFields ?? []) as unknown as ManagedFieldsEntry[];
  const entries: ManagedFieldsEntry[] = [];
  let mine: ManagedFieldsEntry | undefined;
  for (const entry of previous) {
    const sameManager = entry.manager === info.manager && entry.operation === 'Update' && (entry.subresource ?? '') === (info.subresource ?? '');
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
