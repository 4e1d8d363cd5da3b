// PUT: replace an object or one of its writable subresources.

import { validateBodyFields } from '../../openapi/field-validation.js';
import type { KubeContext } from '../context.js';
import type { ResourceDefinition } from '../registry/types.js';
import type { Services } from '../services.js';
import { readObjectBody } from './body.js';
import { checkBodyKind } from './body-kind.js';
import { respondObject } from './respond.js';
import { readWriteOptions } from './write-options.js';

export async function updateObject(ctx: KubeContext, services: Services, def: ResourceDefinition, namespace: string, name: string, subresource = ''): Promise<void> {
  const options = { ...readWriteOptions(ctx, 'UpdateOptions'), subresource: subresource || undefined };
  const body = await readObjectBody(ctx, def.kind);
  checkBodyKind(services.registry, def, body);
  validateBodyFields(ctx, def, body);
  const { result, created } = services.objects.update(def, namespace, name, body, options);
  respondObject(ctx, def, result, created ? 201 : 200);
}
