// Memory holding 100,000 pods on the living cluster (1,000 nodes, the scheduler, the kubelets and
// every controller), measured directly after a full collection, next to a baseline measured in the
// same run: the same kubemock with no controllers but the service account one, holding the same pods
// (so the ratio is what the controllers keep beside the store, and what starting the pods leaves
// reserved).

import { ServerChild } from './lib/children.js';
import type { MemoryFigures } from './lib/child-commands.js';
import type { PodsResult } from './lib/cluster-server.js';
import { publishFigures, type Figure } from './lib/report.js';

const nodes = 1_000;
const pods = 100_000;

interface Measured {
  run: PodsResult;
  before: MemoryFigures;
  after: MemoryFigures;
}

/** Starts a server, creates the pods and takes its memory before and after; one server at a time, so neither slows the other. */
async function measure(options: { nodes: number; controllers: 'all' | string[] }): Promise<Measured> {
  const server = await ServerChild.start('cluster-server', options);
  try {
    await server.call('settle');
    const before = await server.call<MemoryFigures>('memory');
    const run = await server.call<PodsResult>('createPods', { count: pods, prefix: 'bench-' });
    const after = await server.call<MemoryFigures>('memory');
    return { run, before, after };
  } finally {
    await server.stop();
  }
}

const living = await measure({ nodes, controllers: 'all' });
if (living.run.running !== pods) throw new Error(`${living.run.running} of ${pods} pods Running`);
// Only the default ServiceAccount, which pods need to be admitted.
const bare = await measure({ nodes: 0, controllers: ['serviceaccount-controller'] });

const mb = (bytes: number) => bytes / 1024 / 1024;
const figures: Figure[] = [
  { name: `${pods.toLocaleString('en-US')} pods on ${nodes} nodes to Running (wall)`, unit: 's', value: living.run.wallMs / 1000, baseline: bare.run.wallMs / 1000 },
  {
    name: `resident memory holding ${pods.toLocaleString('en-US')} running pods`,
    unit: 'MB',
    value: mb(living.after.rss),
    baseline: mb(bare.after.rss),
    goal: { on: 'value', op: '<', target: 1024 },
  },
  { name: 'V8 heap in use holding them', unit: 'MB', value: mb(living.after.heapUsed), baseline: mb(bare.after.heapUsed) },
  { name: 'V8 heap reserved holding them', unit: 'MB', value: mb(living.after.heapTotal), baseline: mb(bare.after.heapTotal) },
  { name: 'peak resident memory getting there', unit: 'MB', value: mb(living.after.peakRss), baseline: mb(bare.after.peakRss) },
  {
    name: 'heap in use per pod',
    unit: 'KB',
    value: (living.after.heapUsed - living.before.heapUsed) / pods / 1024,
    baseline: (bare.after.heapUsed - bare.before.heapUsed) / pods / 1024,
  },
];
publishFigures('cluster-memory', figures);
process.exit(0);
