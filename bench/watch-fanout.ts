// Watch fan-out: 1,000 concurrent watchers on ConfigMaps in one namespace, then 1,000 updates to one
// ConfigMap. Each update carries its send time; every watcher computes receive time minus send time.
// Baseline: a bare Node server that writes the same frame bytes to 1,000 open responses.
// Plain HTTP by default (pass --tls for HTTPS): with TLS, 1,000 handshakes and a million record
// encryptions cost the same on both sides and would drown the watch path in the figures.

import type { ClientRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { benchCertificates, type BenchCertificates } from './lib/certs.js';
import { ServerChild } from './lib/children.js';
import { Target } from './lib/client.js';
import { publishFigures, formatNumber, type Figure } from './lib/report.js';
import { percentile, sortedSamples } from './lib/stats.js';

const watcherCount = 1_000;
const updateCount = 1_000;
const connectBatch = 50;
/** How long one update may take to reach every watcher before the bench moves on. */
const eventTimeoutMs = 2_000;
const updatePhaseMs = 60_000;
const useTls = process.argv.includes('--tls');
const configMapsPath = '/api/v1/namespaces/default/configmaps';
const probePattern = /"probe":"(\d+):([\d.]+)"/;

/** What a system under test needs: where to watch and how to publish one update. */
interface FanoutSystem {
  name: string;
  server: ServerChild;
  target: Target;
  watchPath: string;
  update(probe: string): Promise<void>;
}

interface FanoutResult {
  latenciesMs: Float64Array;
  missing: number;
  perWatcherKiB: number;
  cpuMicrosPerUpdate: number;
  updatesSent: number;
  elapsedMs: number;
  /** The last frame line a watcher saw, as the baseline's template. */
  sampleFrame: string;
}

/** The client side: every watch stream, their delivery latencies, and a wait for "all watchers have seq". */
class Watchers {
  readonly latencies = new Float64Array(watcherCount * updateCount);
  count = 0;
  sampleFrame = '';
  private readonly received = new Uint16Array(updateCount);
  private readonly requests: ClientRequest[] = [];
  private waiting?: { seq: number; resolve: () => void };

  async open(target: Target, path: string): Promise<void> {
    for (let opened = 0; opened < watcherCount; opened += connectBatch) {
      const batch = Math.min(connectBatch, watcherCount - opened);
      await Promise.all(Array.from({ length: batch }, () => this.openOne(target, path)));
    }
  }

  private openOne(target: Target, path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = target.open('GET', path);
      this.requests.push(req);
      req.on('error', reject);
      req.on('response', (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`watch answered ${res.statusCode}`));
          return;
        }
        res.setEncoding('utf8');
        let rest = '';
        res.on('data', (chunk: string) => {
          const now = performance.now();
          const text = rest + chunk;
          let start = 0;
          for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
            this.frame(text.slice(start, end), now);
            start = end + 1;
          }
          rest = text.slice(start);
        });
        resolve();
      });
      req.end();
    });
  }

  // A regex instead of JSON.parse keeps the shared client cheap; it costs the same for both servers.
  private frame(line: string, now: number): void {
    const match = probePattern.exec(line);
    if (!match) return;
    this.sampleFrame = line;
    const seq = Number(match[1]);
    if (this.count < this.latencies.length) this.latencies[this.count++] = now - Number(match[2]);
    this.received[seq]++;
    if (this.waiting?.seq === seq && this.received[seq] >= watcherCount) this.waiting.resolve();
  }

  /** Resolves once every watcher has seq, or after the timeout. */
  allReceived(seq: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, eventTimeoutMs);
      this.waiting = {
        seq,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
    });
  }

  close(): void {
    for (const req of this.requests) req.destroy();
  }
}

async function fanout(system: FanoutSystem): Promise<FanoutResult> {
  const watchers = new Watchers();
  try {
    const idle = await system.server.residentBytes();
    await watchers.open(system.target, system.watchPath);
    const watching = await system.server.residentBytes();
    const cpuBefore = await system.server.cpuMicros();
    const start = performance.now();
    let sent = 0;
    // One update at a time, sent once the previous one reached every watcher: this measures delivery
    // latency, not how deep a backlog the client can build.
    while (sent < updateCount && performance.now() - start < updatePhaseMs) {
      const delivered = watchers.allReceived(sent);
      await Promise.all([system.update(`${sent}:${performance.now().toFixed(3)}`), delivered]);
      sent++;
    }
    const elapsedMs = performance.now() - start;
    const cpuMicrosPerUpdate = ((await system.server.cpuMicros()) - cpuBefore) / Math.max(1, sent);
    return {
      latenciesMs: watchers.latencies.subarray(0, watchers.count),
      missing: sent * watcherCount - watchers.count,
      perWatcherKiB: (watching - idle) / watcherCount / 1024,
      cpuMicrosPerUpdate,
      updatesSent: sent,
      elapsedMs,
      sampleFrame: watchers.sampleFrame,
    };
  } finally {
    watchers.close();
  }
}

