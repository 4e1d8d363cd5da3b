// Priority preemption by the default scheduler, driven with kubectl on a manual clock and compared
// with what kube-scheduler 1.32.13 did on the reference cluster in the same steps
// (fixtures/preemption.json): which pods go, the DisruptionTarget condition and graceful delete of
// each victim, the Preempted events, the preemptor's nomination, FailedScheduling texts and binding.

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { ManualClock } from '../testkit/index.js';
import { startCluster, type TestCluster } from './support/cluster.js';
import { advance, wallClockStart } from './support/step.js';

type Json = Record<string, any>;

const recorded = JSON.parse(readFileSync(new URL('../../spec/fixtures/preemption.json', import.meta.url), 'utf8'));

/** Nodes of 1 cpu as on the reference cluster. */
const smallNode = (name: string) => ({ name, capacity: { cpu: '1', pods: '10' } });
/** Containers of pods labeled stop=slow take 10 s to stop, so those victims are seen terminating; the others go at once, as kwok's do. */
const slowStop = [{ name: 'slow-stop', match: { labels: { stop: 'slow' } }, stop: { delayMs: 10_000 } }];

interface PodShape {
  priorityClass: string;
  cpu: string;
  app?: string;
  node?: string;
  slowStop?: boolean;
}

function preemptionCluster(nodes: string[]) {
  const state = { cluster: undefined as unknown as TestCluster, clock: undefined as unknown as ManualClock, uids: new Map<string, string>() };
  before(async () => {
    state.clock = new ManualClock(wallClockStart());
    state.cluster = await startCluster({ clock: state.clock, nodes: nodes.map(smallNode), kubeletStages: slowStop });
    const classes = Object.entries(recorded.priorityClasses as Record<string, number>).map(([name, value]) => ({
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name },
      value,
      ...(name.endsWith('-never') ? { preemptionPolicy: 'Never' } : {}),
    }));
    await state.cluster.kubectlOk(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: classes }));
  });
  after(() => state.cluster.stop());
  return state;
}

