// In-process start and reset, as a test suite sees them: a test process's first cluster, importing
// the package's testkit (the bundle) included; then startServer() with reused certificates (the
// first start of a process builds what is kept for later ones, so it is reported apart), and
// reset() back to a fresh cluster with every start-up object. Baseline: a bare http server started
// and stopped in the same process.

import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { publishFigures, type Figure } from './lib/report.js';
import { percentile, sortedSamples } from './lib/stats.js';

const starts = 15;
const resets = 200;

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

async function main(): Promise<Figure[]> {
  // Before anything else of kubemock is loaded: the import is part of a test process's first start.
  const importBegin = performance.now();
  const { startKubemock } = (await import(packageTestkit)) as typeof import('../testkit/index.js');
  const importMs = performance.now() - importBegin;
  const cluster = await startKubemock();
  const firstWithImportMs = performance.now() - importBegin;
  await cluster.close();

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

    const median = (samples: number[]) => percentile(sortedSamples(samples), 50);
    console.log(`in-process: testkit import ${importMs.toFixed(1)} ms, first cluster ${(firstWithImportMs - importMs).toFixed(1)} ms; first startServer ${firstMs.toFixed(1)} ms; ${starts} warm starts; ${resets} resets of ${objects} start-up objects`);
    return [
      { name: 'first start, testkit import included', unit: 'ms', value: firstWithImportMs, goal: { on: 'value', op: '<', target: 100 } },
      { name: 'import of the testkit', unit: 'ms', value: importMs },
      { name: 'first startServer() of the server modules', unit: 'ms', value: firstMs },
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
