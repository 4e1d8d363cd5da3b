// How controllers read pods, as k8s.io/kubernetes/pkg/api/v1/pod and pkg/controller read them:
// active, ready, available after minReadySeconds, and the order a scale-down deletes them in.

import type { StoredObject } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';

type Json = Record<string, any>;

export function podPhase(pod: KubeObject): string {
  return (pod.status as Json | undefined)?.phase ?? '';
}

/** Not finished and not being deleted (controller.IsPodActive). */
export function isPodActive(pod: KubeObject): boolean {
  const phase = podPhase(pod);
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

/** Being deleted but not finished (controller.IsPodTerminating). */
export function isPodTerminating(pod: KubeObject): boolean {
  const phase = podPhase(pod);
  return phase !== 'Succeeded' && phase !== 'Failed' && !!pod.metadata.deletionTimestamp;
}

export function podCondition(pod: KubeObject, type: string): Json | undefined {
  const conditions = (pod.status as Json | undefined)?.conditions;
  return Array.isArray(conditions) ? conditions.find((c: Json) => c?.type === type) : undefined;
}

export function isPodReady(pod: KubeObject): boolean {
  return podCondition(pod, 'Ready')?.status === 'True';
}

/** When the pod turned Ready, in ms (NaN when it is not ready or the time is missing). */
export function podReadySince(pod: KubeObject): number {
  const ready = podCondition(pod, 'Ready');
  return ready?.status === 'True' && ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
}

/** Ready for longer than minReadySeconds, strictly, as podutil.IsPodAvailable counts it. */
export function isPodAvailable(pod: KubeObject, minReadySeconds: number, now: Date): boolean {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds) return true;
  const since = podReadySince(pod);
  return !Number.isNaN(since) && since + minReadySeconds * 1000 < now.getTime();
}

/**
 * How long until a ready pod becomes available (ms), or undefined when it already is or is not
 * ready: the moment a controller must look again to see it counted.
 */
export function msUntilAvailable(pod: KubeObject, minReadySeconds: number, now: Date): number | undefined {
  if (!minReadySeconds || !isPodReady(pod)) return undefined;
  const since = podReadySince(pod);
  if (Number.isNaN(since)) return undefined;
  const wait = since + minReadySeconds * 1000 + 1 - now.getTime();
  return wait > 0 ? wait : undefined;
}

const phaseOrdinal: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function maxRestarts(pod: KubeObject): [regular: number, sidecar: number] {
  const status = (pod.status ?? {}) as Json;
  let regular = 0;
  for (const c of status.containerStatuses ?? []) regular = Math.max(regular, c.restartCount ?? 0);
  const sidecars = new Set(((pod.spec as Json | undefined)?.initContainers ?? []).filter((c: Json) => c.restartPolicy === 'Always').map((c: Json) => c.name));
  let sidecar = 0;
  for (const c of status.initContainerStatuses ?? []) if (sidecars.has(c.name)) sidecar = Math.max(sidecar, c.restartCount ?? 0);
  return [regular, sidecar];
}

function deletionCost(pod: KubeObject): number {
  const value = pod.metadata.annotations?.['controller.kubernetes.io/pod-deletion-cost'];
  if (value === undefined || !/^[+-]?\d+$/.test(value)) return 0;
  const cost = Number(value);
  return cost >= -(2 ** 31) && cost < 2 ** 31 ? cost : 0;
}

/** floor(log2(now - t)) in nanoseconds, or -1 for a time not in the past (logarithmicRankDiff). */
function logRank(time: number, now: number): number {
  const ns = (now - time) * 1e6;
  return ns > 0 ? Math.floor(Math.log2(ns)) : -1;
}

/**
 * The steps both rankings start with: unassigned before assigned, then Pending, Unknown, Running,
 * then not ready before ready. When it returns 0 the two pods agree on all three.
 */
function compareByState(pa: KubeObject, pb: KubeObject): number {
  const assignedA = !!(pa.spec as Json | undefined)?.nodeName;
  const assignedB = !!(pb.spec as Json | undefined)?.nodeName;
  if (assignedA !== assignedB) return assignedA ? 1 : -1;
  const phaseA = phaseOrdinal[podPhase(pa)] ?? 0;
  const phaseB = phaseOrdinal[podPhase(pb)] ?? 0;
  if (phaseA !== phaseB) return phaseA - phaseB;
  const readyA = isPodReady(pa);
  const readyB = isPodReady(pb);
  if (readyA !== readyB) return readyA ? 1 : -1;
  return 0;
}

