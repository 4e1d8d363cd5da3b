// The Endpoints and EndpointSlice controllers (pkg/controller/endpoint, pkg/controller/endpointslice):
// the pods a Service selects, by port, as Endpoints subsets (ready and not-ready addresses, repacked
// and sorted as kube-controller-manager sorts them) and as EndpointSlices labelled with the Service
// and the managing controller, with ready / serving / terminating conditions, named target ports,
// headless and selector-less Services, and the last-change-trigger-time annotation.

import { StatusError } from '../errors.js';
import { jsonEqual } from '../json.js';
import { labelSelectorFromObject } from '../selectors/labels.js';
import type { MemoryStore, StoreEvent, StoredObject } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import { controllerManagerIdentity, type ControllerDescriptor, type ControllerEnv } from './controller.js';
import { controllerRef } from './controller-refs.js';
import { EventRecorder } from './events.js';
import { endpointsOrderHash } from './hashes.js';
import { isPodReady, podCondition, podPhase } from './pods.js';
import { namespaceTerminating } from './replicaset.js';

type Json = Record<string, any>;

const triggerTimeAnnotation = 'endpoints.kubernetes.io/last-change-trigger-time';
const overCapacityAnnotation = 'endpoints.kubernetes.io/over-capacity';
const headlessLabel = 'service.kubernetes.io/headless';
const serviceNameLabel = 'kubernetes.io/service-name';
const managedByLabel = 'endpointslice.kubernetes.io/managed-by';
const managedBy = 'endpointslice-controller.k8s.io';
/** Endpoints objects hold at most this many addresses (maxCapacity). */
const endpointsCapacity = 1000;
/** --max-endpoints-per-slice default. */
const endpointsPerSlice = 100;
const slices = 'discovery.k8s.io/endpointslices';

const specOf = (o: KubeObject): Json => (o.spec ?? {}) as Json;
const isIPv6 = (ip: string) => ip.includes(':');

/** The selector a Service's endpoints follow, or undefined when the controllers leave it alone. */
function serviceSelector(service: KubeObject): Record<string, string> | undefined {
  const spec = specOf(service);
  if (spec.type === 'ExternalName') return undefined;
  const selector = spec.selector;
  return selector && typeof selector === 'object' && Object.keys(selector).length > 0 ? selector : undefined;
}

const isHeadless = (service: KubeObject) => specOf(service).clusterIP === 'None';

/** The IP family of a Service's endpoints: its first family, else its cluster IP's (or the pod's). */
function serviceFamily(service: KubeObject, pod?: KubeObject): 'IPv4' | 'IPv6' {
  const spec = specOf(service);
  if (Array.isArray(spec.ipFamilies) && spec.ipFamilies.length) return spec.ipFamilies[0];
  if (spec.clusterIP && spec.clusterIP !== 'None') return isIPv6(spec.clusterIP) ? 'IPv6' : 'IPv4';
  const podIP = (pod?.status as Json | undefined)?.podIP;
  return podIP && isIPv6(podIP) ? 'IPv6' : 'IPv4';
}

function podIPs(pod: KubeObject): string[] {
  const status = (pod.status ?? {}) as Json;
  const ips: string[] = (status.podIPs ?? []).map((p: Json) => p.ip).filter((ip: unknown) => typeof ip === 'string');
  if (ips.length === 0 && status.podIP) ips.push(status.podIP);
  return ips;
}

/** ShouldPodBeInEndpoints: not finished, has an IP, not being deleted (unless terminating pods are kept). */
function belongsInEndpoints(pod: KubeObject, includeTerminating: boolean): boolean {
  const phase = podPhase(pod);
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (podIPs(pod).length === 0) return false;
  return includeTerminating || !pod.metadata.deletionTimestamp;
}

function setsHostname(pod: KubeObject, service: KubeObject): boolean {
  const spec = specOf(pod);
  return !!spec.hostname && spec.subdomain === service.metadata.name && pod.metadata.namespace === service.metadata.namespace;
}

/** podutil.FindPort: a number, or a named port of a container (or sidecar) with the same protocol. */
function findPort(pod: KubeObject, servicePort: Json): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  if (typeof target !== 'string') return undefined;
  const protocol = servicePort.protocol ?? 'TCP';
  const spec = specOf(pod);
  const candidates: Json[] = [...(spec.containers ?? []), ...(spec.initContainers ?? []).filter((c: Json) => c.restartPolicy === 'Always')];
  for (const container of candidates) {
    for (const port of container.ports ?? []) {
      if (port.name === target && (port.protocol ?? 'TCP') === protocol) return port.containerPort;
    }
  }
  return undefined;
}

