// kube-controller-manager's persistentvolume-binder (pkg/controller/volume/persistentvolume): binds
// each claim to the volume that fits it best (or the one either side names), keeps both phases,
// releases a volume whose claim is gone and reclaims it by its policy. Claims that nothing fits are
// looked at again every 15 s of the clock, as the controller's periodic resync does, so their events
// repeat. Keys are a claim's `namespace/name` or a volume's name (which has no slash).
// Provisioning is left to external provisioners: a claim of such a class gets their annotations and
// the ExternalProvisioning event; an in-tree provisioner is not there (ProvisioningFailed).

import type { StoredObject, StoreEvent } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import type { ControllerClient } from './client.js';
import { controllerManagerIdentity, type ControllerDescriptor } from './controller.js';
import { EventRecorder, referenceTo, type EventType } from './events.js';
import { isDefaultStorageClass } from '../registry/resources/storage-printers.js';
import { newestDefault } from '../admission/default-class.js';
import {
  accessModesFit,
  annBetaStorageProvisioner,
  annBindCompleted,
  annBoundByController,
  annDynamicallyProvisioned,
  annSelectedNode,
  annStorageProvisioner,
  claimClass,
  claimHasClass,
  findBestMatchForClaim,
  hasAnnotation,
  podClaimNames,
  requestedStorage,
  specOf,
  statusOf,
  storageOf,
  volumeBoundToClaim,
  volumeCapacity,
  volumeClass,
  volumeModeMismatch,
} from './volume-binding.js';

type Json = Record<string, any>;

const claims = 'persistentvolumeclaims';
const volumes = 'persistentvolumes';
const storageClasses = 'storage.k8s.io/storageclasses';
/** --pvclaimbinder-sync-period. */
const resyncPeriodMs = 15_000;

/** Provisioners of the in-tree plugins migrated to CSI drivers, which provision as external ones under the driver's name. */
const migratedProvisioners: Record<string, string> = {
  'kubernetes.io/aws-ebs': 'ebs.csi.aws.com',
  'kubernetes.io/azure-disk': 'disk.csi.azure.com',
  'kubernetes.io/azure-file': 'file.csi.azure.com',
  'kubernetes.io/cinder': 'cinder.csi.openstack.org',
  'kubernetes.io/gce-pd': 'pd.csi.storage.gke.io',
  'kubernetes.io/portworx-volume': 'pxd.portworx.com',
  'kubernetes.io/vsphere-volume': 'csi.vsphere.vmware.com',
};

class VolumeBinder {
  private readonly started: number;

  constructor(
    private readonly client: ControllerClient,
    private readonly recorder: EventRecorder,
    private readonly clock: { now(): Date },
    private readonly enqueue: (key: string) => void,
  ) {
    this.started = clock.now().getTime();
  }

  reconcile(key: string): { requeueAfterMs: number } | undefined {
    if (!key.includes('/')) {
      const volume = this.client.get(volumes, '', key);
      if (volume) this.syncVolume(volume);
      return undefined;
    }
    const [namespace, name] = key.split('/');
    const claim = this.client.get(claims, namespace, name);
    const waitingAtCreation = this.waitingAtCreation.get(key);
    this.waitingAtCreation.delete(key);
    if (!claim) return undefined;
    // The scheduler chose a node before this first look: the real one looked first, at the claim as made.
    if (waitingAtCreation && hasAnnotation(claim.object, annSelectedNode) && !hasAnnotation(claim.object, annBindCompleted)) this.emitWaitingForConsumer(claim, waitingAtCreation);
    const after = this.syncClaim(claim, waitingAtCreation);
    // The periodic resync: only a claim still waiting has anything to do then.
    if (after && !hasAnnotation(after.object, annBindCompleted)) {
      const now = this.clock.now().getTime();
      const next = this.started + (Math.floor((now - this.started) / resyncPeriodMs) + 1) * resyncPeriodMs;
      return { requeueAfterMs: next - now };
    }
    return undefined;
  }

  private event(object: StoredObject, type: EventType, reason: string, message: string): void {
    this.recorder.event(referenceTo(object), type, reason, message);
  }

  /** The key being written by the controller: its watch events are no news, as the controller's cache has its own writes. */
  private writing?: string;

