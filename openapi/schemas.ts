// The component schemas: one per client-node model class the served kinds reach, named and
// annotated as kube-apiserver publishes them, plus permissive schemas for custom resources.

import type { ResourceDefinition } from '../server/registry/types.js';
import { atomicTypes, fieldExtensions, quantityFields, type SchemaExtensions, untypedFields } from './facts.js';
import { type FieldType, loadModel, loadModelGraph, type ModelField, parseFieldType } from './models.js';
import { isBuiltinGroup, metaPackage, modelClassCandidates, schemaNames, unmodelledSchemaName } from './names.js';

export interface GroupVersionKind {
  group: string;
  kind: string;
  version: string;
}

export interface Schema extends SchemaExtensions {
  $ref?: string;
  type?: 'array' | 'boolean' | 'integer' | 'number' | 'object' | 'string';
  format?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
  items?: Schema;
  required?: string[];
  'x-kubernetes-group-version-kind'?: GroupVersionKind[];
  'x-kubernetes-preserve-unknown-fields'?: true;
}

export interface KindSchema {
  name: string;
  /** A built-in kind, modelled by client-node: its fields are known and it takes strategic merge patches. */
  builtin: boolean;
}

export interface SchemaCatalog {
  schemas: Record<string, Schema>;
  /** The schema of each served kind, list kind and subresource kind, by gvkKey. */
  kinds: Map<string, KindSchema>;
}

const metaV1 = `${metaPackage}.v1`;
export const knownSchemaNames = {
  objectMeta: `${metaV1}.ObjectMeta`,
  listMeta: `${metaV1}.ListMeta`,
  status: `${metaV1}.Status`,
  deleteOptions: `${metaV1}.DeleteOptions`,
  watchEvent: `${metaV1}.WatchEvent`,
  patch: `${metaV1}.Patch`,
  time: `${metaV1}.Time`,
  microTime: `${metaV1}.MicroTime`,
  quantity: 'io.k8s.apimachinery.pkg.api.resource.Quantity',
  intOrString: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
};

/** Types client-node models as plain strings or leaves untyped, which kube-apiserver names. */
const namedScalars: Record<string, Schema> = {
  [knownSchemaNames.time]: { type: 'string', format: 'date-time' },
  [knownSchemaNames.microTime]: { type: 'string', format: 'date-time' },
  [knownSchemaNames.quantity]: { type: 'string' },
  [knownSchemaNames.intOrString]: { type: 'string', format: 'int-or-string' },
  [knownSchemaNames.patch]: { type: 'object' },
  [`${metaV1}.FieldsV1`]: { type: 'object' },
  'io.k8s.apimachinery.pkg.runtime.RawExtension': { type: 'object' },
};

/** The classes every document needs whatever is served: metadata, errors, delete bodies, watch events. */
const metaClasses = ['V1ObjectMeta', 'V1ListMeta', 'V1Status', 'V1DeleteOptions', 'V1WatchEvent'];

export function gvkKey(gvk: { group: string; version: string; kind: string }): string {
  return `${gvk.group}/${gvk.version}/${gvk.kind}`;
}

export const schemaRefPrefix = '#/components/schemas/';

export function schemaRef(name: string): Schema {
  return { $ref: `${schemaRefPrefix}${name}` };
}

const freeForm: Schema = { 'x-kubernetes-preserve-unknown-fields': true };

/** What the facts tables add about a field. */
interface FieldContext {
  quantity: boolean;
  untypedAs?: string;
}

function fieldSchema(type: FieldType, format: string, context: FieldContext, names: Map<string, string>): Schema {
  switch (type.kind) {
    case 'array':
      return { type: 'array', items: fieldSchema(type.items, format, context, names) };
    case 'map':
      return { type: 'object', additionalProperties: fieldSchema(type.values, format, context, names) };
    case 'model': {
      const name = names.get(type.className);
      return name ? schemaRef(name) : { type: 'object', ...freeForm };
    }
  }
  switch (type.type) {
    case 'string':
      if (context.quantity) return schemaRef(knownSchemaNames.quantity);
      return format ? { type: 'string', format } : { type: 'string' };
    case 'number':
      return format === 'double' || format === 'float' ? { type: 'number', format } : { type: 'integer', ...(format ? { format } : {}) };
    case 'boolean':
      return { type: 'boolean' };
    case 'Date':
      return schemaRef(knownSchemaNames.time);
    case 'V1MicroTime':
      return schemaRef(knownSchemaNames.microTime);
    case 'IntOrString':
      return schemaRef(knownSchemaNames.intOrString);
    case 'any':
      return context.untypedAs ? schemaRef(context.untypedAs) : { ...freeForm };
  }
}

