// kube-controller-manager's node controllers: node-ipam hands out pod CIDRs; ttl annotates how long
// kubelets may cache objects for the cluster's size; node-lifecycle turns a
// node whose kubelet stopped renewing its Lease Unknown, taints nodes by their conditions and marks
// their pods not ready; taint-eviction deletes pods a NoExecute taint no longer lets stay.

import { timestamp } from '../clock.js';
import type { StoredObject } from '../store/memory-store.js';
import { controllerManagerIdentity, type ControllerDescriptor } from './controller.js';
import { EventRecorder, referenceTo } from './events.js';
import { nodeLeaseNamespace } from './kubelet-node.js';
import type { Taint } from './world.js';

type Json = Record<string, any>;

/** --node-monitor-grace-period and --node-startup-grace-period. */
const monitorGraceMs = 50_000;
const startupGraceMs = 60_000;
/** --node-monitor-period: the controller looks at nodes this often, so a grace period may be found over this late. */
const monitorPeriodMs = 5_000;
/** The node lifecycle controller's key for its monitor pass: no node name holds a slash. */
const monitorKey = '/monitor';

const notReadyKey = 'node.kubernetes.io/not-ready';
const unreachableKey = 'node.kubernetes.io/unreachable';
const unschedulableKey = 'node.kubernetes.io/unschedulable';
/** Condition type → status → the taint key it puts on the node. */
const conditionTaints: Record<string, Record<string, string>> = {
  Ready: { False: notReadyKey, Unknown: unreachableKey },
  MemoryPressure: { True: 'node.kubernetes.io/memory-pressure' },
  DiskPressure: { True: 'node.kubernetes.io/disk-pressure' },
  NetworkUnavailable: { True: 'node.kubernetes.io/network-unavailable' },
  PIDPressure: { True: 'node.kubernetes.io/pid-pressure' },
};
const conditionTaintKeys = new Set(Object.values(conditionTaints).flatMap((m) => Object.values(m)));
const monitoredConditions = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];
/** --unhealthy-zone-threshold, --large-cluster-size-threshold, and the 0.1/s --node-eviction-rate. */
const unhealthyZoneThreshold = 0.55;
const largeClusterThreshold = 50;
const evictionIntervalMs = 10_000;

/** A node's zone as the node controller keys it: region and zone labels. */
function zoneOf(node: StoredObject): string {
  const labels = node.object.metadata.labels ?? {};
  const region = labels['topology.kubernetes.io/region'] ?? labels['failure-domain.beta.kubernetes.io/region'] ?? '';
  const zone = labels['topology.kubernetes.io/zone'] ?? labels['failure-domain.beta.kubernetes.io/zone'] ?? '';
  return `${region}:\u0000:${zone}`;
}

function conditionOf(node: StoredObject, type: string): Json | undefined {
  return ((node.object.status as Json | undefined)?.conditions ?? []).find((c: Json) => c.type === type);
}

function taintsOf(node: StoredObject): Taint[] {
  return ((node.object.spec as Json | undefined)?.taints ?? []) as Taint[];
}

/** Pods bound to a node, from the store. */
function podsOn(pods: readonly StoredObject[], node: string): StoredObject[] {
  return pods.filter((pod) => (pod.object.spec as Json | undefined)?.nodeName === node);
}

export const nodeIpamController: ControllerDescriptor = {
  name: 'node-ipam-controller',
  aliases: ['nodeipam'],
  create(env) {
    const client = env.client(controllerManagerIdentity('node-controller'));
    /** CIDRs in use by node name, kept from node events so a node's allocation costs no listing. */
    const used = new Map<string, string>();
    const cidrOf = (node: StoredObject | undefined): string | undefined => (node?.object.spec as Json | undefined)?.podCIDR;
    for (const node of env.services.store.list('nodes')) if (cidrOf(node)) used.set(node.name, cidrOf(node)!);
    return {
      for: 'nodes',
      watches: [
        {
          resource: 'nodes',
          map(event) {
            used.delete(event.object.name);
            if (event.type !== 'DELETED' && cidrOf(event.object)) used.set(event.object.name, cidrOf(event.object)!);
            return [];
          },
        },
      ],
      reconcile(name) {
        const node = client.get('nodes', '', name);
        if (!node || cidrOf(node)) return;
        const taken = new Set(used.values());
        // /24s of 10.244.0.0/16, as --cluster-cidr=10.244.0.0/16 with --node-cidr-mask-size=24 hands them out.
        for (let i = 0; i < 256; i++) {
          const cidr = `10.244.${i}.0/24`;
          if (taken.has(cidr)) continue;
          used.set(name, cidr);
          client.update(node, (n) => {
            n.spec = { ...(n.spec as Json), podCIDR: cidr, podCIDRs: [cidr] };
          });
          return;
        }
      },
    };
  },
};

