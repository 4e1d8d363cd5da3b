// The DaemonSet controller (pkg/controller/daemon): one pod on every node the template's node
// selector, required node affinity and tolerations admit, pinned to its node by a metadata.name
// node affinity the scheduler honors; the daemon tolerations added; failed pods replaced with a
// back-off; ControllerRevisions named by the pod-template-hash; RollingUpdate within maxUnavailable
// or maxSurge, OnDelete; revisionHistoryLimit; the status the real controller reports.
// Writes are observed synchronously here, so the controller needs no expectations.

import { labelSelectorFromObject } from '../selectors/labels.js';
import type { StoredObject } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import { controllerManagerIdentity, type ControllerDescriptor } from './controller.js';
import { candidates, claim, controllerKeysFor, controllerRef, OrphanIndex } from './controller-refs.js';
import { EventRecorder, referenceTo } from './events.js';
import { podTemplateHash } from './hashes.js';
import { controllerRevisions, newRevision, revisionData, revisionNumber, templatePatch } from './history.js';
import { tolerates } from './node-lifecycle.js';
import { isPodAvailable, isPodReady, msUntilAvailable, podPhase } from './pods.js';
import { namespaceTerminating, podFromTemplate } from './replicaset.js';
import { matchesNodeSelectors } from './scheduler/plugins.js';
import type { Taint } from './world.js';

type Json = Record<string, any>;

const daemonSets = 'apps/daemonsets';
const hashLabel = 'controller-revision-hash';
const generationLabel = 'pod-template-generation';
const generationAnnotation = 'deprecated.daemonset.template.generation';
/** kube-controller-manager's burstReplicas for DaemonSets. */
const burstReplicas = 250;
/** failedPodsBackoff: 1 s doubling to 15 minutes. */
const failedBackoffInitialMs = 1000;
const failedBackoffMaxMs = 15 * 60_000;

const specOf = (o: KubeObject): Json => (o.spec ?? {}) as Json;
const statusOf = (o: KubeObject): Json => (o.status ?? {}) as Json;
const created = (o: KubeObject) => Date.parse(o.metadata.creationTimestamp ?? '') || 0;

/** Tolerations every daemon pod gets (AddOrUpdateDaemonPodTolerations). */
function daemonTolerations(spec: Json): Json[] {
  const wanted: Json[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec.hostNetwork) wanted.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  let tolerations: Json[] = [...((spec.tolerations ?? []) as Json[])];
  const same = (a: Json, b: Json) => (a.key ?? '') === (b.key ?? '') && (a.effect ?? '') === (b.effect ?? '') && (a.operator ?? '') === (b.operator ?? '') && (a.value ?? '') === (b.value ?? '');
  for (const toleration of wanted) {
    const index = tolerations.findIndex((t) => same(t, toleration));
    if (index < 0) tolerations.push(toleration);
    else if (tolerations[index].tolerationSeconds !== undefined) tolerations = tolerations.map((t, i) => (i === index ? toleration : t));
  }
  return tolerations;
}

/** The first taint passing `effects` that no toleration tolerates (FindMatchingUntoleratedTaint). */
function untolerated(taints: Taint[], tolerations: Json[], effects: string[]): Taint | undefined {
  return taints.find((taint) => effects.includes(taint.effect) && !tolerations.some((t) => tolerates(t, taint)));
}

/** Whether the DaemonSet should run a pod on the node, and whether one running there may stay (NodeShouldRunDaemonPod). */
export function nodeShouldRunDaemonPod(node: StoredObject, ds: KubeObject): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const template = specOf(ds).template?.spec ?? {};
  if (template.nodeName && template.nodeName !== node.name) return { shouldRun: false, shouldContinueRunning: false };
  if (!matchesNodeSelectors(template, { name: node.name, labels: node.object.metadata.labels ?? {} })) return { shouldRun: false, shouldContinueRunning: false };
  const taints = (specOf(node.object).taints ?? []) as Taint[];
  const tolerations = daemonTolerations(template);
  if (untolerated(taints, tolerations, ['NoSchedule', 'NoExecute'])) return { shouldRun: false, shouldContinueRunning: !untolerated(taints, tolerations, ['NoExecute']) };
  return { shouldRun: true, shouldContinueRunning: true };
}

