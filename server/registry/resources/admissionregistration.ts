// admissionregistration.k8s.io/v1: webhook configurations, ValidatingAdmissionPolicies and their
// bindings, stored, defaulted and validated as kube-apiserver does (pkg/apis/admissionregistration).
// A policy's CEL expressions are compiled when it is written; kubemock calls no webhook and evaluates no
// policy yet.

import { policyCompilationErrors } from '../../admission/policy-expressions.js';
import { field, type FieldError } from '../../errors.js';
import type { KubeObject } from '../../store/types.js';
import type { ResourceDefinition } from '../types.js';
import { isDNS1123Subdomain, validateLabelSelector } from '../validation.js';
import { validatingAdmissionPolicyBindingColumns, validatingAdmissionPolicyColumns, webhookConfigurationColumns } from './admissionregistration-printers.js';
import { define, statusSubresource } from './common.js';

type Json = Record<string, any>;

// Every admissionregistration kind is in the api-extensions category, as on a real cluster.
const admissionregistration = { group: 'admissionregistration.k8s.io', version: 'v1', categories: ['api-extensions'] };

const list = (value: unknown): any[] => (Array.isArray(value) ? value : []);
const isObject = (value: unknown): value is Json => !!value && typeof value === 'object' && !Array.isArray(value);

function defaultRule(rule: Json): void {
  if (isObject(rule)) rule.scope ??= '*';
}

function defaultMatch(match: Json): void {
  match.matchPolicy ??= 'Equivalent';
  match.namespaceSelector ??= {};
  match.objectSelector ??= {};
}

/** SetDefaults_ValidatingWebhook / SetDefaults_MutatingWebhook, their rules and service references. */
function defaultWebhooks(mutating: boolean): (object: KubeObject) => void {
  return (object) => {
    for (const hook of list(object.webhooks)) {
      if (!isObject(hook)) continue;
      hook.failurePolicy ??= 'Fail';
      defaultMatch(hook);
      hook.timeoutSeconds ??= 10;
      if (mutating) hook.reinvocationPolicy ??= 'Never';
      list(hook.rules).forEach(defaultRule);
      const service = hook.clientConfig?.service;
      if (isObject(service)) service.port ??= 443;
    }
  };
}

const operations = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
const scopes = ['*', 'Cluster', 'Namespaced'];

function validateRule(rule: Json, path: string, withOperations: boolean): FieldError[] {
  const out: FieldError[] = [];
  if (withOperations) {
    const ops = list(rule.operations);
    if (ops.length === 0) out.push(field.required(`${path}.operations`));
    ops.forEach((op, i) => {
      if (!operations.includes(op)) out.push(field.notSupported(`${path}.operations[${i}]`, op, operations));
    });
  }
  for (const key of ['apiGroups', 'apiVersions', 'resources']) if (list(rule[key]).length === 0) out.push(field.required(`${path}.${key}`));
  if (rule.scope !== undefined && rule.scope !== null && !scopes.includes(rule.scope)) out.push(field.notSupported(`${path}.scope`, rule.scope, scopes));
  return out;
}

function supported(value: unknown, path: string, values: string[]): FieldError[] {
  return value === undefined || value === null || values.includes(value as string) ? [] : [field.notSupported(path, value, values)];
}

function validateClientConfig(config: Json | undefined, path: string): FieldError[] {
  const hasURL = typeof config?.url === 'string' && config.url !== '';
  const hasService = isObject(config?.service);
  if (hasURL === hasService) return [field.required(path, 'exactly one of url or service is required')];
  if (hasURL) {
    let scheme = '';
    try {
      scheme = new URL(config!.url).protocol.replace(/:$/, '');
    } catch {
      return [field.invalid(`${path}.url`, config!.url, 'host must be specified')];
    }
    if (scheme !== 'https') return [field.invalid(`${path}.url`, scheme, "'https' is the only allowed URL scheme; desired format: https://host[/path]")];
    return [];
  }
  const service = config!.service as Json;
  const out: FieldError[] = [];
  if (!service.namespace) out.push(field.required(`${path}.service.namespace`, 'service namespace is required'));
  if (!service.name) out.push(field.required(`${path}.service.name`, 'service name is required'));
  const port = service.port;
  if (typeof port === 'number' && (port < 1 || port > 65535)) out.push(field.invalid(`${path}.service.port`, port, 'port is not valid: must be between 1 and 65535, inclusive'));
  return out;
}

