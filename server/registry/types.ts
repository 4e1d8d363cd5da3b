// What a resource is (its definition) and how it behaves (its strategy). Handlers and the generic
// store read these; nothing outside a strategy names a kind.

import type { SchemaComponents } from '../../openapi/schema.js';
import type { FieldError, StatusError } from '../errors.js';
import type { FieldSelectorSupport } from '../selectors/fields.js';
import type { KubeObject } from '../store/types.js';
import type { NameCheck } from './validation.js';
import type { Credentials } from '../auth/credentials.js';

export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

export interface SubresourceDefinition {
  name: string;
  /**
   * The kind the subresource speaks, when it is not the parent's (scale → autoscaling/v1 Scale); an
   * empty group and version name a kind of the parent's group-version (pods/exec → PodExecOptions).
   */
  responseKind?: { group: string; version: string; kind: string };
  verbs: Verb[];
}

export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  /** 0 shows by default, 1 only with -o wide. */
  priority: number;
  cell(object: KubeObject, now: Date): string | number | boolean | null;
}

export interface StrategyContext {
  now: Date;
  /** Reads other stored objects (a pod's service account, a namespace's phase). */
  lookup(resource: string, namespace: string, name: string): KubeObject | undefined;
  /** Every stored object of a resource (for allocators such as service cluster IPs). */
  list(resource: string): KubeObject[];
  /**
   * Sends a Warning header to the client of this write (kube-apiserver's warning recorder): admission
   * and validation warn here. Writes with no client to tell (controllers) drop them.
   */
  warn(text: string): void;
  /** Who sent the write (a CertificateSigningRequest records its requester). */
  user?: UserInfo;
}

