// Quota evaluators (pkg/quota/v1/evaluator/core and apiserver's generic object count evaluator):
// what an object uses of each resource a ResourceQuota can limit. Pods count their compute
// requests and limits while not terminal (nor past their deletion grace period), and are the only
// objects quota scopes select; Services count node ports and load balancers, claims their storage
// by class; every other namespaced resource counts as `count/<resource>.<group>`. The resource
// quota controller sums these over a namespace; the ResourceQuota admission plugin adds one write's.

import { podTotal } from '../pod-totals.js';
import { Quantity } from '../quantity.js';
import type { ResourceDefinition } from '../registry/types.js';
import type { KubeObject } from '../store/types.js';

type Json = Record<string, any>;

/** Quantities by resource name, added as quota.Add adds them (a zero sum takes the addend's format). */
export type ResourceList = Map<string, Quantity>;

export const zero = () => Quantity.zero('DecimalSI');
const count = (n: number) => Quantity.parse(String(n));

function addInto(into: ResourceList, from: ResourceList): void {
  for (const [name, value] of from) into.set(name, (into.get(name) ?? zero()).add(value));
}

function maxInto(into: ResourceList, from: ResourceList): void {
  for (const [name, value] of from) if (!into.has(name) || value.cmp(into.get(name)!) > 0) into.set(name, value);
}

export function listOf(resources: Json | undefined): ResourceList {
  const out: ResourceList = new Map();
  for (const [name, value] of Object.entries(resources ?? {})) {
    const quantity = Quantity.tryParse(value);
    if (quantity) out.set(name, quantity);
  }
  return out;
}

/** resourcehelper.PodRequests or PodLimits: the pod's total, then the overhead. */
function podResources(spec: Json, kind: 'requests' | 'limits'): ResourceList {
  const total = podTotal(spec, { of: (c) => listOf(c?.resources?.[kind]), add: addInto, max: maxInto });
  const overhead = listOf(spec.overhead);
  if (kind === 'requests') addInto(total, overhead);
  else for (const [name, value] of overhead) if (total.has(name)) total.set(name, total.get(name)!.add(value));
  return total;
}

const podResourceNames = ['count/pods', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods'];
/** helper.IsNativeResource: unprefixed, or in the kubernetes.io domain. */
const isNative = (name: string) => !name.includes('/') || name.includes('kubernetes.io/');

/** The pod evaluator's MatchingResources: its names, huge pages and extended resources asked for by requests. */
function podMatches(name: string): boolean {
  if (podResourceNames.includes(name) || name.startsWith('hugepages-') || name.startsWith('requests.hugepages-')) return true;
  return name.startsWith('requests.') && !isNative(name);
}

/** The QoS class is BestEffort when no container requests or limits cpu or memory (qos.GetPodQOS). */
function bestEffort(spec: Json): boolean {
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    for (const kind of ['requests', 'limits']) for (const name of Object.keys(c?.resources?.[kind] ?? {})) if (name === 'cpu' || name === 'memory') return false;
  }
  return true;
}

function crossNamespaceTerms(terms: Json[] | undefined): boolean {
  return (terms ?? []).some((t) => (t.podAffinityTerm ?? t).namespaceSelector !== undefined || ((t.podAffinityTerm ?? t).namespaces ?? []).length > 0);
}

/** podMatchesScopeFunc. */
function podInScope(pod: KubeObject, scope: Json): boolean {
  const spec = (pod.spec ?? {}) as Json;
  const terminating = typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds >= 0;
  switch (scope.scopeName) {
    case 'Terminating':
      return terminating;
    case 'NotTerminating':
      return !terminating;
    case 'BestEffort':
      return bestEffort(spec);
    case 'NotBestEffort':
      return !bestEffort(spec);
    case 'PriorityClass': {
      const priorityClass: string = spec.priorityClassName ?? '';
      const values: string[] = scope.values ?? [];
      switch (scope.operator) {
        case 'Exists':
          return priorityClass !== '';
        case 'DoesNotExist':
          return priorityClass === '';
        case 'In':
          return priorityClass !== '' && values.includes(priorityClass);
        case 'NotIn':
          return priorityClass === '' || !values.includes(priorityClass);
      }
      return false;
    }
    case 'CrossNamespacePodAffinity': {
      const affinity = spec.affinity ?? {};
      return [affinity.podAffinity, affinity.podAntiAffinity].some(
        (a) => a && (crossNamespaceTerms(a.requiredDuringSchedulingIgnoredDuringExecution) || crossNamespaceTerms(a.preferredDuringSchedulingIgnoredDuringExecution)),
      );
    }
  }
  return false;
}

