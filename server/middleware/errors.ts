// Turns every failure into a metav1.Status response. Anything that is not a StatusError is a bug in
// kubemock; it still answers as a Status (500) and never takes the server down.

import type { Middleware } from 'koa';
import type { KubeState } from '../context.js';
import { errors, PageNotFound, StatusError } from '../errors.js';
import { sendBody, sendJson, type Writable } from '../http.js';
import { errorFormat, yamlWriter } from './negotiation.js';

/** Writes a Status in the representation the request accepts, as kube-apiserver negotiates its errors. */
export async function writeStatus(ctx: Writable & { get(field: string): string }, err: StatusError): Promise<void> {
  for (const [name, value] of Object.entries(err.headers)) ctx.set(name, value);
  const format = errorFormat(ctx.get('accept'));
  if (format === 'yaml') sendBody(ctx, err.code, yamlWriter()(err.status), 'application/yaml');
  // A client that accepts no representation gets indented JSON, as kube-apiserver's fallback writes it.
  else if (format === 'indented') sendBody(ctx, err.code, JSON.stringify(err.status, null, 2));
  else sendJson(ctx, err.code, JSON.stringify(err.status));
}

export function statusErrors(report: (err: unknown) => void): Middleware<KubeState> {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (ctx.headerSent || !ctx.writable) return;
      if (err instanceof StatusError) {
        await writeStatus(ctx, err);
        return;
      }
      if (err instanceof PageNotFound) {
        ctx.status = 404;
        if (err.body) {
          ctx.set('X-Content-Type-Options', 'nosniff');
          sendBody(ctx, 404, err.body, 'text/plain; charset=utf-8');
        } else {
          ctx.body = '';
          ctx.remove('Content-Type');
        }
        return;
      }
      report(err);
      await writeStatus(ctx, errors.internal(err instanceof Error ? err.message : String(err)));
    }
  };
}
