// LimitRanger (plugin/pkg/admission/limitranger): each LimitRange of the namespace, in turn, fills
// a created pod's missing container limits and requests from its Container defaults (recording
// what it set in the kubernetes.io/limit-ranger annotation), then bounds containers and the pod
// by min, max and maxLimitRequestRatio, and claims' storage requests by min and max.
// Pods are seen on create only, claims on create and update; an object being deleted is let be.

import { podTotal } from '../../pod-totals.js';
import { Quantity } from '../../quantity.js';
import type { KubeObject } from '../../store/types.js';
import { admissionForbidden, type AdmissionPlugin } from '../types.js';

type Json = Record<string, any>;
type ResourceList = Map<string, Quantity>;

const annotation = 'kubernetes.io/limit-ranger';
/** resource.MaxMilliValue: above it, values are compared in whole units rather than thousandths. */
const maxMilliValue = 2n ** 63n / 1000n;

function resourceList(list: unknown): ResourceList {
  const out: ResourceList = new Map();
  if (!list || typeof list !== 'object') return out;
  for (const [name, value] of Object.entries(list)) {
    const parsed = Quantity.tryParse(value);
    if (parsed) out.set(name, parsed);
  }
  return out;
}

function containersOf(pod: KubeObject): Json[] {
  const spec = pod.spec as Json | undefined;
  const list = (key: string) => (Array.isArray(spec?.[key]) ? (spec[key] as unknown[]) : []).filter((c): c is Json => !!c && typeof c === 'object');
  return [...list('containers'), ...list('initContainers')];
}

function itemsOf(limitRange: KubeObject): Json[] {
  const limits = (limitRange.spec as Json | undefined)?.limits;
  return Array.isArray(limits) ? limits.filter((item): item is Json => !!item && typeof item === 'object') : [];
}

/** mergeContainerResources: what one container got, as annotation phrases. */
function fillContainer(container: Json, prefix: string, limits: Json, requests: Json): string[] {
  const resources = (container.resources ??= {}) as Json;
  const fill = (key: 'limits' | 'requests', defaults: Json): string[] => {
    const set = Object.keys(defaults).filter((name) => resources[key]?.[name] === undefined);
    if (set.length === 0) return [];
    resources[key] ??= {};
    for (const name of set) resources[key][name] = defaults[name];
    return [`${set.sort().join(', ')} ${key === 'limits' ? 'limit' : 'request'} for ${prefix} ${container.name}`];
  };
  const requestPhrases = fill('requests', requests);
  return [...requestPhrases, ...fill('limits', limits)];
}

/** PodMutateLimitFunc for one LimitRange: the last range to set anything writes the annotation. */
function fillPod(pod: KubeObject, limitRange: KubeObject): void {
  const limits: Json = {};
  const requests: Json = {};
  for (const item of itemsOf(limitRange)) {
    if (item.type !== 'Container') continue;
    for (const [name, value] of resourceList(item.defaultRequest)) requests[name] = value.toString();
    for (const [name, value] of resourceList(item.default)) limits[name] = value.toString();
  }
  const spec = pod.spec as Json | undefined;
  const phrases: string[] = [];
  for (const [key, prefix] of [['containers', 'container'], ['initContainers', 'init container']] as const) {
    for (const container of Array.isArray(spec?.[key]) ? (spec[key] as Json[]) : []) {
      if (container && typeof container === 'object') phrases.push(...fillContainer(container, prefix, limits, requests));
    }
  }
  if (phrases.length > 0) (pod.metadata.annotations ??= {})[annotation] = `LimitRanger plugin set: ${phrases.join('; ')}`;
}

/** requestLimitEnforcedValues: thousandths unless any of the three is too large for them. */
function compared(...quantities: (Quantity | undefined)[]): bigint[] {
  const units = quantities.map((q) => q?.value() ?? 0n);
  if (units.every((u) => u <= maxMilliValue)) return quantities.map((q) => q?.milliValue() ?? 0n);
  return units;
}

function minConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const request = requests.get(name);
  const limit = limits.get(name);
  const [requestValue, limitValue, enforcedValue] = compared(request, limit, enforced);
  if (!request) return `minimum ${name} usage per ${type} is ${enforced}.  No request is specified`;
  if (requestValue < enforcedValue) return `minimum ${name} usage per ${type} is ${enforced}, but request is ${request}`;
  if (limit && limitValue < enforcedValue) return `minimum ${name} usage per ${type} is ${enforced}, but limit is ${limit}`;
  return undefined;
}

function maxConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const request = requests.get(name);
  const limit = limits.get(name);
  const [requestValue, limitValue, enforcedValue] = compared(request, limit, enforced);
  if (!limit) return `maximum ${name} usage per ${type} is ${enforced}.  No limit is specified`;
  if (limitValue > enforcedValue) return `maximum ${name} usage per ${type} is ${enforced}, but limit is ${limit}`;
  if (request && requestValue > enforcedValue) return `maximum ${name} usage per ${type} is ${enforced}, but request is ${request}`;
  return undefined;
}

