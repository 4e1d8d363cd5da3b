// The set of served resources, looked up by group/version/plural. Definitions come and go at run
// time (custom resources); discovery sees groups and versions in kube-apiserver's order.

import { admissionregistrationResources } from './resources/admissionregistration.js';
import { apiregistrationResources } from './resources/apiregistration.js';
import { autoscalingResources } from './resources/autoscaling.js';
import { customResourceDefinitions } from './resources/apiextensions.js';
import { authenticationResources } from './resources/authentication.js';
import { authorizationResources } from './resources/authorization.js';
import { batchResources } from './resources/batch.js';
import { coreResources } from './resources/core.js';
import { networkingResources } from './resources/networking.js';
import { nodeResources } from './resources/node.js';
import { policyResources } from './resources/policy.js';
import { storageResources } from './resources/storage.js';
import { certificatesResources } from './resources/certificates.js';
import { flowcontrolResources } from './resources/flowcontrol.js';
import { otherResources } from './resources/others.js';
import { rbacResources } from './resources/rbac.js';
import { schedulingResources } from './resources/scheduling.js';
import { appsResources } from './resources/workloads.js';
import { apiServicePriority, compareKubeAwareVersions, type ApiServicePriority } from './priorities.js';
import { groupVersion, type ResourceDefinition } from './types.js';

export interface GroupVersionEntry {
  group: string;
  version: string;
  /** Sorted by plural, as an APIResourceList lists them. */
  resources: ResourceDefinition[];
  priority: ApiServicePriority;
}

export interface GroupEntry {
  name: string;
  /** Highest priority first: the first is the preferred version. */
  versions: GroupVersionEntry[];
}

interface Ordered {
  revision: number;
  aggregated: GroupEntry[];
  legacy: GroupEntry[];
}

function byVersionPriority(a: GroupVersionEntry, b: GroupVersionEntry): number {
  if (a.priority.version !== b.priority.version) return b.priority.version - a.priority.version;
  return -compareKubeAwareVersions(a.version, b.version);
}

/** The APIService name a group-version is registered under (`v1.apps`); legacy discovery breaks ties with it. */
function apiServiceName(entry: GroupVersionEntry): string {
  return `${entry.version}.${entry.group}`;
}

export class Registry {
  private readonly byPath = new Map<string, ResourceDefinition>();
  private readonly groupVersions = new Map<string, GroupVersionEntry>();
  private readonly listeners = new Set<() => void>();
  private changes = 0;
  private ordered?: Ordered;
  /** findByResource's answers since the last change: controllers ask it on every write. */
  private byResource = { revision: -1, found: new Map<string, ResourceDefinition>() };

  constructor(definitions: ResourceDefinition[]) {
    for (const def of definitions) this.put(def);
  }

  /** Counts changes, so what is derived from the registry (the OpenAPI documents) knows when to rebuild. */
  get revision(): number {
    return this.changes;
  }

  /** Calls `listener` after every add or remove; returns the function that stops it. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Serves a definition; one added again (a CRD changed) replaces the one it supersedes. */
  add(def: ResourceDefinition): void {
    this.put(def);
    this.changed();
  }

  /** Stops serving group/version/plural; the group-version goes from discovery with its last resource. */
  remove(group: string, version: string, plural: string): boolean {
    const gv = groupVersion({ group, version });
    if (!this.byPath.delete(`${gv}/${plural}`)) return false;
    this.changes++;
    const entry = this.groupVersions.get(gv)!;
    entry.resources = entry.resources.filter((r) => r.plural !== plural);
    if (entry.resources.length === 0) this.groupVersions.delete(gv);
    this.changed();
    return true;
  }

