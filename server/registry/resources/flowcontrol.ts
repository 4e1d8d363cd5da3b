// flowcontrol.apiserver.k8s.io/v1: FlowSchemas and PriorityLevelConfigurations (pkg/registry/flowcontrol,
// pkg/apis/flowcontrol/validation, pkg/apis/flowcontrol/v1/defaults.go). They are stored, defaulted and
// validated; kubemock does not queue or reject requests by them.

import { recordedObject } from '../../bootstrap/objects.js';
import { field, type FieldError, GoLiteral } from '../../errors.js';
import { jsonEqual } from '../../json.js';
import type { KubeObject } from '../../store/types.js';
import type { ResourceDefinition } from '../types.js';
import { isDNS1123Label, isDNS1123Subdomain } from '../validation.js';
import { define, keepAllButStatusAndMetadata, statusSubresource } from './common.js';
import { flowSchemaColumns, priorityLevelConfigurationColumns } from './flowcontrol-printers.js';

type Json = Record<string, any>;

export const flowcontrolGroup = 'flowcontrol.apiserver.k8s.io';
const flowcontrol = { group: flowcontrolGroup, version: 'v1' };

/** Go's sets.String.List(): sorted. */
const distinguisherMethods = ['ByNamespace', 'ByUser'];
const ruleVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'proxy', 'update', 'watch'];
const subjectKinds = ['Group', 'ServiceAccount', 'User'];
const maxMatchingPrecedence = 10000;
const maxQueues = 10_000_000;
const maxHashBits = 60;
const namespaceIntro = "each member of this list must be '*' or a DNS-1123 label; ";

const list = (value: unknown): any[] => (Array.isArray(value) ? value : []);

/** The bootstrap objects kube-apiserver always keeps, as PriorityLevelConfigurations and as FlowSchemas. */
export const isMandatoryConfiguration = (name: string | undefined): boolean => name === 'exempt' || name === 'catch-all';

/** The mandatory objects must keep the spec kube-apiserver gives them. */
function mandatorySpec(plural: string, name: string | undefined): Json | undefined {
  if (name === undefined || !isMandatoryConfiguration(name)) return undefined;
  const recorded = recordedObject(flowcontrolGroup, plural, name);
  return recorded && (recorded.spec as Json);
}

/** A short Go rendering of a pointer field, as %#v shows one (the address itself differs per process). */
function pointer(type: string, value: unknown): string {
  return value === undefined || value === null ? `(*flowcontrol.${type})(nil)` : `(*flowcontrol.${type})(0xc000000000)`;
}

function verbErrors(verbs: unknown, path: string): FieldError[] {
  const given = list(verbs);
  if (given.length === 0) return [field.required(`${path}.verbs`, 'verbs must contain at least one value')];
  if (given.includes('*')) return given.length > 1 ? [field.invalid(`${path}.verbs`, given, "if '*' is present, must not specify other verbs")] : [];
  if (!given.every((v) => ruleVerbs.includes(v))) return [field.notSupported(`${path}.verbs`, given, ruleVerbs)];
  return [];
}

function nonResourceURLError(url: string, path: string): FieldError | undefined {
  if (url.length === 0) return field.invalid(path, url, 'must not be empty');
  if (url === '/') return undefined;
  if (!url.startsWith('/')) return field.invalid(path, url, 'must start with slash');
  if (url.includes(' ')) return field.invalid(path, url, 'must not contain white-space');
  if (url.includes('//')) return field.invalid(path, url, 'must not contain double slash');
  const wildcards = url.split('*').length - 1;
  if (wildcards > 1 || (wildcards === 1 && !url.endsWith('/*'))) return field.invalid(path, url, 'wildcard can only do suffix matching');
  return undefined;
}

