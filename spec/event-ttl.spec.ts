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
});
