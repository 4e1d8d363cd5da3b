// The disruption controller (pkg/controller/disruption): each PodDisruptionBudget's status from the
// pods it selects (healthy, desired, expected from their controllers' scale, disruptions allowed,
// the DisruptionAllowed condition), the evictions the eviction subresource recorded in
// disruptedPods until the pod goes or two minutes of the clock pass, and the reset of a stale
// DisruptionTarget condition on a pod an eviction did not end.

import { labelSelectorFromObject } from '../selectors/labels.js';
import type { StoreEvent, StoredObject } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import { setDisruptionAllowed } from '../registry/resources/policy.js';
import type { ResourceDefinition } from '../registry/types.js';
import { timestamp } from '../clock.js';
import { controllerManagerIdentity, type ControllerDescriptor } from './controller.js';
import { EventRecorder, referenceTo } from './events.js';
import { controllerOf } from './owner-index.js';
import { isPodReady, podCondition, podPhase } from './pods.js';

type Json = Record<string, any>;

const pdbs = 'policy/poddisruptionbudgets';
const deletionTimeoutMs = 2 * 60_000;
const stalePodDisruptionTimeoutMs = 2 * 60_000;
const stalePodKeyPrefix = 'pod:';

const specOf = (o: KubeObject): Json => (o.spec ?? {}) as Json;
const statusOf = (o: KubeObject): Json => (o.status ?? {}) as Json;
const isSet = <T>(v: T | null | undefined): v is T => v !== undefined && v !== null;

