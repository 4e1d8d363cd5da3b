// Decoding request bodies: kubemock's decoder (JSON.parse plus the scan for repeated fields Go's
// strict decoding reports) against bare JSON.parse of the same text, in the same process, for a
// small ConfigMap, a Deployment and a 1 MiB ConfigMap; and the slow path a body with repeated
// fields takes.

import { performance } from 'node:perf_hooks';
import { decodeJsonText } from '../server/json-decode.js';
import { publishFigures, type Figure } from './lib/report.js';
import { median } from './lib/stats.js';

const rounds = 9;
const roundMs = 300;

function configMap(bytes: number): string {
  const data: Record<string, string> = {};
  for (let i = 0; bytes > 0; i++, bytes -= 1024) data[`key-${i}`] = 'x'.repeat(Math.min(1000, Math.max(bytes, 1)));
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bench', namespace: 'default', labels: { app: 'bench' } }, data });
}

const deployment = JSON.stringify({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web', tier: 'frontend' }, annotations: { 'deployment.kubernetes.io/revision': '1' } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [0, 1, 2].map((i) => ({
          name: `c${i}`,
          image: 'nginx:1.27',
          ports: [{ containerPort: 80 + i, protocol: 'TCP' }],
          env: [{ name: 'A', value: '1' }, { name: 'B', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m', memory: '64Mi' } },
          readinessProbe: { httpGet: { path: '/', port: 80 }, periodSeconds: 5 },
        })),
      },
    },
  },
});

/** Decodes per second, the median of several timed rounds. */
function rate(decode: () => unknown): number {
  const perRound: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let count = 0;
    const start = performance.now();
    while (performance.now() - start < roundMs) {
      for (let i = 0; i < 20; i++) decode();
      count += 20;
    }
    perRound.push((count * 1000) / (performance.now() - start));
  }
  return median(perRound);
}

const bodies: Array<[string, string]> = [
  ['ConfigMap of 1 KiB', configMap(1024)],
  ['Deployment of 3 containers', deployment],
  ['ConfigMap of 1 MiB', configMap(1024 * 1024)],
];

const figures: Figure[] = [];
for (const [name, text] of bodies) {
  const bytes = Buffer.byteLength(text);
  console.log(`${name}: ${bytes} bytes`);
  const baseline = rate(() => JSON.parse(text));
  const value = rate(() => decodeJsonText(text));
  figures.push({ name: `decode ${name}, decodes/s`, unit: '/s', value, baseline, goal: { on: 'ratio', op: '>=', target: 0.5 } });
}
const repeated = deployment.replace('"replicas":3', '"replicas":3,"replicas":3');
figures.push({ name: 'decode the Deployment with a repeated field, decodes/s', unit: '/s', value: rate(() => decodeJsonText(repeated)), baseline: rate(() => JSON.parse(repeated)) });
publishFigures('json-decode', figures);
