// The state of a fresh cluster: the four system namespaces and the `kubernetes` Service.

import type { Services } from './services.js';

const systemNamespaces = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];
const manager = { fieldManager: 'kube-apiserver' };

export function seedCluster(services: Services): void {
  const namespaces = services.registry.find('', 'v1', 'namespaces')!;
  const serviceDef = services.registry.find('', 'v1', 'services')!;
  for (const name of systemNamespaces) services.objects.create(namespaces, '', { metadata: { name } }, manager);
  services.objects.create(
    serviceDef,
    'default',
    {
      metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }], sessionAffinity: 'None', type: 'ClusterIP' },
    },
    manager,
  );
}
