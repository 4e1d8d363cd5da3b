// The published documents: one OpenAPI 3.0 document per served group-version, the /openapi/v3 index
// naming each by the hash of its bytes, and a single Swagger 2.0 document for older clients. The
// schemas are those of the served definitions (resourceSchema), as kube-apiserver publishes them.

import { createHash } from 'node:crypto';
import type { OpenAPIV3 } from 'openapi-types';
import { versionInfo } from '../server/handlers/health.js';
import type { GroupVersionEntry } from '../server/registry/registry.js';
import type { ResourceDefinition } from '../server/registry/types.js';
import { builtinKindSchema, builtinV2Schema, resourceSchema } from './kubernetes.js';
import { type OperationExtensions, type PathItem, resourcePaths } from './paths.js';
import { type GroupVersionKind, referencedComponent, type Schema, schemaRefPrefix } from './schema.js';

export interface GroupVersionDocument extends Omit<OpenAPIV3.Document<OperationExtensions>, 'components'> {
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, OpenAPIV3.SecuritySchemeObject> };
}

export interface PublishedDocument {
  json: string;
  /** Uppercase hex SHA-512 of json. */
  hash: string;
}

export interface OpenApiDocuments {
  /** By index key: `api/v1`, `apis/apps/v1`. */
  groupVersions: Map<string, PublishedDocument>;
  index: PublishedDocument;
  /** The Swagger 2.0 document, rendered when first asked for. */
  swagger(): SwaggerDocument;
}

export interface SwaggerDocument extends PublishedDocument {
  /** The document itself, for other encodings. */
  document: Record<string, unknown>;
  /** Its gnostic protobuf encoding, once asked for. */
  protobuf?: Buffer;
}

function sha512Hex(text: string): string {
  return createHash('sha512').update(text).digest('hex').toUpperCase();
}

function publish(json: string): PublishedDocument {
  return { json, hash: sha512Hex(json) };
}

function indexKey(entry: { group: string; version: string }): string {
  return entry.group ? `apis/${entry.group}/${entry.version}` : `api/${entry.version}`;
}

/** `1.32`: kube-apiserver publishes the minor release as the documents' version. */
const documentVersion = `${versionInfo.major}.${versionInfo.minor}`;

type Components = (name: string) => Schema | undefined;

/** Component names resolve through the served definitions' schemas (a custom resource's own first, then Kubernetes'). */
function componentsOf(defs: ResourceDefinition[]): Components {
  const sources = [...new Set(defs.map((def) => resourceSchema(def).components))];
  return (name) => {
    for (const source of sources) {
      const schema = source.schema(name);
      if (schema) return schema;
    }
    return undefined;
  };
}

/** Names of the schemas a value refers to, directly or through other schemas. */
function referencedSchemas(roots: unknown, components: Components): Map<string, Schema> {
  const found = new Map<string, Schema>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (key === '$ref' && typeof child === 'string' && child.startsWith(schemaRefPrefix)) {
          const name = child.slice(schemaRefPrefix.length);
          const schema = found.has(name) ? undefined : components(name);
          if (schema) {
            found.set(name, schema);
            visit(schema);
          }
        } else visit(child);
      }
    }
  };
  visit(roots);
  return new Map([...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const securitySchemes: Record<string, OpenAPIV3.SecuritySchemeObject> = {
  BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' },
};

function sortedByKey<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The component schema of a served kind, list kind or subresource kind. */
function kindSchemaName(def: ResourceDefinition, gvk: GroupVersionKind): string {
  const own = resourceSchema(def);
  const sameVersion = gvk.group === def.group && gvk.version === def.version;
  const name = sameVersion && gvk.kind === def.kind ? own.name : sameVersion && gvk.kind === def.listKind ? own.listName : builtinKindSchema(gvk);
  if (!name) throw new Error(`no schema for ${gvk.group}/${gvk.version} ${gvk.kind}`);
  return name;
}

function groupVersionPaths(entry: GroupVersionEntry): Record<string, PathItem> {
  const paths: Record<string, PathItem> = {};
  for (const def of entry.resources) {
    Object.assign(paths, resourcePaths(def, { schemaOf: (gvk) => kindSchemaName(def, gvk), builtin: resourceSchema(def).goTypes }));
  }
  return sortedByKey(paths);
}

function groupVersionDocument(entry: GroupVersionEntry): GroupVersionDocument {
  const paths = groupVersionPaths(entry);
  const schemas = Object.fromEntries(referencedSchemas(paths, componentsOf(entry.resources)));
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: documentVersion },
    paths,
    components: { schemas, securitySchemes },
  };
}

