// /healthz, /livez, /readyz (with ?verbose and per-check paths) and /version.

import type { KubeContext } from '../context.js';
import { sendBody } from '../http.js';

export const healthChecks: Record<'healthz' | 'livez' | 'readyz', string[]> = {
  healthz: ['ping', 'log', 'etcd', 'poststarthook/start-kubemock-controllers'],
  livez: ['ping', 'log', 'etcd', 'poststarthook/start-kubemock-controllers'],
  readyz: ['ping', 'log', 'etcd', 'etcd-readiness', 'informer-sync', 'poststarthook/start-kubemock-controllers', 'shutdown'],
};

/** The v1.32.0 build kube-apiserver reports; kubectl compares major/minor for version skew. */
export const versionInfo = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0',
  gitCommit: '70d3cc986aa8221cd1dfb1121852688902d3bf53',
  gitTreeState: 'clean',
  buildDate: '2024-12-11T17:59:15Z',
  goVersion: 'go1.23.3',
  compiler: 'gc',
  platform: 'linux/amd64',
};

function text(ctx: KubeContext, body: string): void {
  ctx.set('X-Content-Type-Options', 'nosniff');
  sendBody(ctx, 200, body, 'text/plain; charset=utf-8');
}

export function health(ctx: KubeContext, endpoint: 'healthz' | 'livez' | 'readyz', check?: string): void {
  if (check) return text(ctx, 'ok');
  const names = healthChecks[endpoint];
  if (ctx.query.verbose === undefined) return text(ctx, 'ok');
  const lines = names.map((name) => `[+]${name} ok`);
  text(ctx, `${lines.join('\n')}\n${endpoint} check passed\n`);
}

export function version(ctx: KubeContext): void {
  sendBody(ctx, 200, JSON.stringify(versionInfo, null, 2));
}
