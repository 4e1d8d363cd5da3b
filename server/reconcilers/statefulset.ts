// The StatefulSet controller (pkg/controller/statefulset): pods named <set>-<ordinal> with a stable
// hostname and subdomain, created in order and each waiting for its predecessors to be Running and
// Ready (OrderedReady) or all at once (Parallel), deleted from the highest ordinal down; a
// PersistentVolumeClaim per volumeClaimTemplate and pod, owned as the retention policy says;
// ControllerRevisions for every template, RollingUpdate from the highest ordinal down to the
// partition, OnDelete; the status the real controller reports.

import { StatusError } from '../errors.js';
import { labelSelectorFromObject } from '../selectors/labels.js';
import type { StoredObject } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import type { ControllerClient } from './client.js';
import { controllerManagerIdentity, type ControllerDescriptor } from './controller.js';
import { candidates, claim, controllerKeysFor, controllerRef, OrphanIndex } from './controller-refs.js';
import { EventRecorder, referenceTo } from './events.js';
import { controllerRevisionHash } from './hashes.js';
import {
  adoptOrphanRevisions,
  controllerRevisions,
  listRevisions,
  newRevision,
  revisionData,
  revisionNumber,
  sortRevisions,
  templatePatch,
  withRevisionTemplate,
} from './history.js';
import type { OwnerReference } from './owner-index.js';
import { isPodAvailable, isPodReady, msUntilAvailable, podPhase } from './pods.js';
import { podFromTemplate } from './replicaset.js';

type Json = Record<string, any>;

const statefulSets = 'apps/statefulsets';
const claims = 'persistentvolumeclaims';
const podNameLabel = 'statefulset.kubernetes.io/pod-name';
const podIndexLabel = 'apps.kubernetes.io/pod-index';
const podRevisionLabel = 'controller-revision-hash';
const revisionHashLabel = 'controller.kubernetes.io/hash';
const int32Max = 2 ** 31 - 1;

const specOf = (o: KubeObject): Json => (o.spec ?? {}) as Json;
const statusOf = (o: KubeObject): Json => (o.status ?? {}) as Json;
const replicasOf = (set: KubeObject): number => specOf(set).replicas ?? 1;
const startOrdinal = (set: KubeObject): number => specOf(set).ordinals?.start ?? 0;

/** The parent name and ordinal a pod name carries (`web-2`), ordinal -1 when it has none. */
export function parentAndOrdinal(podName: string): { parent: string; ordinal: number } {
  const match = /^(.*)-([0-9]+)$/.exec(podName);
  if (!match) return { parent: '', ordinal: -1 };
  const ordinal = Number(match[2]);
  return { parent: match[1], ordinal: ordinal <= int32Max ? ordinal : -1 };
}

const ordinalOf = (pod: KubeObject) => parentAndOrdinal(pod.metadata.name ?? '').ordinal;
const podName = (set: KubeObject, ordinal: number) => `${set.metadata.name}-${ordinal}`;
const claimName = (set: KubeObject, template: Json, ordinal: number) => `${template.metadata?.name ?? ''}-${set.metadata.name}-${ordinal}`;
const inOrdinalRange = (pod: KubeObject, set: KubeObject) => {
  const ordinal = ordinalOf(pod);
  return ordinal >= startOrdinal(set) && ordinal < startOrdinal(set) + replicasOf(set);
};

const isCreated = (pod: KubeObject) => podPhase(pod) !== '';
const isTerminating = (pod: KubeObject) => !!pod.metadata.deletionTimestamp;
const isRunningAndReady = (pod: KubeObject) => podPhase(pod) === 'Running' && isPodReady(pod);
const isHealthy = (pod: KubeObject) => isRunningAndReady(pod) && !isTerminating(pod);
const podRevision = (pod: KubeObject) => pod.metadata.labels?.[podRevisionLabel] ?? '';

function identityMatches(set: KubeObject, pod: KubeObject): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod.metadata.name ?? '');
  return (
    ordinal >= 0 &&
    parent === set.metadata.name &&
    pod.metadata.name === podName(set, ordinal) &&
    pod.metadata.namespace === set.metadata.namespace &&
    pod.metadata.labels?.[podNameLabel] === pod.metadata.name
  );
}

