// core/v1 resources and their strategies (pkg/registry/core/*/strategy.go).

import { errors, field, type FieldError } from '../../errors.js';
import type { KubeObject } from '../../store/types.js';
import type { Connector, ResourceDefinition, StrategyContext, SubresourceDefinition, Verb } from '../types.js';
import { isDNS1035Label, isDNS1123Label, isPathSegmentName } from '../validation.js';
import { requestToken, tokenSubresource } from './authentication.js';
import { define, fieldPath, keepAllButStatus, keepStatus, ownFieldSelectors, scaleSubresource, statusSubresource } from './common.js';
import { mergeAffinityLabelKeys } from './pod-label-keys.js';
import { defaultPodOnly, defaultPodSpec, podSpecWarnings, qosClass, validatePodSpec } from './pod-spec.js';
import { readPodLog } from './pod-log.js';
import { claimWarnings, prepareClaimSpec, validateClaimSpec, validateClaimUpdate } from './persistent-volume-claims.js';
import { validatePersistentVolume, validatePersistentVolumeUpdate } from './persistent-volumes.js';
import { ephemeralContainersSubresource, keepAllButEphemeralContainers, validateEphemeralContainersUpdate, validateNoEphemeralContainers } from './pod-ephemeral.js';
import { evictPod, evictionSubresource } from './policy.js';
import { nodeProxy, podAttach, podExec, podPortForward, podProxy, serviceProxy } from './connect.js';
import { timestamp } from '../../clock.js';
import { formatLabelSelector } from '../../selectors/labels.js';
import { validateWorkloadReplicas } from './workloads.js';
import { defaultCoreEvent, eventFieldSelectors } from './event-versions.js';
import { isJsonObject, jsonEqual } from '../../json.js';
import { configMapColumns, endpointsColumns, eventColumns, namespaceColumns, nodeColumns, persistentVolumeClaimColumns, persistentVolumeColumns, podColumns, podRowConditions, podTemplateColumns, replicationControllerColumns, resourceQuotaColumns, secretColumns, serviceAccountColumns, serviceColumns, componentStatusColumns } from './printers.js';

type Json = Record<string, any>;

const core = { group: '', version: 'v1' };

