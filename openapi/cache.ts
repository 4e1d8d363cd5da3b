// A registry's schema catalog and published documents, built on first use and again only after the
// registry changes (custom resource definitions come and go at run time).

import type { GroupVersionEntry, Registry } from '../server/registry/registry.js';
import { buildDocuments, type OpenApiDocuments } from './documents.js';
import { buildSchemaCatalog, type SchemaCatalog } from './schemas.js';

interface Derived {
  revision: number;
  /** The registry as it was when this was derived: building is async and the registry may change meanwhile. */
  groupVersions: GroupVersionEntry[];
  catalog: Promise<SchemaCatalog>;
  documents?: Promise<OpenApiDocuments>;
}

const derivedByRegistry = new WeakMap<Registry, Derived>();

function derived(registry: Registry): Derived {
  let entry = derivedByRegistry.get(registry);
  if (!entry || entry.revision !== registry.revision) {
    const groupVersions = registry.allGroupVersions().map((gv) => ({ ...gv, resources: [...gv.resources] }));
    entry = { revision: registry.revision, groupVersions, catalog: buildSchemaCatalog(groupVersions.flatMap((gv) => gv.resources)) };
    derivedByRegistry.set(registry, entry);
  }
  return entry;
}

export function schemaCatalog(registry: Registry): Promise<SchemaCatalog> {
  return derived(registry).catalog;
}

export function openApiDocuments(registry: Registry): Promise<OpenApiDocuments> {
  const entry = derived(registry);
  return (entry.documents ??= entry.catalog.then((catalog) => buildDocuments(entry.groupVersions, catalog)));
}
