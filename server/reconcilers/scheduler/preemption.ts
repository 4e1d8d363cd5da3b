// kube-scheduler's DefaultPreemption PostFilter, for a pod no node can take: on every node where
// removing pods could help, take away the pods of lower priority, and if the pod then fits, spare as
// many of them as still lets it fit (those a PodDisruptionBudget protects first, higher priority
// and longer running first); of those nodes pick the one whose victims cost least, mark the victims
// DisruptionTarget and delete them, and nominate the node to the pod, which binds once they are gone.

import { timestamp, type Clock } from '../../clock.js';
import { labelSelectorFromObject } from '../../selectors/labels.js';
import type { StoredObject } from '../../store/memory-store.js';
import type { ControllerClient } from '../client.js';
import { referenceTo, type SeriesRecorder } from '../events.js';
import type { NodeInfo, PodInfo, SchedulerCache } from './cache.js';
import type { Nominator } from './nominator.js';
import { histogram, type Incoming, type Rejection } from './plugins.js';

type Json = Record<string, any>;

/** MinCandidateNodesPercentage and MinCandidateNodesAbsolute of DefaultPreemptionArgs. */
const minCandidateNodesPercentage = 10;
const minCandidateNodesAbsolute = 100;
/** Sums of priorities are taken over priority + MaxInt32 + 1, so negative priorities count too. */
const priorityOffset = 2 ** 31;

interface Victim {
  info: PodInfo;
  pod: StoredObject;
  /** status.startTime in ms; a pod not started yet counts as starting now. */
  start: number;
}

interface Candidate {
  node: NodeInfo;
  /** Highest priority first. */
  victims: Victim[];
  pdbViolations: number;
}

export type PostFilterResult =
  | { nominated: string }
  /** `clearNomination`: the pod's status.nominatedNodeName is to be emptied. */
  | { message: string; clearNomination: boolean };

export interface PreemptionDeps {
  cache: SchedulerCache;
  nominator: Nominator;
  client: ControllerClient;
  recorder: SeriesRecorder;
  clock: Clock;
  schedulerName: string;
  pod(key: string): StoredObject | undefined;
  podDisruptionBudgets(): readonly StoredObject[];
}

/** MoreImportantPod: higher priority, then the one running longer. */
function moreImportant(a: Victim, b: Victim): number {
  return b.info.priority - a.info.priority || a.start - b.start;
}

function terminatingByPreemption(pod: StoredObject | undefined): boolean {
  if (!pod?.object.metadata.deletionTimestamp) return false;
  const condition = ((pod.object.status as Json | undefined)?.conditions as Json[] | undefined)?.find((c) => c.type === 'DisruptionTarget');
  return condition?.status === 'True' && condition.reason === 'PreemptionByScheduler';
}

/**
 * Victims in order, split into those whose eviction would take a budget below zero and the rest
 * (filterPodsWithPDBViolation); a pod already in a budget's disruptedPods does not count against it.
 */
function splitByBudgets(victims: Victim[], budgets: readonly StoredObject[]): [Victim[], Victim[]] {
  const allowed = budgets.map((b) => Number((b.object.status as Json | undefined)?.disruptionsAllowed ?? 0));
  const selectors = budgets.map((b) => {
    const selector = (b.object.spec as Json | undefined)?.selector as Json | undefined;
    // A budget with no or an empty selector protects nothing.
    const empty = !selector || (!Object.keys(selector.matchLabels ?? {}).length && !(selector.matchExpressions ?? []).length);
    return empty ? undefined : labelSelectorFromObject(selector);
  });
  const violating: Victim[] = [];
  const others: Victim[] = [];
  for (const victim of victims) {
    let violated = false;
    if (Object.keys(victim.info.labels).length) {
      budgets.forEach((budget, i) => {
        if (budget.namespace !== victim.info.namespace || !selectors[i]?.(victim.info.labels)) return;
        if (Object.hasOwn((budget.object.status as Json | undefined)?.disruptedPods ?? {}, victim.pod.name)) return;
        if (--allowed[i] < 0) violated = true;
      });
    }
    (violated ? violating : others).push(victim);
  }
  return [violating, others];
}