function storageMatches(set: KubeObject, pod: KubeObject): boolean {
  const ordinal = ordinalOf(pod);
  if (ordinal < 0) return false;
  const volumes = new Map<string, Json>(((specOf(pod).volumes ?? []) as Json[]).map((v) => [v.name, v]));
  return ((specOf(set).volumeClaimTemplates ?? []) as Json[]).every((template) => volumes.get(template.metadata?.name)?.persistentVolumeClaim?.claimName === claimName(set, template, ordinal));
}

/** The claims a pod of the set uses, by template name (getPersistentVolumeClaims). */
function claimsFor(set: KubeObject, ordinal: number): Array<{ template: string; claim: KubeObject }> {
  const selectorLabels: Record<string, string> = specOf(set).selector?.matchLabels ?? {};
  return ((specOf(set).volumeClaimTemplates ?? []) as Json[]).map((template) => {
    const claim: Json = structuredClone(template);
    delete claim.status;
    claim.apiVersion = 'v1';
    claim.kind = 'PersistentVolumeClaim';
    claim.metadata = { ...claim.metadata, name: claimName(set, template, ordinal), namespace: set.metadata.namespace };
    claim.metadata.labels = { ...claim.metadata.labels, ...selectorLabels };
    return { template: template.metadata?.name ?? '', claim: claim as KubeObject };
  });
}

/** Points the pod's claim volumes at its claims, keeping its other volumes (updateStorage). */
function updateStorage(set: KubeObject, pod: KubeObject): void {
  const wanted = claimsFor(set, ordinalOf(pod));
  const names = new Set(wanted.map((w) => w.template));
  const spec = specOf(pod);
  const volumes: Json[] = wanted.map((w) => ({ name: w.template, persistentVolumeClaim: { claimName: w.claim.metadata.name } }));
  for (const volume of (spec.volumes ?? []) as Json[]) if (!names.has(volume.name)) volumes.push(volume);
  if (volumes.length) spec.volumes = volumes;
  pod.spec = spec;
}

function updateIdentity(set: KubeObject, pod: KubeObject): void {
  const ordinal = ordinalOf(pod);
  pod.metadata.name = podName(set, ordinal);
  pod.metadata.namespace = set.metadata.namespace;
  pod.metadata.labels = { ...pod.metadata.labels, [podNameLabel]: pod.metadata.name, [podIndexLabel]: String(ordinal) };
}

/** A pod of `set` at an ordinal (newStatefulSetPod). */
function newPod(set: KubeObject, ordinal: number, revision: string, ref: OwnerReference): KubeObject {
  const pod = podFromTemplate(specOf(set).template, set, ref);
  pod.metadata.name = podName(set, ordinal);
  updateIdentity(set, pod);
  const spec = specOf(pod);
  spec.hostname = pod.metadata.name;
  if (specOf(set).serviceName) spec.subdomain = specOf(set).serviceName;
  updateStorage(set, pod);
  pod.metadata.labels = { ...pod.metadata.labels, [podRevisionLabel]: revision };
  return pod;
}

type RetentionPolicy = { whenDeleted: string; whenScaled: string };

function retentionPolicy(set: KubeObject): RetentionPolicy {
  const policy = specOf(set).persistentVolumeClaimRetentionPolicy ?? {};
  return { whenDeleted: policy.whenDeleted ?? 'Retain', whenScaled: policy.whenScaled ?? 'Retain' };
}

const refsOf = (object: KubeObject): OwnerReference[] => (object.metadata.ownerReferences ?? []) as unknown as OwnerReference[];
const refMatches = (ref: OwnerReference, object: KubeObject, apiVersion: string, kind: string) => ref.apiVersion === apiVersion && ref.kind === kind && ref.name === object.metadata.name;
const hasOwnerRef = (target: KubeObject, owner: KubeObject) => refsOf(target).some((r) => r.uid === owner.metadata.uid);
const hasStaleOwnerRef = (target: KubeObject, owner: KubeObject, apiVersion: string, kind: string) => {
  const ref = refsOf(target).find((r) => refMatches(r, owner, apiVersion, kind));
  return !!ref && ref.uid !== owner.metadata.uid;
};

