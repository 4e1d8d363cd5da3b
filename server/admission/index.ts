// The admission plugins a kubemock cluster runs, in kube-apiserver's order
// (pkg/kubeapiserver/options/plugins.go): a new plugin is one file in plugins/ and one line here.
// ResourceQuota and the webhook-like plugins go last, as they do there.

import { AdmissionChain } from './chain.js';
import { certificateSubjectRestriction } from './plugins/certificate-subject-restriction.js';
import { defaultIngressClass } from './plugins/default-ingress-class.js';
import { defaultStorageClass } from './plugins/default-storage-class.js';
import { defaultTolerationSeconds } from './plugins/default-toleration-seconds.js';
import { limitRanger } from './plugins/limit-ranger.js';
import { namespaceLifecycle } from './plugins/namespace-lifecycle.js';
import { persistentVolumeClaimResize } from './plugins/persistent-volume-claim-resize.js';
import { priority } from './plugins/priority.js';
import { resourceQuota } from './plugins/resource-quota.js';
import { runtimeClass } from './plugins/runtime-class.js';
import { serviceAccount } from './plugins/service-account.js';
import { storageObjectInUseProtection } from './plugins/storage-object-in-use-protection.js';
import type { AdmissionPlugin } from './types.js';

export function builtinAdmissionPlugins(): AdmissionPlugin[] {
  return [
    namespaceLifecycle,
    limitRanger,
    serviceAccount,
    priority,
    defaultTolerationSeconds,
    defaultStorageClass,
    storageObjectInUseProtection,
    persistentVolumeClaimResize,
    runtimeClass,
    certificateSubjectRestriction,
    defaultIngressClass,
    resourceQuota,
  ];
}

export function builtinAdmissionChain(): AdmissionChain {
  return new AdmissionChain(builtinAdmissionPlugins());
}

export { AdmissionChain } from './chain.js';
export type { AdmissionContext, AdmissionOperation, AdmissionPlugin, AdmissionRequest } from './types.js';
