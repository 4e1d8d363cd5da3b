// Pods waiting for the room preemption frees for them: pending pods with status.nominatedNodeName,
// as kube-scheduler's nominator keeps them. While filtering, a node also holds the pods nominated to
// it of at least the incoming pod's priority, so lower or equal pods do not take that room first.

import type { StoredObject, StoreEvent } from '../../store/memory-store.js';
import { podInfo, type NodeInfo, type PodInfo, type SchedulerCache } from './cache.js';
import { runFilters, type Incoming, type Rejection } from './plugins.js';

type Json = Record<string, any>;

export class Nominator {
  /** Nominated pods by store key, each with `node` set to the node it is nominated to. */
  private readonly byPod = new Map<string, PodInfo>();
  private readonly byNode = new Map<string, Map<string, PodInfo>>();

  constructor(private readonly cache: SchedulerCache) {}

  /** Takes the nominations of pods already stored; `waiting` says whether a pod still waits for this scheduler. */
  load(pods: readonly StoredObject[], waiting: (pod: StoredObject) => boolean): void {
    for (const pod of pods) this.follow(pod, waiting(pod));
  }

  /** Follows a pod event. */
  onPod(event: StoreEvent, waiting: (pod: StoredObject) => boolean): void {
    this.follow(event.object, event.type !== 'DELETED' && waiting(event.object));
  }

  private follow(pod: StoredObject, waits: boolean): void {
    const node = waits ? ((pod.object.status as Json | undefined)?.nominatedNodeName as string | undefined) : undefined;
    if (node) this.nominate(podInfo(pod), node);
    else this.remove(pod.key);
  }

  nominate(info: PodInfo, node: string): void {
    this.remove(info.key);
    const placed = { ...info, node };
    this.byPod.set(info.key, placed);
    let onNode = this.byNode.get(node);
    if (!onNode) this.byNode.set(node, (onNode = new Map()));
    onNode.set(info.key, placed);
  }

  remove(key: string): void {
    const placed = this.byPod.get(key);
    if (!placed) return;
    this.byPod.delete(key);
    const onNode = this.byNode.get(placed.node)!;
    onNode.delete(key);
    if (onNode.size === 0) this.byNode.delete(placed.node);
  }

  /** The pods nominated to a node. */
  on(node: string): PodInfo[] {
    return [...(this.byNode.get(node)?.values() ?? [])];
  }

  /**
   * The filters with the node's nominated pods of at least the incoming pod's priority counted on it,
   * then without them when any were: both must pass, as RunFilterPluginsWithNominatedPods has it.
   */
  runFilters(incoming: Incoming, node: NodeInfo): Rejection | undefined {
    const onNode = this.byNode.get(node.name);
    if (!onNode) return runFilters(incoming, node);
    const counted = [...onNode.values()].filter((p) => p.key !== incoming.info.key && p.priority >= incoming.info.priority && !this.cache.pods.has(p.key));
    if (!counted.length) return runFilters(incoming, node);
    for (const p of counted) this.cache.assume(p);
    let rejection: Rejection | undefined;
    try {
      rejection = runFilters(incoming, node);
    } finally {
      for (const p of counted) this.cache.forget(p);
    }
    return rejection ?? runFilters(incoming, node);
  }
}
