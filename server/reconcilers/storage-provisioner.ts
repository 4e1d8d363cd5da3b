// An opt-in fake dynamic provisioner (`--storage-provisioner`, the testkit's `storageProvisioner`),
// as kind, minikube and k3s have one: a default StorageClass `standard` and a CSI driver's
// external-provisioner (kubernetes-csi/external-provisioner on sig-storage-lib-external-provisioner)
// serving it. A claim the persistentvolume-binder hands to this provisioner (its
// storage-provisioner annotation; for WaitForFirstConsumer classes once the scheduler has set the
// selected node) gets a volume `pvc-<claim uid>`, pre-bound to it for the binder to finish; a
// Released volume of its own with reclaim policy Delete is deleted, and its finalizer taken off;
// external-resizer beside it grows the volumes of bound claims asking for more.
// No driver pod runs: the sidecars act from the control plane, like the other controllers.

import { randomUUID } from 'node:crypto';
import { timestamp, type Clock } from '../clock.js';
import type { Services } from '../services.js';
import type { StoredObject, StoreEvent } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import { adminUser } from '../auth/credentials.js';
import { ControllerClient } from './client.js';
import { kubeSystemServiceAccountIdentity, type ControllerDescriptor } from './controller.js';
import { EventRecorder, referenceTo } from './events.js';
import {
  annBetaStorageProvisioner,
  annDynamicallyProvisioned,
  annSelectedNode,
  annStorageProvisioner,
  claimClass,
  requestedStorage,
  specOf,
  statusOf,
  storageOf,
} from './volume-binding.js';

type Json = Record<string, any>;

const claims = 'persistentvolumeclaims';
const volumes = 'persistentvolumes';
const storageClasses = 'storage.k8s.io/storageclasses';

/** The fake CSI driver's name, which is its provisioner's name. */
export const storageProvisionerName = 'local.csi.kubemock.io';
export const defaultStorageClassName = 'standard';
/** The finalizer external-provisioner puts on the volumes it is to delete (it runs with AddFinalizer). */
export const provisionerFinalizer = 'external-provisioner.volume.kubernetes.io/finalizer';
/** The topology key the driver's volumes are reachable by: a volume lives on one node. */
const topologyKey = 'kubernetes.io/hostname';

/** The StorageClass the provisioner's installation manifest brings, as local-path-style provisioners ship theirs. */
export function defaultStorageClass(): KubeObject {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: defaultStorageClassName, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: storageProvisionerName,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  };
}

/**
 * The driver's CSIDriver: its volumes need no attaching (a CSI driver without one is attached
 * through VolumeAttachments, which nothing here would make).
 */
export function storageDriver(): KubeObject {
  return { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: storageProvisionerName }, spec: { attachRequired: false } };
}

/** Creates the CSIDriver and the default StorageClass, as the cluster's administrator installing the provisioner would (`kubectl create -f`). */
export function installStorageProvisioner(services: Services): void {
  const admin = new ControllerClient(services, { user: adminUser, fieldManager: 'kubectl-create' });
  admin.create('storage.k8s.io/csidrivers', '', storageDriver());
  admin.create(storageClasses, '', defaultStorageClass());
}

/** external-provisioner's own service account, and client-go's field manager for its binary. */
const provisionerIdentity = kubeSystemServiceAccountIdentity('csi-provisioner', 'csi-provisioner');

/** external-resizer's, beside it in the driver's controller pod. */
const resizerIdentity = kubeSystemServiceAccountIdentity('csi-resizer', 'csi-resizer');

/** The claim conditions external-resizer manages; it leaves the others as they are. */
const resizeConditions = new Set(['Resizing', 'FileSystemResizePending', 'ControllerResizeError', 'NodeResizeError']);

/**
 * external-resizer (with RecoverVolumeExpansionFailure, as in 1.32) for the driver's volumes: a bound
 * claim asking for more is marked Resizing with the size allocated, its volume grown, and the claim's
 * capacity set. The driver expands on the controller alone (it needs no node expansion), so that is
 * the whole resize.
 */
class VolumeResizer {
  constructor(
    private readonly client: ControllerClient,
    private readonly recorder: EventRecorder,
    private readonly clock: Clock,
  ) {}

