// A CustomResourceDefinition becomes one ResourceDefinition per served version, with a strategy built
// from that version: schema validation, pruning and defaults, CEL rules, status and scale
// subresources, printer columns and selectable fields. Every version keeps its objects in the storage
// version; the others are converted by rewriting apiVersion (conversion strategy None).

import { field, type FieldError, GoLiteral, StatusError } from '../errors.js';
import { isJsonObject, jsonEqual, type JsonObject } from '../json.js';
import { goValueText } from '../registry/go-literal.js';
import { age, creationAge } from '../registry/printing.js';
import { baseStrategy, keepAllButStatus, scaleSubresource, statusSubresource } from '../registry/resources/common.js';
import type { ResourceDefinition, StorageVersion, Strategy, StrategyContext, SubresourceDefinition, TableColumn, Verb } from '../registry/types.js';
import type { FieldSelectorSupport } from '../selectors/fields.js';
import { standardFinalizers } from '../registry/validation.js';
import type { KubeObject } from '../store/types.js';
import { hasRules, validateRules } from './cel/rules.js';
import { compileJsonPath } from './jsonpath.js';
import { condition } from './definition.js';
import { applyDefaults, hasDefaults, prune, validateListTypes } from './schema/structural.js';
import type { JSONSchemaProps } from './schema/types.js';
import { schemaValidator } from './schema/validator.js';
import type { CustomResourceColumnDefinition, CustomResourceDefinition, CustomResourceDefinitionVersion } from './types.js';

/** The verbs of a custom resource, in the order kube-apiserver lists them. */
const customResourceVerbs: Verb[] = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];

const ageColumn: CustomResourceColumnDefinition = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

function withoutMetadata(object: KubeObject): JsonObject {
  const { metadata: _metadata, ...rest } = object;
  return rest;
}

/** A cell as the CRD table convertor fills it: strings printed as jsonpath prints them, others typed or null. */
function columnCell(column: CustomResourceColumnDefinition): TableColumn['cell'] {
  const path = compileJsonPath(column.jsonPath);
  return (object, now) => {
    const [value] = path(object);
    if (value === undefined || value === null) return null;
    switch (column.type) {
      case 'string':
        return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
      case 'integer':
        return typeof value === 'number' ? Math.trunc(value) : null;
      case 'number':
        return typeof value === 'number' ? value : null;
      case 'boolean':
        return typeof value === 'boolean' ? value : null;
      case 'date':
        return typeof value === 'string' ? (column.jsonPath === ageColumn.jsonPath ? creationAge(object, now) : age(value, now)) : null;
      default:
        return null;
    }
  };
}

function tableColumns(columns: CustomResourceColumnDefinition[]): TableColumn[] {
  return columns.map((column) => ({
    name: column.name,
    type: column.type as TableColumn['type'],
    format: column.format,
    description: column.description || `Custom resource definition column (in JSONPath format): ${column.jsonPath}`,
    priority: column.priority ?? 0,
    cell: columnCell(column),
  }));
}

function selectableFields(version: CustomResourceDefinitionVersion, namespaced: boolean): FieldSelectorSupport {
  const own = version.selectableFields ?? [];
  const fields: FieldSelectorSupport['fields'] = { 'metadata.name': (o) => o.metadata.name ?? '' };
  if (namespaced) fields['metadata.namespace'] = (o) => o.metadata.namespace ?? '';
  for (const selectable of own) {
    const path = compileJsonPath(selectable.jsonPath);
    fields[selectable.jsonPath.replace(/^\./, '')] = (o) => {
      const [value] = path(o);
      return value === undefined || value === null ? '' : String(value);
    };
  }
  return { fields, ownConversion: true };
}

/** Reads a `.spec.replicas`-style path from an object. */
function readPath(object: unknown, path: string): unknown {
  let value = object;
  for (const part of path.replace(/^\./, '').split('.')) value = isJsonObject(value) ? value[part] : undefined;
  return value;
}

