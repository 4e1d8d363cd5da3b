// Request throughput and latency against kubemock in a child process, each next to a bare-Node
// server in its own child process doing the least work for the same exchange:
//   (a) GET one ConfigMap, (b) creates with generateName, (c) LIST 5,000 ConfigMaps, (d) RSS with
//   10,000 ConfigMaps of 1 KiB.

import { performance } from 'node:perf_hooks';
import { benchCertificates, type BenchCertificates } from './lib/certs.js';
import { ServerChild } from './lib/children.js';
import { Target } from './lib/client.js';
import type { FillArgs } from './lib/kubemock-server.js';
import { runLoad, type LoadResult } from './lib/load.js';
import { configMapJson } from './lib/payload.js';
import { publishFigures, formatNumber, type Figure } from './lib/report.js';
import { median, percentile, sortedSamples } from './lib/stats.js';

const inFlight = 32;
const warmupMs = 500;
const roundMs = 1_500;
const rounds = 7;
const maxRequestsPerRound = 200_000;
const createMs = 3_000;
const listSize = 5_000;
const listRuns = 7;
const memoryObjects = 10_000;
const mib = 1024 * 1024;
const configMapsPath = '/api/v1/namespaces/default/configmaps';

function okLoad(target: Target, method: string, path: string, status: number, body?: string): () => Promise<boolean> {
  return async () => (await target.send(method, path, body)).status === status;
}

function load(request: () => Promise<boolean>, durationMs: number): Promise<LoadResult> {
  return runLoad({ concurrency: inFlight, durationMs, maxRequests: maxRequestsPerRound, request });
}

interface ServerLoad extends LoadResult {
  /** Server CPU time per completed request: unlike req/s, it does not depend on the load generator keeping up. */
  cpuMicrosPerRequest: number;
}

async function loadWithCpu(server: ServerChild, request: () => Promise<boolean>, durationMs: number): Promise<ServerLoad> {
  const cpuBefore = await server.cpuMicros();
  const result = await load(request, durationMs);
  const cpuAfter = await server.cpuMicros();
  return { ...result, cpuMicrosPerRequest: (cpuAfter - cpuBefore) / Math.max(1, result.completed) };
}

function concatSamples(results: LoadResult[]): Float64Array {
  return sortedSamples(results.flatMap((r) => Array.from(r.latenciesMs)));
}

function failures(label: string, results: LoadResult[]): void {
  const failed = results.reduce((n, r) => n + r.failed, 0);
  if (failed) console.log(`  WARNING: ${failed} ${label} requests failed`);
}

const medianRate = (results: LoadResult[]) => median(results.map((r) => r.perSecond));
const medianCpu = (results: ServerLoad[]) => median(results.map((r) => r.cpuMicrosPerRequest));
const describeRounds = (results: ServerLoad[]) => results.map((r) => `${formatNumber(r.perSecond)} (${formatNumber(r.cpuMicrosPerRequest)} µs)`).join(', ');

