// A registry's published documents, built on first use and again only after the registry changes
// (custom resource definitions come and go at run time).

import type { Registry } from '../server/registry/registry.js';
import { buildDocuments, type OpenApiDocuments } from './documents.js';

interface Derived {
  revision: number;
  documents: OpenApiDocuments;
}

const derivedByRegistry = new WeakMap<Registry, Derived>();

export function openApiDocuments(registry: Registry): OpenApiDocuments {
  let entry = derivedByRegistry.get(registry);
  if (!entry || entry.revision !== registry.revision) {
    entry = { revision: registry.revision, documents: buildDocuments(registry.allGroupVersions()) };
    derivedByRegistry.set(registry, entry);
  }
  return entry.documents;
}