  sync(claim: StoredObject): void {
    const spec = specOf(claim.object);
    const status = statusOf(claim.object);
    if (status.phase !== 'Bound' || !spec.volumeName) return;
    if (requestedStorage(claim.object).cmp(storageOf(status.capacity?.storage)) <= 0) return;
    const volume = this.client.get(volumes, '', spec.volumeName);
    if (!volume) return;
    const volumeSpec = specOf(volume.object);
    const ref = volumeSpec.claimRef as Json | undefined;
    if ((volumeSpec.csi as Json | undefined)?.driver !== storageProvisionerName || ref?.namespace !== claim.namespace || ref?.uid !== claim.object.metadata.uid) return;
    const size = spec.resources.requests.storage as string;
    // markControllerResizeInProgress
    const now = timestamp(this.clock.now());
    const resizing = this.writeStatus(claim, (s) => {
      s.conditions = [...otherConditions(s.conditions), { type: 'Resizing', status: 'True', lastTransitionTime: now }];
      s.allocatedResourceStatuses = { ...s.allocatedResourceStatuses, storage: 'ControllerResizeInProgress' };
      s.allocatedResources = { ...s.allocatedResources, storage: size };
    });
    this.recorder.event(referenceTo(resizing), 'Normal', 'Resizing', `External resizer is resizing volume ${volume.name}`);
    // ControllerExpandVolume has nothing to move; then updatePVCapacity and markOverallExpansionAsFinished.
    this.client.update(volume, (v) => {
      specOf(v).capacity = { ...specOf(v).capacity, storage: size };
    });
    const finished = this.writeStatus(resizing, (s) => {
      s.capacity = { ...s.capacity, storage: size };
      const conditions = otherConditions(s.conditions);
      if (conditions.length) s.conditions = conditions;
      else delete s.conditions;
      const { storage: _, ...statuses } = (s.allocatedResourceStatuses ?? {}) as Json;
      if (Object.keys(statuses).length) s.allocatedResourceStatuses = statuses;
      else delete s.allocatedResourceStatuses;
    });
    this.recorder.event(referenceTo(finished), 'Normal', 'VolumeResizeSuccessful', 'Resize volume succeeded');
  }

  private writeStatus(claim: StoredObject, change: (status: Json) => void): StoredObject {
    this.client.updateStatus(claim, (c) => change((c.status ??= {}) as Json));
    return this.client.get(claims, claim.namespace, claim.name)!;
  }
}

function otherConditions(conditions: unknown): Json[] {
  return ((conditions ?? []) as Json[]).filter((c) => !resizeConditions.has(c.type));
}

const hasFinalizer = (object: KubeObject) => (object.metadata.finalizers ?? []).includes(provisionerFinalizer);

function dropFinalizer(volume: KubeObject): void {
  const finalizers = (volume.metadata.finalizers ?? []).filter((f) => f !== provisionerFinalizer);
  if (finalizers.length) volume.metadata.finalizers = finalizers;
  else delete volume.metadata.finalizers;
}

class StorageProvisioner {
  /** storage.kubernetes.io/csiProvisionerIdentity: the provisioner's start in milliseconds, a random number and the driver. */
  private readonly identity: string;

  constructor(
    private readonly client: ControllerClient,
    private readonly recorder: EventRecorder,
    clock: Clock,
    private readonly resizer: VolumeResizer,
  ) {
    this.identity = `${clock.now().getTime()}-${Math.floor(Math.random() * 10_000)}-${storageProvisionerName}`;
  }

  reconcile(key: string): void {
    if (key.includes('/')) {
      const [namespace, name] = key.split('/');
      const claim = this.client.get(claims, namespace, name);
      if (!claim) return;
      if (this.shouldProvision(claim.object)) this.provision(claim);
      else this.resizer.sync(claim);
      return;
    }
    const volume = this.client.get(volumes, '', key);
    if (volume && this.ownsVolume(volume.object)) this.syncVolume(volume);
  }

  /** shouldProvision: an unbound claim handed to this provisioner; with delayed binding, once a node is selected. */
  private shouldProvision(claim: KubeObject): boolean {
    if (specOf(claim).volumeName) return false;
    const annotations = claim.metadata.annotations ?? {};
    const provisioner = annotations[annStorageProvisioner] ?? annotations[annBetaStorageProvisioner];
    if (provisioner !== storageProvisionerName) return false;
    const storageClass = this.client.get(storageClasses, '', claimClass(claim));
    if (!storageClass) return false;
    if (storageClass.object.volumeBindingMode === 'WaitForFirstConsumer') return Boolean(annotations[annSelectedNode]);
    return true;
  }

