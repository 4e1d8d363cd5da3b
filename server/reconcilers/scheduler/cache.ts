// The scheduler's view of the cluster, kept up to date from store events so a scheduling attempt costs
// about the number of nodes, not the number of pods: per node its pods, requested resources and host
// ports; per controller owner how many of its pods each node holds (for default spreading).

import { jsonEqual } from '../../json.js';
import type { StoreEvent, StoredObject } from '../../store/memory-store.js';
import { controllerOf } from '../owner-index.js';
import type { Taint } from '../world.js';
import { sameLabels, type ClusterEvent, type NodeView } from './hints.js';
import { allocatableOf, nonZeroRequests, podRequests, type Amounts } from './resources.js';

type Json = Record<string, any>;

export interface PodInfo {
  key: string;
  namespace: string;
  labels: Record<string, string>;
  node: string;
  /** Shared by pods that ask alike (podAmounts): never changed. */
  requests: ReadonlyMap<string, bigint>;
  nonZero: { readonly cpu: bigint; readonly memory: bigint };
  /** `protocol/hostIP/port` of every host port. */
  hostPorts: readonly string[];
  /** Required anti-affinity terms, which constrain pods that come later. */
  antiAffinity: readonly Json[];
  priority: number;
  controllerUid?: string;
}

/** A node's allocatable cpu and memory and its pods' non-zero requests of them, as the scores use them. */
export interface ScoringLoad {
  cpuCapacity: number;
  memoryCapacity: number;
  cpu: number;
  memory: number;
}

export class NodeInfo {
  readonly pods = new Map<string, PodInfo>();
  readonly requested: Amounts = new Map();
  nonZeroCpu = 0n;
  nonZeroMemory = 0n;
  readonly hostPorts = new Map<string, number>();
  // What the filters read of the node, taken once per node version rather than once per pod.
  node!: StoredObject;
  name!: string;
  labels!: Record<string, string>;
  taints!: Taint[];
  unschedulable!: boolean;
  allocatable!: Amounts;
  /** How many pods the node takes (allocatable pods). */
  allowedPods!: number;
  /** Allocatable less requested, per resource asked about, until a pod or the node changes. */
  private readonly left = new Map<string, bigint>();
  /** What the scores divide, as numbers, until a pod or the node changes. */
  private load?: ScoringLoad;
  /**
   * NodeResourcesFit's reasons for the last requests it checked here, until a pod or the node
   * changes: the pods of one template ask alike, and most nodes are unchanged between two of them.
   */
  lastFit?: { wanted: unknown; reasons: readonly string[] };

  constructor(node: StoredObject) {
    this.update(node);
  }

  update(node: StoredObject): void {
    const spec = (node.object.spec ?? {}) as Json;
    this.node = node;
    this.name = node.name;
    this.labels = node.object.metadata.labels ?? {};
    this.taints = spec.taints ?? [];
    this.unschedulable = !!spec.unschedulable;
    this.allocatable = allocatableOf(node.object);
    this.allowedPods = Number(this.allocatable.get('pods') ?? 0n);
    this.left.clear();
    this.load = undefined;
    this.lastFit = undefined;
  }

  /** This version of the node, as the queueing hints compare versions. */
  view(): NodeView {
    return { name: this.name, labels: this.labels, taints: this.taints, unschedulable: this.unschedulable, allocatable: this.allocatable, allowedPods: this.allowedPods };
  }

  scoringLoad(): ScoringLoad {
    this.load ??= {
      cpuCapacity: Number(this.allocatable.get('cpu') ?? 0n),
      memoryCapacity: Number(this.allocatable.get('memory') ?? 0n),
      cpu: Number(this.nonZeroCpu),
      memory: Number(this.nonZeroMemory),
    };
    return this.load;
  }

  /** What the node has left of a resource for another pod. */
  free(name: string): bigint {
    let left = this.left.get(name);
    if (left === undefined) {
      left = (this.allocatable.get(name) ?? 0n) - (this.requested.get(name) ?? 0n);
      this.left.set(name, left);
    }
    return left;
  }

  add(pod: PodInfo): void {
    this.pods.set(pod.key, pod);
    this.adjust(pod, 1n);
    for (const port of pod.hostPorts) this.hostPorts.set(port, (this.hostPorts.get(port) ?? 0) + 1);
  }

  remove(pod: PodInfo): void {
    if (!this.pods.delete(pod.key)) return;
    this.adjust(pod, -1n);
    for (const port of pod.hostPorts) {
      const left = (this.hostPorts.get(port) ?? 1) - 1;
      if (left > 0) this.hostPorts.set(port, left);
      else this.hostPorts.delete(port);
    }
  }