/** The gogo String() of a *metav1.LabelSelector, as the UnmanagedPods event prints it. */
function goLabelSelector(selector: Json): string {
  const labels = Object.keys(selector.matchLabels ?? {})
    .sort()
    .map((k) => `${k}: ${selector.matchLabels[k]},`)
    .join('');
  const expressions = ((selector.matchExpressions ?? []) as Json[]).map((r) => `LabelSelectorRequirement{Key:${r.key},Operator:${r.operator},Values:[${(r.values ?? []).join(' ')}],},`).join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${expressions}},}`;
}

/** intstr.GetScaledValueFromIntOrPercent rounding up. */
function scaled(value: number | string, total: number): number {
  if (typeof value === 'number') return value;
  return Math.ceil((Number(value.slice(0, -1)) * total) / 100);
}

const groupOf = (apiVersion: string | undefined) => (apiVersion?.includes('/') ? apiVersion.split('/')[0] : '');
const storeResource = (def: ResourceDefinition) => (def.group ? `${def.group}/${def.plural}` : def.plural);

export const disruptionController: ControllerDescriptor = {
  name: 'disruption-controller',
  aliases: ['disruption'],
  create(env) {
    const { store, clock, registry } = env.services;
    const client = env.client(controllerManagerIdentity('disruption-controller'));
    const recorder = new EventRecorder(client, { component: 'controllermanager' }, clock);
    const now = () => clock.now().getTime();

    const selects = (pdb: StoredObject, pod: StoredObject) => {
      const selector = specOf(pdb.object).selector;
      return isSet(selector) && labelSelectorFromObject(selector)(pod.object.metadata.labels ?? {});
    };
    const podsOf = (pdb: StoredObject) => client.list('pods', pdb.namespace).filter((pod) => selects(pdb, pod));

    /** The disruption budget a pod event concerns (getPdbForPod: the first of several, with a warning). */
    const budgetFor = (pod: StoredObject): string | undefined => {
      const matching = client.list(pdbs, pod.namespace).filter((pdb) => selects(pdb, pod));
      if (matching.length === 0) return undefined;
      if (matching.length > 1) {
        recorder.event(referenceTo(pod), 'Warning', 'MultiplePodDisruptionBudgets', `Pod "${pod.namespace}"/"${pod.name}" matches multiple PodDisruptionBudgets.  Chose "${matching[0].name}" arbitrarily.`);
      }
      return matching[0].key;
    };

    /** Whether a live pod carries a DisruptionTarget condition no eviction finished, and how long until it is stale. */
    const staleDisruption = (pod: KubeObject): number | undefined => {
      if (pod.metadata.deletionTimestamp) return undefined;
      const condition = podCondition(pod, 'DisruptionTarget');
      if (!condition || condition.status !== 'True' || condition.reason === 'TerminationByKubelet') return undefined;
      if (['Succeeded', 'Failed'].includes(podPhase(pod))) return undefined;
      return Math.max(0, stalePodDisruptionTimeoutMs - (now() - Date.parse(condition.lastTransitionTime ?? '')));
    };

    const onPod = (event: StoreEvent): string[] => {
      const keys: string[] = [];
      const key = budgetFor(event.object);
      if (key) keys.push(key);
      if (event.type !== 'DELETED') {
        const wait = staleDisruption(event.object.object);
        if (wait !== undefined) env.queue.enqueueAfter(stalePodKeyPrefix + event.object.key, wait);
      }
      return keys;
    };

    /** The pods' controllers' replicas (getExpectedScale); pods without a controller are listed. */
    const expectedScale = (pods: StoredObject[]): { expected: number; unmanaged: string[] } => {
      const scales = new Map<string, number>();
      const unmanaged: string[] = [];
      for (const pod of pods) {
        const ref = controllerOf(pod);
        if (!ref) {
          unmanaged.push(pod.name);
          continue;
        }
        if (scales.has(ref.uid)) continue;
        const found = findController(ref, pod.namespace);
        if (!found) throw new Error(`found no controllers for pod "${pod.name}"`);
        scales.set(found.uid, found.replicas);
      }
      let expected = 0;
      for (const replicas of scales.values()) expected += replicas;
      return { expected, unmanaged };
    };

    const get = (resource: string, namespace: string, name: string, uid: string) => {
      const found = client.get(resource, namespace, name);
      return found && found.object.metadata.uid === uid ? found : undefined;
    };
    const replicasOf = (o: StoredObject) => specOf(o.object).replicas ?? 1;

    /** The finders in their order: ReplicationController, Deployment (through its ReplicaSet), ReplicaSet, StatefulSet, any kind with a scale subresource. */
    const findController = (ref: { apiVersion: string; kind: string; name: string; uid: string }, namespace: string): { uid: string; replicas: number } | undefined => {
      const group = groupOf(ref.apiVersion);
      const apps = group === 'apps' || group === 'extensions';
      if (ref.kind === 'ReplicationController' && group === '') {
        const rc = get('replicationcontrollers', namespace, ref.name, ref.uid);
        if (rc) return { uid: ref.uid, replicas: replicasOf(rc) };
      }
      if (ref.kind === 'ReplicaSet' && apps) {
        const rs = get('apps/replicasets', namespace, ref.name, ref.uid);
        const owner = rs && controllerOf(rs);
        if (rs && owner) {
          const deployment = owner.kind === 'Deployment' && ['apps', 'extensions'].includes(groupOf(owner.apiVersion)) ? get('apps/deployments', namespace, owner.name, owner.uid) : undefined;
          if (deployment) return { uid: owner.uid, replicas: replicasOf(deployment) };
        }
        if (rs && owner?.kind !== 'Deployment') return { uid: ref.uid, replicas: replicasOf(rs) };
      }
      if (ref.kind === 'StatefulSet' && group === 'apps') {
        const sts = get('apps/statefulsets', namespace, ref.name, ref.uid);
        if (sts) return { uid: ref.uid, replicas: replicasOf(sts) };
      }
      const version = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[1] : ref.apiVersion;
      const def = registry.all().find((d) => d.group === group && d.version === version && d.kind === ref.kind);
      if (!def) throw new Error(`no matches for kind "${ref.kind}" in version "${ref.apiVersion}"`);
      if (!def.subresources.some((s) => s.name === 'scale')) throw new Error(`${def.group ? `${def.plural}.${def.group}` : def.plural} does not implement the scale subresource`);
      const owner = client.get(storeResource(def), def.namespaced ? namespace : '', ref.name);
      if (!owner || owner.object.metadata.uid !== ref.uid) return undefined;
      const path = (def.strategy.scalePaths?.specReplicas ?? 'spec.replicas').split('.');
      let replicas: any = owner.object;
      for (const part of path) replicas = replicas?.[part];
      return { uid: ref.uid, replicas: typeof replicas === 'number' ? replicas : 0 };
    };

    const writeStatus = (stored: StoredObject, status: Json) => client.updateStatus(stored, (p) => (p.status = status));

    /** failSafe: no disruptions while the status cannot be worked out. */
    const failSafe = (stored: StoredObject, err: unknown) => {
      const status: Json = structuredClone(statusOf(stored.object));
      status.disruptionsAllowed = 0;
      const conditions: Json[] = status.conditions ?? [];
      const existing = conditions.find((c) => c.type === 'DisruptionAllowed');
      const message = (err as Error).message;
      const next = {
        type: 'DisruptionAllowed',
        status: 'False',
        observedGeneration: status.observedGeneration ?? 0,
        lastTransitionTime: existing && existing.status === 'False' ? existing.lastTransitionTime : timestamp(clock.now()),
        reason: 'SyncFailed',
        message,
      };
      status.conditions = existing ? conditions.map((c) => (c === existing ? next : c)) : [...conditions, next];
      writeStatus(stored, status);
    };

    const syncBudget = (key: string): { requeueAfterMs?: number } | undefined => {
      const [namespace, name] = key.split('/');
      const stored = client.get(pdbs, namespace, name);
      if (!stored) return undefined;
      const pdb = stored.object;
      const spec = specOf(pdb);
      const reference = referenceTo(stored);
      const pods = podsOf(stored);
      if (pods.length === 0) recorder.event(reference, 'Normal', 'NoPods', 'No matching pods found');
      let expected = 0;
      let desired = 0;
      try {
        if (isSet(spec.maxUnavailable)) {
          const scale = expectedScale(pods);
          expected = scale.expected;
          desired = Math.max(0, expected - scaled(spec.maxUnavailable, expected));
          if (scale.unmanaged.length) unmanagedWarning(reference, spec.selector);
        } else if (isSet(spec.minAvailable)) {
          if (typeof spec.minAvailable === 'number') {
            desired = spec.minAvailable;
            expected = pods.length;
          } else {
            const scale = expectedScale(pods);
            expected = scale.expected;
            desired = scaled(spec.minAvailable, expected);
            if (scale.unmanaged.length) unmanagedWarning(reference, spec.selector);
          }
        }
      } catch (err) {
        recorder.event(reference, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${(err as Error).message}`);
        failSafe(stored, err);
        return undefined;
      }
      const at = now();
      // buildDisruptedPodMap: evictions still expected to end in a deletion.
      const recorded: Json = statusOf(pdb).disruptedPods ?? {};
      const disrupted: Json = {};
      let recheck: number | undefined;
      for (const pod of pods) {
        if (pod.object.metadata.deletionTimestamp || !(pod.name in recorded)) continue;
        const expectedDeletion = Date.parse(recorded[pod.name]) + deletionTimeoutMs;
        if (expectedDeletion < at) {
          recorder.event(referenceTo(pod), 'Warning', 'NotDeleted', `Pod was expected by PDB ${pdb.metadata.namespace}/${pdb.metadata.namespace} to be deleted but it wasn't`);
        } else {
          recheck = Math.min(recheck ?? expectedDeletion, expectedDeletion);
          disrupted[pod.name] = recorded[pod.name];
        }
      }
      let healthy = 0;
      for (const pod of pods) {
        if (pod.object.metadata.deletionTimestamp) continue;
        if (pod.name in disrupted && Date.parse(disrupted[pod.name]) + deletionTimeoutMs > at) continue;
        if (isPodReady(pod.object)) healthy++;
      }
      const allowed = expected <= 0 || healthy - desired <= 0 ? 0 : healthy - desired;
      const current = statusOf(pdb);
      const condition = ((current.conditions ?? []) as Json[]).find((c) => c.type === 'DisruptionAllowed');
      const conditionUpToDate =
        !!condition && current.observedGeneration === pdb.metadata.generation && (allowed > 0 ? condition.status === 'True' && condition.reason === 'SufficientPods' : condition.status === 'False' && condition.reason === 'InsufficientPods');
      const same =
        (current.currentHealthy ?? 0) === healthy &&
        (current.desiredHealthy ?? 0) === desired &&
        (current.expectedPods ?? 0) === expected &&
        (current.disruptionsAllowed ?? 0) === allowed &&
        JSON.stringify(current.disruptedPods ?? {}) === JSON.stringify(disrupted) &&
        (current.observedGeneration ?? 0) === (pdb.metadata.generation ?? 0) &&
        conditionUpToDate;
      if (!same) {
        const status: Json = { observedGeneration: pdb.metadata.generation ?? 0 };
        if (Object.keys(disrupted).length) status.disruptedPods = disrupted;
        Object.assign(status, { disruptionsAllowed: allowed, currentHealthy: healthy, desiredHealthy: desired, expectedPods: expected, conditions: current.conditions ?? [] });
        setDisruptionAllowed(status, clock.now());
        writeStatus(stored, status);
      }
      return recheck === undefined ? undefined : { requeueAfterMs: Math.max(0, recheck - at) };
    };

    const unmanagedWarning = (reference: ReturnType<typeof referenceTo>, selector: Json) =>
      recorder.event(
        reference,
        'Warning',
        'UnmanagedPods',
        `Pods selected by this PodDisruptionBudget (selector: ${goLabelSelector(selector ?? {})}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
      );

    /** syncStalePodDisruption: DisruptionTarget goes False on a pod still running two minutes after an eviction marked it. */
    const syncStalePod = (key: string): { requeueAfterMs?: number } | undefined => {
      const pod = store.get('pods', key);
      if (!pod) return undefined;
      const wait = staleDisruption(pod.object);
      if (wait === undefined) return undefined;
      if (wait > 0) return { requeueAfterMs: wait };
      // podutil.UpdatePodCondition puts the new condition in place of the old one, reason and all.
      client.updateStatus(pod, (p) => {
        const status = p.status as Json;
        const reset = { type: 'DisruptionTarget', status: 'False', lastProbeTime: null, lastTransitionTime: timestamp(clock.now()) };
        status.conditions = (status.conditions as Json[]).map((c) => (c.type === 'DisruptionTarget' ? reset : c));
      });
      return undefined;
    };

    return {
      for: pdbs,
      watches: [{ resource: 'pods', map: onPod }],
      initialKeys: () =>
        store
          .list('pods')
          .filter((pod) => staleDisruption(pod.object) !== undefined)
          .map((pod) => stalePodKeyPrefix + pod.key),
      reconcile(key) {
        if (key.startsWith(stalePodKeyPrefix)) return syncStalePod(key.slice(stalePodKeyPrefix.length));
        return syncBudget(key);
      },
    };
  },
};
