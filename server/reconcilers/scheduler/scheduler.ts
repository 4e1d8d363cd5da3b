// kube-scheduler's default profile: binds pending pods of `default-scheduler` to the best feasible
// node through pods/binding as system:kube-scheduler, and when none fits writes PodScheduled=False
// (Unschedulable) with kube-scheduler's message and records FailedScheduling. The pod then waits as
// kube-scheduler's queue has it wait: until a change that a plugin which rejected it says may let it
// fit (hints.ts), then out of its backoff (1 s doubling to 10 s, let out by a once-a-second flush),
// or at the latest until a leftover flush finds it waiting over 5 minutes. A pod that fits nowhere
// may preempt pods of lower priority (preemption.ts); it is then nominated to the node they leave.
// A pod deleted while it waits is not scheduled: trying it records "skip schedule deleting pod".

import { hostname } from 'node:os';
import { timestamp } from '../../clock.js';
import { jsonEqual } from '../../json.js';
import type { StoredObject, StoreEvent } from '../../store/memory-store.js';
import { schedulerIdentity, type ControllerDescriptor } from '../controller.js';
import { referenceTo, SeriesRecorder } from '../events.js';
import { podInfo, SchedulerCache, type NodeInfo, type PodInfo } from './cache.js';
import { ownUpdate, sameLabels, worthRequeuing, type ClusterEvent, type WaitingPod } from './hints.js';
import { Nominator } from './nominator.js';
import { histogram, scoreNodes, type FilterPlugin, type Incoming, type Rejection } from './plugins.js';
import { Preemption } from './preemption.js';
import { checkPodVolumes, findPodVolumes, podHasClaims, preFilterRestrictions, preFilterVolumes, preFilterZones, volumeZoneLabels, writePodVolumes, type PodVolumes, type VolumeLookup } from './volumes.js';

type Json = Record<string, any>;

const schedulerName = 'default-scheduler';
/** podInitialBackoffSeconds and podMaxBackoffSeconds. */
const initialBackoffMs = 1000;
const maxBackoffMs = 10_000;
/** How often flushBackoffQCompleted lets pods whose backoff is over into the active queue. */
const backoffFlushPeriodMs = 1000;
/** podMaxInUnschedulablePodsDuration, and how often flushUnschedulablePodsLeftover looks for pods waiting longer. */
const unschedulableMaxMs = 5 * 60_000;
const leftoverFlushPeriodMs = 30_000;
/** How often VolumeBinding's PreBind looks whether the volume binder is done, and how long it waits (bindTimeoutSeconds). */
const volumeBindingPollMs = 1000;
const volumeBindingTimeoutMs = 600_000;

/** Whether a pod waits in this scheduler's queue (a deleted one too, until it is gone or finished). */
function pending(pod: StoredObject | undefined): boolean {
  if (!pod) return false;
  const spec = (pod.object.spec ?? {}) as Json;
  const phase = (pod.object.status as Json | undefined)?.phase;
  return (
    !spec.nodeName &&
    (spec.schedulerName ?? schedulerName) === schedulerName &&
    phase !== 'Succeeded' &&
    phase !== 'Failed' &&
    !(spec.schedulingGates?.length > 0)
  );
}

/**
 * How many feasible nodes to find before scoring: kube-scheduler's adaptive percentageOfNodesToScore
 * finds at least 100; kubemock stops at 100, starting each search where the last one ended.
 */
function feasibleNodesToFind(total: number): number {
  return Math.min(total, 100);
}

/** A pod whose last attempt failed, as the queue keeps it. */
interface Unschedulable extends WaitingPod {
  attempts: number;
  /** When the last attempt failed. */
  at: number;
  /** Whether a change (or no plugin to wait on) moved it out of the unschedulable pods, to be tried once its backoff is over. */
  moved: boolean;
  /** When it is tried next. */
  due: number;
}

/** A pod in its binding cycle: assumed on its node while VolumeBinding's PreBind waits for its volumes. */
interface BindingVolumes {
  /** The pod as it was assigned. */
  pod: StoredObject;
  node: string;
  /** The pod's scheduling attempts so far, this one included. */
  attempts: number;
  volumes: PodVolumes;
  assumed: PodInfo;
  nextPoll: number;
  deadline: number;
}