function targetRef(pod: KubeObject): Json {
  return { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
}

/** The Services of a namespace whose selector matches any of the label sets. */
function servicesSelecting(list: readonly StoredObject[], namespace: string, labelSets: Array<Record<string, string> | undefined>): string[] {
  const prefix = `${namespace}/`;
  const keys: string[] = [];
  for (const service of list) {
    if (!service.key.startsWith(prefix)) continue;
    const selector = serviceSelector(service.object);
    if (!selector) continue;
    const matches = labelSelectorFromObject({ matchLabels: selector });
    if (labelSets.some((labels) => labels && matches(labels))) keys.push(service.key);
  }
  return keys;
}

/** The last pod event both endpoints controllers mapped, and the Services it concerns. */
let lastPodEvent: { event: StoreEvent; keys: string[] } | undefined;

/**
 * The Services a pod event concerns: those selecting the pod before or after, when it changed in a
 * way their endpoints show. Both controllers ask of every pod event, in turn: the second gets the
 * first one's answer. A namespace without a selecting Service needs no look at the pod.
 */
function servicesForPodEvent(store: MemoryStore, event: StoreEvent): string[] {
  if (lastPodEvent?.event === event) return lastPodEvent.keys;
  const prefix = `${event.object.namespace}/`;
  const services = store.list('services').filter((service) => service.key.startsWith(prefix) && serviceSelector(service.object));
  const keys = services.length && podChangeMatters(event) ? servicesSelecting(services, event.object.namespace, [event.object.object.metadata.labels, event.previous?.object.metadata.labels]) : [];
  lastPodEvent = { event, keys };
  return keys;
}

function podChangeMatters(event: StoreEvent): boolean {
  if (event.type !== 'MODIFIED' || !event.previous) return true;
  const now = event.object.object;
  const before = event.previous.object;
  return (
    !jsonEqual(now.metadata.labels, before.metadata.labels) ||
    now.metadata.deletionTimestamp !== before.metadata.deletionTimestamp ||
    isPodReady(now) !== isPodReady(before) ||
    !jsonEqual(podIPs(now), podIPs(before)) ||
    podPhase(now) !== podPhase(before) ||
    specOf(now).nodeName !== specOf(before).nodeName ||
    specOf(now).hostname !== specOf(before).hostname ||
    specOf(now).subdomain !== specOf(before).subdomain
  );
}

/** The latest change any pod or the Service itself made, in the trigger time tracker's sense. */
class TriggerTimes {
  private readonly states = new Map<string, { service: number; pods: Map<string, number> }>();

  /** ComputeEndpointLastChangeTriggerTime: the earliest change since the last sync, or the creation time at first. */
  compute(service: KubeObject, pods: KubeObject[]): number | undefined {
    const key = `${service.metadata.namespace}/${service.metadata.name}`;
    const state = this.states.get(key);
    let earliest: number | undefined;
    const podTimes = new Map<string, number>();
    for (const pod of pods) {
      const ready = podCondition(pod, 'Ready');
      const at = ready?.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
      if (Number.isNaN(at)) continue;
      podTimes.set(pod.metadata.name!, at);
      if (at > (state?.pods.get(pod.metadata.name!) ?? -Infinity)) earliest = earliest === undefined ? at : Math.min(earliest, at);
    }
    const created = Date.parse(service.metadata.creationTimestamp ?? '') || 0;
    if (created > (state?.service ?? -Infinity)) earliest = earliest === undefined ? created : Math.min(earliest, created);
    this.states.set(key, { service: created, pods: podTimes });
    return state ? earliest : created;
  }

  forget(key: string): void {
    this.states.delete(key);
  }
}

/** time.Time.Format(RFC3339Nano) in UTC: fractional seconds without trailing zeros. */
function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d*?)0*Z$/, (_, digits: string) => (digits ? `.${digits}Z` : 'Z'));
}

function ignoringNotFound(write: () => void): void {
  try {
    write();
  } catch (err) {
    if (!(err instanceof StatusError && err.code === 404)) throw err;
  }
}

