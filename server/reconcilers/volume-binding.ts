// What kube-controller-manager's volume binder and kube-scheduler's VolumeBinding plugin agree on
// (k8s.io/component-helpers/storage/volume and pkg/controller/volume/persistentvolume/util): the
// annotations of a binding, classes, modes and which volume fits a claim.

import { Quantity } from '../quantity.js';
import { labelSelectorFromObject } from '../selectors/labels.js';
import type { StoredObject } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import { matchesNodeSelectorTerm } from './scheduler/plugins.js';

type Json = Record<string, any>;

export const annBindCompleted = 'pv.kubernetes.io/bind-completed';
export const annBoundByController = 'pv.kubernetes.io/bound-by-controller';
export const annSelectedNode = 'volume.kubernetes.io/selected-node';
export const annStorageProvisioner = 'volume.kubernetes.io/storage-provisioner';
export const annBetaStorageProvisioner = 'volume.beta.kubernetes.io/storage-provisioner';
export const annDynamicallyProvisioned = 'pv.kubernetes.io/provisioned-by';
const annBetaStorageClass = 'volume.beta.kubernetes.io/storage-class';
/** A StorageClass with this provisioner provisions nothing (local volumes). */
export const notSupportedProvisioner = 'kubernetes.io/no-provisioner';

export const specOf = (o: KubeObject) => (o.spec ?? {}) as Json;
export const statusOf = (o: KubeObject) => (o.status ?? {}) as Json;
const hasAnnotation = (o: KubeObject, key: string) => o.metadata.annotations?.[key] !== undefined;
export { hasAnnotation };

/** GetPersistentVolumeClaimClass: the beta annotation wins over the field; '' for none. */
export function claimClass(claim: KubeObject): string {
  const annotated = claim.metadata.annotations?.[annBetaStorageClass];
  if (annotated !== undefined) return annotated;
  return specOf(claim).storageClassName ?? '';
}

/** GetPersistentVolumeClass. */
export function volumeClass(volume: KubeObject): string {
  const annotated = volume.metadata.annotations?.[annBetaStorageClass];
  if (annotated !== undefined) return annotated;
  return specOf(volume).storageClassName ?? '';
}

/** PersistentVolumeClaimHasClass: a class asked for, even the empty one. */
export function claimHasClass(claim: KubeObject): boolean {
  return hasAnnotation(claim, annBetaStorageClass) || (specOf(claim).storageClassName !== undefined && specOf(claim).storageClassName !== null);
}

/** IsVolumeBoundToClaim: the volume's claimRef names the claim (and its UID, when the ref has one). */
export function volumeBoundToClaim(volume: KubeObject, claim: KubeObject): boolean {
  const ref = specOf(volume).claimRef as Json | undefined;
  if (!ref) return false;
  if (ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace) return false;
  return !ref.uid || ref.uid === claim.metadata.uid;
}

/** CheckVolumeModeMismatches: an unset mode is Filesystem. */
export function volumeModeMismatch(claim: KubeObject, volume: KubeObject): boolean {
  return (specOf(claim).volumeMode ?? 'Filesystem') !== (specOf(volume).volumeMode ?? 'Filesystem');
}

/** CheckAccessModes: the volume offers every mode the claim asks for. */
export function accessModesFit(claim: KubeObject, volume: KubeObject): boolean {
  const offered: string[] = specOf(volume).accessModes ?? [];
  return ((specOf(claim).accessModes ?? []) as string[]).every((mode) => offered.includes(mode));
}

export const storageOf = (quantity: unknown) => Quantity.tryParse(quantity ?? '0') ?? Quantity.zero();
export const requestedStorage = (claim: KubeObject) => storageOf(specOf(claim).resources?.requests?.storage);
export const volumeCapacity = (volume: KubeObject) => storageOf(specOf(volume).capacity?.storage);

/** CheckNodeAffinity: the volume's required node affinity holds for a node with these labels (and no name). */
export function volumeFitsNode(volume: KubeObject, labels: Record<string, string>): boolean {
  const terms: Json[] | undefined = specOf(volume).nodeAffinity?.required?.nodeSelectorTerms;
  if (!specOf(volume).nodeAffinity?.required) return true;
  return (terms ?? []).some((term) => matchesNodeSelectorTerm(term, { name: '', labels }));
}

