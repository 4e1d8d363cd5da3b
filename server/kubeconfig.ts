// The kubeconfig kubemock hands out: cluster, user and context all named kubemock.

import { stringify } from 'yaml';

export interface KubeconfigInput {
  server: string;
  token: string;
  /** PEM of the CA that signed the serving certificate; absent for plain HTTP. */
  caCert?: string;
}

export function kubeconfigYaml(input: KubeconfigInput): string {
  const cluster: Record<string, string> = { server: input.server };
  if (input.caCert) cluster['certificate-authority-data'] = Buffer.from(input.caCert).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kubemock', cluster }],
    users: [{ name: 'kubemock', user: { token: input.token } }],
    contexts: [{ name: 'kubemock', context: { cluster: 'kubemock', user: 'kubemock', namespace: 'default' } }],
    'current-context': 'kubemock',
    preferences: {},
  });
}
