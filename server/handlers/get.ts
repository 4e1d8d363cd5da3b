// GET of one object.

import type { KubeContext } from '../context.js';
import type { ResourceDefinition } from '../registry/types.js';
import type { Services } from '../services.js';
import { parseResourceVersion, queryParam, tooLargeResourceVersion } from './query.js';
import { respondObject } from './respond.js';

export function getObject(ctx: KubeContext, services: Services, def: ResourceDefinition, namespace: string, name: string): void {
  const rv = queryParam(ctx, 'resourceVersion');
  if (rv && rv !== '0') {
    const requested = parseResourceVersion(rv);
    if (requested > services.store.currentRevision) throw tooLargeResourceVersion(requested, services.store.currentRevision);
  }
  respondObject(ctx, def, services.objects.get(def, namespace, name));
}
