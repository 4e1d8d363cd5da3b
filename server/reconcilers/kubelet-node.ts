// The node half of the fake kubelet: registers the configured nodes, keeps every node's status
// (its own and ones clients created) filled in as a kubelet posts it, and renews the node's Lease in
// kube-node-lease every 10 s of the clock. A node whose heartbeat is stopped goes quiet.

import { createHash } from 'node:crypto';
import { microTimestamp, timestamp } from '../clock.js';
import type { StoredObject } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import type { ControllerClient } from './client.js';
import { defaultCapacity, type ResolvedNode, type World } from './world.js';

type Json = Record<string, any>;

const leaseDurationSeconds = 40;
/** A kubelet renews its lease at a quarter of its duration. */
export const leaseRenewMs = (leaseDurationSeconds * 1000) / 4;
/** The kubelet runs its Lease and node status loops with wait.JitterUntil's factor 0.04: a pass may come up to 4% of the period late. */
export const nodeSyncSlackMs = leaseRenewMs * 0.04;
/** Unchanged status is still posted this often (nodeStatusReportFrequency). */
const statusReportMs = 5 * 60_000;
export const kubeletVersion = 'v1.32.13';
export const nodeLeaseNamespace = 'kube-node-lease';

const conditionTexts: Array<[type: string, reason: string, message: string, status: string]> = [
  ['MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available', 'False'],
  ['DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure', 'False'],
  ['PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available', 'False'],
  ['Ready', 'KubeletReady', 'kubelet is posting ready status', 'True'],
];

function stableHex(seed: string, length = 32): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, length);
}

