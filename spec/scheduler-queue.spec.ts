// How long an unschedulable pod waits, compared with kube-scheduler 1.32.13 on the reference cluster in the
// same steps (fixtures/scheduler-queue.json): with queueing hints, a change tries the pod again only when a
// plugin that rejected it says the change may help; then the pod waits out its backoff, let out by the
// backoff queue's flush every second since the scheduler started. Driven with kubectl on a manual clock.

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { ManualClock } from '../testkit/index.js';
import { startCluster, type TestCluster } from './support/cluster.js';
import { advance, wallClockStart } from './support/step.js';

type Json = Record<string, any>;

const recorded = JSON.parse(readFileSync(new URL('../../spec/fixtures/scheduler-queue.json', import.meta.url), 'utf8'));

function queueCluster(nodes: Json[]) {
  const state = { cluster: undefined as unknown as TestCluster, clock: undefined as unknown as ManualClock, start: 0 };
  before(async () => {
    const start = wallClockStart();
    state.start = start.getTime();
    state.clock = new ManualClock(start);
    state.cluster = await startCluster({ clock: state.clock, nodes: nodes as any });
    await state.cluster.server.controllers.settle();
  });
  after(() => state.cluster.stop());
  const kubectl = (args: string[], input?: string) => state.cluster.kubectlOk(args, input);
  return {
    state,
    kubectl,
    step: (ms: number) => advance(state.cluster.server, state.clock, ms),
    /** Advances the clock to the next time `ms` past a multiple of `period` since the cluster (and its loops) started. */
    toOffset: (period: number, ms: number) => advance(state.cluster.server, state.clock, (((ms - (state.clock.now().getTime() - state.start)) % period) + period) % period),
    createPod: async (name: string, labels: Record<string, string>, spec: Json, metadata: Json = {}) => {
      await kubectl(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels, ...metadata }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } }));
      await advance(state.cluster.server, state.clock, 0);
    },
    nodeOf: async (name: string): Promise<string | undefined> => (await state.cluster.kubectlJson(['get', 'pod', name])).spec.nodeName,
    /** The scheduler's FailedScheduling notes for a pod, each as often as it was recorded (a series counts its repeats). */
    failures: async (name: string): Promise<string[]> => {
      const list = await state.cluster.kubectlJson(['get', 'events', '--field-selector', `involvedObject.name=${name},reason=FailedScheduling`]);
      return (list.items as Json[])
        .sort((a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime))
        .flatMap((e) => Array<string>(e.series?.count ?? 1).fill(e.message));
    },
  };
}

const nodes = [{ name: 'kwok-node-0' }, { name: 'kwok-node-1' }];

