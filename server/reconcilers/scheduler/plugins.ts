// The default scheduler's filter and score plugins, in the order kube-scheduler runs them. A filter
// says why a node cannot take the pod (the reasons kube-scheduler words) and whether preemption could
// ever help; scores rank the nodes that remain.

import { labelSelectorFromObject, withLabelKeys, type LabelSelector } from '../../selectors/labels.js';
import { tolerates } from '../node-lifecycle.js';
import type { Taint } from '../world.js';
import type { NodeInfo, PodInfo, SchedulerCache } from './cache.js';
import { findPodVolumes, reasonReadWriteOncePodConflict, reasonZoneConflict, zoneConflict, type PodVolumeClaims } from './volumes.js';

type Json = Record<string, any>;

export interface Incoming {
  spec: Json;
  info: PodInfo;
  cache: SchedulerCache;
  namespaceLabels(namespace: string): Record<string, string> | undefined;
  /** VolumeBinding's PreFilter state, for a pod with claims. */
  volumes?: PodVolumeClaims;
}

/** The filter plugins of the default profile that kubemock runs, by kube-scheduler's names. */
export type FilterPlugin =
  | 'NodeUnschedulable'
  | 'TaintToleration'
  | 'NodeAffinity'
  | 'NodePorts'
  | 'NodeResourcesFit'
  | 'VolumeRestrictions'
  | 'VolumeBinding'
  | 'VolumeZone'
  | 'PodTopologySpread'
  | 'InterPodAffinity';

export interface Rejection {
  /** The plugin that rejected the node: which cluster changes may undo it (hints.ts). */
  plugin: FilterPlugin;
  reasons: string[];
  /** UnschedulableAndUnresolvable: removing pods from the node would not help. */
  unresolvable: boolean;
}

type Filter = (pod: Incoming, node: NodeInfo) => Rejection | undefined;

const reject = (plugin: FilterPlugin, unresolvable: boolean, ...reasons: string[]): Rejection => ({ plugin, reasons, unresolvable });

function matchesExpression(expr: Json, value: string | undefined): boolean {
  const values: string[] = expr.values ?? [];
  switch (expr.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || !/^-?\d+$/.test(value) || values.length !== 1 || !/^-?\d+$/.test(values[0])) return false;
      return expr.operator === 'Gt' ? Number(value) > Number(values[0]) : Number(value) < Number(values[0]);
    }
    default:
      return false;
  }
}

/** What node selectors look at. */
export type SelectableNode = Pick<NodeInfo, 'name' | 'labels'>;

/** A NodeSelectorTerm: its expressions and fields all hold; an empty term matches nothing. */
export function matchesNodeSelectorTerm(term: Json, node: SelectableNode): boolean {
  const expressions: Json[] = term?.matchExpressions ?? [];
  const fields: Json[] = term?.matchFields ?? [];
  if (!expressions.length && !fields.length) return false;
  const labels = node.labels;
  return (
    expressions.every((e) => matchesExpression(e, Object.hasOwn(labels, e.key) ? labels[e.key] : undefined)) &&
    fields.every((f) => f.key === 'metadata.name' && matchesExpression(f, node.name))
  );
}

/** nodeSelector and required node affinity (the NodeAffinity filter). */
export function matchesNodeSelectors(spec: Json, node: SelectableNode): boolean {
  const labels = node.labels;
  const selector = spec.nodeSelector as Record<string, string> | undefined;
  if (selector) for (const key of Object.keys(selector)) if (labels[key] !== selector[key]) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required && !(required.nodeSelectorTerms ?? []).some((t: Json) => matchesNodeSelectorTerm(t, node))) return false;
  return true;
}


/** Whether a pod affinity term (of a pod in `ownerNamespace`) selects `pod`. */
export function termSelects(term: Json, ownerNamespace: string, pod: PodInfo, namespaceLabels: Incoming['namespaceLabels']): boolean {
  if (!term?.labelSelector) return false;
  const namespaces: string[] = term.namespaces ?? [];
  const inNamespace = namespaces.includes(pod.namespace) || (term.namespaceSelector ? labelSelectorFromObject(term.namespaceSelector)(namespaceLabels(pod.namespace)) : namespaces.length === 0 && pod.namespace === ownerNamespace);
  return inNamespace && labelSelectorFromObject(term.labelSelector)(pod.labels);
}