export interface Strategy {
  /** Name rule for metadata.name. */
  nameCheck: NameCheck;
  /**
   * Fields the strategy resets on a write of the main resource ('') or of a subresource, beyond the
   * status or spec a status write may not change: no manager owns them (GetResetFields).
   */
  resetFields?: Record<string, string[][]>;
  /** Whether metadata.generation is kept and bumped on spec change. */
  tracksGeneration: boolean;
  /** PUT of a missing object creates it (Leases, Endpoints, Events). */
  allowCreateOnUpdate: boolean;
  /** PUT without metadata.resourceVersion is allowed. */
  allowUnconditionalUpdate: boolean;
  /** DELETE answers with the deleted object rather than a Success Status. */
  returnDeletedObject: boolean;
  fieldSelectors: FieldSelectorSupport;
  /** Printer columns after Name; absent means Name and Created At. */
  table?: TableColumn[];
  /** Row conditions a Table carries for the object (a finished pod is Completed). */
  tableRowConditions?(object: KubeObject): Array<Record<string, string>> | undefined;
  /** Defaulting (SetDefaults_*) applied on every write of the main resource. */
  defaults?(object: KubeObject): void;
  /** Server-owned fields a create may not set (status reset, server-set metadata). */
  prepareForCreate?(object: KubeObject, context: StrategyContext): void;
  /** Keeps what an update of the main resource may not change (usually status). */
  prepareForUpdate?(object: KubeObject, old: KubeObject): void;
  /** Per writable subresource (status, finalize): keeps what a write there may not change. */
  subresourceUpdates?: Record<string, (object: KubeObject, old: KubeObject, context: StrategyContext) => void>;
  /** Checks every write; `old` is the object an update replaces. */
  validate?(object: KubeObject, old: KubeObject | undefined, context: StrategyContext): FieldError[];
  /** Warnings a create is answered with (WarningsOnCreate), after validation passed. */
  warningsOnCreate?(object: KubeObject): string[];
  /** Warnings an update of the main resource is answered with (WarningsOnUpdate). */
  warningsOnUpdate?(object: KubeObject, old: KubeObject): string[];
  /** Checks only a create makes (a CronJob's name length, rules an update relaxes). */
  validateCreate?(object: KubeObject): FieldError[];
  validateUpdate?(object: KubeObject, old: KubeObject): FieldError[];
  /** Per writable subresource (jobs/status): the checks a write there makes instead of validateUpdate. */
  subresourceValidation?: Record<string, (object: KubeObject, old: KubeObject) => FieldError[]>;
  /** Checks a /status write in place of validate (a custom resource's status schema). */
  validateStatus?(object: KubeObject, old: KubeObject, context: StrategyContext): FieldError[];
  /** The label selector /scale reports, in string form (default: spec.selector as a metav1.LabelSelector). */
  scaleSelector?(object: KubeObject): string | undefined;
  /** Where /scale reads and writes replicas, as dotted paths (default: spec.replicas and status.replicas). */
  scalePaths?: { specReplicas: string; statusReplicas: string };
  /** Drops the fields the kind's schema does not declare and returns their paths (custom resources). */
  prune?(object: KubeObject): string[];
  /** What decoding does to every written body, subresources included: pruning and schema defaults (custom resources). */
  decode?(object: KubeObject): void;
  /**
   * What reading does to a stored object, in place, before any conversion: the schema defaults a
   * custom resource's definition gained after the object was written. Says whether it changed anything.
   */
  readDefaults?(object: KubeObject): boolean;
  /**
   * The kind's metadata is checked by apimachinery's ObjectMeta rules only, not also by Kubernetes'
   * core ones (which refuse a finalizer name without a domain that is not a standard one).
   */
  genericObjectMeta?: boolean;
  /** Whether an update changes what metadata.generation counts (default: spec differs). */
  generationChanged?(object: KubeObject, old: KubeObject): boolean;
  /** What a delete without propagation options does with dependents (DefaultGarbageCollectionPolicy; default DeleteDependents). */
  garbageCollection?: 'DeleteDependents' | 'OrphanDependents' | 'Unsupported';
  /** A POST create is refused before its body is read (a custom resource whose definition is terminating); apply still creates. */
  refuseCreate?(context: StrategyContext): StatusError | undefined;
  /** A DELETE of this name is refused before anything else (the system PriorityClasses). */
  refuseDelete?(name: string): StatusError | undefined;
  /** Seconds a delete waits before removal; 0 or undefined deletes at once. Kinds with it delete gracefully. */
  gracePeriod?(object: KubeObject, requested: number | undefined): number;
  /** Whether something besides metadata.finalizers still holds a deleted object (a namespace's spec.finalizers). */
  pendingDeletion?(object: KubeObject): boolean;
  /** Changes made when a deletion starts but cannot finish yet (a namespace turns Terminating). */
  markDeleting?(object: KubeObject): void;
  /** GETs of a subresource that answer with something other than the object (pods/log). */
  subresourceReads?: Record<string, SubresourceRead>;
  /**
   * POSTs to a subresource (pods/binding) that turn the parent object into its next state; they check
   * the body themselves, and the parent is not validated again (only by `subresourceValidation`).
   * The parent's top-level objects are copies whose values are the stored version's: set or replace
   * those values, never change one in place.
   */
  subresourceCreates?: Record<string, (parent: KubeObject, body: KubeObject, context: StrategyContext) => KubeObject>;
  /**
   * POSTs to a subresource that act on the cluster through the write path and answer with a
   * Success Status (pods/eviction: check the disruption budget, mark the pod, delete it).
   */
  subresourceActions?: Record<string, (action: SubresourceAction) => void>;
  /** Resources that answer a create without storing anything (access and token reviews). */
  respond?(object: KubeObject, review: ReviewContext): KubeObject;
  /**
   * POSTs to a subresource that answer with an object of another kind and change nothing stored
   * (serviceaccounts/token): given the parent's namespace and name and the request body.
   */
  subresourceResponses?: Record<string, (namespace: string, name: string, body: KubeObject, context: ReviewContext) => KubeObject>;
  /** kube-apiserver keeps no objects of the kind but makes them on each read (component statuses); it has no storage version. */
  computedOnRead?: boolean;
  /** Subresources kube-apiserver serves by connecting through to what runs the object (exec, attach, port-forward, proxy). */
  connect?: Record<string, Connector>;
}