function validateResourceRule(rule: Json, path: string): FieldError[] {
  const out = verbErrors(rule.verbs, path);
  const groups = list(rule.apiGroups);
  if (groups.length === 0) out.push(field.required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  else if (groups.length > 1 && groups.includes('*')) out.push(field.invalid(`${path}.apiGroups`, groups, "if '*' is present, must not specify other api groups"));
  const resources = list(rule.resources);
  if (resources.length === 0) out.push(field.required(`${path}.resources`, 'resource rules must supply at least one resource'));
  else if (resources.length > 1 && resources.includes('*')) out.push(field.invalid(`${path}.resources`, resources, "if '*' is present, must not specify other resources"));
  const namespaces = list(rule.namespaces);
  if (namespaces.length === 0 && !rule.clusterScope) {
    out.push(field.required(`${path}.namespaces`, 'resource rules that are not cluster scoped must supply at least one namespace'));
  } else if (namespaces.includes('*')) {
    if (namespaces.length > 1) out.push(field.invalid(`${path}.namespaces`, namespaces, "if '*' is present, must not specify other namespaces"));
  } else {
    namespaces.forEach((ns: string, i: number) => out.push(...isDNS1123Label(ns).map((p) => field.invalid(`${path}.namespaces[${i}]`, ns, namespaceIntro + p))));
  }
  return out;
}

function validateNonResourceRule(rule: Json, path: string): FieldError[] {
  const out = verbErrors(rule.verbs, path);
  const urls = list(rule.nonResourceURLs);
  if (urls.length === 0) out.push(field.required(`${path}.nonResourceURLs`, 'nonResourceURLs must contain at least one value'));
  else if (urls.includes('*')) {
    if (urls.length > 1) out.push(field.invalid(`${path}.nonResourceURLs`, urls, "if '*' is present, must not specify other non-resource URLs"));
  } else {
    urls.forEach((url: string, i: number) => {
      const problem = nonResourceURLError(String(url), `${path}.nonResourceURLs[${i}]`);
      if (problem) out.push(problem);
    });
  }
  return out;
}

const subjectMembers: Record<string, string> = { ServiceAccount: 'serviceAccount', User: 'user', Group: 'group' };

function validateSubject(subject: Json, path: string): FieldError[] {
  const kind = subject.kind;
  const member = subjectMembers[kind];
  if (!member) return [field.notSupported(`${path}.kind`, kind ?? '', subjectKinds)];
  const out: FieldError[] = [];
  const body = subject[member] as Json | undefined;
  if (!body) out.push(field.required(`${path}.${member}`, `${member} is required when subject kind is '${kind}'`));
  else if (!body.name) out.push(field.required(`${path}.${member}.name`));
  else if (kind === 'ServiceAccount' && body.name !== '*') out.push(...isDNS1123Subdomain(body.name).map((p) => field.invalid(`${path}.serviceAccount.name`, body.name, p)));
  if (body && kind === 'ServiceAccount') {
    if (body.namespace) out.push(...isDNS1123Label(body.namespace).map((p) => field.invalid(`${path}.serviceAccount.namespace`, body.namespace, p)));
    else out.push(field.required(`${path}.serviceAccount.namespace`, 'must specify namespace for service account'));
  }
  // Go checks the other members in a fixed order per kind.
  const others = { ServiceAccount: ['user', 'group'], User: ['serviceAccount', 'group'], Group: ['serviceAccount', 'user'] }[kind as 'User']!;
  const expected: Record<string, string> = { user: 'User', group: 'Group', serviceAccount: 'ServiceAccount' };
  for (const other of others) {
    if (subject[other] !== undefined && subject[other] !== null) out.push(field.forbidden(`${path}.${other}`, `${other} is forbidden when subject kind is not '${expected[other]}'`));
  }
  return out;
}

function validateRuleWithSubjects(rule: Json, path: string): FieldError[] {
  const out: FieldError[] = [];
  const subjects = list(rule.subjects);
  if (subjects.length === 0) out.push(field.required(`${path}.subjects`, 'subjects must contain at least one value'));
  subjects.forEach((s, i) => out.push(...validateSubject(s ?? {}, `${path}.subjects[${i}]`)));
  const resourceRules = list(rule.resourceRules);
  const nonResourceRules = list(rule.nonResourceRules);
  if (resourceRules.length === 0 && nonResourceRules.length === 0) out.push(field.required(path, 'at least one of resourceRules and nonResourceRules has to be non-empty'));
  resourceRules.forEach((r, i) => out.push(...validateResourceRule(r ?? {}, `${path}.resourceRules[${i}]`)));
  nonResourceRules.forEach((r, i) => out.push(...validateNonResourceRule(r ?? {}, `${path}.nonResourceRules[${i}]`)));
  return out;
}

function validateConditions(status: unknown): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  list((status as Json | undefined)?.conditions).forEach((condition: Json, i: number) => {
    const type = condition?.type ?? '';
    if (seen.has(type)) out.push(field.duplicate(`status.conditions[${i}].type`, type));
    seen.add(type);
    if (!type) out.push(field.required(`status.conditions[${i}].type`, 'must not be empty'));
  });
  return out;
}

