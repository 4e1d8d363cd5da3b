// The objects a fresh kube-apiserver writes for itself, recorded in objects.json (see its `source`).

import recorded from './objects.json' with { type: 'json' };
import type { KubeObject } from '../store/types.js';

export interface RecordedResource {
  group: string;
  plural: string;
  /** The field manager that wrote them. */
  manager: string;
  objects: KubeObject[];
}

export const recordedResources: readonly RecordedResource[] = recorded.resources as unknown as RecordedResource[];

/** A recorded object by resource and name (the mandatory flow-control objects validation compares with). */
export function recordedObject(group: string, plural: string, name: string): KubeObject | undefined {
  return recordedResources.find((r) => r.group === group && r.plural === plural)?.objects.find((o) => o.metadata.name === name);
}
