// Compute resource names as pkg/apis/core/helper classifies them (HPA container metrics, quotas,
// limit ranges).

export const standardContainerResources = ['cpu', 'memory', 'ephemeral-storage'];

const standardResources = new Set([
  ...standardContainerResources,
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'resourcequotas',
  'services',
  'replicationcontrollers',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'storage',
  'requests.storage',
  'services.nodeports',
  'services.loadbalancers',
]);

export function isHugePageResource(name: string): boolean {
  return name.startsWith('hugepages-');
}

export function isStandardResource(name: string): boolean {
  return standardResources.has(name) || isHugePageResource(name) || name.startsWith('requests.hugepages-');
}

export function isStandardContainerResource(name: string): boolean {
  return standardContainerResources.includes(name) || isHugePageResource(name);
}

/** Unprefixed names and names under kubernetes.io/ are native. */
export function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}
