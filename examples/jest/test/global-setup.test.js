// Uses the run-wide cluster of globalSetup through KUBECONFIG.
import * as k8s from '@kubernetes/client-node';

test('reaches the cluster globalSetup started', async () => {
  const config = new k8s.KubeConfig();
  config.loadFromDefault();
  const core = config.makeApiClient(k8s.CoreV1Api);
  const names = (await core.listNamespace()).items.map((ns) => ns.metadata.name);
  expect(names).toEqual(expect.arrayContaining(['default', 'kube-system']));
});
