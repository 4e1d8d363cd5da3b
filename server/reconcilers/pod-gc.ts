// kube-controller-manager's pod garbage collector: pods bound to a node that stays gone for the
// 40 s quarantine are failed (DisruptionTarget DeletionByPodGC) and force-deleted; terminating pods
// no kubelet will finish (never scheduled, or on a not-ready node tainted out-of-service) are
// failed and force-deleted at the collector's next sweep (every 20 s from its start); past 12,500
// finished pods the oldest go, evicted ones first.

import { timestamp } from '../clock.js';
import type { StoredObject, StoreEvent } from '../store/memory-store.js';
import { controllerManagerIdentity, type ControllerDescriptor } from './controller.js';

type Json = Record<string, any>;

const quarantineMs = 40_000;
/** gcCheckPeriod: how often the collector sweeps for terminating pods no kubelet will finish. */
const sweepPeriodMs = 20_000;
/** --terminated-pod-gc-threshold */
const terminatedThreshold = 12_500;
const outOfServiceTaint = 'node.kubernetes.io/out-of-service';

const nodeOf = (pod: StoredObject | undefined): string | undefined => (pod?.object.spec as Json | undefined)?.nodeName;
const finished = (pod: StoredObject | undefined) => ['Succeeded', 'Failed'].includes((pod?.object.status as Json | undefined)?.phase);
const terminating = (pod: StoredObject | undefined) => !!pod?.object.metadata.deletionTimestamp;

/** A node whose kubelet will not finish its terminating pods: not Ready and tainted out-of-service. */
function outOfService(node: StoredObject | undefined): boolean {
  if (!node) return false;
  const ready = ((node.object.status as Json | undefined)?.conditions ?? []).find((c: Json) => c.type === 'Ready')?.status === 'True';
  return !ready && ((node.object.spec as Json | undefined)?.taints ?? []).some((t: Json) => t.key === outOfServiceTaint);
}

/** Evicted pods first, then the oldest, names breaking ties, as the collector sorts finished pods. */
function collectionOrder(a: StoredObject, b: StoredObject): number {
  const evicted = (p: StoredObject) => {
    const status = p.object.status as Json | undefined;
    return status?.phase === 'Failed' && status.reason === 'Evicted';
  };
  if (evicted(a) !== evicted(b)) return evicted(a) ? -1 : 1;
  const created = (p: StoredObject) => Date.parse(p.object.metadata.creationTimestamp ?? '') || 0;
  return created(a) - created(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

export const podGarbageCollector: ControllerDescriptor = {
  name: 'pod-garbage-collector-controller',
  aliases: ['podgc'],
  create(env) {
    const { services } = env;
    const clock = services.clock;
    const client = env.client(controllerManagerIdentity('pod-garbage-collector'));
    /** Finished pods by key, so the threshold is checked without a listing. */
    const terminated = new Set<string>();
    /** When a node a pod is bound to was first seen missing. */
    const missingSince = new Map<string, number>();
    for (const pod of services.store.list('pods')) if (finished(pod)) terminated.add(pod.key);
    const started = clock.now().getTime();
    /** How long until the next sweep, 0 if one is due now. */
    const untilSweep = (now: number) => started + Math.ceil((now - started) / sweepPeriodMs) * sweepPeriodMs - now;

    const failAndDelete = (pod: StoredObject, condition?: Json) => {
      if (!finished(pod)) {
        client.updateStatus(pod, (p) => {
          const status = (p.status ??= {}) as Json;
          status.phase = 'Failed';
          if (condition) status.conditions = [...((status.conditions ?? []) as Json[]).filter((c) => c.type !== condition.type), condition];
        });
      }
      client.delete('pods', pod.namespace, pod.name, { gracePeriodSeconds: 0, preconditions: { uid: pod.object.metadata.uid } });
    };
    const podsOn = (node: string) => services.store.list('pods').filter((p) => nodeOf(p) === node);

    return {
      watches: [
        {
          resource: 'pods',
          map(event: StoreEvent) {
            if (event.type === 'DELETED' || !finished(event.object)) terminated.delete(event.object.key);
            else terminated.add(event.object.key);
            const keys: string[] = [];
            if (terminated.size > terminatedThreshold) keys.push('terminated');
            if (event.type === 'DELETED') return keys;
            const node = nodeOf(event.object);
            if (node && !services.store.get('nodes', node)) keys.push(`node/${node}`);
            if (terminating(event.object) && (!node || outOfService(services.store.get('nodes', node)))) keys.push(`pod/${event.object.key}`);
            return keys;
          },
        },
        {
          resource: 'nodes',
          map: (event) => (event.type === 'DELETED' || outOfService(event.object) ? [`node/${event.object.name}`] : []),
        },
      ],
      initialKeys: () => {
        const keys = new Set<string>();
        for (const pod of services.store.list('pods')) {
          const node = nodeOf(pod);
          if (node && !services.store.get('nodes', node)) keys.add(`node/${node}`);
          if (terminating(pod) && (!node || outOfService(services.store.get('nodes', node)))) keys.add(`pod/${pod.key}`);
        }
        if (terminated.size > terminatedThreshold) keys.add('terminated');
        return keys;
      },
      reconcile(key) {
        if (key === 'terminated') {
          const excess = terminated.size - terminatedThreshold;
          if (excess <= 0) return undefined;
          const pods = [...terminated].map((k) => services.store.get('pods', k)).filter((p): p is StoredObject => p !== undefined);
          for (const pod of pods.sort(collectionOrder).slice(0, excess)) failAndDelete(pod);
          return undefined;
        }
        if (key.startsWith('pod/')) {
          const pod = services.store.get('pods', key.slice('pod/'.length));
          const node = nodeOf(pod);
          if (!pod || !terminating(pod) || (node && !outOfService(services.store.get('nodes', node)))) return undefined;
          const wait = untilSweep(clock.now().getTime());
          if (wait > 0) return { requeueAfterMs: wait };
          failAndDelete(pod);
          return undefined;
        }
        const name = key.slice('node/'.length);
        const node = services.store.get('nodes', name);
        if (node) {
          missingSince.delete(name);
          if (outOfService(node)) for (const pod of podsOn(name).filter(terminating).sort(collectionOrder)) failAndDelete(pod);
          return undefined;
        }
        const now = clock.now().getTime();
        const since = missingSince.get(name) ?? now;
        missingSince.set(name, since);
        if (now < since + quarantineMs) return { requeueAfterMs: since + quarantineMs - now };
        missingSince.delete(name);
        const condition = { type: 'DisruptionTarget', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp(clock.now()), reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' };
        for (const pod of podsOn(name)) failAndDelete(pod, condition);
        return undefined;
      },
    };
  },
};
