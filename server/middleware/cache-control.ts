// kube-apiserver marks every answer uncacheable by shared caches unless its handler says otherwise
// (aggregated discovery, OpenAPI documents addressed by hash); clients and proxies read it.

import type { Middleware } from 'koa';
import type { KubeState } from '../context.js';

export const uncacheable: Middleware<KubeState> = async (ctx, next) => {
  ctx.set('Cache-Control', 'no-cache, private');
  await next();
};
