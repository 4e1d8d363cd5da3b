// Discovery: /api, /apis (legacy or aggregated apidiscovery.k8s.io v2/v2beta1, chosen by Accept),
// /apis/GROUP and the per-group-version APIResourceLists.

import { createHash } from 'node:crypto';
import type { KubeContext } from '../context.js';
import type { GroupEntry, GroupVersionEntry, Registry } from '../registry/registry.js';
import { groupVersion, type ResourceDefinition } from '../registry/types.js';
import { parseMediaTypes } from '../middleware/negotiation.js';
import { sendJson } from '../http.js';
import { pathNotFound } from './not-found.js';

/** base64 of the first 8 bytes of SHA-256 over the storage group/version/Kind, as apiserver computes storageVersionHash. */
export function storageVersionHash(def: ResourceDefinition): string {
  const stored = def.storedAs ?? def;
  const version = def.storedAs ? stored.version : (def.encodingVersion ?? def.version);
  return createHash('sha256').update(`${stored.group}/${version}/${stored.kind}`).digest().subarray(0, 8).toString('base64');
}

function apiResources(entry: GroupVersionEntry): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const def of entry.resources) {
    const resource: Record<string, unknown> = { name: def.plural, singularName: def.singular, namespaced: def.namespaced, kind: def.kind, verbs: def.verbs };
    if (def.shortNames.length) resource.shortNames = def.shortNames;
    if (def.categories.length) resource.categories = def.categories;
    // Only what kube-apiserver stores has a storage version: not reviews, bindings or component statuses.
    if (!def.strategy.respond && !def.createVia && !def.strategy.computedOnRead) resource.storageVersionHash = storageVersionHash(def);
    out.push(resource);
    for (const sub of def.subresources) {
      const entryOut: Record<string, unknown> = { name: `${def.plural}/${sub.name}`, singularName: '', namespaced: def.namespaced };
      const kind = sub.responseKind;
      if (kind?.group || kind?.version) Object.assign(entryOut, { group: kind.group, version: kind.version });
      entryOut.kind = kind?.kind ?? def.kind;
      entryOut.verbs = sub.verbs;
      out.push(entryOut);
    }
  }
  return out;
}

/** Built-in resources leave the group and version of their kind empty; custom resources name them. */
function responseKind(def: ResourceDefinition): { group: string; version: string; kind: string } {
  return def.customResource ? { group: def.group, version: def.version, kind: def.kind } : { group: '', version: '', kind: def.kind };
}

function aggregatedResources(entry: GroupVersionEntry): Record<string, unknown>[] {
  return entry.resources.map((def) => {
    const resource: Record<string, unknown> = {
      resource: def.plural,
      responseKind: responseKind(def),
      scope: def.namespaced ? 'Namespaced' : 'Cluster',
      singularResource: def.singular,
      verbs: def.verbs,
    };
    if (def.shortNames.length) resource.shortNames = def.shortNames;
    if (def.categories.length) resource.categories = def.categories;
    if (def.subresources.length) {
      resource.subresources = def.subresources.map((sub) => ({
        subresource: sub.name,
        responseKind: sub.responseKind ?? responseKind(def),
        verbs: sub.verbs,
      }));
    }
    return resource;
  });
}

/** The aggregated discovery version the client asked for, if any. */
function aggregatedVersion(ctx: KubeContext): string | undefined {
  for (const media of parseMediaTypes(ctx.get('accept'))) {
    const p = media.params;
    if (media.type === 'application/json' && p.g === 'apidiscovery.k8s.io' && p.as === 'APIGroupDiscoveryList' && (p.v === 'v2' || p.v === 'v2beta1')) return p.v;
    if (media.type === 'application/json' && !p.as) return undefined;
  }
  return undefined;
}

function sendDocument(ctx: KubeContext, body: unknown, type = 'application/json'): void {
  sendJson(ctx, 200, JSON.stringify(body), type);
}

function sendAggregated(ctx: KubeContext, version: string, groups: GroupEntry[]): void {
  const items = groups.map((group) => ({
    metadata: group.name === '' ? { creationTimestamp: null } : { name: group.name, creationTimestamp: null },
    versions: group.versions.map((v) => ({ version: v.version, resources: aggregatedResources(v), freshness: 'Current' })),
  }));
  const body = { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
  const json = JSON.stringify(body);
  // Clients revalidate aggregated discovery by ETag; it changes whenever a resource comes or goes.
  ctx.etag = createHash('sha512').update(json).digest('hex').toUpperCase();
  ctx.set('Cache-Control', 'public');
  ctx.vary('Accept');
  sendJson(ctx, 200, json, `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`);
  if (ctx.fresh) {
    ctx.status = 304;
    ctx.body = null;
  }
}

/** An APIGroup: its versions in priority order, the first preferred. */
function apiGroup(group: GroupEntry): Record<string, unknown> {
  const versions = group.versions.map((e) => ({ groupVersion: groupVersion(e), version: e.version }));
  return { name: group.name, versions, preferredVersion: versions[0] };
}

function serverAddress(ctx: KubeContext): string {
  const socket = ctx.req.socket;
  const host = socket.localAddress?.includes(':') ? `[${socket.localAddress}]` : socket.localAddress;
  return `${host}:${socket.localPort}`;
}

export function discoveryHandlers(registry: Registry) {
  return {
    api(ctx: KubeContext): void {
      const version = aggregatedVersion(ctx);
      if (version) return sendAggregated(ctx, version, registry.groups().filter((g) => g.name === ''));
      sendDocument(ctx, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: serverAddress(ctx) }] });
    },

    apis(ctx: KubeContext): void {
      const version = aggregatedVersion(ctx);
      if (version) return sendAggregated(ctx, version, registry.groups().filter((g) => g.name !== ''));
      const groups = registry.legacyGroups().filter((g) => g.name !== '').map(apiGroup);
      sendDocument(ctx, { kind: 'APIGroupList', apiVersion: 'v1', groups });
    },

    group(ctx: KubeContext, group: string): void {
      const entry = group ? registry.groups().find((g) => g.name === group) : undefined;
      if (!entry) throw pathNotFound(registry, ctx.path);
      sendDocument(ctx, { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(entry) });
    },

    groupVersion(ctx: KubeContext, group: string, version: string): void {
      const entry = registry.allGroupVersions().find((e) => e.group === group && e.version === version);
      if (!entry) throw pathNotFound(registry, ctx.path);
      const head = group ? { kind: 'APIResourceList', apiVersion: 'v1' } : { kind: 'APIResourceList' };
      sendDocument(ctx, { ...head, groupVersion: groupVersion(entry), resources: apiResources(entry) });
    },
  };
}