function hasUnexpectedController(claim: KubeObject, set: KubeObject, pod: KubeObject): boolean {
  const policy = retentionPolicy(set);
  if (policy.whenScaled === 'Retain' && policy.whenDeleted === 'Retain') return false;
  for (const ref of refsOf(claim)) {
    if (refMatches(ref, set, 'apps/v1', 'StatefulSet')) {
      if (ref.uid !== set.metadata.uid) return true;
      continue;
    }
    if (refMatches(ref, pod, 'v1', 'Pod')) {
      if (ref.uid !== pod.metadata.uid) return true;
      continue;
    }
    if (ref.controller === true) return true;
  }
  return false;
}

function isClaimOwnerUpToDate(claim: KubeObject, set: KubeObject, pod: KubeObject): boolean {
  if (hasStaleOwnerRef(claim, set, 'apps/v1', 'StatefulSet') || hasStaleOwnerRef(claim, pod, 'v1', 'Pod')) return true;
  if (hasUnexpectedController(claim, set, pod)) return !(hasOwnerRef(claim, set) || hasOwnerRef(claim, pod));
  const nonController = refsOf(claim).some((r) => (r.uid === set.metadata.uid || r.uid === pod.metadata.uid) && r.controller !== true);
  if (nonController) return false;
  const { whenDeleted, whenScaled } = retentionPolicy(set);
  const scaledDown = !inOrdinalRange(pod, set);
  if (whenScaled === 'Delete' && whenDeleted === 'Delete') return scaledDown !== hasOwnerRef(claim, set) && scaledDown === hasOwnerRef(claim, pod);
  if (whenScaled === 'Delete') return !hasOwnerRef(claim, set) && scaledDown === hasOwnerRef(claim, pod);
  if (whenDeleted === 'Delete') return hasOwnerRef(claim, set) && !hasOwnerRef(claim, pod);
  return !hasOwnerRef(claim, set) && !hasOwnerRef(claim, pod);
}

/** The claim's ownerReferences as the retention policy wants them (updateClaimOwnerRefForSetAndPod). */
function ownerRefsForPolicy(claim: KubeObject, set: KubeObject, pod: KubeObject): OwnerReference[] {
  const unexpected = hasUnexpectedController(claim, set, pod);
  const refs = refsOf(claim).filter((r) => !refMatches(r, set, 'apps/v1', 'StatefulSet') && !refMatches(r, pod, 'v1', 'Pod'));
  if (unexpected) return refs;
  const { whenDeleted, whenScaled } = retentionPolicy(set);
  const scaledDown = !inOrdinalRange(pod, set);
  if (whenScaled === 'Delete' && scaledDown) refs.push(controllerRef(pod, 'v1', 'Pod'));
  if (whenDeleted === 'Delete' && (whenScaled !== 'Delete' || !scaledDown)) refs.push(controllerRef(set, 'apps/v1', 'StatefulSet'));
  return refs;
}

interface Outcome {
  status: Json;
  failure?: unknown;
}

interface Revisions {
  current: StoredObject;
  update: StoredObject;
  collisionCount: number;
  all: StoredObject[];
}

