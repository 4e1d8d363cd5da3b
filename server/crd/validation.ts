// Validation of a CustomResourceDefinition as apiextensions-apiserver words it: names, group, scope,
// versions (exactly one storage version), subresources, printer columns, conversion, stored versions
// and the structural schema rules. Schemas (and subresources, columns) that every version shares are
// reported under spec.validation (spec.subresources, spec.additionalPrinterColumns), where
// kube-apiserver's internal form keeps them.

import { field, FieldError, GoLiteral } from '../errors.js';
import { isJsonObject, jsonEqual } from '../json.js';
import { isDNS1035Label, isDNS1123Subdomain } from '../registry/validation.js';
import { compileRules } from './cel/rules.js';
import { goRegExp } from './schema/regex.js';
import { goValue, prune } from './schema/structural.js';
import type { JSONSchemaProps } from './schema/types.js';
import { checkValue } from './schema/validator.js';
import type { CustomResourceDefinition, CustomResourceDefinitionVersion } from './types.js';

const printerColumnTypes = ['boolean', 'date', 'integer', 'number', 'string'];
const printerColumnFormats = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];
const conversionReviewVersions = ['v1', 'v1beta1'];

const joined = (problems: string[]) => problems.join(',');

/** What every version shares, or undefined when they differ (or there is only none). */
function shared<T>(versions: CustomResourceDefinitionVersion[], pick: (v: CustomResourceDefinitionVersion) => T): T | undefined {
  if (versions.length === 0) return undefined;
  const first = pick(versions[0]);
  return versions.every((v) => jsonEqual(pick(v), first)) ? first : undefined;
}

/** Where a version's schema, subresources and columns are reported. */
export function versionPaths(crd: CustomResourceDefinition, index: number) {
  const versions = crd.spec.versions ?? [];
  const sharedSchema = shared(versions, (v) => v.schema) !== undefined;
  const sharedSubresources = shared(versions, (v) => v.subresources) !== undefined;
  const sharedColumns = shared(versions, (v) => v.additionalPrinterColumns) !== undefined;
  const own = `spec.versions[${index}]`;
  return {
    schema: sharedSchema ? 'spec.validation.openAPIV3Schema' : `${own}.schema.openAPIV3Schema`,
    subresources: sharedSubresources ? 'spec.subresources' : `${own}.subresources`,
    columns: sharedColumns ? 'spec.additionalPrinterColumns' : `${own}.additionalPrinterColumns`,
    shared: { schema: sharedSchema, subresources: sharedSubresources, columns: sharedColumns },
  };
}

/** kubectl-style simple JSON paths: `.spec.replicas`, `.status.conditions[0].type`. */
function validateSimpleJsonPath(path: string, at: string): FieldError[] {
  if (!path.startsWith('.')) return [field.invalid(at, path, 'must be a simple json path starting with .')];
  if (!/^(\.[^.[\]]+|\[[^\]]*\])+$/.test(path)) return [field.invalid(at, path, 'must be a simple json path starting with .')];
  return [];
}

function validateNames(crd: CustomResourceDefinition): FieldError[] {
  const names = crd.spec.names ?? ({} as CustomResourceDefinition['spec']['names']);
  const out: FieldError[] = [];
  const at = 'spec.names';
  if (!names.plural) out.push(field.required(`${at}.plural`));
  if (!names.singular) out.push(field.required(`${at}.singular`));
  if (!names.kind) out.push(field.required(`${at}.kind`));
  if (!names.listKind) out.push(field.required(`${at}.listKind`));
  out.push(...validateNameValues(names, at));
  return out;
}

/** A /status write is checked for its accepted names only (ValidateUpdateCustomResourceDefinitionStatus). */
export function validateCustomResourceDefinitionStatus(crd: CustomResourceDefinition): FieldError[] {
  return validateNameValues(crd.status?.acceptedNames ?? {}, 'status.acceptedNames');
}

