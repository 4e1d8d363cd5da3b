// The resource quota controller (pkg/controller/resourcequota with the evaluators of pkg/quota/v1):
// each ResourceQuota's status.hard is its spec.hard and status.used what the namespace holds of
// each resource it limits. Pods count their compute requests and limits while not terminal (nor
// past their deletion grace period), within the quota's scopes and scope selector; Services
// count node ports and load balancers, claims their storage by class; every other namespaced
// resource counts as `count/<resource>.<group>`. Any change in a namespace recounts its quotas.

import { Quantity } from '../quantity.js';
import type { ResourceDefinition } from '../registry/types.js';
import type { StoreEvent, StoredObject } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import { controllerManagerIdentity, type ControllerDescriptor } from './controller.js';

type Json = Record<string, any>;

const quotas = 'resourcequotas';

/** Quantities by resource name, added as quota.Add adds them (a zero sum takes the addend's format). */
type ResourceList = Map<string, Quantity>;

const zero = () => Quantity.zero('DecimalSI');
const count = (n: number) => Quantity.parse(String(n));

function addInto(into: ResourceList, from: ResourceList): void {
  for (const [name, value] of from) into.set(name, (into.get(name) ?? zero()).add(value));
}

function maxInto(into: ResourceList, from: ResourceList): void {
  for (const [name, value] of from) if (!into.has(name) || value.cmp(into.get(name)!) > 0) into.set(name, value);
}

function listOf(resources: Json | undefined): ResourceList {
  const out: ResourceList = new Map();
  for (const [name, value] of Object.entries(resources ?? {})) {
    const quantity = Quantity.tryParse(value);
    if (quantity) out.set(name, quantity);
  }
  return out;
}

