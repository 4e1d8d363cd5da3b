// ESM under --experimental-vm-modules: the test file imports the testkit and starts its own cluster.
import * as k8s from '@kubernetes/client-node';
import { startKubemock, WaitTimeoutError } from 'kubemock/testkit';

let cluster;
let core;
beforeAll(async () => {
  cluster = await startKubemock({ objects: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'seeded' }, data: { a: '1' } } });
  core = cluster.kubeConfig(k8s.KubeConfig).makeApiClient(k8s.CoreV1Api);
});
afterAll(() => cluster.close());

test('serves the seeded objects and writes through the full API', async () => {
  expect((await core.readNamespacedConfigMap({ name: 'seeded', namespace: 'default' })).data).toEqual({ a: '1' });
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'written' }, data: { b: '2' } } });
  await expect(cluster.waitFor({ kind: 'ConfigMap', name: 'written' }, (cm) => cm.data.b === '2')).resolves.toBeTruthy();
});

test('answers an injected 429 with Retry-After', async () => {
  cluster.faults.inject({ verb: 'get', name: 'seeded' }, { status: 429, retryAfterSeconds: 2 }, { times: 1 });
  await expect(core.readNamespacedConfigMap({ name: 'seeded', namespace: 'default' })).rejects.toMatchObject({ code: 429 });
});

test('rejects a wait that times out with a WaitTimeoutError, an Error of this file', async () => {
  const err = await cluster.waitFor({ kind: 'ConfigMap', name: 'never-written' }, () => true, { timeout: '100ms' }).catch((e) => e);
  expect(err).toBeInstanceOf(WaitTimeoutError);
  // jest runs this file in a realm of its own: kubemock's errors must be of that realm's Error.
  expect(err).toBeInstanceOf(Error);
});
