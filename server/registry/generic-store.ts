// The one write path. HTTP handlers, reconcilers and the testkit all create, update and delete through
// here, so defaulting, validation, resourceVersions, generation and watch events never diverge.
// Modelled on apiserver/pkg/registry/generic/registry/store.go; kinds differ only by their strategy.

import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { timestamp } from '../clock.js';
import { errors, field, type FieldError, GoLiteral, invalidOptions } from '../errors.js';
import { HistoryCompactedError, type MemoryStore, type StoredObject } from '../store/memory-store.js';
import type { KubeObject, ObjectMeta } from '../store/types.js';
import { decodedByGo, storedByGo } from '../../openapi/go-encoding.js';
import { resourceSchema, schemaNode } from '../../openapi/kubernetes.js';
import { inScope, managedFieldsEntry, type ManagedFieldsEntry } from './managed-fields.js';
import { generateName } from './names.js';
import { canonicalQuantities } from './quantities.js';
import { groupVersion, resourceKey, type ConnectLocation, type ResourceDefinition, type ReviewContext, type StrategyContext, type UserInfo } from './types.js';
import type { Credentials } from '../auth/credentials.js';
import { validateManagedFields, validateObjectMeta } from './validation.js';
import { isJsonObject, jsonEqual } from '../json.js';
import type { AdmissionChain, AdmissionContext, AdmissionOperation, AdmissionRequest } from '../admission/index.js';

/** Who kube-apiserver's own writes come from (its loopback client). */
const apiserverLoopback: UserInfo = { username: 'system:apiserver', uid: '', groups: ['system:authenticated', 'system:masters'] };

/** The warnings of a write nobody is told about (no client sent it). */
const dropWarning = () => {};

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  user?: UserInfo;
  /** Token authentication and issuing, for token reviews and requests. */
  credentials?: Credentials;
  /** Ownership computed by server-side apply, stored as given instead of derived from the change. */
  managedFields?: ManagedFieldsEntry[];
  /** Ownership a client wrote itself, from which this write's ownership is derived. */
  baseManagedFields?: ManagedFieldsEntry[];
  /** The subresource written (status, finalize); absent for the main resource. */
  subresource?: string;
  /** Receives the warnings the strategy answers a write with (sent as Warning headers). */
  warn?: (message: string) => void;
}

export interface DeleteOptions extends WriteOptions {
  gracePeriodSeconds?: number;
  /** What the garbage collector does with dependents: Orphan, Background or Foreground. */
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  /** The older form of propagationPolicy: true orphans, false deletes dependents. */
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  /** Part of a deletecollection, which kube-apiserver runs on the generic store, past a resource's own DELETE rules. */
  collection?: boolean;
}

/** An object as a response carries it: the value and its serialization. */
export interface ObjectResult {
  object: KubeObject;
  json: string;
}

const orphanFinalizer = 'orphan';
const foregroundFinalizer = 'foregroundDeletion';

/**
 * The finalizers a deletion's propagation asks for (deletionFinalizersForGarbageCollection): the
 * garbage collector orphans dependents or deletes them first; undefined when nothing changes.
 */
function garbageCollectionFinalizers(def: ResourceDefinition, object: KubeObject, options: DeleteOptions): string[] | undefined {
  const policy = def.strategy.garbageCollection ?? 'DeleteDependents';
  if (policy === 'Unsupported') return undefined;
  const existing = object.metadata.finalizers ?? [];
  let orphan: boolean;
  let foreground: boolean;
  if (options.orphanDependents !== undefined) {
    orphan = options.orphanDependents;
    foreground = false;
  } else if (options.propagationPolicy !== undefined) {
    orphan = options.propagationPolicy === 'Orphan';
    foreground = options.propagationPolicy === 'Foreground';
  } else if (existing.includes(orphanFinalizer) || existing.includes(foregroundFinalizer)) {
    orphan = existing.includes(orphanFinalizer);
    foreground = !orphan;
  } else {
    orphan = policy === 'OrphanDependents';
    foreground = false;
  }
  const next = existing.filter((f) => f !== orphanFinalizer && f !== foregroundFinalizer);
  if (orphan) next.push(orphanFinalizer);
  if (foreground) next.push(foregroundFinalizer);
  const same = next.length === existing.length && next.every((f) => existing.includes(f));
  return same ? undefined : next;
}

export interface DeleteResult {
  /** The object, still present (finalizers, grace period) or as it was at removal. */
  result: ObjectResult;
  /** Whether the object is gone from the store. */
  removed: boolean;
}

const maxGenerateNameAttempts = 8;

/** The metadata an update cannot change: kept as stored, whatever the body says. */
const keptMetadata = ['uid', 'creationTimestamp', 'generation', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'namespace', 'generateName'] as const;

const metadataOrder = [
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
];

/** A JSON value with the keys of every object sorted, as Go encodes maps. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (!isJsonObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) if (value[key] !== undefined) out[key] = sortedKeys(value[key]);
  return out;
}

/**
 * sortedKeys for values whose parts are mostly in order already (managedFields: each write rebuilds
 * one entry, the others are stored ones): a part already sorted is kept as it is, not copied.
 */
function keptInKeyOrder(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(keptInKeyOrder);
    return items.every((item, i) => item === value[i]) ? value : items;
  }
  if (!isJsonObject(value)) return value;
  const keys = Object.keys(value);
  let sorted = true;
  const children: unknown[] = [];
  for (let i = 0; i < keys.length; i++) {
    const child = value[keys[i]];
    const kept = keptInKeyOrder(child);
    children.push(kept);
    if (child === undefined || kept !== child || (i > 0 && keys[i - 1] > keys[i])) sorted = false;
  }
  if (sorted) return value;
  const byKey = new Map(keys.map((key, i) => [key, children[i]]));
  const out: Record<string, unknown> = {};
  for (const key of keys.sort()) if (byKey.get(key) !== undefined) out[key] = byKey.get(key);
  return out;
}