/** Matching pods of a Service's namespace. */
function selectedPods(env: ControllerEnv, service: StoredObject, selector: Record<string, string>): KubeObject[] {
  const matches = labelSelectorFromObject({ matchLabels: selector });
  const prefix = `${service.namespace}/`;
  const out: KubeObject[] = [];
  for (const pod of env.services.store.list('pods')) if (pod.key.startsWith(prefix) && matches(pod.object.metadata.labels)) out.push(pod.object);
  return out.sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0));
}

// ---------- Endpoints ----------

interface Address {
  address: Json;
  ready: boolean;
}

/** RepackSubsets and SortSubsets: one subset per distinct address set, ports and subsets in hash order. */
function repack(entries: Array<{ address: Json; ready: boolean; port?: Json }>): Json[] {
  const byPort = new Map<string, { port?: Json; addresses: Map<string, Address> }>();
  for (const entry of entries) {
    const portKey = entry.port ? portsKey([entry.port]) : '';
    let group = byPort.get(portKey);
    if (!group) {
      group = { port: entry.port, addresses: new Map() };
      byPort.set(portKey, group);
    }
    const addressKey = `${entry.address.ip} ${entry.address.targetRef?.uid ?? ''}`;
    const seen = group.addresses.get(addressKey);
    // An address ready on any entry for the port stays ready only while every entry is ready.
    if (!seen || seen.ready) group.addresses.set(addressKey, { address: entry.address, ready: entry.ready });
  }
  const bySet = new Map<string, { ports: Json[]; addresses: Address[] }>();
  for (const group of byPort.values()) {
    const addresses = [...group.addresses.values()].sort((a, b) => compareAddresses(a.address, b.address));
    const setKey = JSON.stringify(addresses.map((a) => [a.address.ip, a.address.targetRef?.uid, a.ready]));
    let set = bySet.get(setKey);
    if (!set) {
      set = { ports: [], addresses };
      bySet.set(setKey, set);
    }
    if (group.port) set.ports.push(group.port);
  }
  const subsets: Json[] = [];
  for (const set of bySet.values()) {
    const subset: Json = {};
    const ready = set.addresses.filter((a) => a.ready).map((a) => a.address);
    const notReady = set.addresses.filter((a) => !a.ready).map((a) => a.address);
    if (ready.length) subset.addresses = ready;
    if (notReady.length) subset.notReadyAddresses = notReady;
    if (set.ports.length) subset.ports = set.ports.sort((a, b) => compareHashes(endpointsOrderHash('port', a), endpointsOrderHash('port', b)));
    subsets.push(subset);
  }
  return subsets.sort((a, b) => compareHashes(endpointsOrderHash('subset', a), endpointsOrderHash('subset', b)));
}

const compareHashes = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** LessEndpointAddress: by IP bytes, then target UID. */
function compareAddresses(a: Json, b: Json): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  const ua = a.targetRef?.uid ?? '';
  const ub = b.targetRef?.uid ?? '';
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

/** truncateEndpoints: at most endpointsCapacity addresses, each subset keeping its share. */
function truncate(subsets: Json[]): boolean {
  const ready = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
  const notReady = subsets.reduce((n, s) => n + (s.notReadyAddresses?.length ?? 0), 0);
  if (ready + notReady <= endpointsCapacity) return false;
  const truncateReady = ready > endpointsCapacity;
  const max = truncateReady ? endpointsCapacity : endpointsCapacity - ready;
  const total = truncateReady ? ready : notReady;
  const key = truncateReady ? 'addresses' : 'notReadyAddresses';
  let room = max;
  for (const subset of subsets) {
    const list: Json[] = subset[key] ?? [];
    const share = Math.min(Math.ceil((list.length / total) * max), room);
    subset[key] = list.slice(0, share);
    if (subset[key].length === 0) delete subset[key];
    if (truncateReady) delete subset.notReadyAddresses;
    room -= share;
  }
  return true;
}