/** The form of each name that is set (ValidateCustomResourceDefinitionNames). */
function validateNameValues(names: Partial<CustomResourceDefinition['spec']['names']>, at: string): FieldError[] {
  const out: FieldError[] = [];
  const label = (value: string | undefined, path: string, mixedCase = false) => {
    if (!value) return;
    const problems = isDNS1035Label(mixedCase ? value.toLowerCase() : value);
    if (problems.length) out.push(field.invalid(path, value, `${mixedCase ? 'may have mixed case, but should otherwise match: ' : ''}${joined(problems)}`));
  };
  label(names.plural, `${at}.plural`);
  label(names.singular, `${at}.singular`);
  label(names.kind, `${at}.kind`, true);
  label(names.listKind, `${at}.listKind`, true);
  (names.shortNames ?? []).forEach((s, i) => label(s, `${at}.shortNames[${i}]`) ?? (s === '' ? undefined : undefined));
  if (names.kind && names.kind === names.listKind) out.push(field.invalid(`${at}.listKind`, names.listKind, 'kind and listKind may not be the same'));
  (names.categories ?? []).forEach((c, i) => label(c, `${at}.categories[${i}]`));
  return out;
}

function validateSubresources(subresources: CustomResourceDefinitionVersion['subresources'], at: string): FieldError[] {
  const scale = subresources?.scale;
  if (!scale) return [];
  const out: FieldError[] = [];
  const check = (value: string | undefined, name: string, prefixes: string[], under: string, required: boolean) => {
    const path = `${at}.scale.${name}`;
    if (!value) {
      if (required) out.push(field.required(path));
      return;
    }
    const problems = validateSimpleJsonPath(value, path);
    if (problems.length) out.push(...problems);
    else if (!prefixes.some((p) => value.startsWith(p))) out.push(field.invalid(path, value, `should be a json path under ${under}`));
  };
  check(scale.specReplicasPath, 'specReplicasPath', ['.spec.'], '.spec', true);
  check(scale.statusReplicasPath, 'statusReplicasPath', ['.status.'], '.status', true);
  check(scale.labelSelectorPath, 'labelSelectorPath', ['.spec.', '.status.'], 'either .spec or .status', false);
  return out;
}

function validateColumns(columns: CustomResourceDefinitionVersion['additionalPrinterColumns'], at: string): FieldError[] {
  const out: FieldError[] = [];
  (columns ?? []).forEach((column, i) => {
    const path = `${at}[${i}]`;
    if (!column.name) out.push(field.required(`${path}.name`));
    if (!column.type) out.push(field.required(`${path}.type`, `must be one of ${printerColumnTypes.join(',')}`));
    else if (!printerColumnTypes.includes(column.type)) out.push(field.invalid(`${path}.type`, column.type, `must be one of ${printerColumnTypes.join(',')}`));
    if (column.format && !printerColumnFormats.includes(column.format)) out.push(field.invalid(`${path}.format`, column.format, `must be one of ${printerColumnFormats.join(',')}`));
    if (!column.jsonPath) out.push(field.required(`${path}.JSONPath`));
    else out.push(...validateSimpleJsonPath(column.jsonPath, `${path}.JSONPath`));
  });
  return out;
}

type Level = 'root' | 'item' | 'field';

const junctorForbidden: Array<[keyof JSONSchemaProps, string]> = [
  ['type', 'must be empty to be structural'],
  ['additionalProperties', 'must be undefined to be structural'],
  ['default', 'must be undefined to be structural'],
  ['title', 'must be empty to be structural'],
  ['description', 'must be empty to be structural'],
  ['nullable', 'must be false to be structural'],
  ['x-kubernetes-preserve-unknown-fields', 'must be false to be structural'],
  ['x-kubernetes-embedded-resource', 'must be false to be structural'],
  ['x-kubernetes-int-or-string', 'must be false to be structural'],
  ['x-kubernetes-list-map-keys', 'must be empty to be structural'],
  ['x-kubernetes-list-type', 'must be undefined to be structural'],
  ['x-kubernetes-map-type', 'must be undefined to be structural'],
  ['x-kubernetes-validations', 'must be empty to be structural'],
];

