// The OpenAPI v2 document as `application/com.github.proto-openapi.spec.v2@v1.0+protobuf`: gnostic's
// openapi_v2.Document message, which kubectl and client-go's discovery ask for. Only the messages
// and fields a Kubernetes document uses are defined here, with gnostic's field numbers; values that
// are JSON of any shape (extensions, defaults, enums) travel as YAML text in an Any, as gnostic
// writes them. protobufjs encodes; it is loaded on the first request that wants protobuf.

import { yamlLibrary } from '../server/libraries.js';
import type { Schema } from './schema.js';

type Json = Record<string, any>;

/** Field definitions in protobufjs' JSON form: name → [id, type, repeated?]. */
type Fields = Record<string, [number, string] | [number, string, 'repeated']>;

const messages: Record<string, Fields> = {
  Document: {
    swagger: [1, 'string'],
    info: [2, 'Info'],
    paths: [8, 'Paths'],
    definitions: [9, 'Definitions'],
    security: [12, 'SecurityRequirement', 'repeated'],
    securityDefinitions: [13, 'SecurityDefinitions'],
  },
  Info: { title: [1, 'string'], version: [2, 'string'] },
  Paths: { path: [2, 'NamedPathItem', 'repeated'] },
  NamedPathItem: { name: [1, 'string'], value: [2, 'PathItem'] },
  PathItem: {
    get: [2, 'Operation'],
    put: [3, 'Operation'],
    post: [4, 'Operation'],
    delete: [5, 'Operation'],
    options: [6, 'Operation'],
    head: [7, 'Operation'],
    patch: [8, 'Operation'],
    parameters: [9, 'ParametersItem', 'repeated'],
  },
  Operation: {
    tags: [1, 'string', 'repeated'],
    description: [3, 'string'],
    operationId: [5, 'string'],
    produces: [6, 'string', 'repeated'],
    consumes: [7, 'string', 'repeated'],
    parameters: [8, 'ParametersItem', 'repeated'],
    responses: [9, 'Responses'],
    schemes: [10, 'string', 'repeated'],
    vendorExtension: [13, 'NamedAny', 'repeated'],
  },
  ParametersItem: { parameter: [1, 'Parameter'] },
  Parameter: { bodyParameter: [1, 'BodyParameter'], nonBodyParameter: [2, 'NonBodyParameter'] },
  BodyParameter: { description: [1, 'string'], name: [2, 'string'], in: [3, 'string'], required: [4, 'bool'], schema: [5, 'Schema'] },
  NonBodyParameter: { queryParameterSubSchema: [3, 'QueryParameterSubSchema'], pathParameterSubSchema: [4, 'PathParameterSubSchema'] },
  QueryParameterSubSchema: { required: [1, 'bool'], in: [2, 'string'], description: [3, 'string'], name: [4, 'string'], type: [6, 'string'], uniqueItems: [20, 'bool'] },
  PathParameterSubSchema: { required: [1, 'bool'], in: [2, 'string'], description: [3, 'string'], name: [4, 'string'], type: [5, 'string'], uniqueItems: [19, 'bool'] },
  Responses: { responseCode: [1, 'NamedResponseValue', 'repeated'] },
  NamedResponseValue: { name: [1, 'string'], value: [2, 'ResponseValue'] },
  ResponseValue: { response: [1, 'Response'] },
  Response: { description: [1, 'string'], schema: [2, 'SchemaItem'] },
  SchemaItem: { schema: [1, 'Schema'] },
  Schema: {
    ref: [1, 'string'],
    format: [2, 'string'],
    description: [4, 'string'],
    default: [5, 'Any'],
    required: [19, 'string', 'repeated'],
    enum: [20, 'Any', 'repeated'],
    additionalProperties: [21, 'AdditionalPropertiesItem'],
    type: [22, 'TypeItem'],
    items: [23, 'ItemsItem'],
    allOf: [24, 'Schema', 'repeated'],
    properties: [25, 'Properties'],
    vendorExtension: [31, 'NamedAny', 'repeated'],
  },
  TypeItem: { value: [1, 'string', 'repeated'] },
  ItemsItem: { schema: [1, 'Schema', 'repeated'] },
  Properties: { additionalProperties: [1, 'NamedSchema', 'repeated'] },
  NamedSchema: { name: [1, 'string'], value: [2, 'Schema'] },
  AdditionalPropertiesItem: { schema: [1, 'Schema'], boolean: [2, 'bool'] },
  Definitions: { additionalProperties: [1, 'NamedSchema', 'repeated'] },
  Any: { yaml: [2, 'string'] },
  NamedAny: { name: [1, 'string'], value: [2, 'Any'] },
  SecurityRequirement: { additionalProperties: [1, 'NamedStringArray', 'repeated'] },
  NamedStringArray: { name: [1, 'string'], value: [2, 'StringArray'] },
  StringArray: { value: [1, 'string', 'repeated'] },
  SecurityDefinitions: { additionalProperties: [1, 'NamedSecurityDefinitionsItem', 'repeated'] },
  NamedSecurityDefinitionsItem: { name: [1, 'string'], value: [2, 'SecurityDefinitionsItem'] },
  SecurityDefinitionsItem: { apiKeySecurity: [2, 'ApiKeySecurity'] },
  ApiKeySecurity: { type: [1, 'string'], name: [2, 'string'], in: [3, 'string'], description: [4, 'string'] },
};