export function buildDocuments(entries: GroupVersionEntry[]): OpenApiDocuments {
  const documents = new Map<string, GroupVersionDocument>();
  for (const entry of entries) documents.set(indexKey(entry), groupVersionDocument(entry));
  const groupVersions = new Map([...documents].map(([key, document]) => [key, publish(JSON.stringify(document))]));
  const index = { paths: Object.fromEntries([...groupVersions.keys()].sort().map((key) => [key, { serverRelativeURL: `/openapi/v3/${key}?hash=${groupVersions.get(key)!.hash}` }])) };
  let swagger: SwaggerDocument | undefined;
  return {
    groupVersions,
    index: publish(JSON.stringify(index)),
    swagger: () => {
      if (!swagger) {
        const document = swaggerDocument([...documents.values()], componentsOf(entries.flatMap((e) => e.resources)));
        swagger = { ...publish(JSON.stringify(document)), document };
      }
      return swagger;
    },
  };
}

// ---- Swagger 2.0: the same operations and schemas in the older layout ----

interface SwaggerParameter {
  name: string;
  in: string;
  description?: string;
  required?: boolean;
  type?: string;
  uniqueItems?: boolean;
  schema?: unknown;
}

interface SwaggerOperation extends Omit<Operation, 'parameters' | 'requestBody' | 'responses'> {
  consumes?: string[];
  produces: string[];
  schemes: string[];
  parameters: SwaggerParameter[];
  responses: Record<string, { description: string; schema?: unknown }>;
}

type Operation = OpenAPIV3.OperationObject<OperationExtensions>;
const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

function swaggerParameter(parameter: OpenAPIV3.ParameterObject): SwaggerParameter {
  const out: SwaggerParameter = { name: parameter.name, in: parameter.in, type: (parameter.schema as OpenAPIV3.NonArraySchemaObject).type, uniqueItems: true };
  if (parameter.description) out.description = parameter.description;
  if (parameter.required) out.required = true;
  return out;
}

function swaggerOperation(operation: Operation): SwaggerOperation {
  const { requestBody, responses, parameters = [], ...rest } = operation;
  const out: SwaggerOperation = { ...rest, produces: [], schemes: ['https'], parameters: (parameters as OpenAPIV3.ParameterObject[]).map(swaggerParameter), responses: {} };
  const body = requestBody as OpenAPIV3.RequestBodyObject | undefined;
  if (body) {
    const [first] = Object.values(body.content);
    out.parameters.unshift({ name: 'body', in: 'body', required: body.required ?? false, schema: first.schema });
    out.consumes = Object.keys(body.content);
  }
  // A connection takes whatever the client sends.
  if (operation['x-kubernetes-action'] === 'connect') out.consumes = ['*/*'];
  const produces = new Set<string>();
  for (const [code, response] of Object.entries(responses as Record<string, OpenAPIV3.ResponseObject>)) {
    const content = response.content ?? {};
    Object.keys(content).forEach((type) => produces.add(type));
    const [first] = Object.values(content);
    out.responses[code] = first ? { description: response.description, schema: first.schema } : { description: response.description };
  }
  out.produces = [...produces];
  return out;
}

const v2RefPrefix = '#/definitions/';

/** A v3 schema in v2's form, as kube-apiserver writes both: references with siblings are not wrapped in allOf, and v2 has no defaults. */
export function v2FromV3(schema: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema) as Array<[keyof Schema, unknown]>) {
    if (key === 'default') continue;
    if (key === '$ref' || key === 'allOf') {
      const component = referencedComponent(schema);
      if (component !== undefined) {
        out.$ref = `${v2RefPrefix}${component}`;
        continue;
      }
    }
    if (key === 'properties') out.properties = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([name, p]) => [name, v2FromV3(p)]));
    else if ((key === 'items' || key === 'additionalProperties') && value && typeof value === 'object') out[key] = v2FromV3(value as Schema);
    else if (key === 'allOf' || key === 'oneOf' || key === 'anyOf') out[key] = (value as Schema[]).map(v2FromV3);
    else (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

function swaggerDocument(documents: GroupVersionDocument[], components: Components): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const definitions: Record<string, Schema> = {};
  for (const document of documents) {
    for (const [path, item] of Object.entries(document.paths)) {
      const converted: Record<string, unknown> = { parameters: (item!.parameters as OpenAPIV3.ParameterObject[]).map(swaggerParameter) };
      for (const method of httpMethods) {
        const operation = item![method];
        if (operation) converted[method] = swaggerOperation(operation);
      }
      paths[path] = converted;
    }
    for (const name of Object.keys(document.components.schemas)) definitions[name] ??= builtinV2Schema(name) ?? v2FromV3(components(name)!);
  }
  // The operations refer to schemas the way v3 does; only the prefix differs.
  const v2Paths = JSON.parse(JSON.stringify(sortedByKey(paths)).replaceAll(`"${schemaRefPrefix}`, `"${v2RefPrefix}`)) as Record<string, unknown>;
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: documentVersion },
    paths: v2Paths,
    definitions: sortedByKey(definitions),
    securityDefinitions: securitySchemes,
    security: [{ BearerToken: [] }],
  };
}