function uuidFrom(seed: string): string {
  const h = stableHex(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function nodeInfo(name: string): Json {
  return {
    machineID: stableHex(`machine ${name}`),
    systemUUID: uuidFrom(`system ${name}`),
    bootID: uuidFrom(`boot ${name}`),
    kernelVersion: '6.1.0-kubemock',
    osImage: 'kubemock node',
    containerRuntimeVersion: 'containerd://1.7.24',
    kubeletVersion,
    kubeProxyVersion: kubeletVersion,
    operatingSystem: 'linux',
    architecture: 'amd64',
  };
}

/** The InternalIP a kubelet reports for a node clients created without one. */
function addressFor(name: string): string {
  const h = parseInt(stableHex(`address ${name}`, 4), 16);
  return `172.19.${h >> 8}.${(h & 255) || 1}`;
}

export class NodeAgent {
  /** Nodes this agent registered, so one a client deletes is not registered again (a kubelet registers once). */
  private readonly registered = new Set<string>();
  /**
   * When each stored version of a node is next due a status report (-Infinity: at once). A node is
   * looked at on every renewal of its Lease and written every few minutes, so this is read far more
   * often than it changes.
   */
  private readonly reportDue = new WeakMap<StoredObject, number>();

  constructor(
    private readonly world: World,
    private readonly clientFor: (node: string) => ControllerClient,
    private readonly now: () => Date,
  ) {}

  reconcile(name: string): number | undefined {
    const client = this.clientFor(name);
    const node = client.get('nodes', '', name);
    if (!node) {
      const shape = this.world.nodes.find((n) => n.name === name);
      if (shape && !this.registered.has(name)) {
        this.registered.add(name);
        client.create('nodes', '', this.registration(shape));
      }
      return undefined;
    }
    if (!this.world.heartbeating(name)) return undefined;
    const statusDue = this.postStatus(client, node);
    const leaseDue = this.renewLease(client, node);
    return Math.min(statusDue, leaseDue);
  }

  private registration(shape: ResolvedNode): KubeObject {
    const spec: Json = {};
    if (shape.taints.length) spec.taints = shape.taints;
    return {
      metadata: { name: shape.name, labels: shape.labels, annotations: shape.annotations },
      spec,
      status: {
        capacity: shape.capacity,
        allocatable: shape.allocatable,
        conditions: this.conditions(undefined),
        addresses: [
          { type: 'InternalIP', address: shape.address },
          { type: 'Hostname', address: shape.name },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: nodeInfo(shape.name),
      },
    };
  }

  /** Conditions as the kubelet's setters post them: transitions keep their time, heartbeats move on. */
  private conditions(old: Json[] | undefined): Json[] {
    const now = timestamp(this.now());
    return conditionTexts.map(([type, reason, message, status]) => {
      const previous = old?.find((c) => c.type === type);
      const transitioned = !previous || previous.status !== status;
      return { type, status, lastHeartbeatTime: now, lastTransitionTime: transitioned ? now : previous.lastTransitionTime, reason, message };
    });
  }

  /** Posts status when something changed or the report is due; returns ms until the next report. */
  private postStatus(client: ControllerClient, node: StoredObject): number {
    let due = this.reportDue.get(node);
    if (due === undefined) {
      due = this.reportDueOf(node);
      this.reportDue.set(node, due);
    }
    const wait = due - this.now().getTime();
    if (wait > 0) return wait;
    const old: Json[] = ((node.object.status ?? {}) as Json).conditions ?? [];
    client.updateStatus(node, (n) => {
      const s = (n.status ??= {}) as Json;
      s.capacity ??= { ...defaultCapacity };
      s.allocatable ??= s.capacity;
      s.conditions = [...(s.conditions ?? []).filter((c: Json) => !conditionTexts.some(([type]) => type === c.type)), ...this.conditions(old)];
      if (!s.addresses?.length) s.addresses = [{ type: 'InternalIP', address: addressFor(node.name) }, { type: 'Hostname', address: node.name }];
      s.daemonEndpoints ??= { kubeletEndpoint: { Port: 10250 } };
      s.nodeInfo = { ...nodeInfo(node.name), ...s.nodeInfo, kubeletVersion, kubeProxyVersion: kubeletVersion };
    });
    return statusReportMs;
  }

  /** When a node as stored is due a status report: at once when its status is stale or incomplete, else a report period after its oldest heartbeat. */
  private reportDueOf(node: StoredObject): number {
    const status = (node.object.status ?? {}) as Json;
    const old: Json[] = status.conditions ?? [];
    const stale = conditionTexts.some(([type, reason, , value]) => {
      const c = old.find((x) => x.type === type);
      return !c || c.status !== value || c.reason !== reason;
    });
    const incomplete = !status.capacity || !status.allocatable || !status.addresses?.length || !status.nodeInfo?.kubeletVersion || !status.daemonEndpoints;
    if (stale || incomplete) return -Infinity;
    const heartbeat = Math.min(...old.map((c) => Date.parse(c.lastHeartbeatTime ?? '') || 0));
    return (old.length ? heartbeat : 0) + statusReportMs;
  }

  /** Creates or renews the node's Lease; returns ms until the next renewal. */
  private renewLease(client: ControllerClient, node: StoredObject): number {
    const now = this.now();
    const lease = client.get('coordination.k8s.io/leases', nodeLeaseNamespace, node.name);
    const renewTime = microTimestamp(now);
    if (!lease) {
      client.create('coordination.k8s.io/leases', nodeLeaseNamespace, {
        metadata: { name: node.name, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.object.metadata.uid }] },
        spec: { holderIdentity: node.name, leaseDurationSeconds, renewTime },
      });
      return leaseRenewMs;
    }
    const spec = (lease.object.spec ?? {}) as Json;
    const renewedAt = Date.parse(spec.renewTime ?? '') || 0;
    const due = renewedAt + leaseRenewMs - now.getTime();
    if (due > 0 && spec.holderIdentity === node.name) return due;
    client.replaceParts(lease, { spec: { ...spec, holderIdentity: node.name, leaseDurationSeconds, renewTime } });
    return leaseRenewMs;
  }
}
