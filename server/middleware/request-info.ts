// Splits a request path into verb, group, version, namespace, resource, name and subresource
// the way apiserver/pkg/endpoints/request/requestinfo.go does.

import type { Middleware } from 'koa';
import type { KubeState } from '../context.js';
import { errors } from '../errors.js';

export interface RequestInfo {
  isResourceRequest: boolean;
  /** get, list, watch, create, update, patch, delete, deletecollection; or the HTTP method for other paths. */
  verb: string;
  group: string;
  version: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** What follows the subresource (a proxied path: .../pods/p/proxy/some/path → some/path). */
  subpath: string;
}

const namespaceSubresources = new Set(['status', 'finalize']);

export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false,
    verb: method.toLowerCase(),
    group: '',
    version: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    subpath: '',
  };
  let parts: string[];
  try {
    parts = path.replace(/^\/+|\/+$/g, '').split('/').map(decodeURIComponent);
  } catch {
    throw errors.badRequest(`invalid URL escape in ${JSON.stringify(path)}`);
  }
  if (parts[0] !== 'api' && parts[0] !== 'apis') return info;
  const prefix = parts[0];
  parts = parts.slice(1);
  if (prefix === 'apis') {
    if (parts.length < 3) return info;
    info.group = parts[0];
    parts = parts.slice(1);
  } else if (parts.length < 2) return info;
  info.version = parts[0];
  parts = parts.slice(1);

  info.isResourceRequest = true;
  const verbs: Record<string, string> = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
  info.verb = verbs[method] ?? method.toLowerCase();
  if (parts[0] === 'watch' || parts[0] === 'proxy') {
    info.verb = parts[0];
    parts = parts.slice(1);
  }
  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      info.namespace = parts[1];
      if (parts.length > 2 && !namespaceSubresources.has(parts[2])) parts = parts.slice(2);
    }
  }
  info.resource = parts[0] ?? '';
  info.name = parts[1] ?? '';
  info.subresource = parts[2] ?? '';
  info.subpath = parts.slice(3).join('/');

  if (info.verb === 'get' && !info.name) info.verb = 'list';
  if ((info.verb === 'list' || info.verb === 'get') && queryBool(query.get('watch'))) info.verb = 'watch';
  if (info.verb === 'delete' && !info.name) info.verb = 'deletecollection';
  return info;
}

/** Go's strconv.ParseBool truths. */
export function isTrue(value: string | null | undefined): boolean {
  return value !== null && value !== undefined && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value);
}

/** A boolean query parameter as apimachinery converts it: given and neither "0" nor "false" (any case), even if empty. */
export function queryBool(value: string | null | undefined): boolean {
  return value !== null && value !== undefined && value !== '0' && value.toLowerCase() !== 'false';
}

export const requestInfo: Middleware<KubeState> = async (ctx, next) => {
  ctx.state.info = parseRequestInfo(ctx.method, ctx.path, new URLSearchParams(ctx.querystring));
  await next();
};
