// What apiextensions-apiserver does to a CustomResourceDefinition object itself: defaults, stored
// versions, conditions, and the names it accepts when other definitions of the group hold some.

import { timestamp } from '../clock.js';
import type { CustomResourceDefinition, CustomResourceDefinitionCondition, CustomResourceDefinitionNames } from './types.js';

export const cleanupFinalizer = 'customresourcecleanup.apiextensions.k8s.io';

/** SetDefaults_CustomResourceDefinition of apiextensions/v1. */
export function defaultCustomResourceDefinition(crd: CustomResourceDefinition): void {
  const spec = crd.spec;
  if (!spec || typeof spec !== 'object') return;
  const names = spec.names;
  if (names && typeof names === 'object') {
    if (!names.singular && typeof names.kind === 'string') names.singular = names.kind.toLowerCase();
    if (!names.listKind && names.kind) names.listKind = `${names.kind}List`;
  }
  spec.conversion ??= { strategy: 'None' };
  const service = spec.conversion.webhook?.clientConfig?.service;
  if (service) service.port ??= 443;
}

/** The status with the storage version recorded among the stored versions. */
export function withStoredVersion(crd: CustomResourceDefinition, status: NonNullable<CustomResourceDefinition['status']>): NonNullable<CustomResourceDefinition['status']> {
  const storage = (Array.isArray(crd.spec?.versions) ? crd.spec.versions : []).find((v) => v?.storage);
  const stored = [...(status.storedVersions ?? [])];
  if (storage && !stored.includes(storage.name)) stored.push(storage.name);
  return { ...status, acceptedNames: status.acceptedNames ?? { plural: '', kind: '' }, storedVersions: stored };
}

/** Sets a condition, keeping lastTransitionTime when the status does not change (SetCRDCondition). */
export function setCondition(crd: CustomResourceDefinition, condition: Omit<CustomResourceDefinitionCondition, 'lastTransitionTime'>, now: Date): void {
  const status = (crd.status ??= {});
  const conditions = (status.conditions ??= []);
  const existing = conditions.find((c) => c.type === condition.type);
  if (!existing) {
    conditions.push({ ...condition, lastTransitionTime: timestamp(now) });
    return;
  }
  if (existing.status !== condition.status) existing.lastTransitionTime = timestamp(now);
  existing.status = condition.status;
  existing.reason = condition.reason;
  existing.message = condition.message;
}

export function condition(crd: CustomResourceDefinition, type: string): CustomResourceDefinitionCondition | undefined {
  return crd.status?.conditions?.find((c) => c.type === type);
}

export function isEstablished(crd: CustomResourceDefinition): boolean {
  return condition(crd, 'Established')?.status === 'True';
}

