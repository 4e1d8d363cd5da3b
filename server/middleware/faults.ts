// Injects the faults a test asked for into matching requests: latency, a Status answer, a reset
// connection; watch faults strike the stream once it has started.

import type { Middleware } from 'koa';
import type { Socket } from 'node:net';
import { setTimeout } from 'node:timers';
import type { KubeState } from '../context.js';
import type { FaultInjector } from '../requests/faults.js';
import { faultStatus } from '../requests/faults.js';
import type { RequestTarget } from '../requests/log.js';
import { writeVerbs } from '../requests/log.js';

/** Sends a TCP RST: over TLS the reset goes to the plain socket underneath. */
function resetConnection(socket: Socket): void {
  const raw = (socket as Socket & { _parent?: Socket })._parent ?? socket;
  try {
    raw.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function faults(injector: FaultInjector, currentRevision: () => number): Middleware<KubeState> {
  return async (ctx, next) => {
    const info = ctx.state.info;
    const userAgent = ctx.get('user-agent');
    const target: RequestTarget = {
      verb: info.verb,
      group: info.group,
      resource: info.resource,
      subresource: info.subresource,
      namespace: info.namespace,
      name: info.name,
      userAgent,
      fieldManager: writeVerbs.includes(info.verb) ? (new URLSearchParams(ctx.querystring).get('fieldManager') ?? (userAgent.split('/')[0] || 'unknown')) : undefined,
    };
    const strike = injector.forRequest(target);
    if (strike) {
      ctx.state.fault = strike.description;
      if (strike.action.latencyMs) await delay(strike.action.latencyMs);
      if (strike.action.resetConnection) {
        ctx.state.connectionReset = true;
        ctx.respond = false;
        resetConnection(ctx.req.socket);
        return;
      }
      if (strike.action.status !== undefined) throw faultStatus(strike.action, target);
    }
    await next();
    const watcher = ctx.state.watcher;
    if (!watcher || watcher.closed) return;
    const state = ctx.state;
    // A fault striking later marks the request's log entry, written by then.
    const mark = (description: string) => {
      state.fault = description;
      if (state.record) state.record.fault = description;
    };
    const handle = {
      target,
      fail: (status: Parameters<typeof watcher.fail>[0], description: string) => {
        mark(description);
        watcher.fail(status);
      },
      drop: (description: string) => {
        mark(description);
        watcher.close(true);
      },
      currentRevision,
    };
    watcher.onClose(() => injector.watchClosed(handle));
    injector.watchOpened(handle);
  };
}
