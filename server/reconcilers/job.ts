// The Job controller (pkg/controller/job) with Kubernetes 1.32's default features: pods tracked by
// the batch.kubernetes.io/job-tracking finalizer and counted through uncountedTerminatedPods;
// parallelism and completions, NonIndexed and Indexed completion, backoffLimit with the pod
// failure back-off (10 s doubling to 10 minutes), backoffLimitPerIndex and maxFailedIndexes,
// podFailurePolicy, podReplacementPolicy, successPolicy, activeDeadlineSeconds, suspend; the
// interim FailureTarget and SuccessCriteriaMet conditions, then Failed or Complete once no pod is
// terminating; the status and events kube-controller-manager writes.
// Writes are observed synchronously here, so the controller needs no expectations, and pod events
// are handled at once rather than batched for a second.

import { timestamp } from '../clock.js';
import { errors, StatusError } from '../errors.js';
import { labelSelectorFromObject } from '../selectors/labels.js';
import type { StoreEvent, StoredObject } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import { controllerManagerIdentity, type ControllerDescriptor } from './controller.js';
import { candidates, claim, controllerRef, OrphanIndex } from './controller-refs.js';
import { EventRecorder, referenceTo } from './events.js';
import { Intervals, matchesSucceededIndexes } from './job-indexes.js';
import { controllerOf } from './owner-index.js';
import { compareActivePods, isPodReady, podCondition, podPhase } from './pods.js';
import { namespaceTerminating, podFromTemplate } from './replicaset.js';

type Json = Record<string, any>;

export const jobs = 'batch/jobs';
const trackingFinalizer = 'batch.kubernetes.io/job-tracking';
const completionIndexKey = 'batch.kubernetes.io/job-completion-index';
const indexFailureCount = 'batch.kubernetes.io/job-index-failure-count';
const indexIgnoredFailureCount = 'batch.kubernetes.io/job-index-ignored-failure-count';
const defaultBackoffMs = 10_000;
const maxBackoffMs = 10 * 60_000;
const maxUncountedPods = 500;
const maxPodCreateDeletePerSync = 500;
const orphanKeyPrefix = 'pod:';

const specOf = (o: KubeObject): Json => (o.spec ?? {}) as Json;
const statusOf = (o: KubeObject): Json => (o.status ?? {}) as Json;
const uidOf = (pod: StoredObject) => pod.object.metadata.uid ?? '';
const hasFinalizer = (pod: StoredObject) => (pod.object.metadata.finalizers ?? []).includes(trackingFinalizer);
const isIndexed = (job: KubeObject) => specOf(job).completionMode === 'Indexed';
const hasBackoffLimitPerIndex = (job: KubeObject) => specOf(job).backoffLimitPerIndex !== undefined && specOf(job).backoffLimitPerIndex !== null;
const suspended = (job: KubeObject) => specOf(job).suspend === true;
const onlyReplaceFailedPods = (job: KubeObject) => specOf(job).podReplacementPolicy === 'Failed' || !!specOf(job).podFailurePolicy;
const isTerminal = (pod: KubeObject) => ['Succeeded', 'Failed'].includes(podPhase(pod));
const isActive = (pod: KubeObject) => !isTerminal(pod) && !pod.metadata.deletionTimestamp;
const isTerminatingPod = (pod: KubeObject) => !isTerminal(pod) && !!pod.metadata.deletionTimestamp;

/** Complete or Failed is True (util.IsJobFinished). */
export function jobFinished(job: KubeObject): { type: 'Complete' | 'Failed'; at: string } | undefined {
  for (const c of (statusOf(job).conditions ?? []) as Json[]) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return { type: c.type, at: c.lastTransitionTime };
  }
  return undefined;
}

function completionIndex(pod: KubeObject): number {
  const value = pod.metadata.annotations?.[completionIndexKey];
  return value !== undefined && /^\+?\d+$/.test(value) ? Number(value) : -1;
}

function annotationCount(pod: KubeObject | undefined, key: string): number {
  const value = pod?.metadata.annotations?.[key];
  if (value === undefined || !/^[+-]?\d+$/.test(value)) return 0;
  const n = Number(value);
  return n < 0 || n > 2 ** 31 - 1 ? 0 : n;
}

