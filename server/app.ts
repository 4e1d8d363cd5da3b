// The Koa application: one middleware per concern, in request order, then the routes.

import Router from '@koa/router';
import Koa from 'koa';
import { openApiHandlers } from '../openapi/serve.js';
import type { KubeContext, KubeState } from './context.js';
import { errors } from './errors.js';
import { discoveryHandlers } from './handlers/discovery.js';
import { health, healthChecks, version } from './handlers/health.js';
import { pathNotFound } from './handlers/not-found.js';
import { resourceRequests } from './handlers/resource.js';
import { authn } from './middleware/authn.js';
import { uncacheable } from './middleware/cache-control.js';
import { statusErrors } from './middleware/errors.js';
import { faults } from './middleware/faults.js';
import { negotiation } from './middleware/negotiation.js';
import { requestId } from './middleware/request-id.js';
import { requestInfo } from './middleware/request-info.js';
import { requestLog, type LogSink } from './middleware/request-log.js';
import type { FaultInjector } from './requests/faults.js';
import type { ClientCertificates } from './auth/client-certificates.js';
import type { RequestLog } from './requests/log.js';
import type { Services } from './services.js';

export interface AppOptions {
  /** Serving plain HTTP, where requests without credentials act as the administrator. */
  plainHttp?: boolean;
  /** Verifies the client certificates presented over TLS (signed by the cluster CA). */
  clientCertificates?: ClientCertificates;
  requests: RequestLog;
  faults: FaultInjector;
  /** Prints one line per request. */
  accessLog?: LogSink;
  /** Where one-time warnings (an API kubemock does not serve) go. */
  warn: (message: string) => void;
  /** Where failures that are kubemock's own bugs are reported. */
  reportError?: (err: unknown) => void;
}

export function createApp(services: Services, options: AppOptions): Koa<KubeState> {
  const app = new Koa<KubeState>();
  app.silent = true;
  const discovery = discoveryHandlers(services.registry);
  const router = new Router<KubeState>();
  // Discovery of a group, /apis, health and the OpenAPI documents answer any method as GET (they
  // are plain handlers in kube-apiserver); /api, group-versions and /version only GET (405).
  const getOnly = (path: string, handler: (ctx: KubeContext) => void | Promise<void>) => {
    router.get(path, handler);
    router.all(path, () => {
      throw errors.methodNotAllowed();
    });
  };
  getOnly('/version', version);
  for (const endpoint of ['healthz', 'livez', 'readyz'] as const) {
    router.all(`/${endpoint}`, (ctx) => health(ctx, endpoint));
    for (const check of healthChecks[endpoint]) router.all(`/${endpoint}/${check}`, (ctx) => health(ctx, endpoint, check));
  }
  getOnly('/api', (ctx) => discovery.api(ctx));
  router.all('/apis', (ctx) => discovery.apis(ctx));
  router.all('/apis/:group', (ctx) => discovery.group(ctx, ctx.params.group));
  getOnly('/api/:version', (ctx) => discovery.groupVersion(ctx, '', ctx.params.version));
  getOnly('/apis/:group/:version', (ctx) => discovery.groupVersion(ctx, ctx.params.group, ctx.params.version));
  const openapi = openApiHandlers(services.registry, services.clock);
  router.all('/openapi/v2', (ctx) => openapi.swagger(ctx));
  router.all('/openapi/v3', (ctx) => openapi.index(ctx));
  router.all('/openapi/v3/*key', (ctx) => openapi.groupVersion(ctx, ctx.path.slice('/openapi/v3/'.length)));

  app.use(requestId(services.clock));
  app.use(requestLog({ log: options.requests, registry: services.registry, sink: options.accessLog, warn: options.warn }));
  app.use(statusErrors(options.reportError ?? ((err) => console.error('kubemock internal error:', err))));
  app.use(uncacheable);
  app.use(requestInfo);
  app.use(authn(services.credentials, options.plainHttp ?? false, options.clientCertificates));
  app.use(faults(options.faults, () => services.store.currentRevision));
  app.use(negotiation);
  app.use(resourceRequests(services));
  app.use(router.routes());
  app.use((ctx) => {
    throw pathNotFound(services.registry, ctx.path);
  });
  return app;
}