/** Members of a gnostic oneof: only one is set, so they need no oneof declaration to encode. */
function descriptor(): Json {
  const nested: Json = {};
  for (const [name, fields] of Object.entries(messages)) {
    nested[name] = {
      fields: Object.fromEntries(Object.entries(fields).map(([field, [id, type, rule]]) => [field, rule ? { id, type, rule } : { id, type }])),
    };
  }
  return { nested: { openapi: { nested: { v2: { nested } } } } };
}

const anyValue = (value: unknown) => ({ yaml: yamlLibrary().stringify(value) });

function extensions(object: Json): Json[] {
  return Object.keys(object)
    .filter((key) => key.startsWith('x-'))
    .sort()
    .map((name) => ({ name, value: anyValue(object[name]) }));
}

function schemaMessage(schema: Schema): Json {
  const out: Json = {};
  if (schema.$ref) out.ref = schema.$ref;
  if (schema.format) out.format = schema.format;
  if (schema.default !== undefined) out.default = anyValue(schema.default);
  if (schema.required) out.required = schema.required;
  if (schema.enum) out.enum = schema.enum.map(anyValue);
  if (schema.additionalProperties !== undefined) {
    out.additionalProperties = typeof schema.additionalProperties === 'boolean' ? { boolean: schema.additionalProperties } : { schema: schemaMessage(schema.additionalProperties) };
  }
  if (schema.type) out.type = { value: [schema.type] };
  if (schema.items) out.items = { schema: [schemaMessage(schema.items)] };
  if (schema.allOf) out.allOf = schema.allOf.map(schemaMessage);
  if (schema.properties) out.properties = { additionalProperties: Object.entries(schema.properties).map(([name, value]) => ({ name, value: schemaMessage(value) })) };
  const vendor = extensions(schema);
  if (vendor.length) out.vendorExtension = vendor;
  return out;
}

function parameterMessage(parameter: Json): Json {
  if (parameter.in === 'body') {
    const body: Json = { name: parameter.name, in: 'body', schema: schemaMessage(parameter.schema) };
    if (parameter.description) body.description = parameter.description;
    if (parameter.required) body.required = true;
    return { parameter: { bodyParameter: body } };
  }
  const sub: Json = { in: parameter.in, name: parameter.name, type: parameter.type };
  if (parameter.description) sub.description = parameter.description;
  if (parameter.required) sub.required = true;
  if (parameter.uniqueItems) sub.uniqueItems = true;
  return { parameter: { nonBodyParameter: parameter.in === 'path' ? { pathParameterSubSchema: sub } : { queryParameterSubSchema: sub } } };
}

function operationMessage(operation: Json): Json {
  const out: Json = {};
  for (const key of ['tags', 'description', 'operationId', 'produces', 'consumes', 'schemes'] as const) if (operation[key] !== undefined) out[key] = operation[key];
  if (operation.parameters) out.parameters = operation.parameters.map(parameterMessage);
  out.responses = {
    responseCode: Object.entries(operation.responses as Record<string, Json>).map(([name, response]) => {
      const value: Json = { description: response.description };
      if (response.schema) value.schema = { schema: schemaMessage(response.schema) };
      return { name, value: { response: value } };
    }),
  };
  const vendor = extensions(operation);
  if (vendor.length) out.vendorExtension = vendor;
  return out;
}

const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

/** The Swagger 2.0 document in the shape of gnostic's Document message. */
function documentMessage(document: Json): Json {
  return {
    swagger: document.swagger,
    info: document.info,
    paths: {
      path: Object.entries(document.paths as Record<string, Json>).map(([name, item]) => {
        const value: Json = {};
        for (const method of methods) if (item[method]) value[method] = operationMessage(item[method]);
        if (item.parameters) value.parameters = item.parameters.map(parameterMessage);
        return { name, value };
      }),
    },
    definitions: { additionalProperties: Object.entries(document.definitions as Record<string, Schema>).map(([name, value]) => ({ name, value: schemaMessage(value) })) },
    security: (document.security as Array<Record<string, string[]>>).map((requirement) => ({
      additionalProperties: Object.entries(requirement).map(([name, value]) => ({ name, value: { value } })),
    })),
    securityDefinitions: {
      additionalProperties: Object.entries(document.securityDefinitions as Record<string, Json>).map(([name, value]) => ({ name, value: { apiKeySecurity: value } })),
    },
  };
}

let documentType: Promise<{ encode(message: unknown): { finish(): Uint8Array }; fromObject(object: Json): unknown }> | undefined;

/** The document encoded as gnostic's openapi.v2.Document. */
export async function swaggerProtobuf(document: Record<string, unknown>): Promise<Buffer> {
  documentType ??= import('protobufjs/light.js').then(({ default: protobuf }) => protobuf.Root.fromJSON(descriptor()).lookupType('openapi.v2.Document'));
  const type = await documentType;
  return Buffer.from(type.encode(type.fromObject(documentMessage(document))).finish());
}
