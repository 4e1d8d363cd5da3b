// Events expire an hour after their last write, as kube-apiserver's --event-ttl (default 1h) has
// etcd drop them; watchers see them deleted.

import { expect } from 'chai';
import { ManualClock } from '../testkit/index.js';
import { startCluster, type TestCluster } from './support/cluster.js';
import { advance, wallClockStart } from './support/step.js';

type Json = Record<string, any>;

describe('event TTL', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  const minute = 60_000;
  const path = (name: string) => `/api/v1/namespaces/default/events/${name}`;
  const create = (name: string) =>
    cluster.request('/api/v1/namespaces/default/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ metadata: { name }, involvedObject: { kind: 'Pod', namespace: 'default', name: 'web' }, reason: 'Testing', message: 'once', type: 'Normal', count: 1 }),
    });

  beforeEach(async () => {
    clock = new ManualClock(wallClockStart());
    cluster = await startCluster({ clock, nodes: 0 });
    await cluster.server.controllers.settle();
  });
  afterEach(() => cluster.stop());

  it('deletes an event an hour after it was written, and shows watchers the deletion', async () => {
    const deleted: string[] = [];
    cluster.server.services.store.subscribe((event) => {
      if (event.resource === 'events' && event.type === 'DELETED') deleted.push(event.object.name);
    });
    expect((await create('early')).status).to.equal(201);
    await advance(cluster.server, clock, 30 * minute);
    expect((await create('late')).status).to.equal(201);
    await advance(cluster.server, clock, 30 * minute - 1000);
    expect((await cluster.request(path('early'))).status).to.equal(200);
    await advance(cluster.server, clock, 1000);
    expect((await cluster.request(path('early'))).status).to.equal(404);
    expect((await cluster.request(path('late'))).status).to.equal(200);
    expect(deleted).to.deep.equal(['early']);
  });

  it('counts the hour from the last update, as each write renews the lease', async () => {
    await create('repeated');
    await advance(cluster.server, clock, 50 * minute);
    const updated = await cluster.request(path('repeated'), {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ count: 2, message: 'twice' }),
    });
    expect(((await updated.json()) as Json).count).to.equal(2);
    await advance(cluster.server, clock, 59 * minute);
    expect((await cluster.request(path('repeated'))).status).to.equal(200);
    await advance(cluster.server, clock, minute);
    expect((await cluster.request(path('repeated'))).status).to.equal(404);
  });
  it('deletes each event exactly an hour after its last write, whatever mix of writes and deletions came between', async () => {
    const { objects, registry, store } = cluster.server.services;
    const events = registry.find('', 'v1', 'events')!;
    const body = (name: string, count: number) => ({ metadata: { name }, involvedObject: { kind: 'Pod', namespace: 'default', name: 'web' }, reason: 'Testing', message: `${count}`, type: 'Normal', count });
    const lastWrite = new Map<string, number>();
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let step = 0; step < 400; step++) {
      const name = `e${random(12)}`;
      const now = clock.now().getTime();
      const choice = random(10);
      if (choice < 6) {
        if (lastWrite.has(name)) objects.update(events, 'default', name, body(name, step));
        else objects.create(events, 'default', body(name, step));
        lastWrite.set(name, now);
      } else if (choice < 7) {
        if (lastWrite.has(name)) objects.delete(events, 'default', name);
        lastWrite.delete(name);
      } else {
        await advance(cluster.server, clock, random(3) * minute * 10 + random(2) * (60 * minute - 1));
        for (const [name, at] of lastWrite) if (at + 60 * minute <= clock.now().getTime()) lastWrite.delete(name);
        const stored = store.list('events').map((e) => e.name).filter((n) => /^e\d+$/.test(n)).sort();
        expect(stored, `at step ${step}`).to.deep.equal([...lastWrite.keys()].sort());
      }
    }
  });

  it('keeps expiring on time while one event is rewritten far more often than there are events', async () => {
    const { objects, registry } = cluster.server.services;
    const events = registry.find('', 'v1', 'events')!;
    const body = (name: string, count: number) => ({ metadata: { name }, involvedObject: { kind: 'Pod', namespace: 'default', name: 'web' }, reason: 'Testing', message: `${count}`, type: 'Normal', count });
    objects.create(events, 'default', body('steady', 1));
    objects.create(events, 'default', body('busy', 1));
    for (let count = 2; count < 3000; count++) objects.update(events, 'default', 'busy', body('busy', count));
    await advance(cluster.server, clock, 30 * minute);
    objects.update(events, 'default', 'busy', body('busy', 3000));
    await advance(cluster.server, clock, 30 * minute - 1);
    expect((await cluster.request(path('steady'))).status).to.equal(200);
    await advance(cluster.server, clock, 1);
    expect((await cluster.request(path('steady'))).status).to.equal(404);
    await advance(cluster.server, clock, 30 * minute - 1);
    expect((await cluster.request(path('busy'))).status).to.equal(200);
    await advance(cluster.server, clock, 1);
    expect((await cluster.request(path('busy'))).status).to.equal(404);
  });
});
