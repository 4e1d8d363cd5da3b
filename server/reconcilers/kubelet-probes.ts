// The kubelet's probe workers, for the probes a stage makes fail. A container's probe runs
// initialDelaySeconds after the container started and then every periodSeconds; a worker outlives
// the container, so a restarted one is first probed on the worker's next tick. Each failed run is
// an Unhealthy event, and failureThreshold failures in a row (successThreshold successes) change
// the result. Readiness and liveness wait until the container has started (its startup probe
// passed); a failed liveness or startup result, and any startup result, puts the worker on hold
// until the container is replaced. Probes no stage fails always pass, so they are not run: a
// readiness probe's initial delay and a startup probe's wait are all they cost.

import type { ProbeFailure } from './kubelet-stages.js';

type Json = Record<string, any>;

export type ProbeKind = 'readiness' | 'liveness' | 'startup';

const specField: Record<ProbeKind, string> = { readiness: 'readinessProbe', liveness: 'livenessProbe', startup: 'startupProbe' };
const typeName: Record<ProbeKind, string> = { readiness: 'Readiness', liveness: 'Liveness', startup: 'Startup' };

export interface ProbeRun {
  kind: ProbeKind;
  /** The container's probe as its spec has it. */
  probe: Json;
  /** When the stage makes it fail, if it does. */
  failure?: Readonly<ProbeFailure>;
  output: string;
  nextAt: number;
  result: 'success' | 'failure' | 'unknown';
  lastPassed?: boolean;
  /** How many runs in a row gave lastPassed. */
  streak: number;
  onHold: boolean;
}

/** What the prober prints for a failed probe of this handler. */
function defaultOutput(probe: Json, container: Json, podIP: string | undefined): string {
  if (probe.httpGet) return 'HTTP probe failed with statuscode: 500';
  if (probe.tcpSocket) {
    const port = probe.tcpSocket.port;
    const number = typeof port === 'string' ? ((container.ports ?? []) as Json[]).find((p) => p.name === port)?.containerPort ?? port : port;
    return `dial tcp ${probe.tcpSocket.host || podIP || ''}:${number}: connect: connection refused`;
  }
  if (probe.grpc) return 'service unhealthy (responded with "NOT_SERVING")';
  // An exec probe's output is what the command printed.
  return '';
}

/** When each worker of a container ticks next, kept across its restarts. */
export type ProbeTicks = Partial<Record<ProbeKind, number>>;

export function ticksOf(runs: readonly ProbeRun[]): ProbeTicks {
  return Object.fromEntries(runs.map((r) => [r.kind, r.nextAt]));
}

/**
 * The probe workers of a container that just started: startup probes always, the others when a
 * stage fails them. The first run is the first tick at least initialDelaySeconds after the start.
 */
export function probesFor(container: Json, failures: Partial<Record<ProbeKind, Readonly<ProbeFailure>>>, podIP: string | undefined, startedAt: number, ticks: ProbeTicks = {}): ProbeRun[] {
  const out: ProbeRun[] = [];
  for (const kind of ['startup', 'liveness', 'readiness'] as const) {
    const probe: Json | undefined = container[specField[kind]];
    const failure = failures[kind];
    if (!probe || (kind !== 'startup' && !failure)) continue;
    const earliest = startedAt + (probe.initialDelaySeconds ?? 0) * 1000;
    const tick = ticks[kind];
    const period = (probe.periodSeconds ?? 10) * 1000;
    out.push({
      kind,
      probe,
      failure,
      output: failure?.output ?? defaultOutput(probe, container, podIP),
      nextAt: tick === undefined ? earliest : tick + Math.ceil(Math.max(0, earliest - tick) / period) * period,
      result: kind === 'readiness' ? 'failure' : kind === 'liveness' ? 'success' : 'unknown',
      streak: 0,
      onHold: false,
    });
  }
  return out;
}

/** Whether the container counts as started: running, with its startup probe (if any) passed. */
export function probesStarted(runs: readonly ProbeRun[] | undefined): boolean {
  const startup = runs?.find((r) => r.kind === 'startup');
  return !startup || startup.result === 'success';
}

function failsAt(run: ProbeRun, startedAt: number, now: number): boolean {
  if (!run.failure) return false;
  const from = startedAt + (run.failure.afterMs ?? 0);
  return now >= from && (run.failure.forMs === undefined || now < from + run.failure.forMs);
}

function waiting(run: ProbeRun, started: boolean): boolean {
  return run.onHold || (run.kind === 'startup' ? started : !started);
}

/** Runs each probe that is due once (a late wakeup does not catch up missed periods); `unhealthy` records a failure. */
export function runDueProbes(runs: ProbeRun[], startedAt: number, now: number, unhealthy: (message: string) => void): void {
  for (const run of runs) {
    if (now < run.nextAt || waiting(run, probesStarted(runs))) continue;
    const passed = !failsAt(run, startedAt, now);
    if (!passed) unhealthy(`${typeName[run.kind]} probe failed: ${run.output}`);
    run.streak = run.lastPassed === passed ? run.streak + 1 : 1;
    run.lastPassed = passed;
    run.nextAt = now + (run.probe.periodSeconds ?? 10) * 1000;
    if (run.streak < (passed ? run.probe.successThreshold ?? 1 : run.probe.failureThreshold ?? 3)) continue;
    run.result = passed ? 'success' : 'failure';
    if (run.kind === 'startup' || (run.kind === 'liveness' && !passed)) {
      run.onHold = true;
      run.streak = 0;
    }
  }
}

/** The liveness or startup probe whose failure has the container killed, if one failed. */
export function failedProbe(runs: readonly ProbeRun[] | undefined): ProbeRun | undefined {
  return runs?.find((r) => r.kind !== 'readiness' && r.result === 'failure');
}

/** The readiness result, when a stage fails the container's readiness probe. */
export function probedReadiness(runs: readonly ProbeRun[] | undefined): boolean | undefined {
  const readiness = runs?.find((r) => r.kind === 'readiness');
  return readiness && readiness.result === 'success';
}

/**
 * When a probe run next matters: a run that would pass with the result already passing changes
 * nothing and records nothing, so those are skipped up to the stage's failure window.
 */
export function nextProbeAt(runs: readonly ProbeRun[], startedAt: number): number | undefined {
  let due = Infinity;
  const started = probesStarted(runs);
  for (const run of runs) {
    if (waiting(run, started)) continue;
    const steady = run.result === 'success' && run.lastPassed === true;
    if (!steady || failsAt(run, startedAt, run.nextAt)) {
      due = Math.min(due, run.nextAt);
      continue;
    }
    const from = startedAt + (run.failure?.afterMs ?? 0);
    if (!run.failure || from < run.nextAt) continue;
    const period = (run.probe.periodSeconds ?? 10) * 1000;
    due = Math.min(due, run.nextAt + Math.ceil((from - run.nextAt) / period) * period);
  }
  return due === Infinity ? undefined : due;
}
