/**
 * @jest-environment ./kubemock-environment.js
 */
// Gets a cluster of its own from the test environment, with the testkit's reset and request log.
/* global kubemock */
import * as k8s from '@kubernetes/client-node';

let core;
beforeAll(() => {
  core = kubemock.kubeConfig(k8s.KubeConfig).makeApiClient(k8s.CoreV1Api);
});
beforeEach(() => kubemock.reset());

test('records what the code under test did', async () => {
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } }, fieldManager: 'my-app' });
  expect(kubemock.requests.find({ verb: 'create' }).map((r) => r.fieldManager)).toEqual(['my-app']);
});

test('starts from a fresh cluster', async () => {
  expect(kubemock.requests.count()).toBe(0);
  const names = (await core.listNamespacedConfigMap({ namespace: 'default' })).items.map((cm) => cm.metadata.name);
  expect(names).not.toContain('a');
});
