// globalSetup: one kubemock for the run; test files get its kubeconfig with inject('kubeconfig').
import { startKubemock } from 'kubemock/testkit';

export default async function setup({ provide }) {
  const cluster = await startKubemock();
  provide('kubeconfig', cluster.kubeconfig);
  return () => cluster.close();
}