/** Cluster sizes and the object cache TTL the ttl controller gives them, with overlaps for hysteresis. */
const ttlBoundaries = [
  { sizeMin: 0, sizeMax: 100, ttlSeconds: 0 },
  { sizeMin: 90, sizeMax: 500, ttlSeconds: 15 },
  { sizeMin: 450, sizeMax: 1000, ttlSeconds: 30 },
  { sizeMin: 900, sizeMax: 2000, ttlSeconds: 60 },
  { sizeMin: 1800, sizeMax: Infinity, ttlSeconds: 300 },
];
const ttlAnnotation = 'node.alpha.kubernetes.io/ttl';

export const ttlController: ControllerDescriptor = {
  name: 'ttl-controller',
  aliases: ['ttl'],
  create(env) {
    const client = env.client(controllerManagerIdentity('ttl-controller'));
    let step = 0;
    let count = env.services.store.list('nodes').length;
    const desired = () => {
      while (count > ttlBoundaries[step].sizeMax) step++;
      while (step > 0 && count < ttlBoundaries[step].sizeMin) step--;
      return String(ttlBoundaries[step].ttlSeconds);
    };
    let last = desired();
    return {
      for: 'nodes',
      watches: [
        {
          resource: 'nodes',
          map(event) {
            if (event.type === 'ADDED') count++;
            if (event.type === 'DELETED') count--;
            const next = desired();
            if (next === last) return [];
            last = next;
            // A new TTL concerns every node.
            return env.services.store.list('nodes').map((n) => n.name);
          },
        },
      ],
      reconcile(name) {
        const node = client.get('nodes', '', name);
        const ttl = desired();
        if (!node || node.object.metadata.annotations?.[ttlAnnotation] === ttl) return;
        client.update(node, (n) => (n.metadata.annotations = { ...n.metadata.annotations, [ttlAnnotation]: ttl }));
      },
    };
  },
};