export class Preemption {
  constructor(private readonly deps: PreemptionDeps) {}

  /**
   * Preempts for `pod` if it may and some node would take it without lower-priority pods; otherwise
   * the text kube-scheduler puts after "preemption: ".
   */
  postFilter(pod: StoredObject, incoming: Incoming, rejections: ReadonlyMap<NodeInfo, Rejection>, total: number): PostFilterResult {
    const ineligible = this.ineligibility(pod, incoming, rejections);
    if (ineligible) return { message: ineligible, clearNomination: false };
    const reasons: string[] = [];
    const potential: NodeInfo[] = [];
    for (const [node, rejection] of rejections) {
      if (rejection.unresolvable) reasons.push('Preemption is not helpful for scheduling');
      else potential.push(node);
    }
    for (let i = rejections.size; i < total; i++) reasons.push('Preemption is not helpful for scheduling');
    const candidates = potential.length ? this.findCandidates(incoming, potential, reasons) : [];
    if (!candidates.length) return { message: histogram(reasons, total), clearNomination: true };
    const best = pickOne(candidates);
    this.prepare(best, pod, incoming);
    return { nominated: best.node.name };
  }

  /** PodEligibleToPreemptOthers: why the pod may not preempt, if it may not. */
  private ineligibility(pod: StoredObject, incoming: Incoming, rejections: ReadonlyMap<NodeInfo, Rejection>): string | undefined {
    if (incoming.spec.preemptionPolicy === 'Never') return 'not eligible due to preemptionPolicy=Never.';
    const nominated = (pod.object.status as Json | undefined)?.nominatedNodeName as string | undefined;
    const node = nominated ? this.deps.cache.nodes.get(nominated) : undefined;
    if (!node) return undefined;
    // A nominated node that cannot take the pod whatever leaves it is no reason to wait for it.
    if (rejections.get(node)?.unresolvable) return undefined;
    for (const other of node.pods.values()) {
      if (other.priority < incoming.info.priority && terminatingByPreemption(this.deps.pod(other.key))) return 'not eligible due to a terminating pod on the nominated node.';
    }
    return undefined;
  }

  /** dryRunPreemption: nodes from a random offset until enough candidates violate no budget. */
  private findCandidates(incoming: Incoming, potential: NodeInfo[], reasons: string[]): Candidate[] {
    const wanted = Math.min(potential.length, Math.max(Math.floor((potential.length * minCandidateNodesPercentage) / 100), minCandidateNodesAbsolute));
    const budgets = this.deps.podDisruptionBudgets();
    const offset = Math.floor(Math.random() * potential.length);
    const clean: Candidate[] = [];
    const violating: Candidate[] = [];
    for (let i = 0; i < potential.length && clean.length < wanted; i++) {
      const node = potential[(offset + i) % potential.length];
      const result = this.selectVictims(incoming, node, budgets);
      if ('reasons' in result) reasons.push(...result.reasons);
      else if (!result.victims.length) reasons.push(`expected at least one victim pod on node ${node.name}`);
      else (result.pdbViolations > 0 ? violating : clean).push({ node, ...result });
    }
    return [...clean, ...violating];
  }

