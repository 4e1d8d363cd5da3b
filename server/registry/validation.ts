// Name, label and annotation rules of apimachinery/pkg/util/validation, with kube-apiserver's wording.

import { isIP } from 'node:net';
import { field, type FieldError, GoLiteral } from '../errors.js';
import { jsonEqual } from '../json.js';
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

const wildcardDNS1123SubdomainFmt = `\\*\\.${dns1123SubdomainFmt}`;
const wildcardDNS1123Subdomain = new RegExp(`^\\*\\.${dns1123SubdomainFmt}$`);

/** IsWildcardDNS1123Subdomain: `*.example.com`. */
export const isWildcardDNS1123Subdomain: NameCheck = (name) => {
  const problems: string[] = [];
  if (name.length > 253) problems.push('must be no more than 253 characters');
  if (!wildcardDNS1123Subdomain.test(name)) {
    problems.push(
      regexError(
        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character",
        wildcardDNS1123SubdomainFmt,
        ['*.example.com'],
      ),
    );
  }
  return problems;
};

/** IsValidPortNum. */
export function isValidPortNumber(port: unknown): string[] {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : ['must be between 1 and 65535, inclusive'];
}

/** IsValidPortName (IANA_SVC_NAME). */
export function isValidPortName(port: string): string[] {
  const problems: string[] = [];
  if (port.length > 15) problems.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(port)) problems.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(port)) problems.push('must contain at least one letter (a-z)');
  if (port.includes('--')) problems.push('must not contain consecutive hyphens');
  if (port.length > 0 && (port.startsWith('-') || port.endsWith('-'))) problems.push('must not begin or end with a hyphen');
  return problems;
}

/** An IP address as netutils.ParseIPSloppy reads it (IPv4 octets may have leading zeros), as bytes; undefined when it is none. */
export function parseIP(text: string): number[] | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    const octets = text.split('.').map(Number);
    return octets.every((o) => o <= 255) ? octets : undefined;
  }
  if (!text.includes(':') || !isIP(text)) return undefined;
  const [head, tail = ''] = text.split('::');
  const groups = (part: string) => (part ? part.split(':') : []);
  const expand = (parts: string[]) =>
    parts.flatMap((g) => {
      if (g.includes('.')) return parseIP(g)!;
      const value = parseInt(g, 16);
      return [value >> 8, value & 255];
    });
  const left = expand(groups(head));
  const right = expand(groups(tail));
  return [...left, ...new Array(16 - left.length - right.length).fill(0), ...right];
}

/** A CIDR as netutils.ParseCIDRSloppy reads it: the network's bytes (host bits cleared) and prefix length. */
export function parseCIDR(text: string): { network: number[]; prefix: number } | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIP(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!ip || !/^\d+$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > ip.length * 8) return undefined;
  const network = ip.map((byte, i) => {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    return byte & ((0xff << (8 - bits)) & 0xff);
  });
  return { network, prefix };
}

/** Whether a CIDR (as parseCIDR gives it) contains an address of the same family. */
export function cidrContains(cidr: { network: number[]; prefix: number }, ip: number[]): boolean {
  if (ip.length !== cidr.network.length) return false;
  return cidr.network.every((byte, i) => {
    const bits = Math.max(0, Math.min(8, cidr.prefix - i * 8));
    const mask = (0xff << (8 - bits)) & 0xff;
    return (ip[i] & mask) === byte;
  });
}

const httpPathFmt = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const httpPath = /^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;

