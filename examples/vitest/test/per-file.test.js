// A cluster of this file's own, reset between tests.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { startKubemock } from 'kubemock/testkit';

let cluster;
let core;
beforeAll(async () => {
  cluster = await startKubemock();
  core = cluster.kubeConfig(k8s.KubeConfig).makeApiClient(k8s.CoreV1Api);
});
afterAll(() => cluster.close());
beforeEach(() => cluster.reset());

test('seeds YAML through the API', async () => {
  await cluster.seed(`
apiVersion: v1
kind: Namespace
metadata: { name: shop }
---
apiVersion: v1
kind: Secret
metadata: { name: creds, namespace: shop }
stringData: { password: hunter2 }
`);
  const secret = await core.readNamespacedSecret({ name: 'creds', namespace: 'shop' });
  expect(Buffer.from(secret.data.password, 'base64').toString()).toBe('hunter2');
});

test('waits for a deletion', async () => {
  await cluster.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'temp' } });
  const gone = cluster.waitForDeletion({ kind: 'ConfigMap', name: 'temp' });
  await core.deleteNamespacedConfigMap({ name: 'temp', namespace: 'default' });
  await gone;
  expect(cluster.get({ kind: 'ConfigMap', name: 'temp' })).toBeUndefined();
});
