// kube-apiserver's APIServices: the aggregator's autoregister controller keeps one for every
// group-version kubemock serves itself (following the registry's change signal as custom resource
// groups come and go), and its availability controllers keep their Available condition.

import { StatusError } from '../errors.js';
import { jsonEqual } from '../json.js';
import type { GroupVersionEntry, Registry } from '../registry/registry.js';
import type { Services } from '../services.js';
import type { KubeObject } from '../store/types.js';
import type { ControllerClient } from './client.js';
import type { ControllerDescriptor, Identity, Reconcile } from './controller.js';
import { timestamp } from '../clock.js';

type Json = Record<string, any>;

const apiServices = 'apiregistration.k8s.io/apiservices';
const managedLabel = 'kube-aggregator.kubernetes.io/automanaged';

export const apiserverIdentity: Identity = {
  user: { username: 'system:apiserver', uid: '', groups: ['system:authenticated', 'system:masters'] },
  fieldManager: 'kube-apiserver',
};

/** The APIService kube-apiserver registers for a group-version it serves. */
function registered(entry: GroupVersionEntry): KubeObject {
  // Built-in group-versions are registered once at start; custom resource groups are kept in sync.
  const custom = entry.resources.some((def) => def.unstructured);
  return {
    metadata: { name: `${entry.version}.${entry.group}`, labels: { [managedLabel]: custom ? 'true' : 'onstart' } },
    spec: { ...(entry.group ? { group: entry.group } : {}), version: entry.version, groupPriorityMinimum: entry.priority.group, versionPriority: entry.priority.version },
  };
}

const wantedAt = new WeakMap<Registry, { revision: number; services: Map<string, KubeObject> }>();

/**
 * Every APIService the registry calls for, by name; the aggregator's own group has none. Made once
 * per registry change: a change enqueues every APIService, and each one's reconcile reads it.
 */
function wanted(registry: Registry): Map<string, KubeObject> {
  const cached = wantedAt.get(registry);
  if (cached?.revision === registry.revision) return cached.services;
  const out = new Map<string, KubeObject>();
  wantedAt.set(registry, { revision: registry.revision, services: out });
  for (const group of registry.groups()) {
    if (group.name === 'apiregistration.k8s.io') continue;
    for (const entry of group.versions) {
      const service = registered(entry);
      out.set(service.metadata.name!, service);
    }
  }
  return out;
}

export function registerAPIService(client: ControllerClient, registry: Registry): Reconcile {
  return (name) => {
    const desired = wanted(registry).get(name);
    const existing = client.get(apiServices, '', name);
    const label = existing?.object.metadata.labels?.[managedLabel];
    if (!desired) {
      if (existing && label === 'true') client.delete(apiServices, '', name);
      return;
    }
    if (!existing) {
      try {
        client.create(apiServices, '', structuredClone(desired));
      } catch (err) {
        if (!(err instanceof StatusError && err.code === 409)) throw err;
      }
      return;
    }
    if (label === 'true' && !jsonEqual(existing.object.spec, desired.spec)) client.update(existing, (service) => (service.spec = structuredClone(desired.spec)));
  };
}

