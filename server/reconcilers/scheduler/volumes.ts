// kube-scheduler's VolumeBinding plugin (pkg/scheduler/framework/plugins/volumebinding): a pod's
// claims must exist and be usable (PreFilter); bound claims need their volume to exist and fit the
// node, claims of a WaitForFirstConsumer class need a free volume on the node or a class that can
// provision there (Filter); the chosen node's volumes are then bound, or the claims annotated with
// the node for their provisioner, and the pod is bound once the volume binder has finished (PreBind,
// polled every second for up to 10 minutes).

import type { StoredObject } from '../../store/memory-store.js';
import type { KubeObject } from '../../store/types.js';
import type { ControllerClient } from '../client.js';
import { referenceTo } from '../events.js';
import {
  annBindCompleted,
  annBoundByController,
  annSelectedNode,
  claimClass,
  findMatchingVolume,
  notSupportedProvisioner,
  podClaimNames,
  requestedStorage,
  specOf,
  statusOf,
  volumeBoundToClaim,
  volumeClass,
  volumeFitsNode,
} from '../volume-binding.js';

type Json = Record<string, any>;

/** What the plugin reads of the cluster. */
export interface VolumeLookup {
  claim(namespace: string, name: string): StoredObject | undefined;
  volume(name: string): StoredObject | undefined;
  storageClass(name: string): StoredObject | undefined;
  volumes(): readonly StoredObject[];
}

/** PreFilter's findings for a pod with claims (PodVolumeClaims). */
export interface PodVolumeClaims {
  bound: StoredObject[];
  /** VolumeZone's: the zone and region labels of the bound volumes. */
  zones: VolumeTopology[];
  /** VolumeRestrictions': the other pods using the pod's ReadWriteOncePod claims. */
  onceClaimUsers: ReadonlySet<string>;
  /** Unbound claims of WaitForFirstConsumer classes, smallest request first (byPVCSize). */
  delayed: StoredObject[];
  lookup: VolumeLookup;
}

/** The chosen node's work: volumes to bind to claims, and claims to provision there. */
export interface PodVolumes {
  bindings: Array<{ volume: StoredObject; claim: StoredObject }>;
  provisions: StoredObject[];
}

export const reasonBindConflict = "node(s) didn't find available persistent volumes to bind";
export const reasonNodeConflict = 'node(s) had volume node affinity conflict';
export const reasonVolumeMissing = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';

/** IsDelayBindingMode: the claim's class exists and binds WaitForFirstConsumer. */
function delayBinding(claim: KubeObject, lookup: VolumeLookup): boolean {
  const name = claimClass(claim);
  return name !== '' && lookup.storageClass(name)?.object.volumeBindingMode === 'WaitForFirstConsumer';
}

/** Whether the pod names any claim at all: pods without claims skip the plugin. */
export function podHasClaims(pod: KubeObject): boolean {
  for (const volume of (specOf(pod).volumes ?? []) as Json[]) if (volume?.persistentVolumeClaim || volume?.ephemeral) return true;
  return false;
}

/**
 * PreFilter (podHasPVCs and GetPodVolumeClaims): the reason no node can take the pod, or what
 * Filter weighs per node.
 */
export function preFilterVolumes(pod: KubeObject, lookup: VolumeLookup): { reason: string } | PodVolumeClaims {
  const namespace = pod.metadata.namespace ?? '';
  const claims: StoredObject[] = [];
  for (const { name, ephemeral } of podClaimNames(pod)) {
    const claim = lookup.claim(namespace, name);
    if (!claim) return { reason: ephemeral ? `waiting for ephemeral volume controller to create the persistentvolumeclaim "${name}"` : `persistentvolumeclaim "${name}" not found` };
    if (statusOf(claim.object).phase === 'Lost') return { reason: `persistentvolumeclaim "${name}" bound to non-existent persistentvolume "${specOf(claim.object).volumeName ?? ''}"` };
    if (claim.object.metadata.deletionTimestamp) return { reason: `persistentvolumeclaim "${name}" is being deleted` };
    if (ephemeral && !(claim.object.metadata.ownerReferences ?? []).some((ref) => ref.controller === true && ref.uid === pod.metadata.uid)) {
      return { reason: `PVC ${namespace}/${name} was not created for pod ${namespace}/${pod.metadata.name} (pod is not owner)` };
    }
    claims.push(claim);
  }
  const bound: StoredObject[] = [];
  const delayed: StoredObject[] = [];
  let unboundImmediate = false;
  for (const claim of claims) {
    const spec = specOf(claim.object);
    if (spec.volumeName && claim.object.metadata.annotations?.[annBindCompleted] !== undefined) bound.push(claim);
    else if (!spec.volumeName && delayBinding(claim.object, lookup)) delayed.push(claim);
    else unboundImmediate = true;
  }
  if (unboundImmediate) return { reason: 'pod has unbound immediate PersistentVolumeClaims' };
  delayed.sort((a, b) => requestedStorage(a.object).cmp(requestedStorage(b.object)));
  return { bound, delayed, lookup, zones: [], onceClaimUsers: new Set() };
}