/** IsDomainPrefixedPath: `acme.io/foo`. */
export function validateDomainPrefixedPath(value: string, path: string): FieldError[] {
  if (!value) return [field.required(path)];
  const slash = value.indexOf('/');
  if (slash <= 0 || slash === value.length - 1) return [field.invalid(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const host = value.slice(0, slash);
  const rest = value.slice(slash + 1);
  const out = isDNS1123Subdomain(host).map((p) => field.invalid(path, host, p));
  if (!httpPath.test(rest)) out.push(field.invalid(path, rest, `Invalid path (regex used for validation is '${httpPathFmt}')`));
  return out;
}

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
  if (!qualifiedName.test(name)) {
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

/** The finalizers Kubernetes itself defines, which need no domain. */
export const standardFinalizers = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** apimachinery's ValidateFinalizers: each name qualified (errors on the list, not an item), orphaning or deleting dependents, not both. */
function validateFinalizers(finalizers: string[]): FieldError[] {
  const path = 'metadata.finalizers';
  const out = finalizers.flatMap((finalizer) => isQualifiedName(finalizer).map((p) => field.invalid(path, finalizer, p)));
  if (finalizers.includes('orphan') && finalizers.includes('foregroundDeletion')) {
    const list = new GoLiteral(`[]string{${finalizers.map((f) => JSON.stringify(f)).join(', ')}}`);
    out.push(field.invalid(path, list, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return out;
}

/** Adds each problem of a value as an invalid field error at `path`. */
function addInvalid(out: FieldError[], path: string, value: unknown, problems: string[]): void {
  for (const problem of problems) out.push(field.invalid(path, value, problem));
}

/**
 * ObjectMeta checks shared by every resource (apimachinery's ValidateObjectMeta); with `core`,
 * Kubernetes' core ones too (most built-in kinds): a finalizer name without a domain must be a
 * standard one (custom resources are only warned about it).
 */
export function validateObjectMeta(meta: ObjectMeta, namespaced: boolean, checkName: NameCheck, core: boolean): FieldError[] {
  const out: FieldError[] = [];
  if (meta.generateName && !meta.name) {
    const prefix = meta.generateName.replace(/-$/, 'a');
    addInvalid(out, 'metadata.generateName', meta.generateName, checkName(prefix));
  }
  if (!meta.name) out.push(field.required('metadata.name', 'name or generateName is required'));
  else addInvalid(out, 'metadata.name', meta.name, checkName(meta.name));
  if (namespaced) {
    if (!meta.namespace) out.push(field.required('metadata.namespace', ''));
    else addInvalid(out, 'metadata.namespace', meta.namespace, isDNS1123Label(meta.namespace));
  } else if (meta.namespace) {
    out.push(field.forbidden('metadata.namespace', 'not allowed on this type'));
  }
  if (meta.labels !== undefined && meta.labels !== null) out.push(...validateLabels(meta.labels, 'metadata.labels'));
  if (meta.annotations !== undefined && meta.annotations !== null) out.push(...validateAnnotations(meta.annotations, 'metadata.annotations'));
  if (meta.finalizers !== undefined && meta.finalizers !== null) {
    out.push(...validateFinalizers(meta.finalizers));
    if (core) {
      meta.finalizers.forEach((finalizer, i) => {
        if (!finalizer.includes('/') && !standardFinalizers.has(finalizer)) out.push(field.invalid(`metadata.finalizers[${i}]`, finalizer, 'name is neither a standard finalizer name nor is it fully qualified'));
      });
    }
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

const conditionStatuses = ['False', 'True', 'Unknown'];
const conditionReason = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

/** metav1.Condition lists (ValidateConditions): unique qualified types, a known status, a time and a reason. */
export function validateConditions(conditions: unknown, path: string): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  (Array.isArray(conditions) ? conditions : []).forEach((condition: Record<string, any>, i: number) => {
    const at = `${path}[${i}]`;
    const type = String(condition?.type ?? '');
    if (seen.has(type)) out.push(field.duplicate(`${at}.type`, type));
    seen.add(type);
    out.push(...validateLabelKey(type, `${at}.type`));
    if (!conditionStatuses.includes(condition?.status)) out.push(field.notSupported(`${at}.status`, condition?.status ?? '', conditionStatuses));
    if (typeof condition?.observedGeneration === 'number' && condition.observedGeneration < 0) {
      out.push(field.invalid(`${at}.observedGeneration`, condition.observedGeneration, 'must be greater than or equal to zero'));
    }
    if (!condition?.lastTransitionTime) out.push(field.required(`${at}.lastTransitionTime`, 'must be set'));
    const reason = String(condition?.reason ?? '');
    if (!reason) out.push(field.required(`${at}.reason`, 'must be set'));
    else {
      if (!conditionReason.test(reason)) {
        out.push(field.invalid(`${at}.reason`, reason, regexError("a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_'", conditionReason.source.slice(1, -1), ['my_name', 'MY_NAME', 'MyName', 'ReasonA,ReasonB', 'ReasonA:ReasonB'])));
      }
      if (reason.length > 1024) out.push(field.tooLong(`${at}.reason`, 1024));
    }
    if (String(condition?.message ?? '').length > 32 * 1024) out.push(field.tooLong(`${at}.message`, 32 * 1024));
  });
  return out;
}

/**
 * The fields of an object that changed, one line each for what was and what is: what kubemock says
 * where kube-apiserver appends a go-cmp diff, whose wording go-cmp keeps deliberately unstable.
 */
export function fieldChanges(old: Record<string, unknown>, now: Record<string, unknown>): string {
  const keys = [...new Set([...Object.keys(old), ...Object.keys(now)])];
  return keys
    .filter((key) => !jsonEqual(old[key], now[key]))
    .flatMap((key) => [...(key in old ? [`- ${key}: ${JSON.stringify(old[key])}`] : []), ...(key in now ? [`+ ${key}: ${JSON.stringify(now[key])}`] : [])])
    .join('\n');
}
