// The published documents: one OpenAPI 3.0 document per served group-version, the /openapi/v3 index
// naming each by the hash of its bytes, and a single Swagger 2.0 document for older clients.

import { createHash } from 'node:crypto';
import type { OpenAPIV3 } from 'openapi-types';
import { versionInfo } from '../server/handlers/health.js';
import type { GroupVersionEntry } from '../server/registry/registry.js';
import { type OperationExtensions, type PathItem, resourcePaths } from './paths.js';
import { gvkKey, type Schema, type SchemaCatalog, schemaRefPrefix } from './schemas.js';

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
  swagger(): PublishedDocument;
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

/** Names of the schemas a value refers to, directly or through other schemas. */
function referencedSchemas(roots: unknown, schemas: Record<string, Schema>): string[] {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (key === '$ref' && typeof child === 'string' && child.startsWith(schemaRefPrefix)) {
          const name = child.slice(schemaRefPrefix.length);
          if (!found.has(name) && schemas[name]) {
            found.add(name);
            visit(schemas[name]);
          }
        } else visit(child);
      }
    }
  };
  visit(roots);
  return [...found].sort();
}

const securitySchemes: Record<string, OpenAPIV3.SecuritySchemeObject> = {
  BearerToken: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer token authentication' },
};

function sortedByKey<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function groupVersionPaths(entry: GroupVersionEntry, catalog: SchemaCatalog): Record<string, PathItem> {
  const paths: Record<string, PathItem> = {};
  const kindSchema = (gvk: { group: string; version: string; kind: string }) => {
    const kind = catalog.kinds.get(gvkKey(gvk));
    if (!kind) throw new Error(`no schema for ${gvkKey(gvk)}`);
    return kind;
  };
  for (const def of entry.resources) {
    Object.assign(paths, resourcePaths(def, { schemaOf: (gvk) => kindSchema(gvk).name, builtin: kindSchema(def).builtin }));
  }
  return sortedByKey(paths);
}

function groupVersionDocument(entry: GroupVersionEntry, catalog: SchemaCatalog): GroupVersionDocument {
  const paths = groupVersionPaths(entry, catalog);
  const schemas = Object.fromEntries(referencedSchemas(paths, catalog.schemas).map((name) => [name, catalog.schemas[name]]));
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: versionInfo.gitVersion },
    paths,
    components: { schemas, securitySchemes },
    security: [{ BearerToken: [] }],
  };
}

export function buildDocuments(entries: GroupVersionEntry[], schemas: SchemaCatalog): OpenApiDocuments {
  const documents = new Map<string, GroupVersionDocument>();
  for (const entry of entries) documents.set(indexKey(entry), groupVersionDocument(entry, schemas));
  const groupVersions = new Map([...documents].map(([key, document]) => [key, publish(JSON.stringify(document))]));
  const index = { paths: Object.fromEntries([...groupVersions.keys()].sort().map((key) => [key, { serverRelativeURL: `/openapi/v3/${key}?hash=${groupVersions.get(key)!.hash}` }])) };
  let swagger: PublishedDocument | undefined;
  return {
    groupVersions,
    index: publish(JSON.stringify(index)),
    swagger: () => (swagger ??= publish(swaggerJson([...documents.values()], schemas))),
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
const httpMethods = ['get', 'put', 'post', 'delete', 'patch'] as const;

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

function swaggerJson(documents: GroupVersionDocument[], catalog: SchemaCatalog): string {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const document of documents) {
    for (const [path, item] of Object.entries(document.paths)) {
      const converted: Record<string, unknown> = { parameters: (item!.parameters as OpenAPIV3.ParameterObject[]).map(swaggerParameter) };
      for (const method of httpMethods) {
        const operation = item![method];
        if (operation) converted[method] = swaggerOperation(operation);
      }
      paths[path] = converted;
    }
  }
  const document = {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: versionInfo.gitVersion },
    paths: sortedByKey(paths),
    definitions: sortedByKey(catalog.schemas),
    securityDefinitions: securitySchemes,
    security: [{ BearerToken: [] }],
  };
  // Only the reference prefix differs between the two layouts' schemas.
  return JSON.stringify(document).replaceAll(`"${schemaRefPrefix}`, '"#/definitions/');
}
