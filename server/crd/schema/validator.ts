// openAPIV3Schema validation of custom resources: the schema is translated once into a JSON Schema
// that ajv compiles, and ajv's findings are worded as kube-openapi's validator words them, one field
// error per problem (`spec.replicas: Invalid value: "x": spec.replicas in body must be of type integer: "string"`).

import type { ErrorObject, ValidateFunction } from 'ajv';
import { field, FieldError } from '../../errors.js';
import { isJsonObject } from '../../json.js';
import { ajvLibrary } from '../../libraries.js';
import { formatCheckers, supportedFormat } from './formats.js';
import { goRegExp } from './regex.js';
import { childPath, indexPath, type JSONSchemaProps } from './types.js';

type AjvSchema = Record<string, unknown>;

/** The JSON Schema ajv validates: types widened for nullable and int-or-string, OpenAPI's boolean exclusive bounds as numbers. */
function toAjv(schema: JSONSchemaProps): AjvSchema {
  const out: AjvSchema = {};
  let types: string[] | undefined = schema.type ? [schema.type] : undefined;
  if (schema['x-kubernetes-int-or-string']) types = ['integer', 'string'];
  if (types) {
    if (schema.nullable) types.push('null');
    out.type = types.length === 1 ? types[0] : types;
  }
  const format = supportedFormat(schema.format);
  if (format && (schema.type === 'string' || !schema.type)) out.format = format;
  if (schema.enum) out.enum = schema.nullable ? [...schema.enum, null] : schema.enum;
  if (schema.pattern !== undefined) out.pattern = schema.pattern;
  for (const key of ['maxLength', 'minLength', 'maxItems', 'minItems', 'maxProperties', 'minProperties', 'multipleOf'] as const) {
    if (schema[key] !== undefined) out[key] = schema[key];
  }
  if (schema.maximum !== undefined) out[schema.exclusiveMaximum ? 'exclusiveMaximum' : 'maximum'] = schema.maximum;
  if (schema.minimum !== undefined) out[schema.exclusiveMinimum ? 'exclusiveMinimum' : 'minimum'] = schema.minimum;
  if (schema.uniqueItems) out.uniqueItems = true;
  if (schema.required?.length) out.required = schema.required;
  if (schema.properties) out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, toAjv(v)]));
  if (typeof schema.additionalProperties === 'object') out.additionalProperties = toAjv(schema.additionalProperties);
  else if (schema.additionalProperties === false) out.additionalProperties = false;
  if (schema.items) out.items = toAjv(schema.items);
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) if (schema[key]) out[key] = schema[key]!.map(toAjv);
  if (schema.not) out.not = toAjv(schema.not);
  return out;
}

/** ajv's regular expression engine, taking patterns in Go's syntax. */
const goPatterns = Object.assign((pattern: string) => goRegExp(pattern), { code: 'goRegExp' });

function ajvInstance() {
  const ajv = new (ajvLibrary().default)({ allErrors: true, strict: false, validateSchema: false, formats: {}, code: { regExp: goPatterns } });
  for (const [name, check] of Object.entries(formatCheckers)) ajv.addFormat(name, { type: 'string', validate: check });
  return ajv;
}

let sharedAjv: ReturnType<typeof ajvInstance> | undefined;

/** JSON type names as kube-openapi prints them. */
function jsonTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'boolean') return 'boolean';
  return typeof value === 'object' ? 'object' : 'string';
}

/** Go's %v of a float64 bound: exponent form below 1e-4 and from 1e21, with at least two exponent digits. */
function goNumber(value: number): string {
  const exponent = value === 0 ? 0 : Math.floor(Math.log10(Math.abs(value)));
  if (exponent >= -4 && exponent < 21) return String(value);
  const [mantissa, exp] = value.toExponential().split('e');
  const sign = exp.startsWith('-') ? '-' : '+';
  return `${mantissa}e${sign}${exp.replace(/^[-+]/, '').padStart(2, '0')}`;
}

/** Walks a JSON pointer through the value, naming each step as a field path does. */
function resolvePointer(root: unknown, pointer: string, base: string): { path: string; value: unknown } {
  let path = base;
  let value = root;
  if (!pointer) return { path, value };
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(value)) {
      path = indexPath(path, Number(key));
      value = value[Number(key)];
    } else {
      path = childPath(path, key);
      value = isJsonObject(value) ? value[key] : undefined;
    }
  }
  return { path, value };
}

