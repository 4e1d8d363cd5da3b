// The ReplicaSet and ReplicationController controllers (pkg/controller/replicaset; the replication
// controller is the same code over the older kind): keep `spec.replicas` active pods that the
// selector matches, created from the template with a controller ownerReference, adopting orphans
// and releasing pods the selector no longer matches; scale down in the real controller's ranking;
// report replicas, fullyLabeled, ready and available (after minReadySeconds) in status.

import { StatusError } from '../errors.js';
import { jsonEqual } from '../json.js';
import { timestamp } from '../clock.js';
import { labelSelectorFromObject, type LabelSelector } from '../selectors/labels.js';
import type { StoreEvent, StoredObject } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import { controllerManagerIdentity, type ControllerDescriptor, type ControllerEnv } from './controller.js';
import { candidates, claim, controllerRef, OrphanIndex } from './controller-refs.js';
import { Expectations } from './expectations.js';
import { controllerOf } from './owner-index.js';
import { compareForDeletion, isPodActive, isPodAvailable, isPodReady, msUntilAvailable, type RankedPod } from './pods.js';
import { EventRecorder, referenceTo } from './events.js';

type Json = Record<string, any>;

/** kube-controller-manager's --concurrent-*-syncs burst: at most this many creates or deletes per sync. */
const burstReplicas = 500;

interface ReplicaKind {
  name: string;
  aliases: string[];
  serviceAccount: string;
  resource: string;
  apiVersion: string;
  kind: string;
  /** The pod selector, or undefined when it cannot select anything. */
  selector(object: KubeObject): LabelSelector | undefined;
}

const replicaSetKind: ReplicaKind = {
  name: 'replicaset-controller',
  aliases: ['replicaset'],
  serviceAccount: 'replicaset-controller',
  resource: 'apps/replicasets',
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  selector(rs) {
    const selector = (rs.spec as Json | undefined)?.selector;
    if (!selector || typeof selector !== 'object') return undefined;
    return labelSelectorFromObject(selector);
  },
};

const replicationControllerKind: ReplicaKind = {
  name: 'replicationcontroller-controller',
  aliases: ['replicationcontroller'],
  serviceAccount: 'replication-controller',
  resource: 'replicationcontrollers',
  apiVersion: 'v1',
  kind: 'ReplicationController',
  selector(rc) {
    const selector = (rc.spec as Json | undefined)?.selector;
    if (!selector || typeof selector !== 'object' || Object.keys(selector).length === 0) return undefined;
    return labelSelectorFromObject({ matchLabels: selector });
  },
};

/** The pod a controller creates from its template (controller.GetPodFromTemplate). */
export function podFromTemplate(template: Json | undefined, owner: KubeObject, ref: Json, generateName?: string): KubeObject {
  const metadata: Json = {};
  const name = owner.metadata.name ?? '';
  metadata.generateName = generateName ?? (name.length + 1 <= 63 ? `${name}-` : name);
  const labels = template?.metadata?.labels;
  if (labels && Object.keys(labels).length) metadata.labels = { ...labels };
  const annotations = template?.metadata?.annotations;
  if (annotations && Object.keys(annotations).length) metadata.annotations = { ...annotations };
  metadata.ownerReferences = [ref];
  const finalizers = template?.metadata?.finalizers;
  if (Array.isArray(finalizers) && finalizers.length) metadata.finalizers = [...finalizers];
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: structuredClone(template?.spec ?? {}) };
}

/** The NamespaceTerminating cause a create meets in a namespace being deleted: nothing to retry. */
export function namespaceTerminating(err: unknown): boolean {
  return err instanceof StatusError && !!err.status.details?.causes?.some((c) => c.reason === 'NamespaceTerminating');
}

interface ReplicaCounts {
  replicas: number;
  fullyLabeled: number;
  ready: number;
  available: number;
  conditions: Json[];
}

