// Every active namespace gets the `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap,
// as kube-controller-manager's serviceaccount and root-ca-cert-publisher controllers do.

import type { Services } from '../services.js';
import { StatusError } from '../errors.js';
import type { Reconcile } from './controller.js';

const manager = { fieldManager: 'kube-controller-manager' };

export function namespaceDefaults(services: Services, caCert: string): Reconcile {
  const serviceAccounts = services.registry.find('', 'v1', 'serviceaccounts')!;
  const configMaps = services.registry.find('', 'v1', 'configmaps')!;
  const namespaces = services.registry.find('', 'v1', 'namespaces')!;
  const ensure = (create: () => void) => {
    try {
      create();
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 409)) throw err;
    }
  };
  return (namespace) => {
    const ns = services.objects.find(namespaces, '', namespace);
    if (!ns || ns.object.metadata.deletionTimestamp) return;
    if (!services.objects.find(serviceAccounts, namespace, 'default')) {
      ensure(() => services.objects.create(serviceAccounts, namespace, { metadata: { name: 'default' } }, manager));
    }
    if (!services.objects.find(configMaps, namespace, 'kube-root-ca.crt')) {
      ensure(() =>
        services.objects.create(
          configMaps,
          namespace,
          { metadata: { name: 'kube-root-ca.crt', annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } }, data: { 'ca.crt': caCert } },
          { fieldManager: 'kube-controller-manager' },
        ),
      );
    }
  };
}