function fieldErrorOf(error: ErrorObject, root: unknown, base: string, rootName: string, schemaAt: (pointer: string) => AjvSchema | undefined): FieldError | undefined {
  const { path, value } = resolvePointer(root, error.instancePath, base);
  // Messages name the field from the value checked (`level in body` for status.level of a status check).
  const name = (base ? resolvePointer(root, error.instancePath, '').path : path) || rootName;
  const params = error.params as Record<string, any>;
  const invalid = (detail: string) => field.invalid(path, value ?? '', detail);
  switch (error.keyword) {
    case 'required':
      return field.required(childPath(path, params.missingProperty));
    case 'type': {
      const types = Array.isArray(params.type) ? params.type.filter((t: string) => t !== 'null').join(',') : params.type;
      return new FieldError('FieldValueTypeInvalid', path, `${name} in body must be of type ${types}: "${jsonTypeName(value)}"`, jsonTypeName(value));
    }
    case 'format':
      return new FieldError('FieldValueTypeInvalid', path, `${name} in body must be of type ${params.format}: ${JSON.stringify(value)}`, value);
    case 'enum': {
      const allowed = (schemaAt(error.schemaPath)?.enum as unknown[] | undefined) ?? params.allowedValues ?? [];
      return field.notSupported(path, value, allowed.filter((v: unknown) => v !== null).map((v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v))));
    }
    case 'maxLength':
      return new FieldError('FieldValueTooLong', path, `may not be more than ${params.limit} bytes`, '<value omitted>');
    case 'minLength':
      return invalid(`${name} in body should be at least ${params.limit} chars long`);
    case 'pattern':
      return invalid(`${name} in body should match '${params.pattern}'`);
    case 'maximum':
      return invalid(`${name} in body should be less than or equal to ${goNumber(params.limit)}`);
    case 'exclusiveMaximum':
      return invalid(`${name} in body should be less than ${goNumber(params.limit)}`);
    case 'minimum':
      return invalid(`${name} in body should be greater than or equal to ${goNumber(params.limit)}`);
    case 'exclusiveMinimum':
      return invalid(`${name} in body should be greater than ${goNumber(params.limit)}`);
    case 'multipleOf':
      return invalid(`${name} in body should be a multiple of ${goNumber(params.multipleOf)}`);
    case 'maxItems':
      return new FieldError('FieldValueTooMany', path, `must have at most ${params.limit} items`, Array.isArray(value) ? value.length : undefined);
    case 'minItems':
      return invalid(`${name} in body should have at least ${params.limit} items`);
    case 'uniqueItems':
      return invalid(`${name} in body shouldn't contain duplicates`);
    case 'maxProperties':
      return new FieldError('FieldValueTooMany', path, `must have at most ${params.limit} items`, isJsonObject(value) ? Object.keys(value).length : undefined);
    case 'minProperties':
      return invalid(`${name} in body should have at least ${params.limit} properties`);
    case 'additionalProperties':
      return invalid(`${name}.${params.additionalProperty} in body is a forbidden property`);
    case 'not':
      return invalid(`${name} in body must not validate the schema (not)`);
    case 'oneOf':
      return invalid(`"${name}" must validate one and only one schema (oneOf)`);
    case 'anyOf':
      return invalid(`"${name}" must validate at least one schema (anyOf)`);
    default:
      return undefined;
  }
}