describe('scheduler preemption', function () {
  this.timeout(120_000);

  describe('on one node', () => {
    const state = preemptionCluster(['kwok-node-0']);
    const ns = 'default';
    const kubectl = (args: string[], input?: string) => state.cluster.kubectlOk(['-n', ns, ...args], input);
    const settle = () => advance(state.cluster.server, state.clock, 0);
    const getPod = (name: string): Promise<Json> => state.cluster.kubectlJson(['-n', ns, 'get', 'pod', name]);
    const createPod = (name: string, shape: PodShape) => createPodIn(state, ns, name, shape);
    const events = () => schedulerEvents(state, ns);

    it('says why a pod cannot preempt: nothing of lower priority, or preemptionPolicy Never', async () => {
      await createPod('low-1', { priorityClass: 'low', cpu: '400m' });
      await createPod('low-2', { priorityClass: 'low', cpu: '400m', slowStop: true });
      const before = (await events()).length;
      await createPod('low-3', { priorityClass: 'low', cpu: '400m' });
      await createPod('never-1', { priorityClass: 'high-never', cpu: '400m' });
      expect((await events()).slice(before)).to.deep.equal([recorded.oneNode.noVictims, recorded.oneNode.never]);
      expect((await getPod('never-1')).status).to.not.have.property('nominatedNodeName');
      expect((await getPod('low-1')).metadata).to.not.have.property('deletionTimestamp');
      await kubectl(['delete', 'pod', 'never-1', '--wait=false']);
      await settle();
    });

    it('preempts the newer of two equal pods, nominates the node, keeps lower pods off it, and binds once the victim is gone', async () => {
      const before = (await events()).length;
      await createPod('high-1', { priorityClass: 'high', cpu: '400m' });
      const victim = await getPod('low-2');
      const { lastTransitionTime, ...condition } = victim.status.conditions.find((c: Json) => c.type === 'DisruptionTarget');
      expect(condition).to.deep.equal(recorded.disruptionTarget);
      expect(lastTransitionTime).to.equal(state.clock.now().toISOString().replace(/\.\d+Z$/, 'Z'));
      expect(victim.metadata.deletionGracePeriodSeconds).to.equal(recorded.victimDeletionGracePeriodSeconds);
      expect((await getPod('low-1')).metadata).to.not.have.property('deletionTimestamp');
      const nominated = await getPod('high-1');
      expect(nominated.spec).to.not.have.property('nodeName');
      expect(nominated.status.nominatedNodeName).to.equal(recorded.oneNode.nominatedStatus.nominatedNodeName);
      expect(nominated.status.conditions.map(({ lastTransitionTime: _, ...c }: Json) => c)).to.deep.equal(recorded.oneNode.nominatedStatus.conditions);
      expect((await state.cluster.kubectlOk(['-n', ns, 'get', 'pod', 'high-1', '-o', 'wide'])).split('\n')[1]).to.match(/^high-1\s+0\/1\s+Pending\s+0\s+\S+\s+<none>\s+<none>\s+kwok-node-0\s+<none>$/);

      // The victim stops within its grace period and is removed; the room goes to the preemptor, not low-3.
      await advance(state.cluster.server, state.clock, 15_000);
      const bound = await getPod('high-1');
      expect({ nodeName: bound.spec.nodeName, nominatedNodeName: bound.status.nominatedNodeName }).to.deep.equal(recorded.oneNode.boundStatus);
      expect((await getPod('low-3')).spec).to.not.have.property('nodeName');
      expect((await state.cluster.kubectl(['-n', ns, 'get', 'pod', 'low-2'])).stderr).to.include('pods "low-2" not found');

      const after = (await events()).slice(before);
      expect([...after].sort()).to.deep.equal([...recorded.oneNode.preemption].sort());
      const at = (prefix: string) => after.findIndex((e) => e.startsWith(prefix));
      expect(at('Normal Preempted')).to.be.below(at('Warning FailedScheduling Scheduling high-1'));
      expect(at('Warning FailedScheduling Scheduling high-1')).to.be.below(at('Normal Scheduled Binding high-1'));
    });
  });

  describe('on two nodes', () => {
    const state = preemptionCluster(['kwok-node-0', 'kwok-node-1']);
    const ns = 'pdb';
    const kubectl = (args: string[], input?: string) => state.cluster.kubectlOk(['-n', ns, ...args], input);
    const createPod = (name: string, shape: PodShape) => createPodIn(state, ns, name, shape);
    const events = () => schedulerEvents(state, ns);
    const nodeOf = async (name: string) => (await state.cluster.kubectlJson(['-n', ns, 'get', 'pod', name])).spec.nodeName;
    const remaining = async () => ((await state.cluster.kubectlJson(['-n', ns, 'get', 'pods'])).items as Json[]).map((p) => p.metadata.name).sort();
    /** Runs a step and gives the scheduler events it recorded, sorted, once victims are gone and the preemptor bound. */
    const eventsOf = async (step: () => Promise<void>) => {
      const before = (await events()).length;
      await step();
      await advance(state.cluster.server, state.clock, 15_000);
      return (await events()).slice(before);
    };
    const deleteAll = async () => {
      await kubectl(['delete', 'pods', '--all', '--wait=false']);
      await advance(state.cluster.server, state.clock, 15_000);
    };

    before(() => state.cluster.kubectlOk(['create', 'namespace', ns]));

    it('spares a pod its PodDisruptionBudget protects and preempts a higher-priority pod elsewhere', async () => {
      await kubectl(['create', 'pdb', 'guarded', '--selector=app=guarded', '--min-available=1']);
      await createPod('guarded-1', { priorityClass: 'low', cpu: '600m', app: 'guarded', node: 'kwok-node-0' });
      await createPod('plain-1', { priorityClass: 'mid', cpu: '600m', app: 'plain', node: 'kwok-node-1' });
      await advance(state.cluster.server, state.clock, 1000);
      expect((await state.cluster.kubectlJson(['-n', ns, 'get', 'pdb', 'guarded'])).status.disruptionsAllowed).to.equal(0);
      const recordedEvents = await eventsOf(() => createPod('high-2', { priorityClass: 'high', cpu: '600m', app: 'high' }));
      expect([...recordedEvents].sort()).to.deep.equal([...recorded.twoNodes.budgetSparesVictim].sort());
      expect(await nodeOf('high-2')).to.equal('kwok-node-1');
      expect(await remaining()).to.deep.equal(['guarded-1', 'high-2']);
    });

    it('without a budget, preempts on the node whose victim has the lowest priority', async () => {
      await kubectl(['delete', 'pdb', 'guarded']);
      await kubectl(['delete', 'pod', 'high-2', '--wait=false']);
      await advance(state.cluster.server, state.clock, 15_000);
      await createPod('plain-2', { priorityClass: 'mid', cpu: '600m', app: 'plain', node: 'kwok-node-1' });
      const recordedEvents = await eventsOf(() => createPod('high-3', { priorityClass: 'high', cpu: '600m', app: 'high' }));
      expect([...recordedEvents].sort()).to.deep.equal([...recorded.twoNodes.lowestPriorityVictim].sort());
      expect(await nodeOf('high-3')).to.equal('kwok-node-0');
      expect(await remaining()).to.deep.equal(['high-3', 'plain-2']);
    });

    it('preempts the fewest pods, sparing higher priority first', async () => {
      await deleteAll();
      await kubectl(['cordon', 'kwok-node-1']);
      for (const [name, priorityClass] of [['a-low', 'low'], ['b-mid', 'mid'], ['c-low', 'low']]) {
        await createPod(name, { priorityClass, cpu: '300m', app: 'x', node: 'kwok-node-0' });
        // Each starts a second after the one before, as on the reference cluster.
        await advance(state.cluster.server, state.clock, 1200);
      }
      const recordedEvents = await eventsOf(() => createPod('high-4', { priorityClass: 'high', cpu: '500m', app: 'high' }));
      expect([...recordedEvents].sort()).to.deep.equal([...recorded.twoNodes.fewestVictims].sort());
      expect(await remaining()).to.deep.equal(['b-mid', 'high-4']);
    });

    it('says so when removing every lower-priority pod would not be enough', async () => {
      await kubectl(['delete', 'pod', 'b-mid', '--wait=false']);
      await advance(state.cluster.server, state.clock, 15_000);
      await createPod('filler', { priorityClass: 'low', cpu: '400m', app: 'x', node: 'kwok-node-0' });
      const recordedEvents = await eventsOf(() => createPod('high-6', { priorityClass: 'high', cpu: '2', app: 'high' }));
      expect(recordedEvents).to.deep.equal([recorded.twoNodes.notEnough]);
      expect(await remaining()).to.include('filler');
    });

    it('waits for a victim that is still terminating rather than preempting again', async () => {
      await deleteAll();
      const before = (await events()).length;
      await createPod('slow', { priorityClass: 'low', cpu: '800m', app: 'x', node: 'kwok-node-0', slowStop: true });
      await createPod('high-5', { priorityClass: 'high', cpu: '500m', app: 'high' });
      expect((await state.cluster.kubectlJson(['-n', ns, 'get', 'pod', 'slow'])).metadata.deletionTimestamp).to.be.a('string');
      // More allocatable cpu on the nominated node, though not enough while the victim stops, is a reason for
      // NodeResourcesFit's hint to try the preemptor again.
      await kubectl(['patch', 'node', 'kwok-node-0', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { allocatable: { cpu: '1100m' } } })]);
      await advance(state.cluster.server, state.clock, 2000);
      const pending = await state.cluster.kubectlJson(['-n', ns, 'get', 'pod', 'high-5']);
      expect(pending.status.nominatedNodeName).to.equal('kwok-node-0');
      expect(pending.status.conditions.find((c: Json) => c.type === 'PodScheduled').message).to.equal(
        '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable. preemption: not eligible due to a terminating pod on the nominated node.',
      );
      expect((await events()).slice(before).filter((e) => e.startsWith('Normal Preempted'))).to.deep.equal(['Normal Preempted Preempting slow high-5: Preempted by pod <uid of high-5> on node kwok-node-0']);
      await advance(state.cluster.server, state.clock, 15_000);
      expect(await nodeOf('high-5')).to.equal('kwok-node-0');
    });
  });

  describe('choosing among nodes', () => {
    const state = preemptionCluster(['kwok-node-0', 'small-0', 'small-1']);
    const ns = 'pdb';
    const kubectl = (args: string[], input?: string) => state.cluster.kubectlOk(['-n', ns, ...args], input);
    const createPod = (name: string, shape: PodShape) => createPodIn(state, ns, name, shape);
    const remaining = async () => ((await state.cluster.kubectlJson(['-n', ns, 'get', 'pods'])).items as Json[]).map((p) => `${p.metadata.name} ${p.spec.nodeName}`).sort();
    const eventsOf = async (step: () => Promise<void>) => {
      const before = (await schedulerEvents(state, ns)).length;
      await step();
      await advance(state.cluster.server, state.clock, 15_000);
      return (await schedulerEvents(state, ns)).slice(before);
    };

    before(async () => {
      await state.cluster.kubectlOk(['create', 'namespace', ns]);
      await state.cluster.kubectlOk(['cordon', 'kwok-node-0']);
    });

    it('preempts the victim that started last when the victims are otherwise alike', async () => {
      await createPod('early', { priorityClass: 'low', cpu: '600m', app: 'x', node: 'small-0' });
      await advance(state.cluster.server, state.clock, 2000);
      await createPod('late', { priorityClass: 'low', cpu: '600m', app: 'x', node: 'small-1' });
      await advance(state.cluster.server, state.clock, 2000);
      const recordedEvents = await eventsOf(() => createPod('high-7', { priorityClass: 'high', cpu: '600m', app: 'high' }));
      expect(recordedEvents).to.deep.equal(recorded.nodePick.latestStart);
      expect(await remaining()).to.deep.equal(['early small-0', 'high-7 small-1']);
    });

    it('preempts on the node that needs fewer victims, before looking at start times', async () => {
      await kubectl(['delete', 'pods', '--all', '--wait=false']);
      await advance(state.cluster.server, state.clock, 15_000);
      await createPod('single', { priorityClass: 'low', cpu: '700m', app: 'x', node: 'small-1' });
      await advance(state.cluster.server, state.clock, 2000);
      await createPod('pair-1', { priorityClass: 'low', cpu: '400m', app: 'x', node: 'small-0' });
      await advance(state.cluster.server, state.clock, 1000);
      await createPod('pair-2', { priorityClass: 'low', cpu: '400m', app: 'x', node: 'small-0' });
      await advance(state.cluster.server, state.clock, 2000);
      const recordedEvents = await eventsOf(() => createPod('high-8', { priorityClass: 'high', cpu: '800m', app: 'high' }));
      expect(recordedEvents).to.deep.equal(recorded.nodePick.fewestVictims);
      expect(await remaining()).to.deep.equal(['high-8 small-1', 'pair-1 small-0', 'pair-2 small-0']);
    });
  });

  describe('when the nominated node is lost', () => {
    const state = preemptionCluster(['kwok-node-0', 'small-0']);
    const ns = 'pdb';

    it('takes the nomination back once preemption cannot help anywhere', async () => {
      await state.cluster.kubectlOk(['create', 'namespace', ns]);
      await state.cluster.kubectlOk(['cordon', 'kwok-node-0']);
      const before = (await schedulerEvents(state, ns)).length;
      await createPodIn(state, ns, 'held', { priorityClass: 'low', cpu: '800m', app: 'x', node: 'small-0', slowStop: true });
      await createPodIn(state, ns, 'high-9', { priorityClass: 'high', cpu: '500m', app: 'high' });
      expect((await state.cluster.kubectlJson(['-n', ns, 'get', 'pod', 'high-9'])).status.nominatedNodeName).to.equal('small-0');
      // The victim is still stopping when its node is tainted against the preemptor.
      await state.cluster.kubectlOk(['taint', 'node', 'small-0', 'dedicated=other:NoSchedule']);
      // The taint is no reason to try the preemptor again (no plugin that rejected it hints so); the victim's
      // going is (NodeResourcesFit's hint on a deleted pod), and then preemption cannot help anywhere.
      await advance(state.cluster.server, state.clock, 11_000);
      const { conditions, ...status } = (await state.cluster.kubectlJson(['-n', ns, 'get', 'pod', 'high-9'])).status;
      expect({ ...status, conditions: conditions.map(({ lastTransitionTime: _, ...c }: Json) => c) }).to.deep.equal(recorded.nominatedNodeLost.statusAfterTaint);
      expect((await schedulerEvents(state, ns)).slice(before)).to.deep.equal(recorded.nominatedNodeLost.events);
    });
  });
});