const unsupportedKeywords: Array<[string, string]> = [
  ['$ref', '$ref is not supported'],
  ['definitions', 'definitions are not supported'],
  ['dependencies', 'dependencies are not supported'],
  ['additionalItems', 'additionalItems cannot be set to false'],
  ['patternProperties', 'patternProperties is not supported'],
  ['id', 'id is not supported'],
  ['$schema', '$schema is not supported'],
];

const isIntOrStringAnyOf = (anyOf: JSONSchemaProps[] | undefined) => jsonEqual(anyOf, [{ type: 'integer' }, { type: 'string' }]);

function unsupportedKeywordProblems(schema: JSONSchemaProps, path: string): FieldError[] {
  const out: FieldError[] = [];
  for (const [key, message] of unsupportedKeywords) if (schema[key] !== undefined && !(key === 'additionalItems' && schema[key] !== false)) out.push(field.forbidden(`${path}.${key}`, message));
  for (const [key, child] of Object.entries(schema.properties ?? {})) out.push(...unsupportedKeywordProblems(child, `${path}.properties[${key}]`));
  if (isJsonObject(schema.additionalProperties)) out.push(...unsupportedKeywordProblems(schema.additionalProperties as JSONSchemaProps, `${path}.additionalProperties`));
  if (schema.items) out.push(...unsupportedKeywordProblems(schema.items, `${path}.items`));
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) schema[key]?.forEach((s, i) => out.push(...unsupportedKeywordProblems(s, `${path}.${key}[${i}]`)));
  if (schema.not) out.push(...unsupportedKeywordProblems(schema.not, `${path}.not`));
  return out;
}

/** Value validations (allOf, anyOf, oneOf, not) may not say anything structural. */
function validateJunctor(schema: JSONSchemaProps, path: string, out: FieldError[], nested: boolean): void {
  for (const [key, message] of junctorForbidden) {
    const value = schema[key];
    if (value === undefined || value === false || (Array.isArray(value) && value.length === 0)) continue;
    out.push(field.forbidden(`${path}.${key}`, message));
  }
  if (nested && schema.properties?.metadata) out.push(field.forbidden(`${path}.properties[metadata]`, 'must not be specified in a nested context'));
  for (const [key, child] of Object.entries(schema.properties ?? {})) validateJunctor(child, `${path}.properties[${key}]`, out, true);
  if (schema.items) validateJunctor(schema.items, `${path}.items`, out, true);
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) schema[key]?.forEach((s, i) => validateJunctor(s, `${path}.${key}[${i}]`, out, true));
  if (schema.not) validateJunctor(schema.not, `${path}.not`, out, true);
}

