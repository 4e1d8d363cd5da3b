// The living cluster at scale, each figure next to a baseline measured in the same run: the same
// kubemock with no controllers but the service account one, holding the same pods (so the ratio is what the scheduler, the
// kubelets and the node controllers add to storing the pods):
//   (a) a 100-replica Deployment to Available on 3 nodes, and a rolling update of its image
//       (kube-controller-manager with kube-scheduler and kwok took 4.5 s for the first),
//   (b) 1,000 nodes registered and Ready,
//   (c) 10,000 pods to Running (CPU per pod as well; kwok reports about 20 pods/s),
//   (d) CPU while idle with those pods running (node Leases renewed every 10 s), once the store
//       has aged what starting them wrote: the median of several windows,
//   (e) resident memory holding them (bench/cluster-memory.ts measures 100,000).

import { ServerChild } from './lib/children.js';
import type { PodsResult, RolloutResult } from './lib/cluster-server.js';
import { publishFigures, type Figure } from './lib/report.js';
import { median } from './lib/stats.js';

const nodes = 1_000;
const pods = 10_000;
// The store ages the last 4,096 versions written while the pods started as about 100 Lease
// renewals a second replace them: some 40 s after settling. A window spans one renewal of every Lease.
const idle = { afterMs: 50_000, windowMs: 10_000, windows: 5 };

const replicas = 100;
const small = await ServerChild.start('cluster-server', { nodes: 3, controllers: 'all' });
await small.call('settle');
const created = await small.call<RolloutResult>('createDeployment', { name: 'web', replicas });
const rolled = await small.call<RolloutResult>('rollImage', { name: 'web', image: 'nginx:1.28' });
if (created.available !== replicas || rolled.available !== replicas) throw new Error(`${created.available} then ${rolled.available} of ${replicas} replicas available`);
await small.stop();
const smallBare = await ServerChild.start('cluster-server', { nodes: 0, controllers: ['serviceaccount-controller'] });
await smallBare.call('settle');
const replicaPods = await smallBare.call<PodsResult>('createPods', { count: replicas, prefix: 'web-' });
const replacedPods = await smallBare.call<PodsResult>('createPods', { count: replicas, prefix: 'web-next-' });
await smallBare.stop();

const living = await ServerChild.start('cluster-server', { nodes, controllers: 'all' });
const registerMs = await living.call<number>('settle');
const registered = await living.call<number>('nodes');
if (registered !== nodes) throw new Error(`${registered} nodes registered, wanted ${nodes}`);
// Only the default ServiceAccount, which pods need to be admitted.
const bare = await ServerChild.start('cluster-server', { nodes: 0, controllers: ['serviceaccount-controller'] });
await bare.call('settle');
const rssBefore = await living.call<number>('rss');
const bareRssBefore = await bare.call<number>('rss');

const run = await living.call<PodsResult>('createPods', { count: pods, prefix: 'bench-' });
if (run.running !== pods) throw new Error(`${run.running} of ${pods} pods Running`);
const stored = await bare.call<PodsResult>('createPods', { count: pods, prefix: 'bench-' });

// Side by side, to keep the bench short: the bare one's share of a core is a few hundredths of a percent.
const [idleWindows, bareIdleWindows] = await Promise.all([living.call<number[]>('idle', idle), bare.call<number[]>('idle', idle)]);
const rss = await living.call<number>('rss');
const bareRss = await bare.call<number>('rss');
const mb = (bytes: number) => bytes / 1024 / 1024;
const perPodBytes = (rss - rssBefore) / pods;
const barePerPodBytes = (bareRss - bareRssBefore) / pods;

const figures: Figure[] = [
  { name: `Deployment of ${replicas} to Available (reference 4.5 s)`, unit: 'ms', value: created.wallMs, baseline: replicaPods.wallMs, goal: { on: 'value', op: '<', target: 1000 } },
  { name: `rolling update of its ${replicas} replicas`, unit: 'ms', value: rolled.wallMs, baseline: replacedPods.wallMs, goal: { on: 'value', op: '<', target: 2000 } },
  { name: `${nodes} nodes registered, Ready, with Leases`, unit: 'ms', value: registerMs },
  { name: `${pods} pods to Running (wall)`, unit: 's', value: run.wallMs / 1000, baseline: stored.wallMs / 1000, goal: { on: 'value', op: '<', target: 10 } },
  { name: `${pods} pods to Running (throughput)`, unit: 'pods/s', value: pods / (run.wallMs / 1000), baseline: pods / (stored.wallMs / 1000) },
  { name: 'CPU per pod to Running', unit: 'ms', value: run.cpuMs / pods, baseline: stored.cpuMs / pods },
  {
    name: `CPU idle with ${pods} pods on ${nodes} nodes (median of ${idle.windows} × ${idle.windowMs / 1000} s, from ${idle.afterMs / 1000} s after settling)`,
    unit: '% core',
    value: median(idleWindows) / 10,
    baseline: median(bareIdleWindows) / 10,
    goal: { on: 'value', op: '<', target: 1 },
  },
  { name: `resident memory with ${pods} running pods`, unit: 'MB', value: mb(rss), baseline: mb(bareRss) },
  { name: 'memory per running pod', unit: 'KB', value: perPodBytes / 1024, baseline: barePerPodBytes / 1024 },
];
publishFigures('cluster', figures);
process.exit(0);