  private adjust(pod: PodInfo, sign: bigint): void {
    for (const [name, value] of pod.requests) this.requested.set(name, (this.requested.get(name) ?? 0n) + sign * value);
    this.nonZeroCpu += sign * pod.nonZero.cpu;
    this.nonZeroMemory += sign * pod.nonZero.memory;
    this.left.clear();
    this.load = undefined;
    this.lastFit = undefined;
  }
}

function terminal(pod: StoredObject): boolean {
  const phase = (pod.object.status as Json | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** The host ports a pod's containers claim; a 0.0.0.0 hostIP is every address. */
export function hostPortsOf(spec: Json | undefined): string[] {
  const out: string[] = [];
  for (const c of spec?.containers ?? []) {
    for (const p of c?.ports ?? []) {
      if (!p?.hostPort) continue;
      out.push(`${p.protocol ?? 'TCP'}/${p.hostIP || '0.0.0.0'}/${p.hostPort}`);
    }
  }
  return out;
}

/** What most pods have of host ports and anti-affinity terms: one array for all, as the cache holds every bound pod. */
const none: readonly never[] = Object.freeze([]);

/** Requests and their non-zero counts, never changed once worked out. */
type PodAmounts = Pick<PodInfo, 'requests' | 'nonZero'>;

/**
 * The amounts pods ask for, by what they are: the pods of one template ask alike, and the cache
 * holds one PodInfo per pod, so those share one value. Bounded, as requests come from clients.
 */
const amountsAlike = new Map<string, PodAmounts>();
const maxAmountsAlike = 1024;

function podAmounts(spec: Json): PodAmounts {
  const requests = podRequests(spec);
  const nonZero = nonZeroRequests(spec);
  // In the order the requests come: reasons list them in that order.
  let key = `${nonZero.cpu} ${nonZero.memory}`;
  for (const [name, value] of requests) key += ` ${name}=${value}`;
  let amounts = amountsAlike.get(key);
  if (!amounts) {
    if (amountsAlike.size >= maxAmountsAlike) amountsAlike.clear();
    amounts = { requests, nonZero };
    amountsAlike.set(key, amounts);
  }
  return amounts;
}

/**
 * Namespace and node names, and label sets, as the first pod that had them: the cache holds a PodInfo
 * per bound pod long after the store let go of the parsed pod, and pods of one template share them.
 * Label sets are only read. Bounded, as both come from clients.
 */
const namesAlike = new Map<string, string>();
const labelsAlike = new Map<string, Record<string, string>>();
const maxAlike = 4096;
const noLabels: Record<string, string> = Object.freeze({});

function sharedName(name: string): string {
  const shared = namesAlike.get(name);
  if (shared !== undefined) return shared;
  if (namesAlike.size >= maxAlike) namesAlike.clear();
  namesAlike.set(name, name);
  return name;
}

function sharedLabels(labels: Record<string, string> | undefined): Record<string, string> {
  if (!labels) return noLabels;
  let key = '';
  for (const name in labels) key += `${name}\0${labels[name]}\0`;
  const shared = labelsAlike.get(key);
  if (shared) return shared;
  if (labelsAlike.size >= maxAlike) labelsAlike.clear();
  labelsAlike.set(key, labels);
  return labels;
}

export function podInfo(pod: StoredObject): PodInfo {
  const spec = (pod.object.spec ?? {}) as Json;
  const hostPorts = hostPortsOf(spec);
  const { requests, nonZero } = podAmounts(spec);
  return {
    key: pod.key,
    namespace: sharedName(pod.namespace),
    labels: sharedLabels(pod.object.metadata.labels),
    node: spec.nodeName ? sharedName(spec.nodeName) : '',
    requests,
    nonZero,
    hostPorts: hostPorts.length ? hostPorts : none,
    antiAffinity: spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? none,
    priority: spec.priority ?? 0,
    controllerUid: controllerOf(pod)?.uid,
  };
}

/**
 * Whether a pod's new version leaves what the cache knows of it as it was: a status write keeps the
 * very spec object stored before (as long as neither version was parsed again since), so nothing is
 * recomputed for the kubelet's status posts.
 */
function sameSchedulingInputs(before: StoredObject, after: StoredObject): boolean {
  const a = before.object;
  const b = after.object;
  return a.spec === b.spec && terminal(before) === terminal(after) && jsonEqual(a.metadata.labels, b.metadata.labels) && jsonEqual(a.metadata.ownerReferences, b.metadata.ownerReferences);
}

export class SchedulerCache {
  readonly nodes = new Map<string, NodeInfo>();
  /** Pods bound to a node and not finished, by store key. */
  readonly pods = new Map<string, PodInfo>();
  /** Bound pods with required anti-affinity terms. */
  readonly withAntiAffinity = new Set<PodInfo>();
  /** Controller owner UID → node → how many of its pods the node holds. */
  readonly byController = new Map<string, Map<string, number>>();

  private nodeArray?: NodeInfo[];

  load(nodes: readonly StoredObject[], pods: readonly StoredObject[]): void {
    for (const node of nodes) this.nodes.set(node.name, new NodeInfo(node));
    this.nodeArray = undefined;
    for (const pod of pods) this.setPod(pod);
  }

  /** The nodes in a stable order, listed again only when one comes or goes. */
  nodeList(): readonly NodeInfo[] {
    this.nodeArray ??= [...this.nodes.values()];
    return this.nodeArray;
  }

  /** Applies a pod event; says what bound pods it added, relabeled or took away (a finished pod is taken away). */
  onPod(event: StoreEvent): ClusterEvent[] {
    const before = this.pods.get(event.object.key);
    if (event.type === 'DELETED') {
      if (!before) return [];
      this.forget(before);
      return [{ kind: 'AssignedPodDelete', old: before }];
    }
    if (before && event.previous && sameSchedulingInputs(event.previous, event.object)) return [];
    this.setPod(event.object);
    const after = this.pods.get(event.object.key);
    if (!before) return after ? [{ kind: 'AssignedPodAdd', pod: after }] : [];
    if (!after) return [{ kind: 'AssignedPodDelete', old: before }];
    return sameLabels(before.labels, after.labels) ? [] : [{ kind: 'AssignedPodLabels', old: before, pod: after }];
  }

  /** Applies a node event; says what of it the scheduler's hints look at changed (not a mere heartbeat). */
  onNode(event: StoreEvent): ClusterEvent[] {
    const existing = this.nodes.get(event.object.name);
    if (event.type === 'DELETED') {
      this.nodes.delete(event.object.name);
      this.nodeArray = undefined;
      return existing ? [{ kind: 'NodeDelete', old: existing.view() }] : [];
    }
    if (!existing) {
      const info = new NodeInfo(event.object);
      for (const pod of this.pods.values()) if (pod.node === info.name) info.add(pod);
      this.nodes.set(info.name, info);
      this.nodeArray = undefined;
      return [{ kind: 'NodeAdd', node: info.view() }];
    }
    const old = existing.view();
    const oldAllocatable = (existing.node.object.status as Json | undefined)?.allocatable;
    existing.update(event.object);
    const node = existing.view();
    const labels = !sameLabels(old.labels, node.labels);
    // A node made schedulable again counts as a taint change (extractNodeSpecUnschedulableChange).
    const taints = !jsonEqual(old.taints, node.taints) || (old.unschedulable && !node.unschedulable);
    const allocatable = !jsonEqual(oldAllocatable, (event.object.object.status as Json | undefined)?.allocatable);
    return labels || taints || allocatable ? [{ kind: 'NodeUpdate', labels, taints, allocatable, old, node }] : [];
  }

  private setPod(pod: StoredObject): void {
    const existing = this.pods.get(pod.key);
    if (existing) this.forget(existing);
    const spec = (pod.object.spec ?? {}) as Json;
    if (!spec.nodeName || terminal(pod)) return;
    this.assume(podInfo(pod));
  }

  /** Counts a pod on `info.node` as a bound one: bound pods, and a nominated pod or a spared victim while preemption weighs a node. */
  assume(info: PodInfo): void {
    this.pods.set(info.key, info);
    this.nodes.get(info.node)?.add(info);
    if (info.antiAffinity.length) this.withAntiAffinity.add(info);
    if (info.controllerUid) {
      const counts = this.byController.get(info.controllerUid) ?? new Map<string, number>();
      counts.set(info.node, (counts.get(info.node) ?? 0) + 1);
      this.byController.set(info.controllerUid, counts);
    }
  }

  /** Stops counting a pod: it went away, or preemption weighs its node without it. */
  forget(info: PodInfo): void {
    this.pods.delete(info.key);
    this.nodes.get(info.node)?.remove(info);
    this.withAntiAffinity.delete(info);
    if (info.controllerUid) {
      const counts = this.byController.get(info.controllerUid);
      if (counts) {
        const left = (counts.get(info.node) ?? 1) - 1;
        if (left > 0) counts.set(info.node, left);
        else counts.delete(info.node);
        if (counts.size === 0) this.byController.delete(info.controllerUid);
      }
    }
  }
}
