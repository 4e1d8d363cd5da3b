// In-process start and reset, as a test suite sees them: startServer() with reused certificates (the
// first start of a process builds what is kept for later ones, so it is reported apart), and reset()
// back to a fresh cluster with every start-up object. Baseline: a bare http server started and
// stopped in the same process. Then a test process's first cluster with the import of the package's
// testkit (the bundle) included, in fresh processes, against a fresh process importing node:https and
// listening with a bare https server.

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { benchCertificates } from './lib/certs.js';
import { publishFigures, type Figure } from './lib/report.js';
import { percentile, sortedSamples } from './lib/stats.js';

const starts = 15;
const resets = 200;
const freshProcesses = 5;

async function bareServer(): Promise<number> {
  const begin = performance.now();
  const server = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const ms = performance.now() - begin;
  await new Promise((resolve) => server.close(resolve));
  return ms;
}

/** The testkit as the package exports it. */
const packageTestkit = new URL('../bundle/testkit.js', import.meta.url).href;

const firstCluster = `const begin = performance.now();
const { startKubemock } = await import(${JSON.stringify(packageTestkit)});
const cluster = await startKubemock();
console.log(performance.now() - begin);
await cluster.close();
process.exit(0);`;

const bareHttpsServer = `const begin = performance.now();
const https = await import('node:https');
const server = https.createServer({ key: process.env.BENCH_TLS_KEY, cert: process.env.BENCH_TLS_CERT });
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
console.log(performance.now() - begin);
server.close();`;

/** Milliseconds a fresh process's script prints. */
async function inFreshProcess(script: string, env: NodeJS.ProcessEnv): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { env });
  return Number(stdout.trim().split('\n').pop());
}

async function main(): Promise<Figure[]> {
  const { startServer } = await import('../server/server.js');
  const certDir = await mkdtemp(join(tmpdir(), 'kubemock-inprocess-'));
  try {
    const firstBegin = performance.now();
    const first = await startServer({ port: 0, certDir });
    const firstMs = performance.now() - firstBegin;
    await first.close();

    const startSamples: number[] = [];
    const baselineSamples: number[] = [];
    for (let i = 0; i < starts; i++) {
      baselineSamples.push(await bareServer());
      const begin = performance.now();
      const server = await startServer({ port: 0, certDir });
      startSamples.push(performance.now() - begin);
      await server.close();
    }

    const server = await startServer({ port: 0, certDir });
    const objects = server.services.store.resources().reduce((n, r) => n + server.services.store.list(r).length, 0);
    const resetSamples: number[] = [];
    for (let i = 0; i < resets; i++) {
      const begin = performance.now();
      server.reset();
      resetSamples.push(performance.now() - begin);
    }
    await server.close();

    // Alternating, so machine noise hits both alike.
    const certificates = await benchCertificates();
    const env = { ...process.env, BENCH_TLS_KEY: certificates.key, BENCH_TLS_CERT: certificates.cert };
    const freshSamples: number[] = [];
    const freshBaselineSamples: number[] = [];
    try {
      for (let i = 0; i < freshProcesses; i++) {
        freshBaselineSamples.push(await inFreshProcess(bareHttpsServer, env));
        freshSamples.push(await inFreshProcess(firstCluster, env));
      }
    } finally {
      await certificates.remove();
    }

    const median = (samples: number[]) => percentile(sortedSamples(samples), 50);
    console.log(`in-process: first start ${firstMs.toFixed(1)} ms; ${starts} warm starts; ${resets} resets of ${objects} start-up objects; ${freshProcesses} fresh processes`);
    return [
      { name: 'first in-process start of a process', unit: 'ms', value: firstMs },
      { name: 'first cluster of a fresh process, import included', unit: 'ms', value: median(freshSamples), baseline: median(freshBaselineSamples), goal: { on: 'value', op: '<', target: 100 } },
      { name: 'in-process start (warm), median', unit: 'ms', value: median(startSamples), baseline: median(baselineSamples), goal: { on: 'value', op: '<', target: 20 } },
      { name: 'in-process start (warm), p90', unit: 'ms', value: percentile(sortedSamples(startSamples), 90) },
      { name: 'reset with the start-up objects, median', unit: 'ms', value: median(resetSamples), goal: { on: 'value', op: '<', target: 5 } },
      { name: 'reset with the start-up objects, p90', unit: 'ms', value: percentile(sortedSamples(resetSamples), 90) },
    ];
  } finally {
    await rm(certDir, { recursive: true, force: true });
  }
}

publishFigures('inprocess', await main());
