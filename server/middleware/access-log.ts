// One line per finished request, in the shape of kube-apiserver's httplog.

import type { Middleware } from 'koa';
import type { Clock } from '../clock.js';
import type { KubeState } from '../context.js';

export type LogSink = (line: string) => void;

export function accessLog(sink: LogSink | undefined, clock: Clock): Middleware<KubeState> {
  if (!sink) return (_ctx, next) => next();
  return async (ctx, next) => {
    const started = clock.now().getTime();
    try {
      await next();
    } finally {
      const info = ctx.state.info;
      const latency = clock.now().getTime() - started;
      sink(`verb=${info?.verb ?? ctx.method} URI=${ctx.url} latency=${latency}ms userAgent=${JSON.stringify(ctx.get('user-agent'))} audit-ID=${ctx.state.requestId} resp=${ctx.status}`);
    }
  };
}