/** The Available condition the local and remote availability controllers would set. */
function availability(service: KubeObject, lookup: (resource: string, namespace: string, name: string) => KubeObject | undefined): Json {
  const ref = (service.spec as Json | undefined)?.service as Json | undefined;
  if (!ref) return { status: 'True', reason: 'Local', message: 'Local APIServices are always available' };
  const quoted = JSON.stringify(ref.namespace ?? '');
  const target = lookup('services', ref.namespace ?? '', ref.name ?? '');
  if (!target) return { status: 'False', reason: 'ServiceNotFound', message: `service/${ref.name} in ${quoted} is not present` };
  const endpoints = lookup('endpoints', ref.namespace ?? '', ref.name ?? '');
  if (!endpoints) return { status: 'False', reason: 'EndpointsNotFound', message: `cannot find endpoints for service/${ref.name} in ${quoted}` };
  const addresses = ((endpoints.subsets ?? []) as Json[]).flatMap((s) => (s.addresses ?? []) as Json[]);
  if (addresses.length === 0) return { status: 'False', reason: 'MissingEndpoints', message: `endpoints for service/${ref.name} in ${quoted} have no addresses with port name ""` };
  // Nothing listens behind a kubemock service: the discovery check fails as it does against a dead backend.
  const path = `/apis/${(service.spec as Json).group}/${(service.spec as Json).version}`;
  return { status: 'False', reason: 'FailedDiscoveryCheck', message: `failing or missing response from https://${addresses[0].ip}:${ref.port ?? 443}${path}: Get "https://${addresses[0].ip}:${ref.port ?? 443}${path}": dial tcp ${addresses[0].ip}:${ref.port ?? 443}: connect: connection refused` };
}

export function apiServiceAvailability(services: Pick<Services, 'objects' | 'clock' | 'registry'>): Reconcile {
  const def = services.registry.findByResource(apiServices)!;
  const lookup = (resource: string, namespace: string, name: string) => {
    const found = services.registry.findByResource(resource);
    return found && services.objects.find(found, namespace, name)?.object;
  };
  return (name) => {
    const existing = services.objects.find(def, '', name);
    if (!existing) return;
    const wantedCondition = availability(existing.object, lookup);
    const conditions = (((existing.object.status as Json | undefined)?.conditions ?? []) as Json[]);
    const current = conditions.find((c) => c?.type === 'Available');
    if (current && current.status === wantedCondition.status && current.reason === wantedCondition.reason && current.message === wantedCondition.message) return;
    const lastTransitionTime = current && current.status === wantedCondition.status ? current.lastTransitionTime : timestamp(services.clock.now());
    const next: KubeObject = JSON.parse(existing.json);
    next.status = { ...(next.status as Json), conditions: [...conditions.filter((c) => c?.type !== 'Available'), { type: 'Available', status: wantedCondition.status, lastTransitionTime, reason: wantedCondition.reason, message: wantedCondition.message }] };
    // kube-aggregator's status writes record no ownership: the stored managedFields are kept as they are.
    services.objects.replace(def, existing, next, { fieldManager: 'kube-apiserver', subresource: 'status', managedFields: existing.object.metadata.managedFields as never });
  };
}

export const apiServiceRegistrationController: ControllerDescriptor = {
  name: 'apiservice-registration-controller',
  create(env) {
    const registry = env.services.registry;
    const reconcile = registerAPIService(env.client(apiserverIdentity), registry);
    const keys = () => [...wanted(registry).keys(), ...env.services.objects.listNow(registry.findByResource(apiServices)!, '').map((s) => s.name)];
    // A registry change enqueues the APIServices it adds, removes or changes (a new CRD's group-version), not all of them.
    let called = wanted(registry);
    const unsubscribe = registry.onChange(() => {
      const next = wanted(registry);
      for (const [name, service] of next) if (!jsonEqual(called.get(name), service)) env.queue.enqueue(name);
      for (const name of called.keys()) if (!next.has(name)) env.queue.enqueue(name);
      called = next;
    });
    return { for: apiServices, initialKeys: keys, reconcile, stop: unsubscribe };
  },
};

export const apiServiceAvailabilityController: ControllerDescriptor = {
  name: 'apiservice-availability-controller',
  create(env) {
    const services = env.services;
    const named = (resource: string) => ({
      resource,
      map: () =>
        services.objects
          .listNow(services.registry.findByResource(apiServices)!, '')
          .filter((s) => (s.object.spec as Json | undefined)?.service)
          .map((s) => s.name),
    });
    return { for: apiServices, watches: [named('services'), named('endpoints')], reconcile: apiServiceAvailability(services) };
  },
};