  /** provisionClaimOperation, with the volume CreateVolume would describe: the claim's size, modes and node. */
  private provision(claim: StoredObject): void {
    const name = `pvc-${claim.object.metadata.uid}`;
    if (this.client.get(volumes, '', name)) return;
    const storageClass = this.client.get(storageClasses, '', claimClass(claim.object));
    if (storageClass?.object.provisioner !== storageProvisionerName) return;
    this.recorder.event(referenceTo(claim), 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${claim.namespace}/${claim.name}"`);
    const claimSpec = specOf(claim.object);
    const classObject = storageClass.object as Json;
    const node = claim.object.metadata.annotations?.[annSelectedNode];
    const spec: Json = {
      accessModes: claimSpec.accessModes,
      capacity: { storage: claimSpec.resources?.requests?.storage },
      claimRef: referenceTo(claim),
      csi: { driver: storageProvisionerName, volumeHandle: name, volumeAttributes: { 'storage.kubernetes.io/csiProvisionerIdentity': this.identity } },
    };
    if (classObject.mountOptions?.length) spec.mountOptions = classObject.mountOptions;
    if (node) spec.nodeAffinity = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: topologyKey, operator: 'In', values: [node] }] }] } };
    spec.persistentVolumeReclaimPolicy = classObject.reclaimPolicy ?? 'Delete';
    spec.storageClassName = claimClass(claim.object);
    if (claimSpec.volumeMode) spec.volumeMode = claimSpec.volumeMode;
    this.client.create(volumes, '', {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: {
        name,
        annotations: {
          [annDynamicallyProvisioned]: storageProvisionerName,
          // No deletion secrets: external-provisioner records that with empty names.
          'volume.kubernetes.io/provisioner-deletion-secret-name': '',
          'volume.kubernetes.io/provisioner-deletion-secret-namespace': '',
        },
        finalizers: [provisionerFinalizer],
      },
      spec,
    });
    this.recorder.event(referenceTo(claim), 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${name}`);
  }

  /** isProvisionerForVolume: volumes it provisioned, and volumes of its driver an administrator made. */
  private ownsVolume(volume: KubeObject): boolean {
    const provisionedBy = volume.metadata.annotations?.[annDynamicallyProvisioned];
    if (provisionedBy !== undefined) return provisionedBy === storageProvisionerName;
    return (specOf(volume).csi as Json | undefined)?.driver === storageProvisionerName;
  }

  private syncVolume(volume: StoredObject): void {
    volume = this.protect(volume);
    if (!this.shouldDelete(volume.object)) return;
    // The driver's DeleteVolume has nothing to remove; then the object goes, and the finalizer with it.
    this.client.delete(volumes, '', volume.name);
    const deleting = this.client.get(volumes, '', volume.name);
    if (deleting && hasFinalizer(deleting.object)) this.client.update(deleting, dropFinalizer);
  }

  /** handleProtectionFinalizer: a Bound volume to be deleted carries the finalizer; one to be kept does not. */
  private protect(volume: StoredObject): StoredObject {
    const policy = specOf(volume.object).persistentVolumeReclaimPolicy;
    const has = hasFinalizer(volume.object);
    const add = !has && policy === 'Delete' && !volume.object.metadata.deletionTimestamp && statusOf(volume.object).phase === 'Bound';
    const remove = has && (policy === 'Retain' || policy === 'Recycle');
    if (!add && !remove) return volume;
    this.client.update(volume, (v) => {
      if (add) v.metadata.finalizers = [...(v.metadata.finalizers ?? []), provisionerFinalizer];
      else dropFinalizer(v);
    });
    return this.client.get(volumes, '', volume.name) ?? volume;
  }

  /** shouldDelete: Released, reclaimed by deletion, and not already deleted (its finalizer gone). */
  private shouldDelete(volume: KubeObject): boolean {
    if (volume.metadata.deletionTimestamp && !hasFinalizer(volume)) return false;
    return statusOf(volume).phase === 'Released' && specOf(volume).persistentVolumeReclaimPolicy === 'Delete';
  }
}

/** Claims not being removed, and volumes; deletions need nothing of the provisioner. */
function keysOf(event: StoreEvent): string[] {
  return event.type === 'DELETED' ? [] : [event.object.key];
}

export const storageProvisioner: ControllerDescriptor = {
  name: 'storage-provisioner',
  create(env) {
    // Without the option the cluster has no provisioner, as a fresh kube-apiserver has none.
    if (!env.world.storageProvisioner) return { reconcile: () => undefined };
    const { clock } = env.services;
    const client = env.client(provisionerIdentity);
    // client-go's recorder for the library's controller: component `<provisioner>_<host>_<uuid>`.
    const recorder = new EventRecorder(client, { component: `${storageProvisionerName}_kubemock-csi-controller_${randomUUID()}` }, clock);
    const resizerClient = env.client(resizerIdentity);
    const resizer = new VolumeResizer(resizerClient, new EventRecorder(resizerClient, { component: `external-resizer ${storageProvisionerName}` }, clock), clock);
    const provisioner = new StorageProvisioner(client, recorder, clock, resizer);
    return {
      watches: [
        { resource: claims, map: keysOf },
        { resource: volumes, map: keysOf },
      ],
      initialKeys: () => [...client.list(claims).map((claim) => claim.key), ...client.list(volumes).map((volume) => volume.name)],
      reconcile: (key) => provisioner.reconcile(key),
    };
  },
};
