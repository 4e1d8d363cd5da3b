// Compute resource names as pkg/apis/core/helper classifies them and core validation checks them
// (HPA container metrics, RuntimeClass overhead, quotas, limit ranges).

import { field, type FieldError, GoLiteral } from '../../errors.js';
import { isQualifiedName } from '../validation.js';

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

/** ValidateContainerResourceName; resource names print unquoted in these errors. */
export function validateContainerResourceName(name: string, path: string): FieldError[] {
  const shown = new GoLiteral(name);
  const qualified = isQualifiedName(name).map((p) => field.invalid(path, name, p));
  if (qualified.length) return qualified;
  const out: FieldError[] = [];
  if (!name.includes('/')) {
    if (!isStandardResource(name)) out.push(field.invalid(path, shown, 'must be a standard resource type or fully qualified'));
    if (!isStandardContainerResource(name)) out.push(field.invalid(path, shown, 'must be a standard resource for containers'));
  } else if (!isNativeResource(name) && (name.startsWith('requests.') || isQualifiedName(`requests.${name}`).length > 0)) {
    out.push(field.invalid(path, shown, "doesn't follow extended resource name standard"));
  }
  return out;
}
