// Events expire an hour after they were last written, as kube-apiserver's --event-ttl has etcd
// drop them, so a long-running cluster's events stay bounded.

import type { ControllerDescriptor, Identity } from './controller.js';

/** --event-ttl */
const eventTTLMs = 60 * 60_000;

const apiServerIdentity: Identity = {
  user: { username: 'system:apiserver', uid: '', groups: ['system:authenticated', 'system:masters'] },
  fieldManager: 'kube-apiserver',
};

/** The one key this controller reconciles: expire what is due, then wait for the next. */
const expireKey = 'expire';

export const eventTTL: ControllerDescriptor = {
  name: 'event-ttl',
  create(env) {
    const { services } = env;
    const client = env.client(apiServerIdentity);
    /**
     * When each event was last written, by the clock, oldest first: the TTL is the same for every
     * event, so they expire in this order and one requeue serves them all.
     */
    const writtenAt = new Map<string, number>();
    const written = (key: string) => {
      writtenAt.delete(key);
      writtenAt.set(key, services.clock.now().getTime());
    };
    return {
      watches: [
        {
          resource: 'events',
          map(event) {
            const waiting = writtenAt.size > 0;
            if (event.type === 'DELETED') writtenAt.delete(event.object.key);
            else written(event.object.key);
            // With events already waiting, a requeue for the oldest is pending and comes no later.
            return waiting ? [] : [expireKey];
          },
        },
      ],
      initialKeys: () => {
        for (const event of services.store.list('events')) written(event.key);
        return [expireKey];
      },
      reconcile() {
        const now = services.clock.now().getTime();
        for (const [key, at] of writtenAt) {
          const left = at + eventTTLMs - now;
          if (left > 0) return { requeueAfterMs: left };
          writtenAt.delete(key);
          const event = services.store.get('events', key);
          if (event) client.delete('events', event.namespace, event.name, { preconditions: { uid: event.object.metadata.uid } });
        }
        return undefined;
      },
    };
  },
};