  private put(def: ResourceDefinition): void {
    this.changes++;
    const gv = groupVersion(def);
    this.byPath.set(`${gv}/${def.plural}`, def);
    let entry = this.groupVersions.get(gv);
    if (!entry) {
      entry = { group: def.group, version: def.version, resources: [], priority: apiServicePriority(def.group, def.version) };
      this.groupVersions.set(gv, entry);
    }
    entry.resources = [...entry.resources.filter((r) => r.plural !== def.plural), def];
    entry.resources.sort((a, b) => (a.plural < b.plural ? -1 : 1));
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  find(group: string, version: string, plural: string): ResourceDefinition | undefined {
    return this.byPath.get(`${groupVersion({ group, version })}/${plural}`);
  }

  /** The stored definition of `group/plural` (or a core plural), for strategies and reconcilers that reach across kinds. */
  findByResource(resource: string): ResourceDefinition | undefined {
    if (this.byResource.revision !== this.changes) this.byResource = { revision: this.changes, found: new Map() };
    const known = this.byResource.found;
    let found = known.get(resource);
    if (found) return found;
    found = this.lookUpResource(resource);
    // Only served resources are remembered, so what clients ask for cannot grow the map.
    if (found) known.set(resource, found);
    return found;
  }

  private lookUpResource(resource: string): ResourceDefinition | undefined {
    const [group, plural] = resource.includes('/') ? resource.split('/') : ['', resource];
    let found: ResourceDefinition | undefined;
    for (const entry of this.groups().find((g) => g.name === group)?.versions ?? []) {
      const def = entry.resources.find((r) => r.plural === plural);
      if (def && !def.storedAs) return def;
      found ??= def;
    }
    return found;
  }

  /** Groups in aggregated discovery's order: group priority, then name; the core group among them. */
  groups(): GroupEntry[] {
    return this.order().aggregated;
  }

  /** Groups in legacy /apis order: the aggregator sorts APIServices by priority, then by APIService name. */
  legacyGroups(): GroupEntry[] {
    return this.order().legacy;
  }

  preferredVersion(group: string): string | undefined {
    return this.groups().find((g) => g.name === group)?.versions[0]?.version;
  }

  /** Every group-version, groups in discovery order and the preferred version of each first. */
  allGroupVersions(): GroupVersionEntry[] {
    return this.groups().flatMap((g) => g.versions);
  }

  all(): ResourceDefinition[] {
    return [...this.byPath.values()];
  }

  private order(): Ordered {
    if (this.ordered?.revision === this.changes) return this.ordered;
    const entries = [...this.groupVersions.values()];
    const byGroup = new Map<string, GroupVersionEntry[]>();
    for (const entry of entries) byGroup.set(entry.group, [...(byGroup.get(entry.group) ?? []), entry]);
    const groups = new Map<string, GroupEntry>();
    for (const [name, versions] of byGroup) groups.set(name, { name, versions: versions.sort(byVersionPriority) });
    const groupPriority = (g: GroupEntry) => Math.max(...g.versions.map((v) => v.priority.group));
    const aggregated = [...groups.values()].sort((a, b) => groupPriority(b) - groupPriority(a) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const legacy: GroupEntry[] = [];
    const services = entries.sort((a, b) => b.priority.group - a.priority.group || (apiServiceName(a) < apiServiceName(b) ? -1 : 1));
    for (const entry of services) if (!legacy.some((g) => g.name === entry.group)) legacy.push(groups.get(entry.group)!);
    this.ordered = { revision: this.changes, aggregated, legacy };
    return this.ordered;
  }
}

export const builtinDefinitions: ResourceDefinition[] = [
  ...coreResources,
  ...appsResources,
  ...otherResources,
  ...admissionregistrationResources,
  ...apiregistrationResources,
  ...authenticationResources,
  ...authorizationResources,
  ...autoscalingResources,
  ...batchResources,
  ...networkingResources,
  ...rbacResources,
  ...schedulingResources,
  ...nodeResources,
  ...policyResources,
  ...storageResources,
  ...certificatesResources,
  ...flowcontrolResources,
  customResourceDefinitions,
];

export function builtinRegistry(): Registry {
  return new Registry(builtinDefinitions);
}