export const statefulSetController: ControllerDescriptor = {
  name: 'statefulset-controller',
  aliases: ['statefulset'],
  create(env) {
    const { store, clock } = env.services;
    const client: ControllerClient = env.client(controllerManagerIdentity('statefulset-controller'));
    const recorder = new EventRecorder(client, { component: 'statefulset-controller' }, clock);
    const orphanPods = new OrphanIndex(
      () => store.list('pods'),
      (key) => store.get('pods', key),
    );

    const setsSelecting = (pod: StoredObject): string[] =>
      client
        .list(statefulSets, pod.namespace)
        .filter((set) => {
          const selector = specOf(set.object).selector;
          return selector && labelSelectorFromObject(selector)(pod.object.metadata.labels);
        })
        .map((set) => set.key);

    const podEvent = (set: KubeObject, pod: KubeObject, verb: string, err?: unknown) => {
      const title = verb[0].toUpperCase() + verb.slice(1);
      if (err === undefined) recorder.event(referenceTo(set), 'Normal', `Successful${title}`, `${verb} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
      else recorder.event(referenceTo(set), 'Warning', `Failed${title}`, `${verb} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(err as Error).message}`);
    };

    /** Creates the pod's missing claims (createPersistentVolumeClaims); throws what failed. */
    const createClaims = (set: KubeObject, pod: KubeObject): void => {
      const failures: string[] = [];
      for (const { claim } of claimsFor(set, ordinalOf(pod))) {
        const existing = client.get(claims, claim.metadata.namespace!, claim.metadata.name!);
        if (existing) {
          if (existing.object.metadata.deletionTimestamp) failures.push(`pvc ${claim.metadata.name} is being deleted`);
          continue;
        }
        try {
          client.create(claims, claim.metadata.namespace!, claim);
          recorder.event(referenceTo(set), 'Normal', 'SuccessfulCreate', `create Claim ${claim.metadata.name} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} success`);
        } catch (err) {
          if (!(err instanceof StatusError)) throw err;
          failures.push(`failed to create PVC ${claim.metadata.name}: ${err.message}`);
          if (err.code !== 409) recorder.event(referenceTo(set), 'Warning', 'FailedCreate', `create Claim ${claim.metadata.name} for Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${err.message}`);
        }
      }
      if (failures.length) throw new Error(failures.length === 1 ? failures[0] : `[${failures.join(', ')}]`);
    };

    /** Sets the ownerReferences of the pod's claims as the retention policy wants (UpdatePodClaimForRetentionPolicy). */
    const updateClaimsForPolicy = (set: KubeObject, pod: KubeObject): void => {
      for (const template of (specOf(set).volumeClaimTemplates ?? []) as Json[]) {
        const name = claimName(set, template, ordinalOf(pod));
        const stored = client.get(claims, set.metadata.namespace!, name);
        if (!stored) continue;
        if (hasUnexpectedController(stored.object, set, pod)) {
          recorder.event(referenceTo(set), 'Warning', 'ConflictingController', `PersistentVolumeClaim ${name} has a conflicting OwnerReference that acts as a manging controller, the retention policy is ignored for this claim`);
        }
        if (isClaimOwnerUpToDate(stored.object, set, pod)) continue;
        client.update(stored, (c) => {
          const refs = ownerRefsForPolicy(c, set, pod);
          if (refs.length) c.metadata.ownerReferences = refs as unknown as Json[];
          else delete c.metadata.ownerReferences;
        });
      }
    };

    const claimsMatchPolicy = (set: KubeObject, pod: KubeObject): boolean =>
      ((specOf(set).volumeClaimTemplates ?? []) as Json[]).every((template) => {
        const stored = client.get(claims, set.metadata.namespace!, claimName(set, template, ordinalOf(pod)));
        return !stored || isClaimOwnerUpToDate(stored.object, set, pod);
      });

    /** A claim of a scaled-down pod's earlier life still owned by that pod: wait for the collector (PodClaimIsStale). */
    const claimIsStale = (set: KubeObject, pod: KubeObject): boolean => {
      if (retentionPolicy(set).whenScaled === 'Retain') return false;
      return claimsFor(set, ordinalOf(pod)).some(({ claim }) => {
        const stored = client.get(claims, claim.metadata.namespace!, claim.metadata.name!);
        return !!stored && hasStaleOwnerRef(stored.object, pod, 'v1', 'Pod');
      });
    };

    const createPod = (set: KubeObject, pod: KubeObject): void => {
      try {
        createClaims(set, pod);
      } catch (err) {
        podEvent(set, pod, 'create', err);
        throw err;
      }
      try {
        const created = client.create('pods', set.metadata.namespace!, pod).object;
        updateClaimsForPolicy(set, created);
        podEvent(set, pod, 'create');
      } catch (err) {
        if (!(err instanceof StatusError && err.status.reason === 'AlreadyExists')) podEvent(set, pod, 'create', err);
        throw err;
      }
    };

    const deletePod = (set: KubeObject, pod: KubeObject): void => {
      try {
        client.delete('pods', pod.metadata.namespace!, pod.metadata.name!);
        podEvent(set, pod, 'delete');
      } catch (err) {
        podEvent(set, pod, 'delete', err);
        throw err;
      }
    };

    /** Restores a pod's identity, storage and claim ownership (UpdateStatefulPod). */
    const updatePod = (set: KubeObject, pod: StoredObject): void => {
      const copy: KubeObject = JSON.parse(pod.json);
      let consistent = true;
      try {
        if (!identityMatches(set, copy)) {
          updateIdentity(set, copy);
          consistent = false;
        }
        if (!storageMatches(set, copy)) {
          updateStorage(set, copy);
          consistent = false;
          createClaims(set, copy);
        }
        if (!claimsMatchPolicy(set, copy)) {
          updateClaimsForPolicy(set, copy);
          consistent = false;
        }
        if (consistent) return;
        client.update(pod, (p) => {
          p.metadata = copy.metadata;
          p.spec = copy.spec;
        });
        podEvent(set, copy, 'update');
      } catch (err) {
        podEvent(set, copy, 'update', err);
        throw err;
      }
    };

    /** The current and update revisions, creating or renumbering the update one (getStatefulSetRevisions). */
    const revisionsOf = (owner: StoredObject, all: StoredObject[]): Revisions => {
      const set = owner.object;
      sortRevisions(all);
      let collisionCount = statusOf(set).collisionCount ?? 0;
      const data = templatePatch(set);
      const next = all.length ? revisionNumber(all[all.length - 1]) + 1 : 1;
      const equal = all.filter((r) => revisionData(r) === data);
      let update: StoredObject;
      if (equal.length && equal[equal.length - 1] === all[all.length - 1]) {
        update = all[all.length - 1];
      } else if (equal.length) {
        const found = equal[equal.length - 1];
        client.update(found, (r) => (r.revision = next));
        update = client.get(controllerRevisions, found.namespace, found.name) ?? found;
      } else {
        const labels = { ...(specOf(set).template?.metadata?.labels ?? {}) };
        const annotations = set.metadata.annotations;
        for (;;) {
          const hash = controllerRevisionHash(data, collisionCount);
          const name = `${(set.metadata.name ?? '').slice(0, 223)}-${hash}`;
          const revision = newRevision(set, controllerRef(set, 'apps/v1', 'StatefulSet'), { ...labels, [revisionHashLabel]: hash }, data, next, annotations);
          revision.metadata.name = name;
          const existing = client.get(controllerRevisions, owner.namespace, name);
          if (existing) {
            if (revisionData(existing) === data) {
              update = existing;
              break;
            }
            collisionCount++;
            continue;
          }
          client.create(controllerRevisions, owner.namespace, revision);
          update = client.get(controllerRevisions, owner.namespace, name)!;
          break;
        }
      }
      const current = all.find((r) => r.name === statusOf(set).currentRevision) ?? update;
      return { current, update, collisionCount, all };
    };

    /** Creates, fixes and deletes pods toward the target state; returns the status to report and what failed (updateStatefulSet). */
    const updateStatefulSet = (owner: StoredObject, pods: StoredObject[], revisions: Revisions): Outcome => {
      const set = owner.object;
      const now = clock.now();
      const minReadySeconds = specOf(set).minReadySeconds ?? 0;
      const currentSet = withRevisionTemplate(set, revisions.current);
      const updateSet = withRevisionTemplate(set, revisions.update);
      const currentName = revisions.current.name;
      const updateName = revisions.update.name;
      const status: Json = {
        observedGeneration: set.metadata.generation ?? 0,
        replicas: 0,
        readyReplicas: 0,
        currentReplicas: 0,
        updatedReplicas: 0,
        currentRevision: currentName,
        updateRevision: updateName,
        collisionCount: revisions.collisionCount,
        availableReplicas: 0,
      };
      const count = (lists: KubeObject[][]) => {
        Object.assign(status, { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 });
        for (const pod of lists.flat()) {
          if (isCreated(pod)) status.replicas++;
          if (isRunningAndReady(pod)) {
            status.readyReplicas++;
            if (isPodAvailable(pod, minReadySeconds, now)) status.availableReplicas++;
          }
          if (isCreated(pod) && !isTerminating(pod)) {
            if (podRevision(pod) === currentName) status.currentReplicas++;
            if (podRevision(pod) === updateName) status.updatedReplicas++;
          }
        }
      };
      count([pods.map((p) => p.object)]);

      const start = startOrdinal(set);
      const replicaCount = replicasOf(set);
      const replicas: Array<StoredObject | KubeObject> = new Array(replicaCount);
      const condemned: StoredObject[] = [];
      for (const pod of pods) {
        const ordinal = ordinalOf(pod.object);
        if (inOrdinalRange(pod.object, set)) replicas[ordinal - start] = pod;
        else if (ordinal >= 0) condemned.push(pod);
      }
      const ref = controllerRef(set, 'apps/v1', 'StatefulSet');
      // Missing pods start at the current revision below the partition, at the update revision above.
      const strategy = specOf(currentSet).updateStrategy ?? {};
      for (let ordinal = start; ordinal < start + replicaCount; ordinal++) {
        if (replicas[ordinal - start]) continue;
        const atCurrent = strategy.rollingUpdate
          ? ordinal < start + (strategy.rollingUpdate.partition ?? 0)
          : strategy.type === 'RollingUpdate' && ordinal < start + (statusOf(set).currentReplicas ?? 0);
        replicas[ordinal - start] = atCurrent ? newPod(currentSet, ordinal, currentName, ref) : newPod(updateSet, ordinal, updateName, ref);
      }
      condemned.sort((a, b) => ordinalOf(b.object) - ordinalOf(a.object));
      const stored = (p: StoredObject | KubeObject): p is StoredObject => 'json' in p;
      const objectOf = (p: StoredObject | KubeObject): KubeObject => (stored(p) ? p.object : p);
      let firstUnhealthy: StoredObject | KubeObject | undefined = replicas.find((p) => !isHealthy(objectOf(p)));
      if (!firstUnhealthy) firstUnhealthy = [...condemned].reverse().find((p) => !isHealthy(p.object));
      const recount = () => count([replicas.map(objectOf), condemned.map((p) => p.object)]);

      if (set.metadata.deletionTimestamp) return { status };
      const monotonic = specOf(set).podManagementPolicy !== 'Parallel';

      /** processReplica: true when this sync can go no further. */
      const processReplica = (index: number): boolean => {
        const entry = replicas[index];
        const pod = objectOf(entry);
        const phase = podPhase(pod);
        if (phase === 'Failed' || phase === 'Succeeded') {
          if (!pod.metadata.deletionTimestamp) deletePod(set, pod);
          return true;
        }
        if (!isCreated(pod)) {
          if (claimIsStale(set, pod)) return true;
          createPod(set, pod);
          if (monotonic) return true;
        }
        if (phase === 'Pending') {
          createClaims(set, pod);
          updateClaimsForPolicy(set, pod);
        }
        if (isTerminating(pod) && monotonic) return true;
        if (!isRunningAndReady(pod) && monotonic) return true;
        if (!isPodAvailable(pod, minReadySeconds, now) && monotonic) return true;
        if (!stored(entry)) return false;
        const retentionMatch = claimsMatchPolicy(updateSet, pod);
        if (identityMatches(set, pod) && storageMatches(set, pod) && retentionMatch) return false;
        updatePod(updateSet, entry);
        return false;
      };
      /** Runs fn over items: in order stopping at the first that blocks (monotonic), or all of them in slow-start batches. */
      const runForAll = (length: number, fn: (i: number) => boolean): boolean => {
        if (monotonic) {
          for (let i = 0; i < length; i++) if (fn(i)) return true;
          return false;
        }
        let failure: unknown;
        for (let batch = Math.min(1, length), done = 0; batch > 0; done += batch, batch = Math.min(2 * batch, length - done)) {
          for (let i = done; i < done + batch; i++) {
            try {
              fn(i);
            } catch (err) {
              failure ??= err;
            }
          }
          if (failure !== undefined) throw failure;
        }
        return false;
      };
      /** A step that blocked or failed ends the sync with the status counted again. */
      const blocked = (run: () => boolean): Outcome | undefined => {
        try {
          if (!run()) return undefined;
        } catch (failure) {
          recount();
          return { status, failure };
        }
        recount();
        return { status };
      };

      const afterReplicas = blocked(() => runForAll(replicas.length, processReplica));
      if (afterReplicas) return afterReplicas;
      const fixClaim = (i: number) => {
        if (!claimsMatchPolicy(updateSet, condemned[i].object)) updateClaimsForPolicy(updateSet, condemned[i].object);
        return false;
      };
      const afterClaims = blocked(() => runForAll(condemned.length, fixClaim));
      if (afterClaims) return afterClaims;
      const processCondemned = (i: number): boolean => {
        const pod = condemned[i].object;
        if (isTerminating(pod)) return monotonic;
        if (!isRunningAndReady(pod) && monotonic && condemned[i] !== firstUnhealthy) return true;
        if (!isPodAvailable(pod, minReadySeconds, now) && monotonic && condemned[i] !== firstUnhealthy) return true;
        deletePod(set, pod);
        return true;
      };
      const afterCondemned = blocked(() => runForAll(condemned.length, processCondemned));
      if (afterCondemned) return afterCondemned;
      recount();

      if (specOf(set).updateStrategy?.type === 'OnDelete') return { status };
      const updateMin = specOf(set).updateStrategy?.rollingUpdate?.partition ?? 0;
      for (let target = replicas.length - 1; target >= updateMin; target--) {
        const pod = objectOf(replicas[target]);
        if (podRevision(pod) !== updateName && !isTerminating(pod)) {
          try {
            deletePod(set, pod);
          } catch (failure) {
            if (!(failure instanceof StatusError && failure.code === 404)) return { status, failure };
          }
          status.currentReplicas--;
          return { status };
        }
        if (!isHealthy(pod)) return { status };
      }
      return { status };
    };

    /** Writes the status when it differs from what is stored (updateStatefulSetStatus). */
    const writeStatus = (owner: StoredObject, status: Json): void => {
      const set = owner.object;
      const replicas = replicasOf(set);
      if (specOf(set).updateStrategy?.type === 'RollingUpdate' && status.updatedReplicas === replicas && status.readyReplicas === replicas && status.replicas === replicas) {
        status.currentReplicas = status.updatedReplicas;
        status.currentRevision = status.updateRevision;
      }
      const stored = statusOf(set);
      const fields = ['replicas', 'currentReplicas', 'readyReplicas', 'updatedReplicas', 'availableReplicas'];
      const inconsistent =
        status.observedGeneration > (stored.observedGeneration ?? 0) ||
        fields.some((f) => status[f] !== (stored[f] ?? 0)) ||
        status.currentRevision !== (stored.currentRevision ?? '') ||
        status.updateRevision !== (stored.updateRevision ?? '');
      if (!inconsistent) return;
      const current = client.get(statefulSets, owner.namespace, owner.name);
      if (current) client.updateStatus(current, (s) => (s.status = status));
    };

    /** Deletes revisions beyond revisionHistoryLimit that no pod and neither status revision uses (truncateHistory). */
    const truncateHistory = (set: KubeObject, pods: StoredObject[], revisions: Revisions): void => {
      const live = new Set([revisions.current.name, revisions.update.name, ...pods.map((p) => podRevision(p.object))]);
      const history = revisions.all.filter((r) => !live.has(r.name));
      const limit = specOf(set).revisionHistoryLimit ?? 10;
      if (limit < 0 || history.length <= limit) return;
      for (const revision of history.slice(0, history.length - limit)) client.delete(controllerRevisions, revision.namespace, revision.name);
    };

    return {
      for: statefulSets,
      watches: [
        {
          resource: 'pods',
          map: (event) => {
            orphanPods.observe(event);
            return controllerKeysFor(event, 'apps/v1', 'StatefulSet', setsSelecting);
          },
        },
      ],
      reconcile(key) {
        const [namespace, name] = key.split('/');
        const owner = client.get(statefulSets, namespace, name);
        if (!owner) return undefined;
        const set = owner.object;
        const selectorSpec = specOf(set).selector;
        if (!selectorSpec) return undefined;
        const selector = labelSelectorFromObject(selectorSpec);
        const ref = controllerRef(set, 'apps/v1', 'StatefulSet');
        const revisions = adoptOrphanRevisions(client, listRevisions(client, owner, selector), ref);
        const pods = claim(candidates(env.owners, store, 'pods', set.metadata.uid!, orphanPods, namespace), {
          client,
          owner,
          ref,
          matches: (pod) => selector(pod.metadata.labels) && parentAndOrdinal(pod.metadata.name ?? '').parent === set.metadata.name,
        });
        const found = revisionsOf(owner, revisions);
        const { status, failure } = updateStatefulSet(owner, pods, found);
        writeStatus(owner, status);
        truncateHistory(set, pods, found);
        if (failure !== undefined) throw failure;
        const minReadySeconds = specOf(set).minReadySeconds ?? 0;
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