/** The first delete: the cleanup finalizer and a Terminating condition, as the CRD REST storage sets them. */
export function markCustomResourceDefinitionDeleting(crd: CustomResourceDefinition): void {
  const finalizers = (crd.metadata.finalizers ??= []);
  if (!finalizers.includes(cleanupFinalizer)) finalizers.push(cleanupFinalizer);
  const now = crd.metadata.deletionTimestamp ? new Date(crd.metadata.deletionTimestamp) : new Date(0);
  setCondition(crd, { type: 'Terminating', status: 'True', reason: 'InstanceDeletionPending', message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon' }, now);
}

export interface NamingResult {
  accepted: Partial<CustomResourceDefinitionNames>;
  namesAccepted: Omit<CustomResourceDefinitionCondition, 'lastTransitionTime'>;
}

/**
 * The names a definition may serve under, given the other definitions of its group (the
 * NamingConditionController): each requested name is accepted unless another definition accepted it,
 * names accepted before stay, and the last conflict found is the one reported.
 */
export function acceptNames(crd: CustomResourceDefinition, others: CustomResourceDefinition[]): NamingResult {
  const requested = crd.spec.names;
  const current = crd.status?.acceptedNames ?? {};
  const resources = new Set<string>();
  const kinds = new Set<string>();
  for (const other of others) {
    if (other.metadata.name === crd.metadata.name || other.spec.group !== crd.spec.group) continue;
    const names = other.status?.acceptedNames ?? {};
    for (const n of [names.plural, names.singular, ...(names.shortNames ?? [])]) if (n) resources.add(n);
    for (const n of [names.kind, names.listKind]) if (n) kinds.add(n);
  }
  const accepted: Partial<CustomResourceDefinitionNames> = { ...current };
  let conflict: { reason: string; message: string } | undefined;
  const take = (name: string | undefined, before: string | undefined, used: Set<string>) => name === before || !name || !used.has(name);
  const claim = (key: 'plural' | 'singular' | 'kind' | 'listKind', used: Set<string>, reason: string) => {
    if (take(requested[key], current[key], used)) accepted[key] = requested[key];
    else conflict = { reason, message: `"${requested[key]}" is already in use` };
  };
  claim('plural', resources, 'PluralConflict');
  claim('singular', resources, 'SingularConflict');
  const shortConflict = (requested.shortNames ?? []).find((short) => !(current.shortNames ?? []).includes(short) && resources.has(short));
  if (shortConflict) conflict = { reason: 'ShortNamesConflict', message: `"${shortConflict}" is already in use` };
  else accepted.shortNames = requested.shortNames?.length ? requested.shortNames : undefined;
  claim('kind', kinds, 'KindConflict');
  claim('listKind', kinds, 'ListKindConflict');
  accepted.categories = requested.categories?.length ? requested.categories : undefined;
  accepted.kind ??= '';
  accepted.plural ??= '';
  for (const key of Object.keys(accepted) as Array<keyof typeof accepted>) if (accepted[key] === undefined) delete accepted[key];
  const namesAccepted = conflict
    ? { type: 'NamesAccepted', status: 'False' as const, ...conflict }
    : { type: 'NamesAccepted', status: 'True' as const, reason: 'NoConflicts', message: 'no conflicts found' };
  return { accepted, namesAccepted };
}
/** Field orders of the Go types, so a stored definition reads as kube-apiserver writes it. */
const specOrder = ['group', 'names', 'scope', 'versions', 'conversion', 'preserveUnknownFields'];
const namesOrder = ['plural', 'singular', 'shortNames', 'kind', 'listKind', 'categories'];
const versionOrder = ['name', 'served', 'storage', 'deprecated', 'deprecationWarning', 'schema', 'subresources', 'additionalPrinterColumns', 'selectableFields'];
const statusOrder = ['conditions', 'acceptedNames', 'storedVersions'];
const conditionOrder = ['type', 'status', 'lastTransitionTime', 'reason', 'message'];
const schemaOrder = [
  'id', '$schema', '$ref', 'description', 'type', 'format', 'title', 'default', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum',
  'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'multipleOf', 'enum', 'maxProperties', 'minProperties', 'required',
  'items', 'allOf', 'oneOf', 'anyOf', 'not', 'properties', 'additionalProperties', 'patternProperties', 'dependencies', 'additionalItems',
  'definitions', 'externalDocs', 'example', 'nullable', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string', 'x-kubernetes-list-map-keys', 'x-kubernetes-list-type', 'x-kubernetes-map-type', 'x-kubernetes-validations',
];

function ordered<T>(value: T, order: string[]): T {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of order) if (Object.hasOwn(source, key)) out[key] = source[key];
  for (const key of Object.keys(source)) if (!Object.hasOwn(out, key)) out[key] = source[key];
  return out as T;
}

function orderedSchema(schema: unknown): unknown {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const out = ordered(schema as Record<string, unknown>, schemaOrder);
  if (out.properties && typeof out.properties === 'object') out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k, orderedSchema(v)]));
  for (const key of ['items', 'not', 'additionalProperties']) if (out[key] && typeof out[key] === 'object') out[key] = orderedSchema(out[key]);
  for (const key of ['allOf', 'oneOf', 'anyOf']) if (Array.isArray(out[key])) out[key] = (out[key] as unknown[]).map(orderedSchema);
  return out;
}

/** Puts spec and status fields in the Go types' order (a status without conditions shows `conditions: null`). */
export function canonicalDefinition(crd: CustomResourceDefinition): void {
  canonicalSpec(crd);
  canonicalStatus(crd);
}

function canonicalSpec(crd: CustomResourceDefinition): void {
  if (crd.spec && typeof crd.spec === 'object') {
    const spec = ordered(crd.spec, specOrder);
    spec.names = ordered(spec.names, namesOrder);
    if (Array.isArray(spec.versions)) {
      spec.versions = spec.versions.map((v) => {
        const version = ordered(v, versionOrder);
        if (version?.schema?.openAPIV3Schema) version.schema = { ...version.schema, openAPIV3Schema: orderedSchema(version.schema.openAPIV3Schema) as typeof version.schema.openAPIV3Schema };
        return version;
      });
    }
    crd.spec = spec;
  }
}

/** Puts status fields in the Go types' order. */
export function canonicalStatus(crd: CustomResourceDefinition): void {
  if (crd.status) {
    const status = ordered({ conditions: null, ...crd.status } as NonNullable<CustomResourceDefinition['status']>, statusOrder);
    if (Array.isArray(status.conditions)) status.conditions = status.conditions.map((c) => ordered(c, conditionOrder));
    status.acceptedNames = ordered(status.acceptedNames, namesOrder);
    crd.status = status;
  }
}