export interface RankedPod {
  pod: KubeObject;
  /** Active pods of the same owner family on the pod's node. */
  rank: number;
}

/**
 * The scale-down order of controller.ActivePodsWithRanks: unassigned, pending, not ready, cheaper
 * to delete, doubled up on a node, ready for less time, restarted more, newer first; times compared
 * on a logarithmic scale, ties broken by UID.
 */
export function compareForDeletion(a: RankedPod, b: RankedPod, now: number): number {
  const pa = a.pod;
  const pb = b.pod;
  const byState = compareByState(pa, pb);
  if (byState !== 0) return byState;
  // Past the prefix both pods are ready or neither is.
  const bothReady = isPodReady(pa);
  const costA = deletionCost(pa);
  const costB = deletionCost(pb);
  if (costA !== costB) return costA - costB;
  if (a.rank !== b.rank) return b.rank - a.rank;
  const byUid = () => ((pa.metadata.uid ?? '') < (pb.metadata.uid ?? '') ? -1 : 1);
  if (bothReady) {
    const sinceA = podReadySince(pa);
    const sinceB = podReadySince(pb);
    if (sinceA !== sinceB && !(Number.isNaN(sinceA) && Number.isNaN(sinceB))) {
      if (Number.isNaN(sinceA) || Number.isNaN(sinceB)) return Number.isNaN(sinceA) ? -1 : 1;
      const diff = logRank(sinceA, now) - logRank(sinceB, now);
      return diff === 0 ? byUid() : diff;
    }
  }
  const [regularA, sidecarA] = maxRestarts(pa);
  const [regularB, sidecarB] = maxRestarts(pb);
  if (regularA !== regularB) return regularB - regularA;
  if (sidecarA !== sidecarB) return sidecarB - sidecarA;
  const createdA = Date.parse(pa.metadata.creationTimestamp ?? '');
  const createdB = Date.parse(pb.metadata.creationTimestamp ?? '');
  if (createdA !== createdB && !(Number.isNaN(createdA) && Number.isNaN(createdB))) {
    if (Number.isNaN(createdA) || Number.isNaN(createdB)) return Number.isNaN(createdA) ? -1 : 1;
    const diff = logRank(createdA, now) - logRank(createdB, now);
    return diff === 0 ? byUid() : diff;
  }
  return 0;
}

/** Pods of the stored list, parsed objects only. */
export function objectsOf(stored: Iterable<StoredObject | undefined>): KubeObject[] {
  const out: KubeObject[] = [];
  for (const s of stored) if (s) out.push(s.object);
  return out;
}

/**
 * controller.ActivePods order, the one Jobs remove pods in: unassigned, pending, not ready, ready
 * for less time, restarted more, newer first.
 */
export function compareActivePods(pa: KubeObject, pb: KubeObject): number {
  const byState = compareByState(pa, pb);
  if (byState !== 0) return byState;
  // A missing time counts as later than any.
  const later = (a: number, b: number) => (Number.isNaN(a) ? !Number.isNaN(b) : !Number.isNaN(b) && a > b);
  if (isPodReady(pa)) {
    const sinceA = podReadySince(pa);
    const sinceB = podReadySince(pb);
    if (sinceA !== sinceB && !(Number.isNaN(sinceA) && Number.isNaN(sinceB))) return later(sinceA, sinceB) ? -1 : 1;
  }
  const [restartsA] = maxRestarts(pa);
  const [restartsB] = maxRestarts(pb);
  if (restartsA !== restartsB) return restartsB - restartsA;
  const createdA = Date.parse(pa.metadata.creationTimestamp ?? '');
  const createdB = Date.parse(pb.metadata.creationTimestamp ?? '');
  if (createdA !== createdB && !(Number.isNaN(createdA) && Number.isNaN(createdB))) return later(createdA, createdB) ? -1 : 1;
  return 0;
}
