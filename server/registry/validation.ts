// Name, label and annotation rules of apimachinery/pkg/util/validation, with kube-apiserver's wording.

import { field, type FieldError } from '../errors.js';
import type { ObjectMeta } from '../store/types.js';

function regexError(message: string, regex: string, examples: string[]): string {
  const shown = examples.map((e) => `'${e}'`).join(',  or ');
  return `${message} (e.g. ${shown}, regex used for validation is '${regex}')`;
}

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1035LabelFmt = '[a-z]([-a-z0-9]*[a-z0-9])?';
const qualifiedNameFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const labelValueFmt = `(${qualifiedNameFmt})?`;

const dns1123Label = new RegExp(`^${dns1123LabelFmt}$`);
const dns1123Subdomain = new RegExp(`^${dns1123SubdomainFmt}$`);
const dns1035Label = new RegExp(`^${dns1035LabelFmt}$`);
const qualifiedName = new RegExp(`^${qualifiedNameFmt}$`);
const labelValue = new RegExp(`^${labelValueFmt}$`);

/** Each returns the problems with a name, as plain messages. */
export type NameCheck = (name: string) => string[];

export const isDNS1123Subdomain: NameCheck = (name) => {
  const problems: string[] = [];
  if (name.length > 253) problems.push('must be no more than 253 characters');
  if (!dns1123Subdomain.test(name)) {
    problems.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        dns1123SubdomainFmt,
        ['example.com'],
      ),
    );
  }
  return problems;
};

export const isDNS1123Label: NameCheck = (name) => {
  const problems: string[] = [];
  if (name.length > 63) problems.push('must be no more than 63 characters');
  if (!dns1123Label.test(name)) {
    problems.push(
      regexError(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        dns1123LabelFmt,
        ['my-name', '123-abc'],
      ),
    );
  }
  return problems;
};

export const isDNS1035Label: NameCheck = (name) => {
  const problems: string[] = [];
  if (name.length > 63) problems.push('must be no more than 63 characters');
  if (!dns1035Label.test(name)) {
    problems.push(
      regexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        dns1035LabelFmt,
        ['my-name', 'abc-123'],
      ),
    );
  }
  return problems;
};

/** Names that only have to be usable as one URL path segment (persistent volumes and claims). */
export const isPathSegmentName: NameCheck = (name) => {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const problems: string[] = [];
  for (const bad of ['/', '%']) if (name.includes(bad)) problems.push(`may not contain '${bad}'`);
  return problems;
};

export function isQualifiedName(value: string): string[] {
  const parts = value.split('/');
  let name: string;
  const problems: string[] = [];
  if (parts.length === 1) name = parts[0];
  else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) problems.push('prefix part must be non-empty');
    else problems.push(...isDNS1123Subdomain(prefix).map((p) => `prefix part ${p}`));
  } else {
    return [
      regexError(
        "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        qualifiedNameFmt,
        ['MyName', 'my.name', '123-abc'],
      ) + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) problems.push('name part must be non-empty');
  else if (name.length > 63) problems.push('name part must be no more than 63 characters');
  if (name.length > 0 && !qualifiedName.test(name)) {
    problems.push(
      regexError(
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        qualifiedNameFmt,
        ['MyName', 'my.name', '123-abc'],
      ),
    );
  }
  return problems;
}

export function validateLabelKey(key: string, path: string): FieldError[] {
  return isQualifiedName(key).map((p) => field.invalid(path, key, p));
}

export function validateLabelValue(value: string, path: string): FieldError[] {
  const problems: string[] = [];
  if (value.length > 63) problems.push('must be no more than 63 characters');
  if (!labelValue.test(value)) {
    problems.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        labelValueFmt,
        ['MyValue', 'my_value', '12345'],
      ),
    );
  }
  return problems.map((p) => field.invalid(path, value, p));
}

export function validateLabels(labels: unknown, path: string): FieldError[] {
  if (labels === undefined || labels === null) return [];
  const out: FieldError[] = [];
  for (const [key, value] of Object.entries(labels as Record<string, unknown>)) {
    out.push(...validateLabelKey(key, path));
    if (typeof value !== 'string') out.push(field.invalid(path, value, 'label values must be strings'));
    else out.push(...validateLabelValue(value, path));
  }
  return out;
}

