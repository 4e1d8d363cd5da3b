// Finishes namespace deletion: deletes every namespaced object in a terminating namespace, waits for
// them to be gone, then clears spec.finalizers through /finalize so the namespace itself goes.

import type { Services } from '../services.js';
import type { Reconcile } from './controller.js';

const retryMs = 500;

export function namespaceDeletion(services: Services): Reconcile {
  const namespaces = services.registry.find('', 'v1', 'namespaces')!;
  return (name) => {
    const ns = services.objects.find(namespaces, '', name);
    if (!ns || !ns.object.metadata.deletionTimestamp) return;
    const namespaced = services.registry.all().filter((def) => def.namespaced && def.verbs.includes('delete'));
    for (const def of namespaced) {
      for (const item of services.objects.listNow(def, name)) {
        if (!item.object.metadata.deletionTimestamp) services.objects.delete(def, name, item.name, { fieldManager: 'kube-controller-manager' });
      }
    }
    if (namespaced.some((def) => services.objects.listNow(def, name).length > 0)) return { requeueAfterMs: retryMs };
    const finalized = JSON.parse(ns.json);
    finalized.spec = { ...finalized.spec, finalizers: [] };
    services.objects.replace(namespaces, ns, finalized, { fieldManager: 'kube-controller-manager', subresource: 'finalize' });
    return undefined;
  };
}