function validateWebhook(hook: Json, path: string, mutating: boolean): FieldError[] {
  const out: FieldError[] = [];
  const name = typeof hook.name === 'string' ? hook.name : '';
  if (!name) out.push(field.required(`${path}.name`));
  else {
    out.push(...isDNS1123Subdomain(name).map((p) => field.invalid(`${path}.name`, name, p)));
    if (name.split('.').length < 3) out.push(field.invalid(`${path}.name`, name, 'should be a domain with at least three segments separated by dots'));
  }
  list(hook.rules).forEach((rule, i) => out.push(...validateRule(rule ?? {}, `${path}.rules[${i}]`, true)));
  out.push(...supported(hook.failurePolicy, `${path}.failurePolicy`, ['Fail', 'Ignore']));
  out.push(...supported(hook.matchPolicy, `${path}.matchPolicy`, ['Equivalent', 'Exact']));
  if (hook.sideEffects === undefined || hook.sideEffects === null || hook.sideEffects === '') out.push(field.required(`${path}.sideEffects`, 'must specify one of None, NoneOnDryRun'));
  else out.push(...supported(hook.sideEffects, `${path}.sideEffects`, ['None', 'NoneOnDryRun']));
  if (typeof hook.timeoutSeconds === 'number' && (hook.timeoutSeconds < 1 || hook.timeoutSeconds > 30)) {
    out.push(field.invalid(`${path}.timeoutSeconds`, hook.timeoutSeconds, 'the timeout value must be between 1 and 30 seconds'));
  }
  out.push(...validateLabelSelector(hook.namespaceSelector, `${path}.namespaceSelector`));
  out.push(...validateLabelSelector(hook.objectSelector, `${path}.objectSelector`));
  out.push(...validateClientConfig(hook.clientConfig, `${path}.clientConfig`));
  const versions = list(hook.admissionReviewVersions);
  if (versions.length === 0) out.push(field.required(`${path}.admissionReviewVersions`, 'must specify one of v1, v1beta1'));
  else if (!versions.some((v) => v === 'v1' || v === 'v1beta1')) out.push(field.invalid(`${path}.admissionReviewVersions`, versions, 'must include at least one of v1, v1beta1'));
  if (mutating) out.push(...supported(hook.reinvocationPolicy, `${path}.reinvocationPolicy`, ['Never', 'IfNeeded']));
  return out;
}

function validateWebhooks(mutating: boolean): (object: KubeObject) => FieldError[] {
  return (object) => {
    const out: FieldError[] = [];
    const seen = new Set<string>();
    list(object.webhooks).forEach((hook, i) => {
      const path = `webhooks[${i}]`;
      out.push(...validateWebhook(hook ?? {}, path, mutating));
      const name = hook?.name;
      if (typeof name === 'string' && name) {
        if (seen.has(name)) out.push(field.duplicate(`${path}.name`, name));
        seen.add(name);
      }
    });
    return out;
  };
}

/** Webhooks changed: a new generation, as the configurations' strategies count them. */
const webhooksChanged = (object: KubeObject, old: KubeObject) => JSON.stringify(object.webhooks ?? null) !== JSON.stringify(old.webhooks ?? null);

function webhookConfiguration(kind: string, plural: string, mutating: boolean): ResourceDefinition {
  return define({
    ...admissionregistration,
    kind,
    plural,
    namespaced: false,
    strategy: {
      genericObjectMeta: true,
      tracksGeneration: true,
      generationChanged: webhooksChanged,
      table: webhookConfigurationColumns,
      defaults: defaultWebhooks(mutating),
      validate: validateWebhooks(mutating),
    },
  });
}

