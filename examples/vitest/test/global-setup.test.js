import * as k8s from '@kubernetes/client-node';
import { expect, inject, test } from 'vitest';

test('reaches the cluster globalSetup started', async () => {
  const config = new k8s.KubeConfig();
  config.loadFromString(inject('kubeconfig'));
  const names = (await config.makeApiClient(k8s.CoreV1Api).listNamespace()).items.map((ns) => ns.metadata.name);
  expect(names).toContain('kube-system');
});
