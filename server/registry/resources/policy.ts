// policy/v1 PodDisruptionBudgets (pkg/registry/policy/poddisruptionbudget, pkg/apis/policy/validation)
// and the pods/eviction subresource that honours them (pkg/registry/core/pod/storage/eviction.go).

import { errors, field, type FieldError, StatusError } from '../../errors.js';
import { labelSelectorFromObject } from '../../selectors/labels.js';
import type { KubeObject } from '../../store/types.js';
import { timestamp } from '../../clock.js';
import { goIntOrString, goPodDisruptionBudgetSpec } from '../go-literal.js';
import type { ResourceDefinition, SubresourceAction, SubresourceDefinition } from '../types.js';
import { validateConditions, validateLabelSelector } from '../validation.js';
import { define, statusSubresource } from './common.js';
import { ageColumn, column } from './printers.js';

type Json = Record<string, any>;

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

const percent = /^[0-9]+%$/;

/** ValidatePositiveIntOrPercent and IsNotMoreThan100Percent of apps validation. */
function validateIntOrPercent(value: unknown, path: string): FieldError[] {
  if (typeof value === 'number') return value < 0 ? [field.invalid(path, value, 'must be greater than or equal to 0')] : [];
  const text = String(value);
  if (!percent.test(text)) {
    return [field.invalid(path, goIntOrString(text), "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
  }
  return Number(text.slice(0, -1)) > 100 ? [field.invalid(path, goIntOrString(text), 'must not be greater than 100%')] : [];
}

const unhealthyPodEvictionPolicies = ['AlwaysAllow', 'IfHealthyBudget'];

function validatePodDisruptionBudget(pdb: KubeObject): FieldError[] {
  const spec = (pdb.spec ?? {}) as Json;
  const out: FieldError[] = [];
  if (isSet(spec.minAvailable) && isSet(spec.maxUnavailable)) out.push(field.invalid('spec', goPodDisruptionBudgetSpec(spec), 'minAvailable and maxUnavailable cannot be both set'));
  if (isSet(spec.minAvailable)) out.push(...validateIntOrPercent(spec.minAvailable, 'spec.minAvailable'));
  if (isSet(spec.maxUnavailable)) out.push(...validateIntOrPercent(spec.maxUnavailable, 'spec.maxUnavailable'));
  out.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  if (isSet(spec.unhealthyPodEvictionPolicy) && !unhealthyPodEvictionPolicies.includes(spec.unhealthyPodEvictionPolicy)) {
    out.push(field.notSupported('spec.unhealthyPodEvictionPolicy', spec.unhealthyPodEvictionPolicy, unhealthyPodEvictionPolicies));
  }
  return out;
}

/** ValidatePodDisruptionBudgetStatusUpdate: metav1 conditions and counts that cannot be negative. */
function validateStatus(pdb: KubeObject): FieldError[] {
  const status = (pdb.status ?? {}) as Json;
  const out = validateConditions(status.conditions, 'status.conditions');
  for (const name of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods']) {
    if (typeof status[name] === 'number' && status[name] < 0) out.push(field.invalid(`status.${name}`, status[name], 'must be greater than or equal to 0'));
  }
  return out;
}

const intOrPercentCell = (value: unknown) => (isSet(value) ? String(value) : 'N/A');

export const poddisruptionbudgets = define({
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  plural: 'poddisruptionbudgets',
  namespaced: true,
  shortNames: ['pdb'],
  subresources: [statusSubresource],
  strategy: {
    genericObjectMeta: true,
    table: [
      column('Min Available', 'string', 'The minimum number of pods that must be available.', (o) => intOrPercentCell((o.spec as Json | undefined)?.minAvailable)),
      column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.', (o) => intOrPercentCell((o.spec as Json | undefined)?.maxUnavailable)),
      column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.', (o) => (o.status as Json | undefined)?.disruptionsAllowed ?? 0),
      ageColumn,
    ],
    tracksGeneration: true,
    prepareForCreate(pdb) {
      pdb.status = {};
    },
    validate: validatePodDisruptionBudget,
    subresourceValidation: { status: validateStatus },
  },
});

// ---------- pods/eviction ----------

export const evictionSubresource: SubresourceDefinition = {
  name: 'eviction',
  responseKind: { group: 'policy', version: 'v1', kind: 'Eviction' },
  verbs: ['create'],
};

/** Whether a pod's phase or deletion lets it go without asking its disruption budget (canIgnorePDB). */
function ignoresBudget(pod: KubeObject): boolean {
  const phase = (pod.status as Json | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || isSet(pod.metadata.deletionTimestamp);
}

function isReady(pod: KubeObject): boolean {
  const conditions: Json[] = (pod.status as Json | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

function tooManyRequests(cause: string, retryAfterSeconds: number): StatusError {
  const message = "Cannot evict pod as it would violate the pod's disruption budget.";
  const details: Json = { causes: [{ reason: 'DisruptionBudget', message: cause }] };
  if (retryAfterSeconds > 0) details.retryAfterSeconds = retryAfterSeconds;
  return new StatusError(429, 'TooManyRequests', message, details, retryAfterSeconds > 0 ? { 'Retry-After': String(retryAfterSeconds) } : {});
}

/** podutil.UpdatePodCondition: the condition replaces one of its type, with a new transition time when its status changes. */
function setPodCondition(pod: KubeObject, condition: Json, now: Date): void {
  const status = (pod.status ??= {}) as Json;
  const conditions: Json[] = status.conditions ?? [];
  const existing = conditions.find((c) => c.type === condition.type);
  const transition = existing && existing.status === condition.status ? existing.lastTransitionTime : timestamp(now);
  const next = { type: condition.type, status: condition.status, lastProbeTime: existing?.lastProbeTime ?? null, lastTransitionTime: transition, reason: condition.reason, message: condition.message };
  status.conditions = existing ? conditions.map((c) => (c === existing ? next : c)) : [...conditions, next];
}

/** apimeta.SetStatusCondition of the DisruptionAllowed condition (pdbhelper.UpdateDisruptionAllowedCondition). */
export function setDisruptionAllowed(status: Json, now: Date): void {
  const allowed = (status.disruptionsAllowed ?? 0) > 0;
  const wanted = { type: 'DisruptionAllowed', status: allowed ? 'True' : 'False', reason: allowed ? 'SufficientPods' : 'InsufficientPods', message: '', observedGeneration: status.observedGeneration ?? 0 };
  const conditions: Json[] = status.conditions ?? [];
  const existing = conditions.find((c) => c.type === wanted.type);
  const lastTransitionTime = existing && existing.status === wanted.status ? existing.lastTransitionTime : timestamp(now);
  const next = { type: wanted.type, status: wanted.status, observedGeneration: wanted.observedGeneration, lastTransitionTime, reason: wanted.reason, message: wanted.message };
  status.conditions = existing ? conditions.map((c) => (c === existing ? next : c)) : [...conditions, next];
}

const maxDisruptedPods = 2000;

/** checkAndDecrement: refuses an eviction the budget does not allow, else takes one disruption from it. */
function spendDisruption(action: SubresourceAction, pdb: KubeObject, podName: string): void {
  const name = pdb.metadata.name ?? '';
  const status = (pdb.status ?? {}) as Json;
  if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) throw tooManyRequests(`The disruption budget ${name} is still being processed by the server.`, 10);
  const allowed = status.disruptionsAllowed ?? 0;
  const gr = { group: 'policy', resource: 'poddisruptionbudget' };
  if (allowed < 0) throw errors.forbidden(gr, name, 'pdb disruptions allowed is negative');
  if (Object.keys(status.disruptedPods ?? {}).length > maxDisruptedPods) throw errors.forbidden(gr, name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  if (allowed === 0) throw tooManyRequests(`The disruption budget ${name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`, 0);
  const next: Json = { ...status, disruptionsAllowed: allowed - 1 };
  if (next.disruptionsAllowed === 0) setDisruptionAllowed(next, action.context.now);
  if (action.dryRun) return;
  next.disruptedPods = { ...next.disruptedPods, [podName]: timestamp(action.context.now) };
  // The PodDisruptionBudget client of kube-apiserver writes as kube-apiserver.
  action.writeSubresource('policy/poddisruptionbudgets', { ...pdb, status: next }, 'status', 'kube-apiserver');
}

/** The pod gets the DisruptionTarget condition, then goes through a normal (graceful) delete. */
function markAndDelete(action: SubresourceAction, pod: KubeObject, deleteOptions: Json): void {
  let resourceVersion = deleteOptions.preconditions?.resourceVersion;
  if (!action.dryRun) {
    const pre = deleteOptions.preconditions ?? {};
    const gr = { group: '', resource: 'Pod' };
    const name = pod.metadata.name ?? '';
    if (pre.uid && pre.uid !== pod.metadata.uid) {
      throw errors.conflict(gr, name, `the UID in the precondition (${pre.uid}) does not match the UID in record (${pod.metadata.uid}). The object might have been deleted and then recreated`);
    }
    if (pre.resourceVersion && pre.resourceVersion !== pod.metadata.resourceVersion) {
      throw errors.conflict(gr, name, `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${pod.metadata.resourceVersion}). The object might have been modified`);
    }
    const marked = structuredClone(pod);
    setPodCondition(marked, { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' }, action.context.now);
    const written = action.writeSubresource('pods', marked, 'status');
    if (resourceVersion) resourceVersion = written.metadata.resourceVersion;
  }
  const preconditions = resourceVersion ? { ...deleteOptions.preconditions, resourceVersion } : deleteOptions.preconditions;
  action.delete('pods', pod.metadata.namespace ?? '', pod.metadata.name ?? '', {
    gracePeriodSeconds: deleteOptions.gracePeriodSeconds ?? undefined,
    preconditions,
    propagationPolicy: deleteOptions.propagationPolicy,
    orphanDependents: deleteOptions.orphanDependents,
  });
}

/** POST pods/NAME/eviction: deletes the pod unless the one PodDisruptionBudget that selects it refuses. */
export function evictPod(action: SubresourceAction): void {
  const pod = action.parent;
  const deleteOptions: Json = { ...(action.body.deleteOptions as Json | undefined) };
  if (deleteOptions.ignoreStoreReadErrorWithClusterBreakingPotential === true) {
    throw errors.invalid({ group: 'policy', kind: 'Eviction' }, pod.metadata.name ?? '', [
      field.invalid('deleteOptions.ignoreStoreReadErrorWithClusterBreakingPotential', true, 'can not be set for pod eviction, try after removing the option'),
    ]);
  }
  const withVersion = (version: string | undefined) => (version ? { ...deleteOptions, preconditions: { ...deleteOptions.preconditions, resourceVersion: version } } : deleteOptions);
  if (ignoresBudget(pod)) {
    const phase = (pod.status as Json | undefined)?.phase;
    const enforced = phase !== 'Succeeded' && phase !== 'Failed' && !isSet(pod.metadata.deletionTimestamp);
    const options = enforced && !deleteOptions.preconditions?.resourceVersion ? withVersion(pod.metadata.resourceVersion) : deleteOptions;
    return markAndDelete(action, pod, options);
  }
  const namespace = pod.metadata.namespace ?? '';
  const budgets = action.context
    .list('policy/poddisruptionbudgets')
    .filter((pdb) => pdb.metadata.namespace === namespace)
    .filter((pdb) => {
      const selector = (pdb.spec as Json | undefined)?.selector;
      return isSet(selector) && labelSelectorFromObject(selector)(pod.metadata.labels ?? {});
    });
  if (budgets.length > 1) {
    throw new StatusError(500, undefined, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  }
  let options = deleteOptions;
  const pdb = budgets[0];
  if (pdb) {
    const spec = (pdb.spec ?? {}) as Json;
    const status = (pdb.status ?? {}) as Json;
    const healthyEnough = (status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0) && (status.desiredHealthy ?? 0) > 0;
    if (!isReady(pod) && (spec.unhealthyPodEvictionPolicy === 'AlwaysAllow' || healthyEnough)) options = withVersion(pod.metadata.resourceVersion);
    else spendDisruption(action, pdb, pod.metadata.name ?? '');
  }
  markAndDelete(action, pod, options);
}

export const policyResources: ResourceDefinition[] = [poddisruptionbudgets];