/** A CONNECT subresource: its options and where kube-apiserver connects for it. */
export interface Connector {
  /** The HTTP methods it takes (GET and POST for streams; every method for a proxy). */
  methods: string[];
  /** Takes a path after the subresource (.../proxy/some/path). */
  takesPath: boolean;
  /** The query parameters its options are read from, with their types (for the OpenAPI documents). */
  parameters: Array<[string, 'string' | 'boolean' | 'integer']>;
  /** The options object admission sees (PodExecOptions), read from the query and the path after the subresource. */
  options(query: URLSearchParams, path: string): KubeObject;
  /**
   * Where kube-apiserver connects for the object `name` (the URL's name: `pod`, or `scheme:pod:port`
   * for proxies); throws the StatusError it answers when there is nowhere to connect.
   */
  locate(request: ConnectRequest, context: StrategyContext): ConnectLocation;
}

export interface ConnectRequest {
  namespace: string;
  name: string;
  options: KubeObject;
}

/** A backend kube-apiserver dials. */
export interface ConnectLocation {
  /** The URL it requests, as Go writes it (https://10.0.0.5:10250/exec/ns/pod/container?command=ls&output=1). */
  url: string;
  /** The host:port it dials. */
  dialAddress: string;
  /** Streams take only upgrade requests (exec, attach, port-forward); proxies pass any request on. */
  upgradeRequired: boolean;
  /** The streams a websocket client of the v5 channel protocol gets, where kube-apiserver translates them (exec, attach). */
  streams?: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean };
}

/** What a subresource GET answers: a body of its own type, and for a stream the part still to come. */
export interface SubresourceReadResult {
  /** 204 No Content instead of a body (the log of a pod no node runs yet). */
  noContent?: boolean;
  contentType: string;
  body: string;
  /** Keeps the response open and writes more until `end` is called; returns how to stop early. */
  follow?(write: (chunk: string) => void, end: () => void): () => void;
}

export interface SubresourceReadRequest {
  /** The parent object as stored now. */
  parent: KubeObject;
  query: URLSearchParams;
  now: Date;
  /** What runs on the nodes (the kubelet API kube-apiserver proxies to), when a kubelet runs. */
  nodes?: NodeAPI;
  /** Reads other stored objects (the pod's node). */
  lookup: StrategyContext['lookup'];
  /** Calls `listener` on every change of the parent (undefined once it is deleted); returns how to stop. */
  watchParent(listener: (parent: KubeObject | undefined) => void): () => void;
}

export type SubresourceRead = (request: SubresourceReadRequest) => SubresourceReadResult;

/** A container's log lines with their times (RFC 3339 with nine fraction digits). */
export interface LogLine {
  time: string;
  text: string;
}

/** The part of the kubelet API kube-apiserver reaches through. */
export interface NodeAPI {
  /** A container's current (or previous) run's log, undefined when that run does not exist. */
  containerLogs(pod: KubeObject, container: string, previous: boolean): LogLine[] | undefined;
}

/** What a subresource action is given: the parent as stored now, the body, and writes through the generic store. */
export interface SubresourceAction {
  parent: KubeObject;
  body: KubeObject;
  context: StrategyContext;
  dryRun: boolean;
  /**
   * Writes a subresource (status) of an object, refusing a stale resourceVersion: as a client named
   * `fieldManager` would, or without one straight to storage, leaving managedFields as they were.
   */
  writeSubresource(resource: string, object: KubeObject, subresource: string, fieldManager?: string): KubeObject;
  /** Deletes an object as the request's user, with the given delete options. */
  delete(resource: string, namespace: string, name: string, options: ActionDeleteOptions): void;
}

export interface ActionDeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
}