function replicaController(kind: ReplicaKind): ControllerDescriptor {
  return {
    name: kind.name,
    aliases: kind.aliases,
    create(env: ControllerEnv) {
      const { services } = env;
      const { store, clock } = services;
      const client = env.client(controllerManagerIdentity(kind.serviceAccount));
      const recorder = new EventRecorder(client, { component: kind.serviceAccount }, clock);
      const expectations = new Expectations(clock);
      const orphanPods = new OrphanIndex(
        () => store.list('pods'),
        (key) => store.get('pods', key),
      );

      const ownerKey = (pod: StoredObject): string | undefined => {
        const ref = controllerOf(pod);
        if (!ref || ref.kind !== kind.kind || ref.apiVersion !== kind.apiVersion) return undefined;
        return `${pod.namespace}/${ref.name}`;
      };

      /** Controllers of this kind whose selector matches an orphan pod (getPodReplicaSets). */
      const matchingControllers = (pod: StoredObject): string[] => {
        const prefix = `${pod.namespace}/`;
        const keys: string[] = [];
        for (const owner of store.list(kind.resource)) {
          if (!owner.key.startsWith(prefix)) continue;
          if (kind.selector(owner.object)?.(pod.object.metadata.labels)) keys.push(owner.key);
        }
        return keys;
      };

      /** The pod event handlers of the real controller: expectations first, then the keys to sync. */
      const onPod = (event: StoreEvent): string[] => {
        orphanPods.observe(event);
        const pod = event.object;
        const previous = event.previous;
        const keys = new Set<string>();
        const owner = ownerKey(pod);
        const previousOwner = previous ? ownerKey(previous) : undefined;
        if (event.type === 'ADDED') {
          if (owner) {
            if (pod.object.metadata.deletionTimestamp) expectations.deletionObserved(owner, pod.key);
            else expectations.creationObserved(owner);
            keys.add(owner);
          } else {
            for (const key of matchingControllers(pod)) keys.add(key);
          }
        } else if (event.type === 'DELETED') {
          if (owner) {
            expectations.deletionObserved(owner, pod.key);
            keys.add(owner);
          }
        } else {
          if (pod.object.metadata.deletionTimestamp && !previous?.object.metadata.deletionTimestamp) {
            if (owner) expectations.deletionObserved(owner, pod.key);
            if (previousOwner && previousOwner !== owner) expectations.deletionObserved(previousOwner, pod.key);
          }
          if (previousOwner && previousOwner !== owner) keys.add(previousOwner);
          if (owner) keys.add(owner);
          else if (previous && (!jsonEqual(pod.object.metadata.labels, previous.object.metadata.labels) || previousOwner)) {
            for (const key of matchingControllers(pod)) keys.add(key);
          }
        }
        return [...keys];
      };

      const manageReplicas = (owner: StoredObject, pods: StoredObject[]): void => {
        const object = owner.object;
        const spec = (object.spec ?? {}) as Json;
        const wanted = spec.replicas ?? 1;
        const key = owner.key;
        const reference = referenceTo(owner);
        let diff = pods.length - wanted;
        if (diff < 0) {
          const count = Math.min(-diff, burstReplicas);
          expectations.expectCreations(key, count);
          const ref = controllerRef(object, kind.apiVersion, kind.kind);
          let created = 0;
          let failure: unknown;
          // slowStartBatch: batches of 1, 2, 4, ... stop at the first batch with a failure.
          for (let batch = Math.min(count, 1); batch > 0 && failure === undefined; batch = Math.min(2 * batch, count - created)) {
            for (let i = 0; i < batch; i++) {
              try {
                const pod = client.create('pods', owner.namespace, podFromTemplate(spec.template, object, ref));
                recorder.event(reference, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.object.metadata.name}`);
                created++;
              } catch (err) {
                if (namespaceTerminating(err)) {
                  created++;
                  continue;
                }
                recorder.event(reference, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
                failure ??= err;
              }
            }
            if (failure !== undefined) break;
          }
          // Pods never attempted (or refused) will not be observed.
          for (let skipped = count - created; skipped > 0 && expectations.pendingCreations(key) > 0; skipped--) expectations.creationObserved(key);
          if (failure !== undefined) throw failure;
        } else if (diff > 0) {
          diff = Math.min(diff, burstReplicas);
          const doomed = podsToDelete(owner, pods, diff);
          expectations.expectDeletions(
            key,
            doomed.map((p) => p.key),
          );
          let failure: unknown;
          for (const pod of doomed) {
            try {
              client.delete('pods', pod.namespace, pod.name);
              recorder.event(reference, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.name}`);
            } catch (err) {
              expectations.deletionObserved(key, pod.key);
              if (err instanceof StatusError && err.code === 404) continue;
              recorder.event(reference, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
              failure ??= err;
            }
          }
          if (failure !== undefined) throw failure;
        }
      };

      /** getPodsToDelete: rank by co-located pods of the same owner family, then the deletion order. */
      const podsToDelete = (owner: StoredObject, pods: StoredObject[], count: number): StoredObject[] => {
        if (count >= pods.length) return pods.slice(0, count);
        const onNode = new Map<string, number>();
        for (const pod of relatedPods(owner)) {
          if (!isPodActive(pod.object)) continue;
          const node = (pod.object.spec as Json | undefined)?.nodeName ?? '';
          onNode.set(node, (onNode.get(node) ?? 0) + 1);
        }
        const now = clock.now().getTime();
        const ranked: Array<RankedPod & { stored: StoredObject }> = pods.map((stored) => ({
          stored,
          pod: stored.object,
          rank: onNode.get((stored.object.spec as Json | undefined)?.nodeName ?? '') ?? 0,
        }));
        ranked.sort((a, b) => compareForDeletion(a, b, now));
        return ranked.slice(0, count).map((r) => r.stored);
      };

      /** Pods of every controller of this kind that shares this one's controller (a Deployment's ReplicaSets). */
      const relatedPods = (owner: StoredObject): StoredObject[] => {
        const parent = controllerOf(owner);
        const siblings = parent ? env.owners.dependents(parent.uid).filter((d) => d.resource === kind.resource) : [{ resource: kind.resource, key: owner.key }];
        const seen = new Set<string>();
        const out: StoredObject[] = [];
        for (const sibling of siblings) {
          const stored = store.get(kind.resource, sibling.key);
          if (!stored) continue;
          for (const dependent of env.owners.dependents(stored.object.metadata.uid!)) {
            if (dependent.resource !== 'pods' || seen.has(dependent.key)) continue;
            seen.add(dependent.key);
            const pod = store.get('pods', dependent.key);
            if (pod) out.push(pod);
          }
        }
        return out;
      };

      const calculateStatus = (owner: KubeObject, pods: StoredObject[], failure: unknown): ReplicaCounts => {
        const spec = (owner.spec ?? {}) as Json;
        const previous = (owner.status ?? {}) as Json;
        const templateLabels: Record<string, string> = spec.template?.metadata?.labels ?? {};
        const minReadySeconds = spec.minReadySeconds ?? 0;
        const now = clock.now();
        let fullyLabeled = 0;
        let ready = 0;
        let available = 0;
        for (const { object: pod } of pods) {
          const labels = pod.metadata.labels ?? {};
          if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
          if (isPodReady(pod)) {
            ready++;
            if (isPodAvailable(pod, minReadySeconds, now)) available++;
          }
        }
        let conditions: Json[] = Array.isArray(previous.conditions) ? previous.conditions : [];
        const failureCondition = conditions.find((c) => c.type === 'ReplicaFailure');
        if (failure !== undefined && !failureCondition) {
          const diff = pods.length - (spec.replicas ?? 1);
          const condition: Json = { type: 'ReplicaFailure', status: 'True', lastTransitionTime: timestamp(now) };
          if (diff !== 0) condition.reason = diff < 0 ? 'FailedCreate' : 'FailedDelete';
          condition.message = (failure as Error).message;
          conditions = [...conditions, condition];
        } else if (failure === undefined && failureCondition) {
          conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
        }
        return { replicas: pods.length, fullyLabeled, ready, available, conditions };
      };

      /** updateReplicaSetStatus: written only when a count, the conditions or the observed generation changed. */
      const writeStatus = (owner: StoredObject, status: ReplicaCounts): StoredObject => {
        const previous = (owner.object.status ?? {}) as Json;
        const generation = owner.object.metadata.generation ?? 0;
        const same =
          (previous.replicas ?? 0) === status.replicas &&
          (previous.fullyLabeledReplicas ?? 0) === status.fullyLabeled &&
          (previous.readyReplicas ?? 0) === status.ready &&
          (previous.availableReplicas ?? 0) === status.available &&
          (previous.observedGeneration ?? 0) === generation &&
          jsonEqual(previous.conditions ?? [], status.conditions);
        if (same) return owner;
        // ReplicaSetStatus in field order; zeros left out as Go's omitempty leaves them.
        const next: Json = { replicas: status.replicas };
        if (status.fullyLabeled) next.fullyLabeledReplicas = status.fullyLabeled;
        if (status.ready) next.readyReplicas = status.ready;
        if (status.available) next.availableReplicas = status.available;
        if (generation) next.observedGeneration = generation;
        if (status.conditions.length) next.conditions = status.conditions;
        client.updateStatus(owner, (o) => (o.status = next));
        return client.get(kind.resource, owner.namespace, owner.name) ?? owner;
      };

      return {
        for: kind.resource,
        watches: [{ resource: 'pods', map: onPod }],
        reconcile(key) {
          const [namespace, name] = key.split('/');
          const owner = client.get(kind.resource, namespace, name);
          if (!owner) {
            expectations.forget(key);
            return undefined;
          }
          const needsSync = expectations.satisfied(key);
          const selector = kind.selector(owner.object);
          if (!selector) return undefined;
          const active = candidates(env.owners, store, 'pods', owner.object.metadata.uid!, orphanPods, namespace).filter((p) => isPodActive(p.object));
          const pods = claim(active, {
            client,
            owner,
            ref: controllerRef(owner.object, kind.apiVersion, kind.kind),
            matches: (pod) => selector(pod.metadata.labels),
          });
          let failure: unknown;
          if (needsSync && !owner.object.metadata.deletionTimestamp) {
            try {
              manageReplicas(owner, pods);
            } catch (err) {
              failure = err;
            }
          }
          const current = client.get(kind.resource, namespace, name);
          if (!current) return undefined;
          const updated = writeStatus(current, calculateStatus(current.object, pods, failure));
          if (failure !== undefined) throw failure;
          // Look again when the next ready pod has been ready for minReadySeconds.
          const spec = (updated.object.spec ?? {}) as Json;
          const minReadySeconds = spec.minReadySeconds ?? 0;
          if (minReadySeconds > 0) {
            const now = clock.now();
            const waits = pods.map((p) => msUntilAvailable(p.object, minReadySeconds, now)).filter((ms): ms is number => ms !== undefined);
            if (waits.length) return { requeueAfterMs: Math.min(...waits) };
          }
          return undefined;
        },
      };
    },
  };
}

export const replicaSetController = replicaController(replicaSetKind);
export const replicationControllerController = replicaController(replicationControllerKind);