export const endpointsController: ControllerDescriptor = {
  name: 'endpoints-controller',
  aliases: ['endpoint'],
  create(env) {
    const { store, clock } = env.services;
    const client = env.client(controllerManagerIdentity('endpoint-controller'));
    const recorder = new EventRecorder(client, { component: 'endpoint-controller' }, clock);
    const triggers = new TriggerTimes();

    return {
      for: 'services',
      watches: [
        {
          resource: 'pods',
          map: (event) => {
            return servicesForPodEvent(store, event);
          },
        },
        // An Endpoints object changed or removed by someone else is put back.
        { resource: 'endpoints', map: (event) => (store.get('services', event.object.key) ? [event.object.key] : []) },
      ],
      reconcile(key) {
        const [namespace, name] = key.split('/');
        const service = client.get('services', namespace, name);
        if (!service) {
          triggers.forget(key);
          ignoringNotFound(() => {
            const endpoints = client.get('endpoints', namespace, name);
            // Only the Endpoints this controller keeps go with their Service.
            if (endpoints && endpoints.object.metadata.labels?.['endpointslice.kubernetes.io/skip-mirror'] !== 'true') client.delete('endpoints', namespace, name);
          });
          return undefined;
        }
        const selector = serviceSelector(service.object);
        if (!selector) return undefined;
        const spec = specOf(service.object);
        const publishNotReady = !!spec.publishNotReadyAddresses;
        const pods = selectedPods(env, service, selector);
        const triggerTime = triggers.compute(service.object, pods);
        const entries: Array<{ address: Json; ready: boolean; port?: Json }> = [];
        for (const pod of pods) {
          if (!belongsInEndpoints(pod, publishNotReady)) continue;
          const family = serviceFamily(service.object, pod);
          const ip = podIPs(pod).find((candidate) => (family === 'IPv6') === isIPv6(candidate));
          if (!ip) continue;
          const address: Json = { ip };
          if (setsHostname(pod, service.object)) address.hostname = specOf(pod).hostname;
          address.nodeName = specOf(pod).nodeName ?? '';
          address.targetRef = targetRef(pod);
          const ready = publishNotReady || isPodReady(pod);
          const ports: Json[] = spec.ports ?? [];
          if (ports.length === 0) {
            if (isHeadless(service.object)) entries.push({ address, ready });
            continue;
          }
          for (const servicePort of ports) {
            const number = findPort(pod, servicePort);
            if (number === undefined) continue;
            const port: Json = {};
            if (servicePort.name) port.name = servicePort.name;
            port.port = number;
            port.protocol = servicePort.protocol ?? 'TCP';
            if (servicePort.appProtocol) port.appProtocol = servicePort.appProtocol;
            entries.push({ address, ready, port });
          }
        }
        const subsets = repack(entries);

        const current = client.get('endpoints', namespace, name);
        const labels: Record<string, string> = { ...service.object.metadata.labels };
        const currentLabels = { ...current?.object.metadata.labels };
        delete currentLabels[headlessLabel];
        const capacityMarked = !!current?.object.metadata.annotations?.[overCapacityAnnotation];
        const count = (current?.object.subsets as Json[] | undefined)?.reduce((n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0) ?? 0;
        if (current && jsonEqual(current.object.subsets ?? [], subsets) && jsonEqual(currentLabels, labels) && !capacityMarked && count <= endpointsCapacity) return undefined;

        const annotations: Record<string, string> = { ...current?.object.metadata.annotations };
        if (triggerTime !== undefined) annotations[triggerTimeAnnotation] = rfc3339Nano(triggerTime);
        else delete annotations[triggerTimeAnnotation];
        if (truncate(subsets)) annotations[overCapacityAnnotation] = 'truncated';
        else delete annotations[overCapacityAnnotation];
        if (isHeadless(service.object)) labels[headlessLabel] = '';
        const apply = (o: KubeObject) => {
          o.metadata.labels = labels;
          if (Object.keys(annotations).length) o.metadata.annotations = annotations;
          else delete o.metadata.annotations;
          if (subsets.length) o.subsets = subsets;
          else delete o.subsets;
        };
        try {
          if (current) {
            client.update(current, apply);
          } else {
            const body: KubeObject = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name } };
            apply(body);
            client.create('endpoints', namespace, body);
          }
        } catch (err) {
          if (!current && namespaceTerminating(err)) return undefined;
          const reference = { kind: 'Endpoints', namespace, name, uid: current?.object.metadata.uid ?? '', apiVersion: 'v1' };
          if (current) recorder.event(reference, 'Warning', 'FailedToUpdateEndpoint', `Failed to update endpoint ${namespace}/${name}: ${(err as Error).message}`);
          else recorder.event(reference, 'Warning', 'FailedToCreateEndpoint', `Failed to create endpoint for service ${namespace}/${name}: ${(err as Error).message}`);
          throw err;
        }
        return undefined;
      },
    };
  },
};

// ---------- EndpointSlices ----------