export const mutatingwebhookconfigurations = webhookConfiguration('MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', true);
export const validatingwebhookconfigurations = webhookConfiguration('ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', false);

function defaultMatchResources(match: unknown): void {
  if (!isObject(match)) return;
  defaultMatch(match);
  list(match.resourceRules).forEach(defaultRule);
  list(match.excludeResourceRules).forEach(defaultRule);
}

function validateMatchResources(match: Json, path: string): FieldError[] {
  const out: FieldError[] = [];
  out.push(...validateLabelSelector(match.namespaceSelector, `${path}.namespaceSelector`));
  out.push(...validateLabelSelector(match.objectSelector, `${path}.objectSelector`));
  out.push(...supported(match.matchPolicy, `${path}.matchPolicy`, ['Equivalent', 'Exact']));
  for (const key of ['resourceRules', 'excludeResourceRules']) list(match[key]).forEach((rule, i) => out.push(...validateRule(rule ?? {}, `${path}.${key}[${i}]`, true)));
  return out;
}

export const validatingadmissionpolicies = define({
  ...admissionregistration,
  kind: 'ValidatingAdmissionPolicy',
  plural: 'validatingadmissionpolicies',
  namespaced: false,
  subresources: [statusSubresource],
  strategy: {
    genericObjectMeta: true,
    tracksGeneration: true,
    table: validatingAdmissionPolicyColumns,
    defaults(policy) {
      const spec = policy.spec as Json | undefined;
      if (!isObject(spec)) return;
      spec.failurePolicy ??= 'Fail';
      defaultMatchResources(spec.matchConstraints);
    },
    prepareForCreate(policy) {
      policy.status = {};
    },
    validate(policy) {
      const spec = (policy.spec ?? {}) as Json;
      const out = supported(spec.failurePolicy, 'spec.failurePolicy', ['Fail', 'Ignore']);
      if (!isObject(spec.matchConstraints)) out.push(field.required('spec.matchConstraints'));
      else out.push(...validateMatchResources(spec.matchConstraints, 'spec.matchConstraints'));
      out.push(...policyCompilationErrors(spec));
      return out;
    },
  },
});

const validationActions = ['Audit', 'Deny', 'Warn'];

export const validatingadmissionpolicybindings = define({
  ...admissionregistration,
  kind: 'ValidatingAdmissionPolicyBinding',
  plural: 'validatingadmissionpolicybindings',
  namespaced: false,
  strategy: {
    genericObjectMeta: true,
    tracksGeneration: true,
    table: validatingAdmissionPolicyBindingColumns,
    defaults(binding) {
      const spec = binding.spec as Json | undefined;
      if (isObject(spec)) defaultMatchResources(spec.matchResources);
    },
    validate(binding) {
      const spec = (binding.spec ?? {}) as Json;
      const out: FieldError[] = [];
      if (!spec.policyName) out.push(field.required('spec.policyName'));
      if (isObject(spec.matchResources)) out.push(...validateMatchResources(spec.matchResources, 'spec.matchResources'));
      const actions = list(spec.validationActions);
      if (actions.length === 0) out.push(field.required('spec.validationActions'));
      const seen = new Set<string>();
      actions.forEach((action, i) => {
        if (!validationActions.includes(action)) out.push(field.notSupported(`spec.validationActions[${i}]`, action, validationActions));
        else if (seen.has(action)) out.push(field.duplicate(`spec.validationActions[${i}]`, action));
        seen.add(action);
      });
      return out;
    },
  },
});

export const admissionregistrationResources: ResourceDefinition[] = [
  mutatingwebhookconfigurations,
  validatingadmissionpolicies,
  validatingadmissionpolicybindings,
  validatingwebhookconfigurations,
];