/** /scale's rules for the replica counts the CRD points at. */
function scaleProblems(object: KubeObject, paths: { spec?: string; status?: string; selector?: string }): FieldError[] {
  const out: FieldError[] = [];
  const checkReplicas = (path: string | undefined) => {
    if (!path) return;
    const value = readPath(object, path);
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      out.push(field.invalid(path, 0, `${path} accessor error: ${goValueText(value)} is of the type ${goType(value)}, expected int64`));
    } else if (value < 0) out.push(field.invalid(path, value, 'should be a non-negative integer'));
    else if (value > 2147483647) out.push(field.invalid(path, value, 'should be less than or equal to 2147483647'));
  };
  checkReplicas(paths.spec);
  checkReplicas(paths.status);
  if (paths.selector) {
    const value = readPath(object, paths.selector);
    if (value !== undefined && typeof value !== 'string') out.push(field.invalid(paths.selector, '', `${paths.selector} accessor error: ${goValueText(value)} is of the type ${goType(value)}, expected string`));
  }
  return out;
}

/** Go's type name and %v of a decoded JSON value, as unstructured accessors print them. */
function goType(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? 'int64' : 'float64';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return '[]interface {}';
  return typeof value === 'object' ? 'map[string]interface {}' : typeof value;
}

function typeMetaProblems(object: KubeObject, kind: string, apiVersion: string): FieldError[] {
  const out: FieldError[] = [];
  if (object.kind !== kind) out.push(field.invalid('kind', object.kind ?? '', `must be ${kind}`));
  if (object.apiVersion !== apiVersion) out.push(field.invalid('apiVersion', object.apiVersion ?? '', `must be ${apiVersion}`));
  return out;
}

/** The value at a field path (`spec.items[0].name`) of an object, undefined where there is none. */
function valueAtField(object: unknown, path: string): unknown {
  let value = object;
  for (const [, key, index] of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (index !== undefined) value = Array.isArray(value) ? value[Number(index)] : undefined;
    else value = isJsonObject(value) ? value[key] : undefined;
  }
  return value;
}

/**
 * Validation ratcheting (CRDValidationRatcheting, on in 1.32): an update is not refused for a field
 * it leaves as it was, so objects stored before a schema tightened can still be changed elsewhere.
 */
function ratchet(problems: FieldError[], object: KubeObject, old: KubeObject | undefined): FieldError[] {
  if (!old) return problems;
  return problems.filter((p) => !jsonEqual(valueAtField(object, p.field), valueAtField(old, p.field)));
}

/** Errors that keep CEL rules from running, as kube-apiserver's hasBlockingErr decides. */
function blocking(problems: FieldError[]): boolean {
  return problems.some((p) => ['FieldValueNotSupported', 'FieldValueRequired', 'FieldValueTooLong', 'FieldValueTooMany', 'FieldValueTypeInvalid'].includes(p.type));
}

/** Rule failures refuse the write; ratcheted ones (on values the update did not change) only warn. */
function rulesOutcome(findings: { errors: FieldError[]; warnings: string[] }, context: StrategyContext): FieldError[] {
  for (const warning of findings.warnings) context.warn(warning);
  return findings.errors;
}

/** What kube-apiserver warns about finalizers a write adds to a custom resource: names that may clash with other writers'. */
function finalizerWarnings(object: KubeObject, old: KubeObject | undefined): string[] {
  const before = new Set(old?.metadata.finalizers ?? []);
  // Names that are not qualified names never get here: metadata validation refuses them.
  return [...new Set(object.metadata.finalizers ?? [])]
    .filter((f) => !before.has(f) && !f.includes('/') && !standardFinalizers.has(f))
    .sort()
    .map((f) => `metadata.finalizers: ${JSON.stringify(f)}: prefer a domain-qualified finalizer name${f.includes('.') ? ' including a path (/)' : ''} to avoid accidental conflicts with other finalizer writers`);
}