/** An endpoint of a slice for a pod (podToEndpoint). */
function sliceEndpoint(pod: KubeObject, service: KubeObject, family: 'IPv4' | 'IPv6', zones: (node: string) => string | undefined): Json {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  const ready = !!specOf(service).publishNotReadyAddresses || (serving && !terminating);
  const endpoint: Json = {
    addresses: podIPs(pod)
      .filter((ip) => (family === 'IPv6') === isIPv6(ip))
      .sort(),
    conditions: { ready, serving, terminating },
  };
  if (setsHostname(pod, service)) endpoint.hostname = specOf(pod).hostname;
  endpoint.targetRef = targetRef(pod);
  const node = specOf(pod).nodeName;
  if (node) {
    endpoint.nodeName = node;
    const zone = zones(node);
    if (zone) endpoint.zone = zone;
  }
  return endpoint;
}

/** The ports a pod serves for a Service (getEndpointPorts), in the slice's own order. */
function slicePorts(pod: KubeObject, service: KubeObject): Json[] {
  const spec = specOf(service);
  const ports: Json[] = [];
  for (const servicePort of spec.ports ?? []) {
    const number = findPort(pod, servicePort);
    if (number === undefined) continue;
    const port: Json = { name: servicePort.name ?? '', port: number, protocol: servicePort.protocol ?? 'TCP' };
    if (servicePort.appProtocol) port.appProtocol = servicePort.appProtocol;
    ports.push(port);
  }
  return ports.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.port - b.port));
}

/** The labels a slice of the Service carries (setEndpointSliceLabels). */
function sliceLabels(service: KubeObject): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(service.metadata.labels ?? {})) {
    if (key === serviceNameLabel || key === managedByLabel) continue;
    labels[key] = value;
  }
  if (isHeadless(service)) labels[headlessLabel] = '';
  labels[serviceNameLabel] = service.metadata.name!;
  labels[managedByLabel] = managedBy;
  return labels;
}

const endpointKey = (endpoint: Json) => endpoint.targetRef?.uid ?? endpoint.addresses.join(',');
/** Ports compared by value, whatever order their fields are stored in. */
const portsKey = (ports: Json[]) => JSON.stringify(ports.map((p) => [p.name ?? '', p.port, p.protocol ?? 'TCP', p.appProtocol ?? '']));

