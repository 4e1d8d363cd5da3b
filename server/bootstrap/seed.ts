// The state of a fresh cluster: what kube-apiserver creates for itself on start (system namespaces,
// the `kubernetes` Service and its endpoints, kube-system ConfigMaps, its identity Lease, the
// bootstrap RBAC and flow-control objects recorded in objects.json) and what the controllers a
// fresh cluster runs make of it straight away (aggregated ClusterRole rules, FlowSchema conditions).

import { createHash, randomUUID } from 'node:crypto';
import { hostname, networkInterfaces } from 'node:os';
import { microTimestamp, timestamp } from '../clock.js';
import { ControllerClient } from '../reconcilers/client.js';
import { aggregateClusterRole, clusterRoleAggregationIdentity } from '../reconcilers/clusterrole-aggregation.js';
import { flowControlIdentity, flowSchemaCondition } from '../reconcilers/flowschema-status.js';
import { apiServiceAvailability, apiserverIdentity as apiserverUser, registerAPIService } from '../reconcilers/apiservices.js';
import type { Services } from '../services.js';
import { systemPriorityClasses } from '../registry/resources/scheduling.js';
import { recordedResources } from './objects.js';
import type { Registry } from '../registry/registry.js';
import { clusterTemplate, serverTemplate, writeTemplate, type TemplateFile, type TemplateServices } from './template.js';

export interface ClusterIdentity {
  /** The port kube-apiserver serves on, which the `kubernetes` Service targets. */
  port: number;
  /** The cluster CA clients verify the server with (absent over plain HTTP). */
  caCert?: string;
}

const systemNamespaces = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];
const apiserver = { fieldManager: 'kube-apiserver' };

let hostAddress: string | undefined;

/** The address kube-apiserver advertises without --advertise-address: the host's first non-loopback one (looked up once). */
function advertisedAddress(): string {
  if (hostAddress === undefined) {
    const external = Object.values(networkInterfaces())
      .flatMap((list) => list ?? [])
      .filter((a) => !a.internal);
    hostAddress = (external.find((a) => a.family === 'IPv4') ?? external[0])?.address ?? '127.0.0.1';
  }
  return hostAddress;
}

/** Each part with a two-byte big-endian length before it, as Go's cryptobyte builder writes them. */
function lengthPrefixed(...parts: string[]): Buffer {
  return Buffer.concat(parts.flatMap((part) => {
    const bytes = Buffer.from(part);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(bytes.length);
    return [length, bytes];
  }));
}

/** kube-apiserver's identity: `apiserver-` and the lowercase unpadded base32 of the first 16 bytes of sha256(hostname, component). */
function apiserverIdentity(host: string): string {
  const digest = createHash('sha256').update(lengthPrefixed(host, 'kube-apiserver')).digest().subarray(0, 16);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return `apiserver-${out}`;
}

/** What the template keeps (resourceKey form): everything that does not depend on the running server. */
const templateResources = new Set([
  ...recordedResources.map((r) => (r.group ? `${r.group}/${r.plural}` : r.plural)),
  'namespaces',
  'componentstatuses',
  'apiregistration.k8s.io/apiservices',
  'scheduling.k8s.io/priorityclasses',
]);

/**
 * The recorded objects, and what the controllers of a fresh cluster make of them at once (written
 * into the template, so no client ever sees the state before).
 */
function writeStaticObjects(scratch: TemplateServices): void {
  const { objects } = scratch;
  for (const name of systemNamespaces) objects.create(find(scratch, '', 'namespaces'), '', { metadata: { name } }, apiserver);
  for (const name of ['controller-manager', 'etcd-0', 'scheduler']) {
    objects.create(find(scratch, '', 'componentstatuses'), '', { metadata: { name }, conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] }, apiserver);
  }
  for (const recorded of recordedResources) {
    const def = find(scratch, recorded.group, recorded.plural);
    for (const object of recorded.objects) objects.create(def, object.metadata.namespace ?? '', structuredClone(object), { fieldManager: recorded.manager });
  }
  // Priority admission needs them; kube-apiserver creates them in a post-start hook.
  for (const pc of systemPriorityClasses) objects.create(find(scratch, 'scheduling.k8s.io', 'priorityclasses'), '', structuredClone(pc), apiserver);
  const aggregate = aggregateClusterRole(new ControllerClient(scratch, clusterRoleAggregationIdentity));
  // Aggregated roles feed each other (view into edit into admin): repeat until nothing changes.
  const roles = objects.listNow(find(scratch, 'rbac.authorization.k8s.io', 'clusterroles'), '').map((r) => r.name);
  for (let pass = 0; pass < roles.length; pass++) {
    const before = scratch.store.currentRevision;
    for (const name of roles) aggregate(name);
    if (scratch.store.currentRevision === before) break;
  }
  const conditions = flowSchemaCondition(new ControllerClient(scratch, flowControlIdentity), scratch.clock);
  for (const schema of objects.listNow(find(scratch, 'flowcontrol.apiserver.k8s.io', 'flowschemas'), '')) conditions(schema.name);
  // An APIService for every group-version served, available at once as local ones are.
  const register = registerAPIService(new ControllerClient(scratch, apiserverUser), scratch.registry);
  const available = apiServiceAvailability(scratch);
  for (const group of scratch.registry.groups()) for (const entry of group.versions) register(`${entry.version}.${entry.group}`);
  for (const service of objects.listNow(find(scratch, 'apiregistration.k8s.io', 'apiservices'), '')) available(service.name);
}