const totalAnnotationSizeLimit = 256 * 1024;

export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  if (annotations === undefined || annotations === null) return [];
  const out: FieldError[] = [];
  let size = 0;
  for (const [key, value] of Object.entries(annotations as Record<string, unknown>)) {
    out.push(...isQualifiedName(key.toLowerCase()).map((p) => field.invalid(path, key, p)));
    size += Buffer.byteLength(key) + Buffer.byteLength(String(value));
  }
  if (size > totalAnnotationSizeLimit) out.push(field.tooLong(path, totalAnnotationSizeLimit));
  return out;
}

/** managedFields a client wrote itself (ValidateManagedFields). */
export function validateManagedFields(entries: unknown): FieldError[] {
  if (!Array.isArray(entries)) return [field.invalid('metadata.managedFields', entries, 'must be a list')];
  const out: FieldError[] = [];
  entries.forEach((entry, i) => {
    const at = `metadata.managedFields[${i}]`;
    const e = (entry ?? {}) as Record<string, unknown>;
    if (e.operation !== 'Apply' && e.operation !== 'Update') out.push(field.notSupported(`${at}.operation`, e.operation ?? '', ['Apply', 'Update']));
    if (e.fieldsType !== 'FieldsV1') out.push(field.notSupported(`${at}.fieldsType`, e.fieldsType ?? '', ['FieldsV1']));
  });
  return out;
}

/** ObjectMeta checks shared by every resource (apimachinery's ValidateObjectMeta). */
export function validateObjectMeta(meta: ObjectMeta, namespaced: boolean, checkName: NameCheck): FieldError[] {
  const out: FieldError[] = [];
  if (meta.generateName && !meta.name) {
    const prefix = meta.generateName.replace(/-$/, 'a');
    out.push(...checkName(prefix).map((p) => field.invalid('metadata.generateName', meta.generateName, p)));
  }
  if (!meta.name) out.push(field.required('metadata.name', 'name or generateName is required'));
  else out.push(...checkName(meta.name).map((p) => field.invalid('metadata.name', meta.name, p)));
  if (namespaced) {
    if (!meta.namespace) out.push(field.required('metadata.namespace', ''));
    else out.push(...isDNS1123Label(meta.namespace).map((p) => field.invalid('metadata.namespace', meta.namespace, p)));
  } else if (meta.namespace) {
    out.push(field.forbidden('metadata.namespace', 'not allowed on this type'));
  }
  out.push(...validateLabels(meta.labels, 'metadata.labels'));
  out.push(...validateAnnotations(meta.annotations, 'metadata.annotations'));
  if (meta.finalizers !== undefined && meta.finalizers !== null) {
    const seen = new Set<string>();
    meta.finalizers.forEach((finalizer, i) => {
      const path = `metadata.finalizers[${i}]`;
      out.push(...isQualifiedName(finalizer).map((p) => field.invalid(path, finalizer, p)));
      if (seen.has(finalizer)) out.push(field.duplicate(path, finalizer));
      seen.add(finalizer);
    });
  }
  return out;
}

/** A metav1.LabelSelector's expressions and labels (ValidateLabelSelector). */
export function validateLabelSelector(selector: unknown, path: string): FieldError[] {
  if (!selector || typeof selector !== 'object') return [];
  const { matchLabels, matchExpressions } = selector as { matchLabels?: unknown; matchExpressions?: unknown };
  // matchLabels first, as metav1 validation checks them.
  const out: FieldError[] = validateLabels(matchLabels, `${path}.matchLabels`);
  (Array.isArray(matchExpressions) ? matchExpressions : []).forEach((expr: Record<string, any>, i: number) => {
    const at = `${path}.matchExpressions[${i}]`;
    const values: unknown[] = Array.isArray(expr?.values) ? expr.values : [];
    switch (expr?.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) out.push(field.required(`${at}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) out.push(field.forbidden(`${at}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        out.push(field.invalid(`${at}.operator`, expr?.operator ?? '', 'not a valid selector operator'));
    }
    out.push(...validateLabelKey(String(expr?.key ?? ''), `${at}.key`));
    values.forEach((v, j) => out.push(...validateLabelValue(String(v), `${at}.values[${j}]`)));
  });
  return out;
}