export const nodeLifecycleController: ControllerDescriptor = {
  name: 'node-lifecycle-controller',
  aliases: ['nodelifecycle'],
  create(env) {
    const client = env.client(controllerManagerIdentity('node-controller'));
    const clock = env.services.clock;
    const recorder = new EventRecorder(client, { component: 'node-controller' }, clock);
    /** Nodes seen, by name, with their UID (for the RemovingNode event). */
    const known = new Map<string, string>();
    /**
     * Nodes heard from within their grace period, with when it runs out and its length: Lease
     * renewals move the time on here, and the monitor pass queues a node only once it has passed,
     * so a thousand renewing nodes cost no reconcile of their own.
     */
    const healthy = new Map<string, { runsOut: number; grace: number }>();
    const expectHeard = (name: string, runsOut: number, grace: number) => {
      healthy.set(name, { runsOut, grace });
      env.queue.enqueueAfter(monitorKey, runsOut - clock.now().getTime());
    };
    /** monitorNodeHealth: queues the nodes whose grace period ran out; looks again when the next one does. */
    const monitor = () => {
      const now = clock.now().getTime();
      let next = Infinity;
      for (const [name, { runsOut }] of healthy) {
        if (runsOut <= now) {
          healthy.delete(name);
          env.queue.enqueue(name);
        } else if (runsOut < next) next = runsOut;
      }
      return next === Infinity ? undefined : { requeueAfterMs: next - now, slackMs: monitorPeriodMs };
    };

    const nodeEvent = (name: string, uid: string, type: 'Normal', reason: string, message: string) =>
      recorder.event({ kind: 'Node', name, uid, apiVersion: 'v1' }, type, reason, message);

    /** When the kubelet was last heard from: its Lease or its Ready condition's heartbeat. */
    const lastHeard = (node: StoredObject): number | undefined => {
      const lease = client.get('coordination.k8s.io/leases', nodeLeaseNamespace, node.name);
      const renewed = Date.parse((lease?.object.spec as Json | undefined)?.renewTime ?? '') || 0;
      const heartbeat = Date.parse(conditionOf(node, 'Ready')?.lastHeartbeatTime ?? '') || 0;
      const heard = Math.max(renewed, heartbeat);
      return heard > 0 ? heard : undefined;
    };

    const markUnknown = (node: StoredObject): StoredObject => {
      const now = timestamp(clock.now());
      client.updateStatus(node, (n) => {
        const status = (n.status ??= {}) as Json;
        const conditions: Json[] = (status.conditions ??= []);
        for (const type of monitoredConditions) {
          const current = conditions.find((c) => c.type === type);
          if (!current) {
            conditions.push({ type, status: 'Unknown', lastHeartbeatTime: n.metadata.creationTimestamp, lastTransitionTime: now, reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.' });
          } else if (current.status !== 'Unknown') {
            Object.assign(current, { status: 'Unknown', lastTransitionTime: now, reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
          }
        }
      });
      return client.get('nodes', '', node.name)!;
    };

    const markPodsNotReady = (name: string) => {
      for (const pod of podsOn(client.list('pods'), name)) {
        const ready = ((pod.object.status as Json | undefined)?.conditions ?? []).find((c: Json) => c.type === 'Ready');
        if (!ready || ready.status === 'False') continue;
        client.updateStatus(pod, (p) => {
          const condition = ((p.status as Json).conditions as Json[]).find((c) => c.type === 'Ready')!;
          condition.status = 'False';
          condition.lastTransitionTime = timestamp(clock.now());
        });
        recorder.event(referenceTo(pod), 'Warning', 'NodeNotReady', 'Node is not ready');
      }
    };

    const same = (a: Pick<Taint, 'key' | 'effect'>, b: Pick<Taint, 'key' | 'effect'>) => a.key === b.key && a.effect === b.effect;
    /** Swaps the controller's taints of one effect for `wanted` (SwapNodeControllerTaint); added ones carry timeAdded. */
    const swapTaints = (node: StoredObject, ours: (t: Taint) => boolean, wanted: Array<Pick<Taint, 'key' | 'effect'>>): StoredObject => {
      const current = taintsOf(node);
      const toAdd = wanted.filter((w) => !current.some((t) => same(t, w)));
      const toRemove = current.filter((t) => ours(t) && !wanted.some((w) => same(t, w)));
      if (!toAdd.length && !toRemove.length) return node;
      const now = timestamp(clock.now());
      client.update(node, (n) => {
        const spec = (n.spec ??= {}) as Json;
        const kept = ((spec.taints ?? []) as Taint[]).filter((t) => !toRemove.some((r) => same(r, t)));
        const taints = [...kept, ...toAdd.map((t) => ({ key: t.key, effect: t.effect, timeAdded: now }))];
        if (taints.length) spec.taints = taints;
        else delete spec.taints;
      });
      return client.get('nodes', '', node.name)!;
    };

    /** NoSchedule taints for the node's conditions and spec.unschedulable (doNoScheduleTaintingPass). */
    const noScheduleTaints = (node: StoredObject): StoredObject => {
      const wanted: Array<Pick<Taint, 'key' | 'effect'>> = [];
      for (const condition of ((node.object.status as Json | undefined)?.conditions ?? []) as Json[]) {
        const key = conditionTaints[condition.type]?.[condition.status];
        if (key) wanted.push({ key, effect: 'NoSchedule' });
      }
      if ((node.object.spec as Json | undefined)?.unschedulable) wanted.push({ key: unschedulableKey, effect: 'NoSchedule' });
      return swapTaints(node, (t) => t.effect === 'NoSchedule' && (conditionTaintKeys.has(t.key) || t.key === unschedulableKey), wanted);
    };

    const noExecuteOurs = (t: Taint) => t.effect === 'NoExecute' && (t.key === notReadyKey || t.key === unreachableKey);
    /** Zone → when its eviction rate limiter last let a node be tainted (0.1 per second, burst 1). */
    const lastTainted = new Map<string, number>();
    let masterDisruption = false;

    /** Zone states from every node's Ready condition (ComputeZoneState). */
    const zoneStates = () => {
      const zones = new Map<string, { ready: number; notReady: number }>();
      for (const n of client.list('nodes')) {
        const zone = zoneOf(n);
        const counts = zones.get(zone) ?? { ready: 0, notReady: 0 };
        if (conditionOf(n, 'Ready')?.status === 'True') counts.ready++;
        else counts.notReady++;
        zones.set(zone, counts);
      }
      const state = (c: { ready: number; notReady: number }) =>
        c.ready === 0 && c.notReady > 0 ? 'FullDisruption' : c.notReady > 2 && c.notReady / (c.ready + c.notReady) >= unhealthyZoneThreshold ? 'PartialDisruption' : 'Normal';
      return new Map([...zones].map(([zone, counts]) => [zone, { state: state(counts), size: counts.ready + counts.notReady }]));
    };

    /** The NoExecute taint for an unready node, unless every zone is down or the node's zone is mostly down. */
    const noExecuteTaint = (node: StoredObject): number | undefined => {
      const ready = conditionOf(node, 'Ready')?.status;
      // A healthy node needs no look at the zones, unless it carries a taint to take off.
      if ((ready === 'True' || ready === undefined) && !masterDisruption && !taintsOf(node).some(noExecuteOurs)) return undefined;
      const zones = zoneStates();
      const allDown = zones.size > 0 && [...zones.values()].every((z) => z.state === 'FullDisruption');
      if (allDown !== masterDisruption) {
        masterDisruption = allDown;
        // Entering or leaving disruption mode concerns every node's taints.
        for (const n of client.list('nodes')) if (n.name !== node.name) env.queue.enqueue(n.name);
      }
      if (ready === 'True' || ready === undefined || allDown) {
        swapTaints(node, noExecuteOurs, []);
        return undefined;
      }
      const zone = zones.get(zoneOf(node))!;
      const key = ready === 'False' ? notReadyKey : unreachableKey;
      if (taintsOf(node).some((t) => t.key === key && t.effect === 'NoExecute')) return undefined;
      if (zone.state === 'PartialDisruption' && zone.size <= largeClusterThreshold) return undefined;
      const now = clock.now().getTime();
      const last = lastTainted.get(zoneOf(node));
      if (last !== undefined && now < last + evictionIntervalMs) return last + evictionIntervalMs - now;
      lastTainted.set(zoneOf(node), now);
      swapTaints(node, noExecuteOurs, [{ key, effect: 'NoExecute' }]);
      return undefined;
    };

    return {
      for: 'nodes',
      watches: [
        {
          resource: 'coordination.k8s.io/leases',
          map(event) {
            if (event.object.namespace !== nodeLeaseNamespace) return [];
            const name = event.object.name;
            const heard = healthy.get(name);
            if (!heard || event.type === 'DELETED') return [];
            // Only a later renewTime moves the time on; a Lease gone or set back is looked at when the time runs out.
            const renewed = Date.parse((event.object.object.spec as Json | undefined)?.renewTime ?? '') || 0;
            if (renewed + heard.grace > heard.runsOut) heard.runsOut = renewed + heard.grace;
            return [];
          },
        },
      ],
      reconcile(name) {
        if (name === monitorKey) return monitor();
        healthy.delete(name);
        let node = client.get('nodes', '', name);
        if (!node) {
          const uid = known.get(name);
          if (uid !== undefined) {
            known.delete(name);
            nodeEvent(name, uid, 'Normal', 'RemovingNode', `Node ${name} event: Removing Node ${name} from Controller`);
          }
          return undefined;
        }
        const uid = node.object.metadata.uid ?? '';
        if (known.get(name) !== uid) {
          known.set(name, uid);
          nodeEvent(name, uid, 'Normal', 'RegisteredNode', `Node ${name} event: Registered Node ${name} in Controller`);
        }
        const now = clock.now().getTime();
        const ready = conditionOf(node, 'Ready');
        const heard = lastHeard(node);
        const grace = ready ? monitorGraceMs : startupGraceMs;
        const since = heard ?? (Date.parse(node.object.metadata.creationTimestamp ?? '') || now);
        if (now - since >= grace) {
          const wasReady = ready?.status === 'True';
          const allUnknown = monitoredConditions.every((type) => conditionOf(node!, type)?.status === 'Unknown');
          if (!allUnknown) node = markUnknown(node);
          if (wasReady) {
            nodeEvent(name, uid, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
            markPodsNotReady(name);
          }
        } else {
          expectHeard(name, since + grace, grace);
          if (ready && ready.status !== 'True') markPodsNotReady(name);
        }
        node = noScheduleTaints(node);
        const taintAgain = noExecuteTaint(node);
        return taintAgain === undefined ? undefined : { requeueAfterMs: taintAgain };
      },
    };
  },
};

/** Whether a toleration lets a pod stay with a taint (v1helper.ToleratesTaint). */
export function tolerates(toleration: Json, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key !== undefined && toleration.key !== '' && toleration.key !== taint.key) return false;
  if (toleration.operator === 'Exists') return true;
  if ((toleration.key ?? '') === '') return false;
  return (toleration.value ?? '') === (taint.value ?? '');
}

export const taintEvictionController: ControllerDescriptor = {
  name: 'taint-eviction-controller',
  create(env) {
    const client = env.client(controllerManagerIdentity('node-controller'));
    const clock = env.services.clock;
    const recorder = new EventRecorder(client, { component: 'taint-eviction-controller' }, clock);
    return {
      watches: [
        {
          resource: 'pods',
          // What eviction depends on is in the spec (node, tolerations): a write that keeps the very spec
          // stored before (a status write) changes nothing, and node taints are watched below.
          map: (event) => {
            if (event.type === 'DELETED' || !(event.object.object.spec as Json | undefined)?.nodeName) return [];
            return event.previous?.object.spec === event.object.object.spec ? [] : [event.object.key];
          },
        },
        {
          resource: 'nodes',
          map: (event) => {
            const noExecute = (s?: StoredObject) => JSON.stringify(s ? taintsOf(s).filter((t) => t.effect === 'NoExecute') : []);
            if (event.type === 'DELETED' || noExecute(event.object) === noExecute(event.previous)) return [];
            return podsOn(env.services.store.list('pods'), event.object.name).map((p) => p.key);
          },
        },
      ],
      reconcile(key) {
        const pod = env.services.store.get('pods', key);
        if (!pod || pod.object.metadata.deletionTimestamp) return undefined;
        const spec = (pod.object.spec ?? {}) as Json;
        const node = spec.nodeName ? client.get('nodes', '', spec.nodeName) : undefined;
        if (!node) return undefined;
        const taints = taintsOf(node).filter((t) => t.effect === 'NoExecute');
        if (!taints.length) return undefined;
        const tolerations: Json[] = spec.tolerations ?? [];
        const used = tolerations.filter((tol) => taints.some((t) => tolerates(tol, t)));
        const allTolerated = taints.every((t) => tolerations.some((tol) => tolerates(tol, t)));
        if (allTolerated) {
          const seconds = used.map((t) => t.tolerationSeconds).filter((s): s is number => typeof s === 'number');
          if (used.length && !seconds.length) return undefined;
          const wait = Math.max(0, Math.min(...seconds)) * 1000;
          const since = Math.max(...taints.map((t) => Date.parse(t.timeAdded ?? '') || clock.now().getTime()));
          const due = since + wait - clock.now().getTime();
          if (due > 0) return { requeueAfterMs: due };
        }
        const [namespace, name] = key.split('/');
        recorder.event({ kind: 'Pod', namespace, name, apiVersion: 'v1' }, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
        const disrupted = ((pod.object.status as Json | undefined)?.conditions ?? []).some((c: Json) => c.type === 'DisruptionTarget' && c.status === 'True');
        if (!disrupted) {
          client.updateStatus(pod, (p) => {
            const status = (p.status ??= {}) as Json;
            status.conditions = [
              ...((status.conditions ?? []) as Json[]).filter((c) => c.type !== 'DisruptionTarget'),
              { type: 'DisruptionTarget', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp(clock.now()), reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' },
            ];
          });
        }
        client.delete('pods', namespace, name);
        return undefined;
      },
    };
  },
};