/**
 * FindMatchingVolume: a volume pre-bound to the claim, else the smallest Available one of the
 * claim's class, size, mode and selector. The binder passes no node and leaves delayed claims to
 * the scheduler; the scheduler passes the node, whose labels the volume's affinity must match.
 */
export function findMatchingVolume(
  claim: KubeObject,
  volumes: readonly StoredObject[],
  options: { node?: Record<string, string>; excluded?: ReadonlySet<string>; delayBinding: boolean },
): StoredObject | undefined {
  const spec = specOf(claim);
  // VolumeAttributesClass is off in 1.32: a claim or volume naming one binds to nothing.
  if (spec.volumeAttributesClassName) return undefined;
  const requested = requestedStorage(claim);
  const requestedClass = claimClass(claim);
  const selector = spec.selector ? labelSelectorFromObject(spec.selector) : undefined;
  let smallest: StoredObject | undefined;
  let smallestSize: Quantity | undefined;
  for (const stored of volumes) {
    const volume = stored.object;
    if (options.excluded?.has(stored.name)) continue;
    const volumeSpec = specOf(volume);
    if (volumeSpec.claimRef && !volumeBoundToClaim(volume, claim)) continue;
    const size = volumeCapacity(volume);
    if (size.cmp(requested) < 0) continue;
    if (volumeModeMismatch(claim, volume)) continue;
    if (volumeSpec.volumeAttributesClassName) continue;
    if (volume.metadata.deletionTimestamp) continue;
    const fitsNode = options.node === undefined || volumeFitsNode(volume, options.node);
    if (volumeBoundToClaim(volume, claim)) return fitsNode ? stored : undefined;
    if (options.node === undefined && options.delayBinding) continue;
    if (statusOf(volume).phase !== 'Available') continue;
    if (selector && !selector(volume.metadata.labels ?? {})) continue;
    if (volumeClass(volume) !== requestedClass) continue;
    if (!fitsNode) continue;
    if (options.node !== undefined && !accessModesFit(claim, volume)) continue;
    if (!smallest || smallestSize!.cmp(size) > 0) {
      smallest = stored;
      smallestSize = size;
    }
  }
  return smallest;
}

/** The access modes in GetAccessModesAsString's order, without repeats. */
const modeOrder = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];
function modeSet(modes: readonly string[] | undefined): string[] {
  return modeOrder.filter((mode) => (modes ?? []).includes(mode));
}

/**
 * The binder's findByClaim: volumes are indexed by their set of access modes, and the sets holding
 * every mode the claim asks for are searched fewest modes first, so a ReadWriteOnce claim takes a
 * larger ReadWriteOnce volume before a ReadWriteOnce+ReadOnlyMany one.
 */
export function findBestMatchForClaim(claim: KubeObject, volumes: readonly StoredObject[], delayBinding: boolean): StoredObject | undefined {
  const wanted: string[] = specOf(claim).accessModes ?? [];
  const byModes = new Map<string, StoredObject[]>();
  for (const volume of volumes) {
    const key = modeSet(specOf(volume.object).accessModes).join(',');
    const list = byModes.get(key);
    if (list) list.push(volume);
    else byModes.set(key, [volume]);
  }
  const candidates = [...byModes.keys()]
    .filter((key) => wanted.every((mode) => key.split(',').includes(mode)))
    .sort((a, b) => a.split(',').length - b.split(',').length || (a < b ? -1 : a > b ? 1 : 0));
  for (const key of candidates) {
    const found = findMatchingVolume(claim, byModes.get(key)!, { delayBinding });
    if (found) return found;
  }
  return undefined;
}

/** The claims a pod's volumes name: `persistentVolumeClaim` ones, and the claim of each generic ephemeral volume. */
export function podClaimNames(pod: KubeObject): Array<{ name: string; ephemeral: boolean }> {
  return claimNamesOf(pod.metadata.name ?? '', specOf(pod));
}

/** The same, from a pod's name and spec. */
export function claimNamesOf(podName: string, spec: Json): Array<{ name: string; ephemeral: boolean }> {
  const out: Array<{ name: string; ephemeral: boolean }> = [];
  for (const volume of (spec.volumes ?? []) as Json[]) {
    if (volume?.persistentVolumeClaim) out.push({ name: volume.persistentVolumeClaim.claimName, ephemeral: false });
    else if (volume?.ephemeral) out.push({ name: `${podName}-${volume.name}`, ephemeral: true });
  }
  return out;
}
