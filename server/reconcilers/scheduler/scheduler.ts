// kube-scheduler's default profile: binds pending pods of `default-scheduler` to the best feasible
// node through pods/binding as system:kube-scheduler, and when none fits writes PodScheduled=False
// (Unschedulable) with kube-scheduler's message, records FailedScheduling, and tries again when
// nodes or pods change or the pod itself does (not its status: its own PodScheduled write is no
// reason), after a 1 s doubling to 10 s backoff, or every 5 minutes. A pod that fits nowhere may
// preempt pods of lower priority (preemption.ts); it is then nominated to the node they leave.

import { hostname } from 'node:os';
import { timestamp } from '../../clock.js';
import type { StoredObject, StoreEvent } from '../../store/memory-store.js';
import { schedulerIdentity, type ControllerDescriptor } from '../controller.js';
import { referenceTo, SeriesRecorder } from '../events.js';
import { podInfo, SchedulerCache, type NodeInfo } from './cache.js';
import { Nominator } from './nominator.js';
import { histogram, scoreNodes, type Incoming, type Rejection } from './plugins.js';
import { Preemption } from './preemption.js';

type Json = Record<string, any>;

const schedulerName = 'default-scheduler';
const initialBackoffMs = 1000;
const maxBackoffMs = 10_000;
/** podMaxInUnschedulablePodsDuration: an unschedulable pod is tried again at least this often. */
const unschedulableFlushMs = 5 * 60_000;

/** Whether a pod waits for this scheduler. */
function pending(pod: StoredObject | undefined): boolean {
  if (!pod) return false;
  const spec = (pod.object.spec ?? {}) as Json;
  const phase = (pod.object.status as Json | undefined)?.phase;
  return (
    !spec.nodeName &&
    (spec.schedulerName ?? schedulerName) === schedulerName &&
    !pod.object.metadata.deletionTimestamp &&
    phase !== 'Succeeded' &&
    phase !== 'Failed' &&
    !(spec.schedulingGates?.length > 0)
  );
}

/**
 * How many feasible nodes to find before scoring: kube-scheduler's adaptive percentageOfNodesToScore
 * finds at least 100; kubemock stops at 100, starting each search where the last one ended.
 */
/**
 * The pod as kube-scheduler's isPodUpdated compares it: an update that changes nothing else than
 * these is no reason to try an unschedulable pod again.
 */
function schedulingView(pod: StoredObject): string {
  const { status: _status, ...rest } = pod.object;
  return JSON.stringify({ ...rest, metadata: { ...rest.metadata, resourceVersion: undefined, generation: undefined, managedFields: undefined, finalizers: undefined } });
}

function feasibleNodesToFind(total: number): number {
  return Math.min(total, 100);
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
    /**
     * Pods that failed to fit: their attempt count, last attempt time, how the pod looked then, and
     * whether a node or pod change since may let it fit.
     */
    const unschedulable = new Map<string, { attempts: number; at: number; view: string; moved: boolean }>();
    let nextStart = 0;

    const retryAll = () => {
      for (const entry of unschedulable.values()) entry.moved = true;
      return [...unschedulable.keys()];
    };
    const namespaceLabels = (namespace: string) => services.store.get('namespaces', namespace)?.object.metadata.labels;

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

    /** `nominate`: the node to put in status.nominatedNodeName, '' to empty it, undefined to leave it. */
    const markUnschedulable = (pod: StoredObject, message: string, nominate?: string) => {
      const status: Json = (pod.object.status as Json | undefined) ?? {};
      const current = ((status.conditions ?? []) as Json[]).find((c) => c.type === 'PodScheduled');
      const renominate = nominate !== undefined && (status.nominatedNodeName ?? '') !== nominate;
      if (renominate || !(current?.status === 'False' && current.reason === 'Unschedulable' && current.message === message)) {
        client.updateStatus(pod, (p) => {
          const status = (p.status ??= {}) as Json;
          if (nominate) status.nominatedNodeName = nominate;
          else if (nominate === '') delete status.nominatedNodeName;
          const list: Json[] = (status.conditions ??= []);
          const existing = list.find((c) => c.type === 'PodScheduled');
          const condition = { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: existing?.status === 'False' ? existing.lastTransitionTime : timestamp(clock.now()), reason: 'Unschedulable', message };
          if (existing) list[list.indexOf(existing)] = condition;
          else list.push(condition);
        });
      }
      recorder.eventf(referenceTo(pod), undefined, 'Warning', 'FailedScheduling', 'Scheduling', message);
    };

    const schedule = (pod: StoredObject): boolean => {
      const spec = (pod.object.spec ?? {}) as Json;
      const incoming: Incoming = { spec, info: podInfo(pod), cache, namespaceLabels };
      // A pod nominated to a node goes there if it fits there now.
      const nominated = cache.nodes.get((pod.object.status as Json | undefined)?.nominatedNodeName ?? '');
      if (nominated && !nominator.runFilters(incoming, nominated)) {
        bind(pod, nominated.name);
        return true;
      }
      const nodes = cache.nodeList();
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
          return false;
        }
        const filterMessage = histogram([...rejections.values()].flatMap((r) => r.reasons), nodes.length);
        const result = preemption.postFilter(pod, incoming, rejections, nodes.length);
        if ('nominated' in result) {
          nominator.nominate(incoming.info, result.nominated);
          markUnschedulable(pod, filterMessage, result.nominated);
        } else {
          markUnschedulable(pod, `${filterMessage} preemption: ${result.message}`, result.clearNomination ? '' : undefined);
        }
        return false;
      }
      const totals = scoreNodes(incoming, feasible);
      const best = Math.max(...totals);
      const top = feasible.filter((_, i) => totals[i] === best);
      bind(pod, top[Math.floor(Math.random() * top.length)].name);
      return true;
    };

    return {
      watches: [
        {
          resource: 'pods',
          // Only a pod waiting to be scheduled, or one that was unschedulable, has anything to reconcile: the writes that
          // follow its binding (the kubelet's status posts) queue nothing.
          map: (event: StoreEvent) => {
            nominator.onPod(event, pending);
            const keys = cache.onPod(event) ? retryAll() : [];
            const key = event.object.key;
            if ((event.type !== 'DELETED' && pending(event.object)) || unschedulable.has(key)) keys.push(key);
            return keys;
          },
        },
        {
          resource: 'nodes',
          map: (event: StoreEvent) => (cache.onNode(event) ? retryAll() : []),
        },
      ],
      initialKeys: () => services.store.list('pods').filter(pending).map((pod) => pod.key),
      reconcile(key) {
        const pod = services.store.get('pods', key);
        if (!pending(pod)) {
          unschedulable.delete(key);
          return undefined;
        }
        const now = clock.now().getTime();
        const failed = unschedulable.get(key);
        if (failed) {
          if (!failed.moved && failed.view === schedulingView(pod!)) {
            const flush = failed.at + unschedulableFlushMs;
            if (now < flush) return { requeueAfterMs: flush - now };
          }
          const backoff = Math.min(initialBackoffMs * 2 ** (failed.attempts - 1), maxBackoffMs);
          if (now < failed.at + backoff) return { requeueAfterMs: failed.at + backoff - now };
        }
        if (schedule(pod!)) {
          unschedulable.delete(key);
          return undefined;
        }
        unschedulable.set(key, { attempts: (failed?.attempts ?? 0) + 1, at: now, view: schedulingView(pod!), moved: false });
        return { requeueAfterMs: unschedulableFlushMs };
      },
    };
  },
};