const managedFieldsEntryOrder = ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1', 'subresource'];

function inOrder(value: Record<string, unknown>, order: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of order) if (Object.hasOwn(value, key) && value[key] !== undefined) out[key] = value[key];
  for (const key of Object.keys(value)) if (!(key in out) && value[key] !== undefined) out[key] = value[key];
  return out;
}

const metadataIndex = new Map(metadataOrder.map((key, i) => [key, i]));

/** Whether inOrder(meta, metadataOrder) would give the same members in the same order: known fields in order, others after them, none undefined. */
function inMetadataOrder(meta: ObjectMeta): boolean {
  let last = -1;
  for (const key in meta) {
    const value = (meta as Record<string, unknown>)[key];
    if (value === undefined || !Object.hasOwn(meta, key)) return false;
    const index = metadataIndex.get(key);
    // inOrder leaves out other fields whose names an empty object has (constructor, __proto__).
    if (index === undefined && key in emptyRecord) return false;
    const at = index ?? metadataOrder.length;
    if (at < last) return false;
    last = at;
  }
  return true;
}

const emptyRecord = {};

/** ObjectMeta in its Go field order, managedFields entries included (an unstructured object keeps its keys sorted). */
export function typedObjectMeta(meta: ObjectMeta): ObjectMeta {
  const metadata = inOrder(meta, metadataOrder) as ObjectMeta;
  if (Array.isArray(metadata.managedFields)) metadata.managedFields = metadata.managedFields.map((e) => (isJsonObject(e) ? inOrder(e, managedFieldsEntryOrder) : e));
  return metadata;
}

/** Rebuilds an object with kind and apiVersion first and metadata in ObjectMeta's field order (unstructured ones sorted). */
export function canonical(def: ResourceDefinition, object: KubeObject): KubeObject {
  if (def.unstructured) {
    // managedFields are in key order already (setManagedFields): the rest is sorted around them,
    // placeholders holding their places.
    const managedFields = object.metadata.managedFields;
    const metadata = sortedKeys({ ...object.metadata, managedFields: managedFields && null }) as ObjectMeta;
    if (managedFields) metadata.managedFields = managedFields;
    const out = sortedKeys({ ...object, kind: def.kind, apiVersion: groupVersion(def), metadata: null }) as KubeObject;
    out.metadata = metadata;
    return out;
  }
  // A write's metadata is its own (never a stored version's): kept when already in order.
  const metadata = inMetadataOrder(object.metadata) ? object.metadata : (inOrder(object.metadata, metadataOrder) as ObjectMeta);
  const out: KubeObject = { kind: def.kind, apiVersion: groupVersion(def), metadata };
  for (const key of Object.keys(object)) {
    if (key !== 'kind' && key !== 'apiVersion' && key !== 'metadata' && key !== 'status' && object[key] !== undefined) out[key] = object[key];
  }
  if (object.status !== undefined) out.status = object.status;
  return out;
}

