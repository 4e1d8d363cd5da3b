// A kubemock with its living cluster in its own process (forked by children.ts): nodes, scheduler,
// kubelets and the rest, or none of the controllers for the baseline. Pods are created through the
// write path, and the parent asks how long until everything has settled and what idling costs.

import { performance } from 'node:perf_hooks';
import { startServer } from '../../server/server.js';
import { serveCommands } from './child-commands.js';

export interface ClusterServerOptions {
  nodes: number;
  controllers: 'all' | string[];
}

export interface PodsResult {
  /** Wall time from the first create until the controllers settled. */
  wallMs: number;
  /** CPU time of this process over the same span. */
  cpuMs: number;
  running: number;
}

const options: ClusterServerOptions = JSON.parse(process.argv[2] ?? '{}');
const server = await startServer({ port: 0, host: '127.0.0.1', insecureHttp: true, nodes: options.nodes, controllers: options.controllers });
const pods = server.services.registry.find('', 'v1', 'pods')!;
const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

async function createPods(args: { count: number; prefix: string }): Promise<PodsResult> {
  const start = performance.now();
  const cpuStart = cpuMs();
  for (let i = 0; i < args.count; i++) {
    server.services.objects.create(pods, 'default', {
      metadata: { name: `${args.prefix}${i}`, labels: { app: 'bench' } },
      spec: { containers: [{ name: 'app', image: 'nginx:1.27', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
    });
    // Let the controllers take turns with the creates, as they would with a client sending them.
    if (i % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
  }
  await server.controllers.settle();
  const wallMs = performance.now() - start;
  const cpuSpent = cpuMs() - cpuStart;
  // Counted after the span measured: checking the result is not part of getting there. Read from each pod's
  // serialization, as a client's list would, so counting leaves nothing parsed behind in the store.
  const running = server.services.store.list('pods').filter((p) => (JSON.parse(p.json).status as { phase?: string } | undefined)?.phase === 'Running').length;
  return { wallMs, cpuMs: cpuSpent, running };
}

export interface RolloutResult {
  wallMs: number;
  available: number;
}

const deployments = server.services.registry.find('apps', 'v1', 'deployments')!;
const template = (image: string) => ({
  metadata: { labels: { app: 'rollout' } },
  spec: { containers: [{ name: 'app', image, resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
});

/** Wall time until the controllers settle with every replica of the Deployment updated and available. */
async function settledRollout(name: string, start: number): Promise<RolloutResult> {
  await server.controllers.settle();
  const status = (server.services.store.get('apps/deployments', `default/${name}`)?.object.status ?? {}) as { availableReplicas?: number; updatedReplicas?: number };
  return { wallMs: performance.now() - start, available: Math.min(status.availableReplicas ?? 0, status.updatedReplicas ?? 0) };
}

/** Creates a Deployment of `replicas` and waits for it to be Available. */
async function createDeployment(args: { name: string; replicas: number }): Promise<RolloutResult> {
  const start = performance.now();
  server.services.objects.create(deployments, 'default', {
    metadata: { name: args.name },
    spec: { replicas: args.replicas, selector: { matchLabels: { app: 'rollout' } }, template: template('nginx:1.27') },
  });
  return settledRollout(args.name, start);
}

/** Changes the Deployment's image, as `kubectl set image` does, and waits for the rolling update to finish. */
async function rollImage(args: { name: string; image: string }): Promise<RolloutResult> {
  const start = performance.now();
  const current = server.services.store.get('apps/deployments', `default/${args.name}`)!.object;
  const next = structuredClone(current) as typeof current & { spec: { template: ReturnType<typeof template> } };
  next.spec.template.spec.containers[0].image = args.image;
  server.services.objects.update(deployments, 'default', args.name, next);
  return settledRollout(args.name, start);
}

/**
 * CPU used while nothing is asked of the server, in ms per second of wall time, for each of
 * `windows` windows of `windowMs` that start `afterMs` after the controllers settled (so what
 * settling leaves running, such as the store ageing the versions just written, is over).
 */
async function idle(args: { afterMs: number; windowMs: number; windows: number }): Promise<number[]> {
  await server.controllers.settle();
  await new Promise((resolve) => setTimeout(resolve, args.afterMs));
  const perWindow: number[] = [];
  for (let i = 0; i < args.windows; i++) {
    const start = performance.now();
    const cpuStart = cpuMs();
    await new Promise((resolve) => setTimeout(resolve, args.windowMs));
    perWindow.push((cpuMs() - cpuStart) / ((performance.now() - start) / 1000));
  }
  return perWindow;
}

/** Waits for the controllers (the kubelets registering their nodes); returns the wall time it took. */
async function settle(): Promise<number> {
  const start = performance.now();
  await server.controllers.settle();
  return performance.now() - start;
}

serveCommands({ url: server.url }, { settle, createPods, createDeployment, rollImage, idle, nodes: () => server.services.store.list('nodes').length });
