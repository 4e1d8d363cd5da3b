// Runs every bench script in its own process, one after another, and prints their figures together.
// A missed goal is a figure, not a failure; only a script that crashes or hangs sets the exit code.

import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { formatFigure, type Figure, type FiguresMessage } from './lib/report.js';

const scripts = ['startup', 'inprocess', 'requests', 'json-decode', 'watch-fanout', 'crd', 'testkit', 'cluster', 'cluster-memory'];
/** Far above each script's own bounds; only a hung script meets it. */
const scriptTimeoutMs = 150_000;
/** Scripts that take longer: starting 100,000 pods. */
const longScriptTimeoutMs: Record<string, number> = { 'cluster-memory': 900_000 };

interface Outcome {
  script: string;
  figures: Figure[];
  problem?: string;
}

function runScript(script: string): Promise<Outcome> {
  const outcome: Outcome = { script, figures: [] };
  const timeoutMs = longScriptTimeoutMs[script] ?? scriptTimeoutMs;
  const child = fork(fileURLToPath(new URL(`./${script}.js`, import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.on('message', (message: FiguresMessage) => {
    if (message.type === 'figures') outcome.figures = message.figures;
  });
  const timer = setTimeout(() => {
    outcome.problem = `killed after ${timeoutMs / 1000} s`;
    child.kill('SIGKILL');
  }, timeoutMs);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (!outcome.problem && code !== 0) outcome.problem = `exited with ${code ?? signal}`;
      resolve(outcome);
    });
  });
}

const start = performance.now();
const outcomes: Outcome[] = [];
for (const script of scripts) {
  console.log(`\n=== ${script} ===`);
  outcomes.push(await runScript(script));
}

console.log(`\n=== summary (ratio = kubemock / the baseline measured in the same run) ===`);
for (const outcome of outcomes) {
  console.log(`${outcome.script}${outcome.problem ? `: ${outcome.problem}` : ''}`);
  for (const figure of outcome.figures) console.log(formatFigure(figure));
}
console.log(`\nall benches took ${((performance.now() - start) / 1000).toFixed(0)} s`);
if (outcomes.some((o) => o.problem)) process.exitCode = 1;