export function storageKey(namespace: string, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

function result(object: KubeObject): ObjectResult {
  return { object, json: JSON.stringify(object) };
}

/** Entry times as metav1.Time prints them; clients may send other RFC 3339 forms (client-node adds milliseconds). */
function normalizedTimes(entries: unknown[] | undefined): unknown[] | undefined {
  if (!Array.isArray(entries)) return entries;
  return entries.map((entry) => {
    const time = (entry as { time?: unknown })?.time;
    if (typeof time !== 'string' || Number.isNaN(Date.parse(time))) return entry;
    const normalized = timestamp(new Date(time));
    return normalized === time ? entry : { ...(entry as object), time: normalized };
  });
}

/** Whether ownership given by server-side apply differs from what is stored, timestamps aside. */
function ownershipChanges(given: ManagedFieldsEntry[] | undefined, old: KubeObject): boolean {
  if (!given) return false;
  const withoutTimes = (entries: unknown[] | undefined) => (entries ?? []).map((e) => ({ ...(e as ManagedFieldsEntry), time: undefined }));
  return !jsonEqual(withoutTimes(given), withoutTimes(old.metadata.managedFields));
}

/** The order kube-apiserver encodes entries in: Apply before Update, then by time, manager, apiVersion, subresource. */
function compareEntries(a: ManagedFieldsEntry, b: ManagedFieldsEntry): number {
  const text = (x: string | undefined, y: string | undefined) => ((x ?? '') < (y ?? '') ? -1 : (x ?? '') > (y ?? '') ? 1 : 0);
  const seconds = (e: ManagedFieldsEntry) => Math.floor((Date.parse(e.time ?? '') || 0) / 1000);
  return text(a.operation, b.operation) || seconds(a) - seconds(b) || text(a.manager, b.manager) || text(a.apiVersion, b.apiVersion) || text(a.subresource, b.subresource);
}

/** An update's object must carry the name on the URL (checkName in kube-apiserver's rest handlers). */
function checkName(given: string | undefined, name: string): void {
  if (!given) throw errors.badRequest(`the name of the object (${name} based on URL) was undeterminable: name must be provided`);
  if (given !== name) throw errors.badRequest(`the name of the object (${given}) does not match the name on the URL (${name})`);
}

/** Sets metadata.managedFields in encoding order (keys sorted for unstructured objects), leaving an empty list out as Go's omitempty does. */
function setManagedFields(def: ResourceDefinition, object: KubeObject, entries: ManagedFieldsEntry[]): void {
  const ordered = [...entries].sort(compareEntries);
  if (entries.length > 0) object.metadata.managedFields = def.unstructured ? (keptInKeyOrder(ordered) as ManagedFieldsEntry[]) : ordered;
  else delete object.metadata.managedFields;
}

/** Whether two versions hold the same, their resourceVersion and managedFields aside. */
function sameContent(a: KubeObject, b: KubeObject): boolean {
  return sameMembers(a, b, 'metadata') && sameMembers(a.metadata ?? {}, b.metadata ?? {}, 'resourceVersion', 'managedFields');
}

/** jsonEqual of two objects without their `skipped` members (undefined ones count as absent, as in jsonEqual). */
function sameMembers(a: object, b: object, skipped: string, alsoSkipped?: string): boolean {
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  let defined = 0;
  for (const key in left) {
    if (key === skipped || key === alsoSkipped || left[key] === undefined) continue;
    defined++;
    if (!jsonEqual(left[key], right[key])) return false;
  }
  for (const key in right) if (key !== skipped && key !== alsoSkipped && right[key] !== undefined) defined--;
  return defined === 0;
}

/**
 * A stored object as the resource it is read through shows it: with the defaults reading applies
 * (custom resources), and for a resource stored as another (events.k8s.io/v1 events) converted,
 * then written as its Go type writes it. The object itself when reading changes nothing; never
 * changed in place.
 */
export function fromStorage(def: ResourceDefinition, object: KubeObject): KubeObject {
  let read = object;
  if (def.strategy.readDefaults) {
    const copy = structuredClone(object);
    // Unstructured objects keep their keys sorted, as Go writes maps.
    if (def.strategy.readDefaults(copy)) read = def.unstructured ? (sortedKeys(copy) as KubeObject) : copy;
  }
  if (!def.storedAs) return read;
  const converted = def.storedAs.fromStorage(read);
  return resourceSchema(def).goTypes ? storedByGo(schemaNode(def), converted) : converted;
}

/**
 * kube-apiserver reads the object an update or delete changes in the request's version first: a
 * conversion that cannot be made (a conversion webhook kubemock does not call) fails the write there,
 * before anything is converted back or changed.
 */
function readInRequestVersion(view: ResourceDefinition, stored: StoredObject): void {
  if (view.storedAs) fromStorage(view, stored.object);
}

const emptyObjects = new WeakMap<ResourceDefinition, KubeObject>();

/** A kind's empty object, as Go's zero value writes it: what a create's ownership is computed against. */
/** The object without the fields at `paths` (copied along each path; the object itself is not changed). */
function withoutPaths(object: KubeObject, paths: string[][]): KubeObject {
  if (!paths.length) return object;
  const out: Record<string, unknown> = { ...object };
  for (const path of paths) {
    let parent: Record<string, unknown> | undefined = out;
    for (const key of path.slice(0, -1)) {
      const child: unknown = parent[key];
      parent = isJsonObject(child) ? (parent[key] = { ...child }) : undefined;
      if (!parent) break;
    }
    if (parent) delete parent[path[path.length - 1]];
  }
  return out as KubeObject;
}

function emptyObject(def: ResourceDefinition): KubeObject {
  let empty = emptyObjects.get(def);
  if (!empty) {
    empty = resourceSchema(def).goTypes ? decodedByGo(schemaNode(def), { metadata: {} }) : { metadata: {} };
    emptyObjects.set(def, empty);
  }
  return empty;
}

export class GenericStore {
  constructor(
    readonly store: MemoryStore,
    private readonly clock: Clock,
    private readonly findDefinition: (resource: string) => ResourceDefinition | undefined,
    private readonly admission: AdmissionChain,
  ) {}

  get(def: ResourceDefinition, namespace: string, name: string): StoredObject {
    const stored = this.store.get(resourceKey(def), storageKey(def.namespaced ? namespace : '', name));
    if (!stored) throw errors.notFound({ group: def.group, resource: def.plural }, name);
    return stored;
  }

  find(def: ResourceDefinition, namespace: string, name: string): StoredObject | undefined {
    return this.store.get(resourceKey(def), storageKey(def.namespaced ? namespace : '', name));
  }

  /** What strategies see of the cluster: the time, reads of other stored objects, the write's warnings and who asks. */
  context(options: WriteOptions = {}): AdmissionContext {
    return { now: this.clock.now(), warn: options.warn ?? dropWarning, user: options.user, lookup: this.lookup, list: this.list, writeStatus: this.writeStatus };
  }

  // The parts of every write's context that do not depend on the write, made once.
  private readonly lookup: AdmissionContext['lookup'] = (resource, namespace, name) => {
    const def = this.findDefinition(resource);
    return def && this.find(def, namespace, name)?.object;
  };

  private readonly list: AdmissionContext['list'] = (resource) => {
    const def = this.findDefinition(resource);
    return def ? this.store.list(resourceKey(def)).map((s) => s.object) : [];
  };

  private readonly writeStatus: AdmissionContext['writeStatus'] = (resource, namespace, name, change) => {
    const def = this.findDefinition(resource);
    const existing = def && this.find(def, namespace, name);
    if (!def || !existing) return;
    const next = JSON.parse(existing.json) as KubeObject;
    change(next);
    this.replace(def, existing, next, { subresource: 'status', user: apiserverLoopback, fieldManager: 'kube-apiserver' });
  };

  private checkBody(def: ResourceDefinition, body: unknown): KubeObject {
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw errors.badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: the body must be a JSON object`);
    }
    const object = body as KubeObject;
    if (object.metadata === undefined || object.metadata === null) object.metadata = {};
    if (typeof object.metadata !== 'object' || Array.isArray(object.metadata)) {
      throw errors.badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: metadata must be an object`);
    }
    const gv = groupVersion(def);
    if (object.apiVersion && object.apiVersion !== gv) {
      throw errors.badRequest(`the API version in the data (${object.apiVersion}) does not match the expected API version (${gv})`);
    }
    if (object.kind && object.kind !== def.kind) {
      throw errors.badRequest(`the kind in the data (${object.kind}) does not match the expected kind (${def.kind})`);
    }
    return object;
  }

  private admissionRequest(
    def: ResourceDefinition,
    operation: AdmissionOperation,
    target: { namespace: string; name: string; object?: KubeObject; oldObject?: KubeObject },
    options: WriteOptions,
  ): AdmissionRequest {
    return {
      operation,
      definition: def,
      resource: resourceKey(def),
      subresource: options.subresource ?? '',
      namespace: def.namespaced ? target.namespace : '',
      name: target.name,
      object: target.object,
      oldObject: target.oldObject,
      dryRun: options.dryRun ?? false,
      user: options.user ?? { username: '', uid: '', groups: [] },
    };
  }

  /**
   * Checks an object of `def`; `old` is given for updates, `subresource` for writes to one (their own
   * rules replace the update's).
   */
  private validate(def: ResourceDefinition, context: StrategyContext, object: KubeObject, old?: KubeObject, subresource?: string): void {
    const problems: FieldError[] = validateObjectMeta(object.metadata, def.namespaced, def.strategy.nameCheck, !def.strategy.genericObjectMeta);
    const statusOnly = old && subresource === 'status' && def.strategy.validateStatus;
    problems.push(...((statusOnly ? def.strategy.validateStatus?.(object, old, context) : def.strategy.validate?.(object, old, context)) ?? []));
    if (!old) problems.push(...(def.strategy.validateCreate?.(object) ?? []));
    if (old) {
      if (!subresource) problems.push(...(def.strategy.validateUpdate?.(object, old) ?? []));
      else problems.push(...(def.strategy.subresourceValidation?.[subresource]?.(object, old) ?? []));
      if (old.metadata.deletionTimestamp) {
        const added = (object.metadata.finalizers ?? []).filter((f) => !(old.metadata.finalizers ?? []).includes(f));
        if (added.length) {
          problems.push(
            field.forbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`),
          );
        }
      }
    }
    if (problems.length) throw errors.invalid(def, object.metadata.name ?? '', problems);
  }

  /**
   * metadata.managedFields after a write: as server-side apply computed them, else derived from what
   * changed since `old` in the object as its Go type decodes it. A create is compared with the kind's
   * empty object: what Go's zero value holds (a Node's `spec: {}`) is nobody's.
   */
  private ownership(stored: KubeObject, storedOld: KubeObject | undefined, storage: ResourceDefinition, options: WriteOptions, view: ResourceDefinition = storage): ManagedFieldsEntry[] {
    if (options.managedFields) return options.managedFields;
    // An update of an object nobody's fields are tracked on stays untracked (kube-apiserver tracks from
    // a create, or from the first apply).
    if (storedOld && !storedOld.metadata.managedFields?.length) return [];
    // A write through another version is owned in that version, as its fields read there (autoscaling/v1).
    const converted = view !== storage && view.storedAs;
    const def = converted ? view : storage;
    const object = converted ? converted.fromStorage(stored) : stored;
    const old = converted && storedOld ? converted.fromStorage(storedOld) : storedOld;
    const node = schemaNode(def);
    // A write whose strategy names what it resets may own everything else; other writes own the part
    // of the object their subresource writes.
    const reset = def.strategy.resetFields?.[options.subresource ?? ''];
    const scope = { subresource: options.subresource, statusIsSubresource: !reset && def.subresources.some((s) => s.name === 'status') };
    // Only the fields the writer can own are decoded: a status write decodes no spec. Parts equal to
    // the stored ones are taken from there, already decoded.
    const decoded = resourceSchema(def).goTypes ? decodedByGo(node, inScope(object, scope), old) : object;
    return managedFieldsEntry(withoutPaths(decoded, reset ?? []), withoutPaths(old ?? emptyObject(def), reset ?? []), node, {
      manager: options.fieldManager ?? 'unknown',
      apiVersion: groupVersion(def),
      time: timestamp(this.clock.now()),
      ...scope,
    });
  }

  /**
   * The object as kube-apiserver stores and returns it once decoded into its Go type: Go's zero
   * values and omitempty rules, fields in Go's order. Kinds without Go types are kept as sent.
   */
  private asGoWrites(def: ResourceDefinition, object: KubeObject, old?: KubeObject): KubeObject {
    return resourceSchema(def).goTypes ? storedByGo(schemaNode(def), object, old) : object;
  }

  /** A resource stored as another is written as that one, its body converted (results stay in storage form). */
  private asStored(def: ResourceDefinition, body?: unknown): { def: ResourceDefinition; body: unknown } {
    if (!def.storedAs) return { def, body };
    const converted = body === undefined ? undefined : def.storedAs.toStorage(this.checkBody(def, body));
    return { def: this.findDefinition(resourceKey(def))!, body: converted };
  }

  /**
   * The definition a write through `view` is made in, with its body. A version that validates its own
   * writes (custom resources: each served version is its own REST storage on kube-apiserver) decodes,
   * defaults, owns and validates the object in its own form; `storedForm` converts it at the end.
   * Other versions are converted to their storage first.
   */
  private writtenIn(view: ResourceDefinition, body: unknown): { def: ResourceDefinition; body: unknown } {
    return view.storedAs?.writtenInOwnVersion ? { def: view, body } : this.asStored(view, body);
  }

  /** A write made in `def` as its storage keeps it: converted, then decoded as the storage version decodes (pruned, defaulted). */
  private storedForm(def: ResourceDefinition, object: KubeObject): { def: ResourceDefinition; object: KubeObject } {
    if (!def.storedAs) return { def, object };
    const storage = this.findDefinition(resourceKey(def))!;
    const converted = def.storedAs.toStorage(object);
    storage.strategy.decode?.(converted);
    return { def: storage, object: converted };
  }

  /** A stored object as a write in `def` starts from: as that version reads it, defaults on read included. */
  private oldInWriteVersion(def: ResourceDefinition, existing: StoredObject): KubeObject {
    return def.storedAs || def.strategy.readDefaults ? fromStorage(def, existing.object) : existing.object;
  }

  create(view: ResourceDefinition, namespace: string, body: unknown, options: WriteOptions = {}): ObjectResult {
    const { def, body: written } = this.writtenIn(view, body);
    const input = this.checkBody(def, written);
    canonicalQuantities(def, input);
    const meta = input.metadata;
    if (def.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) throw errors.namespaceMismatch();
      meta.namespace = namespace || meta.namespace;
    } else {
      delete meta.namespace;
    }
    if (meta.resourceVersion && /^\d+$/.test(meta.resourceVersion) && meta.resourceVersion !== '0') {
      throw errors.badRequest('resourceVersion should not be set on objects to be created');
    }
    const context = this.context(options);
    const strategy = def.strategy;
    const admission = this.admissionRequest(def, 'CREATE', { namespace: meta.namespace ?? '', name: meta.name ?? '', object: input }, options);

    if (strategy.respond) {
      this.admission.admit(admission, context);
      this.admission.validate(admission, context);
      // The request is owned by its sender as a create would be, and echoed with that ownership.
      setManagedFields(def, input, this.ownership(input, undefined, def, options));
      return result(canonical(def, strategy.respond(input, this.reviewContext(context, options))));
    }

    const now = context.now;
    const object = input;
    strategy.decode?.(object);
    delete object.metadata.resourceVersion;
    delete object.metadata.deletionTimestamp;
    delete object.metadata.deletionGracePeriodSeconds;
    delete object.metadata.selfLink;
    object.metadata.uid = randomUUID();
    object.metadata.creationTimestamp = timestamp(now);
    if (strategy.tracksGeneration) object.metadata.generation = 1;
    else delete object.metadata.generation;
    strategy.defaults?.(object);
    // The creator owns what it sent and what defaulting filled in; what admission and the strategy add next is nobody's.
    // Ownership is in the version the client wrote (an events.k8s.io/v1 event owns f:note, not f:message).
    setManagedFields(def, object, this.ownership(object, undefined, def, options, view));
    this.admission.admit(admission, context);
    // The name exists before the strategy prepares the object (a Job's selector labels carry it).
    const generated = !meta.name && !!meta.generateName;
    if (generated) meta.name = generateName(meta.generateName!);
    strategy.prepareForCreate?.(object, context);
    this.validate(def, context, object);
    for (const warning of strategy.warningsOnCreate?.(object) ?? []) options.warn?.(warning);
    this.admission.validate(admission, context);

    const resource = resourceKey(def);
    for (let attempt = 1; ; attempt++) {
      const key = storageKey(meta.namespace ?? '', meta.name!);
      if (!this.store.get(resource, key)) break;
      if (!generated) throw errors.alreadyExists({ group: def.group, resource: def.plural }, meta.name!);
      if (attempt >= maxGenerateNameAttempts) throw errors.generateNameConflict({ group: def.group, resource: def.plural }, meta.name!);
      meta.name = generateName(meta.generateName!);
    }

    const storage = this.storedForm(def, object);
    const goWritten = this.asGoWrites(storage.def, storage.object);
    // A placeholder keeps resourceVersion in its ObjectMeta place; the store fills it in.
    goWritten.metadata.resourceVersion = '';
    const final = canonical(storage.def, goWritten);
    if (options.dryRun) {
      delete final.metadata.resourceVersion;
      return result(final);
    }
    return this.store.commit(resource, storageKey(meta.namespace ?? '', meta.name!), final);
  }

  /** PUT: a full replacement of the main resource or of a subresource. */
  update(view: ResourceDefinition, namespace: string, name: string, body: unknown, options: WriteOptions = {}): { result: ObjectResult; created: boolean } {
    const replaced = this.find(view, namespace, name);
    if (replaced) readInRequestVersion(view, replaced);
    const { def, body: written } = this.writtenIn(view, body);
    const input = this.checkBody(def, written);
    const meta = input.metadata;
    // The namespace first, then the name, as kube-apiserver's update handler checks them.
    if (def.namespaced && meta.namespace && meta.namespace !== namespace) throw errors.namespaceMismatch();
    checkName(meta.name, name);
    const existing = this.find(def, namespace, name);
    if (!existing) {
      if (!def.strategy.allowCreateOnUpdate || options.subresource) throw errors.notFound({ group: def.group, resource: def.plural }, name);
      delete meta.resourceVersion;
      return { result: this.create(def, namespace, input, options), created: true };
    }
    return { result: this.replaceStored(def, view, existing, input, options), created: false };
  }

  /**
   * Writes a new version of an existing object: preconditions, what the strategy keeps, defaults,
   * validation, generation. Patch handlers compute the new object and come through here too.
   */
  replace(view: ResourceDefinition, existing: StoredObject, body: KubeObject, options: WriteOptions = {}): ObjectResult {
    const { def, body: written } = this.writtenIn(view, body);
    return this.replaceStored(def, view, existing, this.checkBody(def, written), options);
  }

  /** replace, the body already in `def`, the version the write through `view` is made in (writtenIn). */
  private replaceStored(def: ResourceDefinition, view: ResourceDefinition, existing: StoredObject, input: KubeObject, options: WriteOptions): ObjectResult {
    canonicalQuantities(def, input);
    const strategy = def.strategy;
    const gr = { group: def.group, resource: def.plural };
    // Handlers that await between reading and writing (patch) must not overwrite a newer version.
    if (this.store.get(resourceKey(def), existing.key) !== existing) throw errors.staleResourceVersion(gr, existing.name);
    // As kube-apiserver decodes it: a field only defaulted on read is the same in both, owned by nobody.
    const old = this.oldInWriteVersion(def, existing);
    const meta = input.metadata;
    const name = existing.name;
    if (def.namespaced && meta.namespace && meta.namespace !== existing.namespace) throw errors.namespaceMismatch();
    checkName(meta.name, name);
    if (meta.resourceVersion) {
      if (meta.resourceVersion !== old.metadata.resourceVersion) throw errors.staleResourceVersion(gr, name);
    } else if (!strategy.allowUnconditionalUpdate) {
      throw errors.invalid({ group: def.group, kind: def.plural }, name, [field.invalid('metadata.resourceVersion', new GoLiteral('0x0'), 'must be specified for an update')]);
    }
    if (meta.uid && meta.uid !== old.metadata.uid) {
      const key = `/registry/${def.plural}/${existing.key}`;
      throw errors.conflict(
        gr,
        name,
        `StorageError: invalid object, Code: 4, Key: ${key}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${old.metadata.uid}`,
      );
    }

    const given = this.clientOwnership(def, input, old);
    const object: KubeObject = input;
    strategy.decode?.(object);
    for (const key of keptMetadata) {
      if (old.metadata[key] === undefined) delete object.metadata[key];
      else (object.metadata as Record<string, unknown>)[key] = old.metadata[key];
    }
    if (options.subresource) {
      const keep = strategy.subresourceUpdates?.[options.subresource];
      if (!keep) throw errors.notFoundPath();
      keep(object, old, this.context(options));
    } else {
      strategy.defaults?.(object);
    }
    const writeOptions = { ...options, ...given };
    // As on create, ownership is settled before admission and before the strategy keeps what an update may not change.
    const before = given.baseManagedFields ? { ...old, metadata: { ...old.metadata, managedFields: given.baseManagedFields } } : old;
    const managedFields = this.ownership(object, before, def, writeOptions, view);
    const context = this.context(writeOptions);
    const admission = this.admissionRequest(def, 'UPDATE', { namespace: existing.namespace, name, object, oldObject: old }, writeOptions);
    this.admission.admit(admission, context);
    if (!options.subresource) strategy.prepareForUpdate?.(object, old);
    this.validate(def, context, object, old, options.subresource);
    if (!options.subresource) for (const warning of strategy.warningsOnUpdate?.(object, old) ?? []) options.warn?.(warning);
    this.admission.validate(admission, context);
    return this.commitUpdate(def, existing, object, old, writeOptions, managedFields);
  }

  /**
   * managedFields a client wrote itself: `[{}]` clears them (nothing is tracked for this write), other
   * valid entries become the ownership this write starts from. Unchanged or absent ones mean nothing.
   */
  private clientOwnership(def: ResourceDefinition, input: KubeObject, old: KubeObject): Pick<WriteOptions, 'managedFields' | 'baseManagedFields'> {
    const given = normalizedTimes(input.metadata.managedFields);
    if (given === undefined || jsonEqual(given, old.metadata.managedFields)) return {};
    if (Array.isArray(given) && given.length === 1 && jsonEqual(given[0], {})) return { managedFields: [] };
    const problems = validateManagedFields(given);
    if (problems.length) throw errors.invalid(def, old.metadata.name ?? '', problems);
    return { baseManagedFields: given as ManagedFieldsEntry[] };
  }

  /**
   * POST to a subresource that changes its parent (pods/binding): admission sees the subresource's
   * body, the strategy computes the new parent, and ownership stays as it was.
   */
  createSubresource(view: ResourceDefinition, namespace: string, name: string, subresource: string, body: unknown, options: WriteOptions = {}): ObjectResult {
    const { def } = this.asStored(view);
    const create = def.strategy.subresourceCreates?.[subresource];
    if (!create) throw errors.notFoundPath();
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest(`the body of a ${def.plural}/${subresource} request must be an object`);
    const writeOptions = { ...options, subresource };
    const context = this.context(writeOptions);
    const admission = this.admissionRequest(def, 'CREATE', { namespace, name, object: body as KubeObject }, writeOptions);
    this.admission.admit(admission, context);
    const existing = this.get(def, namespace, name);
    this.admission.validate(admission, context);
    // The top-level parts are copies (metadata, spec, status); what they hold is the stored version's own, unchanged
    // parts are then recognized as such and not walked again.
    const parent: KubeObject = { ...existing.object };
    for (const [key, value] of Object.entries(parent)) if (isJsonObject(value)) parent[key] = { ...value };
    const next = create(parent, body as KubeObject, context);
    // The strategy checked the body; the parent is not validated again (kube-apiserver's binding does not).
    const problems = def.strategy.subresourceValidation?.[subresource]?.(next, existing.object) ?? [];
    if (problems.length) throw errors.invalid(def, name, problems);
    return this.commitUpdate(def, existing, next, existing.object, writeOptions, existing.object.metadata.managedFields as ManagedFieldsEntry[] | undefined);
  }

  /**
   * POST to a subresource that answers with an object of its own kind and stores nothing
   * (serviceaccounts/token); admission sees it as a create of that subresource.
   */
  respondSubresource(def: ResourceDefinition, namespace: string, name: string, subresource: string, body: unknown, options: WriteOptions = {}): ObjectResult {
    const respond = def.strategy.subresourceResponses?.[subresource];
    if (!respond) throw errors.notFoundPath();
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest(`the body of a ${def.plural}/${subresource} request must be an object`);
    const request = body as KubeObject;
    request.metadata ??= {};
    const writeOptions = { ...options, subresource };
    const context = this.context(writeOptions);
    const admission = this.admissionRequest(def, 'CREATE', { namespace, name, object: request }, writeOptions);
    this.admission.admit(admission, context);
    this.admission.validate(admission, context);
    return result(respond(namespace, name, request, this.reviewContext(context, writeOptions)));
  }

  private reviewContext(context: StrategyContext, options: WriteOptions): ReviewContext {
    if (!options.credentials) throw new Error('a review needs the credentials of the server');
    return {
      ...context,
      user: options.user ?? { username: '', uid: '', groups: [] },
      credentials: options.credentials,
      ownership: (object, apiVersion) => managedFieldsEntry(object, { metadata: {} }, undefined, {
        manager: options.fieldManager ?? 'unknown',
        apiVersion,
        time: timestamp(context.now),
        subresource: options.subresource,
        statusIsSubresource: false,
      }),
    };
  }

  /**
   * POST to a subresource that acts through the write path (pods/eviction): admission sees the
   * subresource's body, then the strategy's action writes and deletes like any client would.
   */
  actOnSubresource(view: ResourceDefinition, namespace: string, name: string, subresource: string, body: unknown, options: WriteOptions = {}): void {
    const { def } = this.asStored(view);
    const act = def.strategy.subresourceActions?.[subresource];
    if (!act) throw errors.notFoundPath();
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest(`the body of a ${def.plural}/${subresource} request must be an object`);
    const writeOptions = { ...options, subresource };
    const context = this.context(writeOptions);
    const admission = this.admissionRequest(def, 'CREATE', { namespace, name, object: body as KubeObject }, writeOptions);
    this.admission.admit(admission, context);
    const existing = this.get(def, namespace, name);
    this.admission.validate(admission, context);
    const definition = (resource: string) => {
      const found = this.findDefinition(resource);
      if (!found) throw errors.internal(`no resource ${resource} is served`);
      return found;
    };
    act({
      parent: JSON.parse(existing.json) as KubeObject,
      body: body as KubeObject,
      context,
      dryRun: options.dryRun ?? false,
      writeSubresource: (resource, object, target, fieldManager) => {
        const d = definition(resource);
        const current = this.get(d, object.metadata.namespace ?? '', object.metadata.name ?? '');
        // Without a field manager the write goes straight to storage, as kube-apiserver's own does: ownership stays.
        const ownership = fieldManager ? { fieldManager } : { managedFields: (current.object.metadata.managedFields ?? []) as ManagedFieldsEntry[] };
        const written = this.replace(d, current, object, { ...options, ...ownership, subresource: target });
        return written.object;
      },
      delete: (resource, ns, objectName, deleteOptions) => {
        this.delete(definition(resource), ns, objectName, { user: options.user, fieldManager: options.fieldManager, dryRun: options.dryRun, ...deleteOptions });
      },
    });
  }

  /**
   * CONNECT to a subresource (exec, attach, port-forward, proxy): admission sees the connect options,
   * then the kind's connector finds where kube-apiserver would connect (or throws what it answers).
   */
  connect(view: ResourceDefinition, namespace: string, name: string, subresource: string, connectOptions: KubeObject, options: WriteOptions = {}): ConnectLocation {
    const { def } = this.asStored(view);
    const connector = def.strategy.connect?.[subresource];
    if (!connector) throw errors.notFoundPath();
    const context = this.context(options);
    const admission = this.admissionRequest(def, 'CONNECT', { namespace, name, object: connectOptions }, { ...options, subresource });
    this.admission.admit(admission, context);
    this.admission.validate(admission, context);
    return connector.locate({ namespace, name, options: connectOptions }, context);
  }

  /**
   * The common tail of every update: generation (counted in the version written, against `old` as
   * that version read it), managedFields, removal once nothing holds a deleted object.
   */
  private commitUpdate(written: ResourceDefinition, existing: StoredObject, given: KubeObject, oldWritten: KubeObject, options: WriteOptions, managedFields: ManagedFieldsEntry[] | undefined): ObjectResult {
    // managedFields are set from this write's ownership below; until then the stored ones stand in for
    // them, so metadata the write leaves as it was is found to be the stored version's own at once.
    given.metadata.managedFields ??= oldWritten.metadata.managedFields;
    const goWritten = this.asGoWrites(written, given, oldWritten);
    // Unchanged metadata is the stored version's own, which is never changed in place.
    if (goWritten.metadata === oldWritten.metadata) goWritten.metadata = { ...oldWritten.metadata };
    if (written.strategy.tracksGeneration && options.subresource !== 'status') {
      const changed = written.strategy.generationChanged?.(goWritten, oldWritten) ?? !jsonEqual(goWritten.spec, oldWritten.spec);
      if (changed) goWritten.metadata.generation = (oldWritten.metadata.generation ?? 0) + 1;
    }
    const { def, object } = this.storedForm(written, goWritten);
    const old = existing.object;
    object.metadata.managedFields = options.baseManagedFields ?? old.metadata.managedFields;
    object.metadata.resourceVersion = old.metadata.resourceVersion;
    const candidate = canonical(def, object);
    if (sameContent(candidate, old) && !ownershipChanges(options.managedFields ?? options.baseManagedFields, old)) return existing;
    setManagedFields(def, candidate, managedFields ?? []);

    const key = existing.key;
    const graceRunning = (old.metadata.deletionGracePeriodSeconds ?? 0) > 0;
    if (candidate.metadata.deletionTimestamp && !graceRunning && !this.holdsDeletion(def, candidate)) {
      if (options.dryRun) return result(candidate);
      return this.store.commit(resourceKey(def), key, null);
    }
    if (options.dryRun) return result(candidate);
    return this.store.commit(resourceKey(def), key, candidate);
  }

  private holdsDeletion(def: ResourceDefinition, object: KubeObject): boolean {
    return (object.metadata.finalizers?.length ?? 0) > 0 || (def.strategy.pendingDeletion?.(object) ?? false);
  }

  delete(view: ResourceDefinition, namespace: string, name: string, options: DeleteOptions = {}): DeleteResult {
    const { def } = this.asStored(view);
    if (!options.collection) {
      const refusal = def.strategy.refuseDelete?.(name);
      if (refusal) throw refusal;
    }
    const context = this.context(options);
    const admission = this.admissionRequest(def, 'DELETE', { namespace, name }, options);
    this.admission.admit(admission, context);
    const existing = this.get(def, namespace, name);
    readInRequestVersion(view, existing);
    const old = existing.object;
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== old.metadata.uid) {
      throw errors.preconditionFailed(
        def,
        name,
        `the UID in the precondition (${pre.uid}) does not match the UID in record (${old.metadata.uid}). The object might have been deleted and then recreated`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw errors.preconditionFailed(
        def,
        name,
        `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${old.metadata.resourceVersion}). The object might have been modified`,
      );
    }
    this.admission.validate({ ...admission, oldObject: old }, context);
    const strategy = def.strategy;
    const resource = resourceKey(def);
    const graceful = strategy.gracePeriod !== undefined;
    const deleting = old.metadata.deletionTimestamp !== undefined;
    const runningGrace = old.metadata.deletionGracePeriodSeconds ?? 0;
    const grace = strategy.gracePeriod?.(old, options.gracePeriodSeconds) ?? 0;
    // A graceful deletion under way only ever gets shorter; its finalizers stay as they are.
    if (graceful && deleting && runningGrace > 0 && (options.gracePeriodSeconds === undefined || grace >= runningGrace)) {
      return { result: existing, removed: false };
    }
    const finalizers = garbageCollectionFinalizers(def, old, options);
    const marked: KubeObject = JSON.parse(existing.json);
    if (finalizers) marked.metadata.finalizers = finalizers;
    if (!marked.metadata.finalizers?.length) delete marked.metadata.finalizers;
    const now = this.clock.now().getTime();
    const held = this.holdsDeletion(def, marked);
    if (graceful && (!deleting || runningGrace > 0)) {
      // As BeforeDelete does: a deletion starts (or is cut short) at now plus the grace period.
      const start = deleting ? Date.parse(old.metadata.deletionTimestamp!) - runningGrace * 1000 : now;
      marked.metadata.deletionTimestamp = timestamp(new Date(deleting ? Math.max(start + grace * 1000, now) : now + grace * 1000));
      marked.metadata.deletionGracePeriodSeconds = grace;
      if (marked.metadata.generation && !deleting) marked.metadata.generation += 1;
    } else if (held) {
      // markAsDeleting: finalizers hold an object that deletes at once.
      if (!deleting && marked.metadata.generation) marked.metadata.generation += 1;
      if (!deleting || Date.parse(old.metadata.deletionTimestamp!) > now) marked.metadata.deletionTimestamp = timestamp(new Date(now));
      marked.metadata.deletionGracePeriodSeconds = 0;
    }
    if (grace > 0 || held) {
      if (!deleting) strategy.markDeleting?.(marked);
      if (jsonEqual(marked, old)) return { result: existing, removed: false };
      if (options.dryRun) return { result: result(marked), removed: false };
      return { result: this.store.commit(resource, existing.key, marked), removed: false };
    }
    if (options.dryRun) return { result: existing, removed: true };
    // A graceful kind is updated to a zero grace period first, then removed, as kube-apiserver does.
    if (graceful && !jsonEqual(marked, old)) this.store.commit(resource, existing.key, marked);
    return { result: this.store.commit(resource, existing.key, null), removed: true };
  }

  /**
   * Commits an object serialized as given (`render` fills in its resourceVersion): a copy of one this
   * write path produced for another store (the fresh-cluster template), so defaulting, validation and
   * ownership are already done.
   */
  restore(resource: string, key: string, render: (resourceVersion: string) => string): void {
    this.store.commitJson(resource, key, render);
  }

  /** Items of a resource as stored now, optionally in one namespace. */
  listNow(def: ResourceDefinition, namespace: string): StoredObject[] {
    const all = this.store.list(resourceKey(def));
    if (!def.namespaced || !namespace) return [...all];
    const prefix = `${namespace}/`;
    return all.filter((s) => s.key.startsWith(prefix));
  }

  /** Items as they were at `revision`; 410 Expired once that revision has left the history. */
  listAt(def: ResourceDefinition, namespace: string, revision: number): StoredObject[] {
    let items: StoredObject[];
    try {
      items = this.store.listAt(resourceKey(def), revision);
    } catch (err) {
      if (err instanceof HistoryCompactedError) throw errors.expired('The resourceVersion for the provided list is too old.');
      throw err;
    }
    if (!def.namespaced || !namespace) return items;
    const prefix = `${namespace}/`;
    return items.filter((s) => s.key.startsWith(prefix));
  }
}

/** Validates dryRun values the way every *Options kind does. */
export function parseDryRun(values: string[], optionsKind: string): boolean {
  if (values.length === 0) return false;
  if (values.length === 1 && values[0] === 'All') return true;
  throw invalidOptions(optionsKind, [field.notSupported('dryRun', values, ['All'])]);
}

