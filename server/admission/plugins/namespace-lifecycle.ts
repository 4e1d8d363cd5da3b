// NamespaceLifecycle (apiserver/pkg/admission/plugin/namespace/lifecycle): namespaced writes need
// their namespace to exist, nothing new is created in a terminating namespace, and the system
// namespaces cannot be deleted.

import { errors } from '../../errors.js';
import { admissionForbidden, type AdmissionPlugin } from '../types.js';

const immortalNamespaces = new Set(['default', 'kube-system', 'kube-public']);

export const namespaceLifecycle: AdmissionPlugin = {
  name: 'NamespaceLifecycle',
  operations: ['CREATE', 'UPDATE', 'DELETE'],
  resources: '*',
  subresources: '*',
  admit(request, cluster) {
    const isNamespace = request.definition.group === '' && request.definition.kind === 'Namespace';
    if (isNamespace) {
      if (request.operation === 'DELETE' && immortalNamespaces.has(request.name)) {
        throw errors.forbidden({ group: '', resource: 'namespaces' }, request.name, 'this namespace may not be deleted');
      }
      return;
    }
    // Cluster-scoped objects, deletions and local access reviews do not depend on a namespace.
    if (!request.namespace || request.operation === 'DELETE' || request.resource === 'authorization.k8s.io/localsubjectaccessreviews') return;
    const namespace = cluster.lookup('namespaces', '', request.namespace);
    if (!namespace) throw errors.notFound({ group: '', resource: 'namespaces' }, request.namespace);
    if (request.operation === 'CREATE' && (namespace.status as { phase?: string } | undefined)?.phase === 'Terminating') {
      throw admissionForbidden(request, `unable to create new content in namespace ${request.namespace} because it is being terminated`, [
        { reason: 'NamespaceTerminating', message: `namespace ${request.namespace} is being terminated`, field: 'metadata.namespace' },
      ]);
    }
  },
};
