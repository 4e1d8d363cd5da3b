// Kubernetes' own schema (openapi/kubernetes-schema.ts, generated from Kubernetes itself), and how
// a definition finds its kind's schema: its own if it brings one (a custom resource), else the
// built-in one of its group/version/kind. Components are parsed one at a time, on first use.

import type { ResourceDefinition, ResourceSchema } from '../server/registry/types.js';
import { goFields, kinds, schemas, v2Schemas } from './kubernetes-schema.js';
import { type GroupVersionKind, type Schema, SchemaComponents, type SchemaNode, schemaRef } from './schema.js';

const parsed = new Map<string, Schema>();

function builtinSchema(name: string): Schema | undefined {
  let schema = parsed.get(name);
  if (!schema && Object.hasOwn(schemas, name)) {
    schema = JSON.parse(schemas[name]) as Schema;
    parsed.set(name, schema);
  }
  return schema;
}

/** The component schemas of the built-in kinds, with the Go facts of their types. */
export const kubernetesComponents = new SchemaComponents(builtinSchema, (name) => (Object.hasOwn(goFields, name) ? goFields[name] : undefined));

/** The OpenAPI v2 definition of a built-in component whose v2 form is not derived from its v3 one (IntOrString, Quantity). */
export function builtinV2Schema(name: string): Schema | undefined {
  return Object.hasOwn(v2Schemas, name) ? (JSON.parse(v2Schemas[name]) as Schema) : undefined;
}

export const builtinSchemaNames = {
  objectMeta: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
  listMeta: 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta',
  status: 'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
  deleteOptions: 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
  watchEvent: 'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent',
  patch: 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch',
  quantity: 'io.k8s.apimachinery.pkg.api.resource.Quantity',
};

/** The component schema of a built-in kind (`io.k8s.api.apps.v1.Deployment` for apps/v1 Deployment). */
export function builtinKindSchema(gvk: GroupVersionKind): string | undefined {
  const key = `${gvk.group ? `${gvk.group}/` : ''}${gvk.version}/${gvk.kind}`;
  return Object.hasOwn(kinds, key) ? kinds[key] : undefined;
}

/** How kube-apiserver names the schema of a kind outside the built-in groups: the group reversed (com.example.v1.Widget). */
export function customSchemaName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

/**
 * A kind outside Kubernetes' schema: a custom resource as its CRD version's openAPIV3Schema
 * describes it (with ObjectMeta for metadata, as kube-apiserver publishes it), or, with no schema,
 * known metadata and everything else kept as sent.
 */
function customResourceSchema(def: ResourceDefinition, openAPIV3Schema: Record<string, unknown> | undefined): ResourceSchema {
  const name = customSchemaName(def.group, def.version, def.kind);
  const listName = customSchemaName(def.group, def.version, def.listKind);
  const gvk = (kind: string) => [{ group: def.group, kind, version: def.version }];
  const given = (openAPIV3Schema ? structuredClone(openAPIV3Schema) : { 'x-kubernetes-preserve-unknown-fields': true }) as Schema;
  const properties: Record<string, Schema> = { ...given.properties };
  properties.apiVersion = { ...properties.apiVersion, type: 'string' };
  properties.kind = { ...properties.kind, type: 'string' };
  properties.metadata = schemaRef(builtinSchemaNames.objectMeta);
  const own: Record<string, Schema> = {
    [name]: { ...given, type: 'object', properties, 'x-kubernetes-group-version-kind': gvk(def.kind) },
    [listName]: {
      type: 'object',
      required: ['items'],
      properties: {
        apiVersion: { type: 'string' },
        items: { type: 'array', items: schemaRef(name) },
        kind: { type: 'string' },
        metadata: schemaRef(builtinSchemaNames.listMeta),
      },
      'x-kubernetes-group-version-kind': gvk(def.listKind),
    },
  };
  return { name, listName, components: new SchemaComponents((n) => (Object.hasOwn(own, n) ? own[n] : undefined), undefined, kubernetesComponents), goTypes: false };
}

const found = new WeakMap<ResourceDefinition, ResourceSchema>();

/** The schema of a definition's kind: its own, its CRD version's, else the built-in one for its group/version/kind. */
export function resourceSchema(def: ResourceDefinition): ResourceSchema {
  if (def.schema) return def.schema;
  let schema = found.get(def);
  if (!schema) {
    const name = builtinKindSchema(def);
    const listName = builtinKindSchema({ group: def.group, version: def.version, kind: def.listKind });
    schema = name && !def.customResource ? { name, listName, components: kubernetesComponents, goTypes: true } : customResourceSchema(def, def.customResource?.schema);
    found.set(def, schema);
  }
  return schema;
}

/** The resolved root of a definition's schema. */
export function schemaNode(def: ResourceDefinition): SchemaNode {
  const schema = resourceSchema(def);
  return schema.components.node(schema.name)!;
}