function isPodFailed(pod: KubeObject, job: KubeObject): boolean {
  if (podPhase(pod) === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return !!pod.metadata.deletionTimestamp && podPhase(pod) !== 'Succeeded';
}

interface PolicyMatch {
  /** The message a FailJob rule gives the Job's failure. */
  failJob?: string;
  countFailed: boolean;
  action?: string;
}

/** The first pod failure policy rule the failed pod matches (matchPodFailurePolicy). */
function matchPodFailurePolicy(policy: Json | undefined, pod: KubeObject): PolicyMatch {
  if (!policy) return { countFailed: true };
  const status = (pod.status ?? {}) as Json;
  for (const [index, rule] of ((policy.rules ?? []) as Json[]).entries()) {
    let matched: string | undefined;
    if (rule.onExitCodes) {
      const requirement = rule.onExitCodes;
      const matches = (statuses: Json[] | undefined) =>
        (statuses ?? []).find((cs) => {
          const code = cs.state?.terminated?.exitCode;
          if (code === undefined || code === 0) return false;
          if (requirement.containerName && requirement.containerName !== cs.name) return false;
          const values: number[] = requirement.values ?? [];
          return requirement.operator === 'In' ? values.includes(code) : requirement.operator === 'NotIn' ? !values.includes(code) : false;
        });
      const container = matches(status.containerStatuses) ?? matches(status.initContainerStatuses);
      if (container) matched = `Container ${container.name} for pod ${pod.metadata.namespace}/${pod.metadata.name} failed with exit code ${container.state.terminated.exitCode} matching ${rule.action} rule at index ${index}`;
    } else if (rule.onPodConditions) {
      const patterns: Json[] = rule.onPodConditions;
      const condition = ((status.conditions ?? []) as Json[]).find((c) => patterns.some((p) => p.type === c.type && (p.status ?? 'True') === c.status));
      if (condition) matched = `Pod ${pod.metadata.namespace}/${pod.metadata.name} has condition ${condition.type} matching ${rule.action} rule at index ${index}`;
    }
    if (matched === undefined) continue;
    switch (rule.action) {
      case 'Ignore':
        return { countFailed: false, action: 'Ignore' };
      case 'FailIndex':
        return { countFailed: true, action: 'FailIndex' };
      case 'Count':
        return { countFailed: true, action: 'Count' };
      case 'FailJob':
        return { failJob: matched, countFailed: true, action: 'FailJob' };
    }
  }
  return { countFailed: true };
}

/** When a pod finished: its containers' last finish, a Ready=False transition, its deletion, or its creation (getFinishedTime). */
function finishedTime(pod: KubeObject): number {
  const status = (pod.status ?? {}) as Json;
  const sidecars = new Set(((specOf(pod).initContainers ?? []) as Json[]).filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  const statuses: Json[] = [...(status.containerStatuses ?? []), ...((status.initContainerStatuses ?? []) as Json[]).filter((c) => sidecars.has(c.name))];
  let latest: number | undefined;
  let complete = statuses.length > 0;
  for (const cs of statuses) {
    const at = Date.parse(cs.state?.terminated?.finishedAt ?? '');
    if (Number.isNaN(at)) {
      complete = false;
      break;
    }
    latest = Math.max(latest ?? at, at);
  }
  if (complete && latest !== undefined) return latest;
  const ready = podCondition(pod, 'Ready');
  if (ready?.status === 'False' && ready.lastTransitionTime) return Date.parse(ready.lastTransitionTime);
  if (pod.metadata.deletionTimestamp) return Date.parse(pod.metadata.deletionTimestamp) - (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
  return Date.parse(pod.metadata.creationTimestamp ?? '') || 0;
}

/** Time left before another pod may start after `failures` failures since the last success (getRemainingTimeForFailuresCount). */
function backoffRemaining(now: number, failures: number, lastFailure: number | undefined): number {
  if (failures === 0 || lastFailure === undefined) return 0;
  let backoff = defaultBackoffMs;
  for (let i = 1; i < failures; i++) {
    backoff *= 2;
    if (backoff >= maxBackoffMs) {
      backoff = maxBackoffMs;
      break;
    }
  }
  const elapsed = now - lastFailure;
  return backoff < elapsed ? 0 : backoff - elapsed;
}

interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime?: number;
}

/** The back-off record after this sync's newly finished pods (newBackoffRecord). */
function nextBackoffRecord(old: BackoffRecord | undefined, succeeded: KubeObject[], failed: KubeObject[]): BackoffRecord {
  const record: BackoffRecord = { ...(old ?? { failuresAfterLastSuccess: 0 }) };
  const bySucceededTime = succeeded.map(finishedTime).sort((a, b) => a - b);
  const byFailedTime = failed.map(finishedTime).sort((a, b) => a - b);
  if (bySucceededTime.length === 0) {
    if (byFailedTime.length === 0) return record;
    return { failuresAfterLastSuccess: record.failuresAfterLastSuccess + byFailedTime.length, lastFailureTime: byFailedTime[byFailedTime.length - 1] };
  }
  const lastSuccess = bySucceededTime[bySucceededTime.length - 1];
  const after: BackoffRecord = { failuresAfterLastSuccess: 0 };
  for (let i = byFailedTime.length - 1; i >= 0 && byFailedTime[i] > lastSuccess; i--) {
    after.lastFailureTime ??= byFailedTime[i];
    after.failuresAfterLastSuccess++;
  }
  return after;
}

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastProbeTime: string;
  lastTransitionTime: string;
}

interface SyncContext {
  job: KubeObject;
  pods: StoredObject[];
  active: StoredObject[];
  ready: number;
  uncounted: { succeeded: Set<string>; failed: Set<string> };
  terminating: number;
  succeeded: number;
  failed: number;
  backoff: BackoffRecord;
  finished?: Condition;
  previousSucceededIndexes: Intervals;
  succeededIndexes: Intervals;
  failedIndexes?: Intervals;
  delayedDeletionPerIndex: Map<number, StoredObject>;
  requeueAfterMs: number[];
}

export const jobController: ControllerDescriptor = {
  name: 'job-controller',
  aliases: ['job'],
  create(env) {
    const { store, clock } = env.services;
    const client = env.client(controllerManagerIdentity('job-controller'));
    const recorder = new EventRecorder(client, { component: 'job-controller' }, clock);
    const orphanPods = new OrphanIndex(
      () => store.list('pods'),
      (key) => store.get('pods', key),
    );
    const backoffs = new Map<string, BackoffRecord>();
    const now = () => clock.now().getTime();
    const condition = (type: string, status: string, reason: string, message: string): Condition => {
      const at = timestamp(clock.now());
      return { type, status, reason, message, lastProbeTime: at, lastTransitionTime: at };
    };

    const jobOf = (pod: StoredObject | undefined): StoredObject | undefined => {
      const ref = controllerOf(pod);
      if (!ref || ref.kind !== 'Job') return undefined;
      const job = client.get(jobs, pod!.namespace, ref.name);
      return job && job.object.metadata.uid === ref.uid ? job : undefined;
    };
    const jobsSelecting = (pod: StoredObject): string[] =>
      client
        .list(jobs, pod.namespace)
        .filter((job) => specOf(job.object).selector && labelSelectorFromObject(specOf(job.object).selector)(pod.object.metadata.labels))
        .map((job) => job.key);
    const orphanKeysOfSelector = (job: StoredObject): string[] => {
      const selector = specOf(job.object).selector;
      if (!selector) return [];
      const matches = labelSelectorFromObject(selector);
      return client
        .list('pods', job.namespace)
        .filter((pod) => hasFinalizer(pod) && matches(pod.object.metadata.labels))
        .map((pod) => orphanKeyPrefix + pod.key);
    };

    /** The pod handlers: a pod's Job, or the orphan queue for a tracked pod whose Job is gone or finished. */
    const onPod = (event: StoreEvent): string[] => {
      orphanPods.observe(event);
      const keys = new Set<string>();
      for (const stored of [event.previous, event.object]) {
        if (!stored || controllerOf(stored)?.kind !== 'Job') continue;
        const job = jobOf(stored);
        if (job && !jobFinished(job.object)) keys.add(job.key);
        else if (hasFinalizer(event.object)) keys.add(orphanKeyPrefix + event.object.key);
      }
      if (!controllerOf(event.object) && event.type !== 'DELETED') {
        if (hasFinalizer(event.object)) keys.add(orphanKeyPrefix + event.object.key);
        const labelsChanged = event.type === 'ADDED' || JSON.stringify(event.previous?.object.metadata.labels) !== JSON.stringify(event.object.object.metadata.labels) || !!controllerOf(event.previous);
        if (labelsChanged) for (const key of jobsSelecting(event.object)) keys.add(key);
      }
      return [...keys];
    };

    /** The tracking finalizer comes off a pod whose Job is gone or finished (handleSingleOrphanPod). */
    const syncOrphanPod = (key: string): void => {
      const pod = store.get('pods', key);
      if (!pod || !hasFinalizer(pod)) return;
      const ref = controllerOf(pod);
      if (ref) {
        if (ref.kind !== 'Job' || ref.apiVersion !== 'batch/v1') return;
        const job = jobOf(pod);
        if (job && specOf(job.object).managedBy && specOf(job.object).managedBy !== 'kubernetes.io/job-controller') return;
        if (job && !jobFinished(job.object)) return;
      }
      removeFinalizer(pod);
    };

    const removeFinalizer = (pod: StoredObject): boolean => {
      const current = store.get('pods', pod.key);
      if (!current || !hasFinalizer(current)) return true;
      try {
        client.update(current, (p) => {
          const left = (p.metadata.finalizers ?? []).filter((f) => f !== trackingFinalizer);
          if (left.length) p.metadata.finalizers = left;
          else delete p.metadata.finalizers;
        });
        return true;
      } catch (err) {
        if (err instanceof StatusError && err.code === 404) return true;
        throw err;
      }
    };

    const writeStatus = (ctx: SyncContext): void => {
      const current = client.get(jobs, ctx.job.metadata.namespace!, ctx.job.metadata.name!);
      if (!current) throw errors.notFound({ group: 'batch', resource: 'jobs' }, ctx.job.metadata.name!);
      client.updateStatus(current, (j) => (j.status = structuredClone(ctx.job.status)));
    };

    /** Deletes pods, taking the tracking finalizer off first when asked (deleteJobPods, deleteActivePods). */
    const deletePods = (ctx: SyncContext, pods: StoredObject[], removeTracking: boolean): { deleted: number; deletedReady: number; failure?: unknown } => {
      const reference = referenceTo(ctx.job);
      let deleted = 0;
      let deletedReady = 0;
      let failure: unknown;
      for (const pod of pods) {
        try {
          if (removeTracking) removeFinalizer(pod);
          client.delete('pods', pod.namespace, pod.name);
          recorder.event(reference, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.name}`);
          deleted++;
        } catch (err) {
          if (err instanceof StatusError && err.code === 404) deleted++;
          else {
            recorder.event(reference, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
            failure ??= err;
          }
        }
        if (isPodReady(pod.object)) deletedReady++;
      }
      return { deleted, deletedReady, failure };
    };

    /** Pods to remove: duplicates of an index and indexes past completions first, then by controller.ActivePods (activePodsForRemoval). */
    const podsForRemoval = (job: KubeObject, pods: StoredObject[], atLeast: number): StoredObject[] => {
      const remove: StoredObject[] = [];
      let left = pods;
      if (isIndexed(job)) {
        const completions = specOf(job).completions ?? 0;
        const sorted = [...pods].sort((a, b) => completionIndex(a.object) - completionIndex(b.object));
        left = [];
        const groups = new Map<number, StoredObject[]>();
        for (const pod of sorted) {
          const ix = completionIndex(pod.object);
          if (ix >= completions || ix === -1) remove.push(pod);
          else groups.set(ix, [...(groups.get(ix) ?? []), pod]);
        }
        for (const group of groups.values()) {
          group.sort((a, b) => compareActivePods(a.object, b.object));
          remove.push(...group.slice(0, -1));
          left.push(group[group.length - 1]);
        }
      }
      if (remove.length < atLeast) {
        const ordered = [...left].sort((a, b) => compareActivePods(a.object, b.object));
        remove.push(...ordered.slice(0, atLeast - remove.length));
      }
      return remove;
    };

    /** The lowest indexes without a succeeded, active (or terminating) pod or a failed index (firstPendingIndexes). */
    const firstPendingIndexes = (ctx: SyncContext, count: number, completions: number): number[] => {
      if (count === 0) return [];
      const indexesOf = (pods: StoredObject[]) => [...new Set(pods.map((p) => completionIndex(p.object)).filter((ix) => ix !== -1))].sort((a, b) => a - b);
      let nonPending = ctx.succeededIndexes.with(indexesOf(ctx.active));
      if (onlyReplaceFailedPods(ctx.job)) nonPending = nonPending.with(indexesOf(ctx.pods.filter((p) => isTerminatingPod(p.object))));
      if (ctx.failedIndexes) nonPending = nonPending.merge(ctx.failedIndexes);
      const out: number[] = [];
      let candidate = 0;
      for (const [first, last] of nonPending.list) {
        for (; candidate < completions && out.length < count && candidate < first; candidate++) out.push(candidate);
        if (candidate < last + 1) candidate = last + 1;
      }
      for (; candidate < completions && out.length < count; candidate++) out.push(candidate);
      return out;
    };

    /** Creates and deletes pods toward parallelism and completions; returns the active count (manageJob). */
    const manageJob = (ctx: SyncContext): { active: number; failure?: unknown } => {
      const job = ctx.job;
      const spec = specOf(job);
      let active = ctx.active.length;
      const parallelism: number = spec.parallelism ?? 1;
      let failure: unknown;
      const remove = (pods: StoredObject[]) => {
        const result = deletePods(ctx, pods, true);
        active -= result.deleted;
        ctx.terminating += result.deleted;
        ctx.ready -= result.deletedReady;
        failure ??= result.failure;
      };
      if (suspended(job)) {
        remove(podsForRemoval(job, ctx.active, active));
        return { active, failure };
      }
      let wantActive: number;
      if (spec.completions === undefined || spec.completions === null) wantActive = ctx.succeeded > 0 ? active : parallelism;
      else wantActive = Math.max(0, Math.min(spec.completions - ctx.succeeded, parallelism));
      // A sync either deletes or creates pods; deleting comes first.
      const doomed = podsForRemoval(job, ctx.active, Math.max(0, active - wantActive)).slice(0, maxPodCreateDeletePerSync);
      if (doomed.length) {
        remove(doomed);
        return { active, failure };
      }
      const terminating = onlyReplaceFailedPods(job) ? ctx.terminating : 0;
      let diff = wantActive - terminating - active;
      if (diff <= 0) return { active, failure };
      if (!hasBackoffLimitPerIndex(job)) {
        const remaining = backoffRemaining(now(), ctx.backoff.failuresAfterLastSuccess, ctx.backoff.lastFailureTime);
        if (remaining > 0) {
          ctx.requeueAfterMs.push(Math.max(remaining, 1000));
          return { active: 0, failure };
        }
      }
      diff = Math.min(diff, maxPodCreateDeletePerSync);
      let indexes: number[] = [];
      if (isIndexed(job)) {
        indexes = firstPendingIndexes(ctx, diff, spec.completions);
        if (hasBackoffLimitPerIndex(job)) {
          const ready: number[] = [];
          let soonest: number | undefined;
          for (const ix of indexes) {
            const last = ctx.delayedDeletionPerIndex.get(ix)?.object;
            const wait = last ? backoffRemaining(now(), annotationCount(last, indexFailureCount) + annotationCount(last, indexIgnoredFailureCount) + 1, finishedTime(last)) : 0;
            if (wait === 0) ready.push(ix);
            else soonest = Math.min(soonest ?? wait, wait);
          }
          if (ready.length === 0 && soonest !== undefined) {
            ctx.requeueAfterMs.push(Math.max(soonest, 1000));
            return { active: 0, failure };
          }
          indexes = ready;
        }
        diff = indexes.length;
      }
      const template: Json = structuredClone(spec.template ?? {});
      template.metadata ??= {};
      if (isIndexed(job)) {
        const addEnv = (containers: Json[] | undefined) => {
          for (const c of containers ?? []) {
            if ((c.env ?? []).some((e: Json) => e.name === 'JOB_COMPLETION_INDEX')) continue;
            c.env = [...(c.env ?? []), { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.labels['${completionIndexKey}']` } } }];
          }
        };
        addEnv(template.spec?.initContainers);
        addEnv(template.spec?.containers);
      }
      const finalizers: string[] = template.metadata.finalizers ?? [];
      if (!finalizers.includes(trackingFinalizer)) template.metadata.finalizers = [...finalizers, trackingFinalizer];
      const ref = controllerRef(job, 'batch/v1', 'Job');
      const reference = referenceTo(job);
      active += diff;
      // slowStartBatch: batches of 1, 2, 4, ... stop after the first batch with a failure.
      for (let batch = Math.min(diff, 1), done = 0; diff - done > 0; done += batch, batch = Math.min(2 * batch, diff - done)) {
        let batchFailed = false;
        for (let i = 0; i < batch; i++) {
          const ix = indexes.length ? indexes.shift()! : -1;
          let podTemplate = template;
          let generateName: string | undefined;
          if (ix !== -1) {
            podTemplate = structuredClone(template);
            podTemplate.metadata.annotations = { ...podTemplate.metadata.annotations, [completionIndexKey]: String(ix) };
            podTemplate.metadata.labels = { ...podTemplate.metadata.labels, [completionIndexKey]: String(ix) };
            podTemplate.spec = { ...podTemplate.spec, hostname: `${job.metadata.name}-${ix}` };
            const suffix = `-${ix}-`;
            generateName = `${job.metadata.name}${suffix}`;
            if (generateName.length > 58) generateName = generateName.slice(0, 58 - suffix.length) + suffix;
            if (hasBackoffLimitPerIndex(job)) {
              const replaced = ctx.delayedDeletionPerIndex.get(ix)?.object;
              let failures = annotationCount(replaced, indexFailureCount);
              let ignored = annotationCount(replaced, indexIgnoredFailureCount);
              if (replaced) {
                if (spec.podFailurePolicy && !matchPodFailurePolicy(spec.podFailurePolicy, replaced).countFailed) ignored++;
                else failures++;
              }
              podTemplate.metadata.annotations[indexFailureCount] = String(failures);
              if (ignored > 0) podTemplate.metadata.annotations[indexIgnoredFailureCount] = String(ignored);
            }
          }
          try {
            const pod = client.create('pods', job.metadata.namespace!, podFromTemplate(podTemplate, job, ref, generateName));
            recorder.event(reference, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.object.metadata.name}`);
          } catch (err) {
            if (namespaceTerminating(err)) continue;
            recorder.event(reference, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
            active--;
            batchFailed = true;
            failure ??= err;
          }
        }
        if (batchFailed) {
          active -= diff - done - batch;
          break;
        }
      }
      return { active, failure };
    };

    /** Counts finished pods, takes their finalizers off, and writes conditions once nothing is left to count (trackJobStatusAndRemoveFinalizers). */
    const trackStatus = (ctx: SyncContext, needsFlushAtStart: boolean): unknown => {
      let needsFlush = needsFlushAtStart;
      const job = ctx.job;
      const status = statusOf(job);
      const spec = specOf(job);
      const completions: number = spec.completions ?? 0;
      const uncounted: { succeeded?: string[]; failed?: string[] } = (status.uncountedTerminatedPods ??= {});
      const indexed = isIndexed(job);
      if (indexed) ctx.pods.sort((a, b) => completionIndex(a.object) - completionIndex(b.object));
      const withFinalizer = new Set(ctx.pods.filter(hasFinalizer).map(uidOf));
      /** Uncounted pods whose finalizer is gone move into the counters (cleanUncountedPodsWithoutFinalizers). */
      const clean = (): boolean => {
        let updated = false;
        for (const kind of ['succeeded', 'failed'] as const) {
          const list = uncounted[kind] ?? [];
          const kept = list.filter((uid) => withFinalizer.has(uid));
          if (kept.length === list.length) continue;
          updated = true;
          status[kind] = (status[kind] ?? 0) + list.length - kept.length;
          if (kept.length) uncounted[kind] = kept;
          else delete uncounted[kind];
        }
        return updated;
      };
      if (clean()) needsFlush = true;
      const toRemove: StoredObject[] = [];
      const newSucceededIndexes: number[] = [];
      let reachedMax = false;
      const successCriteriaMet = (c: Condition | undefined) => c?.type === 'SuccessCriteriaMet' && c.status === 'True';
      for (const pod of ctx.pods) {
        if (!hasFinalizer(pod)) continue;
        const failed = isPodFailed(pod.object, job);
        const removable = !!job.metadata.deletionTimestamp || !!ctx.finished || podPhase(pod.object) === 'Succeeded' || (failed && !(hasBackoffLimitPerIndex(job) && ctx.delayedDeletionPerIndex.get(completionIndex(pod.object))?.object.metadata.uid === uidOf(pod)));
        if (!removable) continue;
        toRemove.push(pod);
        const uid = uidOf(pod);
        const ix = completionIndex(pod.object);
        if (podPhase(pod.object) === 'Succeeded' && !ctx.uncounted.failed.has(uid)) {
          if (indexed) {
            if (ix !== -1 && ix < completions && !ctx.previousSucceededIndexes.has(ix)) {
              newSucceededIndexes.push(ix);
              needsFlush = true;
            }
          } else if (!ctx.uncounted.succeeded.has(uid)) {
            needsFlush = true;
            uncounted.succeeded = [...(uncounted.succeeded ?? []), uid];
          }
        } else if (failed || (ctx.finished && !successCriteriaMet(ctx.finished))) {
          if (!ctx.uncounted.failed.has(uid) && (!indexed || (ix !== -1 && ix < completions))) {
            if (matchPodFailurePolicy(spec.podFailurePolicy, pod.object).countFailed) {
              needsFlush = true;
              uncounted.failed = [...(uncounted.failed ?? []), uid];
            }
          }
        }
        if (newSucceededIndexes.length + (uncounted.succeeded?.length ?? 0) + (uncounted.failed?.length ?? 0) >= maxUncountedPods) {
          reachedMax = true;
          break;
        }
      }
      if (indexed) {
        ctx.succeededIndexes = ctx.succeededIndexes.with(newSucceededIndexes);
        const text = ctx.succeededIndexes.toString();
        if (text !== (status.completedIndexes ?? '')) needsFlush = true;
        status.succeeded = ctx.succeededIndexes.total();
        status.completedIndexes = text;
        const failedText = ctx.failedIndexes?.toString();
        if (failedText !== status.failedIndexes) {
          if (failedText === undefined) delete status.failedIndexes;
          else status.failedIndexes = failedText;
          needsFlush = true;
        }
      }
      if (ctx.finished?.type === 'FailureTarget') {
        status.conditions = [...(status.conditions ?? []), ctx.finished];
        needsFlush = true;
        ctx.finished = condition('Failed', 'True', ctx.finished.reason, ctx.finished.message);
      }
      if (successCriteriaMet(ctx.finished)) {
        if (!((status.conditions ?? []) as Json[]).some((c) => c.type === 'SuccessCriteriaMet' && c.status === 'True')) {
          status.conditions = [...(status.conditions ?? []), ctx.finished];
          needsFlush = true;
        }
        ctx.finished = condition('Complete', 'True', ctx.finished!.reason, ctx.finished!.message);
      }
      // flushUncountedAndRemoveFinalizers: record what is counted before the finalizers come off.
      if (needsFlush) {
        writeStatus(ctx);
        backoffs.set(`${job.metadata.namespace}/${job.metadata.name}`, ctx.backoff);
        needsFlush = false;
      }
      let removeFailure: unknown;
      for (const pod of toRemove) {
        try {
          if (removeFinalizer(pod)) withFinalizer.delete(uidOf(pod));
        } catch (err) {
          removeFailure ??= err;
        }
      }
      if (clean()) needsFlush = true;
      if (removeFailure !== undefined) {
        if (needsFlush) writeStatus(ctx);
        return removeFailure;
      }
      const finished = !reachedMax && enactFinished(ctx);
      if (finished) needsFlush = true;
      if (needsFlush) {
        writeStatus(ctx);
        if (finished) recordFinished(ctx);
      }
      return undefined;
    };

    const ensureCondition = (conditions: Json[], type: string, status: string, reason: string, message: string): { conditions: Json[]; changed: boolean } => {
      const index = conditions.findIndex((c) => c.type === type);
      if (index >= 0) {
        const c = conditions[index];
        if (c.status === status && (c.reason ?? '') === reason && (c.message ?? '') === message) return { conditions, changed: false };
        return { conditions: conditions.map((x, i) => (i === index ? condition(type, status, reason, message) : x)), changed: true };
      }
      if (status === 'False') return { conditions, changed: false };
      return { conditions: [...conditions, condition(type, status, reason, message)], changed: true };
    };

    /** Writes Complete or Failed once every finished pod is counted and none terminates (enactJobFinished). */
    const enactFinished = (ctx: SyncContext): boolean => {
      if (!ctx.finished) return false;
      const status = statusOf(ctx.job);
      const uncounted = status.uncountedTerminatedPods ?? {};
      if ((uncounted.succeeded?.length ?? 0) + (uncounted.failed?.length ?? 0) > 0) return false;
      if (ctx.terminating > 0) return false;
      const done = ensureCondition(status.conditions ?? [], ctx.finished.type, ctx.finished.status, ctx.finished.reason, ctx.finished.message);
      status.conditions = done.conditions;
      if (ctx.finished.type === 'Complete') status.completionTime = ctx.finished.lastTransitionTime;
      return true;
    };

    const recordFinished = (ctx: SyncContext): void => {
      const reference = referenceTo(ctx.job);
      const finished = ctx.finished!;
      if (finished.type === 'Complete') {
        const completions = specOf(ctx.job).completions;
        if (completions !== undefined && completions !== null && statusOf(ctx.job).succeeded > completions) {
          recorder.event(reference, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
        }
        recorder.event(reference, 'Normal', 'Completed', 'Job completed');
      } else {
        recorder.event(reference, 'Warning', finished.reason, finished.message);
      }
    };

    const syncJob = (key: string): { requeueAfterMs?: number } | undefined => {
      const [namespace, name] = key.split('/');
      const stored = client.get(jobs, namespace, name);
      if (!stored) {
        backoffs.delete(key);
        return undefined;
      }
      const job: KubeObject = JSON.parse(stored.json);
      const spec = specOf(job);
      if (spec.managedBy && spec.managedBy !== 'kubernetes.io/job-controller') return undefined;
      if (jobFinished(job)) {
        backoffs.delete(key);
        return undefined;
      }
      if (spec.completionMode && spec.completionMode !== 'NonIndexed' && spec.completionMode !== 'Indexed') {
        recorder.event(referenceTo(stored), 'Warning', 'UnknownCompletionMode', 'Skipped Job sync because completion mode is unknown');
        return undefined;
      }
      const status = (job.status ??= {}) as Json;
      status.uncountedTerminatedPods ??= {};
      const selector = spec.selector ? labelSelectorFromObject(spec.selector) : undefined;
      if (!selector) return undefined;
      const pods = claim(candidates(env.owners, store, 'pods', job.metadata.uid!, orphanPods, namespace), {
        client,
        owner: stored,
        ref: controllerRef(job, 'batch/v1', 'Job'),
        matches: (pod) => selector(pod.metadata.labels),
        finalizers: [trackingFinalizer],
      });
      const active = pods.filter((p) => isActive(p.object));
      const completions: number = spec.completions ?? 0;
      const ctx: SyncContext = {
        job,
        pods,
        active,
        ready: active.filter((p) => isPodReady(p.object)).length,
        uncounted: { succeeded: new Set(status.uncountedTerminatedPods.succeeded ?? []), failed: new Set(status.uncountedTerminatedPods.failed ?? []) },
        terminating: pods.filter((p) => isTerminatingPod(p.object)).length,
        succeeded: 0,
        failed: 0,
        backoff: { failuresAfterLastSuccess: 0 },
        previousSucceededIndexes: new Intervals(),
        succeededIndexes: new Intervals(),
        delayedDeletionPerIndex: new Map(),
        requeueAfterMs: [],
      };
      /** Tracked pods not yet counted, of a valid index (getValidPodsWithFilter). */
      const valid = (uncounted: Set<string> | undefined, filter: (pod: KubeObject) => boolean) =>
        pods.filter((p) => {
          if (!hasFinalizer(p) || uncounted?.has(uidOf(p))) return false;
          if (isIndexed(job)) {
            const ix = completionIndex(p.object);
            if (ix === -1 || ix >= completions) return false;
          }
          return filter(p.object);
        });
      const newSucceeded = valid(ctx.uncounted.succeeded, (p) => podPhase(p) === 'Succeeded');
      const newFailed = valid(ctx.uncounted.failed, (p) => isPodFailed(p, job));
      const nonIgnored = spec.podFailurePolicy ? newFailed.filter((p) => matchPodFailurePolicy(spec.podFailurePolicy, p.object).countFailed).length : newFailed.length;
      ctx.succeeded = (status.succeeded ?? 0) + newSucceeded.length + ctx.uncounted.succeeded.size;
      ctx.failed = (status.failed ?? 0) + nonIgnored + ctx.uncounted.failed.size;
      if (!status.startTime && !suspended(job)) status.startTime = timestamp(clock.now());
      ctx.backoff = nextBackoffRecord(
        backoffs.get(key),
        newSucceeded.map((p) => p.object),
        newFailed.map((p) => p.object),
      );

      const conditions: Json[] = status.conditions ?? [];
      const successCriteria = conditions.find((c) => c.type === 'SuccessCriteriaMet' && c.status === 'True');
      if (successCriteria) ctx.finished = successCriteria as Condition;
      else {
        const failureTarget = conditions.find((c) => c.type === 'FailureTarget' && c.status === 'True');
        if (failureTarget) ctx.finished = condition('Failed', 'True', failureTarget.reason, failureTarget.message);
        else if (spec.podFailurePolicy) {
          for (const pod of pods) {
            if (!isPodFailed(pod.object, job)) continue;
            const message = matchPodFailurePolicy(spec.podFailurePolicy, pod.object).failJob;
            if (message !== undefined) {
              ctx.finished = condition('FailureTarget', 'True', 'PodFailurePolicy', message);
              break;
            }
          }
        }
      }
      if (!ctx.finished) {
        const restartsPastLimit = () => {
          if (spec.template?.spec?.restartPolicy !== 'OnFailure') return false;
          let restarts = 0;
          for (const pod of pods) {
            if (!['Running', 'Pending'].includes(podPhase(pod.object))) continue;
            const podStatus = (pod.object.status ?? {}) as Json;
            for (const cs of [...(podStatus.initContainerStatuses ?? []), ...(podStatus.containerStatuses ?? [])]) restarts += cs.restartCount ?? 0;
          }
          return spec.backoffLimit === 0 ? restarts > 0 : restarts >= (spec.backoffLimit ?? 6);
        };
        const deadline = spec.activeDeadlineSeconds;
        if (ctx.failed > (spec.backoffLimit ?? 6) || restartsPastLimit()) {
          ctx.finished = condition('FailureTarget', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
        } else if (deadline !== undefined && deadline !== null && status.startTime && !suspended(job)) {
          const left = deadline * 1000 - (now() - Date.parse(status.startTime));
          if (left <= 0) ctx.finished = condition('FailureTarget', 'True', 'DeadlineExceeded', 'Job was active longer than specified deadline');
          else ctx.requeueAfterMs.push(left);
        }
      }
      if (isIndexed(job)) {
        ctx.previousSucceededIndexes = Intervals.parse(status.completedIndexes, completions);
        const succeededNow = [...new Set(pods.filter((p) => podPhase(p.object) === 'Succeeded' && hasFinalizer(p)).map((p) => completionIndex(p.object)).filter((ix) => ix !== -1 && ix < completions))].sort((a, b) => a - b);
        ctx.succeededIndexes = ctx.previousSucceededIndexes.with(succeededNow);
        ctx.succeeded = ctx.succeededIndexes.total();
        if (hasBackoffLimitPerIndex(job)) {
          const previous = status.failedIndexes === undefined || status.failedIndexes === null ? new Intervals() : Intervals.parse(status.failedIndexes, completions);
          const failedNow = pods.filter((p) => {
            const ix = completionIndex(p.object);
            if (ix === -1 || ix >= completions || !hasFinalizer(p) || !isPodFailed(p.object, job)) return false;
            const match = matchPodFailurePolicy(spec.podFailurePolicy, p.object);
            if (match.action === 'FailIndex') return true;
            return match.countFailed && annotationCount(p.object, indexFailureCount) >= spec.backoffLimitPerIndex;
          });
          ctx.failedIndexes = previous.with([...new Set(failedNow.map((p) => completionIndex(p.object)))].sort((a, b) => a - b));
          if (!ctx.finished) {
            const failedTotal = ctx.failedIndexes.total();
            if (spec.maxFailedIndexes !== undefined && spec.maxFailedIndexes !== null && failedTotal > spec.maxFailedIndexes) {
              ctx.finished = condition('FailureTarget', 'True', 'MaxFailedIndexesExceeded', 'Job has exceeded the specified maximal number of failed indexes');
            } else if (failedTotal > 0 && failedTotal + ctx.succeededIndexes.total() >= completions) {
              ctx.finished = condition('FailureTarget', 'True', 'FailedIndexes', 'Job has failed indexes');
            }
          }
          // The last failed pod of each index still to retry, kept until its replacement starts (getPodsWithDelayedDeletionPerIndex).
          const activeIndexes = new Set(active.map((p) => completionIndex(p.object)));
          for (const pod of valid(undefined, (p) => isPodFailed(p, job))) {
            const ix = completionIndex(pod.object);
            if (ctx.succeededIndexes.has(ix) || ctx.failedIndexes.has(ix) || activeIndexes.has(ix)) continue;
            const last = ctx.delayedDeletionPerIndex.get(ix);
            const count = (p: KubeObject) => annotationCount(p, indexFailureCount) + annotationCount(p, indexIgnoredFailureCount);
            if (!last || (count(last.object) <= count(pod.object) && finishedTime(pod.object) >= finishedTime(last.object))) ctx.delayedDeletionPerIndex.set(ix, pod);
          }
        }
        if (!ctx.finished && spec.successPolicy && ctx.succeededIndexes.list.length) {
          for (const [index, rule] of ((spec.successPolicy.rules ?? []) as Json[]).entries()) {
            let met = false;
            if (rule.succeededIndexes !== undefined && rule.succeededIndexes !== null) {
              const required = Intervals.parse(rule.succeededIndexes, completions);
              if (required.list.length === 0) continue;
              met = matchesSucceededIndexes(required, ctx.succeededIndexes, rule.succeededCount ?? undefined);
            } else if (rule.succeededCount !== undefined && rule.succeededCount !== null) {
              met = ctx.succeededIndexes.total() >= rule.succeededCount;
            }
            if (met) {
              ctx.finished = condition('SuccessCriteriaMet', 'True', 'SuccessPolicy', `Matched rules at index ${index}`);
              break;
            }
          }
        }
      }

      let activeCount = active.length;
      let failure: unknown;
      let suspendChanged = false;
      if (ctx.finished) {
        const result = deletePods(ctx, active, false);
        if (result.deleted !== activeCount) ctx.finished = undefined;
        activeCount -= result.deleted;
        ctx.terminating += result.deleted;
        ctx.ready -= result.deletedReady;
        failure = result.failure;
      } else {
        let managed = false;
        if (!job.metadata.deletionTimestamp) {
          const result = manageJob(ctx);
          activeCount = result.active;
          failure = result.failure;
          managed = true;
        }
        const complete = spec.completions === undefined || spec.completions === null ? ctx.succeeded > 0 && activeCount === 0 : ctx.succeeded >= spec.completions && activeCount === 0;
        if (complete) ctx.finished = condition('SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods');
        else if (managed) {
          const [state, reason, message, event] = suspended(job) ? ['True', 'JobSuspended', 'Job suspended', 'Suspended'] : ['False', 'JobResumed', 'Job resumed', 'Resumed'];
          const ensured = ensureCondition(status.conditions ?? [], 'Suspended', state, reason, message);
          if (ensured.changed) {
            status.conditions = ensured.conditions;
            suspendChanged = true;
            recorder.event(referenceTo(stored), 'Normal', event, message);
            if (!suspended(job)) status.startTime = timestamp(clock.now());
          }
        }
      }
      const needsStatusUpdate = suspendChanged || activeCount !== (status.active ?? 0) || ctx.ready !== status.ready || ctx.terminating !== status.terminating;
      status.active = activeCount;
      status.ready = ctx.ready;
      status.terminating = ctx.terminating;
      const trackFailure = trackStatus(ctx, needsStatusUpdate);
      if (trackFailure !== undefined) throw trackFailure;
      if (failure !== undefined) throw failure;
      return ctx.requeueAfterMs.length ? { requeueAfterMs: Math.min(...ctx.requeueAfterMs) } : undefined;
    };

    return {
      for: jobs,
      watches: [
        { resource: 'pods', map: onPod },
        {
          resource: jobs,
          map: (event) => (event.type === 'DELETED' || jobFinished(event.object.object) ? orphanKeysOfSelector(event.object) : []),
        },
      ],
      reconcile(key) {
        if (key.startsWith(orphanKeyPrefix)) {
          syncOrphanPod(key.slice(orphanKeyPrefix.length));
          return undefined;
        }
        return syncJob(key);
      },
    };
  },
};