/** The node a daemon pod is for: its nodeName, or the metadata.name node affinity it was created with (GetTargetNodeName). */
function targetNode(pod: KubeObject): string | undefined {
  const spec = specOf(pod);
  if (spec.nodeName) return spec.nodeName;
  for (const term of (spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) as Json[]) {
    for (const field of (term.matchFields ?? []) as Json[]) {
      if (field.key === 'metadata.name' && field.operator === 'In') return field.values?.length === 1 ? field.values[0] : undefined;
    }
  }
  return undefined;
}

/** The template's affinity with the node requirement replaced by one for this node (ReplaceDaemonSetPodNodeNameNodeAffinity). */
function pinnedAffinity(affinity: Json | undefined, node: string): Json {
  const required = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] };
  const nodeAffinity = { ...(affinity?.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: required };
  return { ...affinity, nodeAffinity };
}

/** podByCreationTimestampAndPhase: bound first, then oldest, then by name. */
function byCreationAndBinding(a: StoredObject, b: StoredObject): number {
  const boundA = !!specOf(a.object).nodeName;
  const boundB = !!specOf(b.object).nodeName;
  if (boundA !== boundB) return boundA ? -1 : 1;
  return created(a.object) - created(b.object) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** intstr.GetScaledValueFromIntOrPercent rounding up. */
function scaled(value: unknown, total: number): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+%$/.test(value)) return Math.ceil((Number(value.slice(0, -1)) * total) / 100);
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return 0;
}

const rollingUpdateOf = (ds: KubeObject): Json | undefined => (specOf(ds).updateStrategy?.type === 'RollingUpdate' ? specOf(ds).updateStrategy.rollingUpdate : undefined);
const surgeCount = (ds: KubeObject, total: number) => {
  const rolling = rollingUpdateOf(ds);
  return rolling?.maxSurge === undefined ? 0 : scaled(rolling.maxSurge, total);
};
const unavailableCount = (ds: KubeObject, total: number) => scaled(rollingUpdateOf(ds)?.maxUnavailable, total);

function templateGeneration(ds: KubeObject): string | undefined {
  const value = ds.metadata.annotations?.[generationAnnotation];
  return value !== undefined && /^-?\d+$/.test(value) ? String(Number(value)) : undefined;
}

function isPodUpdated(pod: KubeObject, hash: string, generation: string | undefined): boolean {
  const labels = pod.metadata.labels ?? {};
  return (hash !== '' && labels[hashLabel] === hash) || (generation !== undefined && labels[generationLabel] === generation);
}

/** client-go's flowcontrol.Backoff for failed daemon pods, on the injected clock. */
class Backoff {
  private readonly entries = new Map<string, { delayMs: number; at: number }>();

  inBackoffSinceUpdate(key: string, now: number): number | undefined {
    const entry = this.entries.get(key);
    return entry && now - entry.at < entry.delayMs ? entry.delayMs : undefined;
  }

  next(key: string, now: number): void {
    const entry = this.entries.get(key);
    if (!entry || now - entry.at > 2 * failedBackoffMaxMs) this.entries.set(key, { delayMs: failedBackoffInitialMs, at: now });
    else this.entries.set(key, { delayMs: Math.min(entry.delayMs * 2, failedBackoffMaxMs), at: now });
  }
}

