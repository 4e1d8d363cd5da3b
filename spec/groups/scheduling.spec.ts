import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { ManualClock } from '../../testkit/index.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { expectStatus } from '../support/status.js';
import { aligned } from '../support/tables.js';

describe('scheduling.k8s.io/v1', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  let scheduling: k8s.SchedulingV1Api;
  before(async () => {
    clock = new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000));
    cluster = await startCluster({ clock });
    scheduling = cluster.kubeconfig.makeApiClient(k8s.SchedulingV1Api);
  });
  after(() => cluster.stop());


  it('creates, lists and deletes PriorityClasses through SchedulingV1Api and keeps the system ones', async () => {
    const created = await scheduling.createPriorityClass({ body: { metadata: { name: 'batch-low' }, value: -10, description: 'background work' } });
    expect(created).to.include({ value: -10, preemptionPolicy: 'PreemptLowerPriority' });
    expect(created.metadata?.generation).to.equal(1);
    const names = (await scheduling.listPriorityClass()).items.map((pc) => pc.metadata?.name);
    expect(names).to.deep.equal(['batch-low', 'system-cluster-critical', 'system-node-critical']);
    await expectStatus(
      scheduling.deletePriorityClass({ name: 'system-node-critical' }),
      403,
      'Forbidden',
      'priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: this is a system priority class and cannot be deleted',
    );
    await scheduling.deletePriorityClass({ name: 'batch-low' });
  });

  it('brings the system classes back with a reset, with fresh uids', async () => {
    const before = await scheduling.readPriorityClass({ name: 'system-cluster-critical' });
    cluster.server.reset();
    const after = await scheduling.readPriorityClass({ name: 'system-cluster-critical' });
    expect(after.value).to.equal(2000000000);
    expect(after.metadata?.uid).not.to.equal(before.metadata?.uid);
  });

  it('prints priority classes as kubectl get does against kube-apiserver 1.32.13', async () => {
    const made = await cluster.kubectl(['create', 'priorityclass', 'kc-high', '--value=1000', '--description=high priority', '--preemption-policy=Never']);
    expect(made.stdout, made.stderr).to.equal('priorityclass.scheduling.k8s.io/kc-high created\n');
    await cluster.kubectl(['create', 'priorityclass', 'kc-def', '--value=10', '--global-default']);
    // The reset above created the system classes at this same instant.
    clock.advance(34 * 60_000);
    const { stdout, stderr } = await cluster.kubectl(['get', 'pc']);
    expect(stdout, stderr).to.equal(
      aligned([
        ['NAME', 'VALUE', 'GLOBAL-DEFAULT', 'AGE', 'PREEMPTIONPOLICY'],
        ['kc-def', '10', 'true', '34m', 'PreemptLowerPriority'],
        ['kc-high', '1000', 'false', '34m', 'Never'],
        ['system-cluster-critical', '2000000000', 'false', '34m', 'PreemptLowerPriority'],
        ['system-node-critical', '2000001000', 'false', '34m', 'PreemptLowerPriority'],
      ]),
    );
  });
});
