// Server-side apply (application/apply-patch+yaml): the applied configuration is what its manager
// owns. Fields it applied before and leaves out now are removed (unless someone else owns them),
// fields another manager owns with a different value are conflicts unless forced, and the result
// merges maps and structs key by key (atomic ones whole), keyed lists item by item and sets by
// value, as the kind's schema says.

import type { SchemaNode } from '../../openapi/schema.js';
import { errors, type StatusError } from '../errors.js';
import { fieldsOf, fromTree, itemKey, listKeys, managedFieldsEntry, type ManagedFieldsEntry, type ManagedScope, nodeMarker, separator, toTree } from '../registry/managed-fields.js';
import type { KubeObject } from '../store/types.js';
import { isJsonObject, jsonEqual, type JsonObject as Json } from '../json.js';

export interface ApplyRequest extends ManagedScope {
  manager: string;
  force: boolean;
  apiVersion: string;
  time: string;
  /** The kind's schema. */
  schema: SchemaNode;
}

export interface ApplyResult {
  object: KubeObject;
  managedFields: ManagedFieldsEntry[];
}

/** Merges the applied configuration into the live object: maps by key, keyed lists by item, sets by value. */
function merge(live: unknown, applied: unknown, node: SchemaNode | undefined): unknown {
  if (isJsonObject(live) && isJsonObject(applied)) {
    if (node?.atomicObject) return applied;
    const out: Json = { ...live };
    for (const [key, value] of Object.entries(applied)) out[key] = key in live ? merge(live[key], value, node?.child(key)) : value;
    return out;
  }
  if (Array.isArray(live) && Array.isArray(applied) && node) {
    if (node.listType === 'set') return [...live, ...applied.filter((v) => !live.some((l) => jsonEqual(l, v)))];
    const keys = listKeys(node, [...applied, ...live]);
    if (keys) {
      const items = node.items;
      const out = [...live] as Json[];
      for (const item of applied as Json[]) {
        const identity = itemKey(item, keys, items);
        const at = out.findIndex((l) => itemKey(l, keys, items) === identity);
        if (at >= 0) out[at] = merge(out[at], item, items) as Json;
        else out.push(item);
      }
      return out;
    }
  }
  return applied;
}

/**
 * Removes one owned path (f:/k:/v: segments) from an object; removing an item's "." drops the item.
 * Says whether the value it removed from is left empty: structured-merge-diff then leaves null
 * where that map or list was.
 */
function removePath(value: unknown, segments: string[], node: SchemaNode | undefined): boolean {
  const [head, ...rest] = segments;
  if (head === nodeMarker || head === undefined) return false;
  const whole = rest.length === 0 || (rest.length === 1 && rest[0] === nodeMarker);
  if (head.startsWith('f:') && isJsonObject(value)) {
    const key = head.slice(2);
    if (!(key in value)) return false;
    if (whole) delete value[key];
    else if (removePath(value[key], rest, node?.child(key))) value[key] = null;
    return Object.keys(value).length === 0;
  }
  if (Array.isArray(value)) {
    const keys = listKeys(node, value);
    const index = value.findIndex((item) => {
      if (head.startsWith('v:')) return JSON.stringify(item) === head.slice(2);
      return !!keys && itemKey(item as Json, keys, node?.items) === head;
    });
    if (index < 0) return false;
    if (head.startsWith('v:') || whole) value.splice(index, 1);
    else if (removePath(value[index], rest, node?.items)) value[index] = null;
    return value.length === 0;
  }
  return false;
}

