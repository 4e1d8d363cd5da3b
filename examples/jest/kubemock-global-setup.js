// globalSetup: one kubemock for the whole run. Test files run in other contexts (and workers), so
// they reach it through the kubeconfig file named in KUBECONFIG, as any client would.
import { startKubemock } from 'kubemock/testkit';

export default async function globalSetup() {
  const cluster = await startKubemock();
  globalThis.kubemock = cluster;
  process.env.KUBECONFIG = cluster.kubeconfigPath;
}
