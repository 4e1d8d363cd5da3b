// The fake kubelet's probes, when a stage makes them fail: Unhealthy events for each failed run,
// readiness lost and regained by failureThreshold and successThreshold, and a failed liveness or
// startup probe stopping the container to be restarted, as the kubelet's prober and kuberuntime
// manager (1.32) do it. Timings are on a manual clock: the first run at initialDelaySeconds after
// the container started, then one every periodSeconds.

import { expect } from 'chai';
import { ManualClock, type KubeletStage } from '../testkit/index.js';
import { startCluster, type TestCluster } from './support/cluster.js';
import { advance, wallClockStart } from './support/step.js';

type Json = Record<string, any>;

const stages: KubeletStage[] = [
  { name: 'flaky', match: { labels: { probe: 'flaky' } }, probes: { readiness: { afterMs: 20_000, forMs: 30_000 } } },
  { name: 'dying', match: { labels: { probe: 'dying' } }, probes: { liveness: { output: 'HTTP probe failed with statuscode: 503' } } },
  { name: 'slow-start', match: { labels: { probe: 'slow-start' } }, probes: { startup: { forMs: 15_000 } } },
  { name: 'never-starts', match: { labels: { probe: 'never-starts' } }, probes: { startup: { output: 'no /tmp/started' } } },
];

