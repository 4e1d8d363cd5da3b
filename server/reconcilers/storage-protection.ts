// The pvc-protection and pv-protection controllers (pkg/controller/volume/pvcprotection and
// pvprotection): a claim being deleted keeps its `kubernetes.io/pvc-protection` finalizer while a
// scheduled pod refers to it, a volume its `kubernetes.io/pv-protection` finalizer while Bound;
// objects not being deleted get the finalizer back if it is missing.

import { pvcProtectionFinalizer, pvProtectionFinalizer } from '../admission/plugins/storage-object-in-use-protection.js';
import type { StoredObject, StoreEvent } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import type { ControllerClient } from './client.js';
import { controllerManagerIdentity, type ControllerDescriptor, type Reconcile } from './controller.js';

type Json = Record<string, any>;

const claims = 'persistentvolumeclaims';
const volumes = 'persistentvolumes';
const pods = 'pods';

/** Adds the finalizer to an object not being deleted, or takes it off one being deleted that nothing uses. */
function protect(client: ControllerClient, stored: StoredObject | undefined, finalizer: string, inUse: (object: KubeObject) => boolean): void {
  if (!stored) return;
  const meta = stored.object.metadata;
  const has = (meta.finalizers ?? []).includes(finalizer);
  if (meta.deletionTimestamp) {
    if (!has || inUse(stored.object)) return;
    client.update(stored, (o) => {
      o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    });
  } else if (!has) {
    client.update(stored, (o) => {
      o.metadata.finalizers = [...(o.metadata.finalizers ?? []), finalizer];
    });
  }
}

/** The claim an ephemeral volume of the pod is backed by (ephemeral.VolumeClaimName). */
const ephemeralClaimName = (pod: KubeObject, volume: Json) => `${pod.metadata.name}-${volume.name}`;

/** A pod the kubelet is done with or that was force-deleted: a deletion with a zero grace period. */
const podIsShutDown = (pod: KubeObject) => Boolean(pod.metadata.deletionTimestamp) && pod.metadata.deletionGracePeriodSeconds === 0;

/** podUsesPVC: only a scheduled pod counts, as the kubelet starts no pod on a claim being deleted. */
function podUsesClaim(pod: KubeObject, claim: KubeObject): boolean {
  const spec = (pod.spec ?? {}) as Json;
  if (!spec.nodeName) return false;
  return ((spec.volumes ?? []) as Json[]).some((volume) => {
    if (volume?.persistentVolumeClaim && volume.persistentVolumeClaim.claimName === claim.metadata.name) return true;
    if (!volume?.ephemeral || podIsShutDown(pod) || ephemeralClaimName(pod, volume) !== claim.metadata.name) return false;
    // The claim must be the one made for this pod (ephemeral.VolumeIsForPod).
    return (claim.metadata.ownerReferences ?? []).some((ref) => ref.controller === true && ref.uid === pod.metadata.uid);
  });
}

/** IsPodTerminated: a final phase, or deleted with no container running. */
function podTerminated(pod: KubeObject): boolean {
  const status = (pod.status ?? {}) as Json;
  if (status.phase === 'Failed' || status.phase === 'Succeeded') return true;
  if (!pod.metadata.deletionTimestamp) return false;
  const statuses = [status.initContainerStatuses, status.containerStatuses, status.ephemeralContainerStatuses].flatMap((list) => (Array.isArray(list) ? list : []));
  return statuses.every((s: Json) => Boolean(s?.state?.terminated || s?.state?.waiting));
}

/** The keys of the claims a pod event may free: only pods deleted, terminated or unscheduled can. */
function claimsFreedBy(event: StoreEvent): string[] {
  const keys: string[] = [];
  const changed = [event.object.object];
  // A pod replaced by another of the same name: the old one's claims may be free now.
  if (event.previous && event.previous.object.metadata.uid !== event.object.object.metadata.uid) changed.push(event.previous.object);
  changed.forEach((pod, index) => {
    const gone = event.type === 'DELETED' || index > 0;
    if (!gone && !podTerminated(pod) && (pod.spec as Json | undefined)?.nodeName) return;
    for (const volume of ((pod.spec as Json | undefined)?.volumes ?? []) as Json[]) {
      if (volume?.persistentVolumeClaim) keys.push(`${pod.metadata.namespace}/${volume.persistentVolumeClaim.claimName}`);
      else if (volume?.ephemeral) keys.push(`${pod.metadata.namespace}/${ephemeralClaimName(pod, volume)}`);
    }
  });
  return keys;
}

export function protectClaim(client: ControllerClient): Reconcile {
  return (key) => {
    const [namespace, name] = key.split('/');
    protect(client, client.get(claims, namespace, name), pvcProtectionFinalizer, (claim) => client.list(pods, namespace).some((pod) => podUsesClaim(pod.object, claim)));
  };
}

export const pvcProtectionController: ControllerDescriptor = {
  name: 'persistentvolumeclaim-protection-controller',
  aliases: ['pvc-protection'],
  create(env) {
    const client = env.client(controllerManagerIdentity('pvc-protection-controller'));
    return { for: claims, watches: [{ resource: pods, map: claimsFreedBy }], reconcile: protectClaim(client) };
  },
};

export const pvProtectionController: ControllerDescriptor = {
  name: 'persistentvolume-protection-controller',
  aliases: ['pv-protection'],
  create(env) {
    const client = env.client(controllerManagerIdentity('pv-protection-controller'));
    return {
      for: volumes,
      reconcile: (name) => protect(client, client.get(volumes, '', name), pvProtectionFinalizer, (volume) => (volume.status as Json | undefined)?.phase === 'Bound'),
    };
  },
};
