// The state of a fresh cluster: the four system namespaces, the `kubernetes` Service and the
// component statuses of a healthy control plane.

import type { Services } from './services.js';

const systemNamespaces = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];
const manager = { fieldManager: 'kube-apiserver' };

export function seedCluster(services: Services): void {
  const namespaces = services.registry.find('', 'v1', 'namespaces')!;
  const serviceDef = services.registry.find('', 'v1', 'services')!;
  const componentStatuses = services.registry.find('', 'v1', 'componentstatuses')!;
  for (const name of ['controller-manager', 'etcd-0', 'scheduler']) {
    services.objects.create(componentStatuses, '', { metadata: { name }, conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] }, manager);
  }
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
