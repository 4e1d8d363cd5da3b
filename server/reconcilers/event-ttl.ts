// Events expire an hour after they were last written, as kube-apiserver's --event-ttl has etcd
// drop them, so a long-running cluster's events stay bounded.

import type { ControllerDescriptor, Identity } from './controller.js';

/** --event-ttl */
const eventTTLMs = 60 * 60_000;

const apiServerIdentity: Identity = {
  user: { username: 'system:apiserver', uid: '', groups: ['system:authenticated', 'system:masters'] },
  fieldManager: 'kube-apiserver',
};

export const eventTTL: ControllerDescriptor = {
  name: 'event-ttl',
  create(env) {
    const { services } = env;
    const client = env.client(apiServerIdentity);
    /** When each event was last written, by the clock. */
    const writtenAt = new Map<string, number>();
    return {
      watches: [
        {
          resource: 'events',
          map(event) {
            if (event.type === 'DELETED') {
              writtenAt.delete(event.object.key);
              return [];
            }
            writtenAt.set(event.object.key, services.clock.now().getTime());
            return [event.object.key];
          },
        },
      ],
      initialKeys: () => services.store.list('events').map((e) => e.key),
      reconcile(key) {
        const event = services.store.get('events', key);
        if (!event) return undefined;
        const written = writtenAt.get(key) ?? services.clock.now().getTime();
        writtenAt.set(key, written);
        const left = written + eventTTLMs - services.clock.now().getTime();
        if (left > 0) return { requeueAfterMs: left };
        writtenAt.delete(key);
        client.delete('events', event.namespace, event.name, { preconditions: { uid: event.object.metadata.uid } });
        return undefined;
      },
    };
  },
};