function classSchema(name: string, fields: ModelField[], names: Map<string, string>): Schema {
  const properties: Record<string, Schema> = {};
  const quantities = quantityFields[name] ?? [];
  for (const field of fields) {
    const context = { quantity: quantities.includes(field.baseName), untypedAs: untypedFields[name]?.[field.baseName] };
    const schema = fieldSchema(parseFieldType(field.type), field.format, context, names);
    properties[field.baseName] = { ...schema, ...fieldExtensions[name]?.[field.baseName] };
  }
  const schema: Schema = { type: 'object', properties };
  if (atomicTypes.has(name)) schema['x-kubernetes-map-type'] = 'atomic';
  return schema;
}

async function firstModelClass(candidates: string[]): Promise<string | undefined> {
  for (const className of candidates) if (await loadModel(className)) return className;
  return undefined;
}

interface ServedKind {
  gvk: GroupVersionKind;
  className?: string;
}

/** Every kind the definitions serve: the kind, its list if it can be listed, and kinds their subresources speak (Scale). */
function servedKinds(defs: ResourceDefinition[]): GroupVersionKind[] {
  const kinds = new Map<string, GroupVersionKind>();
  const add = (gvk: GroupVersionKind) => kinds.set(gvkKey(gvk), gvk);
  for (const def of defs) {
    add({ group: def.group, kind: def.kind, version: def.version });
    if (def.verbs.includes('list')) add({ group: def.group, kind: def.listKind, version: def.version });
    for (const sub of def.subresources) if (sub.responseKind) add({ ...sub.responseKind });
  }
  return [...kinds.values()];
}

/** A custom resource as its CRD version describes it: the openAPIV3Schema with ObjectMeta for metadata. */
function customResourceSchema(gvk: GroupVersionKind, schema: Record<string, unknown>): Schema {
  const own = structuredClone(schema) as Schema & { properties?: Record<string, Schema> };
  const properties: Record<string, Schema> = { ...(own.properties ?? {}) };
  properties.apiVersion = { ...properties.apiVersion, type: 'string' };
  properties.kind = { ...properties.kind, type: 'string' };
  properties.metadata = schemaRef(knownSchemaNames.objectMeta);
  return { ...own, type: 'object', properties, 'x-kubernetes-group-version-kind': [gvk] };
}

/** A kind without a client-node model (a custom resource): metadata is known, the rest is kept as sent. */
function unmodelledKindSchema(gvk: GroupVersionKind, listOf?: string): Schema {
  const properties: Record<string, Schema> = { apiVersion: { type: 'string' }, kind: { type: 'string' } };
  if (listOf) {
    properties.items = { type: 'array', items: schemaRef(listOf) };
    properties.metadata = schemaRef(knownSchemaNames.listMeta);
    return { type: 'object', properties, required: ['items'], 'x-kubernetes-group-version-kind': [gvk] };
  }
  properties.metadata = schemaRef(knownSchemaNames.objectMeta);
  return { type: 'object', properties, ...freeForm, 'x-kubernetes-group-version-kind': [gvk] };
}

export async function buildSchemaCatalog(defs: ResourceDefinition[]): Promise<SchemaCatalog> {
  const kinds: ServedKind[] = await Promise.all(
    servedKinds(defs).map(async (gvk) => ({
      gvk,
      className: isBuiltinGroup(gvk.group) ? await firstModelClass(modelClassCandidates(gvk.group, gvk.version, gvk.kind)) : undefined,
    })),
  );
  const roots = [
    ...metaClasses.map((className) => ({ className, group: '' })),
    ...kinds.filter((k) => k.className).map((k) => ({ className: k.className!, group: k.gvk.group })),
  ];
  const graph = await loadModelGraph(roots.map((r) => r.className));
  const names = schemaNames(graph, roots);

  const schemas: Record<string, Schema> = { ...namedScalars };
  for (const [className, name] of names) schemas[name] = classSchema(name, graph.get(className)!, names);

  const kindSchemas = new Map<string, KindSchema>();
  for (const { gvk, className } of kinds) {
    if (className) {
      const name = names.get(className);
      if (!name) continue;
      schemas[name] = { ...schemas[name], 'x-kubernetes-group-version-kind': [gvk] };
      kindSchemas.set(gvkKey(gvk), { name, builtin: true });
    } else {
      const name = unmodelledSchemaName(gvk.group, gvk.version, gvk.kind);
      const listOwner = defs.find((d) => d.group === gvk.group && d.version === gvk.version && d.listKind === gvk.kind);
      const own = defs.find((d) => d.group === gvk.group && d.version === gvk.version && d.kind === gvk.kind)?.customResource?.schema;
      schemas[name] = own ? customResourceSchema(gvk, own) : unmodelledKindSchema(gvk, listOwner && unmodelledSchemaName(listOwner.group, listOwner.version, listOwner.kind));
      kindSchemas.set(gvkKey(gvk), { name, builtin: false });
    }
  }
  return { schemas, kinds: kindSchemas };
}