describe('scheduler queue', function () {
  this.timeout(120_000);
  const { state, kubectl, step, toOffset, createPod, nodeOf, failures } = queueCluster(nodes);

  it('tries a pod waiting on required pod affinity as soon as a matching pod is bound', async () => {
    const affinity = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'leader' } }, topologyKey: 'kubernetes.io/hostname' }] } };
    await createPod('follower', { app: 'follower' }, { affinity });
    expect(await failures('follower')).to.deep.equal([recorded.podAffinity.failed]);
    await step(3000);
    await createPod('leader', { app: 'leader' }, {});
    const leaderNode = await nodeOf('leader');
    expect(leaderNode).to.be.a('string');
    expect(await nodeOf('follower')).to.equal(leaderNode);
    expect(await failures('follower')).to.have.length(1);
  });

  it('leaves a pod rejected by node affinity alone on its own label change and on labels it does not select', async () => {
    await createPod('picky', { app: 'picky' }, { nodeSelector: { disk: 'ssd' } });
    await step(2000);
    await kubectl(['label', 'pod', 'picky', 'extra=1']);
    await step(2000);
    await kubectl(['label', 'node', 'kwok-node-1', 'foo=bar']);
    await step(2000);
    expect(await failures('picky')).to.deep.equal([recorded.nodeAffinity.failed]);
    await kubectl(['label', 'node', 'kwok-node-1', 'disk=ssd']);
    await step(0);
    expect(await nodeOf('picky')).to.equal('kwok-node-1');
    await kubectl(['label', 'node', 'kwok-node-1', 'foo-', 'disk-']);
  });

  it('binds a pod at once when a node grows enough allocatable for it, and not before', async () => {
    const patchCpu = (cpu: string) => kubectl(['patch', 'node', 'kwok-node-1', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { allocatable: { cpu } } })]);
    await createPod('big', { app: 'big' }, { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '40' } } }] });
    await step(2500);
    await patchCpu('36');
    await step(2500);
    expect(await failures('big')).to.deep.equal([recorded.allocatable.failed]);
    await patchCpu('48');
    await step(0);
    expect(await nodeOf('big')).to.equal('kwok-node-1');
    await kubectl(['delete', 'pod', 'big']);
    await patchCpu('32');
  });

  it('tries a pod again after a taint goes once its backoff is over, at the backoff flush that follows', async () => {
    await kubectl(['taint', 'node', 'kwok-node-0', 'kwok-node-1', 'x=y:NoSchedule']);
    await toOffset(1000, 500);
    const failedAt = state.clock.now().getTime();
    await createPod('tainted', { app: 't' }, {});
    expect(await failures('tainted')).to.deep.equal([recorded.taint.failed]);
    await step(400);
    await kubectl(['taint', 'node', 'kwok-node-0', 'x=y:NoSchedule-']);
    // The 1 s backoff ends at 1.5 s past the second; the flush a second after the last lets the pod out.
    await step(failedAt + 1499 - state.clock.now().getTime());
    expect(await nodeOf('tainted')).to.equal(undefined);
    await step(1);
    expect(await nodeOf('tainted')).to.equal('kwok-node-0');
    expect(await failures('tainted')).to.have.length(1);
    await kubectl(['taint', 'node', 'kwok-node-1', 'x=y:NoSchedule-']);
  });

  it('skips a pod deleted while it backs off, before pod GC fails it', async () => {
    await kubectl(['taint', 'node', 'kwok-node-0', 'kwok-node-1', 'x=y:NoSchedule']);
    // Half a second past a sweep of pod GC (every 20 s), so its next one comes after the backoff flush.
    await toOffset(20_000, 500);
    await createPod('doomed', {}, { nodeSelector: { 'kubernetes.io/hostname': 'kwok-node-0' } }, { finalizers: ['example.com/hold'] });
    await step(400);
    await kubectl(['taint', 'node', 'kwok-node-1', 'x=y:NoSchedule-']);
    await step(200);
    await kubectl(['delete', 'pod', 'doomed', '--wait=false']);
    await step(900);
    expect(await failures('doomed')).to.deep.equal(recorded.deletedWhileBackingOff.notes);
    expect((await state.cluster.kubectlJson(['get', 'pod', 'doomed'])).status.phase).to.equal('Pending');
    // Pod GC's sweep every 20 s fails the unscheduled pod that is being deleted.
    await step(20_000);
    expect((await state.cluster.kubectlJson(['get', 'pod', 'doomed'])).status.phase).to.equal('Failed');
    await kubectl(['patch', 'pod', 'doomed', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    await kubectl(['taint', 'node', 'kwok-node-0', 'x=y:NoSchedule-']);
    await step(0);
  });

  it('leaves a pod deleted while unschedulable to pod GC, without trying it', async () => {
    await createPod('held', {}, { nodeSelector: { disk: 'ssd' } }, { finalizers: ['example.com/hold'] });
    await step(3000);
    await kubectl(['delete', 'pod', 'held', '--wait=false']);
    await step(20_000);
    expect((await state.cluster.kubectlJson(['get', 'pod', 'held'])).status.phase).to.equal('Failed');
    expect(await failures('held')).to.deep.equal([recorded.nodeAffinity.failed]);
    await kubectl(['patch', 'pod', 'held', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    await step(0);
  });

  it('tries a pod that a spread constraint keeps off when a pod its selector counts is bound or relabeled', async () => {
    await kubectl(['taint', 'node', 'kwok-node-1', 'x=y:NoSchedule']);
    for (const name of ['s0-1', 's0-2']) await createPod(name, { app: 'spread' }, { nodeName: 'kwok-node-0' });
    const spread = { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } }] };
    await createPod('spreader', { app: 'spread' }, spread);
    expect(await failures('spreader')).to.deep.equal([recorded.topologySpread.failed]);
    await step(3000);
    await createPod('o1', { app: 'other' }, { nodeName: 'kwok-node-1' });
    await step(3000);
    expect(await failures('spreader')).to.have.length(1);
    await createPod('s1-1', { app: 'spread' }, { nodeName: 'kwok-node-1' });
    expect(await failures('spreader')).to.deep.equal([recorded.topologySpread.failed, recorded.topologySpread.failed]);
    await step(3000);
    await kubectl(['label', 'pod', 'o1', 'app=spread', '--overwrite']);
    await step(0);
    expect(await nodeOf('spreader')).to.equal('kwok-node-0');
  });
});

describe('scheduler queue without nodes', function () {
  this.timeout(120_000);
  const { state, kubectl, step, createPod, nodeOf, failures } = queueCluster([]);

  it('tries the pod after each backoff, and binds it at the flush after the backoff it was in when a node came', async () => {
    const start = state.clock.now().getTime();
    await createPod('lonely', {}, {});
    // Backoffs of 1, 2, 4, 8 and 10 s, each ending on a flush of the backoff queue as this pod failed on one. The
    // second attempt's event is a new one (its PodScheduled write changed the pod it regards); the third makes it
    // a series of 2, and later ones are only counted until the recorder's loops write the series out.
    const attempts: Array<[number, number]> = [[999, 1], [1000, 2], [2999, 2], [3000, 3], [25_000, 3]];
    for (const [at, count] of attempts) {
      await step(start + at - state.clock.now().getTime());
      expect(await failures('lonely'), `at ${at} ms`).to.have.length(count);
    }
    expect(new Set(await failures('lonely'))).to.deep.equal(new Set([recorded.noNodes.note]));
    await kubectl(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'kwok-node-0', labels: { 'kubernetes.io/hostname': 'kwok-node-0' } } }));
    await step(35_000 - 1 - (state.clock.now().getTime() - start));
    expect(await nodeOf('lonely')).to.equal(undefined);
    await step(1);
    expect(await nodeOf('lonely')).to.equal('kwok-node-0');
    // The finish loop (every 6 minutes from the start) writes out a series unobserved for 6 minutes: at 12 minutes,
    // with the six attempts' count and the last one's time, 25 s after the first.
    await step(12 * 60_000 - 1 - (state.clock.now().getTime() - start));
    expect(await failures('lonely')).to.have.length(3);
    await step(1);
    expect(await failures('lonely')).to.have.length(6);
    const events = await state.cluster.kubectlJson(['get', 'events', '--field-selector', 'involvedObject.name=lonely,reason=FailedScheduling']);
    const series = (events.items as Json[]).find((e) => e.series)!.series;
    expect(Date.parse(series.lastObservedTime) - start).to.equal(25_000);
  });
});
