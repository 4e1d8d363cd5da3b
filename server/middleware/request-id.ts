// Gives every request an id (the caller's X-Request-Id when it sent one) and its arrival time.

import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Clock } from '../clock.js';
import type { KubeState } from '../context.js';

export function requestId(clock: Clock): Middleware<KubeState> {
  return async (ctx, next) => {
    const id = ctx.get('x-request-id') || randomUUID();
    ctx.state.requestId = id;
    ctx.state.receivedAt = clock.now();
    ctx.set('Audit-Id', id);
    await next();
  };
}