/** resourcehelper.PodRequests or PodLimits: containers and sidecars summed, the init containers' peak, the overhead. */
function podResources(spec: Json, kind: 'requests' | 'limits'): ResourceList {
  const total: ResourceList = new Map();
  for (const c of spec.containers ?? []) addInto(total, listOf(c?.resources?.[kind]));
  const sidecars: ResourceList = new Map();
  const initPeak: ResourceList = new Map();
  for (const c of spec.initContainers ?? []) {
    const own = listOf(c?.resources?.[kind]);
    if (c?.restartPolicy === 'Always') {
      addInto(sidecars, own);
      maxInto(initPeak, sidecars);
    } else {
      const running = new Map(sidecars);
      addInto(running, own);
      maxInto(initPeak, running);
    }
  }
  addInto(total, sidecars);
  maxInto(total, initPeak);
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
const ignored = new Set(['events', 'events.k8s.io/events']);

interface Evaluator {
  resource: string;
  matches(name: string): boolean;
  /** Whether scopes can select objects of this resource (only pods'). */
  scoped: boolean;
  usage(object: KubeObject, now: number): ResourceList;
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

const storeResource = (def: ResourceDefinition) => (def.group ? `${def.group}/${def.plural}` : def.plural);

export const resourceQuotaController: ControllerDescriptor = {
  name: 'resourcequota-controller',
  aliases: ['resourcequota'],
  create(env) {
    const { clock, registry } = env.services;
    const client = env.client(controllerManagerIdentity('resourcequota-controller'));

    /** The evaluators for what the registry serves now: pods, services and claims, then a count for every other namespaced resource. */
    const evaluators = (): Evaluator[] => {
      const out: Evaluator[] = [
        { resource: 'pods', scoped: true, matches: podMatches, usage: podUsage },
        { resource: 'services', scoped: false, matches: (n) => ['count/services', 'services', 'services.nodeports', 'services.loadbalancers'].includes(n), usage: serviceUsage },
        {
          resource: 'persistentvolumeclaims',
          scoped: false,
          matches: (n) =>
            ['count/persistentvolumeclaims', 'persistentvolumeclaims', 'requests.storage'].includes(n) || n.endsWith(`${storageClassSuffix}persistentvolumeclaims`) || n.endsWith(`${storageClassSuffix}requests.storage`),
          usage: claimUsage,
        },
      ];
      const seen = new Set(out.map((e) => e.resource));
      for (const def of registry.all()) {
        const resource = storeResource(def);
        if (!def.namespaced || seen.has(resource) || ignored.has(resource)) continue;
        seen.add(resource);
        const names = [def.group ? `count/${def.plural}.${def.group}` : `count/${def.plural}`];
        if (!def.group && legacyCounts[def.plural]) names.push(legacyCounts[def.plural]);
        out.push({ resource, scoped: false, matches: (n) => names.includes(n), usage: () => new Map(names.map((n) => [n, count(1)])) });
      }
      return out;
    };

    /** Recounts the namespace's quotas that limit something of the changed resource (replenishment). */
    const onAnything = (event: StoreEvent): string[] => {
      const namespace = event.object.namespace;
      // A quota's own status writes change no count; events are not counted at all.
      if (!namespace || ignored.has(event.resource) || (event.resource === quotas && event.type === 'MODIFIED')) return [];
      return client.list(quotas, namespace).map((q) => q.key);
    };

    return {
      for: quotas,
      watches: [{ resource: '*', map: onAnything }],
      reconcile(key) {
        const [namespace, name] = key.split('/');
        const stored: StoredObject | undefined = client.get(quotas, namespace, name);
        if (!stored) return undefined;
        const quota = stored.object;
        const spec = (quota.spec ?? {}) as Json;
        const status = (quota.status ?? {}) as Json;
        const hardNames = Object.keys(spec.hard ?? {});
        const at = clock.now().getTime();
        const scopes: Json[] = [...((spec.scopes ?? []) as string[]).map((scopeName) => ({ scopeName, operator: 'Exists' })), ...((spec.scopeSelector?.matchExpressions ?? []) as Json[])];
        const used: Record<string, string> = {};
        for (const [resourceName, value] of Object.entries(status.used ?? {})) if (hardNames.includes(resourceName)) used[resourceName] = value as string;
        let recountAt: number | undefined;
        for (const evaluator of evaluators()) {
          const names = hardNames.filter((n) => evaluator.matches(n));
          if (names.length === 0) continue;
          const sums: ResourceList = new Map(names.map((n) => [n, zero()]));
          for (const object of client.list(evaluator.resource, namespace)) {
            if (!scopes.every((scope) => evaluator.scoped && podInScope(object.object, scope))) continue;
            const usage = evaluator.usage(object.object, at);
            for (const n of names) if (usage.has(n)) sums.set(n, sums.get(n)!.add(usage.get(n)!));
            // A pod stops counting once its deletion grace period is over, with no event to say so.
            const { deletionTimestamp, deletionGracePeriodSeconds } = object.object.metadata;
            if (evaluator.resource === 'pods' && deletionTimestamp && typeof deletionGracePeriodSeconds === 'number') {
              const ends = Date.parse(deletionTimestamp) + deletionGracePeriodSeconds * 1000;
              if (ends >= at) recountAt = Math.min(recountAt ?? ends + 1, ends + 1);
            }
          }
          for (const [n, sum] of sums) used[n] = sum.toString();
        }
        const sorted = (list: Record<string, unknown>) => Object.fromEntries(Object.keys(list).sort().map((k) => [k, list[k]]));
        const hard = sorted(Object.fromEntries(hardNames.map((n) => [n, spec.hard[n]])));
        // Empty lists are left out, as Go's omitempty leaves them.
        const present = (list: Record<string, unknown> | undefined) => (list && Object.keys(list).length ? sorted(list) : undefined);
        const next = { hard: present(hard), used: present(used) };
        if (JSON.stringify(next) !== JSON.stringify({ hard: present(status.hard), used: present(status.used) })) {
          client.updateStatus(stored, (q) => (q.status = next));
        }
        return recountAt === undefined ? undefined : { requeueAfterMs: recountAt - at };
      },
    };
  },
};
