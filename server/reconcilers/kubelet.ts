// The fake kubelet of every node (the configured ones and any a client creates, as kwok manages all
// nodes): node registration, status and Lease heartbeats (kubelet-node.ts), and the pods bound to
// the node (kubelet-pods.ts). It acts as system:node:<name> with field manager `kubelet`. A node
// whose heartbeat is stopped gets nothing from its kubelet: no Lease, no status, no pod changes.

import { kubeletIdentity, Requeue, type ControllerDescriptor } from './controller.js';
import type { ControllerClient } from './client.js';
import { EventRecorder } from './events.js';
import { NodeAgent, nodeLeaseNamespace, nodeSyncSlackMs } from './kubelet-node.js';
import { PodWorker } from './kubelet-pods.js';
import type { StoredObject, StoreEvent } from '../store/memory-store.js';

type Json = Record<string, any>;

const nodeKey = (name: string) => `node/${name}`;
const podKey = (key: string) => `pod/${key}`;

function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function numberToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function nodeOf(pod: StoredObject | undefined): string | undefined {
  return (pod?.object.spec as Json | undefined)?.nodeName;
}

function liveIP(pod: StoredObject | undefined): string | undefined {
  const status = pod?.object.status as Json | undefined;
  if (!status?.podIP || status.phase === 'Succeeded' || status.phase === 'Failed' || (pod!.object.spec as Json).hostNetwork) return undefined;
  return status.podIP;
}

export const kubelet: ControllerDescriptor = {
  name: 'kubelet',
  create(env) {
    const { services, world } = env;
    const clock = services.clock;
    const clients = new Map<string, ControllerClient>();
    const recorders = new Map<string, EventRecorder>();
    const clientFor = (node: string) => {
      let client = clients.get(node);
      if (!client) {
        client = env.client(kubeletIdentity(node));
        clients.set(node, client);
      }
      return client;
    };
    const recorderFor = (node: string) => {
      let recorder = recorders.get(node);
      if (!recorder) {
        recorder = new EventRecorder(clientFor(node), { component: 'kubelet', host: node }, clock);
        recorders.set(node, recorder);
      }
      return recorder;
    };
    /** Pod IPs in use per node, so the node's IPAM hands out free ones. */
    const ips = new Map<string, Set<string>>();
    const trackIPs = (event: StoreEvent) => {
      const before = liveIP(event.previous);
      if (before) ips.get(nodeOf(event.previous)!)?.delete(before);
      const after = event.type === 'DELETED' ? undefined : liveIP(event.object);
      if (after) {
        const node = nodeOf(event.object)!;
        const used = ips.get(node) ?? new Set<string>();
        used.add(after);
        ips.set(node, used);
      }
    };
    for (const pod of services.store.list('pods')) trackIPs({ type: 'ADDED', resource: 'pods', resourceVersion: 0, object: pod });

    const nodeIP = (name: string) => {
      const addresses: Json[] = (services.store.get('nodes', name)?.object.status as Json | undefined)?.addresses ?? [];
      return addresses.find((a) => a.type === 'InternalIP')?.address ?? '';
    };
    const allocateIP = (name: string) => {
      const cidr: string = (services.store.get('nodes', name)?.object.spec as Json | undefined)?.podCIDR ?? '10.88.0.0/16';
      const [base, bits] = cidr.split('/');
      const size = 2 ** (32 - Number(bits));
      const start = ipToNumber(base);
      const used = ips.get(name) ?? new Set<string>();
      ips.set(name, used);
      for (let offset = 2; offset < size - 1; offset++) {
        const ip = numberToIp(start + offset);
        if (!used.has(ip)) {
          used.add(ip);
          return ip;
        }
      }
      throw new Error(`no free pod IP left in ${cidr} on node ${name}`);
    };

    const nodes = new NodeAgent(world, clientFor, () => clock.now());
    const pods = new PodWorker({ stages: world.stages, now: () => clock.now().getTime(), clientFor, recorderFor, allocateIP, nodeIP });
    world.attachLogs((pod, container, previous) => pods.logs(pod, container, previous));

    const podsOnNode = (name: string) => services.store.list('pods').filter((p) => nodeOf(p) === name).map((p) => podKey(p.key));
    const detach = world.onChange((name) => {
      env.queue.enqueue(nodeKey(name));
      for (const key of podsOnNode(name)) env.queue.enqueue(key);
    });

    return {
      watches: [
        { resource: 'nodes', map: (event) => [nodeKey(event.object.name)] },
        {
          resource: 'coordination.k8s.io/leases',
          // Its own renewals need no second look; a lease deleted or taken by someone else does.
          map: (event) => {
            if (event.object.namespace !== nodeLeaseNamespace) return [];
            const holder = (event.object.object.spec as Json | undefined)?.holderIdentity;
            return event.type === 'DELETED' || holder !== event.object.name ? [nodeKey(event.object.name)] : [];
          },
        },
        {
          resource: 'pods',
          map: (event) => {
            trackIPs(event);
            if (event.type === 'DELETED') {
              pods.forget(event.object.object.metadata.uid ?? '');
              return [];
            }
            if (pods.ownPost(event.object.object.metadata.uid ?? '')) return [];
            return nodeOf(event.object) ? [podKey(event.object.key)] : [];
          },
        },
      ],
      initialKeys: () => [
        ...new Set([...world.nodes.map((n) => nodeKey(n.name)), ...services.store.list('nodes').map((n) => nodeKey(n.name))]),
        ...services.store.list('pods').filter((p) => nodeOf(p)).map((p) => podKey(p.key)),
      ],
      reconcile(key) {
        if (key.startsWith('node/')) {
          const due = nodes.reconcile(key.slice('node/'.length));
          return due === undefined ? undefined : new Requeue(due, nodeSyncSlackMs);
        }
        const pod = services.store.get('pods', key.slice('pod/'.length));
        const node = nodeOf(pod);
        if (!pod || !node || !world.heartbeating(node) || !services.store.get('nodes', node)) return undefined;
        const due = pods.reconcile(pod);
        return due === undefined ? undefined : new Requeue(due);
      },
      stop: detach,
    };
  },
};