/** (a) GET req/s against the baseline and (b) creates/s against the baseline's GET req/s. */
async function requestRates(certificates: BenchCertificates): Promise<Figure[]> {
  const kubemock = await ServerChild.start('kubemock-server', { certDir: certificates.dir });
  const baseline = await ServerChild.start('baseline-server', { tls: { key: certificates.key, cert: certificates.cert } });
  const kubemockTarget = new Target(kubemock.url, { maxSockets: inFlight, ca: certificates.caCert, token: kubemock.token });
  // The baseline gets the same Authorization header, so requests are byte-for-byte alike.
  const baselineTarget = new Target(baseline.url, { maxSockets: inFlight, ca: certificates.caCert, token: kubemock.token });
  try {
    const created = await kubemockTarget.send('POST', configMapsPath, configMapJson({ name: 'bench-get' }, 256));
    if (created.status !== 201) throw new Error(`creating the GET target answered ${created.status}: ${created.body}`);
    const getPath = `${configMapsPath}/bench-get`;
    const getBody = (await kubemockTarget.send('GET', getPath)).body.toString();
    await baseline.call('setBody', { body: getBody });
    console.log(`(a) GET ${getPath}: ${getBody.length} bytes, ${inFlight} in flight, ${rounds} rounds of ${roundMs} ms per server, alternating`);

    const kubemockGet = okLoad(kubemockTarget, 'GET', getPath, 200);
    const baselineGet = okLoad(baselineTarget, 'GET', getPath, 200);
    await load(kubemockGet, warmupMs);
    await load(baselineGet, warmupMs);
    const kubemockRounds: ServerLoad[] = [];
    const baselineRounds: ServerLoad[] = [];
    for (let round = 0; round < rounds; round++) {
      baselineRounds.push(await loadWithCpu(baseline, baselineGet, roundMs));
      kubemockRounds.push(await loadWithCpu(kubemock, kubemockGet, roundMs));
    }
    // req/s swings with the shared machine and the one-core load generator; server CPU per request is steadier.
    console.log(`  req/s (server CPU per request) per round: kubemock ${describeRounds(kubemockRounds)}; baseline ${describeRounds(baselineRounds)}`);
    failures('GET', [...kubemockRounds, ...baselineRounds]);
    const kubemockLatency = concatSamples(kubemockRounds);
    const baselineLatency = concatSamples(baselineRounds);
    const baselineRate = medianRate(baselineRounds);

    console.log(`(b) POST ${configMapsPath} with generateName, ${inFlight} in flight, ${createMs} ms`);
    const createBody = configMapJson({ generateName: 'bench-' }, 256);
    const kubemockCreate = okLoad(kubemockTarget, 'POST', configMapsPath, 201, createBody);
    await load(kubemockCreate, warmupMs);
    const creates = await loadWithCpu(kubemock, kubemockCreate, createMs);
    failures('create', [creates]);
    const createLatency = sortedSamples(creates.latenciesMs);

    return [
      { name: `GET one ConfigMap, req/s (${inFlight} in flight)`, unit: 'req/s', value: medianRate(kubemockRounds), baseline: baselineRate, goal: { on: 'ratio', op: '>=', target: 0.5 } },
      { name: 'GET server CPU per request', unit: 'µs', value: medianCpu(kubemockRounds), baseline: medianCpu(baselineRounds) },
      { name: 'GET latency p50', unit: 'ms', value: percentile(kubemockLatency, 50), baseline: percentile(baselineLatency, 50) },
      { name: 'GET latency p99', unit: 'ms', value: percentile(kubemockLatency, 99), baseline: percentile(baselineLatency, 99) },
      { name: 'creates/s (generateName), vs baseline GET req/s', unit: 'req/s', value: creates.perSecond, baseline: baselineRate },
      { name: 'create latency p99, vs baseline GET', unit: 'ms', value: percentile(createLatency, 99), baseline: percentile(baselineLatency, 99) },
      { name: 'create server CPU per request, vs baseline GET', unit: 'µs', value: creates.cpuMicrosPerRequest, baseline: medianCpu(baselineRounds) },
    ];
  } finally {
    kubemockTarget.close();
    baselineTarget.close();
    await kubemock.stop();
    await baseline.stop();
  }
}

/** One full LIST round trip including JSON.parse, in ms. */
async function timeList(target: Target, expectedItems: number): Promise<{ ms: number; body: string }> {
  const start = performance.now();
  const reply = await target.send('GET', configMapsPath);
  const body = reply.body.toString();
  const items = (JSON.parse(body) as { items?: unknown[] }).items;
  const ms = performance.now() - start;
  if (reply.status !== 200 || items?.length !== expectedItems) throw new Error(`LIST answered ${reply.status} with ${items?.length} items, expected ${expectedItems}`);
  return { ms, body };
}