const storageClassSuffix = '.storageclass.storage.k8s.io/';
const legacyCounts: Record<string, string> = { configmaps: 'configmaps', secrets: 'secrets', replicationcontrollers: 'replicationcontrollers', resourcequotas: 'resourcequotas' };
/** Resources the controller does not count (DefaultIgnoredResources). */
export const ignored = new Set(['events', 'events.k8s.io/events']);

export type QuotaOperation = 'CREATE' | 'UPDATE';

export interface Evaluator {
  resource: string;
  matches(name: string): boolean;
  /** Whether scopes can select objects of this resource (only pods'). */
  scoped: boolean;
  usage(object: KubeObject, now: number): ResourceList;
  /** Whether a write of this kind can change what the object uses (Evaluator.Handles). */
  handles(operation: QuotaOperation, subresource: string): boolean;
  /** Why the object cannot be admitted under a quota limiting `names` (Evaluator.Constraints). */
  constraints?(names: string[], object: KubeObject): string | undefined;
}

function podUsage(pod: KubeObject, now: number): ResourceList {
  const out: ResourceList = new Map([['count/pods', count(1)]]);
  const phase = (pod.status as Json | undefined)?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return out;
  const { deletionTimestamp, deletionGracePeriodSeconds } = pod.metadata;
  if (deletionTimestamp && typeof deletionGracePeriodSeconds === 'number' && now > Date.parse(deletionTimestamp) + deletionGracePeriodSeconds * 1000) return out;
  const spec = (pod.spec ?? {}) as Json;
  const requests = podResources(spec, 'requests');
  const limits = podResources(spec, 'limits');
  out.set('pods', count(1));
  for (const name of ['cpu', 'memory', 'ephemeral-storage']) {
    if (requests.has(name)) {
      out.set(name, requests.get(name)!);
      out.set(`requests.${name}`, requests.get(name)!);
    }
    if (limits.has(name)) out.set(`limits.${name}`, limits.get(name)!);
  }
  for (const [name, value] of requests) {
    if (name.startsWith('hugepages-')) {
      out.set(name, value);
      out.set(`requests.${name}`, value);
    } else if (!isNative(`requests.${name}`)) {
      out.set(`requests.${name}`, value);
    }
  }
  return out;
}

function serviceUsage(service: KubeObject): ResourceList {
  const spec = (service.spec ?? {}) as Json;
  const ports: Json[] = spec.ports ?? [];
  const out: ResourceList = new Map([
    ['count/services', count(1)],
    ['services', count(1)],
    ['services.loadbalancers', zero()],
    ['services.nodeports', zero()],
  ]);
  if (spec.type === 'NodePort') out.set('services.nodeports', count(ports.length));
  if (spec.type === 'LoadBalancer') {
    out.set('services.nodeports', count(spec.allocateLoadBalancerNodePorts === false ? ports.filter((p) => p.nodePort).length : ports.length));
    out.set('services.loadbalancers', count(1));
  }
  return out;
}

function claimUsage(claim: KubeObject): ResourceList {
  const spec = (claim.spec ?? {}) as Json;
  const out: ResourceList = new Map([
    ['persistentvolumeclaims', count(1)],
    ['count/persistentvolumeclaims', count(1)],
  ]);
  const storageClass: string = spec.storageClassName ?? claim.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '';
  if (storageClass) out.set(`${storageClass}${storageClassSuffix}persistentvolumeclaims`, count(1));
  const request = Quantity.tryParse(spec.resources?.requests?.storage ?? '');
  if (request) {
    // Storage is counted in whole bytes, rounded up.
    const rounded = request.roundUp(0);
    out.set('requests.storage', rounded);
    if (storageClass) out.set(`${storageClass}${storageClassSuffix}requests.storage`, rounded);
  }
  return out;
}


