// Cold start: from spawning `node dist/bundle/cli.js --port 0` (the package's bin) until GET /readyz answers 200.
// Baseline: spawning `node -e` with a bare https server (fixed certificate) answering /readyz, so the
// ratio shows kubemock's own cost on top of Node's start-up.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { benchCertificates } from './lib/certs.js';
import { publishFigures, formatNumber, type Figure } from './lib/report.js';
import { percentile, sortedSamples } from './lib/stats.js';

const measuredRuns = 7;
const readyTimeoutMs = 10_000;
const cli = fileURLToPath(new URL('../bundle/cli.js', import.meta.url));

const bareServer = `
const https = require('node:https');
const server = https.createServer({ key: process.env.BENCH_TLS_KEY, cert: process.env.BENCH_TLS_CERT }, (req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => console.log('listening on https://127.0.0.1:' + server.address().port));
`;

interface Variant {
  name: string;
  args: (run: number) => string[];
  samples: number[];
}

function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error('no "listening on" line in time')), readyTimeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (https:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening`));
    });
  });
}

function readyzStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    // No CA check: the probe only times readiness, for kubemock and the baseline alike.
    const req = https.get(`${url}/readyz`, { rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(readyTimeoutMs, () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const force = setTimeout(() => child.kill('SIGKILL'), 2_000);
  await exited;
  clearTimeout(force);
}

async function timeToReady(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const start = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
  try {
    const url = await listeningUrl(child);
    const deadline = start + readyTimeoutMs;
    while ((await readyzStatus(url)) !== 200) {
      if (performance.now() > deadline) throw new Error(`${url}/readyz never answered 200`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return performance.now() - start;
  } finally {
    await stop(child);
  }
}

async function main(): Promise<Figure[]> {
  const certificates = await benchCertificates();
  const scratch = await mkdtemp(join(tmpdir(), 'kubemock-startup-'));
  const env = { ...process.env, BENCH_TLS_KEY: certificates.key, BENCH_TLS_CERT: certificates.cert };
  const baseline: Variant = { name: 'bare node -e https server', args: () => ['-e', bareServer], samples: [] };
  const kubemock: Variant = {
    name: 'kubemock --port 0',
    args: (run) => [cli, '--port', '0', '--kubeconfig', join(scratch, `kubeconfig-${run}`)],
    samples: [],
  };
  const reusedCerts: Variant = {
    name: 'kubemock --port 0 --cert-dir (certs reused)',
    args: (run) => [cli, '--port', '0', '--kubeconfig', join(scratch, `kubeconfig-reused-${run}`), '--cert-dir', certificates.dir],
    samples: [],
  };
  const variants = [baseline, kubemock, reusedCerts];
  try {
    // Run 0 warms the file cache and is not counted; the variants alternate so machine noise hits all alike.
    for (let run = 0; run <= measuredRuns; run++) {
      for (const variant of variants) {
        const ms = await timeToReady(variant.args(run), env);
        if (run > 0) variant.samples.push(ms);
      }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
    await certificates.remove();
  }

  console.log(`startup: spawn until GET /readyz = 200, ${measuredRuns} runs each (ms)`);
  for (const variant of variants) console.log(`  ${variant.name.padEnd(44)} ${variant.samples.map(formatNumber).join('  ')}`);
  const stat = (variant: Variant, p: number) => percentile(sortedSamples(variant.samples), p);
  return [
    { name: 'startup to /readyz, median', unit: 'ms', value: stat(kubemock, 50), baseline: stat(baseline, 50), goal: { on: 'value', op: '<', target: 300 } },
    { name: 'startup to /readyz, p90', unit: 'ms', value: stat(kubemock, 90), baseline: stat(baseline, 90) },
    { name: 'kubemock own start-up cost, median', unit: 'ms', value: stat(kubemock, 50) - stat(baseline, 50) },
    { name: 'startup with --cert-dir (no key generation), median', unit: 'ms', value: stat(reusedCerts, 50), baseline: stat(baseline, 50) },
  ];
}

publishFigures('startup', await main());
