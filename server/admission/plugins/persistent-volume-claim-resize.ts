// PersistentVolumeClaimResize (plugin/pkg/admission/storage/persistentvolume/resize): a claim may
// ask for more storage only once bound, and only when its StorageClass allows volume expansion.

import { Quantity } from '../../quantity.js';
import type { KubeObject } from '../../store/types.js';
import { admissionForbidden, type AdmissionPlugin } from '../types.js';

type Json = Record<string, any>;

const storageRequest = (claim: KubeObject) => Quantity.tryParse((claim.spec as Json | undefined)?.resources?.requests?.storage ?? '0') ?? Quantity.zero();

/** GetPersistentVolumeClaimClass: the beta annotation wins over spec.storageClassName. */
function claimClass(claim: KubeObject): string {
  const annotated = claim.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'];
  if (annotated !== undefined) return annotated;
  return String((claim.spec as Json | undefined)?.storageClassName ?? '');
}

export const persistentVolumeClaimResize: AdmissionPlugin = {
  name: 'PersistentVolumeClaimResize',
  operations: ['UPDATE'],
  resources: ['persistentvolumeclaims'],
  validate(request, cluster) {
    const claim = request.object;
    const old = request.oldObject;
    if (!claim || !old || storageRequest(claim).cmp(storageRequest(old)) <= 0) return;
    if ((old.status as Json | undefined)?.phase !== 'Bound') throw admissionForbidden(request, 'Only bound persistent volume claims can be expanded');
    const name = claimClass(claim);
    const storageClass = name && name === claimClass(old) ? cluster.lookup('storage.k8s.io/storageclasses', '', name) : undefined;
    if (storageClass?.allowVolumeExpansion !== true) {
      throw admissionForbidden(request, 'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
    }
  },
};
