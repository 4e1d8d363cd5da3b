// ResourceQuota (apiserver/pkg/admission/plugin/resourcequota): a write that adds to what a
// namespace uses is checked against every quota there whose status limits it and whose scopes
// select the object. The first quota it would exceed refuses it, naming what was requested, used and
// limited; an admitted write adds its usage to those quotas' status.used at once, so writes that
// follow count it before the resource quota controller recounts.

import { evaluatorFor, inScopes, listOf, quotaScopes, zero, type ResourceList } from '../../quota/evaluators.js';
import { admissionForbidden, type AdmissionPlugin } from '../types.js';
import type { KubeObject } from '../../store/types.js';

type Json = Record<string, any>;

const sortedNames = (names: Iterable<string>) => [...names].sort();
/** prettyPrint: `name=value` by name. */
const pretty = (list: ResourceList) => sortedNames(list.keys()).map((n) => `${n}=${list.get(n)!.toString()}`).join(',');
const mask = (list: ResourceList, names: string[]): ResourceList => new Map([...list].filter(([n]) => names.includes(n)));

/** quota.Add: every name of either list, summed where both have it. */
function sum(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [n, v] of b) out.set(n, out.has(n) ? out.get(n)!.add(v) : v);
  return out;
}

/** quota.SubtractWithNonNegativeResult: what the new object uses beyond the old one, never below zero. */
function growth(next: ResourceList, prev: ResourceList): ResourceList {
  const out: ResourceList = new Map();
  for (const [n, v] of next) {
    const left = prev.has(n) ? v.sub(prev.get(n)!) : v;
    out.set(n, left.sign() > 0 ? left : zero());
  }
  for (const n of prev.keys()) if (!out.has(n)) out.set(n, zero());
  return out;
}

export const resourceQuota: AdmissionPlugin = {
  name: 'ResourceQuota',
  operations: ['CREATE', 'UPDATE'],
  resources: '*',
  subresources: '*',
  validate(request, cluster) {
    const object = request.object;
    if (!request.namespace || !object) return;
    const evaluator = evaluatorFor(request.definition);
    if (!evaluator || !evaluator.handles(request.operation as 'CREATE' | 'UPDATE', request.subresource)) return;
    const quotas = cluster
      .list('resourcequotas')
      .filter((q) => q.metadata.namespace === request.namespace)
      .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
    if (quotas.length === 0) return;

    const interesting: { quota: KubeObject; hard: ResourceList; used: ResourceList }[] = [];
    for (const quota of quotas) {
      const status = (quota.status ?? {}) as Json;
      const hard = listOf(status.hard);
      const restricted = sortedNames(hard.keys()).filter((n) => evaluator.matches(n));
      if (restricted.length === 0 || !inScopes(evaluator, quotaScopes((quota.spec ?? {}) as Json), object)) continue;
      const name = quota.metadata.name!;
      const unmet = evaluator.constraints?.(restricted, object);
      if (unmet) throw admissionForbidden(request, `failed quota: ${name}: ${unmet}`);
      if (restricted.some((n) => status.used?.[n] === undefined)) throw admissionForbidden(request, `status unknown for quota: ${name}, resources: ${restricted.join(',')}`);
      interesting.push({ quota, hard, used: listOf(status.used) });
    }

    const now = cluster.now.getTime();
    let delta = evaluator.usage(object, now);
    const negative = sortedNames([...delta].filter(([, v]) => v.sign() < 0).map(([n]) => n));
    if (negative.length) throw admissionForbidden(request, `quota usage is negative for resource(s): ${negative.join(',')}`);
    if (request.operation === 'UPDATE' && request.oldObject?.metadata.resourceVersion) delta = growth(delta, evaluator.usage(request.oldObject, now));
    delta = new Map([...delta].filter(([, v]) => !v.isZero()));
    if (delta.size === 0 || interesting.length === 0) return;

    const admitted: { quota: KubeObject; used: ResourceList }[] = [];
    for (const { quota, hard, used } of interesting) {
      const requested = mask(delta, [...hard.keys()]);
      const next = sum(used, requested);
      const exceeded = sortedNames(requested.keys()).filter((n) => next.get(n)!.cmp(hard.get(n)!) > 0);
      if (exceeded.length) {
        const why = `exceeded quota: ${quota.metadata.name}, requested: ${pretty(mask(requested, exceeded))}, used: ${pretty(mask(used, exceeded))}, limited: ${pretty(mask(hard, exceeded))}`;
        throw admissionForbidden(request, why);
      }
      if (requested.size) admitted.push({ quota, used: next });
    }
    if (request.dryRun) return;
    for (const { quota, used } of admitted) {
      cluster.writeStatus('resourcequotas', request.namespace, quota.metadata.name!, (q) => {
        const status = (q.status ??= {}) as Json;
        status.used = Object.fromEntries(sortedNames(used.keys()).map((n) => [n, used.get(n)!.toString()]));
      });
    }
  },
};