async function createPodIn(state: { cluster: TestCluster; clock: ManualClock; uids: Map<string, string> }, namespace: string, name: string, shape: PodShape): Promise<void> {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: shape.app ?? 'filler', ...(shape.slowStop ? { stop: 'slow' } : {}) } },
    spec: {
      priorityClassName: shape.priorityClass,
      ...(shape.node ? { nodeSelector: { 'kubernetes.io/hostname': shape.node } } : {}),
      containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: shape.cpu } } }],
    },
  };
  const created = JSON.parse(await state.cluster.kubectlOk(['create', '-f', '-', '-o', 'json'], JSON.stringify(pod)));
  state.uids.set(created.metadata.uid, name);
  await advance(state.cluster.server, state.clock, 0);
}

/** kube-scheduler's events in a namespace, in recording order, worded as the fixture words them. */
async function schedulerEvents(state: { cluster: TestCluster; uids: Map<string, string> }, namespace: string): Promise<string[]> {
  const list = await state.cluster.kubectlJson(['-n', namespace, 'get', 'events.v1.events.k8s.io']);
  return (list.items as Json[])
    .filter((e) => e.reportingController === 'default-scheduler')
    // Event names end in the recording time in hex nanoseconds, finer than eventTime.
    .sort((a, b) => Number(BigInt(`0x${a.metadata.name.split('.').pop()}`) - BigInt(`0x${b.metadata.name.split('.').pop()}`)))
    .filter((e) => !(e.reason === 'Scheduled' && !e.regarding.name.startsWith('high-')))
    .map((e) => {
      const note = (e.note as string).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (uid) => `<uid of ${state.uids.get(uid) ?? uid}>`);
      return `${e.type} ${e.reason} ${e.action} ${e.regarding.name}${e.related ? ` ${e.related.name}` : ''}: ${note}`;
    });
}