/** The compute resources a quota on which makes every container state its own (the pod evaluator's validationSet). */
const explicitPerContainer = ['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];

/** podEvaluator.Constraints: every container and init container names each of them it is limited on. */
function podConstraints(names: string[], pod: KubeObject): string | undefined {
  const required = explicitPerContainer.filter((n) => names.includes(n));
  const spec = (pod.spec ?? {}) as Json;
  const missing = new Map<string, Set<string>>();
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    const requests = c?.resources?.requests ?? {};
    const limits = c?.resources?.limits ?? {};
    const states = new Set<string>();
    for (const name of ['cpu', 'memory']) {
      if (requests[name] !== undefined) states.add(name).add(`requests.${name}`);
      if (limits[name] !== undefined) states.add(`limits.${name}`);
    }
    for (const name of required) if (!states.has(name)) (missing.get(name) ?? missing.set(name, new Set()).get(name)!).add(c?.name ?? '');
  }
  if (missing.size === 0) return undefined;
  const parts = [...missing.keys()].sort().map((name) => `${name} for: ${[...missing.get(name)!].sort().join(',')}`);
  return `must specify ${parts.join('; ')}`;
}

const mainResource = (subresource: string) => subresource === '';

const podEvaluator: Evaluator = {
  resource: 'pods',
  scoped: true,
  matches: podMatches,
  usage: podUsage,
  // Resizing pods in place is off in 1.32, so only a create changes what a pod uses.
  handles: (operation, subresource) => operation === 'CREATE' && mainResource(subresource),
  constraints: podConstraints,
};

const serviceEvaluator: Evaluator = {
  resource: 'services',
  scoped: false,
  matches: (n) => ['count/services', 'services', 'services.nodeports', 'services.loadbalancers'].includes(n),
  usage: serviceUsage,
  // An update can change the service's type.
  handles: (_operation, subresource) => mainResource(subresource),
};

const claimEvaluator: Evaluator = {
  resource: 'persistentvolumeclaims',
  scoped: false,
  matches: (n) =>
    ['count/persistentvolumeclaims', 'persistentvolumeclaims', 'requests.storage'].includes(n) || n.endsWith(`${storageClassSuffix}persistentvolumeclaims`) || n.endsWith(`${storageClassSuffix}requests.storage`),
  usage: claimUsage,
  // An update can grow the claim.
  handles: (_operation, subresource) => mainResource(subresource),
};

const dedicated = new Map([podEvaluator, serviceEvaluator, claimEvaluator].map((e) => [e.resource, e]));
const storeResource = (def: ResourceDefinition) => (def.group ? `${def.group}/${def.plural}` : def.plural);

/** Evaluators by definition, made once: every write of a namespaced resource asks admission for one. */
const evaluators = new WeakMap<ResourceDefinition, Evaluator | null>();

/** The evaluator of a namespaced resource: its own for pods, services and claims, else an object count; none for ignored resources. */
export function evaluatorFor(def: ResourceDefinition): Evaluator | undefined {
  let evaluator = evaluators.get(def);
  if (evaluator === undefined) evaluators.set(def, (evaluator = evaluatorOf(def) ?? null));
  return evaluator ?? undefined;
}

function evaluatorOf(def: ResourceDefinition): Evaluator | undefined {
  const resource = storeResource(def);
  if (!def.namespaced || ignored.has(resource)) return undefined;
  const own = dedicated.get(resource);
  if (own) return own;
  const names = [def.group ? `count/${def.plural}.${def.group}` : `count/${def.plural}`];
  if (!def.group && legacyCounts[def.plural]) names.push(legacyCounts[def.plural]);
  return {
    resource,
    scoped: false,
    matches: (n) => names.includes(n),
    usage: () => new Map(names.map((n) => [n, count(1)])),
    handles: (operation, subresource) => operation === 'CREATE' && mainResource(subresource),
  };
}

/** A quota's scopes and scope selector as one list of requirements (getScopeSelectorsFromQuota). */
export function quotaScopes(spec: Json): Json[] {
  return [...((spec.scopes ?? []) as string[]).map((scopeName) => ({ scopeName, operator: 'Exists' })), ...((spec.scopeSelector?.matchExpressions ?? []) as Json[])];
}

/** Whether the quota's scopes select the object (generic.Matches: only pods can be selected by a scope). */
export function inScopes(evaluator: Evaluator, scopes: Json[], object: KubeObject): boolean {
  return scopes.every((scope) => evaluator.scoped && podInScope(object, scope));
}
