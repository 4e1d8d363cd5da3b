// kube-scheduler's queueing hints (SchedulerQueueingHints, on in 1.32): an unschedulable pod
// remembers which filter plugins rejected it, and a cluster change moves it back to the queue only
// when one of those plugins registered that kind of change and says it may now let the pod fit.
// The changes are as the scheduler's informers see them: pods in phase Succeeded or Failed are out
// of its view, so a bound pod that finishes is a deleted one.

import { jsonEqual } from '../../json.js';
import { labelSelectorFromObject } from '../../selectors/labels.js';
import { tolerates } from '../node-lifecycle.js';
import type { Taint } from '../world.js';
import type { Amounts } from './resources.js';
import type { PodInfo } from './cache.js';
import { claimNamesOf } from '../volume-binding.js';
import { matchesNodeSelectors, portsConflict, spreadSelector, type FilterPlugin } from './plugins.js';

type Json = Record<string, any>;

/** What the hints read of a node, as it was at one version. */
export interface NodeView {
  name: string;
  labels: Record<string, string>;
  taints: Taint[];
  unschedulable: boolean;
  allocatable: Amounts;
  allowedPods: number;
}

export type ClusterEvent =
  | { kind: 'AssignedPodAdd'; pod: PodInfo }
  /** UpdatePodLabel of a bound pod; its other updates concern no hint of these plugins. */
  | { kind: 'AssignedPodLabels'; old: PodInfo; pod: PodInfo }
  | { kind: 'AssignedPodDelete'; old: PodInfo }
  | { kind: 'NodeAdd'; node: NodeView }
  /** Which of UpdateNodeLabel, UpdateNodeTaint (a taint, or spec.unschedulable cleared) and UpdateNodeAllocatable happened. */
  | { kind: 'NodeUpdate'; labels: boolean; taints: boolean; allocatable: boolean; old: NodeView; node: NodeView }
  | { kind: 'NodeDelete'; old: NodeView }
  /** A PersistentVolumeClaim added or updated. */
  | { kind: 'ClaimChange'; added: boolean; namespace: string; name: string }
  /** A PersistentVolume added or updated (`zones`: added, or its zone or region labels changed). */
  | { kind: 'VolumeChange'; added: boolean; zones: boolean }
  /** A StorageClass added, or updated (`topologies`: its allowedTopologies changed). */
  | { kind: 'StorageClassChange'; added: boolean; topologies: boolean; waitForFirstConsumer: boolean }
  /** The unschedulable pod itself changed its labels or its tolerations (UpdatePodLabel, UpdatePodTolerations). */
  | { kind: 'OwnUpdate'; labels: boolean; tolerations: boolean; oldLabels: Record<string, string>; oldTolerations: Json[] };

/** An unschedulable pod as the hints weigh it: its latest spec and what rejected it. */
export interface WaitingPod {
  spec: Json;
  info: PodInfo;
  /** Empty when no plugin did (no nodes at all): then any change is worth a try. */
  rejectors: ReadonlySet<FilterPlugin>;
  /** The pods that used its ReadWriteOncePod claims when it was tried. */
  onceClaimUsers?: ReadonlySet<string>;
}

const unschedulableTaint: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

