import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { startCluster, withoutWorkloadControllers, type TestCluster } from '../support/cluster.js';
import { expectStatus } from '../support/status.js';
import { waitFor } from '../support/wait.js';

const web = { app: 'web' };

describe('policy/v1', () => {
  let cluster: TestCluster;
  let policy: k8s.PolicyV1Api;
  before(async () => {
    // The specs write budget status by hand, as the disruption controller would.
    cluster = await startCluster({ controllers: withoutWorkloadControllers });
    policy = cluster.kubeconfig.makeApiClient(k8s.PolicyV1Api);
  });
  after(() => cluster.stop());

  async function readyPod(name: string, finalizers?: string[]): Promise<void> {
    await cluster.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name, labels: web, finalizers }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } } });
    await waitFor(async () => {
      const pod = await cluster.core.readNamespacedPod({ name, namespace: 'default' });
      return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    });
  }

  it('creates, patches, prints and deletes PodDisruptionBudgets through PolicyV1Api and kubectl', async () => {
    const created = await policy.createNamespacedPodDisruptionBudget({
      namespace: 'default',
      body: { metadata: { name: 'quarter' }, spec: { maxUnavailable: '25%', selector: { matchLabels: { app: 'db' } } } },
    });
    expect(created.metadata?.generation).to.equal(1);
    expect(created.status).to.deep.equal({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
    const patched = await policy.patchNamespacedPodDisruptionBudget({ name: 'quarter', namespace: 'default', body: [{ op: 'replace', path: '/spec/maxUnavailable', value: 1 }] });
    expect(patched.spec?.maxUnavailable).to.equal(1);
    expect(patched.metadata?.generation).to.equal(2);

    const both = await expectStatus(
      policy.createNamespacedPodDisruptionBudget({ namespace: 'default', body: { metadata: { name: 'both' }, spec: { minAvailable: 1, maxUnavailable: '10%' } } }),
      422,
      'Invalid',
    );
    // Go prints the two pointers' addresses.
    const causes = both.details.causes.map((c: { message: string }) => ({ ...c, message: c.message.replace(/0x[0-9a-f]+/g, '<address>') }));
    expect(causes).to.deep.equal([
      {
        reason: 'FieldValueInvalid',
        field: 'spec',
        message:
          'Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:(*intstr.IntOrString)(<address>), Selector:(*v1.LabelSelector)(nil), MaxUnavailable:(*intstr.IntOrString)(<address>), UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)(nil)}: minAvailable and maxUnavailable cannot be both set',
      },
    ]);

    const { stdout, stderr } = await cluster.kubectl(['get', 'pdb', 'quarter']);
    expect(stdout.split('\n')[0], stderr).to.match(/^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE$/);
    expect(stdout.split('\n')[1]).to.match(/^quarter\s+N\/A\s+1\s+0\s+\d+s$/);
    await policy.deleteNamespacedPodDisruptionBudget({ name: 'quarter', namespace: 'default' });
    const list = await policy.listNamespacedPodDisruptionBudget({ namespace: 'default' });
    expect(list.items.map((p) => p.metadata?.name)).to.not.include('quarter');
  });

  it('evicts pods through CoreV1Api only as far as their disruption budget allows', async () => {
    // A finalizer keeps the evicted pod readable after the kubelet is done with it.
    await readyPod('web-1', ['example.com/hold']);
    await readyPod('web-2');
    await policy.createNamespacedPodDisruptionBudget({ namespace: 'default', body: { metadata: { name: 'web' }, spec: { minAvailable: 1, selector: { matchLabels: web } } } });
    const eviction = (name: string) => cluster.core.createNamespacedPodEviction({ name, namespace: 'default', body: { metadata: { name } } });

    const unseen = await expectStatus(eviction('web-1'), 429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.");
    expect(unseen.details).to.deep.equal({ causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web is still being processed by the server.' }], retryAfterSeconds: 10 });

    // What the disruption controller would write: two healthy pods, one may go.
    const status = { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 };
    await policy.patchNamespacedPodDisruptionBudgetStatus({ name: 'web', namespace: 'default', body: [{ op: 'replace', path: '/status', value: status }] });

    await eviction('web-1');
    const budget = await policy.readNamespacedPodDisruptionBudget({ name: 'web', namespace: 'default' });
    expect(budget.status?.disruptionsAllowed).to.equal(0);
    expect(Object.keys(budget.status?.disruptedPods ?? {})).to.deep.equal(['web-1']);
    expect(budget.status?.conditions?.map((c) => [c.type, c.status, c.reason])).to.deep.equal([['DisruptionAllowed', 'False', 'InsufficientPods']]);
    const evicted = await cluster.core.readNamespacedPod({ name: 'web-1', namespace: 'default' });
    expect(evicted.metadata?.deletionTimestamp).to.not.equal(undefined);
    expect(evicted.status?.conditions?.find((c) => c.type === 'DisruptionTarget')).to.include({ status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' });

    const refused = await expectStatus(eviction('web-2'), 429, 'TooManyRequests');
    expect(refused.details.causes).to.deep.equal([{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 1 healthy pods and has 2 currently' }]);
    await cluster.core.patchNamespacedPod({ name: 'web-1', namespace: 'default', body: [{ op: 'remove', path: '/metadata/finalizers' }] });
    await waitFor(async () => (await cluster.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' })).items.map((p) => p.metadata?.name).join() === 'web-2');
  });
});
