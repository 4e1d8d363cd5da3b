// authorization.k8s.io/v1: access and rules reviews, answered and never stored
// (pkg/registry/authorization, pkg/apis/authorization/validation). kubemock authorizes every request,
// so the answers are those of kube-apiserver with --authorization-mode=AlwaysAllow: allowed, no reason.

import { errors, field, type FieldError, GoLiteral } from '../../errors.js';
import type { KubeObject } from '../../store/types.js';
import type { ResourceDefinition } from '../types.js';
import { validateLabelKey, validateLabelValue } from '../validation.js';
import { define } from './common.js';

type Json = Record<string, any>;

const group = 'authorization.k8s.io';

/**
 * Reviews are refused under an empty kind (`.authorization.k8s.io "" is invalid`): kube-apiserver
 * names the kind from the decoded object, whose type information decoding has dropped.
 */
function invalid(problems: FieldError[]): never {
  throw errors.invalid({ group, kind: '' }, '', problems);
}

const goString = (value: unknown) => JSON.stringify(typeof value === 'string' ? value : '');

function nonResourceLiteral(attributes: Json): GoLiteral {
  return new GoLiteral(`authorization.NonResourceAttributes{Path:${goString(attributes.path)}, Verb:${goString(attributes.verb)}}`);
}

/** A selector requirement of a field or label selector attribute; unknown operators are let through. */
function validateRequirement(requirement: Json, path: string, labels: boolean): FieldError[] {
  const out: FieldError[] = [];
  const values: unknown[] = Array.isArray(requirement?.values) ? requirement.values : [];
  if (!labels && !requirement?.key) out.push(field.required(`${path}.key`, 'must be specified'));
  if (requirement?.operator === 'In' || requirement?.operator === 'NotIn') {
    if (values.length === 0) out.push(field.required(`${path}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
  } else if (requirement?.operator === 'Exists' || requirement?.operator === 'DoesNotExist') {
    if (values.length > 0) out.push(field.forbidden(`${path}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
  }
  if (labels) {
    out.push(...validateLabelKey(String(requirement?.key ?? ''), `${path}.key`));
    values.forEach((value, i) => out.push(...validateLabelValue(String(value), `${path}.values[${i}]`)));
  }
  return out;
}

function validateSelectorAttributes(selector: Json | undefined | null, path: string, labels: boolean): FieldError[] {
  if (!selector) return [];
  const out: FieldError[] = [];
  const requirements: Json[] = Array.isArray(selector.requirements) ? selector.requirements : [];
  if (selector.rawSelector && requirements.length > 0) out.push(field.invalid(`${path}.rawSelector`, selector.rawSelector, 'may not specified at the same time as requirements'));
  if (!selector.rawSelector && requirements.length === 0) out.push(field.required(`${path}.requirements`, `when ${path} is specified, requirements or rawSelector is required`));
  requirements.forEach((r, i) => out.push(...validateRequirement(r, `${path}.requirements[${i}]`, labels)));
  return out;
}

/** ValidateSubjectAccessReviewSpec (`subject`: the user or groups asked about must be named). */
function validateSpec(spec: Json, subject: boolean): FieldError[] {
  const out: FieldError[] = [];
  const resource = spec.resourceAttributes as Json | undefined | null;
  const nonResource = spec.nonResourceAttributes as Json | undefined | null;
  if (resource && nonResource) out.push(field.invalid('spec.nonResourceAttributes', nonResourceLiteral(nonResource), 'cannot be specified in combination with resourceAttributes'));
  if (!resource && !nonResource) out.push(field.invalid('spec.resourceAttributes', 'null', 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
  const groups = Array.isArray(spec.groups) ? spec.groups : [];
  if (subject && !spec.user && groups.length === 0) out.push(field.invalid('spec.user', spec.user ?? '', 'at least one of user or group must be specified'));
  if (resource) {
    out.push(...validateSelectorAttributes(resource.fieldSelector, 'spec.resourceAttributes.fieldSelector', false));
    out.push(...validateSelectorAttributes(resource.labelSelector, 'spec.resourceAttributes.labelSelector', true));
  }
  return out;
}

/** metav1.ObjectMeta as Go prints it with %#v (managedFields aside, which validation ignores). */
function objectMetaLiteral(meta: KubeObject['metadata']): GoLiteral {
  const str = (v: unknown) => JSON.stringify(typeof v === 'string' ? v : '');
  const map = (v: unknown) =>
    v && typeof v === 'object' ? `map[string]string{${Object.entries(v as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => `${JSON.stringify(k)}:${JSON.stringify(x)}`).join(', ')}}` : 'map[string]string(nil)';
  return new GoLiteral(
    `v1.ObjectMeta{Name:${str(meta.name)}, GenerateName:${str(meta.generateName)}, Namespace:${str(meta.namespace)}, SelfLink:"", UID:${str(meta.uid)}, ResourceVersion:${str(meta.resourceVersion)}, ` +
      `Generation:${Number(meta.generation ?? 0)}, CreationTimestamp:time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC), DeletionTimestamp:<nil>, DeletionGracePeriodSeconds:(*int64)(nil), ` +
      `Labels:${map(meta.labels)}, Annotations:${map(meta.annotations)}, OwnerReferences:[]v1.OwnerReference(nil), Finalizers:[]string(nil), ManagedFields:[]v1.ManagedFieldsEntry(nil)}`,
  );
}

/** Whether metadata holds anything but what the request path or the server put there. */
function metadataSet(meta: KubeObject['metadata'], keep: string[]): boolean {
  return Object.entries(meta).some(([key, value]) => !keep.includes(key) && key !== 'managedFields' && value !== undefined && value !== null && value !== '');
}

function accessReview(kind: string, plural: string, options: { namespaced: boolean; subject: boolean }): ResourceDefinition {
  return define({
    group,
    version: 'v1',
    kind,
    plural,
    namespaced: options.namespaced,
    verbs: ['create'],
    strategy: {
      respond(review) {
        const spec = (review.spec ?? {}) as Json;
        const problems = validateSpec(spec, options.subject);
        const meta = review.metadata;
        if (options.namespaced) {
          if (metadataSet(meta, ['namespace'])) problems.push(field.invalid('metadata', objectMetaLiteral(meta), 'must be empty except for namespace'));
          const resource = spec.resourceAttributes as Json | undefined | null;
          if (resource && (resource.namespace ?? '') !== meta.namespace) problems.push(field.invalid('spec.resourceAttributes.namespace', resource.namespace ?? '', 'must match metadata.namespace'));
          if (spec.nonResourceAttributes) problems.push(field.invalid('spec.nonResourceAttributes', nonResourceLiteral(spec.nonResourceAttributes), 'disallowed on this kind of request'));
        } else if (metadataSet(meta, [])) {
          problems.push(field.invalid('metadata', objectMetaLiteral(meta), 'must be empty'));
        }
        if (problems.length) invalid(problems);
        return { ...review, metadata: { ...meta, creationTimestamp: null }, status: { allowed: true } };
      },
    },
  });
}

export const subjectaccessreviews = accessReview('SubjectAccessReview', 'subjectaccessreviews', { namespaced: false, subject: true });
export const localsubjectaccessreviews = accessReview('LocalSubjectAccessReview', 'localsubjectaccessreviews', { namespaced: true, subject: true });
export const selfsubjectaccessreviews = accessReview('SelfSubjectAccessReview', 'selfsubjectaccessreviews', { namespaced: false, subject: false });

/** Everything, everywhere: what an allow-all authorizer lists for anyone. */
export const selfsubjectrulesreviews = define({
  group,
  version: 'v1',
  kind: 'SelfSubjectRulesReview',
  plural: 'selfsubjectrulesreviews',
  namespaced: false,
  verbs: ['create'],
  strategy: {
    respond(review) {
      const spec = (review.spec ?? {}) as Json;
      if (!spec.namespace) throw errors.badRequest('no namespace on request');
      return {
        metadata: { creationTimestamp: null },
        spec,
        status: {
          resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
          nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
          incomplete: false,
        },
      };
    },
  },
});

export const authorizationResources: ResourceDefinition[] = [localsubjectaccessreviews, selfsubjectaccessreviews, selfsubjectrulesreviews, subjectaccessreviews];
