// The kubeconfig kubemock hands out: cluster, user and context all named kubemock. Written by hand
// (values as JSON strings, which YAML reads as double-quoted scalars) so that start-up does not
// have to load a YAML library.

export interface KubeconfigInput {
  server: string;
  token: string;
  /** PEM of the CA that signed the serving certificate; absent for plain HTTP. */
  caCert?: string;
}

export function kubeconfigYaml(input: KubeconfigInput): string {
  const q = JSON.stringify;
  const lines = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: kubemock',
    '    cluster:',
    `      server: ${q(input.server)}`,
  ];
  if (input.caCert) lines.push(`      certificate-authority-data: ${q(Buffer.from(input.caCert).toString('base64'))}`);
  lines.push(
    'users:',
    '  - name: kubemock',
    '    user:',
    `      token: ${q(input.token)}`,
    'contexts:',
    '  - name: kubemock',
    '    context:',
    '      cluster: kubemock',
    '      user: kubemock',
    '      namespace: default',
    'current-context: kubemock',
    'preferences: {}',
  );
  return `${lines.join('\n')}\n`;
}
