// The class a defaulting plugin picks among those marked default (GetDefaultClass and the
// IngressClass equivalent): the newest, ties going to the first name.

import type { KubeObject } from '../store/types.js';

export function newestDefault(candidates: KubeObject[]): KubeObject | undefined {
  const created = (c: KubeObject) => Date.parse(c.metadata.creationTimestamp ?? '') || 0;
  return [...candidates].sort((a, b) => created(b) - created(a) || ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1))[0];
}
