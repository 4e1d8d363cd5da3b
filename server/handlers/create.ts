// POST: create an object (or answer a review resource).

import { validateBodyFields } from '../../openapi/field-validation.js';
import type { KubeContext } from '../context.js';
import type { ResourceDefinition } from '../registry/types.js';
import type { Services } from '../services.js';
import { readObjectBody } from './body.js';
import { checkBodyKind } from './body-kind.js';
import { respondObject } from './respond.js';
import { readWriteOptions } from './write-options.js';

export async function createObject(ctx: KubeContext, services: Services, def: ResourceDefinition, namespace: string): Promise<void> {
  const options = readWriteOptions(ctx, 'CreateOptions');
  const refusal = def.strategy.refuseCreate?.(services.objects.context(options));
  if (refusal) throw refusal;
  const body = await readObjectBody(ctx, def.kind);
  checkBodyKind(services.registry, def, body);
  validateBodyFields(ctx, def, body);
  const result = services.objects.create(def, namespace, body, options);
  respondObject(ctx, def, result, 201);
}
