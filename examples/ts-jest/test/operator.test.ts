// TypeScript through ts-jest: the testkit's types check with skipLibCheck off and no Koa types.
import { afterAll, beforeAll, beforeEach, expect, test } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { startKubemock, WaitTimeoutError, type Kubemock, type ManualClock } from 'kubemock/testkit';

let cluster: Kubemock<ManualClock>;
let apps: k8s.AppsV1Api;

beforeAll(async () => {
  cluster = await startKubemock({ clock: 'manual' });
  apps = cluster.kubeConfig(k8s.KubeConfig).makeApiClient(k8s.AppsV1Api);
});
afterAll(() => cluster.close());
beforeEach(() => cluster.reset());

const deployment: k8s.V1Deployment = {
  metadata: { name: 'web' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
  },
};

test('stamps objects with the manual clock', async () => {
  cluster.clock.advance('90s');
  const created = await apps.createNamespacedDeployment({ namespace: 'default', body: deployment });
  expect(created.metadata?.creationTimestamp?.toISOString()).toBe('2024-01-01T00:01:30.000Z');
});

test('says what it waited for when a wait times out', async () => {
  await cluster.apply({ apiVersion: 'apps/v1', kind: 'Deployment', ...deployment }, { fieldManager: 'ts-jest-example' });
  const waiting = cluster.waitFor({ kind: 'Deployment', name: 'web' }, (d) => (d.metadata.labels ?? {}).ready === 'yes', { timeout: 50 });
  await expect(waiting).rejects.toBeInstanceOf(WaitTimeoutError);
});

test('await using closes a cluster at the end of its block', async () => {
  let url: string;
  {
    await using scratch = await startKubemock();
    url = scratch.url;
    expect(scratch.get({ kind: 'Namespace', name: 'default' })?.metadata.name).toBe('default');
  }
  await expect(fetch(`${url}/readyz`)).rejects.toThrow();
});
