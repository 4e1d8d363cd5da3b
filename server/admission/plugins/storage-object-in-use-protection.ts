// StorageObjectInUseProtection (plugin/pkg/admission/storage/storageobjectinuseprotection): every
// PersistentVolumeClaim and PersistentVolume is created with its protection finalizer, which the
// pvc-protection and pv-protection controllers take away once nothing uses the object.

import type { AdmissionPlugin } from '../types.js';

export const pvcProtectionFinalizer = 'kubernetes.io/pvc-protection';
export const pvProtectionFinalizer = 'kubernetes.io/pv-protection';

const finalizerOf: Record<string, string> = {
  persistentvolumeclaims: pvcProtectionFinalizer,
  persistentvolumes: pvProtectionFinalizer,
};

export const storageObjectInUseProtection: AdmissionPlugin = {
  name: 'StorageObjectInUseProtection',
  operations: ['CREATE'],
  resources: Object.keys(finalizerOf),
  admit(request) {
    const object = request.object;
    const finalizer = finalizerOf[request.resource];
    if (!object || !finalizer) return;
    const finalizers = object.metadata.finalizers ?? [];
    if (!finalizers.includes(finalizer)) object.metadata.finalizers = [...finalizers, finalizer];
  },
};