/** (c) LIST of 5,000 ConfigMaps, against the baseline serving the very same bytes. */
async function listTime(certificates: BenchCertificates): Promise<Figure[]> {
  const kubemock = await ServerChild.start('kubemock-server', { certDir: certificates.dir });
  const baseline = await ServerChild.start('baseline-server', { tls: { key: certificates.key, cert: certificates.cert } });
  const kubemockTarget = new Target(kubemock.url, { maxSockets: 1, ca: certificates.caCert, token: kubemock.token });
  const baselineTarget = new Target(baseline.url, { maxSockets: 1, ca: certificates.caCert, token: kubemock.token });
  try {
    // The cluster seeds a ConfigMap (kube-root-ca.crt) in every namespace; the LIST carries it too.
    const seeded = (JSON.parse((await kubemockTarget.send('GET', configMapsPath)).body.toString()) as { items: unknown[] }).items.length;
    const expected = seeded + listSize;
    await kubemock.call('fill', { namespace: 'default', count: listSize, dataBytes: 256, namePrefix: 'bench-list-' } satisfies FillArgs);
    const first = await timeList(kubemockTarget, expected);
    const kubemockRuns: number[] = [];
    for (let run = 0; run < listRuns; run++) kubemockRuns.push((await timeList(kubemockTarget, expected)).ms);
    await baseline.call('setBody', { body: first.body });
    await timeList(baselineTarget, expected);
    const baselineRuns: number[] = [];
    for (let run = 0; run < listRuns; run++) baselineRuns.push((await timeList(baselineTarget, expected)).ms);
    console.log(`(c) LIST ${configMapsPath}: ${expected} items, ${(first.body.length / mib).toFixed(1)} MiB; first LIST ${formatNumber(first.ms)} ms`);
    console.log(`  runs (ms): kubemock ${kubemockRuns.map(formatNumber).join(', ')}; baseline ${baselineRuns.map(formatNumber).join(', ')}`);
    return [
      { name: `LIST ${listSize} ConfigMaps incl. JSON.parse, median`, unit: 'ms', value: median(kubemockRuns), baseline: median(baselineRuns), goal: { on: 'value', op: '<', target: 100 } },
    ];
  } finally {
    kubemockTarget.close();
    baselineTarget.close();
    await kubemock.stop();
    await baseline.stop();
  }
}

/** (d) Resident memory of a fresh server holding 10,000 ConfigMaps with 1 KiB of data each. */
async function memoryFootprint(certificates: BenchCertificates): Promise<Figure[]> {
  const kubemock = await ServerChild.start('kubemock-server', { certDir: certificates.dir });
  const baseline = await ServerChild.start('baseline-server', { tls: { key: certificates.key, cert: certificates.cert } });
  try {
    const bareIdle = await baseline.residentBytes();
    const idle = await kubemock.residentBytes();
    const jsonBytes = await kubemock.call<number>('fill', { namespace: 'default', count: memoryObjects, dataBytes: 1024, namePrefix: 'bench-mem-' } satisfies FillArgs);
    const loaded = await kubemock.residentBytes();
    console.log(`(d) RSS after gc: idle ${formatNumber(idle / mib)} MiB, with ${memoryObjects} ConfigMaps ${formatNumber(loaded / mib)} MiB; their JSON is ${formatNumber(jsonBytes / mib)} MiB`);
    return [
      { name: 'idle server RSS', unit: 'MiB', value: idle / mib, baseline: bareIdle / mib },
      { name: `RSS with ${memoryObjects} x 1 KiB ConfigMaps (total)`, unit: 'MiB', value: loaded / mib, goal: { on: 'value', op: '<', target: 150 } },
      { name: `RSS growth for them, vs their JSON size`, unit: 'MiB', value: (loaded - idle) / mib, baseline: jsonBytes / mib },
    ];
  } finally {
    await kubemock.stop();
    await baseline.stop();
  }
}

async function main(): Promise<Figure[]> {
  const certificates = await benchCertificates();
  try {
    return [...(await requestRates(certificates)), ...(await listTime(certificates)), ...(await memoryFootprint(certificates))];
  } finally {
    await certificates.remove();
  }
}

publishFigures('requests', await main());
