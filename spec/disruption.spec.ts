// The disruption controller with kubectl and client-node on a manual clock: PodDisruptionBudget
// status from the selected pods and their controllers' scale, evictions allowed and refused, the
// disruptedPods bookkeeping, and the warnings for pods the budget cannot account for.

import { expect } from 'chai';
import { ManualClock } from '../testkit/index.js';
import { startCluster, type TestCluster } from './support/cluster.js';
import { expectStatus } from './support/status.js';
import { advance, wallClockStart } from './support/step.js';

type Json = Record<string, any>;

describe('disruption controller', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  const settle = () => cluster.server.controllers.settle();
  const kubectl = (args: string[], input?: string) => cluster.kubectlOk(args, input);
  const json = (args: string[]): Promise<Json> => cluster.kubectlJson(args);
  /** The status with each condition as [type, status, reason, message] and disrupted pods by name. */
  const budget = async (name: string) => {
    const { conditions, disruptedPods, ...rest } = (await json(['get', 'pdb', name])).status;
    return { ...rest, disrupted: Object.keys(disruptedPods ?? {}), conditions: (conditions as Json[]).map((c) => [c.type, c.status, c.reason, c.message]) };
  };
  const events = async (name: string) =>
    ((await json(['get', 'events', '--field-selector', `involvedObject.kind=PodDisruptionBudget,involvedObject.name=${name}`])).items as Json[]).map((e) => `${e.type} ${e.reason}: ${e.message}`);
  const runningPods = async (selector: string) => ((await json(['get', 'pods', '-l', selector])).items as Json[]).filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name as string);
  const evict = (name: string) => cluster.core.createNamespacedPodEviction({ name, namespace: 'default', body: { metadata: { name } } });

  before(async () => {
    clock = new ManualClock(wallClockStart());
    cluster = await startCluster({ clock });
  });
  after(() => cluster.stop());

  it('report healthy, desired and expected pods of a Deployment, and allow disruptions beyond minAvailable', async () => {
    await kubectl(['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=3']);
    await kubectl(['create', 'pdb', 'web', '--selector=app=web', '--min-available=2']);
    await settle();
    expect(await budget('web')).to.deep.equal({
      observedGeneration: 1,
      disrupted: [],
      disruptionsAllowed: 1,
      currentHealthy: 3,
      desiredHealthy: 2,
      expectedPods: 3,
      conditions: [['DisruptionAllowed', 'True', 'SufficientPods', '']],
    });
    expect((await kubectl(['get', 'pdb', 'web'])).split('\n')[1]).to.match(/^web\s+2\s+N\/A\s+1\s+\d+s$/);
  });

  it('let one eviction through, refuse the next with 429 while the budget is spent, and forget the pod once it is gone', async () => {
    for (const name of ['db-0', 'db-1', 'db-2']) await kubectl(['run', name, '--image=postgres:17', '--labels=app=db']);
    await kubectl(['create', 'pdb', 'db', '--selector=app=db', '--min-available=2']);
    await settle();
    expect(await budget('db')).to.deep.include({ disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 });
    await evict('db-0');
    // The eviction spends the disruption and records the pod; the pod terminates for its grace period.
    const spent = (await json(['get', 'pdb', 'db'])).status;
    expect(spent.disruptionsAllowed).to.equal(0);
    await expectStatus(evict('db-1'), 429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.");
    await advance(cluster.server, clock, 31_000);
    expect(await runningPods('app=db')).to.deep.equal(['db-1', 'db-2']);
    expect(await budget('db')).to.deep.equal({
      observedGeneration: 1,
      disrupted: [],
      disruptionsAllowed: 0,
      currentHealthy: 2,
      desiredHealthy: 2,
      expectedPods: 2,
      conditions: [['DisruptionAllowed', 'False', 'InsufficientPods', '']],
    });
    await expectStatus(evict('db-1'), 429, 'TooManyRequests');
  });

  it('take the expected count from the controller scale for maxUnavailable, rounding a percentage up', async () => {
    // Pod events go to one budget per pod only, so this one replaces the first.
    await kubectl(['delete', 'pdb', 'web']);
    await kubectl(['create', 'pdb', 'web-percent', '--selector=app=web', '--max-unavailable=34%']);
    await settle();
    // 34% of 3 is 1.02, so 2 may be unavailable.
    expect(await budget('web-percent')).to.deep.include({ expectedPods: 3, desiredHealthy: 1, currentHealthy: 3, disruptionsAllowed: 2 });
    await kubectl(['scale', 'deployment', 'web', '--replicas=5']);
    await settle();
    expect(await budget('web-percent')).to.deep.include({ expectedPods: 5, desiredHealthy: 3, currentHealthy: 5, disruptionsAllowed: 2 });
    await kubectl(['delete', 'pdb', 'web-percent']);
  });

  it('warn of unmanaged pods, and refuse disruptions when a pod controller has no scale', async () => {
    await kubectl(['run', 'loner', '--image=busybox:1.36', '--labels=tier=loose']);
    await kubectl(['create', 'pdb', 'loose', '--selector=tier=loose', '--max-unavailable=1']);
    await settle();
    expect(await budget('loose')).to.deep.include({ expectedPods: 0, desiredHealthy: 0, currentHealthy: 1, disruptionsAllowed: 0 });
    expect(await events('loose')).to.deep.equal([
      'Warning UnmanagedPods: Pods selected by this PodDisruptionBudget (selector: &LabelSelector{MatchLabels:map[string]string{tier: loose,},MatchExpressions:[]LabelSelectorRequirement{},}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.',
    ]);

    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'batch' }, spec: { template: { metadata: { labels: { tier: 'batch' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36' }] } } } };
    await kubectl(['create', '-f', '-'], JSON.stringify(job));
    await kubectl(['create', 'pdb', 'batch', '--selector=tier=batch', '--min-available=50%']);
    await settle();
    const status = await budget('batch');
    expect(status).to.deep.include({ disruptionsAllowed: 0, conditions: [['DisruptionAllowed', 'False', 'SyncFailed', 'jobs.batch does not implement the scale subresource']] });
    expect(await events('batch')).to.include('Warning CalculateExpectedPodCountFailed: Failed to calculate the number of expected pods: jobs.batch does not implement the scale subresource');
  });

  it('reset a DisruptionTarget condition that no deletion followed within two minutes', async () => {
    await kubectl(['run', 'kept', '--image=busybox:1.36']);
    await settle();
    const condition = { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: clock.now().toISOString().replace(/\.\d+Z$/, 'Z') };
    await kubectl(['patch', 'pod', 'kept', '--subresource=status', '--type=strategic', '-p', JSON.stringify({ status: { conditions: [condition] } })]);
    const target = async () => ((await json(['get', 'pod', 'kept'])).status.conditions as Json[]).find((c) => c.type === 'DisruptionTarget');
    await advance(cluster.server, clock, 119_000);
    expect(await target()).to.include({ status: 'True', reason: 'EvictionByEvictionAPI' });
    await advance(cluster.server, clock, 2_000);
    const reset = await target();
    expect(reset).to.deep.equal({ type: 'DisruptionTarget', status: 'False', lastProbeTime: null, lastTransitionTime: reset!.lastTransitionTime });
  });

  it('report a budget that selects nothing', async () => {
    await kubectl(['create', 'pdb', 'nobody', '--selector=app=nobody', '--min-available=1']);
    await settle();
    expect(await budget('nobody')).to.deep.equal({
      observedGeneration: 1,
      disrupted: [],
      disruptionsAllowed: 0,
      currentHealthy: 0,
      desiredHealthy: 1,
      expectedPods: 0,
      conditions: [['DisruptionAllowed', 'False', 'InsufficientPods', '']],
    });
    expect(await events('nobody')).to.deep.equal(['Normal NoPods: No matching pods found']);
  });
});