const methodVerbs: Record<string, Verb> = { GET: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

/** A CONNECT subresource: discovery names its options kind and the verbs of its HTTP methods. */
function connectSubresource(name: string, optionsKind: string, connector: Connector): SubresourceDefinition {
  const verbs = connector.methods.flatMap((m) => (methodVerbs[m] ? [methodVerbs[m]] : [])).sort();
  return { name, responseKind: { group: '', version: '', kind: optionsKind }, verbs };
}

// ---------- namespaces ----------

const namespaceNameLabel = 'kubernetes.io/metadata.name';

export const namespaces = define({
  ...core,
  kind: 'Namespace',
  plural: 'namespaces',
  namespaced: false,
  shortNames: ['ns'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [{ name: 'finalize', verbs: ['update'] }, statusSubresource],
  strategy: {
    table: namespaceColumns,
    nameCheck: isDNS1123Label,
    fieldSelectors: ownFieldSelectors({ 'status.phase': fieldPath('status.phase') }, false),
    returnDeletedObject: true,
    defaults(ns) {
      ns.metadata.labels = { ...ns.metadata.labels, [namespaceNameLabel]: ns.metadata.name ?? '' };
    },
    prepareForCreate(ns) {
      ns.spec = { finalizers: ['kubernetes'] };
      ns.status = { phase: 'Active' };
    },
    prepareForUpdate(ns, old) {
      ns.spec = old.spec;
      keepStatus(ns, old);
    },
    subresourceUpdates: {
      status(ns, old) {
        ns.spec = old.spec;
      },
      finalize(ns, old) {
        const finalizers = (ns.spec as Json | undefined)?.finalizers;
        ns.spec = { ...(old.spec as Json), finalizers: finalizers ?? [] };
        if (!finalizers?.length) delete (ns.spec as Json).finalizers;
        keepStatus(ns, old);
      },
    },
    pendingDeletion: (ns) => ((ns.spec as Json | undefined)?.finalizers?.length ?? 0) > 0,
    markDeleting(ns) {
      ns.status = { ...(ns.status as Json), phase: 'Terminating' };
    },
  },
});

// ---------- pods ----------

const podUpdatableSpec = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

/** The pod spec with the fields an update may change blanked out, for comparison. */
function frozenPodSpec(spec: Json | undefined): Json {
  const copy = structuredClone(spec ?? {});
  for (const list of [copy.containers, copy.initContainers]) for (const c of list ?? []) delete c.image;
  delete copy.activeDeadlineSeconds;
  delete copy.tolerations;
  delete copy.terminationGracePeriodSeconds;
  return copy;
}

/** pods/binding: assigns an unscheduled pod to the node the Binding targets (what a scheduler does). */
function bindPod(pod: KubeObject, binding: KubeObject, context: StrategyContext): KubeObject {
  const name = pod.metadata.name ?? '';
  const target = (binding.target ?? {}) as Json;
  const spec = pod.spec as Json;
  const gr = { group: '', resource: 'pods/binding' };
  if (pod.metadata.deletionTimestamp) throw errors.conflict(gr, name, `pod ${name} is being deleted, cannot be assigned to a host`);
  if (spec.nodeName) throw errors.conflict(gr, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
  if (!target.name) throw errors.invalid({ group: '', kind: 'Binding' }, name, [field.required('target.name')]);
  if (target.kind && target.kind !== 'Node') throw errors.invalid({ group: '', kind: 'Binding' }, name, [field.notSupported('target.kind', target.kind, ['Node'])]);
  spec.nodeName = target.name;
  const status = (pod.status ??= {}) as Json;
  const conditions: Json[] = (status.conditions ?? []).filter((c: Json) => c.type !== 'PodScheduled');
  conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp(context.now) });
  status.conditions = conditions;
  return pod;
}

export const pods = define({
  ...core,
  kind: 'Pod',
  plural: 'pods',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  subresources: [
    connectSubresource('attach', 'PodAttachOptions', podAttach),
    { name: 'binding', responseKind: { group: '', version: '', kind: 'Binding' }, verbs: ['create'] },
    ephemeralContainersSubresource,
    evictionSubresource,
    connectSubresource('exec', 'PodExecOptions', podExec),
    { name: 'log', verbs: ['get'] },
    connectSubresource('portforward', 'PodPortForwardOptions', podPortForward),
    connectSubresource('proxy', 'PodProxyOptions', podProxy),
    statusSubresource,
  ],
  strategy: {
    connect: { attach: podAttach, exec: podExec, portforward: podPortForward, proxy: podProxy },
    table: podColumns,
    tableRowConditions: podRowConditions,
    returnDeletedObject: true,
    fieldSelectors: ownFieldSelectors({
      'spec.nodeName': fieldPath('spec.nodeName'),
      'spec.restartPolicy': fieldPath('spec.restartPolicy'),
      'spec.schedulerName': fieldPath('spec.schedulerName'),
      'spec.serviceAccountName': fieldPath('spec.serviceAccountName'),
      'spec.hostNetwork': (o) => String(Boolean(o.spec?.hostNetwork)),
      'status.phase': fieldPath('status.phase'),
      'status.podIP': fieldPath('status.podIP'),
      'status.nominatedNodeName': fieldPath('status.nominatedNodeName'),
    }),
    defaults(pod) {
      defaultPodSpec(pod.spec as Json);
      defaultPodOnly(pod.spec as Json);
    },
    prepareForCreate(pod, context) {
      const status: Json = { phase: 'Pending', qosClass: qosClass((pod.spec as Json) ?? {}) };
      // applySchedulingGatedCondition: a gated pod says why it is not scheduled from the start.
      if (((pod.spec as Json | undefined)?.schedulingGates ?? []).length > 0) {
        status.conditions = [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: timestamp(context.now), reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates' }];
      }
      pod.status = status;
      mergeAffinityLabelKeys(pod);
    },
    subresourceCreates: { binding: bindPod },
    subresourceActions: { eviction: evictPod },
    subresourceReads: { log: readPodLog },
    subresourceUpdates: { ephemeralcontainers: keepAllButEphemeralContainers },
    subresourceValidation: { ephemeralcontainers: validateEphemeralContainersUpdate },
    validate: (pod) => validatePodSpec(pod.spec as Json, 'spec'),
    // A status write keeps the stored spec, which is not validated again: the pod status strategy checks the status alone.
    validateStatus: () => [],
    validateCreate: validateNoEphemeralContainers,
    warningsOnCreate: (pod) => podSpecWarnings(pod.spec as Json, 'spec'),
    warningsOnUpdate: (pod) => podSpecWarnings(pod.spec as Json, 'spec'),
    validateUpdate(pod, old) {
      if (jsonEqual(frozenPodSpec(pod.spec as Json), frozenPodSpec(old.spec as Json))) return [];
      return [field.forbidden('spec', `pod updates may not change fields other than ${podUpdatableSpec.join(',')}`)];
    },
    gracePeriod(pod, requested) {
      const spec = (pod.spec ?? {}) as Json;
      const phase = (pod.status as Json | undefined)?.phase;
      if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
      return requested ?? spec.terminationGracePeriodSeconds ?? 30;
    },
  },
});

// ---------- services ----------

const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const serviceNetwork = { base: (10 << 24) | (96 << 16), size: 1 << 20 };

function ipToString(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}

function allocateClusterIP(context: StrategyContext, requested: string | undefined, name: string): string {
  const used = new Set(context.list('services').map((s) => (s.spec as Json)?.clusterIP));
  if (requested) {
    if (used.has(requested)) {
      throw errors.invalid({ group: '', kind: 'Service' }, name, [
        field.invalid('spec.clusterIPs', [requested], `failed to allocate IP ${requested}: provided IP is already allocated`),
      ]);
    }
    return requested;
  }
  for (let offset = 1; offset < serviceNetwork.size - 1; offset++) {
    const ip = ipToString(serviceNetwork.base + offset);
    if (!used.has(ip)) return ip;
  }
  throw errors.internal('failed to allocate a serviceIP: range is full');
}

function allocateNodePorts(service: Json, context: StrategyContext): void {
  const used = new Set<number>();
  for (const s of context.list('services')) for (const p of (s.spec as Json)?.ports ?? []) if (p.nodePort) used.add(p.nodePort);
  let next = 30000;
  for (const port of service.spec.ports ?? []) {
    if (port.nodePort) continue;
    while (used.has(next)) next++;
    port.nodePort = next;
    used.add(next);
  }
}

function validateService(service: KubeObject): FieldError[] {
  const spec = (service.spec ?? {}) as Json;
  const out: FieldError[] = [];
  if (spec.type && !serviceTypes.includes(spec.type)) out.push(field.notSupported('spec.type', spec.type, serviceTypes));
  const headless = spec.clusterIP === 'None';
  if (spec.type === 'ExternalName') {
    if (!spec.externalName) out.push(field.required('spec.externalName'));
  } else if (!headless && !(spec.ports?.length > 0)) {
    out.push(field.required('spec.ports'));
  }
  const names = new Set<string>();
  (Array.isArray(spec.ports) ? spec.ports : []).forEach((p: Json, i: number) => {
    const at = `spec.ports[${i}]`;
    if ((spec.ports.length > 1 || p.name) && !p.name) out.push(field.required(`${at}.name`));
    if (p.name) {
      if (names.has(p.name)) out.push(field.duplicate(`${at}.name`, p.name));
      names.add(p.name);
    }
    if (typeof p.port !== 'number' || p.port < 1 || p.port > 65535) {
      out.push(field.invalid(`${at}.port`, p.port ?? 0, 'must be between 1 and 65535, inclusive'));
    }
    if (p.protocol && !['TCP', 'UDP', 'SCTP'].includes(p.protocol)) out.push(field.notSupported(`${at}.protocol`, p.protocol, ['SCTP', 'TCP', 'UDP']));
  });
  return out;
}

export const services = define({
  ...core,
  kind: 'Service',
  plural: 'services',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  subresources: [connectSubresource('proxy', 'ServiceProxyOptions', serviceProxy), statusSubresource],
  strategy: {
    connect: { proxy: serviceProxy },
    table: serviceColumns,
    nameCheck: isDNS1035Label,
    returnDeletedObject: true,
    fieldSelectors: ownFieldSelectors({ 'spec.clusterIP': fieldPath('spec.clusterIP'), 'spec.type': fieldPath('spec.type') }),
    defaults(service) {
      const spec = (service.spec ??= {}) as Json;
      spec.type ||= 'ClusterIP';
      spec.sessionAffinity ||= 'None';
      if (spec.sessionAffinity === 'ClientIP') spec.sessionAffinityConfig ??= { clientIP: { timeoutSeconds: 10800 } };
      else delete spec.sessionAffinityConfig;
      for (const port of Array.isArray(spec.ports) ? spec.ports : []) {
        port.protocol ||= 'TCP';
        if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
      }
      if (['ClusterIP', 'NodePort', 'LoadBalancer'].includes(spec.type)) spec.internalTrafficPolicy ||= 'Cluster';
      if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ||= 'Cluster';
      if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
    },
    prepareForCreate(service, context) {
      service.status = { loadBalancer: {} };
      const spec = service.spec as Json;
      if (spec.type === 'ExternalName') return;
      if (spec.clusterIP !== 'None') spec.clusterIP = allocateClusterIP(context, spec.clusterIP || spec.clusterIPs?.[0], service.metadata.name ?? '');
      spec.clusterIPs = [spec.clusterIP];
      spec.ipFamilies ??= ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
      if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') allocateNodePorts(service, context);
    },
    prepareForUpdate(service, old) {
      keepStatus(service, old);
      const spec = (service.spec ??= {}) as Json;
      const oldSpec = old.spec as Json;
      for (const key of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy']) {
        if (spec[key] === undefined || spec[key] === '') spec[key] = oldSpec[key];
      }
    },
    validate: validateService,
    validateUpdate(service, old) {
      const spec = service.spec as Json;
      const oldSpec = old.spec as Json;
      if (oldSpec.clusterIP && spec.clusterIP !== oldSpec.clusterIP && spec.type !== 'ExternalName') {
        return [field.invalid('spec.clusterIPs[0]', spec.clusterIP, 'may not change once set')];
      }
      return [];
    },
  },
});

// ---------- config and secrets ----------

const configKey = /^[-._a-zA-Z0-9]+$/;

function validateConfigKeys(data: unknown, path: string): FieldError[] {
  const out: FieldError[] = [];
  if (!data || typeof data !== 'object') return out;
  for (const key of Object.keys(data)) {
    // Each key's errors name the key: data[a/b], as field.NewPath("data").Key(key) prints.
    const at = `${path}[${key}]`;
    if (key.length > 253) out.push(field.invalid(at, key, 'must be no more than 253 characters'));
    if (!configKey.test(key)) {
      out.push(
        field.invalid(
          at,
          key,
          "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        ),
      );
    }
  }
  return out;
}

const maxConfigSize = 1024 * 1024;

function configSize(object: KubeObject, fields: string[]): number {
  let size = 0;
  for (const f of fields) for (const [k, v] of Object.entries((object[f] as Json) ?? {})) size += k.length + String(v).length;
  return size;
}

function immutableData(object: KubeObject, old: KubeObject, fields: string[]): FieldError[] {
  if (old.immutable !== true) return [];
  const out: FieldError[] = [];
  if (object.immutable !== true) out.push(field.forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of fields) {
    if (!jsonEqual(object[f] ?? {}, old[f] ?? {})) out.push(field.forbidden(f, 'field is immutable when `immutable` is set'));
  }
  return out;
}

export const configmaps = define({
  ...core,
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
  shortNames: ['cm'],
  strategy: {
    table: configMapColumns,
    validate(cm) {
      const out = [...validateConfigKeys(cm.data, 'data'), ...validateConfigKeys(cm.binaryData, 'binaryData')];
      for (const key of Object.keys((cm.binaryData as Json) ?? {})) {
        if (Object.prototype.hasOwnProperty.call(cm.data ?? {}, key)) out.push(field.invalid(`data[${key}]`, key, 'duplicate of key present in binaryData'));
      }
      if (configSize(cm, ['data', 'binaryData']) > maxConfigSize) out.push(field.tooLong('', maxConfigSize));
      return out;
    },
    validateUpdate: (cm, old) => immutableData(cm, old, ['data', 'binaryData']),
  },
});

const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function invalidBase64At(value: string): number {
  if (base64.test(value)) return -1;
  const clean = value.search(/[^A-Za-z0-9+/=]/);
  if (clean >= 0) return clean;
  const firstPad = value.indexOf('=');
  return firstPad >= 0 ? firstPad : value.length - (value.length % 4);
}

export const secrets = define({
  ...core,
  kind: 'Secret',
  plural: 'secrets',
  namespaced: true,
  strategy: {
    table: secretColumns,
    fieldSelectors: ownFieldSelectors({ type: fieldPath('type') }),
    defaults(secret) {
      secret.type ||= 'Opaque';
      const data = secret.data as Json | undefined;
      for (const value of Object.values(data ?? {})) {
        if (typeof value !== 'string') continue;
        const at = invalidBase64At(value);
        if (at >= 0) throw errors.badRequest(`Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte ${at}`);
      }
      const stringData = secret.stringData as Json | undefined;
      if (stringData && typeof stringData === 'object') {
        const folded: Json = { ...data };
        for (const [key, value] of Object.entries(stringData)) folded[key] = Buffer.from(String(value)).toString('base64');
        secret.data = folded;
      }
      delete secret.stringData;
    },
    validate(secret) {
      const out = validateConfigKeys(secret.data, 'data');
      if (configSize(secret, ['data']) > maxConfigSize) out.push(field.tooLong('data', maxConfigSize));
      return out;
    },
    validateUpdate(secret, old) {
      const out = immutableData(secret, old, ['data']);
      if (secret.type !== old.type) out.push(field.invalid('type', secret.type, 'field is immutable'));
      return out;
    },
  },
});

export const serviceaccounts = define({
  ...core,
  kind: 'ServiceAccount',
  plural: 'serviceaccounts',
  namespaced: true,
  shortNames: ['sa'],
  subresources: [tokenSubresource],
  strategy: { returnDeletedObject: true, table: serviceAccountColumns, subresourceResponses: { token: requestToken } },
});

// ---------- nodes and storage ----------

export const nodes = define({
  ...core,
  kind: 'Node',
  plural: 'nodes',
  namespaced: false,
  shortNames: ['no'],
  subresources: [connectSubresource('proxy', 'NodeProxyOptions', nodeProxy), statusSubresource],
  strategy: {
    connect: { proxy: nodeProxy },
    table: nodeColumns,
    fieldSelectors: ownFieldSelectors({ 'spec.unschedulable': (o) => String(Boolean(o.spec?.unschedulable)) }, false),
    defaults(node) {
      const status = node.status as Json | undefined;
      if (status?.capacity && !status.allocatable) status.allocatable = status.capacity;
    },
  },
});

export const persistentvolumes = define({
  ...core,
  kind: 'PersistentVolume',
  plural: 'persistentvolumes',
  namespaced: false,
  shortNames: ['pv'],
  subresources: [statusSubresource],
  strategy: {
    table: persistentVolumeColumns,
    nameCheck: isPathSegmentName,
    returnDeletedObject: true,
    defaults(pv) {
      const spec = (pv.spec ??= {}) as Json;
      spec.persistentVolumeReclaimPolicy ||= 'Retain';
      spec.volumeMode ||= 'Filesystem';
      if (isJsonObject(spec.hostPath)) spec.hostPath.type ??= '';
    },
    prepareForCreate(pv, context) {
      pv.status = { phase: 'Pending', lastPhaseTransitionTime: timestamp(context.now) };
    },
    validate: (pv) => validatePersistentVolume(pv),
    validateUpdate: validatePersistentVolumeUpdate,
    subresourceUpdates: {
      status(pv, old, context) {
        keepAllButStatus(pv, old);
        // The transition time moves with the phase unless the writer moved it itself.
        const status = (pv.status ??= {}) as Json;
        const before = (old.status ?? {}) as Json;
        const stamped = status.lastPhaseTransitionTime;
        if (before.phase === status.phase && (stamped === undefined || stamped === null)) status.lastPhaseTransitionTime = before.lastPhaseTransitionTime;
        else if (before.phase !== status.phase && (stamped === undefined || stamped === null || stamped === before.lastPhaseTransitionTime)) status.lastPhaseTransitionTime = timestamp(context.now);
      },
    },
  },
});

export const persistentvolumeclaims = define({
  ...core,
  kind: 'PersistentVolumeClaim',
  plural: 'persistentvolumeclaims',
  namespaced: true,
  shortNames: ['pvc'],
  subresources: [statusSubresource],
  strategy: {
    table: persistentVolumeClaimColumns,
    nameCheck: isPathSegmentName,
    returnDeletedObject: true,
    defaults(pvc) {
      const spec = (pvc.spec ??= {}) as Json;
      spec.volumeMode ||= 'Filesystem';
    },
    prepareForCreate(pvc) {
      pvc.status = { phase: 'Pending' };
      prepareClaimSpec((pvc.spec ??= {}) as Json);
    },
    prepareForUpdate(pvc, old) {
      keepStatus(pvc, old);
      prepareClaimSpec((pvc.spec ??= {}) as Json, (old.spec ?? {}) as Json);
    },
    validate: (pvc) => validateClaimSpec((pvc.spec ?? {}) as Json, 'spec'),
    validateUpdate: validateClaimUpdate,
    warningsOnCreate: claimWarnings,
    warningsOnUpdate: claimWarnings,
  },
});

// ---------- the rest of core ----------

export const endpoints = define({
  ...core,
  kind: 'Endpoints',
  plural: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],
  strategy: {
    table: endpointsColumns,
    allowCreateOnUpdate: true,
    defaults(ep) {
      for (const subset of (ep.subsets as Json[] | undefined) ?? []) for (const port of subset.ports ?? []) port.protocol ||= 'TCP';
    },
  },
});

export const events = define({
  ...core,
  kind: 'Event',
  plural: 'events',
  namespaced: true,
  shortNames: ['ev'],
  strategy: {
    genericObjectMeta: true,
    table: eventColumns,
    allowCreateOnUpdate: true,
    garbageCollection: 'Unsupported',
    fieldSelectors: ownFieldSelectors(eventFieldSelectors('v1')),
    defaults: defaultCoreEvent,
    validate(event) {
      const out: FieldError[] = [];
      const involved = (event.involvedObject ?? {}) as Json;
      if (involved.namespace && involved.namespace !== event.metadata.namespace) {
        out.push(field.invalid('involvedObject.namespace', involved.namespace, 'does not match event.namespace'));
      }
      return out;
    },
  },
});

export const replicationcontrollers = define({
  ...core,
  kind: 'ReplicationController',
  plural: 'replicationcontrollers',
  namespaced: true,
  shortNames: ['rc'],
  categories: ['all'],
  subresources: [scaleSubresource, statusSubresource],
  strategy: {
    table: replicationControllerColumns,
    tracksGeneration: true,
    // v1 ReplicationControllers orphan their pods unless told otherwise, for backwards compatibility.
    garbageCollection: 'OrphanDependents',
    fieldSelectors: ownFieldSelectors({ 'status.replicas': (o) => String(o.status?.replicas ?? 0) }),
    // A ReplicationController selects with a plain label map.
    scaleSelector: (rc) => formatLabelSelector({ matchLabels: (rc.spec as Json | undefined)?.selector }),
    defaults(rc) {
      const spec = (rc.spec ??= {}) as Json;
      const labels = spec.template?.metadata?.labels;
      if (labels && !spec.selector) spec.selector = { ...labels };
      if (labels && !rc.metadata.labels) rc.metadata.labels = { ...labels };
      spec.replicas ??= 1;
      defaultPodSpec(spec.template?.spec);
    },
    prepareForCreate(rc) {
      rc.status = { replicas: 0 };
    },
    warningsOnCreate: (rc) => podSpecWarnings((rc.spec as Json | undefined)?.template?.spec, 'spec.template.spec'),
    warningsOnUpdate: (rc) => podSpecWarnings((rc.spec as Json | undefined)?.template?.spec, 'spec.template.spec'),
    validate(rc) {
      const spec = (rc.spec ?? {}) as Json;
      const out = validateWorkloadReplicas(spec);
      if (!spec.selector || !Object.keys(spec.selector).length) out.push(field.required('spec.selector'));
      // A ReplicationController's template is a pointer, which must be set.
      if (spec.template) out.push(...validatePodSpec(spec.template.spec, 'spec.template.spec'));
      else out.push(field.required('spec.template'));
      return out;
    },
  },
});

export const resourcequotas = define({
  ...core,
  kind: 'ResourceQuota',
  plural: 'resourcequotas',
  namespaced: true,
  shortNames: ['quota'],
  subresources: [statusSubresource],
  strategy: { table: resourceQuotaColumns },
});

export const limitranges = define({
  ...core,
  kind: 'LimitRange',
  plural: 'limitranges',
  namespaced: true,
  shortNames: ['limits'],
  strategy: {
    // SetDefaults_LimitRangeItem: a container's default limit falls back to the max, its default request to the default limit, then to the min.
    defaults(lr) {
      for (const item of ((lr.spec as Json | undefined)?.limits as Json[] | undefined) ?? []) {
        if (item?.type !== 'Container') continue;
        item.default ??= {};
        item.defaultRequest ??= {};
        for (const [key, value] of Object.entries((item.max as Json | undefined) ?? {})) item.default[key] ??= value;
        for (const [key, value] of Object.entries(item.default as Json)) item.defaultRequest[key] ??= value;
        for (const [key, value] of Object.entries((item.min as Json | undefined) ?? {})) item.defaultRequest[key] ??= value;
      }
    },
  },
});

export const podtemplates = define({
  ...core,
  kind: 'PodTemplate',
  plural: 'podtemplates',
  namespaced: true,
  strategy: {
    table: podTemplateColumns,
    defaults(pt) {
      defaultPodSpec((pt.template as Json | undefined)?.spec);
    },
    validate: (pt) => validatePodSpec((pt.template as Json | undefined)?.spec, 'template.spec'),
    warningsOnCreate: (pt) => podSpecWarnings((pt.template as Json | undefined)?.spec, 'template.spec'),
    warningsOnUpdate: (pt) => podSpecWarnings((pt.template as Json | undefined)?.spec, 'template.spec'),
  },
});

export const bindings = define({ ...core, kind: 'Binding', plural: 'bindings', namespaced: true, verbs: ['create'], createVia: { plural: 'pods', subresource: 'binding' } });

/** Read-only health of the control plane; kubemock's components are always healthy. */
export const componentstatuses = define({
  ...core,
  kind: 'ComponentStatus',
  plural: 'componentstatuses',
  namespaced: false,
  shortNames: ['cs'],
  verbs: ['get', 'list'],
  strategy: { table: componentStatusColumns, computedOnRead: true },
});

export const coreResources: ResourceDefinition[] = [
  bindings,
  componentstatuses,
  configmaps,
  endpoints,
  events,
  limitranges,
  namespaces,
  nodes,
  persistentvolumeclaims,
  persistentvolumes,
  pods,
  podtemplates,
  replicationcontrollers,
  resourcequotas,
  secrets,
  serviceaccounts,
  services,
];