/** MatchTopologySelectorTerms: no terms match every node; otherwise one term's expressions must all hold. */
function allowedOnNode(storageClass: KubeObject, labels: Record<string, string>): boolean {
  const terms: Json[] = (storageClass.allowedTopologies as Json[] | undefined) ?? [];
  if (!terms.length) return true;
  return terms.some((term) => ((term.matchLabelExpressions ?? []) as Json[]).every((e) => Object.hasOwn(labels, e.key) && ((e.values ?? []) as string[]).includes(labels[e.key])));
}

/** FindPodVolumes: the reasons the node cannot take the pod's volumes, and what binding them there takes. */
export function findPodVolumes(state: PodVolumeClaims, node: { name: string; labels: Record<string, string> }): { reasons: string[]; volumes: PodVolumes } {
  const volumes: PodVolumes = { bindings: [], provisions: [] };
  let boundSatisfied = true;
  let boundFound = true;
  let unboundSatisfied = true;
  const reasons = () => {
    const out: string[] = [];
    if (!boundSatisfied) out.push(reasonNodeConflict);
    if (!unboundSatisfied) out.push(reasonBindConflict);
    if (!boundFound) out.push(reasonVolumeMissing);
    return { reasons: out, volumes };
  };
  for (const claim of state.bound) {
    const volume = state.lookup.volume(specOf(claim.object).volumeName);
    if (!volume) {
      boundFound = false;
      break;
    }
    if (!volumeFitsNode(volume.object, node.labels)) {
      boundSatisfied = false;
      break;
    }
  }
  if (!state.delayed.length) return reasons();
  const toMatch: StoredObject[] = [];
  for (const claim of state.delayed) {
    const selected = claim.object.metadata.annotations?.[annSelectedNode];
    if (selected === undefined) toMatch.push(claim);
    else if (selected !== node.name) {
      unboundSatisfied = false;
      return reasons();
    } else volumes.provisions.push(claim);
  }
  if (toMatch.length) {
    const chosen = new Set<string>();
    const byClass = new Map<string, StoredObject[]>();
    for (const claim of toMatch) {
      const className = claimClass(claim.object);
      let candidates = byClass.get(className);
      if (!candidates) byClass.set(className, (candidates = state.lookup.volumes().filter((v) => volumeClass(v.object) === className)));
      const volume = findMatchingVolume(claim.object, candidates, { node: node.labels, excluded: chosen, delayBinding: true });
      if (!volume) {
        unboundSatisfied = false;
        volumes.provisions.push(claim);
        continue;
      }
      chosen.add(volume.name);
      volumes.bindings.push({ volume, claim });
    }
  }
  // checkVolumeProvisions: every claim left must be provisionable on this node.
  if (volumes.provisions.length) {
    unboundSatisfied = true;
    for (const claim of volumes.provisions) {
      const storageClass = state.lookup.storageClass(claimClass(claim.object));
      const provisioner = String(storageClass?.object.provisioner ?? '');
      if (!storageClass || !provisioner || provisioner === notSupportedProvisioner || !allowedOnNode(storageClass.object, node.labels)) {
        unboundSatisfied = false;
        break;
      }
    }
  }
  return reasons();
}

/** GetBindVolumeToClaim and bindAPIUpdate: each volume's claimRef (bound-by-controller unless the user pre-bound it), each claim to provision annotated with the node. */
export function writePodVolumes(client: ControllerClient, volumes: PodVolumes, node: string): void {
  for (const { volume, claim } of volumes.bindings) {
    const markBound = !volumeBoundToClaim(volume.object, claim.object) && volume.object.metadata.annotations?.[annBoundByController] === undefined;
    const ref = specOf(volume.object).claimRef as Json | undefined;
    const refers = ref && ref.name === claim.name && ref.namespace === claim.namespace && ref.uid === claim.object.metadata.uid;
    client.update(volume, (v) => {
      if (!refers) specOf(v).claimRef = referenceTo(claim);
      if (markBound) (v.metadata.annotations ??= {})[annBoundByController] = 'yes';
    });
  }
  for (const claim of volumes.provisions) {
    client.update(claim, (c) => {
      (c.metadata.annotations ??= {})[annSelectedNode] = node;
    });
  }
}

const fullyBound = (claim: KubeObject) => Boolean(specOf(claim).volumeName) && claim.metadata.annotations?.[annBindCompleted] !== undefined;

/**
 * checkBindings: true once the volume binder has bound every claim, false while it has not, or why
 * binding failed (a volume's claimRef taken back, a provisioner giving up on the node).
 */
