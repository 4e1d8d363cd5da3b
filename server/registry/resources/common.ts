// Building blocks for resource definitions: the generic strategy and the common subresources.

import type { FieldSelectorSupport } from '../../selectors/fields.js';
import type { KubeObject } from '../../store/types.js';
import type { ResourceDefinition, Strategy, SubresourceDefinition, Verb } from '../types.js';
import { isDNS1123Subdomain } from '../validation.js';

export const allVerbs: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const statusSubresource: SubresourceDefinition = { name: 'status', verbs: ['get', 'patch', 'update'] };
export const scaleSubresource: SubresourceDefinition = {
  name: 'scale',
  responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
  verbs: ['get', 'patch', 'update'],
};

const metadataFields = {
  'metadata.name': (o: KubeObject) => o.metadata.name ?? '',
  'metadata.namespace': (o: KubeObject) => o.metadata.namespace ?? '',
};

/** Only metadata.name and metadata.namespace, worded as the generic conversion words refusals. */
export const genericFieldSelectors: FieldSelectorSupport = { fields: metadataFields, ownConversion: false };

/** A resource with its own field label conversion: the metadata fields plus its own. */
export function ownFieldSelectors(extra: Record<string, (o: any) => string>, namespaced = true, unsupported?: (label: string) => string): FieldSelectorSupport {
  const fields: FieldSelectorSupport['fields'] = { 'metadata.name': metadataFields['metadata.name'] };
  if (namespaced) fields['metadata.namespace'] = metadataFields['metadata.namespace'];
  return { fields: { ...fields, ...extra }, ownConversion: true, unsupported };
}

/** Reads a dotted path as a field selector sees it: missing values are empty strings. */
export function fieldPath(path: string): (o: any) => string {
  const parts = path.split('.');
  return (o) => {
    let v = o;
    for (const p of parts) v = v?.[p];
    return v === undefined || v === null ? '' : String(v);
  };
}

export const keepStatus = (object: KubeObject, old: KubeObject): void => {
  if (old.status === undefined) delete object.status;
  else object.status = old.status;
};

/** A /status write changes status only (labels and annotations may follow, as for pods). */
export const keepAllButStatus = (object: KubeObject, old: KubeObject): void => {
  for (const key of Object.keys(object)) if (!['kind', 'apiVersion', 'metadata', 'status'].includes(key)) delete object[key];
  for (const key of Object.keys(old)) if (!['kind', 'apiVersion', 'metadata', 'status'].includes(key)) object[key] = old[key];
};

/** A /status write of a kind whose status strategy keeps all of metadata too (flow control, APIServices). */
export const keepAllButStatusAndMetadata = (object: KubeObject, old: KubeObject): void => {
  keepAllButStatus(object, old);
  object.metadata = { ...old.metadata };
};

export const baseStrategy: Strategy = {
  nameCheck: isDNS1123Subdomain,
  tracksGeneration: false,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  returnDeletedObject: false,
  fieldSelectors: genericFieldSelectors,
};

export interface DefinitionInput {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs?: Verb[];
  subresources?: SubresourceDefinition[];
  strategy?: Partial<Strategy>;
  createVia?: ResourceDefinition['createVia'];
  storedAs?: ResourceDefinition['storedAs'];
  encodingVersion?: string;
}

export function define(input: DefinitionInput): ResourceDefinition {
  const subresources = input.subresources ?? [];
  const hasStatus = subresources.some((s) => s.name === 'status');
  const hasScale = subresources.some((s) => s.name === 'scale');
  const strategy: Strategy = {
    ...baseStrategy,
    ...(hasStatus ? { prepareForUpdate: keepStatus } : {}),
    ...input.strategy,
  };
  // A scale write changes spec.replicas the way a main-resource update would.
  strategy.subresourceUpdates = {
    ...(hasStatus ? { status: keepAllButStatus } : {}),
    ...(hasScale ? { scale: (object: KubeObject, old: KubeObject) => strategy.prepareForUpdate?.(object, old) } : {}),
    ...input.strategy?.subresourceUpdates,
  };
  return {
    group: input.group,
    version: input.version,
    kind: input.kind,
    listKind: `${input.kind}List`,
    plural: input.plural,
    singular: input.kind.toLowerCase(),
    shortNames: input.shortNames ?? [],
    categories: input.categories ?? [],
    namespaced: input.namespaced,
    // Built-in resources list their verbs sorted in discovery.
    verbs: [...(input.verbs ?? allVerbs)].sort(),
    subresources,
    strategy,
    createVia: input.createVia,
    storedAs: input.storedAs,
    encodingVersion: input.encodingVersion,
  };
}
