import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { startKubemock } from 'kubemock/testkit';

let cluster;
let core;
before(async () => {
  cluster = await startKubemock();
  core = cluster.kubeConfig(k8s.KubeConfig).makeApiClient(k8s.CoreV1Api);
});
after(() => cluster.close());
beforeEach(() => cluster.reset());

test('lists the namespaces of a fresh cluster', async () => {
  const names = (await core.listNamespace()).items.map((ns) => ns.metadata.name);
  assert.deepEqual(names, ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
});

test('nothing is written while the code under test is idle', async () => {
  await cluster.expectNoRequests({ verb: ['create', 'update', 'patch', 'delete'] }, '50ms');
});

test('runs a second, separate cluster beside the first', async () => {
  const other = await startKubemock();
  try {
    const otherCore = other.kubeConfig(k8s.KubeConfig).makeApiClient(k8s.CoreV1Api);
    await otherCore.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'only-there' } } });
    assert.equal(cluster.get({ kind: 'ConfigMap', name: 'only-there' }), undefined);
    assert.ok(other.get({ kind: 'ConfigMap', name: 'only-there' }));
  } finally {
    await other.close();
  }
});
