// kube-controller-manager's ephemeral-volume controller (pkg/controller/volume/ephemeral): each
// generic ephemeral volume of a pod gets its claim, `<pod>-<volume>`, made from the volume's
// template and owned by the pod, so the claim goes with it. A claim of that name the pod does not
// own is refused (FailedBinding on the pod), and tried again with the workqueue's backoff.

import type { StoreEvent } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import { controllerManagerIdentity, type ControllerDescriptor } from './controller.js';
import { EventRecorder, referenceTo } from './events.js';
import { specOf } from './volume-binding.js';

type Json = Record<string, any>;

/** client-go's default per-item backoff: 5 ms doubling up to 1000 s. */
const baseBackoffMs = 5;
const maxBackoffMs = 1_000_000;

const ephemeralVolumes = (pod: KubeObject): Json[] => ((specOf(pod).volumes ?? []) as Json[]).filter((volume) => volume?.ephemeral);

/** Pods with ephemeral volumes, not being deleted. */
function podKeys(event: StoreEvent): string[] {
  const pod = event.object.object;
  return event.type !== 'DELETED' && !pod.metadata.deletionTimestamp && ephemeralVolumes(pod).length ? [event.object.key] : [];
}

/** A deleted claim's owning pod, which makes it again (onPVCDelete). */
function ownerOfDeletedClaim(event: StoreEvent): string[] {
  if (event.type !== 'DELETED') return [];
  const owner = (event.object.object.metadata.ownerReferences ?? []).find((ref) => ref.controller === true && ref.kind === 'Pod' && ref.apiVersion === 'v1');
  return owner ? [`${event.object.namespace}/${owner.name}`] : [];
}

export const ephemeralVolumeController: ControllerDescriptor = {
  name: 'ephemeral-volume-controller',
  aliases: ['ephemeral-volume'],
  create(env) {
    const client = env.client(controllerManagerIdentity('ephemeral-volume-controller'));
    const recorder = new EventRecorder(client, { component: 'ephemeral_volume' }, env.services.clock);
    const failures = new Map<string, number>();
    return {
      watches: [
        { resource: 'pods', map: podKeys },
        { resource: 'persistentvolumeclaims', map: ownerOfDeletedClaim },
      ],
      initialKeys: () => client.list('pods').filter((pod) => ephemeralVolumes(pod.object).length).map((pod) => pod.key),
      reconcile(key) {
        const [namespace, name] = key.split('/');
        const pod = client.get('pods', namespace, name);
        if (!pod || pod.object.metadata.deletionTimestamp) {
          failures.delete(key);
          return undefined;
        }
        for (const volume of ephemeralVolumes(pod.object)) {
          const claimName = `${name}-${volume.name}`;
          const existing = client.get('persistentvolumeclaims', namespace, claimName);
          let problem: string | undefined;
          if (existing) {
            const owned = (existing.object.metadata.ownerReferences ?? []).some((ref) => ref.controller === true && ref.uid === pod.object.metadata.uid);
            if (!owned) problem = `PVC ${namespace}/${claimName} was not created for pod ${namespace}/${name} (pod is not owner)`;
          } else {
            const template = (volume.ephemeral.volumeClaimTemplate ?? {}) as Json;
            try {
              client.create('persistentvolumeclaims', namespace, {
                apiVersion: 'v1',
                kind: 'PersistentVolumeClaim',
                metadata: {
                  name: claimName,
                  ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name, uid: pod.object.metadata.uid!, controller: true, blockOwnerDeletion: true }],
                  ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
                  ...(template.metadata?.labels ? { labels: template.metadata.labels } : {}),
                },
                spec: template.spec ?? {},
              });
            } catch (err) {
              problem = `create PVC ${claimName}: ${(err as Error).message}`;
            }
          }
          if (problem) {
            recorder.event(referenceTo(pod), 'Warning', 'FailedBinding', `ephemeral volume ${volume.name}: ${problem}`);
            const failed = (failures.get(key) ?? 0) + 1;
            failures.set(key, failed);
            return { requeueAfterMs: Math.min(baseBackoffMs * 2 ** (failed - 1), maxBackoffMs) };
          }
        }
        failures.delete(key);
        return undefined;
      },
    };
  },
};