  /** SelectVictimsOnNode: the fewest lower-priority pods whose removal lets the pod fit on `node`. */
  private selectVictims(incoming: Incoming, node: NodeInfo, budgets: readonly StoredObject[]): { victims: Victim[]; pdbViolations: number } | { reasons: string[] } {
    const { cache, nominator } = this.deps;
    const lower = [...node.pods.values()].filter((p) => p.priority < incoming.info.priority);
    if (!lower.length) return { reasons: ['No preemption victims found for incoming pod'] };
    const now = this.deps.clock.now().getTime();
    for (const info of lower) cache.forget(info);
    try {
      const rejection = nominator.runFilters(incoming, node);
      if (rejection) return { reasons: rejection.reasons };
      const potential: Victim[] = [];
      for (const info of lower) {
        const pod = this.deps.pod(info.key);
        if (!pod) continue;
        const started = (pod.object.status as Json | undefined)?.startTime as string | undefined;
        potential.push({ info, pod, start: started ? Date.parse(started) : now });
      }
      potential.sort(moreImportant);
      const [protectedByBudget, unprotected] = splitByBudgets(potential, budgets);
      const victims: Victim[] = [];
      let pdbViolations = 0;
      const spare = (victim: Victim): boolean => {
        cache.assume(victim.info);
        if (!nominator.runFilters(incoming, node)) return true;
        cache.forget(victim.info);
        victims.push(victim);
        return false;
      };
      for (const victim of protectedByBudget) if (!spare(victim)) pdbViolations++;
      for (const victim of unprotected) spare(victim);
      if (protectedByBudget.length && unprotected.length) victims.sort(moreImportant);
      return { victims, pdbViolations };
    } finally {
      for (const info of lower) if (!cache.pods.has(info.key)) cache.assume(info);
    }
  }

  /** prepareCandidate: mark and delete the victims, and take the node back from lower pods nominated to it. */
  private prepare(candidate: Candidate, preemptor: StoredObject, incoming: Incoming): void {
    const { client, recorder, clock, nominator, schedulerName } = this.deps;
    const related = referenceTo(preemptor);
    for (const { pod } of candidate.victims) {
      const regarding = referenceTo(pod);
      client.updateStatus(pod, (p) => {
        const status = (p.status ??= {}) as Json;
        const conditions: Json[] = (status.conditions ??= []);
        const condition = { type: 'DisruptionTarget', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp(clock.now()), reason: 'PreemptionByScheduler', message: `${schedulerName}: preempting to accommodate a higher priority pod` };
        const existing = conditions.findIndex((c) => c.type === 'DisruptionTarget');
        // UpdatePodCondition keeps the transition time while the status stays.
        if (existing < 0) conditions.push(condition);
        else conditions[existing] = { ...condition, lastTransitionTime: conditions[existing].status === 'True' ? conditions[existing].lastTransitionTime : condition.lastTransitionTime };
      });
      client.delete('pods', pod.namespace, pod.name);
      recorder.eventf(regarding, related, 'Normal', 'Preempted', 'Preempting', `Preempted by pod ${preemptor.object.metadata.uid} on node ${candidate.node.name}`);
    }
    for (const other of nominator.on(candidate.node.name)) {
      if (other.priority >= incoming.info.priority) continue;
      nominator.remove(other.key);
      const stored = this.deps.pod(other.key);
      if (stored) {
        client.updateStatus(stored, (p) => {
          delete (p.status as Json | undefined)?.nominatedNodeName;
        });
      }
    }
  }
}

/** pickOneNodeForPreemption: each rule in turn keeps the candidates that do best by it. */
function pickOne(candidates: Candidate[]): Candidate {
  const rules: Array<(c: Candidate) => number> = [
    (c) => -c.pdbViolations,
    (c) => -c.victims[0].info.priority,
    (c) => -c.victims.reduce((sum, v) => sum + v.info.priority + priorityOffset, 0),
    (c) => -c.victims.length,
    // The latest start among the highest-priority victims' earliest: disrupt what has run shortest.
    (c) => Math.min(...c.victims.filter((v) => v.info.priority === c.victims[0].info.priority).map((v) => v.start)),
  ];
  let left = candidates;
  for (const rule of rules) {
    if (left.length === 1) break;
    const scores = left.map(rule);
    const best = Math.max(...scores);
    left = left.filter((_, i) => scores[i] === best);
  }
  return left[0];
}