export const daemonSetController: ControllerDescriptor = {
  name: 'daemonset-controller',
  aliases: ['daemonset'],
  create(env) {
    const { store, clock } = env.services;
    const client = env.client(controllerManagerIdentity('daemon-set-controller'));
    const recorder = new EventRecorder(client, { component: 'daemonset-controller' }, clock);
    const orphanPods = new OrphanIndex(
      () => store.list('pods'),
      (key) => store.get('pods', key),
    );
    const failedBackoff = new Backoff();

    const daemonSetsSelecting = (object: StoredObject): string[] =>
      client
        .list(daemonSets, object.namespace)
        .filter((ds) => {
          const selector = specOf(ds.object).selector;
          return selector && labelSelectorFromObject(selector)(object.object.metadata.labels);
        })
        .map((ds) => ds.key);
    const allDaemonSets = (): string[] => client.list(daemonSets).map((ds) => ds.key);

    /** The DaemonSet's pods by the node they are for (getNodesToDaemonPods). */
    const podsByNode = (owner: StoredObject, selector: (labels: Record<string, string> | undefined) => boolean, includeDeletedTerminal: boolean): Map<string, StoredObject[]> => {
      const ds = owner.object;
      const pods = claim(candidates(env.owners, store, 'pods', ds.metadata.uid!, orphanPods, owner.namespace), {
        client,
        owner,
        ref: controllerRef(ds, 'apps/v1', 'DaemonSet'),
        matches: (pod) => selector(pod.metadata.labels),
      });
      const byNode = new Map<string, StoredObject[]>();
      for (const pod of pods) {
        const phase = podPhase(pod.object);
        if (!includeDeletedTerminal && (phase === 'Succeeded' || phase === 'Failed') && pod.object.metadata.deletionTimestamp) continue;
        const node = targetNode(pod.object);
        if (node === undefined) continue;
        const list = byNode.get(node);
        if (list) list.push(pod);
        else byNode.set(node, [pod]);
      }
      return byNode;
    };

    /** The current revision, creating it or renumbering it, and the old ones (constructHistory). */
    const constructHistory = (owner: StoredObject, selector: (labels: Record<string, string> | undefined) => boolean): { current: StoredObject; old: StoredObject[] } => {
      const ds = owner.object;
      const ref = controllerRef(ds, 'apps/v1', 'DaemonSet');
      const histories = claim(client.list(controllerRevisions, owner.namespace), { client, owner, ref, matches: (r) => selector(r.metadata.labels) });
      const data = templatePatch(ds);
      const matching: StoredObject[] = [];
      const old: StoredObject[] = [];
      for (let history of histories) {
        if (history.object.metadata.labels?.[hashLabel] === undefined) {
          client.update(history, (r) => (r.metadata.labels = { ...r.metadata.labels, [hashLabel]: r.metadata.name! }));
          history = client.get(controllerRevisions, history.namespace, history.name) ?? history;
        }
        (revisionData(history) === data ? matching : old).push(history);
      }
      const next = Math.max(0, ...old.map(revisionNumber)) + 1;
      let current: StoredObject;
      if (matching.length === 0) {
        const collisionCount = statusOf(ds).collisionCount;
        const hash = podTemplateHash(specOf(ds).template, collisionCount);
        const name = `${ds.metadata.name}-${hash}`;
        const existing = client.get(controllerRevisions, owner.namespace, name);
        if (existing) {
          if (revisionData(existing) === data) return { current: existing, old };
          // A different template hashed to this name: count the collision and try again.
          client.updateStatus(owner, (d) => (d.status = { ...statusOf(d), collisionCount: (collisionCount ?? 0) + 1 }));
          throw new Error(`hash collision for DaemonSet ${owner.key}: bumped collisionCount`);
        }
        const labels = { ...(specOf(ds).template?.metadata?.labels ?? {}), [hashLabel]: hash };
        const revision = newRevision(ds, ref, labels, data, next, ds.metadata.annotations);
        revision.metadata.name = name;
        client.create(controllerRevisions, owner.namespace, revision);
        current = client.get(controllerRevisions, owner.namespace, name)!;
      } else {
        current = dedupCurrent(owner, selector, matching);
        if (revisionNumber(current) < next) {
          client.update(current, (r) => (r.revision = next));
          current = client.get(controllerRevisions, current.namespace, current.name) ?? current;
        }
      }
      return { current, old };
    };

    /** Keeps the newest of several revisions matching the template, relabelling pods to it (dedupCurHistories). */
    const dedupCurrent = (owner: StoredObject, selector: (labels: Record<string, string> | undefined) => boolean, matching: StoredObject[]): StoredObject => {
      if (matching.length === 1) return matching[0];
      let keep = matching[0];
      for (const revision of matching) if (revisionNumber(revision) >= revisionNumber(keep)) keep = revision;
      const hash = keep.object.metadata.labels?.[hashLabel];
      for (const pods of podsByNode(owner, selector, true).values()) {
        for (const pod of pods) {
          if (pod.object.metadata.labels?.[hashLabel] !== hash) client.update(pod, (p) => (p.metadata.labels = { ...p.metadata.labels, [hashLabel]: hash! }));
        }
      }
      for (const revision of matching) if (revision !== keep) client.delete(controllerRevisions, revision.namespace, revision.name);
      return keep;
    };

    /** Creates pods on the nodes that need them and deletes the doomed ones (syncNodes). */
    const syncNodes = (owner: StoredObject, toDelete: StoredObject[], nodesNeedingPods: string[], hash: string): void => {
      const ds = owner.object;
      const reference = referenceTo(owner);
      const spec = specOf(ds);
      const template: Json = structuredClone(spec.template ?? {});
      template.spec = { ...template.spec, tolerations: daemonTolerations(template.spec ?? {}) };
      const generation = templateGeneration(ds);
      template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, ...(generation !== undefined ? { [generationLabel]: generation } : {}), [hashLabel]: hash } };
      const ref = controllerRef(ds, 'apps/v1', 'DaemonSet');
      const creates = nodesNeedingPods.slice(0, burstReplicas);
      let failure: unknown;
      // slowStartBatch: batches of 1, 2, 4, ... stop after the first batch with a failure.
      for (let done = 0, batch = Math.min(creates.length, 1); batch > 0 && failure === undefined; done += batch, batch = Math.min(2 * batch, creates.length - done)) {
        for (const node of creates.slice(done, done + batch)) {
          const podTemplate = structuredClone(template);
          podTemplate.spec.affinity = pinnedAffinity(podTemplate.spec.affinity, node);
          try {
            const pod = client.create('pods', owner.namespace, podFromTemplate(podTemplate, ds, ref));
            recorder.event(reference, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.object.metadata.name}`);
          } catch (err) {
            if (namespaceTerminating(err)) continue;
            recorder.event(reference, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
            failure ??= err;
          }
        }
      }
      for (const pod of toDelete.slice(0, burstReplicas)) {
        try {
          client.delete('pods', pod.namespace, pod.name);
          recorder.event(reference, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.name}`);
        } catch (err) {
          if ((err as { code?: number }).code === 404) continue;
          recorder.event(reference, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
          failure ??= err;
        }
      }
      if (failure !== undefined) throw failure;
    };

    /** What each node needs: a pod created, pods deleted (podsShouldBeOnNode over all nodes, then manage). */
    const manage = (owner: StoredObject, nodes: StoredObject[], byNode: Map<string, StoredObject[]>, hash: string): { requeueAfterMs?: number } => {
      const ds = owner.object;
      const now = clock.now();
      const surge = surgeCount(ds, 1) > 0;
      const minReadySeconds = specOf(ds).minReadySeconds ?? 0;
      const needing: string[] = [];
      const toDelete: StoredObject[] = [];
      let requeueAfterMs: number | undefined;
      for (const node of nodes) {
        const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
        const pods = byNode.get(node.name);
        if (shouldRun && !pods) {
          needing.push(node.name);
          continue;
        }
        if (!shouldContinueRunning) {
          if (pods) for (const pod of pods) if (!pod.object.metadata.deletionTimestamp) toDelete.push(pod);
          continue;
        }
        const running: StoredObject[] = [];
        for (const pod of pods ?? []) {
          if (pod.object.metadata.deletionTimestamp) continue;
          const phase = podPhase(pod.object);
          if (phase === 'Failed') {
            const key = `${ds.metadata.uid}/${statusOf(ds).observedGeneration ?? 0}/${node.name}`;
            const delay = failedBackoff.inBackoffSinceUpdate(key, now.getTime());
            if (delay !== undefined) {
              requeueAfterMs = Math.min(requeueAfterMs ?? delay, delay);
              continue;
            }
            failedBackoff.next(key, now.getTime());
            recorder.event(referenceTo(owner), 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${pod.namespace}/${pod.name} on node ${node.name}, will try to kill it`);
            toDelete.push(pod);
          } else if (phase === 'Succeeded') {
            recorder.event(referenceTo(owner), 'Normal', 'SucceededDaemonPod', `Found succeeded daemon pod ${pod.namespace}/${pod.name} on node ${node.name}, will try to delete it`);
            toDelete.push(pod);
          } else running.push(pod);
        }
        running.sort(byCreationAndBinding);
        if (!surge) {
          toDelete.push(...running.slice(1));
          continue;
        }
        if (running.length <= 1) {
          if (running.length === 0 && shouldRun) needing.push(node.name);
          continue;
        }
        let oldestNew: StoredObject | undefined;
        let oldestOld: StoredObject | undefined;
        for (const pod of running) {
          if (pod.object.metadata.labels?.[hashLabel] === hash) {
            if (!oldestNew) {
              oldestNew = pod;
              continue;
            }
          } else if (!oldestOld) {
            oldestOld = pod;
            continue;
          }
          toDelete.push(pod);
        }
        if (oldestNew && oldestOld && (!isPodReady(oldestOld.object) || isPodAvailable(oldestNew.object, minReadySeconds, now))) toDelete.push(oldestOld);
      }
      const known = new Set(nodes.map((n) => n.name));
      for (const [node, pods] of byNode) {
        if (known.has(node)) continue;
        for (const pod of pods) if (!specOf(pod.object).nodeName) toDelete.push(pod);
      }
      syncNodes(owner, toDelete, needing, hash);
      return { requeueAfterMs };
    };

    /** Replaces out-of-date pods within maxUnavailable, or by surging new pods first within maxSurge (rollingUpdate). */
    const rollingUpdate = (owner: StoredObject, nodes: StoredObject[], byNode: Map<string, StoredObject[]>, hash: string): void => {
      const ds = owner.object;
      const now = clock.now();
      const minReadySeconds = specOf(ds).minReadySeconds ?? 0;
      const available = (pod: StoredObject) => isPodAvailable(pod.object, minReadySeconds, now);
      let desired = 0;
      for (const node of nodes) {
        if (!nodeShouldRunDaemonPod(node, ds).shouldRun) continue;
        desired++;
        if (!byNode.has(node.name)) byNode.set(node.name, []);
      }
      let maxUnavailable = unavailableCount(ds, desired);
      const maxSurge = surgeCount(ds, desired);
      if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
      const generation = templateGeneration(ds);
      /** The one updated and the one old pod on a node, or undefined when there are more (findUpdatedPodsOnNode). */
      const split = (pods: StoredObject[]): { newPod?: StoredObject; oldPod?: StoredObject } | undefined => {
        let newPod: StoredObject | undefined;
        let oldPod: StoredObject | undefined;
        for (const pod of pods) {
          if (pod.object.metadata.deletionTimestamp) continue;
          if (isPodUpdated(pod.object, hash, generation)) {
            if (newPod) return undefined;
            newPod = pod;
          } else {
            if (oldPod) return undefined;
            oldPod = pod;
          }
        }
        return { newPod, oldPod };
      };
      const nodeByName = new Map(nodes.map((n) => [n.name, n]));
      if (maxSurge === 0) {
        let unavailable = 0;
        const allowed: StoredObject[] = [];
        const candidates: StoredObject[] = [];
        for (const pods of byNode.values()) {
          const found = split(pods);
          if (!found) {
            unavailable++;
            continue;
          }
          const { newPod, oldPod } = found;
          if ((!oldPod && !newPod) || (oldPod && newPod)) unavailable++;
          else if (newPod) {
            if (!available(newPod)) unavailable++;
          } else if (oldPod) {
            if (!available(oldPod)) {
              allowed.push(oldPod);
              unavailable++;
            } else if (unavailable < maxUnavailable) candidates.push(oldPod);
          }
        }
        const remaining = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
        syncNodes(owner, [...allowed, ...candidates.slice(0, remaining)], [], hash);
        return;
      }
      const oldToDelete: StoredObject[] = [];
      const shouldNotRun: StoredObject[] = [];
      const candidateNodes: string[] = [];
      const allowedNodes: string[] = [];
      let surged = 0;
      let availableCount = 0;
      for (const [nodeName, pods] of byNode) {
        const found = split(pods);
        if (!found) {
          surged++;
          continue;
        }
        const { newPod, oldPod } = found;
        if (oldPod ? available(oldPod) : newPod && available(newPod)) availableCount++;
        if (!oldPod) continue;
        const node = nodeByName.get(nodeName);
        if (!newPod) {
          const shouldRun = node ? nodeShouldRunDaemonPod(node, ds).shouldRun : false;
          if (!available(oldPod)) {
            if (!shouldRun) oldToDelete.push(oldPod);
            else allowedNodes.push(nodeName);
          } else if (!shouldRun) shouldNotRun.push(oldPod);
          else if (surged < maxSurge) candidateNodes.push(nodeName);
          continue;
        }
        if (!available(newPod)) {
          surged++;
          continue;
        }
        oldToDelete.push(oldPod);
      }
      const deletable = Math.min(availableCount - desired, shouldNotRun.length);
      if (deletable > 0) oldToDelete.push(...shouldNotRun.slice(0, deletable));
      const remainingSurge = Math.min(Math.max(0, maxSurge - surged), candidateNodes.length);
      syncNodes(owner, oldToDelete, [...allowedNodes, ...candidateNodes.slice(0, remainingSurge)], hash);
    };

    /** Deletes old revisions past revisionHistoryLimit that no pod uses (cleanupHistory). */
    const cleanupHistory = (owner: StoredObject, selector: (labels: Record<string, string> | undefined) => boolean, old: StoredObject[]): void => {
      const limit = specOf(owner.object).revisionHistoryLimit ?? 10;
      let toKill = old.length - limit;
      if (toKill <= 0) return;
      const live = new Set<string>();
      for (const pods of podsByNode(owner, selector, true).values()) for (const pod of pods) if (pod.object.metadata.labels?.[hashLabel]) live.add(pod.object.metadata.labels[hashLabel]);
      for (const revision of [...old].sort((a, b) => revisionNumber(a) - revisionNumber(b))) {
        if (toKill <= 0) break;
        if (live.has(revision.object.metadata.labels?.[hashLabel] ?? '')) continue;
        client.delete(controllerRevisions, revision.namespace, revision.name);
        toKill--;
      }
    };

    /** Counts and writes the status when a count changed or the generation is new (updateDaemonSetStatus). */
    const writeStatus = (owner: StoredObject, nodes: StoredObject[], byNode: Map<string, StoredObject[]>, hash: string, observeGeneration: boolean): number | undefined => {
      const ds = owner.object;
      const now = clock.now();
      const minReadySeconds = specOf(ds).minReadySeconds ?? 0;
      const generation = templateGeneration(ds);
      const counts: Record<string, number> = { desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, updatedNumberScheduled: 0, numberAvailable: 0, numberUnavailable: 0 };
      let wait: number | undefined;
      for (const node of nodes) {
        const pods = byNode.get(node.name) ?? [];
        if (!nodeShouldRunDaemonPod(node, ds).shouldRun) {
          if (pods.length) counts.numberMisscheduled++;
          continue;
        }
        counts.desiredNumberScheduled++;
        if (!pods.length) continue;
        counts.currentNumberScheduled++;
        const pod = [...pods].sort(byCreationAndBinding)[0].object;
        if (isPodReady(pod)) {
          counts.numberReady++;
          if (isPodAvailable(pod, minReadySeconds, now)) counts.numberAvailable++;
          else {
            const ms = msUntilAvailable(pod, minReadySeconds, now);
            if (ms !== undefined) wait = Math.min(wait ?? ms, ms);
          }
        }
        if (isPodUpdated(pod, hash, generation)) counts.updatedNumberScheduled++;
      }
      counts.numberUnavailable = counts.desiredNumberScheduled - counts.numberAvailable;
      const stored = statusOf(ds);
      const same = Object.entries(counts).every(([field, value]) => (stored[field] ?? 0) === value) && (stored.observedGeneration ?? 0) >= (ds.metadata.generation ?? 0);
      if (!same) {
        const current = client.get(daemonSets, owner.namespace, owner.name);
        if (current) {
          client.updateStatus(current, (d) => {
            const status: Json = { ...statusOf(d), ...counts };
            if (observeGeneration) status.observedGeneration = ds.metadata.generation;
            d.status = status;
          });
        }
      }
      return wait;
    };

    return {
      for: daemonSets,
      owns: [controllerRevisions],
      watches: [
        {
          resource: 'pods',
          map: (event) => {
            orphanPods.observe(event);
            return controllerKeysFor(event, 'apps/v1', 'DaemonSet', daemonSetsSelecting);
          },
        },
        {
          resource: 'nodes',
          map: (event) => {
            if (event.type !== 'MODIFIED') return allDaemonSets();
            const before = event.previous?.object;
            const after = event.object.object;
            const changed = JSON.stringify(before?.metadata.labels) !== JSON.stringify(after.metadata.labels) || JSON.stringify(before?.spec) !== JSON.stringify(after.spec);
            return changed ? allDaemonSets() : [];
          },
        },
      ],
      reconcile(key) {
        const [namespace, name] = key.split('/');
        const owner = client.get(daemonSets, namespace, name);
        if (!owner) return undefined;
        const ds = owner.object;
        const selectorSpec = specOf(ds).selector;
        if (!selectorSpec || (!selectorSpec.matchLabels && !selectorSpec.matchExpressions)) {
          recorder.event(referenceTo(owner), 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
          return undefined;
        }
        if (ds.metadata.deletionTimestamp) return undefined;
        const selector = labelSelectorFromObject(selectorSpec);
        const nodes = client.list('nodes');
        const { current, old } = constructHistory(owner, selector);
        const hash = current.object.metadata.labels?.[hashLabel] ?? '';
        let failure: unknown;
        let requeueAfterMs: number | undefined;
        try {
          requeueAfterMs = manage(owner, nodes, podsByNode(owner, selector, false), hash).requeueAfterMs;
          if (specOf(ds).updateStrategy?.type === 'RollingUpdate') rollingUpdate(owner, nodes, podsByNode(owner, selector, false), hash);
          cleanupHistory(owner, selector, old);
        } catch (err) {
          failure = err;
        }
        const latest = client.get(daemonSets, namespace, name);
        if (!latest) return undefined;
        const wait = writeStatus(latest, nodes, podsByNode(latest, selector, false), hash, true);
        if (failure !== undefined) throw failure;
        const due = [requeueAfterMs, wait].filter((ms): ms is number => ms !== undefined);
        return due.length ? { requeueAfterMs: Math.min(...due) } : undefined;
      },
    };
  },
};