/** kube-openapi's checks done directly, with ajv's findings' shape (for one-off values such as defaults: compiling would cost more). */
function interpret(value: unknown, schema: AjvSchema, pointer: string, out: ErrorObject[]): void {
  const report = (keyword: string, params: Record<string, unknown>, at = pointer): void => {
    out.push({ keyword, instancePath: at, schemaPath: '', params } as ErrorObject);
  };
  const types = schema.type === undefined ? undefined : ([] as string[]).concat(schema.type as string | string[]);
  if (types) {
    const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'number') : typeof value;
    const fits = types.includes(actual) || (actual === 'integer' && types.includes('number'));
    if (!fits) return report('type', { type: types.length === 1 ? types[0] : types });
  }
  if (schema.enum && !(schema.enum as unknown[]).some((v) => JSON.stringify(v) === JSON.stringify(value))) report('enum', { allowedValues: schema.enum });
  if (typeof value === 'string') {
    const length = [...value].length;
    if (schema.maxLength !== undefined && length > (schema.maxLength as number)) report('maxLength', { limit: schema.maxLength });
    if (schema.minLength !== undefined && length < (schema.minLength as number)) report('minLength', { limit: schema.minLength });
    if (schema.pattern !== undefined && !goRegExp(schema.pattern as string).test(value)) report('pattern', { pattern: schema.pattern });
    if (schema.format !== undefined && !formatCheckers[schema.format as string](value)) report('format', { format: schema.format });
  }
  if (typeof value === 'number') {
    const bound = (keyword: string, fails: (limit: number) => boolean) => schema[keyword] !== undefined && fails(schema[keyword] as number) && report(keyword, { limit: schema[keyword] });
    bound('maximum', (l) => value > l);
    bound('exclusiveMaximum', (l) => value >= l);
    bound('minimum', (l) => value < l);
    bound('exclusiveMinimum', (l) => value <= l);
    if (schema.multipleOf !== undefined && !Number.isInteger(value / (schema.multipleOf as number))) report('multipleOf', { multipleOf: schema.multipleOf });
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > (schema.maxItems as number)) report('maxItems', { limit: schema.maxItems });
    if (schema.minItems !== undefined && value.length < (schema.minItems as number)) report('minItems', { limit: schema.minItems });
    if (schema.items) value.forEach((item, i) => interpret(item, schema.items as AjvSchema, `${pointer}/${i}`, out));
  }
  if (isJsonObject(value)) {
    const keys = Object.keys(value);
    if (schema.maxProperties !== undefined && keys.length > (schema.maxProperties as number)) report('maxProperties', { limit: schema.maxProperties });
    if (schema.minProperties !== undefined && keys.length < (schema.minProperties as number)) report('minProperties', { limit: schema.minProperties });
    for (const required of (schema.required as string[] | undefined) ?? []) if (!Object.hasOwn(value, required)) report('required', { missingProperty: required });
    const properties = (schema.properties ?? {}) as Record<string, AjvSchema>;
    for (const key of keys) {
      const child = Object.hasOwn(properties, key) ? properties[key] : isJsonObject(schema.additionalProperties) ? (schema.additionalProperties as AjvSchema) : undefined;
      if (child) interpret(value[key], child, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`, out);
    }
  }
}

export interface SchemaValidator {
  /**
   * Field errors for a value checked against the schema, paths starting at `base` (empty for the whole
   * object); messages name fields from the value itself, which `rootName` names ("." unless told).
   */
  validate(value: unknown, base?: string, rootName?: string): FieldError[];
}

function wordErrors(errors: ErrorObject[], value: unknown, base: string, rootName: string, schemaAt: (pointer: string) => AjvSchema | undefined): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const fe = fieldErrorOf(error, value, base, rootName, schemaAt);
    if (!fe) continue;
    const key = `${fe.type}|${fe.field}|${fe.detail}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(fe);
    }
  }
  return out;
}

/**
 * Checks one value without compiling (value validations such as allOf and anyOf are not
 * interpreted): for defaults, each checked once when a CRD is written.
 */
export function checkValue(value: unknown, schema: JSONSchemaProps, base = '', rootName = '.'): FieldError[] {
  const ajvSchema = toAjv(schema);
  const errors: ErrorObject[] = [];
  interpret(value, ajvSchema, '', errors);
  return wordErrors(errors, value, base, rootName, () => undefined);
}

/**
 * Compiles a structural schema on first use (large schemas cost tens of milliseconds to compile).
 * ajv itself loads with the first served custom resource, so that its first write does not pay for it.
 */
export function schemaValidator(schema: JSONSchemaProps): SchemaValidator {
  const ajv = (sharedAjv ??= ajvInstance());
  let compiled: { fn: ValidateFunction; ajvSchema: AjvSchema } | undefined;
  const compile = () => {
    const ajvSchema = toAjv(schema);
    return { fn: ajv.compile(ajvSchema), ajvSchema };
  };
  return {
    validate(value, base = '', rootName = '.') {
      compiled ??= compile();
      if (compiled.fn(value)) return [];
      const root = compiled.ajvSchema;
      const schemaAt = (pointer: string): AjvSchema | undefined => {
        let node: unknown = root;
        for (const part of pointer.replace(/^#\/?/, '').split('/').slice(0, -1)) node = isJsonObject(node) || Array.isArray(node) ? (node as any)[part] : undefined;
        return isJsonObject(node) ? (node as AjvSchema) : undefined;
      };
      // anyOf/oneOf also report their branches' failures; kube-openapi reports the composite only.
      return wordErrors((compiled.fn.errors ?? []).filter((e) => e.keyword !== 'if'), value, base, rootName, schemaAt);
    },
  };
}