function validateFlowSchema(fs: KubeObject): FieldError[] {
  const spec = (fs.spec ?? {}) as Json;
  const name = fs.metadata.name;
  const out: FieldError[] = [];
  const precedence = spec.matchingPrecedence ?? 0;
  if (precedence <= 0) out.push(field.invalid('spec.matchingPrecedence', precedence, 'must be a positive value'));
  if (precedence > maxMatchingPrecedence) out.push(field.invalid('spec.matchingPrecedence', precedence, `must not be greater than ${maxMatchingPrecedence}`));
  if (precedence === 1 && name !== 'exempt') out.push(field.invalid('spec.matchingPrecedence', precedence, "only the schema named 'exempt' may have matchingPrecedence 1"));
  const method = spec.distinguisherMethod as Json | undefined | null;
  if (method && !distinguisherMethods.includes(method.type)) {
    out.push(field.notSupported('spec.distinguisherMethod.type', new GoLiteral(`flowcontrol.FlowDistinguisherMethod{Type:${JSON.stringify(String(method.type ?? ''))}}`), distinguisherMethods));
  }
  const level = spec.priorityLevelConfiguration?.name;
  if (level) out.push(...isDNS1123Subdomain(level).map((p) => field.invalid('spec.priorityLevelConfiguration.name', level, p)));
  else out.push(field.required('spec.priorityLevelConfiguration.name', 'must reference a priority level'));
  list(spec.rules).forEach((rule, i) => out.push(...validateRuleWithSubjects(rule ?? {}, `spec.rules[${i}]`)));
  const mandatory = mandatorySpec('flowschemas', name);
  if (mandatory && !jsonEqual(spec, mandatory)) {
    const literal =
      `flowcontrol.FlowSchemaSpec{PriorityLevelConfiguration:flowcontrol.PriorityLevelConfigurationReference{Name:${JSON.stringify(level ?? '')}}, ` +
      `MatchingPrecedence:${precedence}, DistinguisherMethod:${pointer('FlowDistinguisherMethod', method)}, Rules:[]flowcontrol.PolicyRulesWithSubjects{...}}`;
    out.push(field.invalid('spec', new GoLiteral(literal), `spec of '${name}' must equal the fixed value`));
  }
  out.push(...validateConditions(fs.status));
  return out;
}

function validateQueuing(queuing: Json, path: string): FieldError[] {
  const out: FieldError[] = [];
  const { queueLengthLimit = 0, queues = 0, handSize = 0 } = queuing;
  if (queueLengthLimit <= 0) out.push(field.invalid(`${path}.queueLengthLimit`, queueLengthLimit, 'must be positive'));
  if (queues <= 0) out.push(field.invalid(`${path}.queues`, queues, 'must be positive'));
  else if (queues > maxQueues) out.push(field.invalid(`${path}.queues`, queues, `must not be greater than ${maxQueues}`));
  if (handSize <= 0) out.push(field.invalid(`${path}.handSize`, handSize, 'must be positive'));
  else if (handSize > queues) out.push(field.invalid(`${path}.handSize`, handSize, `should not be greater than queues (${queues})`));
  else if (Math.ceil(Math.log2(queues) * handSize) > maxHashBits) {
    out.push(field.invalid(`${path}.handSize`, handSize, `required entropy bits of deckSize ${queues} and handSize ${handSize} should not be greater than ${maxHashBits}`));
  }
  return out;
}

function validateLendable(value: unknown, path: string): FieldError[] {
  if (typeof value === 'number' && (value < 0 || value > 100)) return [field.invalid(path, value, 'must be between 0 and 100, inclusive')];
  return [];
}

function validateLimited(limited: Json, path: string): FieldError[] {
  const out: FieldError[] = [];
  const shares = limited.nominalConcurrencyShares ?? 0;
  if (shares < 0) out.push(field.invalid(`${path}.nominalConcurrencyShares`, shares, 'must be a non-negative integer'));
  const response = (limited.limitResponse ?? {}) as Json;
  const responsePath = `${path}.limitResponse`;
  if (response.type === 'Reject') {
    if (response.queuing) out.push(field.forbidden(`${responsePath}.queuing`, 'must be nil if limited.limitResponse.type is not Limited'));
  } else if (response.type === 'Queue') {
    if (!response.queuing) out.push(field.required(`${responsePath}.queuing`, 'must not be empty if limited.limitResponse.type is Limited'));
    else out.push(...validateQueuing(response.queuing, `${responsePath}.queuing`));
  } else {
    out.push(field.notSupported(`${responsePath}.type`, response.type ?? '', ['Queue', 'Reject']));
  }
  out.push(...validateLendable(limited.lendablePercent, `${path}.lendablePercent`));
  if (typeof limited.borrowingLimitPercent === 'number' && limited.borrowingLimitPercent < 0) {
    out.push(field.invalid(`${path}.borrowingLimitPercent`, limited.borrowingLimitPercent, 'if specified, must be a non-negative integer'));
  }
  return out;
}

const preserveZeroSharesAnnotation = 'flowcontrol.k8s.io/v1beta3-preserve-zero-concurrency-shares';

