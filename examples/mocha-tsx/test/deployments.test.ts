// TypeScript tests run straight from source with tsx; a cluster per file.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startKubemock, type Kubemock } from 'kubemock/testkit';

describe('deployments', () => {
  let cluster: Kubemock;
  let apps: k8s.AppsV1Api;
  before(async () => {
    cluster = await startKubemock();
    apps = cluster.kubeConfig(k8s.KubeConfig).makeApiClient(k8s.AppsV1Api);
  });
  after(() => cluster.close());
  beforeEach(() => cluster.reset());

  it('defaults a deployment the way kube-apiserver does', async () => {
    const created = await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'web' },
        spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
      },
    });
    assert.equal(created.spec?.strategy?.type, 'RollingUpdate');
    assert.equal(created.spec?.revisionHistoryLimit, 10);
  });

  it('applies with server-side apply and a field manager', async () => {
    const [applied] = await cluster.apply(
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', labels: { tier: 'backend' } }, spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'api:1' }] } } } },
      { fieldManager: 'deploy-tool' },
    );
    assert.deepEqual(applied.metadata.managedFields?.map((m) => (m as { manager: string }).manager), ['deploy-tool']);
  });
});