const rulesSkipped = () => field.invalid('<nil>', new GoLiteral('"null"'), 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation');

function crStrategy(crd: CustomResourceDefinition, version: CustomResourceDefinitionVersion, gv: string): Partial<Strategy> {
  const schema: JSONSchemaProps = version.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const statusSchema = schema.properties?.status;
  const validator = schemaValidator(schema);
  const statusValidator = statusSchema ? schemaValidator(statusSchema) : undefined;
  const withRules = hasRules(schema);
  const hasStatus = !!version.subresources?.status;
  const scale = version.subresources?.scale;
  const scalePaths = scale && { spec: scale.specReplicasPath, status: scale.statusReplicasPath, selector: scale.labelSelectorPath };
  const kind = crd.spec.names.kind;
  const columns = version.additionalPrinterColumns?.length ? version.additionalPrinterColumns : [ageColumn];

  const check = (object: KubeObject, old: KubeObject | undefined, context: StrategyContext): FieldError[] => {
    const typeProblems = typeMetaProblems(object, kind, gv);
    if (typeProblems.length) return typeProblems;
    const problems = ratchet(validator.validate(object), object, old);
    if (scalePaths) problems.push(...scaleProblems(object, scalePaths));
    const listProblems = validateListTypes(object, schema);
    if (!old || validateListTypes(old, schema).length === 0) problems.push(...listProblems);
    if (withRules) {
      if (blocking(problems)) problems.push(rulesSkipped());
      else problems.push(...rulesOutcome(validateRules(schema, object, old), context));
    }
    return problems;
  };

  const strategy: Partial<Strategy> = {
    genericObjectMeta: true,
    tracksGeneration: true,
    allowUnconditionalUpdate: false,
    fieldSelectors: selectableFields(version, crd.spec.scope === 'Namespaced'),
    table: tableColumns(columns),
    prune: (object) => prune(object, schema, true),
    decode: (object) => {
      prune(object, schema, true);
      applyDefaults(object, schema);
    },
    generationChanged: (object, old) => !jsonEqual(withoutMetadata(object), withoutMetadata(old)),
    validate: (object, old, context) => check(object, old, context),
    warningsOnCreate: (object) => finalizerWarnings(object, undefined),
    warningsOnUpdate: (object, old) => finalizerWarnings(object, old),
    subresourceUpdates: {
      ...(hasStatus
        ? {
            status: (object: KubeObject, old: KubeObject) => {
              keepAllButStatus(object, old);
            },
          }
        : {}),
      ...(scale ? { scale: (object: KubeObject, old: KubeObject) => hasStatus && keepStatusOf(object, old) } : {}),
    },
  };
  if (hasStatus) {
    strategy.prepareForCreate = (object) => {
      delete object.status;
    };
    strategy.prepareForUpdate = keepStatusOf;
    // A /status write is checked against the status schema only.
    strategy.validateStatus = (object, old, context) => {
      const typeProblems = typeMetaProblems(object, kind, gv);
      if (typeProblems.length) return typeProblems;
      const problems = object.status !== undefined && statusValidator ? statusValidator.validate(object.status, 'status', '') : [];
      if (scalePaths) problems.push(...scaleProblems(object, { status: scalePaths.status, selector: scalePaths.selector }));
      if (withRules && statusSchema && !blocking(problems)) problems.push(...rulesOutcome(validateRules(statusSchema, object.status, old.status, 'status'), context));
      return problems;
    };
  }
  if (scale) {
    strategy.scalePaths = { specReplicas: scale.specReplicasPath.replace(/^\./, ''), statusReplicas: scale.statusReplicasPath.replace(/^\./, '') };
    strategy.scaleSelector = (object) => {
      if (!scale.labelSelectorPath) return undefined;
      const value = readPath(object, scale.labelSelectorPath);
      return typeof value === 'string' ? value : undefined;
    };
  }
  return strategy;
}

/** What a webhook call fails with when nothing serves its service or URL. */
function unreachable(client: NonNullable<NonNullable<CustomResourceDefinition['spec']['conversion']>['webhook']>['clientConfig'] & object): string {
  const service = client.service;
  if (!service) return `Post "${client.url}?timeout=30s": dial tcp: connect: connection refused`;
  return `Post "https://${service.name}.${service.namespace}.svc:${service.port ?? 443}${service.path ?? ''}?timeout=30s": service "${service.name}" not found`;
}

function keepStatusOf(object: KubeObject, old: KubeObject): void {
  if (old.status !== undefined) object.status = old.status;
  else delete object.status;
}

function storageVersionOf(crd: CustomResourceDefinition): CustomResourceDefinitionVersion {
  return crd.spec.versions.find((v) => v.storage)!;
}

/** The ResourceDefinition a served version of an accepted CRD registers (names from status.acceptedNames). */
export function customResourceDefinition(crd: CustomResourceDefinition, version: CustomResourceDefinitionVersion): ResourceDefinition {
  const group = crd.spec.group;
  const names = { ...crd.spec.names, ...crd.status?.acceptedNames };
  const gv = `${group}/${version.name}`;
  const subresources: SubresourceDefinition[] = [];
  if (version.subresources?.status) subresources.push(statusSubresource);
  if (version.subresources?.scale) subresources.push(scaleSubresource);
  const storage = storageVersionOf(crd);
  const storageSchema = storage.schema?.openAPIV3Schema;
  const webhook = crd.spec.conversion?.strategy === 'Webhook' ? crd.spec.conversion.webhook?.clientConfig : undefined;
  // kubemock calls no conversion webhooks: converting fails as it does on kube-apiserver when the webhook cannot be reached.
  const convertible = (from: string) => {
    if (webhook) throw new StatusError(500, undefined, `conversion webhook for ${group}/${from}, Kind=${names.kind} failed: ${unreachable(webhook)}`);
  };
  const storedAs: StorageVersion | undefined =
    version.name === storage.name
      ? undefined
      : {
          group,
          version: storage.name,
          kind: names.kind,
          plural: names.plural,
          // Each served version is its own REST storage on kube-apiserver, with its own decoding
          // (pruning, defaults) and validator: a write is converted once it has passed them.
          writtenInOwnVersion: true,
          toStorage: (object) => {
            convertible(version.name);
            return { ...structuredClone(object), apiVersion: `${group}/${storage.name}` };
          },
          // A converted object is pruned to the schema of the version it is read in.
          fromStorage: (object) => {
            convertible(storage.name);
            const converted: KubeObject = { ...structuredClone(object), apiVersion: gv };
            prune(converted, version.schema?.openAPIV3Schema, true);
            return converted;
          },
        };
  const crdName = crd.metadata.name!;
  const strategy: Strategy = {
    ...baseStrategy,
    ...crStrategy(crd, version, gv),
    // Objects are read with the storage version's defaults, also those its schema gained after they were written.
    ...(hasDefaults(storageSchema) ? { readDefaults: (object: KubeObject) => applyDefaults(object, storageSchema) } : {}),
    // As apiextensions-apiserver's handler does for the create verb only: apply can still create.
    refuseCreate: (context) => {
      const current = context.lookup('apiextensions.k8s.io/customresourcedefinitions', '', crdName) as CustomResourceDefinition | undefined;
      if (!current || condition(current, 'Terminating')?.status !== 'True') return undefined;
      return new StatusError(405, 'MethodNotAllowed', 'create not allowed while custom resource definition is terminating', { group, kind: names.plural });
    },
  } as Strategy;
  return {
    group,
    version: version.name,
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    plural: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    namespaced: crd.spec.scope === 'Namespaced',
    verbs: customResourceVerbs,
    subresources,
    strategy,
    storedAs,
    unstructured: true,
    deprecationWarning: version.deprecated ? (version.deprecationWarning ?? `${gv} ${names.kind} is deprecated`) : undefined,
    customResource: { crdName: crd.metadata.name!, uid: crd.metadata.uid!, schema: version.schema?.openAPIV3Schema },
  };
}

/** One definition per served version. */
export function customResourceDefinitions(crd: CustomResourceDefinition): ResourceDefinition[] {
  return crd.spec.versions.filter((v) => v.served).map((v) => customResourceDefinition(crd, v));
}