  /** Writes a changed copy of the object (its status with `status`) and returns it as stored now. */
  private write(stored: StoredObject, change: (object: KubeObject) => void, status = false): StoredObject {
    this.writing = stored.key;
    try {
      const result = status ? this.client.updateStatus(stored, change) : this.client.update(stored, change);
      return this.client.get(stored.resource, stored.namespace, result.object.metadata.name!)!;
    } finally {
      this.writing = undefined;
    }
  }

  private writeStatus(stored: StoredObject, change: (object: KubeObject) => void): StoredObject {
    return this.write(stored, change, true);
  }

  /** Whether an event shows the controller's own write (the store tells its watchers while the write runs). */
  private ownWrite(event: StoreEvent): boolean {
    return event.type !== 'DELETED' && event.object.key === this.writing;
  }

  /**
   * The pods waiting for each new claim of a delayed-binding class as it was created: what the real
   * controller's first sync of it sees, a moment after the claim was made, before its informer has
   * seen a pod made just after it (a StatefulSet makes the claim, then the pod).
   */
  private readonly waitingAtCreation = new Map<string, string[]>();

  /** A claim's own key; a deleted claim's volume too, as it may be released now (deleteClaim). */
  claimEventKeys(event: StoreEvent): string[] {
    if (this.ownWrite(event)) return [];
    const added = event.object.object;
    if (event.type === 'ADDED' && !hasAnnotation(added, annSelectedNode) && !specOf(added).volumeName && this.delayBinding(added)) {
      this.waitingAtCreation.set(event.object.key, this.waitingPods(event.object));
    }
    const volumeName = specOf(event.object.object).volumeName;
    return event.type === 'DELETED' ? (volumeName ? [volumeName] : []) : [event.object.key];
  }

  /** A volume's own key; a deleted volume's claim too, which learns at once that it is lost (deleteVolume). */
  volumeEventKeys(event: StoreEvent): string[] {
    if (this.ownWrite(event)) return [];
    const ref = specOf(event.object.object).claimRef as Json | undefined;
    if (event.type !== 'DELETED') return [event.object.name];
    return ref?.name ? [`${ref.namespace ?? ''}/${ref.name}`] : [];
  }

  /** syncClaim; returns the claim as it is afterwards (undefined once gone). */
  private syncClaim(claim: StoredObject, waitingAtCreation?: string[]): StoredObject | undefined {
    return hasAnnotation(claim.object, annBindCompleted) ? this.syncBoundClaim(claim) : this.syncUnboundClaim(claim, waitingAtCreation);
  }

  private classOf(claim: KubeObject): StoredObject | undefined {
    const name = claimClass(claim);
    return name ? this.client.get(storageClasses, '', name) : undefined;
  }

  /** IsDelayBindingMode: the claim's class exists and binds WaitForFirstConsumer. */
  private delayBinding(claim: KubeObject): boolean {
    return (this.classOf(claim)?.object.volumeBindingMode as string | undefined) === 'WaitForFirstConsumer';
  }