function untolerated(taints: readonly Taint[], tolerations: Json[]): boolean {
  return taints.some((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerations.some((tol) => tolerates(tol, t)));
}

/** isFit: the pod's requests against the node's allocatable, as if no pod ran there. */
function fitsEmpty(requests: ReadonlyMap<string, bigint>, node: NodeView): boolean {
  if (node.allowedPods < 1) return false;
  for (const [name, amount] of requests) if (name !== 'pods' && amount > 0n && amount > (node.allocatable.get(name) ?? 0n)) return false;
  return true;
}

/** haveAnyRequestedResourcesIncreased: more pods allowed, or more of something the pod asks for. */
function requestedGrew(requests: ReadonlyMap<string, bigint>, old: NodeView, node: NodeView): boolean {
  if (node.allowedPods > old.allowedPods) return true;
  for (const [name, amount] of requests) if (name !== 'pods' && amount > 0n && (node.allocatable.get(name) ?? 0n) > (old.allocatable.get(name) ?? 0n)) return true;
  return false;
}

interface HardConstraint {
  topologyKey: string;
  selects: (labels: Record<string, string>) => boolean;
  honorTaints: boolean;
}

// What the hints compile of a pod's spec, kept while the spec object lives: each change is weighed
// against every unschedulable pod.
const constraintsOfSpec = new WeakMap<Json, { labels: Record<string, string>; constraints: HardConstraint[] }>();
const compiledTerms = new WeakMap<Json, { selects: (labels: Record<string, string>) => boolean; anyNamespace: boolean }>();

/** The pod's DoNotSchedule spread constraints, each with its selector (matchLabelKeys read from the pod's labels). */
function hardConstraints(pod: WaitingPod): HardConstraint[] {
  const compiled = constraintsOfSpec.get(pod.spec);
  if (compiled?.labels === pod.info.labels) return compiled.constraints;
  const constraints = ((pod.spec.topologySpreadConstraints ?? []) as Json[])
    .filter((c) => c.whenUnsatisfiable === 'DoNotSchedule')
    .map((c) => ({ topologyKey: c.topologyKey, selects: spreadSelector(c, pod.info.labels), honorTaints: c.nodeTaintsPolicy === 'Honor' }));
  constraintsOfSpec.set(pod.spec, { labels: pod.info.labels, constraints });
  return constraints;
}

/** Whether every one of the terms selects the pod, namespaces as the hint reads them (no namespace labels); false for no terms. */
function allTermsSelect(terms: Json[], ownerNamespace: string, pod: Pick<PodInfo, 'namespace' | 'labels'>): boolean {
  if (!terms.length) return false;
  return terms.every((term) => {
    let compiled = compiledTerms.get(term);
    if (!compiled) {
      compiled = {
        selects: term.labelSelector ? labelSelectorFromObject(term.labelSelector) : () => false,
        // The hint matches a namespace selector against no labels at all.
        anyNamespace: !!term.namespaceSelector && labelSelectorFromObject(term.namespaceSelector)({}),
      };
      compiledTerms.set(term, compiled);
    }
    const namespaces: string[] = term.namespaces ?? [];
    const inNamespace = namespaces.length === 0 && !term.namespaceSelector ? pod.namespace === ownerNamespace : namespaces.includes(pod.namespace) || compiled.anyNamespace;
    return inNamespace && compiled.selects(pod.labels);
  });
}

export function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

type Hint = (pod: WaitingPod, event: ClusterEvent) => boolean;

const nodeUnschedulable: Hint = (pod, event) => {
  if (event.kind === 'NodeAdd') return !event.node.unschedulable;
  if (event.kind === 'NodeUpdate') return event.taints && event.old.unschedulable && !event.node.unschedulable;
  if (event.kind === 'OwnUpdate') return event.tolerations && ((pod.spec.tolerations ?? []) as Json[]).some((t) => tolerates(t, unschedulableTaint));
  return false;
};

const taintToleration: Hint = (pod, event) => {
  const tolerations: Json[] = pod.spec.tolerations ?? [];
  if (event.kind === 'NodeAdd') return !untolerated(event.node.taints, tolerations);
  if (event.kind === 'NodeUpdate') return event.taints && untolerated(event.old.taints, tolerations) && !untolerated(event.node.taints, tolerations);
  return event.kind === 'OwnUpdate' && event.tolerations;
};

const nodeAffinity: Hint = (pod, event) => {
  if (event.kind === 'NodeAdd') return matchesNodeSelectors(pod.spec, event.node);
  if (event.kind === 'NodeUpdate') return event.labels && matchesNodeSelectors(pod.spec, event.node) && !matchesNodeSelectors(pod.spec, event.old);
  return false;
};

const nodePorts: Hint = (pod, event) => {
  if (event.kind === 'NodeAdd') return true;
  if (event.kind !== 'AssignedPodDelete') return false;
  // Whether the pod's ports clash with the deleted pod's alone.
  return pod.info.hostPorts.some((wanted) => portsConflict(wanted, event.old.hostPorts));
};

const nodeResourcesFit: Hint = (pod, event) => {
  if (event.kind === 'AssignedPodDelete') return true;
  if (event.kind === 'NodeAdd') return fitsEmpty(pod.info.requests, event.node);
  if (event.kind === 'NodeUpdate') return event.allocatable && fitsEmpty(pod.info.requests, event.node) && requestedGrew(pod.info.requests, event.old, event.node);
  return false;
};

const podTopologySpread: Hint = (pod, event) => {
  const constraints = hardConstraints(pod);
  const selectedByAny = (labels: Record<string, string>) => constraints.some((c) => c.selects(labels));
  const keyedForAll = (labels: Record<string, string>) => constraints.every((c) => Object.hasOwn(labels, c.topologyKey));
  switch (event.kind) {
    case 'AssignedPodAdd':
      return event.pod.namespace === pod.info.namespace && selectedByAny(event.pod.labels);
    case 'AssignedPodDelete':
      return event.old.namespace === pod.info.namespace && selectedByAny(event.old.labels);
    case 'AssignedPodLabels':
      return event.pod.namespace === pod.info.namespace && constraints.some((c) => c.selects(event.old.labels) !== c.selects(event.pod.labels));
    case 'OwnUpdate': {
      const tolerationsChanged = !jsonEqual(event.oldTolerations, pod.spec.tolerations ?? []);
      if (tolerationsChanged && constraints.some((c) => c.honorTaints)) return true;
      return constraints.some((c) => c.selects(event.oldLabels) !== c.selects(pod.info.labels));
    }
    case 'NodeAdd':
      return keyedForAll(event.node.labels);
    case 'NodeDelete':
      return keyedForAll(event.old.labels);
    case 'NodeUpdate': {
      if (!event.labels && !event.taints) return false;
      const was = keyedForAll(event.old.labels);
      const is = keyedForAll(event.node.labels);
      if (was !== is) return true;
      return is && (constraints.some((c) => event.old.labels[c.topologyKey] !== event.node.labels[c.topologyKey]) || !jsonEqual(event.old.taints, event.node.taints));
    }
    default:
      return false;
  }
};

const interPodAffinity: Hint = (pod, event) => {
  const affinity = pod.spec.affinity ?? {};
  const terms: Json[] = affinity.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  const antiTerms: Json[] = affinity.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  const namespace = pod.info.namespace;
  switch (event.kind) {
    case 'AssignedPodAdd':
      return allTermsSelect(terms, namespace, event.pod);
    case 'AssignedPodLabels':
      return (!allTermsSelect(terms, namespace, event.old) && allTermsSelect(terms, namespace, event.pod)) || (allTermsSelect(antiTerms, namespace, event.old) && !allTermsSelect(antiTerms, namespace, event.pod));
    case 'AssignedPodDelete':
      return allTermsSelect(antiTerms, namespace, event.old);
    case 'NodeAdd':
      return [...terms, ...antiTerms].some((t) => Object.hasOwn(event.node.labels, t.topologyKey));
    case 'NodeUpdate':
      return event.labels && [...terms, ...antiTerms].some((t) => Object.hasOwn(event.node.labels, t.topologyKey));
    default:
      return false;
  }
};

/** Whether a claim is one the waiting pod names (VolumeBinding's and VolumeZone's claim hints). */
const namesClaim = (pod: WaitingPod, namespace: string, name: string) =>
  namespace === pod.info.namespace && claimNamesOf(pod.info.key.slice(pod.info.namespace.length + 1), pod.spec).some((c) => c.name === name);

/** VolumeRestrictions registers deleted pods (one that used the pod's ReadWriteOncePod claims), nodes added and claims the pod names added. */
const volumeRestrictions: Hint = (pod, event) => {
  switch (event.kind) {
    case 'AssignedPodDelete':
      return pod.onceClaimUsers?.has(event.old.key) ?? false;
    case 'NodeAdd':
      return true;
    case 'ClaimChange':
      return event.added && namesClaim(pod, event.namespace, event.name);
    default:
      return false;
  }
};

/** VolumeBinding registers claims the pod names, any volume, classes added or with new allowed topologies, and nodes added or relabeled. */
const volumeBinding: Hint = (pod, event) => {
  switch (event.kind) {
    case 'ClaimChange':
      return namesClaim(pod, event.namespace, event.name);
    case 'VolumeChange':
    case 'NodeAdd':
      return true;
    case 'StorageClassChange':
      return event.added || event.topologies;
    case 'NodeUpdate':
      return event.labels;
    default:
      return false;
  }
};

/** VolumeZone registers claims the pod names, volumes added or with new zone labels, WaitForFirstConsumer classes added, and nodes added or relabeled. */
const volumeZone: Hint = (pod, event) => {
  switch (event.kind) {
    case 'ClaimChange':
      return namesClaim(pod, event.namespace, event.name);
    case 'VolumeChange':
      return event.zones;
    case 'StorageClassChange':
      return event.added && event.waitForFirstConsumer;
    case 'NodeAdd':
      return true;
    case 'NodeUpdate':
      return event.labels;
    default:
      return false;
  }
};

const hints: Record<FilterPlugin, Hint> = {
  NodeUnschedulable: nodeUnschedulable,
  TaintToleration: taintToleration,
  NodeAffinity: nodeAffinity,
  NodePorts: nodePorts,
  NodeResourcesFit: nodeResourcesFit,
  VolumeRestrictions: volumeRestrictions,
  VolumeBinding: volumeBinding,
  VolumeZone: volumeZone,
  PodTopologySpread: podTopologySpread,
  InterPodAffinity: interPodAffinity,
};

/** isPodWorthRequeuing: whether the change may let the pod fit now, by the hints of the plugins that rejected it. */
export function worthRequeuing(pod: WaitingPod, event: ClusterEvent): boolean {
  if (pod.rejectors.size === 0) return true;
  for (const plugin of pod.rejectors) if (hints[plugin](pod, event)) return true;
  return false;
}

/** The changes of an unschedulable pod's own update that a hint may look at. */
export function ownUpdate(old: { labels: Record<string, string>; tolerations: Json[] }, current: { labels: Record<string, string>; tolerations: Json[] }): ClusterEvent | undefined {
  const labels = !sameLabels(old.labels, current.labels);
  // extractPodTolerationChange compares only how many there are.
  const tolerations = old.tolerations.length !== current.tolerations.length;
  return labels || tolerations ? { kind: 'OwnUpdate', labels, tolerations, oldLabels: old.labels, oldTolerations: old.tolerations } : undefined;
}