export interface ReviewContext extends StrategyContext {
  /** Who asked. */
  user: UserInfo;
  /** Token authentication and service account token issuing. */
  credentials: Credentials;
  /** The managedFields of `object` as the requester's create of it in `apiVersion` (answers that echo the request). */
  ownership(object: KubeObject, apiVersion: string): unknown[];
}

export interface UserInfo {
  username: string;
  uid: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface ResourceDefinition {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  verbs: Verb[];
  subresources: SubresourceDefinition[];
  strategy: Strategy;
  /** A create here is a POST to another resource's subresource for the object the body names (bindings → pods/binding). */
  createVia?: { plural: string; subresource: string };
  /** Objects live in another resource and are converted on the way in and out (events.k8s.io/v1 events). */
  storedAs?: StorageVersion;
  /** The version objects are encoded in at rest, when not the served one (CRDs are kept as v1beta1); names storageVersionHash. */
  encodingVersion?: string;
  /** Every request to a deprecated version is answered with this Warning. */
  deprecationWarning?: string;
  /** Set for a version of a CustomResourceDefinition. */
  customResource?: CustomResourceVersion;
  /**
   * Objects are unstructured JSON, as kube-apiserver serves custom resources: keys sorted at every
   * level, list items keeping kind and apiVersion, list metadata with an empty continue.
   */
  unstructured?: boolean;
  /** The kind's schema; built-in kinds leave it out and get theirs by group/version/kind (see ResourceSchema). */
  schema?: ResourceSchema;
}

/**
 * A kind's schema: the OpenAPI documents publish it, and field validation, pruning, strategic merge
 * patch, server-side apply and Go's encoding of built-in objects read it (openapi/kubernetes.ts'
 * resourceSchema(def) finds it). Built-in kinds come from Kubernetes' generated schema; a custom
 * resource's definition brings its own, with components that fall back to the built-in ones for
 * ObjectMeta and the like: `new SchemaComponents(own, undefined, kubernetesComponents)`.
 */
export interface ResourceSchema {
  /** Component name of the kind's schema (io.k8s.api.apps.v1.Deployment, com.example.v1.Widget). */
  name: string;
  /** Component name of the list kind's schema, if there is one. */
  listName?: string;
  /** Where component names (the targets of `$ref`s) resolve, the kind's and the list's included. */
  components: SchemaComponents;
  /** Built-in kinds have Go types: they take strategic merge patches, values Go cannot decode are 400s, and objects are written back as Go writes them. */
  goTypes: boolean;
}

export interface CustomResourceVersion {
  /** The CRD's name and uid (a re-created CRD is another). */
  crdName: string;
  uid: string;
  /** The version's openAPIV3Schema. */
  schema?: Record<string, unknown>;
}

/** Where a resource served in another version keeps its objects, and how to convert them. */
export interface StorageVersion {
  group: string;
  version: string;
  kind: string;
  plural: string;
  /** Both may throw a StatusError: the conversion failed (kubemock calls no conversion webhooks). */
  toStorage(object: KubeObject): KubeObject;
  fromStorage(object: KubeObject): KubeObject;
  /**
   * Writes are made in the version they are sent to, by that version's strategy (decoding, defaults,
   * ownership, validation, generation), and converted to storage last (custom resources).
   */
  writtenInOwnVersion?: boolean;
}

export function groupVersion(def: { group: string; version: string }): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

/** Store keys by definition (or storage version): they do not change, and every write asks for them several times. */
const resourceKeys = new WeakMap<object, string>();

/** The key the store files a resource's objects under (its storage's, when it is stored as another). */
export function resourceKey(def: { group: string; plural: string; storedAs?: StorageVersion }): string {
  const stored = def.storedAs ?? def;
  let key = resourceKeys.get(stored);
  if (key === undefined) resourceKeys.set(stored, (key = stored.group ? `${stored.group}/${stored.plural}` : stored.plural));
  return key;
}
