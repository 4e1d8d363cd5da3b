// The testkit as a test suite meets it: the first in-process start (with the modules loading) and
// warm ones against a bare Node HTTPS server listening in the same process; reset() with 1,000
// objects stored against closing and starting a cluster; and a 100-test suite sharing one cluster
// with reset() between tests against the same suite starting a cluster per test.

import * as k8s from '@kubernetes/client-node';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { benchCertificates } from './lib/certs.js';
import { publishFigures, type Figure } from './lib/report.js';
import { median } from './lib/stats.js';

const warmStarts = 20;
const resetRounds = 5;
const storedObjects = 1000;
const suiteTests = 100;

const importStarted = performance.now();
const { startKubemock } = await import('../testkit/index.js');
const firstStarted = performance.now();
const first = await startKubemock();
const firstStartMs = performance.now() - firstStarted;
const importMs = firstStarted - importStarted;
await first.close();

const certificates = await benchCertificates();
async function bareServerStart(): Promise<number> {
  const started = performance.now();
  const server = https.createServer({ key: certificates.key, cert: certificates.cert }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const elapsed = performance.now() - started;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return elapsed;
}

const warm: number[] = [];
const bare: number[] = [];
for (let i = 0; i < warmStarts; i++) {
  const started = performance.now();
  const cluster = await startKubemock();
  warm.push(performance.now() - started);
  await cluster.close();
  bare.push(await bareServerStart());
}

const configMaps = Array.from({ length: storedObjects }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: { i: String(i) } }));
const cluster = await startKubemock();
let restarted = await startKubemock();
const resets: number[] = [];
const resetsSettled: number[] = [];
const restarts: number[] = [];
for (let round = 0; round < resetRounds; round++) {
  await cluster.seed(configMaps);
  const started = performance.now();
  cluster.reset();
  resets.push(performance.now() - started);
  // The controllers redo their start-up work on the restored store.
  await cluster.settle();
  resetsSettled.push(performance.now() - started);
  const restartStarted = performance.now();
  await restarted.close();
  restarted = await startKubemock();
  restarts.push(performance.now() - restartStarted);
}
await Promise.all([cluster.close(), restarted.close()]);

/** One test of the suite: what an operator test does a few times over. */
async function oneTest(core: k8s.CoreV1Api, i: number): Promise<void> {
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: `t-${i}` }, data: { i: String(i) } } });
  await core.readNamespacedConfigMap({ name: `t-${i}`, namespace: 'default' });
  await core.listNamespacedConfigMap({ namespace: 'default' });
}

const sharedStarted = performance.now();
const shared = await startKubemock();
const sharedCore = shared.kubeConfig(k8s.KubeConfig).makeApiClient(k8s.CoreV1Api);
for (let i = 0; i < suiteTests; i++) {
  shared.reset();
  await oneTest(sharedCore, i);
}
await shared.close();
const sharedMs = performance.now() - sharedStarted;

const perTestStarted = performance.now();
for (let i = 0; i < suiteTests; i++) {
  const own = await startKubemock();
  await oneTest(own.kubeConfig(k8s.KubeConfig).makeApiClient(k8s.CoreV1Api), i);
  await own.close();
}
const perTestMs = performance.now() - perTestStarted;

const figures: Figure[] = [
  { name: 'importing kubemock/testkit', unit: 'ms', value: importMs },
  { name: 'first in-process start (vs a bare HTTPS listen)', unit: 'ms', value: firstStartMs, baseline: median(bare), goal: { on: 'value', op: '<', target: 100 } },
  { name: 'warm in-process start, median (vs a bare HTTPS listen)', unit: 'ms', value: median(warm), baseline: median(bare), goal: { on: 'value', op: '<', target: 20 } },
  { name: `reset() with ${storedObjects} objects, median (vs close + start)`, unit: 'ms', value: median(resets), baseline: median(restarts), goal: { on: 'value', op: '<', target: 5 } },
  { name: `reset() and settle() with ${storedObjects} objects, median (vs close + start)`, unit: 'ms', value: median(resetsSettled), baseline: median(restarts) },
  { name: `${suiteTests}-test suite, one cluster reset per test (vs a cluster per test)`, unit: 'ms', value: sharedMs, baseline: perTestMs },
];
publishFigures('testkit', figures);
