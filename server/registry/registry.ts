// The set of served resources, looked up by group/version/plural. Custom resources will join at run time.

import { coreResources } from './resources/core.js';
import { otherResources } from './resources/others.js';
import { appsResources } from './resources/workloads.js';
import { groupVersion, type ResourceDefinition } from './types.js';

export interface GroupVersionEntry {
  group: string;
  version: string;
  resources: ResourceDefinition[];
}

export class Registry {
  private readonly byPath = new Map<string, ResourceDefinition>();
  private readonly groupVersions = new Map<string, GroupVersionEntry>();
  private changes = 0;

  constructor(definitions: ResourceDefinition[]) {
    for (const def of definitions) this.add(def);
  }

  /** Counts changes, so what is derived from the registry (the OpenAPI documents) knows when to rebuild. */
  get revision(): number {
    return this.changes;
  }

  add(def: ResourceDefinition): void {
    this.changes++;
    const gv = groupVersion(def);
    this.byPath.set(`${gv}/${def.plural}`, def);
    let entry = this.groupVersions.get(gv);
    if (!entry) {
      entry = { group: def.group, version: def.version, resources: [] };
      this.groupVersions.set(gv, entry);
    }
    // A definition added again (a CRD changed) replaces the one it supersedes.
    entry.resources = [...entry.resources.filter((r) => r.plural !== def.plural), def];
    entry.resources.sort((a, b) => (a.plural < b.plural ? -1 : 1));
  }

  find(group: string, version: string, plural: string): ResourceDefinition | undefined {
    return this.byPath.get(`${groupVersion({ group, version })}/${plural}`);
  }

  /** A core/v1 or other built-in resource by plural, for strategies and reconcilers that reach across kinds. */
  findByResource(resource: string): ResourceDefinition | undefined {
    const [group, plural] = resource.includes('/') ? resource.split('/') : ['', resource];
    for (const entry of this.groupVersions.values()) {
      if (entry.group !== group) continue;
      const def = entry.resources.find((r) => r.plural === plural);
      if (def) return def;
    }
    return undefined;
  }

  /** Group-versions in discovery order: the core group first, then named groups as registered. */
  allGroupVersions(): GroupVersionEntry[] {
    return [...this.groupVersions.values()];
  }

  all(): ResourceDefinition[] {
    return [...this.byPath.values()];
  }
}

export function builtinRegistry(): Registry {
  return new Registry([...coreResources, ...appsResources, ...otherResources]);
}
