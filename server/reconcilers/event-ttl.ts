// Events expire an hour after they were last written, as kube-apiserver's --event-ttl has etcd
// drop them, so a long-running cluster's events stay bounded.

import type { StoreEvent } from '../store/memory-store.js';
import type { ControllerDescriptor, Identity } from './controller.js';

/** --event-ttl */
const eventTTLMs = 60 * 60_000;

const apiServerIdentity: Identity = {
  user: { username: 'system:apiserver', uid: '', groups: ['system:authenticated', 'system:masters'] },
  fieldManager: 'kube-apiserver',
};

/** The one key this controller reconciles: expire what is due, then wait for the next. */
const expireKey = 'expire';

/**
 * The events' writes in the order they were made: each one's key, resourceVersion and clock time,
 * side by side in plain arrays rather than an entry per event in a Map. The TTL is the same for every
 * event, so they expire in this order; a write is superseded once its event was written again or
 * deleted (the stored version is another), and is then passed over.
 */
class WriteLog {
  private keys: string[] = [];
  private versions: Float64Array = new Float64Array(1024);
  private times: Float64Array = new Float64Array(1024);
  private head = 0;

  get length(): number {
    return this.keys.length - this.head;
  }

  push(key: string, version: number, at: number): void {
    const end = this.keys.length;
    if (end === this.versions.length) {
      this.versions = grown(this.versions, end * 2);
      this.times = grown(this.times, end * 2);
    }
    this.keys.push(key);
    this.versions[end] = version;
    this.times[end] = at;
  }

  /** The oldest write, undefined when there is none. */
  firstKey(): string | undefined {
    return this.keys[this.head];
  }

  firstVersion(): number {
    return this.versions[this.head];
  }

  firstTime(): number {
    return this.times[this.head];
  }

  shift(): void {
    this.head++;
    if (this.head === this.keys.length) this.keep(() => false);
    else if (this.head >= 1024 && this.head * 2 >= this.keys.length) this.keep(() => true);
  }

  /** Keeps, in order, the writes `current` says are still their event's last. */
  keep(current: (key: string, version: number) => boolean): void {
    let out = 0;
    for (let i = this.head; i < this.keys.length; i++) {
      if (!current(this.keys[i], this.versions[i])) continue;
      this.keys[out] = this.keys[i];
      this.versions[out] = this.versions[i];
      this.times[out] = this.times[i];
      out++;
    }
    this.keys.length = out;
    this.head = 0;
  }
}

function grown(values: Float64Array, length: number): Float64Array {
  const larger = new Float64Array(length);
  larger.set(values);
  return larger;
}

export const eventTTL: ControllerDescriptor = {
  name: 'event-ttl',
  create(env) {
    const { services } = env;
    const client = env.client(apiServerIdentity);
    const writes = new WriteLog();
    /** How many events the log holds a current write of: every stored one but the one being expired. */
    let waiting = 0;
    /** The event being deleted for its TTL: no longer waiting when its deletion is seen. */
    let expiring: string | undefined;
    const current = (key: string, version: number) => services.store.get('events', key)?.resourceVersion === version;
    const written = (event: StoreEvent['object']) => {
      writes.push(event.key, event.resourceVersion, services.clock.now().getTime());
      // Superseded writes are dropped once they outnumber the current ones, so the log stays within twice the events.
      if (writes.length > 2 * waiting + 1024) writes.keep(current);
    };
    return {
      watches: [
        {
          resource: 'events',
          map(event) {
            const wasWaiting = waiting > 0;
            if (event.type === 'DELETED') {
              if (event.object.key !== expiring) waiting--;
            } else {
              if (event.type === 'ADDED') waiting++;
              written(event.object);
            }
            // With events already waiting, a requeue for the oldest is pending and comes no later.
            return wasWaiting ? [] : [expireKey];
          },
        },
      ],
      initialKeys: () => {
        for (const event of services.store.list('events')) {
          waiting++;
          written(event);
        }
        return [expireKey];
      },
      reconcile() {
        const now = services.clock.now().getTime();
        for (let key = writes.firstKey(); key !== undefined; key = writes.firstKey()) {
          const event = services.store.get('events', key);
          if (event?.resourceVersion !== writes.firstVersion()) {
            writes.shift();
            continue;
          }
          const left = writes.firstTime() + eventTTLMs - now;
          if (left > 0) return { requeueAfterMs: left };
          writes.shift();
          waiting--;
          expiring = key;
          try {
            client.delete('events', event.namespace, event.name, { preconditions: { uid: event.object.metadata.uid } });
          } finally {
            expiring = undefined;
          }
        }
        return undefined;
      },
    };
  },
};