/** maxRequestConstraint: a claim has requests only. */
function maxRequestConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList): string | undefined {
  const request = requests.get(name);
  const [requestValue, , enforcedValue] = compared(request, undefined, enforced);
  if (!request) return `maximum ${name} usage per ${type} is ${enforced}.  No request is specified`;
  if (requestValue > enforcedValue) return `maximum ${name} usage per ${type} is ${enforced}, but request is ${request}`;
  return undefined;
}

function ratioConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const request = requests.get(name);
  const limit = limits.get(name);
  const [requestValue, limitValue] = compared(request, limit, enforced);
  const prefix = `${name} max limit to request ratio per ${type} is ${enforced}`;
  if (!request || requestValue === 0n) return `${prefix}, but no request is specified or request is 0`;
  if (!limit || limitValue === 0n) return `${prefix}, but no limit is specified or limit is 0`;
  const ratio = Number(limitValue) / Number(requestValue);
  const inMillis = enforced.value() <= maxMilliValue;
  const allowed = Number(inMillis ? enforced.milliValue() : enforced.value());
  if ((inMillis ? ratio * 1000 : ratio) > allowed) return `${prefix}, but provided ratio is ${ratio.toFixed(6)}`;
  return undefined;
}

/** Every constraint of one item against one set of requests and limits. */
function bounds(item: Json, type: string, requests: ResourceList, limits: ResourceList): string[] {
  const out: (string | undefined)[] = [];
  for (const [name, enforced] of resourceList(item.min)) out.push(minConstraint(type, name, enforced, requests, limits));
  for (const [name, enforced] of resourceList(item.max)) out.push(maxConstraint(type, name, enforced, requests, limits));
  for (const [name, enforced] of resourceList(item.maxLimitRequestRatio)) out.push(ratioConstraint(type, name, enforced, requests, limits));
  return out.filter((e): e is string => e !== undefined);
}

function add(into: ResourceList, from: ResourceList): void {
  for (const [name, value] of from) into.set(name, into.get(name)?.add(value) ?? value);
}

function max(into: ResourceList, from: ResourceList): void {
  for (const [name, value] of from) {
    const current = into.get(name);
    if (!current || value.cmp(current) > 0) into.set(name, value);
  }
}

/** podRequests / podLimits as LimitRanger counts them: no overhead. */
function podTotalOf(pod: KubeObject, key: 'requests' | 'limits'): ResourceList {
  return podTotal(pod.spec as Json | undefined, { of: (c) => resourceList(c?.resources?.[key]), add, max });
}

function podViolations(pod: KubeObject, limitRange: KubeObject): string[] {
  const out: string[] = [];
  for (const item of itemsOf(limitRange)) {
    if (item.type === 'Container') {
      for (const container of containersOf(pod)) {
        out.push(...bounds(item, 'Container', resourceList(container.resources?.requests), resourceList(container.resources?.limits)));
      }
    }
    if (item.type === 'Pod') out.push(...bounds(item, 'Pod', podTotalOf(pod, 'requests'), podTotalOf(pod, 'limits')));
  }
  return out;
}

function claimViolations(claim: KubeObject, limitRange: KubeObject): string[] {
  const out: (string | undefined)[] = [];
  const requests = resourceList((claim.spec as Json | undefined)?.resources?.requests);
  for (const item of itemsOf(limitRange)) {
    if (item.type !== 'PersistentVolumeClaim') continue;
    for (const [name, enforced] of resourceList(item.min)) out.push(minConstraint('PersistentVolumeClaim', name, enforced, requests, new Map()));
    for (const [name, enforced] of resourceList(item.max)) out.push(maxRequestConstraint('PersistentVolumeClaim', name, enforced, requests));
  }
  return out.filter((e): e is string => e !== undefined);
}

/** utilerrors.NewAggregate's message: one error as it is, several de-duplicated in brackets. */
function aggregate(messages: string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

export const limitRanger: AdmissionPlugin = {
  name: 'LimitRanger',
  operations: ['CREATE', 'UPDATE'],
  resources: ['pods', 'persistentvolumeclaims'],
  admit(request, cluster) {
    if (request.resource !== 'pods' || request.operation !== 'CREATE' || !request.object) return;
    for (const limitRange of namespaceRanges(request.namespace, cluster.list('limitranges'))) fillPod(request.object, limitRange);
  },
  validate(request, cluster) {
    const object = request.object;
    if (!object || request.oldObject?.metadata.deletionTimestamp) return;
    if (request.resource === 'pods' && request.operation !== 'CREATE') return;
    const violations = request.resource === 'pods' ? podViolations : request.resource === 'persistentvolumeclaims' ? claimViolations : undefined;
    if (!violations) return;
    for (const limitRange of namespaceRanges(request.namespace, cluster.list('limitranges'))) {
      const found = violations(object, limitRange);
      if (found.length > 0) throw admissionForbidden(request, aggregate(found));
    }
  },
};

function namespaceRanges(namespace: string, all: KubeObject[]): KubeObject[] {
  return all.filter((lr) => lr.metadata.namespace === namespace);
}
