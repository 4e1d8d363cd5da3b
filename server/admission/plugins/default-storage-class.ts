// DefaultStorageClass (plugin/pkg/admission/storage/storageclass/setdefault): a claim created
// without a class, by field or by the beta annotation, gets the default StorageClass; with several
// defaults the newest wins, ties going to the first name.

import { isDefaultStorageClass } from '../../registry/resources/storage-printers.js';
import { newestDefault } from '../default-class.js';
import type { AdmissionPlugin } from '../types.js';

type Json = Record<string, any>;

const betaClassAnnotation = 'volume.beta.kubernetes.io/storage-class';

export const defaultStorageClass: AdmissionPlugin = {
  name: 'DefaultStorageClass',
  operations: ['CREATE'],
  resources: ['persistentvolumeclaims'],
  admit(request, cluster) {
    const claim = request.object;
    if (!claim) return;
    const spec = (claim.spec ??= {}) as Json;
    if (spec.storageClassName !== undefined && spec.storageClassName !== null) return;
    if (claim.metadata.annotations?.[betaClassAnnotation] !== undefined) return;
    const chosen = newestDefault(cluster.list('storage.k8s.io/storageclasses').filter(isDefaultStorageClass));
    if (chosen) spec.storageClassName = chosen.metadata.name;
  },
};
