// Finishes namespace deletion, as kube-controller-manager's namespace controller does: deletes every
// namespaced object in a terminating namespace, waits for them to be gone, then clears
// spec.finalizers through /finalize so the namespace itself goes.

import { resourceKey } from '../registry/types.js';
import { controllerManagerIdentity, type ControllerDescriptor } from './controller.js';

/** How often a namespace whose content is still going is looked at again. */
const recheckMs = 500;

export const namespaceController: ControllerDescriptor = {
  name: 'namespace-controller',
  aliases: ['namespace'],
  create(env) {
    const { services } = env;
    const client = env.client(controllerManagerIdentity('namespace-controller'));
    return {
      for: 'namespaces',
      // Content leaving a terminating namespace lets its deletion move on.
      watches: [{ resource: '*', map: (event) => (event.type === 'DELETED' && event.object.namespace ? [event.object.namespace] : []) }],
      reconcile(name) {
        const ns = client.get('namespaces', '', name);
        if (!ns?.object.metadata.deletionTimestamp) return undefined;
        const resources = new Set<string>();
        for (const def of services.registry.all()) if (def.namespaced && def.verbs.includes('delete')) resources.add(resourceKey(def));
        let remaining = false;
        for (const resource of resources) {
          for (const item of client.list(resource, name)) {
            remaining = true;
            if (!item.object.metadata.deletionTimestamp) client.delete(resource, name, item.name);
          }
        }
        if (remaining) return { requeueAfterMs: recheckMs };
        client.update(ns, (finalized) => (finalized.spec = { ...(finalized.spec as object), finalizers: [] }), 'finalize');
        return undefined;
      },
    };
  },
};