function describe(name: string, result: FanoutResult): void {
  const sorted = sortedSamples(result.latenciesMs);
  console.log(
    `  ${name}: ${result.updatesSent} updates in ${formatNumber(result.elapsedMs / 1000)} s, ${result.latenciesMs.length} deliveries` +
      `${result.missing ? `, ${result.missing} MISSING` : ''}; latency p50 ${formatNumber(percentile(sorted, 50))} ms, p99 ${formatNumber(percentile(sorted, 99))} ms, ` +
      `max ${formatNumber(percentile(sorted, 100))} ms; server CPU ${formatNumber(result.cpuMicrosPerUpdate / 1000)} ms per update; ${formatNumber(result.perWatcherKiB)} KiB per idle watcher`,
  );
}

async function kubemockFanout(certificates: BenchCertificates): Promise<FanoutResult> {
  const server = await ServerChild.start('kubemock-server', useTls ? { certDir: certificates.dir } : { insecureHttp: true });
  const token = server.token;
  const watchTarget = new Target(server.url, { maxSockets: Infinity, ca: certificates.caCert, token });
  const writer = new Target(server.url, { maxSockets: 1, ca: certificates.caCert, token });
  try {
    const body = (probe: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fanout', namespace: 'default' }, data: { probe } });
    const created = await writer.send('POST', configMapsPath, body('start'));
    if (created.status !== 201) throw new Error(`creating the ConfigMap answered ${created.status}: ${created.body}`);
    const resourceVersion = (JSON.parse(created.body.toString()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const result = await fanout({
      name: 'kubemock',
      server,
      target: watchTarget,
      watchPath: `${configMapsPath}?watch=true&resourceVersion=${resourceVersion}`,
      async update(probe) {
        const reply = await writer.send('PUT', `${configMapsPath}/fanout`, body(probe));
        if (reply.status !== 200) throw new Error(`PUT answered ${reply.status}: ${reply.body}`);
      },
    });
    await checkWatchersReleased(server);
    return result;
  } finally {
    watchTarget.close();
    writer.close();
    await server.stop();
  }
}

/** After every client hung up, the hub should hold no watcher. */
async function checkWatchersReleased(server: ServerChild): Promise<void> {
  const deadline = performance.now() + 2_000;
  let left = await server.call<number>('watchers');
  while (left > 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = await server.call<number>('watchers');
  }
  if (left > 0) console.log(`  WARNING: kubemock still holds ${left} watchers 2 s after their clients disconnected`);
}

async function baselineFanout(certificates: BenchCertificates, frameTemplate: string): Promise<FanoutResult> {
  const server = await ServerChild.start('baseline-server', useTls ? { tls: { key: certificates.key, cert: certificates.cert } } : {});
  const watchTarget = new Target(server.url, { maxSockets: Infinity, ca: certificates.caCert });
  const writer = new Target(server.url, { maxSockets: 1, ca: certificates.caCert });
  try {
    return await fanout({
      name: 'baseline',
      server,
      target: watchTarget,
      watchPath: '/watch',
      async update(probe) {
        const frame = `${frameTemplate.replace(probePattern, `"probe":"${probe}"`)}\n`;
        const reply = await writer.send('PUT', '/broadcast', frame);
        if (reply.status !== 200) throw new Error(`baseline PUT answered ${reply.status}`);
      },
    });
  } finally {
    watchTarget.close();
    writer.close();
    await server.stop();
  }
}

async function main(): Promise<Figure[]> {
  const certificates = await benchCertificates();
  try {
    console.log(`watch fan-out: ${watcherCount} watchers, ${updateCount} updates of one ConfigMap, over ${useTls ? 'HTTPS' : 'plain HTTP (--insecure-http)'}`);
    const kubemock = await kubemockFanout(certificates);
    describe('kubemock', kubemock);
    if (!kubemock.sampleFrame) throw new Error('no watch event reached any watcher');
    console.log(`  frame: ${kubemock.sampleFrame.length + 1} bytes`);
    const baseline = await baselineFanout(certificates, kubemock.sampleFrame);
    describe('baseline', baseline);
    const kubemockSorted = sortedSamples(kubemock.latenciesMs);
    const baselineSorted = sortedSamples(baseline.latenciesMs);
    return [
      { name: 'watch delivery latency p50', unit: 'ms', value: percentile(kubemockSorted, 50), baseline: percentile(baselineSorted, 50) },
      { name: 'watch delivery latency p99', unit: 'ms', value: percentile(kubemockSorted, 99), baseline: percentile(baselineSorted, 99), goal: { on: 'value', op: '<', target: 50 } },
      { name: `server CPU per update to ${watcherCount} watchers`, unit: 'ms', value: kubemock.cpuMicrosPerUpdate / 1000, baseline: baseline.cpuMicrosPerUpdate / 1000 },
      { name: 'RSS per idle watcher', unit: 'KiB', value: kubemock.perWatcherKiB, baseline: baseline.perWatcherKiB },
      { name: 'watch deliveries missing', unit: 'events', value: kubemock.missing, baseline: baseline.missing },
    ];
  } finally {
    await certificates.remove();
  }
}

publishFigures('watch-fanout', await main());