/** `.spec.replicas`, `.spec.containers[name="nginx"].image`, `.metadata.finalizers[="x"]`, as conflicts print paths. */
function printPath(path: string): string {
  return path
    .split(separator)
    .filter((s) => s !== '.')
    .map((segment) => {
      if (segment.startsWith('f:')) return `.${segment.slice(2)}`;
      if (segment.startsWith('v:')) return `[=${segment.slice(2)}]`;
      const identity = JSON.parse(segment.slice(2)) as Json;
      return `[${Object.entries(identity).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    })
    .join('');
}

/** `"name"`, then ` with subresource "status"` if any, then ` using apps/v1` for Update managers. */
function describeManager(entry: ManagedFieldsEntry): string {
  let text = JSON.stringify(entry.manager);
  if (entry.subresource) text += ` with subresource ${JSON.stringify(entry.subresource)}`;
  if (entry.operation === 'Update') text += ` using ${entry.apiVersion}`;
  return text;
}

function conflictError(conflicts: Map<ManagedFieldsEntry, string[]>): StatusError {
  const total = [...conflicts.values()].reduce((n, paths) => n + paths.length, 0);
  const causes = [...conflicts].flatMap(([entry, paths]) => paths.map((p) => ({ reason: 'FieldManagerConflict', message: `conflict with ${describeManager(entry)}`, field: printPath(p) })));
  let message: string;
  if (total === 1) message = `Apply failed with 1 conflict: ${causes[0].message}: ${causes[0].field}`;
  else {
    const groups = [...conflicts].sort(([a], [b]) => (a.manager < b.manager ? -1 : 1)).map(([entry, paths]) => `conflicts with ${describeManager(entry)}:\n${paths.map((p) => `- ${printPath(p)}`).join('\n')}`);
    message = `Apply failed with ${total} conflicts: ${groups.join('\n')}`;
  }
  return errors.applyConflict(message, causes);
}

/** Apply field sets own structs, maps and lists through their members only: their "." marker is left out, a list item's kept. */
function appliedFieldsOf(applied: KubeObject, schema: SchemaNode, scope: ManagedScope): Map<string, string> {
  const fields = fieldsOf(applied, schema, scope);
  for (const path of fields.keys()) {
    const segments = path.split(separator);
    if (segments[segments.length - 1] === nodeMarker && segments[segments.length - 2]?.startsWith('f:')) fields.delete(path);
  }
  return fields;
}

const clientSideApplyManager = 'kubectl-client-side-apply';
const beforeFirstApply = 'before-first-apply';
const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';

/** The fields of the configuration kubectl last applied client-side, if the object records one. */
function lastAppliedFields(live: KubeObject | undefined, schema: SchemaNode, scope: ManagedScope): Set<string> {
  const recorded = live?.metadata.annotations?.[lastAppliedAnnotation];
  if (!recorded) return new Set();
  try {
    const config = JSON.parse(recorded) as KubeObject;
    return isJsonObject(config) && isJsonObject(config.metadata) ? new Set(fieldsOf(config, schema, scope).keys()) : new Set();
  } catch {
    return new Set();
  }
}

/** The object and managedFields after `request.manager` applies `applied` to `live` (absent on create). */
export function serverSideApply(live: KubeObject | undefined, applied: KubeObject, request: ApplyRequest): ApplyResult {
  const scope = { subresource: request.subresource, statusIsSubresource: request.statusIsSubresource };
  const appliedFields = appliedFieldsOf(applied, request.schema, scope);
  const recorded = ((live?.metadata.managedFields ?? []) as ManagedFieldsEntry[]).filter((e) => e && e.manager !== undefined);
  // An object nobody's fields are tracked on has them owned by `before-first-apply` once applied to, as
  // kube-apiserver's skip-non-applied manager writes them: applying a different value is then a conflict.
  const entries = live && !recorded.length ? managedFieldsEntry(live, { metadata: {} }, request.schema, { manager: beforeFirstApply, apiVersion: request.apiVersion, time: request.time, ...scope }) : recorded;
  const isMine = (e: ManagedFieldsEntry) => e.manager === request.manager && e.operation === 'Apply' && (e.subresource ?? '') === (request.subresource ?? '');
  const mine = entries.find(isMine);
  const others = entries.filter((e) => !isMine(e));

  let object: KubeObject = live ? (JSON.parse(JSON.stringify(live)) as KubeObject) : { kind: applied.kind, apiVersion: applied.apiVersion, metadata: {} };
  const liveFields = live ? fieldsOf(live, request.schema, scope) : new Map<string, string>();
  const ownedByOthers = new Map<string, ManagedFieldsEntry[]>();
  for (const entry of others) {
    for (const path of fromTree(entry.fieldsV1 ?? {})) ownedByOthers.set(path, [...(ownedByOthers.get(path) ?? []), entry]);
  }

  const conflicts = new Map<ManagedFieldsEntry, string[]>();
  const taken = new Set<string>();
  const lastApplied = lastAppliedFields(live, request.schema, scope);
  for (const [path, value] of appliedFields) {
    const owners = ownedByOthers.get(path);
    if (!owners || !liveFields.has(path) || liveFields.get(path) === value) continue;
    taken.add(path);
    for (const owner of owners) {
      // Fields kubectl applied client-side pass to server-side apply, as kube-apiserver's last-applied manager lets them.
      if (owner.manager === clientSideApplyManager && lastApplied.has(path)) continue;
      conflicts.set(owner, [...(conflicts.get(owner) ?? []), path]);
    }
  }
  if (conflicts.size > 0 && !request.force) throw conflictError(conflicts);

  // What this manager applied before and leaves out now goes, unless it (or a part of it) is still
  // applied or owned by someone else.
  // Removal follows the merge, as in structured-merge-diff, so a map the removal empties stays null.
  const { kind: _kind, apiVersion: _apiVersion, ...content } = applied;
  object = merge(object, content, request.schema) as KubeObject;
  const keptPaths = [...ownedByOthers.keys(), ...appliedFields.keys()];
  for (const path of mine ? fromTree(mine.fieldsV1 ?? {}) : []) {
    if (appliedFields.has(path) || ownedByOthers.has(path)) continue;
    const node = path.endsWith(`${separator}.`) ? path.slice(0, -2) : path;
    if (keptPaths.some((p) => p.startsWith(`${node}${separator}`))) continue;
    removePath(object, path.split(separator), request.schema);
  }

  const fieldsV1 = toTree(appliedFields.keys());
  // The manager's time moves only when the apply changes the object (so a repeated apply is a no-op);
  // a new entry for an apply that changes nothing has no time (kubectl's upgrade from client-side apply meets this).
  const time = !live || !jsonEqual(object, live) ? request.time : mine?.time;
  const applyEntry: ManagedFieldsEntry = {
    manager: request.manager,
    operation: 'Apply',
    apiVersion: request.apiVersion,
    ...(time === undefined ? {} : { time }),
    fieldsType: 'FieldsV1',
    fieldsV1,
  };
  if (request.subresource) applyEntry.subresource = request.subresource;
  const managedFields: ManagedFieldsEntry[] = [];
  // A manager that applies no fields keeps no entry, as structured-merge-diff drops empty sets.
  const ownsFields = appliedFields.size > 0;
  for (const entry of entries) {
    if (entry === mine) {
      if (ownsFields) managedFields.push(applyEntry);
      continue;
    }
    const kept = [...fromTree(entry.fieldsV1 ?? {})].filter((p) => !taken.has(p));
    if (kept.length > 0) managedFields.push({ ...entry, fieldsV1: toTree(kept) });
  }
  if (!mine && ownsFields) managedFields.push(applyEntry);
  return { object, managedFields };
}