  private syncUnboundClaim(claim: StoredObject, waitingAtCreation?: string[]): StoredObject | undefined {
    const spec = specOf(claim.object);
    if (!spec.volumeName) {
      const delayBinding = this.delayBinding(claim.object);
      const volume = findBestMatchForClaim(claim.object, this.client.list(volumes), delayBinding);
      if (volume) return this.bind(volume, claim).claim;
      // RetroactiveDefaultStorageClass: a claim without a class gets today's default and is looked at again.
      if (!claimHasClass(claim.object)) {
        const chosen = newestDefault(this.client.list(storageClasses).map((c) => c.object).filter(isDefaultStorageClass));
        if (chosen) {
          return this.write(claim, (c) => {
              specOf(c).storageClassName = chosen.metadata.name;
            });
        }
      }
      if (delayBinding && !hasAnnotation(claim.object, annSelectedNode)) {
        this.emitWaitingForConsumer(claim, waitingAtCreation ?? this.waitingPods(claim));
      } else if (claimClass(claim.object)) {
        return this.provisionClaim(claim);
      } else {
        this.event(claim, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      }
      return this.updateClaimStatus(claim, 'Pending');
    }
    const volume = this.client.get(volumes, '', spec.volumeName);
    if (!volume) return this.updateClaimStatus(claim, 'Pending');
    const ref = specOf(volume.object).claimRef as Json | undefined;
    if (!ref) {
      const mismatch = this.volumeMismatch(volume.object, claim.object);
      if (mismatch) {
        this.event(claim, 'Warning', 'VolumeMismatch', `Cannot bind to requested volume "${volume.name}": ${mismatch}`);
        return this.updateClaimStatus(claim, 'Pending');
      }
      return this.bind(volume, claim).claim;
    }
    if (volumeBoundToClaim(volume.object, claim.object)) return this.bind(volume, claim).claim;
    this.event(claim, 'Warning', 'FailedBinding', `volume "${volume.name}" already bound to a different claim.`);
    if (hasAnnotation(claim.object, annBoundByController)) {
      // Someone took bind-completed off a claim the controller bound: nothing to do but wait.
      return claim;
    }
    return this.updateClaimStatus(claim, 'Pending');
  }

  /** checkVolumeSatisfyClaim, for a claim that names a free volume. */
  private volumeMismatch(volume: KubeObject, claim: KubeObject): string | undefined {
    if (volume.metadata.deletionTimestamp) return `the volume is marked for deletion "${volume.metadata.name}"`;
    if (volumeCapacity(volume).value() < requestedStorage(claim).value()) return 'requested PV is too small';
    if (volumeClass(volume) !== claimClass(claim)) return 'storageClassName does not match';
    if (volumeModeMismatch(claim, volume)) return 'incompatible volumeMode';
    if (!accessModesFit(claim, volume)) return 'incompatible accessMode';
    return undefined;
  }

  /** The pods, not yet scheduled, that use the claim. */
  private waitingPods(claim: StoredObject): string[] {
    return this.client
      .list('pods', claim.namespace)
      .filter((pod) => !specOf(pod.object).nodeName && podClaimNames(pod.object).some((c) => c.name === claim.name))
      .map((pod) => pod.name);
  }

  /** emitEventForUnboundDelayBindingClaim: which pods wait for the claim. */
  private emitWaitingForConsumer(claim: StoredObject, waiting: string[]): void {
    if (!waiting.length) this.event(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
    else if (waiting.length === 1) this.event(claim, 'Normal', 'WaitForPodScheduled', `waiting for pod ${waiting[0]} to be scheduled`);
    else this.event(claim, 'Normal', 'WaitForPodScheduled', `waiting for pods ${waiting.join(',')} to be scheduled`);
  }

  /** provisionClaim with no in-tree provisioner: an external one is told by annotations, anything else fails. */
  private provisionClaim(claim: StoredObject): StoredObject {
    const className = claimClass(claim.object);
    const storageClass = this.client.get(storageClasses, '', className);
    if (!storageClass) {
      this.event(claim, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`);
      return claim;
    }
    const provisioner = String(storageClass.object.provisioner ?? '');
    const external = migratedProvisioners[provisioner] ?? (provisioner.startsWith('kubernetes.io/') ? undefined : provisioner);
    if (external === undefined) {
      this.event(claim, 'Warning', 'ProvisioningFailed', `no volume plugin matched name: ${provisioner}`);
      return claim;
    }
    let current = claim;
    if (claim.object.metadata.annotations?.[annStorageProvisioner] !== external) {
      current = this.write(claim, (c) => {
          const annotations = (c.metadata.annotations ??= {});
          annotations[annBetaStorageProvisioner] = external;
          annotations[annStorageProvisioner] = external;
        });
    }
    this.event(
      current,
      'Normal',
      'ExternalProvisioning',
      `Waiting for a volume to be created either by the external provisioner '${external}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
    );
    return current;
  }

  private syncBoundClaim(claim: StoredObject): StoredObject | undefined {
    const volumeName = specOf(claim.object).volumeName;
    if (!volumeName) return this.updateClaimStatusWithEvent(claim, 'Lost', 'ClaimLost', 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
    const volume = this.client.get(volumes, '', volumeName);
    if (!volume) return this.updateClaimStatusWithEvent(claim, 'Lost', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
    const ref = specOf(volume.object).claimRef as Json | undefined;
    if (!ref || ref.uid === claim.object.metadata.uid) return this.bind(volume, claim).claim;
    return this.updateClaimStatusWithEvent(claim, 'Lost', 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
  }

  /** bind: the volume's claimRef, its phase, the claim's volumeName and annotations, its status; each written only if it changes. */
  private bind(volume: StoredObject, claim: StoredObject): { volume: StoredObject; claim: StoredObject } {
    const ownedByUser = volumeBoundToClaim(volume.object, claim.object);
    const ref = specOf(volume.object).claimRef as Json | undefined;
    const refers = ref && ref.name === claim.name && ref.namespace === claim.namespace && ref.uid === claim.object.metadata.uid;
    const markVolume = !ownedByUser && !hasAnnotation(volume.object, annBoundByController);
    if (!refers || markVolume) {
      volume = this.write(volume, (v) => {
          if (!refers) specOf(v).claimRef = referenceTo(claim);
          if (markVolume) (v.metadata.annotations ??= {})[annBoundByController] = 'yes';
        });
    }
    volume = this.updateVolumePhase(volume, 'Bound');
    const rebind = specOf(claim.object).volumeName !== volume.name;
    if (rebind || !hasAnnotation(claim.object, annBindCompleted)) {
      claim = this.write(claim, (c) => {
          const annotations = (c.metadata.annotations ??= {});
          if (rebind) {
            specOf(c).volumeName = volume.name;
            annotations[annBoundByController] ??= 'yes';
          }
          annotations[annBindCompleted] ??= 'yes';
        });
    }
    return { volume, claim: this.updateClaimStatus(claim, 'Bound', volume) };
  }

  /** updateClaimStatus: the phase, and the volume's access modes and (when it becomes Bound) capacity, or neither without a volume. */
  private updateClaimStatus(claim: StoredObject, phase: string, volume?: StoredObject): StoredObject {
    const status = statusOf(claim.object);
    const change: Json = {};
    if (status.phase !== phase) change.phase = phase;
    if (!volume) {
      if (status.accessModes !== undefined) change.accessModes = undefined;
      if (status.capacity !== undefined) change.capacity = undefined;
    } else {
      const modes = specOf(volume.object).accessModes;
      if (JSON.stringify(status.accessModes) !== JSON.stringify(modes)) change.accessModes = modes;
      if (status.phase !== phase) {
        const current = status.capacity?.storage;
        if (current === undefined || volumeCapacity(volume.object).cmp(storageOf(current)) !== 0) change.capacity = specOf(volume.object).capacity;
      }
    }
    if (!Object.keys(change).length) return claim;
    return this.writeStatus(claim, (c) => {
        const s = (c.status ??= {}) as Json;
        for (const [key, value] of Object.entries(change)) {
          if (value === undefined) delete s[key];
          else s[key] = value;
        }
      });
  }

  /** updateClaimStatusWithEvent: the event only when the phase changes. */
  private updateClaimStatusWithEvent(claim: StoredObject, phase: string, reason: string, message: string): StoredObject {
    if (statusOf(claim.object).phase === phase) return claim;
    const updated = this.updateClaimStatus(claim, phase);
    this.event(updated, 'Warning', reason, message);
    return updated;
  }

  private updateVolumePhase(volume: StoredObject, phase: string, message?: string): StoredObject {
    if (statusOf(volume.object).phase === phase) return volume;
    return this.writeStatus(volume, (v) => {
        const status = (v.status ??= {}) as Json;
        status.phase = phase;
        if (message) status.message = message;
        else delete status.message;
      });
  }

  private updateVolumePhaseWithEvent(volume: StoredObject, phase: string, type: EventType, reason: string, message: string): StoredObject {
    if (statusOf(volume.object).phase === phase) return volume;
    const updated = this.updateVolumePhase(volume, phase, message);
    this.event(updated, type, reason, message);
    return updated;
  }

  private syncVolume(volume: StoredObject): void {
    const spec = specOf(volume.object);
    const ref = spec.claimRef as Json | undefined;
    // Unused, or reserved for a claim that has not taken it yet.
    if (!ref || !ref.uid) {
      this.updateVolumePhase(volume, 'Available');
      return;
    }
    let claim = this.client.get(claims, ref.namespace ?? '', ref.name ?? '');
    // The claim it named was deleted and another of the same name made.
    if (claim && claim.object.metadata.uid !== ref.uid) claim = undefined;
    if (!claim) {
      const phase = statusOf(volume.object).phase;
      if (phase !== 'Released' && phase !== 'Failed') volume = this.updateVolumePhase(volume, 'Released');
      this.reclaimVolume(volume);
      return;
    }
    const claimSpec = specOf(claim.object);
    if (!claimSpec.volumeName) {
      if (volumeModeMismatch(claim.object, volume.object)) {
        this.event(volume, 'Warning', 'VolumeMismatch', `Cannot bind PersistentVolume to requested PersistentVolumeClaim "${claim.name}" due to incompatible volumeMode.`);
        this.event(claim, 'Warning', 'VolumeMismatch', `Cannot bind PersistentVolume "${volume.name}" to requested PersistentVolumeClaim due to incompatible volumeMode.`);
        return;
      }
      // The claim's sync finishes the binding.
      this.enqueue(claim.key);
      return;
    }
    if (claimSpec.volumeName === volume.name) {
      this.updateVolumePhase(volume, 'Bound');
      return;
    }
    // The claim went to another volume.
    if (hasAnnotation(volume.object, annDynamicallyProvisioned) && spec.persistentVolumeReclaimPolicy === 'Delete') {
      const phase = statusOf(volume.object).phase;
      if (phase !== 'Released' && phase !== 'Failed') volume = this.updateVolumePhase(volume, 'Released');
      this.reclaimVolume(volume);
      return;
    }
    this.unbindVolume(volume);
  }

  /** unbindVolume: a volume the controller bound is freed; one a user pre-bound keeps its claim's name, without the UID. */
  private unbindVolume(volume: StoredObject): void {
    const boundByController = hasAnnotation(volume.object, annBoundByController);
    const updated = this.write(volume, (v) => {
        if (boundByController) {
          delete specOf(v).claimRef;
          delete v.metadata.annotations![annBoundByController];
          if (!Object.keys(v.metadata.annotations!).length) delete v.metadata.annotations;
        } else {
          delete specOf(v).claimRef.uid;
        }
      });
    this.updateVolumePhase(updated, 'Available');
  }

  /** reclaimVolume by the volume's policy: Retain keeps it Released. */
  private reclaimVolume(volume: StoredObject): void {
    if (specOf(volume.object).persistentVolumeReclaimPolicy === 'Delete') this.deleteVolume(volume);
    // Recycle (deprecated) runs a scrubber pod; kubemock leaves the volume Released instead.
  }

  /** deleteVolumeOperation: the deleter of the volume's plugin, then the object. */
  private deleteVolume(volume: StoredObject): void {
    const provisionedBy = volume.object.metadata.annotations?.[annDynamicallyProvisioned];
    // An external provisioner's volume is deleted by that provisioner.
    if (provisionedBy && !provisionedBy.startsWith('kubernetes.io/')) return;
    const failure = this.deleterFailure(volume);
    if (failure) {
      this.updateVolumePhaseWithEvent(volume, 'Failed', 'Warning', 'VolumeFailedDelete', failure);
      return;
    }
    this.client.delete(volumes, '', volume.name);
  }

  /** Why no in-tree deleter can delete the volume: only hostPath has one, and it deletes only under /tmp/. */
  private deleterFailure(volume: StoredObject): string | undefined {
    const hostPath = specOf(volume.object).hostPath as Json | undefined;
    if (!hostPath) return `error getting deleter volume plugin for volume "${volume.name}": no deletable volume plugin matched`;
    const path = String(hostPath.path ?? '');
    if (!/\/tmp\/.+/.test(path)) return `host_path deleter only supports /tmp/.+ but received provided ${path}`;
    return undefined;
  }
}

export const persistentVolumeBinderController: ControllerDescriptor = {
  name: 'persistentvolume-binder-controller',
  aliases: ['persistentvolume-binder'],
  create(env) {
    const { clock } = env.services;
    const client = env.client(controllerManagerIdentity('persistent-volume-binder'));
    const recorder = new EventRecorder(client, { component: 'persistentvolume-controller' }, clock);
    const binder = new VolumeBinder(client, recorder, clock, (key) => env.queue.enqueue(key));
    return {
      watches: [
        { resource: claims, map: (event) => binder.claimEventKeys(event) },
        { resource: volumes, map: (event) => binder.volumeEventKeys(event) },
      ],
      initialKeys: () => [...client.list(claims).map((claim) => claim.key), ...client.list(volumes).map((volume) => volume.name)],
      reconcile: (key) => binder.reconcile(key),
    };
  },
};
