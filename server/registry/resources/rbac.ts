// rbac.authorization.k8s.io/v1: Roles, ClusterRoles and their bindings (pkg/registry/rbac/*/strategy.go,
// pkg/apis/rbac/validation, pkg/apis/rbac/v1/defaults.go). Every write is allowed: the escalation
// check that stops a user from granting more than they hold comes with authorization.

import { field, type FieldError, GoLiteral } from '../../errors.js';
import type { KubeObject } from '../../store/types.js';
import { jsonEqual } from '../../json.js';
import type { ResourceDefinition } from '../types.js';
import { isDNS1123Subdomain, isPathSegmentName, validateLabelSelector } from '../validation.js';
import { define } from './common.js';
import { clusterRoleBindingColumns, roleBindingColumns } from './rbac-printers.js';

type Json = Record<string, any>;

export const rbacGroup = 'rbac.authorization.k8s.io';
const rbac = { group: rbacGroup, version: 'v1' };

/** Strategy flags every RBAC kind shares: PUT creates, and needs no resourceVersion. */
const rbacStrategy = { nameCheck: isPathSegmentName, allowCreateOnUpdate: true, allowUnconditionalUpdate: true };

function count(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}

/** ValidatePolicyRule: verbs always; either non-resource URLs (cluster rules only) or groups and resources. */
function validatePolicyRule(rule: Json, namespaced: boolean, path: string): FieldError[] {
  const out: FieldError[] = [];
  if (count(rule.verbs) === 0) out.push(field.required(`${path}.verbs`, 'verbs must contain at least one value'));
  if (count(rule.nonResourceURLs) > 0) {
    if (namespaced) out.push(field.invalid(`${path}.nonResourceURLs`, rule.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
    if (count(rule.apiGroups) > 0 || count(rule.resources) > 0 || count(rule.resourceNames) > 0) {
      out.push(field.invalid(`${path}.nonResourceURLs`, rule.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return out;
  }
  if (count(rule.apiGroups) === 0) out.push(field.required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (count(rule.resources) === 0) out.push(field.required(`${path}.resources`, 'resource rules must supply at least one resource'));
  return out;
}

function validateRules(object: KubeObject, namespaced: boolean): FieldError[] {
  const rules = Array.isArray(object.rules) ? (object.rules as Json[]) : [];
  return rules.flatMap((rule, i) => validatePolicyRule(rule ?? {}, namespaced, `rules[${i}]`));
}

/** `rules` has no omitempty: a role without rules is stored with `"rules": null`. */
function defaultRules(object: KubeObject): void {
  if (object.rules === undefined) object.rules = null;
}

function validateAggregationRule(role: KubeObject): FieldError[] {
  const rule = role.aggregationRule as Json | undefined | null;
  if (rule === undefined || rule === null) return [];
  const selectors = Array.isArray(rule.clusterRoleSelectors) ? (rule.clusterRoleSelectors as unknown[]) : [];
  const out: FieldError[] = [];
  if (selectors.length === 0) {
    out.push(field.required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
  }
  selectors.forEach((selector, i) => {
    const path = `aggregationRule.clusterRoleSelectors[${i}]`;
    const problems = validateLabelSelector(selector, path);
    // A selector that fails validation also fails conversion, which is reported at the selector.
    if (problems.length) problems.push(field.invalid(path, 'null', 'invalid label selector.'));
    out.push(...problems);
  });
  return out;
}

const subjectKinds = ['ServiceAccount', 'User', 'Group'];

/** ValidateRoleBindingSubject; a ClusterRoleBinding's service accounts must name their namespace. */
function validateSubject(subject: Json, namespaced: boolean, path: string): FieldError[] {
  const out: FieldError[] = [];
  const name = typeof subject.name === 'string' ? subject.name : '';
  if (!name) out.push(field.required(`${path}.name`));
  const apiGroup = subject.apiGroup ?? '';
  switch (subject.kind) {
    case 'ServiceAccount':
      if (name) out.push(...isDNS1123Subdomain(name).map((p) => field.invalid(`${path}.name`, name, p)));
      if (apiGroup) out.push(field.notSupported(`${path}.apiGroup`, apiGroup, ['']));
      if (!namespaced && !subject.namespace) out.push(field.required(`${path}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== rbacGroup) out.push(field.notSupported(`${path}.apiGroup`, apiGroup, [rbacGroup]));
      break;
    default:
      out.push(field.notSupported(`${path}.kind`, subject.kind ?? '', subjectKinds));
  }
  return out;
}

function validateBinding(binding: KubeObject, namespaced: boolean): FieldError[] {
  const out: FieldError[] = [];
  const ref = (binding.roleRef ?? {}) as Json;
  if ((ref.apiGroup ?? '') !== rbacGroup) out.push(field.notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [rbacGroup]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(ref.kind)) out.push(field.notSupported('roleRef.kind', ref.kind ?? '', kinds));
  const name = typeof ref.name === 'string' ? ref.name : '';
  if (!name) out.push(field.required('roleRef.name'));
  else out.push(...isPathSegmentName(name).map((p) => field.invalid('roleRef.name', name, p)));
  const subjects = Array.isArray(binding.subjects) ? (binding.subjects as Json[]) : [];
  subjects.forEach((subject, i) => out.push(...validateSubject(subject ?? {}, namespaced, `subjects[${i}]`)));
  return out;
}

/** The roleRef as Go prints an rbac.RoleRef with %#v. */
function roleRefLiteral(ref: Json): GoLiteral {
  const quoted = (v: unknown) => JSON.stringify(typeof v === 'string' ? v : '');
  return new GoLiteral(`rbac.RoleRef{APIGroup:${quoted(ref.apiGroup)}, Kind:${quoted(ref.kind)}, Name:${quoted(ref.name)}}`);
}

function immutableRoleRef(binding: KubeObject, old: KubeObject): FieldError[] {
  if (jsonEqual(binding.roleRef, old.roleRef)) return [];
  return [field.invalid('roleRef', roleRefLiteral((binding.roleRef ?? {}) as Json), 'cannot change roleRef')];
}

/** SetDefaults_RoleBinding, SetDefaults_ClusterRoleBinding and SetDefaults_Subject. */
function defaultBinding(binding: KubeObject): void {
  const ref = binding.roleRef as Json | undefined;
  if (ref && typeof ref === 'object' && !ref.apiGroup) ref.apiGroup = rbacGroup;
  for (const subject of Array.isArray(binding.subjects) ? (binding.subjects as Json[]) : []) {
    if (subject && typeof subject === 'object' && !subject.apiGroup && (subject.kind === 'User' || subject.kind === 'Group')) subject.apiGroup = rbacGroup;
  }
}

export const roles = define({
  ...rbac,
  kind: 'Role',
  plural: 'roles',
  namespaced: true,
  strategy: { ...rbacStrategy, defaults: defaultRules, validate: (role) => validateRules(role, true) },
});

export const clusterroles = define({
  ...rbac,
  kind: 'ClusterRole',
  plural: 'clusterroles',
  namespaced: false,
  strategy: {
    ...rbacStrategy,
    defaults: defaultRules,
    validate: (role) => [...validateRules(role, false), ...validateAggregationRule(role)],
  },
});

export const rolebindings = define({
  ...rbac,
  kind: 'RoleBinding',
  plural: 'rolebindings',
  namespaced: true,
  strategy: {
    ...rbacStrategy,
    table: roleBindingColumns,
    defaults: defaultBinding,
    validate: (binding) => validateBinding(binding, true),
    validateUpdate: immutableRoleRef,
  },
});

export const clusterrolebindings = define({
  ...rbac,
  kind: 'ClusterRoleBinding',
  plural: 'clusterrolebindings',
  namespaced: false,
  strategy: {
    ...rbacStrategy,
    table: clusterRoleBindingColumns,
    defaults: defaultBinding,
    validate: (binding) => validateBinding(binding, false),
    validateUpdate: immutableRoleRef,
  },
});

export const rbacResources: ResourceDefinition[] = [clusterrolebindings, clusterroles, rolebindings, roles];