function backoffMs(attempts: number): number {
  return Math.min(initialBackoffMs * 2 ** (attempts - 1), maxBackoffMs);
}

export const scheduler: ControllerDescriptor = {
  name: 'kube-scheduler',
  aliases: ['scheduler'],
  create(env) {
    const { services } = env;
    const clock = services.clock;
    const client = env.client(schedulerIdentity);
    const recorder = new SeriesRecorder(client, schedulerName, `${schedulerName}-${hostname()}`, clock);
    const cache = new SchedulerCache();
    cache.load(services.store.list('nodes'), services.store.list('pods'));
    const nominator = new Nominator(cache);
    nominator.load(services.store.list('pods'), pending);
    const preemption = new Preemption({
      cache,
      nominator,
      client,
      recorder,
      clock,
      schedulerName,
      pod: (key) => services.store.get('pods', key),
      podDisruptionBudgets: () => services.store.list('policy/poddisruptionbudgets'),
    });
    const unschedulable = new Map<string, Unschedulable>();
    /** The changes seen while a pod is being tried, weighed once the attempt failed (kube-scheduler's in-flight events). */
    let duringAttempt: ClusterEvent[] | undefined;
    let nextStart = 0;
    // The queue's flush loops tick from when the scheduler started.
    const started = clock.now().getTime();
    const nextTick = (period: number, atOrAfter: number) => started + Math.ceil((atOrAfter - started) / period) * period;

    /** Moves a pod out of the unschedulable pods: to the active queue if its backoff is over, else to wait for it. */
    const move = (entry: Unschedulable, now: number) => {
      entry.moved = true;
      const backoffEnds = entry.at + backoffMs(entry.attempts);
      entry.due = now >= backoffEnds ? now : nextTick(backoffFlushPeriodMs, backoffEnds);
    };
    /** Which unschedulable pods the changes move, by the hints of the plugins that rejected each. */
    const requeue = (events: ClusterEvent[]): string[] => {
      if (!events.length) return [];
      duringAttempt?.push(...events);
      const now = clock.now().getTime();
      const keys: string[] = [];
      for (const [key, entry] of unschedulable) {
        if (entry.moved || !events.some((e) => worthRequeuing(entry, e))) continue;
        move(entry, now);
        keys.push(key);
      }
      return keys;
    };
    /** Follows an unschedulable pod's own update: the hints weigh its new labels and tolerations. */
    const followOwnUpdate = (entry: Unschedulable, pod: StoredObject) => {
      const spec = (pod.object.spec ?? {}) as Json;
      const labels = pod.object.metadata.labels ?? {};
      if (spec === entry.spec && sameLabels(labels, entry.info.labels)) return;
      const change = ownUpdate({ labels: entry.info.labels, tolerations: entry.spec.tolerations ?? [] }, { labels, tolerations: spec.tolerations ?? [] });
      entry.spec = spec;
      entry.info = podInfo(pod);
      if (change && !entry.moved && worthRequeuing(entry, change)) move(entry, clock.now().getTime());
    };
    const namespaceLabels = (namespace: string) => services.store.get('namespaces', namespace)?.object.metadata.labels;
    const volumeLookup: VolumeLookup = {
      claim: (namespace, name) => services.store.get('persistentvolumeclaims', `${namespace}/${name}`),
      volume: (name) => services.store.get('persistentvolumes', name),
      storageClass: (name) => services.store.get('storage.k8s.io/storageclasses', name),
      volumes: () => services.store.list('persistentvolumes'),
    };
    const bindingVolumes = new Map<string, BindingVolumes>();

    const bind = (pod: StoredObject, node: string) => {
      client.post('pods', pod.namespace, pod.name, 'binding', {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: pod.name, namespace: pod.namespace, uid: pod.object.metadata.uid },
        target: { kind: 'Node', name: node },
      });
      recorder.eventf(referenceTo(pod), undefined, 'Normal', 'Scheduled', 'Binding', `Successfully assigned ${pod.namespace}/${pod.name} to ${node}`);
      nominator.remove(pod.key);
    };

    /** Binds the pod to the node, first binding its volumes there (Reserve and PreBind) when it has any to bind. */
    const assign = (pod: StoredObject, node: NodeInfo, incoming: Incoming): void => {
      const volumes = incoming.volumes && findPodVolumes(incoming.volumes, node).volumes;
      if (!volumes || (!volumes.bindings.length && !volumes.provisions.length)) {
        bind(pod, node.name);
        return;
      }
      const assumed = { ...incoming.info, node: node.name };
      cache.assume(assumed);
      writePodVolumes(client, volumes, node.name);
      const now = clock.now().getTime();
      bindingVolumes.set(pod.key, { pod, node: node.name, attempts: 0, volumes, assumed, nextPoll: now + volumeBindingPollMs, deadline: now + volumeBindingTimeoutMs });
    };

    /** `nominate`: the node to put in status.nominatedNodeName, '' to empty it, undefined to leave it. */
    const markUnschedulable = (pod: StoredObject, message: string, nominate?: string, reason = 'Unschedulable') => {
      const status: Json = (pod.object.status as Json | undefined) ?? {};
      const current = ((status.conditions ?? []) as Json[]).find((c) => c.type === 'PodScheduled');
      const renominate = nominate !== undefined && (status.nominatedNodeName ?? '') !== nominate;
      if (renominate || !(current?.status === 'False' && current.reason === reason && current.message === message)) {
        client.updateStatus(pod, (p) => {
          const status = (p.status ??= {}) as Json;
          if (nominate) status.nominatedNodeName = nominate;
          else if (nominate === '') delete status.nominatedNodeName;
          const list: Json[] = (status.conditions ??= []);
          const existing = list.find((c) => c.type === 'PodScheduled');
          const condition = { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: existing?.status === 'False' ? existing.lastTransitionTime : timestamp(clock.now()), reason, message };
          if (existing) list[list.indexOf(existing)] = condition;
          else list.push(condition);
        });
      }
      recorder.eventf(referenceTo(pod), undefined, 'Warning', 'FailedScheduling', 'Scheduling', message);
    };

    /** No node fits: the PostFilter (preemption) may nominate one; either way the pod is marked with the filters' message. */
    const noFit = (pod: StoredObject, incoming: Incoming, filterMessage: string, rejections: ReadonlyMap<NodeInfo, Rejection>, total: number) => {
      const result = preemption.postFilter(pod, incoming, rejections, total);
      if ('nominated' in result) {
        nominator.nominate(incoming.info, result.nominated);
        markUnschedulable(pod, filterMessage, result.nominated);
      } else {
        markUnschedulable(pod, `${filterMessage} preemption: ${result.message}`, result.clearNomination ? '' : undefined);
      }
    };

    /** The pods using the ReadWriteOncePod claims of the pod being tried, for VolumeRestrictions' hint once it fails. */
    let attemptOnceClaimUsers: ReadonlySet<string> | undefined;

    /** Binds the pod (or starts binding its volumes), or says which plugins rejected it (none when there is no node at all). */
    const schedule = (pod: StoredObject): Set<FilterPlugin> | undefined => {
      attemptOnceClaimUsers = undefined;
      const spec = (pod.object.spec ?? {}) as Json;
      const incoming: Incoming = { spec, info: podInfo(pod), cache, namespaceLabels };
      const nodes = cache.nodeList();
      // VolumeBinding's PreFilter: only pods with claims have one to pass.
      if (nodes.length && podHasClaims(pod.object)) {
        const rejectEverywhere = (plugin: FilterPlugin, reason: string) => {
          noFit(pod, incoming, `0/${nodes.length} nodes are available: ${reason}.`, new Map(), nodes.length);
          return new Set([plugin]);
        };
        const onceClaimUsers = preFilterRestrictions(pod.object, volumeLookup, () => client.list('pods', pod.namespace));
        attemptOnceClaimUsers = 'reason' in onceClaimUsers ? undefined : onceClaimUsers;
        if ('reason' in onceClaimUsers) return rejectEverywhere('VolumeRestrictions', onceClaimUsers.reason);
        const volumes = preFilterVolumes(pod.object, volumeLookup);
        if ('reason' in volumes) return rejectEverywhere('VolumeBinding', volumes.reason);
        volumes.onceClaimUsers = onceClaimUsers;
        const zones = preFilterZones(volumes);
        if ('reason' in zones) return rejectEverywhere('VolumeZone', zones.reason);
        volumes.zones = zones;
        incoming.volumes = volumes;
      }
      // A pod nominated to a node goes there if it fits there now.
      const nominated = cache.nodes.get((pod.object.status as Json | undefined)?.nominatedNodeName ?? '');
      if (nominated && !nominator.runFilters(incoming, nominated)) {
        assign(pod, nominated, incoming);
        return undefined;
      }
      const wanted = feasibleNodesToFind(nodes.length);
      const feasible: NodeInfo[] = [];
      const rejections = new Map<NodeInfo, Rejection>();
      for (let i = 0; i < nodes.length && feasible.length < wanted; i++) {
        const node = nodes[(nextStart + i) % nodes.length];
        const rejection = nominator.runFilters(incoming, node);
        if (rejection) rejections.set(node, rejection);
        else feasible.push(node);
      }
      nextStart = nodes.length ? (nextStart + feasible.length + rejections.size) % nodes.length : 0;
      if (!feasible.length) {
        if (!nodes.length) {
          markUnschedulable(pod, 'no nodes available to schedule pods');
          return new Set();
        }
        noFit(pod, incoming, histogram([...rejections.values()].flatMap((r) => r.reasons), nodes.length), rejections, nodes.length);
        return new Set([...rejections.values()].map((r) => r.plugin));
      }
      const totals = scoreNodes(incoming, feasible);
      const best = Math.max(...totals);
      const top = feasible.filter((_, i) => totals[i] === best);
      assign(pod, top[Math.floor(Math.random() * top.length)], incoming);
      return undefined;
    };

    /** Queues a pod whose attempt failed: until a change the rejecting plugins' hints take, or its backoff when none rejected it. */
    const wait = (pod: StoredObject, rejectors: Set<FilterPlugin>, attempts: number, now: number, seen: ClusterEvent[]) => {
      const entry: Unschedulable = {
        spec: (pod.object.spec ?? {}) as Json,
        info: podInfo(pod),
        rejectors,
        onceClaimUsers: attemptOnceClaimUsers,
        attempts,
        at: now,
        moved: false,
        // The first leftover flush that finds it waiting longer than the maximum.
        due: nextTick(leftoverFlushPeriodMs, now + unschedulableMaxMs + 1),
      };
      if (!rejectors.size || seen.some((e) => worthRequeuing(entry, e))) move(entry, now);
      unschedulable.set(pod.key, entry);
      return { requeueAfterMs: entry.due - now };
    };

    /** VolumeBinding's PreBind, polled: the pod is bound once the volume binder has bound its claims; an error or the timeout sends it back to the queue. */
    const finishBinding = (pod: StoredObject | undefined, binding: BindingVolumes) => {
      const now = clock.now().getTime();
      const done = () => {
        bindingVolumes.delete(binding.assumed.key);
        cache.forget(binding.assumed);
      };
      if (!pending(pod)) {
        done();
        if (!pod) {
          const message = `running PreBind plugin "VolumeBinding": binding volumes: pod does not exist any more: pod "${binding.pod.name}" not found`;
          recorder.eventf(referenceTo(binding.pod), undefined, 'Warning', 'FailedScheduling', 'Scheduling', message);
        }
        return undefined;
      }
      if (now < binding.nextPoll) return { requeueAfterMs: binding.nextPoll - now };
      const node = cache.nodes.get(binding.node);
      const result = node ? checkPodVolumes(volumeLookup, binding.volumes, node) : `failed to get node "${binding.node}": node "${binding.node}" not found`;
      if (result === false && now < binding.deadline) {
        binding.nextPoll += volumeBindingPollMs;
        return { requeueAfterMs: binding.nextPoll - now };
      }
      done();
      if (result === true) {
        bind(pod!, binding.node);
        return undefined;
      }
      const message = `running PreBind plugin "VolumeBinding": binding volumes: ${result === false ? 'context deadline exceeded' : result}`;
      markUnschedulable(pod!, message, undefined, 'SchedulerError');
      return wait(pod!, new Set(), binding.attempts, now, []);
    };

    return {
      stop: () => recorder.stop(),
      watches: [
        {
          resource: 'pods',
          // Only a pod waiting to be scheduled, or one that was unschedulable, has anything to reconcile: the writes that
          // follow its binding (the kubelet's status posts) queue nothing.
          map: (event: StoreEvent) => {
            nominator.onPod(event, pending);
            const keys = requeue(cache.onPod(event));
            const key = event.object.key;
            const entry = unschedulable.get(key);
            if (entry && event.type !== 'DELETED') followOwnUpdate(entry, event.object);
            if ((event.type !== 'DELETED' && pending(event.object)) || entry) keys.push(key);
            return keys;
          },
        },
        {
          resource: 'nodes',
          map: (event: StoreEvent) => requeue(cache.onNode(event)),
        },
        // VolumeBinding's events: claims and volumes added or updated, classes added or updated.
        {
          resource: 'persistentvolumeclaims',
          map: (event: StoreEvent) =>
            event.type === 'DELETED' ? [] : requeue([{ kind: 'ClaimChange', added: event.type === 'ADDED', namespace: event.object.namespace, name: event.object.name }]),
        },
        {
          resource: 'persistentvolumes',
          map: (event: StoreEvent) => {
            if (event.type === 'DELETED') return [];
            const zones = event.type === 'ADDED' || volumeZoneLabels(event.previous?.object) !== volumeZoneLabels(event.object.object);
            return requeue([{ kind: 'VolumeChange', added: event.type === 'ADDED', zones }]);
          },
        },
        {
          resource: 'storage.k8s.io/storageclasses',
          map: (event: StoreEvent) => {
            if (event.type === 'DELETED') return [];
            const storageClass = event.object.object;
            const topologies = event.type === 'MODIFIED' && !jsonEqual(event.previous?.object.allowedTopologies, storageClass.allowedTopologies);
            return requeue([{ kind: 'StorageClassChange', added: event.type === 'ADDED', topologies, waitForFirstConsumer: storageClass.volumeBindingMode === 'WaitForFirstConsumer' }]);
          },
        },
      ],
      initialKeys: () => services.store.list('pods').filter(pending).map((pod) => pod.key),
      reconcile(key) {
        const pod = services.store.get('pods', key);
        const binding = bindingVolumes.get(key);
        if (binding) return finishBinding(pod, binding);
        if (!pending(pod)) {
          unschedulable.delete(key);
          return undefined;
        }
        const now = clock.now().getTime();
        const failed = unschedulable.get(key);
        if (failed && now < failed.due) return { requeueAfterMs: failed.due - now };
        unschedulable.delete(key);
        if (pod!.object.metadata.deletionTimestamp) {
          recorder.eventf(referenceTo(pod!), undefined, 'Warning', 'FailedScheduling', 'Scheduling', `skip schedule deleting pod: ${pod!.namespace}/${pod!.name}`);
          return undefined;
        }
        duringAttempt = [];
        let rejectors: Set<FilterPlugin> | undefined;
        let seen: ClusterEvent[];
        try {
          rejectors = schedule(pod!);
        } finally {
          seen = duringAttempt;
          duringAttempt = undefined;
        }
        const attempts = (failed?.attempts ?? 0) + 1;
        const inFlight = bindingVolumes.get(key);
        if (inFlight) {
          inFlight.attempts = attempts;
          return { requeueAfterMs: inFlight.nextPoll - now };
        }
        if (!rejectors) return undefined;
        return wait(pod!, rejectors, attempts, now, seen);
      },
    };
  },
};
