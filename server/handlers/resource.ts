// Routes a resource request to its verb's handler. Knows verbs and scopes, never kinds.

import type { Middleware } from 'koa';
import type { KubeState } from '../context.js';
import { errors } from '../errors.js';
import type { Verb } from '../registry/types.js';
import type { Services } from '../services.js';
import { watchObjects } from '../watch/stream.js';
import { createObject } from './create.js';
import { deleteCollection, deleteObject } from './delete.js';
import { getObject } from './get.js';
import { listObjects } from './list.js';
import { createOnSubresource, handleSubresource } from './subresources.js';
import { readObjectBody } from './body.js';
import { updateObject } from './update.js';
import { patchObject } from './patch.js';
import { pathNotFound } from './not-found.js';
import { addWarning } from '../warnings.js';

export function resourceRequests(services: Services): Middleware<KubeState> {
  return async (ctx, next) => {
    const info = ctx.state.info;
    if (!info.isResourceRequest || !info.resource) return next();
    const def = services.registry.find(info.group, info.version, info.resource);
    if (!def) throw pathNotFound(services.registry, ctx.path);
    if (def.deprecationWarning) addWarning(ctx, def.deprecationWarning);
    const gr = { group: def.group, resource: def.plural };
    if (!def.namespaced && info.namespace && info.resource !== 'namespaces') throw errors.notFoundPath();
    const namespace = def.namespaced ? info.namespace : '';
    const name = info.name;
    // Across all namespaces only list and watch are served; other methods find no route.
    if (def.namespaced && !namespace && !['list', 'watch'].includes(info.verb)) {
      if (name) throw errors.notFoundPath();
      throw errors.methodNotAllowed();
    }
    if (info.subresource) return handleSubresource(ctx, services, def, namespace, name, info.subresource);

    const verb = info.verb as Verb;
    if (def.createVia && verb === 'create' && !name) {
      const target = services.registry.find(def.group, def.version, def.createVia.plural)!;
      const body = (await readObjectBody(ctx, def.kind)) as { metadata?: { name?: string } };
      const targetName = body?.metadata?.name;
      if (!targetName) throw errors.badRequest(`${def.kind} must name the ${target.kind.toLowerCase()} in metadata.name`);
      return createOnSubresource(ctx, services, target, namespace, targetName, def.createVia.subresource, body);
    }
    // A collection path takes no PUT or PATCH, an item path no POST.
    if (name ? verb === 'create' : verb === 'update' || verb === 'patch') throw errors.methodNotAllowed();
    if (!def.verbs.includes(verb)) throw errors.methodNotSupported(gr, verb);
    switch (verb) {
      case 'get':
        return getObject(ctx, services, def, namespace, name);
      case 'list':
        return listObjects(ctx, services, def, namespace);
      case 'watch':
        return watchObjects(ctx, services, def, namespace, name);
      case 'create':
        return createObject(ctx, services, def, namespace);
      case 'update':
        return updateObject(ctx, services, def, namespace, name);
      case 'patch':
        return patchObject(ctx, services, def, namespace, name);
      case 'delete':
        return deleteObject(ctx, services, def, namespace, name);
      case 'deletecollection':
        return deleteCollection(ctx, services, def, namespace);
      default:
        throw errors.methodNotSupported(gr, verb);
    }
  };
}