function validateStructural(schema: JSONSchemaProps, level: Level, path: string, out: FieldError[], structuralOut: FieldError[]): void {
  if (schema.uniqueItems === true) out.push(field.forbidden(`${path}.uniqueItems`, 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  if (schema.properties && schema.additionalProperties !== undefined && schema.additionalProperties !== false) {
    out.push(field.forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
  }
  if (schema.pattern !== undefined) {
    try {
      goRegExp(schema.pattern);
    } catch (err) {
      out.push(field.invalid(`${path}.pattern`, schema.pattern, `must be a valid regular expression, but isn't: ${(err as Error).message}`));
    }
  }
  const listType = schema['x-kubernetes-list-type'];
  if (listType !== undefined && schema.type !== 'array') out.push(field.invalid(`${path}.x-kubernetes-list-type`, listType, 'must only be used if type == array'));
  if (listType === 'map') {
    const keys = schema['x-kubernetes-list-map-keys'] ?? [];
    if (keys.length === 0) out.push(field.required(`${path}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map'));
    const items = schema.items;
    if (items && items.type !== 'object') out.push(field.invalid(`${path}.items.type`, items.type ?? '', 'must be object when x-kubernetes-list-type is map'));
    for (const key of keys) {
      const keySchema = items?.properties?.[key];
      if (items?.type === 'object' && !keySchema) out.push(field.invalid(`${path}.x-kubernetes-list-map-keys`, keys, `entries must all be names of item properties`));
      else if (keySchema && !(items?.required ?? []).includes(key) && keySchema.default === undefined) {
        out.push(field.required(`${path}.items.properties[${key}].default`, 'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property'));
      }
    }
  } else if (schema['x-kubernetes-list-map-keys'] !== undefined) {
    out.push(field.forbidden(`${path}.x-kubernetes-list-map-keys`, 'must be empty if x-kubernetes-list-type is not map'));
  }
  if (listType === 'set' && schema.items && schema.items.type !== undefined && !['string', 'integer', 'number', 'boolean'].includes(schema.items.type) && !schema.items['x-kubernetes-map-type']) {
    out.push(field.invalid(`${path}.items.x-kubernetes-map-type`, schema.items['x-kubernetes-map-type'] ?? null, 'must be atomic as item of a list with x-kubernetes-list-type=set'));
  }

  if (schema.type === 'array' && !schema.items) structuralOut.push(field.required(`${path}.items`, 'must be specified'));
  if (schema.items) validateStructural(schema.items, 'item', `${path}.items`, out, structuralOut);
  for (const [key, child] of Object.entries(schema.properties ?? {})) validateStructural(child, 'field', `${path}.properties[${key}]`, out, structuralOut);
  if (schema.additionalProperties !== undefined && schema.additionalProperties !== false) {
    if (level === 'root') structuralOut.push(field.forbidden(`${path}.additionalProperties`, 'must not be used at the root'));
    if (isJsonObject(schema.additionalProperties)) validateStructural(schema.additionalProperties as JSONSchemaProps, 'field', `${path}.additionalProperties`, out, structuralOut);
  }
  const skipAnyOf = isIntOrStringAnyOf(schema.anyOf);
  const skipFirstAllOf = isIntOrStringAnyOf(schema.allOf?.[0]?.anyOf);
  schema.allOf?.forEach((s, i) => (i === 0 && skipFirstAllOf ? undefined : validateJunctor(s, `${path}.allOf[${i}]`, structuralOut, level !== 'root')));
  if (!skipAnyOf) schema.anyOf?.forEach((s, i) => validateJunctor(s, `${path}.anyOf[${i}]`, structuralOut, level !== 'root'));
  schema.oneOf?.forEach((s, i) => validateJunctor(s, `${path}.oneOf[${i}]`, structuralOut, level !== 'root'));
  if (schema.not) validateJunctor(schema.not, `${path}.not`, structuralOut, level !== 'root');

  const embedded = schema['x-kubernetes-embedded-resource'] === true;
  if (embedded && schema.type !== 'object') {
    if (!schema.type) structuralOut.push(field.required(`${path}.type`, 'must be object if x-kubernetes-embedded-resource is true'));
    else structuralOut.push(field.invalid(`${path}.type`, schema.type, 'must be object if x-kubernetes-embedded-resource is true'));
  } else if (!schema.type && !schema['x-kubernetes-int-or-string'] && !schema['x-kubernetes-preserve-unknown-fields']) {
    const where = { root: 'at the root', item: 'for specified array items', field: 'for specified object fields' }[level];
    structuralOut.push(field.required(`${path}.type`, `must not be empty ${where}`));
  }
  if (embedded && schema.additionalProperties !== undefined) structuralOut.push(field.forbidden(`${path}.additionalProperties`, 'must not be used if x-kubernetes-embedded-resource is set'));
  if (level === 'root' && schema.type && schema.type !== 'object') structuralOut.push(field.invalid(`${path}.type`, schema.type, 'must be object at the root'));
  const checkMetadata = level === 'root' || embedded;
  for (const key of ['kind', 'apiVersion']) {
    const property = schema.properties?.[key];
    if (property && checkMetadata && property.type !== 'string') structuralOut.push(field.invalid(`${path}.properties[${key}].type`, property.type ?? '', 'must be string'));
  }
  const metadata = schema.properties?.metadata;
  if (metadata) {
    if (checkMetadata && metadata.type !== 'object') structuralOut.push(field.invalid(`${path}.properties[metadata].type`, metadata.type ?? '', 'must be object'));
    if (level === 'root') {
      const { type: _type, default: _default, properties, ...rest } = metadata;
      const onlyNames = !properties || Object.keys(properties).every((k) => k === 'name' || k === 'generateName');
      if (!onlyNames || Object.keys(rest).length > 0) {
        structuralOut.push(field.forbidden(`${path}.properties[metadata]`, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
      }
    }
  }
  if (embedded && !schema['x-kubernetes-preserve-unknown-fields'] && Object.keys(schema.properties ?? {}).length === 0) {
    structuralOut.push(field.required(`${path}.properties`, 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
  }
  if (schema['x-kubernetes-int-or-string']) {
    if (schema['x-kubernetes-preserve-unknown-fields']) structuralOut.push(field.invalid(`${path}.x-kubernetes-preserve-unknown-fields`, true, 'must be false if x-kubernetes-int-or-string is true'));
    if (embedded) structuralOut.push(field.invalid(`${path}.x-kubernetes-embedded-resource`, true, 'must be false if x-kubernetes-int-or-string is true'));
  }
}

/** Each default must be valid for its schema and hold only fields the schema keeps. */
function validateDefaults(schema: JSONSchemaProps, path: string, out: FieldError[], level: Level): void {
  if (schema.default !== undefined) {
    if (level === 'root' || (path.endsWith('.properties[metadata]') && !path.includes('.items'))) {
      out.push(field.forbidden(`${path}.default`, 'must not be set for metadata'));
    } else {
      const value = structuredClone(schema.default);
      if (prune(value, schema, false, '').length) out.push(field.invalid(`${path}.default`, goValue(schema.default), 'must not have unknown fields'));
      // kube-apiserver validates a default from an unnamed root, so its messages start with " in body".
      for (const problem of checkValue(schema.default, schema, '', '')) {
        out.push(new FieldError(problem.type, `${path}.default${problem.field ? `.${problem.field}` : ''}`, problem.detail, problem.value));
      }
    }
  }
  if (schema.items) validateDefaults(schema.items, `${path}.items`, out, 'item');
  for (const [key, child] of Object.entries(schema.properties ?? {})) validateDefaults(child, `${path}.properties[${key}]`, out, 'field');
  if (isJsonObject(schema.additionalProperties)) validateDefaults(schema.additionalProperties as JSONSchemaProps, `${path}.additionalProperties`, out, 'field');
}

function validateSchema(schema: JSONSchemaProps | undefined, path: string): FieldError[] {
  if (!schema) return [field.required(path, 'schemas are required')];
  if (!isJsonObject(schema)) return [field.invalid(path, schema, 'must be an object')];
  const unsupported = unsupportedKeywordProblems(schema, path);
  // A schema with keywords a structural schema cannot hold is not checked further.
  if (unsupported.length) return unsupported;
  const out: FieldError[] = [];
  const structural: FieldError[] = [];
  validateStructural(schema, 'root', path, out, structural);
  // kube-apiserver sorts the structural findings by their text, and checks defaults and rules only on structural schemas.
  structural.sort((a, b) => (a.toString() < b.toString() ? -1 : a.toString() > b.toString() ? 1 : 0));
  out.push(...structural);
  if (structural.length === 0 && out.length === 0) {
    validateDefaults(schema, path, out, 'root');
    out.push(...compileRules(schema, path).problems);
  }
  return out;
}

/** Conversion, reported under the internal type's field names (webhookClientConfig, conversionReviewVersions). */
function validateConversion(crd: CustomResourceDefinition): FieldError[] {
  const conversion = crd.spec.conversion;
  if (!conversion) return [];
  const at = 'spec.conversion';
  if (!['None', 'Webhook'].includes(conversion.strategy)) return [field.notSupported(`${at}.strategy`, conversion.strategy, ['None', 'Webhook'])];
  const out: FieldError[] = [];
  const client = conversion.webhook?.clientConfig;
  const reviews = conversion.webhook?.conversionReviewVersions ?? [];
  if (conversion.strategy === 'None') {
    if (client) out.push(field.forbidden(`${at}.webhookClientConfig`, 'should not be set when strategy is not set to Webhook'));
    if (reviews.length) out.push(field.forbidden(`${at}.conversionReviewVersions`, 'should not be set when strategy is not set to Webhook'));
    return out;
  }
  if (!client) out.push(field.required(`${at}.webhookClientConfig`, 'required when strategy is set to Webhook'));
  else if (!client.url === !client.service) out.push(field.required(`${at}.webhookClientConfig`, 'exactly one of url or service is required'));
  else if (client.url && !/^https:\/\//.test(client.url)) out.push(field.invalid(`${at}.webhookClientConfig.url`, client.url, "'https' is the only allowed URL scheme"));
  if (reviews.length === 0) out.push(field.required(`${at}.conversionReviewVersions`));
  else {
    reviews.forEach((v, i) => {
      if (reviews.indexOf(v) !== i) out.push(field.invalid(`${at}.conversionReviewVersions[${i}]`, v, 'duplicate version'));
      else for (const problem of isDNS1035Label(v)) out.push(field.invalid(`${at}.conversionReviewVersions[${i}]`, v, problem));
    });
    if (!reviews.some((v) => conversionReviewVersions.includes(v))) {
      out.push(field.invalid(`${at}.conversionReviewVersions`, reviews, `must include at least one of ${conversionReviewVersions.join(', ')}`));
    }
  }
  return out;
}

export function validateCustomResourceDefinition(crd: CustomResourceDefinition): FieldError[] {
  const out: FieldError[] = [];
  const spec = crd.spec;
  if (!isJsonObject(spec)) return [field.required('spec')];
  const plural = spec.names?.plural ?? '';
  const name = crd.metadata.name ?? '';
  if (name && name !== `${plural}.${spec.group ?? ''}`) out.push(field.invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));

  if (!spec.group) out.push(field.required('spec.group'));
  else {
    const problems = isDNS1123Subdomain(spec.group);
    if (problems.length) out.push(field.invalid('spec.group', spec.group, joined(problems)));
    else if (spec.group.split('.').length < 2) out.push(field.invalid('spec.group', spec.group, 'should be a domain with at least one dot'));
  }
  if (!spec.scope) out.push(field.required('spec.scope'));
  else if (!['Cluster', 'Namespaced'].includes(spec.scope)) out.push(field.notSupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']));

  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  const reported = { schema: false, subresources: false, columns: false };
  versions.forEach((version, i) => {
    const at = `spec.versions[${i}]`;
    const problems = isDNS1035Label(version.name ?? '');
    if (problems.length) out.push(field.invalid(`${at}.name`, version.name ?? '', joined(problems)));
    const paths = versionPaths(crd, i);
    if (!paths.shared.schema || !reported.schema) out.push(...validateSchema(version.schema?.openAPIV3Schema, paths.schema));
    if (!paths.shared.subresources || !reported.subresources) out.push(...validateSubresources(version.subresources, paths.subresources));
    if (!paths.shared.columns || !reported.columns) out.push(...validateColumns(version.additionalPrinterColumns, paths.columns));
    reported.schema ||= paths.shared.schema;
    reported.subresources ||= paths.shared.subresources;
    reported.columns ||= paths.shared.columns;
    if (version.deprecationWarning !== undefined && !version.deprecated) out.push(field.invalid(`${at}.deprecationWarning`, version.deprecationWarning, 'can only be set for deprecated versions'));
    (version.selectableFields ?? []).forEach((selectable, j) => {
      if (!selectable.jsonPath) out.push(field.required(`${at}.selectableFields[${j}].jsonPath`));
    });
  });
  const versionList = new GoLiteral(`[]apiextensions.CustomResourceDefinitionVersion{${versions.map((v) => goVersion(v)).join(', ')}}`);
  if (versions.length === 0) out.push(field.invalid('spec.versions', versionList, 'must have exactly one version marked as storage version'));
  else {
    if (new Set(versions.map((v) => v.name)).size !== versions.length) out.push(field.invalid('spec.versions', versionList, 'must contain unique version names'));
    if (versions.filter((v) => v.storage).length !== 1) out.push(field.invalid('spec.versions', versionList, 'must have exactly one version marked as storage version'));
  }
  out.push(...validateNames(crd));
  if (spec.preserveUnknownFields === true) {
    out.push(field.invalid('spec.preserveUnknownFields', true, 'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead'));
  }
  out.push(...validateConversion(crd));
  out.push(...validateStoredVersions(crd));
  return out;
}

/** Go's %#v of an internal CustomResourceDefinitionVersion (shared schemas, subresources and columns live elsewhere). */
function goVersion(v: CustomResourceDefinitionVersion): string {
  const pointer = (type: string, set: unknown) => `(*${type})(${set ? '0xc000000000' : 'nil'})`;
  const warning = v.deprecationWarning === undefined ? '(*string)(nil)' : pointer('string', true);
  return [
    `apiextensions.CustomResourceDefinitionVersion{Name:${JSON.stringify(v.name ?? '')}`,
    `Served:${!!v.served}`,
    `Storage:${!!v.storage}`,
    `Deprecated:${!!v.deprecated}`,
    `DeprecationWarning:${warning}`,
    `Schema:${pointer('apiextensions.CustomResourceValidation', false)}`,
    `Subresources:${pointer('apiextensions.CustomResourceSubresources', false)}`,
    'AdditionalPrinterColumns:[]apiextensions.CustomResourceColumnDefinition(nil)',
    'SelectableFields:[]apiextensions.SelectableField(nil)}',
  ].join(', ');
}

function validateStoredVersions(crd: CustomResourceDefinition): FieldError[] {
  const stored = crd.status?.storedVersions ?? [];
  const list = new GoLiteral(stored.length ? `[]string{${stored.map((s) => JSON.stringify(s)).join(', ')}}` : '[]string(nil)');
  if (stored.length === 0) return [field.invalid('status.storedVersions', list, 'must have at least one stored version')];
  const out: FieldError[] = [];
  const versions = crd.spec.versions ?? [];
  for (const v of versions) if (v.storage && !stored.includes(v.name)) out.push(field.invalid('status.storedVersions', list, `must have the storage version ${v.name}`));
  stored.forEach((s, i) => {
    if (!versions.some((v) => v.name === s)) out.push(field.invalid(`status.storedVersions[${i}]`, s, 'must appear in spec.versions'));
  });
  return out;
}

/** Update rules: the scope may not change, and a stored version may not leave spec.versions. */
export function validateCustomResourceDefinitionUpdate(crd: CustomResourceDefinition, old: CustomResourceDefinition): FieldError[] {
  const out: FieldError[] = [];
  if (old.spec.scope !== crd.spec.scope) out.push(field.invalid('spec.scope', crd.spec.scope, 'field is immutable'));
  if (old.spec.group !== crd.spec.group) out.push(field.invalid('spec.group', crd.spec.group, 'field is immutable'));
  if (old.spec.names?.plural !== crd.spec.names?.plural && isEstablished(old)) out.push(field.invalid('spec.names.plural', crd.spec.names?.plural, 'field is immutable'));
  return out;
}

function isEstablished(crd: CustomResourceDefinition): boolean {
  return (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
}
