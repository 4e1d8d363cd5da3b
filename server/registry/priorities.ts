// Where each group and version stands in discovery: the APIService priorities kube-apiserver 1.32
// registers for its built-in group-versions (cmd/kube-apiserver/app/aggregator.go and the generic
// control plane's list), the aggregator's own group first. Anything else (custom resources) gets
// the priorities the CRD registration controller gives it.

export interface ApiServicePriority {
  /** Higher groups come first. */
  group: number;
  /** Within a group, higher versions come first; ties go by Kubernetes version order. */
  version: number;
}

const builtin: Record<string, ApiServicePriority> = {
  'apiregistration.k8s.io/v1': { group: 20001, version: 0 },
  v1: { group: 18000, version: 1 },
  'apps/v1': { group: 17800, version: 15 },
  'events.k8s.io/v1': { group: 17750, version: 15 },
  'authentication.k8s.io/v1': { group: 17700, version: 15 },
  'authorization.k8s.io/v1': { group: 17600, version: 15 },
  'autoscaling/v2': { group: 17500, version: 30 },
  'autoscaling/v1': { group: 17500, version: 15 },
  'batch/v1': { group: 17400, version: 15 },
  'certificates.k8s.io/v1': { group: 17300, version: 15 },
  'networking.k8s.io/v1': { group: 17200, version: 15 },
  'policy/v1': { group: 17100, version: 15 },
  'rbac.authorization.k8s.io/v1': { group: 17000, version: 15 },
  'storage.k8s.io/v1': { group: 16800, version: 15 },
  'apiextensions.k8s.io/v1': { group: 16700, version: 15 },
  'admissionregistration.k8s.io/v1': { group: 16700, version: 15 },
  'scheduling.k8s.io/v1': { group: 16600, version: 15 },
  'coordination.k8s.io/v1': { group: 16500, version: 15 },
  'node.k8s.io/v1': { group: 16300, version: 15 },
  'discovery.k8s.io/v1': { group: 16200, version: 15 },
  'flowcontrol.apiserver.k8s.io/v1': { group: 16100, version: 21 },
};

const customResourcePriority: ApiServicePriority = { group: 1000, version: 100 };

export function apiServicePriority(group: string, version: string): ApiServicePriority {
  return builtin[group ? `${group}/${version}` : version] ?? customResourcePriority;
}

const kubeVersion = /^v(\d+)(?:(alpha|beta)(\d+))?$/;
const stability: Record<string, number> = { alpha: 0, beta: 1, '': 2 };

/** version.CompareKubeAwareVersionStrings: > 0 when `a` sorts first (v2 > v1 > v1beta2 > v1alpha1 > other). */
export function compareKubeAwareVersions(a: string, b: string): number {
  if (a === b) return 0;
  const ma = kubeVersion.exec(a);
  const mb = kubeVersion.exec(b);
  if (!ma && !mb) return a < b ? 1 : -1;
  if (!ma) return -1;
  if (!mb) return 1;
  const typeA = stability[ma[2] ?? ''];
  const typeB = stability[mb[2] ?? ''];
  if (typeA !== typeB) return typeA - typeB;
  if (ma[1] !== mb[1]) return Number(ma[1]) - Number(mb[1]);
  return Number(ma[3] ?? 0) - Number(mb[3] ?? 0);
}
