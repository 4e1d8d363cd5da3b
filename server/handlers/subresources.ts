// Subresources: status (the whole object, writes limited to status), scale (autoscaling/v1 Scale)
// and namespace finalize.

import type { KubeContext } from '../context.js';
import { errors, field } from '../errors.js';
import type { StoredObject } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import { formatLabelSelector } from '../selectors/labels.js';
import type { ResourceDefinition } from '../registry/types.js';
import type { Services } from '../services.js';
import { readObjectBody } from './body.js';
import { respondObject } from './respond.js';
import { readWriteOptions } from './write-options.js';
import { sendBody } from '../http.js';
import { validateBodyFields } from '../../openapi/field-validation.js';

type Json = Record<string, any>;

function scaleOf(stored: StoredObject): KubeObject {
  const object = stored.object as Json;
  const selector = object.spec?.selector;
  const status: Json = { replicas: object.status?.replicas ?? 0 };
  if (selector) status.selector = formatLabelSelector(selector.matchLabels || selector.matchExpressions ? selector : { matchLabels: selector });
  const meta = object.metadata;
  const metadata: Json = { name: meta.name };
  if (meta.namespace) metadata.namespace = meta.namespace;
  Object.assign(metadata, { uid: meta.uid, resourceVersion: meta.resourceVersion, creationTimestamp: meta.creationTimestamp });
  return { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata, spec: { replicas: object.spec?.replicas ?? 0 }, status };
}

function respondScale(ctx: KubeContext, def: ResourceDefinition, stored: StoredObject, status = 200): void {
  const scale = scaleOf(stored);
  respondObject(ctx, { ...def, kind: 'Scale' }, { object: scale, json: JSON.stringify(scale) }, status);
}

async function writeScale(ctx: KubeContext, services: Services, def: ResourceDefinition, namespace: string, name: string): Promise<void> {
  const options = { ...readWriteOptions(ctx, 'UpdateOptions'), subresource: 'scale' };
  const body = (await readObjectBody(ctx)) as Json;
  const existing = services.objects.get(def, namespace, name);
  const replicas = body?.spec?.replicas ?? 0;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw errors.invalid({ group: 'autoscaling', kind: 'Scale' }, name, [field.invalid('spec.replicas', replicas, 'must be greater than or equal to 0')]);
  }
  const updated: KubeObject = JSON.parse(existing.json);
  (updated.spec as Json).replicas = replicas;
  updated.metadata.resourceVersion = body?.metadata?.resourceVersion || undefined;
  if (!updated.metadata.resourceVersion && !def.strategy.allowUnconditionalUpdate) updated.metadata.resourceVersion = existing.object.metadata.resourceVersion;
  const result = services.objects.replace(def, existing, updated, options);
  respondScale(ctx, def, result as StoredObject);
}

/** POST to a subresource such as pods/binding; answers with a Success Status as kube-apiserver does. */
export async function createOnSubresource(ctx: KubeContext, services: Services, def: ResourceDefinition, namespace: string, name: string, subresource: string, body?: unknown): Promise<void> {
  const options = readWriteOptions(ctx, 'CreateOptions');
  const object = (body ?? (await readObjectBody(ctx))) as Json;
  const bodyName = object?.metadata?.name;
  if (bodyName !== undefined && bodyName !== name) throw errors.badRequest(`name in URL does not match name in ${object.kind ?? subresource} object`);
  services.objects.createSubresource(def, namespace, name, subresource, object, options);
  sendBody(ctx, 201, JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 }));
}

export async function handleSubresource(ctx: KubeContext, services: Services, def: ResourceDefinition, namespace: string, name: string, subresource: string): Promise<void> {
  const entry = def.subresources.find((s) => s.name === subresource);
  const verb = ctx.state.info.verb;
  if (!entry) throw errors.notFoundPath();
  if (!(entry.verbs as string[]).includes(verb)) throw errors.methodNotSupported({ group: def.group, resource: `${def.plural}/${subresource}` }, verb);
  if (subresource === 'scale') {
    if (verb === 'get') return respondScale(ctx, def, services.objects.get(def, namespace, name));
    if (verb === 'update') return writeScale(ctx, services, def, namespace, name);
  } else if (verb === 'create') {
    return createOnSubresource(ctx, services, def, namespace, name, subresource);
  } else if (verb === 'get') {
    return respondObject(ctx, def, services.objects.get(def, namespace, name));
  } else if (verb === 'update') {
    const options = { ...readWriteOptions(ctx, 'UpdateOptions'), subresource };
    const body = await readObjectBody(ctx);
    await validateBodyFields(ctx, services.registry, def, body);
    const { result } = services.objects.update(def, namespace, name, body, options);
    return respondObject(ctx, def, result);
  }
  throw errors.methodNotSupported({ group: def.group, resource: `${def.plural}/${subresource}` }, verb);
}
