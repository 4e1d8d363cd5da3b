// kube-controller-manager's persistentvolume-expander (pkg/controller/volume/expand): a bound claim
// asking for more storage than it has is expanded by its volume's plugin. No in-tree plugin kubemock
// knows expands on the controller, so every such claim is left to an external resizer, with the
// ExternalExpanding event, as kube-controller-manager says of a CSI or host path volume.

import type { StoreEvent } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import { controllerManagerIdentity, type ControllerDescriptor } from './controller.js';
import { EventRecorder, referenceTo } from './events.js';
import { requestedStorage, specOf, statusOf, storageOf } from './volume-binding.js';

const claims = 'persistentvolumeclaims';

const bound = (claim: KubeObject) => statusOf(claim).phase === 'Bound';
const capacityOf = (claim: KubeObject) => storageOf(statusOf(claim).capacity?.storage);

/** Bound claims as they are added, and as their request or capacity grows. */
function claimKeys(event: StoreEvent): string[] {
  const claim = event.object.object;
  if (event.type === 'DELETED' || !bound(claim)) return [];
  const previous = event.previous?.object;
  if (previous && requestedStorage(claim).cmp(requestedStorage(previous)) <= 0 && capacityOf(claim).cmp(capacityOf(previous)) <= 0) return [];
  return [event.object.key];
}

export const persistentVolumeExpanderController: ControllerDescriptor = {
  name: 'persistentvolume-expander-controller',
  aliases: ['persistentvolume-expander'],
  create(env) {
    const client = env.client(controllerManagerIdentity('expand-controller'));
    const recorder = new EventRecorder(client, { component: 'volume_expand' }, env.services.clock);
    return {
      watches: [{ resource: claims, map: claimKeys }],
      initialKeys: () => client.list(claims).filter((claim) => bound(claim.object)).map((claim) => claim.key),
      reconcile(key) {
        const [namespace, name] = key.split('/');
        const claim = client.get(claims, namespace, name);
        if (!claim) return;
        const volume = client.get('persistentvolumes', '', String(specOf(claim.object).volumeName ?? ''));
        const ref = volume && specOf(volume.object).claimRef;
        // Not bound to this claim (yet): kube-controller-manager retries, and the binding's writes queue the claim again.
        if (!ref || ref.namespace !== namespace || ref.uid !== claim.object.metadata.uid) return;
        if (requestedStorage(claim.object).cmp(capacityOf(claim.object)) <= 0) return;
        recorder.event(referenceTo(claim), 'Normal', 'ExternalExpanding', 'waiting for an external controller to expand this PVC');
      },
    };
  },
};