function sameDomain(a: NodeInfo | undefined, b: NodeInfo, topologyKey: string): boolean {
  if (!a) return false;
  const value = b.labels[topologyKey];
  return value !== undefined && a.labels[topologyKey] === value;
}

const nodeUnschedulable: Filter = (pod, node) => {
  if (!node.unschedulable) return undefined;
  const taint: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };
  if ((pod.spec.tolerations ?? []).some((t: Json) => tolerates(t, taint))) return undefined;
  return reject('NodeUnschedulable', true, 'node(s) were unschedulable');
};

const taintToleration: Filter = (pod, node) => {
  if (node.taints.length === 0) return undefined;
  const tolerations: Json[] = pod.spec.tolerations ?? [];
  const untolerated = node.taints.find((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerations.some((tol) => tolerates(tol, t)));
  return untolerated ? reject('TaintToleration', true, `node(s) had untolerated taint {${untolerated.key}: ${untolerated.value ?? ''}}`) : undefined;
};

const nodeAffinity: Filter = (pod, node) => (matchesNodeSelectors(pod.spec, node) ? undefined : reject('NodeAffinity', true, "node(s) didn't match Pod's node affinity/selector"));

/** Whether a wanted `protocol/hostIP/port` clashes with any taken one (0.0.0.0 clashes with every address). */
export function portsConflict(wanted: string, taken: Iterable<string>): boolean {
  const [protocol, ip, port] = wanted.split('/');
  for (const used of taken) {
    const [p, i, n] = used.split('/');
    if (p === protocol && n === port && (i === ip || i === '0.0.0.0' || ip === '0.0.0.0')) return true;
  }
  return false;
}

const nodePorts: Filter = (pod, node) =>
  pod.info.hostPorts.some((p) => portsConflict(p, node.hostPorts.keys())) ? reject('NodePorts', false, "node(s) didn't have free ports for the requested pod ports") : undefined;

const noReasons: readonly string[] = Object.freeze([]);
const standardResources = ['cpu', 'memory', 'ephemeral-storage'];

type Wanted = ReadonlyArray<readonly [string, bigint]>;

/**
 * A pod's non-zero requests in the order NodeResourcesFit reports them (cpu, memory, ephemeral-storage,
 * then the rest), once per requests: one list for all pods that ask the same, so that a node can
 * remember its answer to them.
 */
const wantedLists = new WeakMap<PodInfo['requests'], Wanted>();
const sameWanted = new Map<string, Wanted>();
/** Requests come from clients: past this many distinct ones, the lists are made afresh. */
const maxSameWanted = 1024;

function wantedOf(requests: PodInfo['requests']): Wanted {
  let wanted = wantedLists.get(requests);
  if (!wanted) {
    const list: Array<[string, bigint]> = [];
    for (const name of standardResources) {
      const amount = requests.get(name) ?? 0n;
      if (amount > 0n) list.push([name, amount]);
    }
    for (const [name, amount] of requests) if (!standardResources.includes(name) && name !== 'pods' && amount !== 0n) list.push([name, amount]);
    const key = list.map(([name, amount]) => `${name}=${amount}`).join(' ');
    wanted = sameWanted.get(key);
    if (!wanted) {
      if (sameWanted.size >= maxSameWanted) sameWanted.clear();
      wanted = list;
      sameWanted.set(key, wanted);
    }
    wantedLists.set(requests, wanted);
  }
  return wanted;
}

/** NodeResourcesFit, with the pod's requests against what the node has left. */
function insufficient(requests: PodInfo['requests'], node: NodeInfo): readonly string[] {
  const wanted = wantedOf(requests);
  if (node.lastFit?.wanted === wanted) return node.lastFit.reasons;
  let reasons: string[] | undefined;
  if (node.pods.size + 1 > node.allowedPods) (reasons ??= []).push('Too many pods');
  for (const [name, amount] of wanted) if (amount > node.free(name)) (reasons ??= []).push(`Insufficient ${name}`);
  node.lastFit = { wanted, reasons: reasons ?? noReasons };
  return node.lastFit.reasons;
}

const nodeResourcesFit: Filter = (pod, node) => {
  const reasons = insufficient(pod.info.requests, node);
  return reasons.length ? reject('NodeResourcesFit', false, ...reasons) : undefined;
};

/** VolumeRestrictions' ReadWriteOncePod check: no bound pod may use the pod's ReadWriteOncePod claims. */
const volumeRestrictions: Filter = (pod) => {
  for (const user of pod.volumes!.onceClaimUsers) if (pod.cache.pods.has(user)) return reject('VolumeRestrictions', false, reasonReadWriteOncePodConflict);
  return undefined;
};

/** VolumeBinding, for pods with claims (the others skip it: PreFilter found nothing to check). */
const volumeBinding: Filter = (pod, node) => {
  const { reasons } = findPodVolumes(pod.volumes!, node);
  return reasons.length ? reject('VolumeBinding', true, ...reasons) : undefined;
};

/** VolumeZone: a zoned node must be in the zones of the pod's bound volumes. */
const volumeZone: Filter = (pod, node) => (zoneConflict(pod.volumes!.zones, node.labels) ? reject('VolumeZone', true, reasonZoneConflict) : undefined);

/** A spread constraint's selector, narrowed by its matchLabelKeys to the values of the incoming pod's labels. */
export function spreadSelector(constraint: Json, podLabels: Record<string, string>): LabelSelector {
  if (!constraint.labelSelector) return () => false;
  return labelSelectorFromObject(withLabelKeys(constraint.labelSelector, constraint.matchLabelKeys, 'In', podLabels));
}

/** Pods matching a spread constraint's selector in the incoming pod's namespace, counted per topology domain. */
function spreadCounts(pod: Incoming, constraint: Json, eligible: readonly NodeInfo[]): Map<string, number> {
  const selector = spreadSelector(constraint, pod.info.labels);
  const counts = new Map<string, number>();
  for (const node of eligible) {
    const domain = node.labels[constraint.topologyKey];
    if (domain === undefined) continue;
    let n = counts.get(domain) ?? 0;
    for (const other of node.pods.values()) if (other.namespace === pod.info.namespace && selector(other.labels)) n++;
    counts.set(domain, n);
  }
  return counts;
}

/** Nodes a spread constraint counts: those the pod's node affinity allows (nodeAffinityPolicy Honor), taints ignored. */
function spreadEligible(pod: Incoming, constraint: Json): NodeInfo[] {
  const honorAffinity = (constraint.nodeAffinityPolicy ?? 'Honor') === 'Honor';
  const honorTaints = constraint.nodeTaintsPolicy === 'Honor';
  const tolerations: Json[] = pod.spec.tolerations ?? [];
  return pod.cache.nodeList().filter(
    (n) =>
      (!honorAffinity || matchesNodeSelectors(pod.spec, n)) &&
      (!honorTaints || n.taints.every((t) => (t.effect !== 'NoSchedule' && t.effect !== 'NoExecute') || tolerations.some((tol) => tolerates(tol, t)))),
  );
}

const podTopologySpread: Filter = (pod, node) => {
  for (const constraint of (pod.spec.topologySpreadConstraints ?? []) as Json[]) {
    if (constraint.whenUnsatisfiable !== 'DoNotSchedule') continue;
    const domain = node.labels[constraint.topologyKey];
    if (domain === undefined) return reject('PodTopologySpread', true, "node(s) didn't match pod topology spread constraints (missing required label)");
    const counts = spreadCounts(pod, constraint, spreadEligible(pod, constraint));
    const self = spreadSelector(constraint, pod.info.labels)(pod.info.labels) ? 1 : 0;
    const domains = [...counts.values()];
    const minDomains = constraint.minDomains ?? 1;
    const min = domains.length < minDomains ? 0 : Math.min(...domains);
    if ((counts.get(domain) ?? 0) + self - min > (constraint.maxSkew ?? 1)) return reject('PodTopologySpread', false, "node(s) didn't match pod topology spread constraints");
  }
  return undefined;
};

const interPodAffinity: Filter = (pod, node) => {
  const nodes = pod.cache.nodes;
  const affinity = pod.spec.affinity ?? {};
  for (const term of (affinity.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) as Json[]) {
    let anywhere = false;
    let here = false;
    for (const other of pod.cache.pods.values()) {
      if (!termSelects(term, pod.info.namespace, other, pod.namespaceLabels)) continue;
      anywhere = true;
      if (sameDomain(nodes.get(other.node), node, term.topologyKey)) {
        here = true;
        break;
      }
    }
    // The first pod of a group that selects itself may go anywhere with the topology key.
    const selfSelecting = !anywhere && termSelects(term, pod.info.namespace, pod.info, pod.namespaceLabels) && node.labels[term.topologyKey] !== undefined;
    if (!here && !selfSelecting) return reject('InterPodAffinity', true, "node(s) didn't match pod affinity rules");
  }
  for (const term of (affinity.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) as Json[]) {
    for (const other of pod.cache.pods.values()) {
      if (termSelects(term, pod.info.namespace, other, pod.namespaceLabels) && sameDomain(nodes.get(other.node), node, term.topologyKey)) {
        return reject('InterPodAffinity', false, "node(s) didn't match pod anti-affinity rules");
      }
    }
  }
  // Existing pods' required anti-affinity that the incoming pod would violate.
  for (const existing of pod.cache.withAntiAffinity) {
    for (const term of existing.antiAffinity) {
      if (termSelects(term, existing.namespace, pod.info, pod.namespaceLabels) && sameDomain(nodes.get(existing.node), node, term.topologyKey)) {
        return reject('InterPodAffinity', false, "node(s) didn't satisfy existing pods anti-affinity rules");
      }
    }
  }
  return undefined;
};

export const filters: Filter[] = [nodeUnschedulable, taintToleration, nodeAffinity, nodePorts, nodeResourcesFit, podTopologySpread, interPodAffinity];
const filtersWithVolumes: Filter[] = [nodeUnschedulable, taintToleration, nodeAffinity, nodePorts, nodeResourcesFit, volumeRestrictions, volumeBinding, volumeZone, podTopologySpread, interPodAffinity];

/** Runs the filters in order; the first that rejects decides, as the framework stops at the first failure. */
export function runFilters(pod: Incoming, node: NodeInfo, from: Filter[] = pod.volumes ? filtersWithVolumes : filters): Rejection | undefined {
  for (const filter of from) {
    const rejection = filter(pod, node);
    if (rejection) return rejection;
  }
  return undefined;
}

/** FitError's wording: how many of `total` nodes gave each reason, sorted. */
export function histogram(reasons: string[], total: number): string {
  const counts = new Map<string, number>();
  for (const reason of reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  const parts = [...counts].map(([reason, n]) => `${n} ${reason}`).sort();
  return `0/${total} nodes are available${parts.length ? `: ${parts.join(', ')}` : ''}.`;
}

// ---------- scores: each 0..100 per node, weighted as the default profile weights them ----------

type Score = (pod: Incoming, nodes: NodeInfo[]) => number[];

/** Scales raw scores so the best node gets 100 (or the worst, with `reverse`), as DefaultNormalizeScore does. */
function normalize(raw: number[], reverse = false): number[] {
  const max = Math.max(0, ...raw);
  if (max === 0) return raw.map(() => (reverse ? 100 : 0));
  return raw.map((s) => (reverse ? 100 - (s * 100) / max : (s * 100) / max));
}

/** The share of the node's cpu its pods and this one (asking for `cpu`) would ask for. */
function cpuFraction(cpu: number, node: NodeInfo): number {
  const load = node.scoringLoad();
  return load.cpuCapacity ? Math.min(1, (load.cpu + cpu) / load.cpuCapacity) : 1;
}

function memoryFraction(memory: number, node: NodeInfo): number {
  const load = node.scoringLoad();
  return load.memoryCapacity ? Math.min(1, (load.memory + memory) / load.memoryCapacity) : 1;
}

const leastAllocated: Score = (pod, nodes) => {
  const cpu = Number(pod.info.nonZero.cpu);
  const memory = Number(pod.info.nonZero.memory);
  return nodes.map((n) => ((1 - cpuFraction(cpu, n)) * 100 + (1 - memoryFraction(memory, n)) * 100) / 2);
};

const balancedAllocation: Score = (pod, nodes) => {
  const cpu = Number(pod.info.nonZero.cpu);
  const memory = Number(pod.info.nonZero.memory);
  return nodes.map((n) => (1 - Math.abs(cpuFraction(cpu, n) - memoryFraction(memory, n)) / 2) * 100);
};

const taintTolerationScore: Score = (pod, nodes) => {
  const tolerations: Json[] = (pod.spec.tolerations ?? []).filter((t: Json) => !t.effect || t.effect === 'PreferNoSchedule');
  return normalize(
    nodes.map((n) => (n.taints.length === 0 ? 0 : n.taints.filter((t) => t.effect === 'PreferNoSchedule' && !tolerations.some((tol) => tolerates(tol, t))).length)),
    true,
  );
};

const nodeAffinityScore: Score = (pod, nodes) => {
  const preferred: Json[] = pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  // Nothing preferred scores every node 0, as normalizing all zeros does.
  if (preferred.length === 0) return nodes.map(() => 0);
  return normalize(nodes.map((n) => preferred.reduce((sum, p) => sum + (matchesNodeSelectorTerm(p.preference, n) ? (p.weight ?? 0) : 0), 0)));
};

/** Default spreading: fewer pods of the same controller on a node (and in its zone) scores higher. */
const podTopologySpreadScore: Score = (pod, nodes) => {
  const owner = pod.info.controllerUid;
  const constraints: Json[] = (pod.spec.topologySpreadConstraints ?? []).filter((c: Json) => c.whenUnsatisfiable === 'ScheduleAnyway');
  const siblings = !constraints.length && !pod.spec.topologySpreadConstraints?.length && owner ? pod.cache.byController.get(owner) : undefined;
  // Nothing to count: every node scores 100, as normalizing all zeros in reverse does.
  if (!constraints.length && !siblings) return nodes.map(() => 100);
  const raw = nodes.map((n) => {
    let count = 0;
    for (const constraint of constraints) count += spreadCounts(pod, constraint, pod.cache.nodeList()).get(n.labels[constraint.topologyKey]) ?? 0;
    if (siblings) count += siblings.get(n.name) ?? 0;
    return count;
  });
  return normalize(raw, true);
};

const interPodAffinityScore: Score = (pod, nodes) => {
  const affinity = pod.spec.affinity ?? {};
  const weighted: Array<[Json, number]> = [
    ...((affinity.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) as Json[]).map((p): [Json, number] => [p.podAffinityTerm, p.weight ?? 0]),
    ...((affinity.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) as Json[]).map((p): [Json, number] => [p.podAffinityTerm, -(p.weight ?? 0)]),
  ];
  if (!weighted.length) return nodes.map(() => 0);
  const raw = nodes.map((n) => {
    let score = 0;
    for (const [term, weight] of weighted) {
      for (const other of pod.cache.pods.values()) {
        if (termSelects(term, pod.info.namespace, other, pod.namespaceLabels) && sameDomain(pod.cache.nodes.get(other.node), n, term.topologyKey)) score += weight;
      }
    }
    return score;
  });
  const min = Math.min(...raw);
  const max = Math.max(...raw);
  return raw.map((s) => (max === min ? 0 : ((s - min) * 100) / (max - min)));
};

const scores: Array<[Score, number]> = [
  [taintTolerationScore, 3],
  [nodeAffinityScore, 2],
  [leastAllocated, 1],
  [podTopologySpreadScore, 2],
  [interPodAffinityScore, 2],
  [balancedAllocation, 1],
];

/** The weighted total of every score plugin for each node. */
export function scoreNodes(pod: Incoming, nodes: NodeInfo[]): number[] {
  const totals = nodes.map(() => 0);
  for (const [score, weight] of scores) {
    const scored = score(pod, nodes);
    for (let i = 0; i < scored.length; i++) totals[i] += scored[i] * weight;
  }
  return totals;
}