function validatePriorityLevel(pl: KubeObject): FieldError[] {
  const spec = (pl.spec ?? {}) as Json;
  const name = pl.metadata.name;
  const out: FieldError[] = [];
  if (pl.metadata.annotations && preserveZeroSharesAnnotation in pl.metadata.annotations) {
    out.push(field.forbidden('metadata.annotations', `annotation '${preserveZeroSharesAnnotation}' is forbidden`));
  }
  if ((name === 'exempt') !== (spec.type === 'Exempt')) out.push(field.invalid('spec.type', spec.type ?? '', "type must be 'Exempt' if and only if name is 'exempt'"));
  if (spec.type === 'Exempt') {
    if (spec.limited) out.push(field.forbidden('spec.limited', 'must be nil if the type is not Limited'));
    const exempt = spec.exempt as Json | undefined;
    if (exempt) {
      if (typeof exempt.nominalConcurrencyShares === 'number' && exempt.nominalConcurrencyShares < 0) {
        out.push(field.invalid('spec.exempt.nominalConcurrencyShares', exempt.nominalConcurrencyShares, 'must be a non-negative integer'));
      }
      out.push(...validateLendable(exempt.lendablePercent, 'spec.exempt.lendablePercent'));
    }
  } else if (spec.type === 'Limited') {
    if (spec.exempt) out.push(field.forbidden('spec.exempt', 'must be nil if the type is Limited'));
    if (!spec.limited) out.push(field.required('spec.limited', 'must not be empty when type is Limited'));
    else out.push(...validateLimited(spec.limited, 'spec.limited'));
  } else {
    out.push(field.notSupported('spec.type', spec.type ?? '', ['Exempt', 'Limited']));
  }
  const mandatory = mandatorySpec('prioritylevelconfigurations', name);
  // The exempt level's `exempt` settings are the administrator's to change.
  const compared = name === 'exempt' ? { ...spec, exempt: mandatory?.exempt } : spec;
  if (mandatory && !jsonEqual(compared, mandatory)) {
    const literal = `flowcontrol.PriorityLevelConfigurationSpec{Type:${JSON.stringify(String(spec.type ?? ''))}, Limited:${pointer('LimitedPriorityLevelConfiguration', spec.limited)}, Exempt:${pointer('ExemptPriorityLevelConfiguration', spec.exempt)}}`;
    const detail = name === 'exempt' ? `spec of '${name}' except the 'spec.exempt' field must equal the fixed value` : `spec of '${name}' must equal the fixed value`;
    out.push(field.invalid('spec', new GoLiteral(literal), detail));
  }
  out.push(...validateConditions(pl.status));
  return out;
}

function defaultPriorityLevel(pl: KubeObject): void {
  const spec = pl.spec as Json | undefined;
  const limited = spec?.limited as Json | undefined;
  if (limited && typeof limited === 'object') {
    limited.nominalConcurrencyShares ??= 30;
    limited.lendablePercent ??= 0;
    const queuing = limited.limitResponse?.queuing as Json | undefined;
    if (queuing && typeof queuing === 'object') {
      queuing.handSize ||= 8;
      queuing.queues ||= 64;
      queuing.queueLengthLimit ||= 50;
    }
  }
  const exempt = spec?.exempt as Json | undefined;
  if (exempt && typeof exempt === 'object') {
    exempt.nominalConcurrencyShares ??= 0;
    exempt.lendablePercent ??= 0;
  }
}

/** Create starts with an empty status; updates of the main resource keep the stored one. */
const flowcontrolStrategy = {
  tracksGeneration: true,
  prepareForCreate: (object: KubeObject) => {
    object.status = {};
  },
  subresourceUpdates: { status: keepAllButStatusAndMetadata },
};

export const flowschemas = define({
  ...flowcontrol,
  kind: 'FlowSchema',
  plural: 'flowschemas',
  namespaced: false,
  subresources: [statusSubresource],
  strategy: {
    ...flowcontrolStrategy,
    table: flowSchemaColumns,
    defaults(fs) {
      const spec = fs.spec as Json | undefined;
      if (spec && typeof spec === 'object' && !spec.matchingPrecedence) spec.matchingPrecedence = 1000;
    },
    validate: validateFlowSchema,
  },
});

export const prioritylevelconfigurations = define({
  ...flowcontrol,
  kind: 'PriorityLevelConfiguration',
  plural: 'prioritylevelconfigurations',
  namespaced: false,
  subresources: [statusSubresource],
  strategy: { ...flowcontrolStrategy, table: priorityLevelConfigurationColumns, defaults: defaultPriorityLevel, validate: validatePriorityLevel },
});

export const flowcontrolResources: ResourceDefinition[] = [flowschemas, prioritylevelconfigurations];