export const endpointSliceController: ControllerDescriptor = {
  name: 'endpointslice-controller',
  aliases: ['endpointslice'],
  create(env) {
    const { store } = env.services;
    const client = env.client(controllerManagerIdentity('endpointslice-controller'));
    const triggers = new TriggerTimes();
    const zones = (node: string) => store.get('nodes', node)?.object.metadata.labels?.['topology.kubernetes.io/zone'];

    /** Slices this controller manages for the Service. */
    const ownSlices = (service: StoredObject): StoredObject[] =>
      env.owners
        .dependents(service.object.metadata.uid!)
        .filter((d) => d.resource === slices)
        .map((d) => store.get(slices, d.key))
        .filter((s): s is StoredObject => !!s && s.object.metadata.labels?.[managedByLabel] === managedBy && !s.object.metadata.deletionTimestamp);

    return {
      for: 'services',
      owns: [slices],
      watches: [
        {
          resource: 'pods',
          map: (event) => {
            return servicesForPodEvent(store, event);
          },
        },
      ],
      reconcile(key) {
        const [namespace, name] = key.split('/');
        const service = client.get('services', namespace, name);
        if (!service) {
          // The slices go with their owner: the garbage collector removes them.
          triggers.forget(key);
          return undefined;
        }
        const selector = serviceSelector(service.object);
        if (!selector) return undefined;
        const family = serviceFamily(service.object);
        const pods = selectedPods(env, service, selector);
        const triggerTime = triggers.compute(service.object, pods);
        const includeTerminating = true;
        // Desired endpoints, grouped by the ports they serve.
        const desired = new Map<string, { ports: Json[]; endpoints: Json[] }>();
        for (const pod of pods) {
          if (!belongsInEndpoints(pod, includeTerminating)) continue;
          const endpoint = sliceEndpoint(pod, service.object, family, zones);
          if (endpoint.addresses.length === 0) continue;
          const ports = slicePorts(pod, service.object);
          if (ports.length === 0 && (specOf(service.object).ports ?? []).length > 0) continue;
          const portKey = portsKey(ports);
          const group = desired.get(portKey) ?? { ports, endpoints: [] };
          group.endpoints.push(endpoint);
          desired.set(portKey, group);
        }

        const labels = sliceLabels(service.object);
        const annotations: Record<string, string> = {};
        const existing = ownSlices(service).filter((s) => (s.object.addressType ?? 'IPv4') === family);
        const stale = ownSlices(service).filter((s) => (s.object.addressType ?? 'IPv4') !== family);
        const byPorts = new Map<string, StoredObject[]>();
        for (const slice of existing) {
          const portKey = portsKey((slice.object.ports as Json[] | undefined) ?? []);
          byPorts.set(portKey, [...(byPorts.get(portKey) ?? []), slice]);
        }
        const toDelete: StoredObject[] = [...stale];
        const writes: Array<{ slice?: StoredObject; ports: Json[]; endpoints: Json[] }> = [];
        for (const [portKey, group] of desired) {
          const current = byPorts.get(portKey) ?? [];
          byPorts.delete(portKey);
          const wanted = new Map(group.endpoints.map((e) => [endpointKey(e), e]));
          const placed: Array<{ slice?: StoredObject; ports: Json[]; endpoints: Json[] }> = [];
          // Endpoints stay in the slice that holds them; changed ones are rewritten in place.
          for (const slice of current) {
            const kept = ((slice.object.endpoints ?? []) as Json[]).map((e) => wanted.get(endpointKey(e))).filter((e): e is Json => !!e);
            for (const e of kept) wanted.delete(endpointKey(e));
            if (kept.length === 0) toDelete.push(slice);
            else placed.push({ slice, ports: group.ports, endpoints: kept });
          }
          // New endpoints fill the fullest slices first, then new slices.
          placed.sort((a, b) => b.endpoints.length - a.endpoints.length);
          const rest = [...wanted.values()];
          for (const target of placed) while (rest.length && target.endpoints.length < endpointsPerSlice) target.endpoints.push(rest.shift()!);
          while (rest.length) placed.push({ ports: group.ports, endpoints: rest.splice(0, endpointsPerSlice) });
          writes.push(...placed);
        }
        for (const leftover of byPorts.values()) toDelete.push(...leftover);
        // A Service with nothing to serve keeps one empty placeholder slice.
        if (writes.length === 0) {
          const placeholder = toDelete.find((s) => ((s.object.endpoints as Json[] | undefined) ?? []).length === 0 && ((s.object.ports as Json[] | undefined) ?? []).length === 0) ?? toDelete[0];
          writes.push({ slice: placeholder, ports: [], endpoints: [] });
          if (placeholder) toDelete.splice(toDelete.indexOf(placeholder), 1);
        }
        if (triggerTime !== undefined) annotations[triggerTimeAnnotation] = rfc3339Nano(triggerTime);

        for (const { slice, ports, endpoints } of writes) {
          const apply = (o: KubeObject) => {
            o.metadata.labels = labels;
            const kept = { ...o.metadata.annotations };
            delete kept[triggerTimeAnnotation];
            const next = { ...kept, ...annotations };
            if (Object.keys(next).length) o.metadata.annotations = next;
            else delete o.metadata.annotations;
            o.addressType = family;
            if (endpoints.length) o.endpoints = endpoints;
            else delete o.endpoints;
            if (ports.length) o.ports = ports;
            else delete o.ports;
          };
          if (slice) {
            const probe: KubeObject = JSON.parse(slice.json);
            const before = { labels: probe.metadata.labels, endpoints: probe.endpoints, ports: probe.ports, type: probe.addressType };
            apply(probe);
            if (jsonEqual(before, { labels: probe.metadata.labels, endpoints: probe.endpoints, ports: probe.ports, type: probe.addressType })) continue;
            ignoringNotFound(() => client.update(slice, apply));
            continue;
          }
          const body: KubeObject = {
            apiVersion: 'discovery.k8s.io/v1',
            kind: 'EndpointSlice',
            metadata: { generateName: `${name}-`, ownerReferences: [{ ...controllerRef(service.object, 'v1', 'Service') }] },
          };
          apply(body);
          try {
            client.create(slices, namespace, body);
          } catch (err) {
            if (namespaceTerminating(err)) return undefined;
            throw err;
          }
        }
        for (const slice of toDelete) ignoringNotFound(() => client.delete(slices, slice.namespace, slice.name));
        return undefined;
      },
    };
  },
};