/** What the objects that depend on the running server are made of. */
interface ServerFacts {
  caCert: string;
  since: string;
  host: string;
  id: string;
  holderIdentity: string;
  renewTime: string;
  port: number;
  address: string;
}

/**
 * What the template of the server-dependent objects is written with, filled in per start. Each is
 * valid where it goes and occurs nowhere else (the build checks).
 */
const placeholders: ServerFacts = {
  caCert: 'kubemock-template-ca-cert',
  since: 'kubemock-template-since',
  host: 'kubemock-template-host',
  id: 'apiserver-kubemock-template-identity',
  holderIdentity: 'kubemock-template-holder-identity',
  renewTime: '2001-02-03T04:05:06.070809Z',
  port: 65021,
  address: '198.51.100.201',
};

type Facts = Omit<ServerFacts, 'caCert'> & { caCert?: string };

/**
 * What kube-apiserver writes for itself on start (its CA, token tracking, identity Lease, the
 * `kubernetes` Service and its endpoints), through the write path: the template holds the common case.
 */
export function writeServerObjects(services: Pick<Services, 'registry' | 'objects'>, facts: Facts): void {
  const create = (group: string, plural: string, namespace: string, body: object) =>
    services.objects.create(find(services, group, plural), namespace, structuredClone(body), apiserver);
  create('', 'configmaps', 'kube-system', { metadata: { name: 'extension-apiserver-authentication' }, ...(facts.caCert ? { data: { 'client-ca-file': facts.caCert } } : {}) });
  create('', 'configmaps', 'kube-system', { metadata: { name: 'kube-apiserver-legacy-service-account-token-tracking' }, data: { since: facts.since } });
  create('coordination.k8s.io', 'leases', 'kube-system', {
    metadata: { name: facts.id, labels: { 'apiserver.kubernetes.io/identity': 'kube-apiserver', 'kubernetes.io/hostname': facts.host } },
    spec: { holderIdentity: facts.holderIdentity, leaseDurationSeconds: 3600, renewTime: facts.renewTime },
  });
  create('', 'services', 'default', {
    metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: facts.port }], sessionAffinity: 'None', type: 'ClusterIP' },
  });
  const port = { name: 'https', port: facts.port, protocol: 'TCP' };
  create('', 'endpoints', 'default', { metadata: { name: 'kubernetes', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }, subsets: [{ addresses: [{ ip: facts.address }], ports: [port] }] });
  create('discovery.k8s.io', 'endpointslices', 'default', {
    metadata: { name: 'kubernetes', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    addressType: facts.address.includes(':') ? 'IPv6' : 'IPv4',
    endpoints: [{ addresses: [facts.address], conditions: { ready: true } }],
    ports: [port],
  });
}

const serverResources = new Set(['configmaps', 'coordination.k8s.io/leases', 'services', 'endpoints', 'discovery.k8s.io/endpointslices']);

/** The start-up templates written through the write path (the build keeps them, tools/start-objects). */
export function writeStartTemplate(registry: Registry): TemplateFile {
  const server = writeTemplate(registry, serverResources, (scratch) => {
    for (const name of ['default', 'kube-system']) scratch.objects.create(find(scratch, '', 'namespaces'), '', { metadata: { name } }, apiserver);
    writeServerObjects(scratch, placeholders);
  }, { ...placeholders });
  return { ...writeTemplate(registry, templateResources, writeStaticObjects), serverObjects: server.objects };
}

/** A label value as validation takes it: the template's Lease carries the host as one, written unchecked. */
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

const identities = new Map<string, string>();

function identityOf(host: string): string {
  let id = identities.get(host);
  if (!id) identities.set(host, (id = apiserverIdentity(host)));
  return id;
}

function find(services: Pick<Services, 'registry'>, group: string, plural: string) {
  const def = services.registry.find(group, 'v1', plural);
  if (!def) throw new Error(`bootstrap: ${group}/v1 ${plural} is not served`);
  return def;
}

export function seedCluster(services: Services, identity: ClusterIdentity): void {
  const now = services.clock.now();
  // The namespaces come with the template, before what is made in them.
  clusterTemplate(services.registry, templateResources, writeStaticObjects).copyInto(services.objects, now);
  const host = hostname();
  const id = identityOf(host);
  const facts = {
    caCert: identity.caCert,
    since: timestamp(now).slice(0, 10),
    host,
    id,
    holderIdentity: `${id}_${randomUUID()}`,
    renewTime: microTimestamp(now),
    port: identity.port,
    address: advertisedAddress(),
  };
  // The template has the common case: served over TLS from an IPv4 address.
  const template = serverTemplate(services.registry);
  if (template && facts.caCert && !facts.address.includes(':') && labelValue.test(host)) {
    template.copyInto(services.objects, now, { ...facts, caCert: facts.caCert }, { ...placeholders });
  } else {
    writeServerObjects(services, facts);
  }
}
