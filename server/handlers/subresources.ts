// Subresources: status (the whole object, writes limited to status), scale (scale.ts), namespace
// finalize and creates such as pods/binding.

import type { KubeContext } from '../context.js';
import { errors } from '../errors.js';
import type { ResourceDefinition, SubresourceRead } from '../registry/types.js';
import type { Services } from '../services.js';
import { readObjectBody } from './body.js';
import { respondObject, write } from './respond.js';
import { readWriteOptions } from './write-options.js';
import { sendBody, sendJson } from '../http.js';
import { patchObject } from './patch.js';
import { respondScale, writeScale } from './scale.js';
import { validateBodyFields } from '../../openapi/field-validation.js';
import { connectSubresource } from './connect.js';

type Json = Record<string, any>;

/** POST to a subresource such as pods/binding; answers with a Success Status as kube-apiserver does. */
export async function createOnSubresource(ctx: KubeContext, services: Services, def: ResourceDefinition, namespace: string, name: string, subresource: string, body?: unknown): Promise<void> {
  const options = readWriteOptions(ctx, 'CreateOptions');
  const kind = def.subresources.find((s) => s.name === subresource)?.responseKind?.kind ?? def.kind;
  const object = (body ?? (await readObjectBody(ctx, kind))) as Json;
  const bodyName = object?.metadata?.name;
  if (bodyName !== undefined && bodyName !== name) throw errors.badRequest(`name in URL does not match name in ${object.kind ?? subresource} object`);
  if (def.strategy.subresourceActions?.[subresource]) services.objects.actOnSubresource(def, namespace, name, subresource, object, options);
  else services.objects.createSubresource(def, namespace, name, subresource, object, options);
  sendJson(ctx, 201, JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 }));
}

export async function handleSubresource(ctx: KubeContext, services: Services, def: ResourceDefinition, namespace: string, name: string, subresource: string): Promise<void> {
  const entry = def.subresources.find((s) => s.name === subresource);
  const verb = ctx.state.info.verb;
  if (!entry) throw errors.notFoundPath();
  const connector = def.strategy.connect?.[subresource];
  if (connector) return connectSubresource(ctx, services, def, namespace, name, subresource, connector);
  if (ctx.state.info.subpath) throw errors.notFoundPath();
  // A method the subresource has no route for, answered as go-restful answers it.
  if (!(entry.verbs as string[]).includes(verb)) throw errors.methodNotAllowed();
  if (verb === 'patch') return patchObject(ctx, services, def, namespace, name, subresource);
  if (subresource === 'scale') {
    if (verb === 'get') return respondScale(ctx, def, services.objects.get(def, namespace, name));
    if (verb === 'update') return writeScale(ctx, services, def, namespace, name);
  } else if (verb === 'create' && def.strategy.subresourceResponses?.[subresource]) {
    const options = readWriteOptions(ctx, 'CreateOptions');
    const kind = def.subresources.find((s) => s.name === subresource)?.responseKind?.kind ?? def.kind;
    const result = services.objects.respondSubresource(def, namespace, name, subresource, await readObjectBody(ctx, kind), options);
    return write(ctx, 201, result.json);
  } else if (verb === 'create') {
    return createOnSubresource(ctx, services, def, namespace, name, subresource);
  } else if (verb === 'get') {
    const read = def.strategy.subresourceReads?.[subresource];
    if (read) return respondRead(ctx, services, def, namespace, name, read);
    return respondObject(ctx, def, services.objects.get(def, namespace, name));
  } else if (verb === 'update') {
    const options = { ...readWriteOptions(ctx, 'UpdateOptions'), subresource };
    const body = await readObjectBody(ctx, def.kind);
    validateBodyFields(ctx, def, body);
    const { result } = services.objects.update(def, namespace, name, body, options);
    return respondObject(ctx, def, result);
  }
  throw errors.methodNotSupported({ group: def.group, resource: `${def.plural}/${subresource}` }, verb);
}

/** A subresource GET with its own answer (pods/log): the body, and for a stream what follows until it ends. */
function respondRead(ctx: KubeContext, services: Services, def: ResourceDefinition, namespace: string, name: string, read: SubresourceRead): void {
  const stored = services.objects.get(def, namespace, name);
  const result = read({
    parent: stored.object,
    query: new URLSearchParams(ctx.querystring),
    now: services.clock.now(),
    nodes: services.nodes,
    lookup: services.objects.context().lookup,
    watchParent: (listener) =>
      services.store.subscribe((event) => {
        if (event.resource === stored.resource && event.object.key === stored.key) listener(event.type === 'DELETED' ? undefined : event.object.object);
      }),
  });
  if (result.noContent) {
    ctx.status = 204;
    ctx.body = null;
    return;
  }
  if (!result.follow) {
    sendBody(ctx, 200, result.body, result.contentType);
    return;
  }
  const res = ctx.res;
  ctx.respond = false;
  res.writeHead(200, { 'Content-Type': result.contentType, 'Cache-Control': 'no-cache, private', 'Audit-Id': ctx.state.requestId });
  res.write(result.body);
  let stop = () => {};
  const end = () => {
    stop();
    res.end();
  };
  stop = result.follow((chunk) => res.write(chunk), end);
  res.once('close', () => stop());
}