describe('kubelet probes', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock(wallClockStart());
    cluster = await startCluster({ clock, kubeletStages: stages });
    await cluster.server.controllers.settle();
  });
  afterEach(() => cluster.stop());

  const get = async (name: string): Promise<Json> => (await cluster.request(`/api/v1/namespaces/default/pods/${name}`)).json();
  const create = async (name: string, container: Json, label: string, spec: Json = {}) => {
    const body = { metadata: { name, labels: { probe: label } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27', ...container }], ...spec } };
    await cluster.core.createNamespacedPod({ namespace: 'default', body: body as any });
    await cluster.server.controllers.settle();
    return get(name);
  };
  const ready = (pod: Json) => pod.status.conditions.find((c: Json) => c.type === 'Ready');
  const events = async (name: string, reason: string) =>
    (await cluster.request(`/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=${name},reason=${reason}`)).json().items.map((e: Json) => [e.type, e.message, e.count, e.involvedObject.fieldPath]);

  it('loses readiness after failureThreshold failed runs and regains it with the first success', async () => {
    const readinessProbe = { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5, failureThreshold: 2 };
    let pod = await create('flaky', { readinessProbe }, 'flaky');
    expect(ready(pod).status, 'the first run passes at once').to.equal('True');
    await advance(cluster.server, clock, 24_999);
    pod = await get('flaky');
    expect(ready(pod).status, 'one failure is below the threshold').to.equal('True');
    const unhealthy = ['Warning', 'Readiness probe failed: HTTP probe failed with statuscode: 500'];
    expect(await events('flaky', 'Unhealthy')).to.deep.equal([[...unhealthy, 1, 'spec.containers{app}']]);
    await advance(cluster.server, clock, 1);
    pod = await get('flaky');
    expect(ready(pod)).to.include({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]' });
    expect(pod.status.containerStatuses[0]).to.include({ ready: false, started: true, restartCount: 0 });
    // Runs at 20, 25, ... 45 s fail; the one at 50 s passes.
    await advance(cluster.server, clock, 25_000);
    pod = await get('flaky');
    expect(ready(pod).status).to.equal('True');
    expect(await events('flaky', 'Unhealthy')).to.deep.equal([[...unhealthy, 6, 'spec.containers{app}']]);
    // Passing runs change nothing, so nothing more is written.
    const version = pod.metadata.resourceVersion;
    await advance(cluster.server, clock, 60_000);
    expect((await get('flaky')).metadata.resourceVersion).to.equal(version);
  });

  it('stops a container whose liveness probe failed, restarts it, and backs off as it keeps failing', async () => {
    const livenessProbe = { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10 };
    let pod = await create('dying', { livenessProbe }, 'dying');
    expect(pod.status.containerStatuses[0]).to.include({ ready: true, restartCount: 0 });
    await advance(cluster.server, clock, 19_999);
    expect((await get('dying')).status.containerStatuses[0].restartCount, 'two failures of three').to.equal(0);
    await advance(cluster.server, clock, 1);
    pod = await get('dying');
    const status = pod.status.containerStatuses[0];
    expect(status).to.deep.include({ restartCount: 1, ready: true });
    // It stopped at once when asked (no stop delay), so it exited by itself.
    expect(status.lastState.terminated).to.deep.include({ exitCode: 0, reason: 'Completed' });
    expect(await events('dying', 'Killing')).to.deep.equal([['Normal', 'Container app failed liveness probe, will be restarted', 1, 'spec.containers{app}']]);
    expect(await events('dying', 'Unhealthy')).to.deep.equal([['Warning', 'Liveness probe failed: HTTP probe failed with statuscode: 503', 3, 'spec.containers{app}']]);
    // The worker ticks on: the new container is first probed at 30 s, and fails at 30, 40 and 50 s; its next restart waits 10 s.
    await advance(cluster.server, clock, 29_999);
    expect((await get('dying')).status.containerStatuses[0].state.running).to.be.an('object');
    await advance(cluster.server, clock, 1);
    pod = await get('dying');
    expect(pod.status.containerStatuses[0].state.waiting).to.deep.equal({ reason: 'CrashLoopBackOff', message: `back-off 10s restarting failed container=app pod=dying_default(${pod.metadata.uid})` });
    await advance(cluster.server, clock, 10_000);
    expect((await get('dying')).status.containerStatuses[0].restartCount).to.equal(2);
  });

  it('kills a container still stopping at the grace period with 137: the probe\'s own, or the pod\'s when the whole pod stops', async () => {
    const slowStop = { lifecycle: { preStop: { sleep: { seconds: 60 } } } };
    const livenessProbe = { exec: { command: ['true'] }, periodSeconds: 10, failureThreshold: 1, terminationGracePeriodSeconds: 5 };
    await create('dying-slowly', { livenessProbe, ...slowStop }, 'dying');
    await advance(cluster.server, clock, 4_999);
    expect((await get('dying-slowly')).status.containerStatuses[0].state.running, 'stopping within the probe grace period').to.be.an('object');
    await advance(cluster.server, clock, 1);
    const restarted = (await get('dying-slowly')).status.containerStatuses[0];
    expect(restarted.restartCount).to.equal(1);
    expect(restarted.lastState.terminated).to.deep.include({ exitCode: 137, reason: 'Error' });

    // Under Never nothing is restarted, so the kubelet stops the pod: its grace period, not the probe's, and the plain message.
    const pod = await create('dying-never', { livenessProbe: { ...livenessProbe, terminationGracePeriodSeconds: 1 }, ...slowStop }, 'dying', { restartPolicy: 'Never', terminationGracePeriodSeconds: 5 });
    expect(pod.status.phase).to.equal('Running');
    expect(await events('dying-never', 'Killing')).to.deep.equal([['Normal', 'Stopping container app', 1, 'spec.containers{app}']]);
    await advance(cluster.server, clock, 4_999);
    expect((await get('dying-never')).status.phase).to.equal('Running');
    await advance(cluster.server, clock, 1);
    const stopped = await get('dying-never');
    expect(stopped.status.phase).to.equal('Failed');
    expect(stopped.status.containerStatuses[0].state.terminated).to.deep.include({ exitCode: 137, reason: 'Error' });
    expect(stopped.status.containerStatuses[0].restartCount).to.equal(0);
  });

  it('holds started and ready back until the startup probe passes, and restarts a container it never passes for', async () => {
    const startupProbe = { exec: { command: ['cat', '/tmp/started'] }, periodSeconds: 10, failureThreshold: 3 };
    let pod = await create('slow-start', { startupProbe }, 'slow-start');
    expect(pod.status.phase).to.equal('Running');
    expect(pod.status.containerStatuses[0]).to.include({ started: false, ready: false });
    await advance(cluster.server, clock, 19_999);
    expect((await get('slow-start')).status.containerStatuses[0]).to.include({ started: false, ready: false });
    await advance(cluster.server, clock, 1);
    pod = await get('slow-start');
    expect(pod.status.containerStatuses[0]).to.include({ started: true, ready: true, restartCount: 0 });
    expect(ready(pod).status).to.equal('True');
    // An exec probe's output is what the command printed: nothing here.
    expect(await events('slow-start', 'Unhealthy')).to.deep.equal([['Warning', 'Startup probe failed: ', 2, 'spec.containers{app}']]);

    await create('never-starts', { startupProbe }, 'never-starts');
    await advance(cluster.server, clock, 20_000);
    expect((await get('never-starts')).status.containerStatuses[0]).to.include({ restartCount: 1, started: false });
    expect(await events('never-starts', 'Killing')).to.deep.equal([['Normal', 'Container app failed startup probe, will be restarted', 1, 'spec.containers{app}']]);
    expect(await events('never-starts', 'Unhealthy')).to.deep.equal([['Warning', 'Startup probe failed: no /tmp/started', 3, 'spec.containers{app}']]);
  });

  it('refuses a stage whose probes say something unknown', async () => {
    const { KubeletStages, StageError } = await import('../server/reconcilers/kubelet-stages.js');
    expect(() => new KubeletStages([{ probes: { liveliness: {} } } as any])).to.throw(StageError, 'stage 0: probes: unknown probe "liveliness" (readiness, liveness or startup)');
    expect(() => new KubeletStages([{ probes: { readiness: { afterMs: -1 } } }])).to.throw(StageError, 'stage 0: probes.readiness.afterMs must be a number of milliseconds, at least 0');
    expect(() => new KubeletStages([{ probes: { startup: { output: 7 } } } as any])).to.throw(StageError, 'stage 0: probes.startup.output must be a string');
  });
});
