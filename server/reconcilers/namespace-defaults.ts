// Every active namespace gets the `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap, as
// kube-controller-manager's serviceaccount and root-ca-certificate-publisher controllers make them.

import { jsonEqual } from '../json.js';
import { StatusError } from '../errors.js';
import { controllerManagerIdentity, type ControllerDescriptor } from './controller.js';
import type { StoreEvent } from '../store/memory-store.js';

const rootCAName = 'kube-root-ca.crt';
const descriptionAnnotation = 'kubernetes.io/description';
const description =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

/** A create refused because the namespace is gone or terminating is nothing to retry. */
function ignoringGoneNamespace(create: () => void): void {
  try {
    create();
  } catch (err) {
    if (!(err instanceof StatusError)) throw err;
    const terminating = err.status.details?.causes?.some((c) => c.reason === 'NamespaceTerminating');
    if (err.code === 404 || err.code === 409 || terminating) return;
    throw err;
  }
}

const namespaceOf = (event: StoreEvent) => [event.object.namespace];

export const serviceAccountController: ControllerDescriptor = {
  name: 'serviceaccount-controller',
  aliases: ['serviceaccount'],
  create(env) {
    const client = env.client(controllerManagerIdentity('service-account-controller'));
    return {
      for: 'namespaces',
      watches: [{ resource: 'serviceaccounts', map: (event) => (event.type === 'DELETED' ? namespaceOf(event) : []) }],
      reconcile(namespace) {
        const ns = client.get('namespaces', '', namespace);
        if (!ns || (ns.object.status as { phase?: string } | undefined)?.phase !== 'Active') return;
        if (client.get('serviceaccounts', namespace, 'default')) return;
        ignoringGoneNamespace(() => client.create('serviceaccounts', namespace, { metadata: { name: 'default' } }));
      },
    };
  },
};

export const rootCACertificatePublisher: ControllerDescriptor = {
  name: 'root-ca-certificate-publisher-controller',
  aliases: ['root-ca-cert-publisher'],
  create(env) {
    const client = env.client(controllerManagerIdentity('root-ca-cert-publisher'));
    const data = { 'ca.crt': env.ca?.cert ?? '' };
    return {
      for: 'namespaces',
      watches: [{ resource: 'configmaps', map: (event) => (event.object.name === rootCAName ? namespaceOf(event) : []) }],
      reconcile(namespace) {
        const ns = client.get('namespaces', '', namespace);
        if (!ns || (ns.object.status as { phase?: string } | undefined)?.phase !== 'Active') return;
        const existing = client.get('configmaps', namespace, rootCAName);
        if (!existing) {
          ignoringGoneNamespace(() =>
            client.create('configmaps', namespace, { metadata: { name: rootCAName, annotations: { [descriptionAnnotation]: description } }, data }),
          );
          return;
        }
        if (jsonEqual(existing.object.data, data) && existing.object.metadata.annotations?.[descriptionAnnotation]) return;
        client.update(existing, (cm) => {
          cm.data = data;
          cm.metadata.annotations = { ...cm.metadata.annotations, [descriptionAnnotation]: description };
        });
      },
    };
  },
};
