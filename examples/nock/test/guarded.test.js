import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { cluster } from './hooks.js';

describe('with the network closed except to kubemock', () => {
  it('talks to kubemock', async () => {
    const core = cluster.kubeConfig(k8s.KubeConfig).makeApiClient(k8s.CoreV1Api);
    const names = (await core.listNamespace()).items.map((ns) => ns.metadata.name);
    assert.ok(names.includes('default'));
  });

  it('refuses a cluster address that is not kubemock before anything is sent', async () => {
    const elsewhere = new k8s.KubeConfig();
    elsewhere.loadFromString(cluster.kubeconfig.replace(cluster.url, 'https://kubernetes.default.svc:443'));
    await assert.rejects(elsewhere.makeApiClient(k8s.CoreV1Api).listNamespace(), /Disallowed net connect|NetConnectNotAllowedError/);
  });
});
