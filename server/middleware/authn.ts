// Bearer-token authentication. Requests without credentials are system:anonymous, which may read
// only the public health and version endpoints, as with a default kube-apiserver. Over plain HTTP
// clients such as kubectl send no token at all, so there (like kube-apiserver's old insecure port)
// a request without credentials acts as the administrator.

import { timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import type { KubeState } from '../context.js';
import { errors } from '../errors.js';
import type { UserInfo } from '../registry/types.js';

export const adminUser: UserInfo = { username: 'kubemock-admin', uid: '', groups: ['system:masters', 'system:authenticated'] };
const anonymous: UserInfo = { username: 'system:anonymous', uid: '', groups: ['system:unauthenticated'] };

const publicPaths = /^\/(healthz|livez|readyz|version)(\/.*)?$/;

function sameToken(given: string, expected: Buffer): boolean {
  const buffer = Buffer.from(given);
  return buffer.length === expected.length && timingSafeEqual(buffer, expected);
}

function forbiddenFor(ctx: { path: string; state: KubeState }): ReturnType<typeof errors.forbidden> {
  const info = ctx.state.info;
  const user = anonymous.username;
  if (!info.isResourceRequest) {
    return errors.forbidden(undefined, '', `User "${user}" cannot get path "${ctx.path}"`);
  }
  const scope = info.namespace ? `in the namespace "${info.namespace}"` : 'at the cluster scope';
  const gr = { group: info.group, resource: info.resource };
  return errors.forbidden(gr, info.name, `User "${user}" cannot ${info.verb} resource "${info.resource}" in API group "${info.group}" ${scope}`);
}

export function authn(token: string, plainHttp: boolean): Middleware<KubeState> {
  const expected = Buffer.from(token);
  const authenticate = (given: string) => (sameToken(given, expected) ? adminUser : undefined);
  return async (ctx, next) => {
    ctx.state.authenticate = authenticate;
    const header = ctx.get('authorization');
    if (header) {
      const match = /^Bearer\s+(.+)$/i.exec(header);
      if (!match || !sameToken(match[1].trim(), expected)) throw errors.unauthorized();
      ctx.state.user = adminUser;
    } else if (plainHttp) {
      ctx.state.user = adminUser;
    } else {
      ctx.state.user = anonymous;
      if (!publicPaths.test(ctx.path)) throw forbiddenFor(ctx);
    }
    await next();
  };
}
