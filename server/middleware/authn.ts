// Authentication as kube-apiserver's union authenticator tries it: a client certificate signed by
// the cluster CA (server/auth/client-certificates.ts) first, then a bearer token, the administrator's
// static token or a service account token (server/auth/credentials.ts). Requests without credentials are system:anonymous, which may read
// only the public health and version endpoints, as with a default kube-apiserver. Over plain HTTP
// clients such as kubectl send no token at all, so there (like kube-apiserver's old insecure port)
// a request without credentials acts as the administrator.

import type { Middleware } from 'koa';
import type { TLSSocket } from 'node:tls';
import type { ClientCertificates } from '../auth/client-certificates.js';
import { adminUser, type Credentials } from '../auth/credentials.js';
import type { KubeState } from '../context.js';
import { errors } from '../errors.js';
import type { UserInfo } from '../registry/types.js';

const anonymous: UserInfo = { username: 'system:anonymous', uid: '', groups: ['system:unauthenticated'] };

const publicPaths = /^\/(healthz|livez|readyz|version)(\/.*)?$/;

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

export function authn(credentials: Credentials, plainHttp: boolean, clientCertificates?: ClientCertificates): Middleware<KubeState> {
  return async (ctx, next) => {
    ctx.state.credentials = credentials;
    const header = ctx.get('authorization');
    const certificate = clientCertificates?.authenticate(ctx.req.socket as TLSSocket);
    if (certificate && 'user' in certificate) {
      ctx.state.user = certificate.user;
    } else if (header) {
      const match = /^Bearer\s+(.+)$/i.exec(header);
      const user = match ? credentials.userOf(match[1].trim()) : undefined;
      if (!user) throw errors.unauthorized();
      ctx.state.user = user;
    } else if (certificate) {
      // A certificate that does not verify, with no token to fall back on.
      throw errors.unauthorized();
    } else if (plainHttp) {
      ctx.state.user = adminUser;
    } else {
      ctx.state.user = anonymous;
      if (!publicPaths.test(ctx.path)) throw forbiddenFor(ctx);
    }
    await next();
  };
}