export function checkPodVolumes(lookup: VolumeLookup, volumes: PodVolumes, node: { name: string; labels: Record<string, string> }): boolean | string {
  const affinityError = (volume: StoredObject) => `pv "${volume.name}" node affinity doesn't match node "${node.name}": no matching NodeSelectorTerms`;
  for (const binding of volumes.bindings) {
    const volume = lookup.volume(binding.volume.name);
    const claim = lookup.claim(binding.claim.namespace, binding.claim.name);
    if (!volume) return `failed to check binding: could not find v1.PersistentVolume "${binding.volume.name}"`;
    if (!claim) return `failed to check binding: could not find v1.PersistentVolumeClaim "${binding.claim.key}"`;
    if (!volumeFitsNode(volume.object, node.labels)) return affinityError(volume);
    if (!specOf(volume.object).claimRef?.uid) return `ClaimRef got reset for pv "${volume.name}"`;
    if (!fullyBound(claim.object)) return false;
  }
  for (const provisioned of volumes.provisions) {
    const claim = lookup.claim(provisioned.namespace, provisioned.name);
    if (!claim) return `failed to check provisioning pvc: could not find v1.PersistentVolumeClaim "${provisioned.key}"`;
    const selected = claim.object.metadata.annotations?.[annSelectedNode];
    if (selected === undefined && !claim.object.metadata.annotations) return `selectedNode annotation reset for PVC "${claim.name}"`;
    if (selected !== node.name) return `provisioning failed for PVC "${claim.name}"`;
    const volumeName = specOf(claim.object).volumeName;
    if (volumeName) {
      const volume = lookup.volume(volumeName);
      if (!volume) return false;
      if (!volumeFitsNode(volume.object, node.labels)) return affinityError(volume);
    }
    if (!fullyBound(claim.object)) return false;
  }
  return true;
}

/** The zone and region labels VolumeZone compares, beta ones first; a beta label of a volume also matches the node's GA one. */
const topologyLabels = ['failure-domain.beta.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.kubernetes.io/region'];
const gaLabel: Record<string, string> = {
  'failure-domain.beta.kubernetes.io/zone': 'topology.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region': 'topology.kubernetes.io/region',
};
export const reasonZoneConflict = 'node(s) had no available volume zone';

/** A bound volume's zone or region label: the values it allows (LabelZonesToSet, `__` between them). */
export interface VolumeTopology {
  key: string;
  values: ReadonlySet<string>;
}

/**
 * VolumeZone's PreFilter (getPVbyPod) for a pod that passed VolumeBinding's: the zone and region
 * labels of its bound volumes, or the reason no node can take it (a bound volume that is gone).
 */
export function preFilterZones(state: PodVolumeClaims): { reason: string } | VolumeTopology[] {
  const topologies: VolumeTopology[] = [];
  for (const claim of state.bound) {
    const name = specOf(claim.object).volumeName as string;
    const volume = state.lookup.volume(name);
    if (!volume) return { reason: `persistentvolume "${name}" not found` };
    const labels = volume.object.metadata.labels ?? {};
    for (const key of topologyLabels) {
      if (!Object.hasOwn(labels, key)) continue;
      const values = labels[key].split('__').map((zone) => zone.trim());
      // A label with an empty zone cannot be read, and is ignored.
      if (values.some((zone) => !zone)) continue;
      topologies.push({ key, values: new Set(values) });
    }
  }
  return topologies;
}

/** VolumeZone's Filter: a node with zone or region labels must be in each bound volume's. */
export function zoneConflict(topologies: readonly VolumeTopology[], labels: Record<string, string>): boolean {
  if (!topologyLabels.some((key) => Object.hasOwn(labels, key))) return false;
  return topologies.some(({ key, values }) => {
    const value = Object.hasOwn(labels, key) ? labels[key] : gaLabel[key] !== undefined && Object.hasOwn(labels, gaLabel[key]) ? labels[gaLabel[key]] : undefined;
    return value === undefined || !values.has(value);
  });
}

/** The zone and region labels of a volume, to tell whether an update changed them. */
export function volumeZoneLabels(volume: KubeObject | undefined): string {
  const labels = volume?.metadata.labels ?? {};
  return topologyLabels.map((key) => labels[key] ?? '').join('\n');
}

export const reasonReadWriteOncePodConflict = 'node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode';

/**
 * VolumeRestrictions' PreFilter (readWriteOncePodPVCsForPod), which runs before VolumeBinding's: every
 * claim the pod names by persistentVolumeClaim must exist; the pods that use its ReadWriteOncePod
 * claims are what its filter looks for among the bound pods (so preemption taking one away counts).
 */
export function preFilterRestrictions(pod: KubeObject, lookup: VolumeLookup, podsInNamespace: () => readonly StoredObject[]): { reason: string } | ReadonlySet<string> {
  const namespace = pod.metadata.namespace ?? '';
  const onceClaims = new Set<string>();
  for (const volume of (specOf(pod).volumes ?? []) as Json[]) {
    const name = volume?.persistentVolumeClaim?.claimName;
    if (name === undefined) continue;
    const claim = lookup.claim(namespace, name);
    if (!claim) return { reason: `persistentvolumeclaim "${name}" not found` };
    if (((specOf(claim.object).accessModes ?? []) as string[]).includes('ReadWriteOncePod')) onceClaims.add(name);
  }
  const users = new Set<string>();
  if (!onceClaims.size) return users;
  for (const other of podsInNamespace()) {
    if (other.object.metadata.uid === pod.metadata.uid) continue;
    if (((specOf(other.object).volumes ?? []) as Json[]).some((v) => onceClaims.has(v?.persistentVolumeClaim?.claimName))) users.add(other.key);
  }
  return users;
}
