import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import type { Services } from '../server/services.js';
import { startCluster, type TestCluster } from './support/cluster.js';
import { waitFor } from './support/wait.js';
import { WatchStream } from './support/watch-stream.js';

describe('watch', () => {
  let cluster: TestCluster;
  let services: Services;
  const configmaps = () => services.registry.find('', 'v1', 'configmaps')!;
  const createCM = (namespace: string, name: string, labels?: Record<string, string>, data?: Record<string, string>) =>
    services.objects.create(configmaps(), namespace, { metadata: { name, labels }, data });
  const updateCM = (namespace: string, name: string, change: (o: any) => void) => {
    const current = JSON.parse(services.objects.get(configmaps(), namespace, name).json);
    change(current);
    return services.objects.update(configmaps(), namespace, name, current).result;
  };
  const open = (path: string, headers?: Record<string, string>) => WatchStream.open(cluster.server, path, headers);

  before(async () => {
    cluster = await startCluster({ historySize: 100, watch: { bookmarkIntervalMs: 150 } });
    services = cluster.server.services;
    services.objects.create(services.registry.find('', 'v1', 'namespaces')!, '', { metadata: { name: 'w' } });
  });
  after(() => cluster.stop());

  describe('framing and starting points', () => {
    it('streams newline-delimited JSON with chunked encoding and synthetic ADDED events first', async () => {
      createCM('w', 'first', { app: 'a' });
      const stream = await open('/api/v1/namespaces/w/configmaps?watch=true');
      expect(stream.statusCode).to.equal(200);
      expect(stream.headers['content-type']).to.equal('application/json');
      expect(stream.headers['transfer-encoding']).to.equal('chunked');
      const initial = await stream.waitForEvents(1);
      expect(initial.map((e) => e.type)).to.deep.include('ADDED');
      const first = initial.find((e) => e.object.metadata.name === 'first')!;
      expect(first.object).to.include({ kind: 'ConfigMap', apiVersion: 'v1' });
      const before = stream.events.length;
      const changed = updateCM('w', 'first', (o) => (o.data = { x: '1' }));
      const events = await stream.waitForEvents(before + 1);
      expect(events[before].type).to.equal('MODIFIED');
      expect(events[before].object.metadata.resourceVersion).to.equal(changed.object.metadata.resourceVersion);
      stream.close();
    });

    it('accepts watch=1, the legacy /watch/ paths and a single object by name', async () => {
      createCM('w', 'legacy');
      const one = await open('/api/v1/watch/namespaces/w/configmaps/legacy');
      const byFlag = await open('/api/v1/namespaces/w/configmaps?watch=1&fieldSelector=metadata.name%3Dlegacy');
      for (const stream of [one, byFlag]) {
        const events = await stream.waitForEvents(1);
        expect(events.map((e) => e.object.metadata.name)).to.deep.equal(['legacy']);
        stream.close();
      }
    });

    it('watches cluster-scoped resources and all namespaces', async () => {
      const namespaces = await open('/api/v1/namespaces?watch=true');
      const all = await open('/api/v1/configmaps?watch=true');
      const nsEvents = await namespaces.waitForEvents(5);
      expect(nsEvents.map((e) => e.object.metadata.name)).to.include.members(['default', 'kube-system', 'w']);
      await all.waitForEvents(4);
      expect(new Set(all.events.map((e) => e.object.metadata.namespace)).size).to.be.greaterThan(1);
      namespaces.close();
      all.close();
    });

    it('replays every event after a resourceVersion, then goes live, with no synthetic events', async () => {
      const start = createCM('w', 'replay-a').object.metadata.resourceVersion!;
      createCM('w', 'replay-b');
      updateCM('w', 'replay-a', (o) => (o.data = { v: '2' }));
      const stream = await open(`/api/v1/namespaces/w/configmaps?watch=true&resourceVersion=${start}`);
      const replayed = await stream.waitForEvents(2);
      expect(replayed.map((e) => `${e.type} ${e.object.metadata.name}`)).to.deep.equal(['ADDED replay-b', 'MODIFIED replay-a']);
      services.objects.delete(configmaps(), 'w', 'replay-b');
      const events = await stream.waitForEvents(3);
      expect(events[2].type).to.equal('DELETED');
      const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
      expect(rvs).to.deep.equal([...rvs].sort((a, b) => a - b));
      stream.close();
    });

    it('sends a DELETED event with the last state and the deletion resourceVersion', async () => {
      const created = createCM('w', 'doomed', undefined, { keep: 'me' });
      const stream = await open(`/api/v1/namespaces/w/configmaps?watch=true&resourceVersion=${created.object.metadata.resourceVersion}`);
      const deleted = services.objects.delete(configmaps(), 'w', 'doomed');
      const [event] = await stream.waitForEvents(1);
      expect(event.type).to.equal('DELETED');
      expect(event.object.data).to.deep.equal({ keep: 'me' });
      expect(event.object.metadata.resourceVersion).to.equal(deleted.result.object.metadata.resourceVersion);
      expect(Number(event.object.metadata.resourceVersion)).to.be.greaterThan(Number(created.object.metadata.resourceVersion));
      stream.close();
    });

    it('answers a resourceVersion older than the history with an ERROR event carrying 410 Expired', async () => {
      for (let i = 0; i < 120; i++) createCM('w', `churn-${i}`);
      const stream = await open('/api/v1/namespaces/w/configmaps?watch=true&resourceVersion=2');
      expect(stream.statusCode).to.equal(200);
      const [event] = await stream.waitForEvents(1);
      await stream.waitForEnd();
      expect(event.type).to.equal('ERROR');
      expect(event.object).to.include({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410 });
      expect(event.object.message).to.match(/^too old resource version: 2 \(\d+\)$/);
      expect(stream.events).to.have.length(1);
    });

    it('answers a malformed resourceVersion with 400 before streaming', async () => {
      const stream = await open('/api/v1/namespaces/w/configmaps?watch=true&resourceVersion=abc');
      expect(stream.statusCode).to.equal(400);
      await stream.waitForEnd();
      expect(JSON.parse(stream.body)).to.include({ kind: 'Status', reason: 'BadRequest', code: 400 });
    });
  });

  describe('bookmarks, streaming lists and timeouts', () => {
    it('sends BOOKMARK events as an empty object with a resourceVersion, its zero creationTimestamp null as Go writes it', async () => {
      const stream = await open(`/api/v1/namespaces/w/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion=${services.store.currentRevision}`);
      const [bookmark] = await stream.waitForEvents(1, 3000);
      expect(bookmark.type).to.equal('BOOKMARK');
      expect(bookmark.object).to.deep.equal({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: String(services.store.currentRevision), creationTimestamp: null } });
      stream.close();
    });

    it('serves a streaming list: initial ADDED events, then the initial-events-end bookmark with the empty list blueprint', async () => {
      const count = services.objects.listNow(configmaps(), 'w').length;
      const stream = await open('/api/v1/namespaces/w/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true');
      const events = await stream.waitForEvents(count + 1);
      expect(events.slice(0, count).every((e) => e.type === 'ADDED')).to.equal(true);
      expect(events[count].type).to.equal('BOOKMARK');
      const blueprint = Buffer.from('{"kind":"ConfigMapList","apiVersion":"v1","metadata":{},"items":null}\n').toString('base64');
      expect(events[count].object.metadata.annotations).to.deep.equal({ 'k8s.io/initial-events-end': 'true', 'kubernetes.io/initial-events-list-blueprint': blueprint });
      stream.close();
    });

    it('refuses invalid streaming-list combinations as the real server does', async () => {
      const cases: Array<[string, string]> = [
        ['sendInitialEvents=true', 'resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'],
        ['resourceVersionMatch=NotOlderThan&resourceVersion=1', 'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'],
      ];
      for (const [query, message] of cases) {
        const response = await cluster.request(`/api/v1/namespaces/w/configmaps?watch=true&${query}`);
        expect(response.status).to.equal(422);
        expect(response.json().message).to.equal(`ListOptions.meta.k8s.io "" is invalid: ${message}`);
      }
    });

    it('sends a last BOOKMARK before ending a stream at its timeout', async () => {
      const own = await startCluster({ watch: { bookmarkIntervalMs: 60_000 } });
      try {
        const stream = await WatchStream.open(own.server, `/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true&timeoutSeconds=1&fieldSelector=metadata.name%3Dquiet&resourceVersion=${own.server.services.store.currentRevision}`);
        await stream.waitForEnd(3000);
        expect(stream.events.map((e) => e.type)).to.deep.equal(['BOOKMARK']);
        expect(stream.events[0].object.metadata.resourceVersion).to.equal(String(own.server.services.store.currentRevision));
      } finally {
        await own.stop();
      }
    });

    it('ends the stream cleanly after timeoutSeconds', async () => {
      const stream = await open('/api/v1/namespaces/w/configmaps?watch=true&timeoutSeconds=1&resourceVersion=0');
      const started = Date.now();
      await stream.waitForEnd(3000);
      expect(Date.now() - started).to.be.within(800, 2500);
      expect(stream.events.every((e) => e.type === 'ADDED')).to.equal(true);
    });
  });

  describe('representations', () => {
    it('sends Tables with column definitions only in the first event, as kubectl get -w expects', async () => {
      const created = createCM('w', 'tabled');
      const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
      const stream = await open(`/api/v1/namespaces/w/configmaps?watch=true&resourceVersion=${Number(created.object.metadata.resourceVersion) - 1}`, { Accept: accept });
      updateCM('w', 'tabled', (o) => (o.data = { a: '1' }));
      const [first, second] = await stream.waitForEvents(2);
      expect(first.object).to.include({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
      expect(first.object.columnDefinitions.map((c: { name: string }) => c.name)).to.deep.equal(['Name', 'Data', 'Age']);
      expect(first.object.rows[0].cells.slice(0, 2)).to.deep.equal(['tabled', 0]);
      expect(second.object.columnDefinitions).to.equal(null);
      expect(second.object.rows[0].cells.slice(0, 2)).to.deep.equal(['tabled', 1]);
      expect(second.object.rows[0].object).to.include({ kind: 'PartialObjectMetadata' });
      stream.close();
    });

    it('sends PartialObjectMetadata events and bookmarks to metadata-only watchers', async () => {
      const accept = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';
      const stream = await open(`/api/v1/namespaces/w/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion=${services.store.currentRevision}`, { Accept: accept });
      createCM('w', 'meta-only', { team: 'a' }, { secret: 'not sent' });
      const events = await stream.waitForEvents(2, 3000);
      expect(events[0].type).to.equal('ADDED');
      expect(events[0].object).to.include({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1' });
      expect(events[0].object.metadata.labels).to.deep.equal({ team: 'a' });
      expect(events[0].object).to.not.have.property('data');
      expect(events[1].type).to.equal('BOOKMARK');
      expect(events[1].object.kind).to.equal('PartialObjectMetadata');
      stream.close();
    });
  });

  describe('versions of one stored resource', () => {
    it('shows a core/v1 event to an events.k8s.io/v1 watcher in that version', async () => {
      const start = services.store.currentRevision;
      const v1 = await open(`/apis/events.k8s.io/v1/namespaces/w/events?watch=true&resourceVersion=${start}`);
      const core = await open(`/api/v1/namespaces/w/events?watch=true&resourceVersion=${start}`);
      services.objects.create(services.registry.find('', 'v1', 'events')!, 'w', {
        metadata: { name: 'seen.1' },
        involvedObject: { kind: 'Pod', name: 'p', namespace: 'w' },
        reason: 'Seen',
        message: 'seen twice',
      });
      const [asV1] = await v1.waitForEvents(1);
      const [asCore] = await core.waitForEvents(1);
      expect(asV1.object).to.deep.include({ kind: 'Event', apiVersion: 'events.k8s.io/v1', note: 'seen twice', reason: 'Seen' });
      expect(asCore.object).to.deep.include({ kind: 'Event', apiVersion: 'v1', message: 'seen twice' });
      v1.close();
      core.close();
    });
  });

  describe('selectors', () => {
    it('turns changes into and out of a label selector into ADDED and DELETED', async () => {
      const created = createCM('w', 'mover', { tier: 'back' });
      const stream = await open(`/api/v1/namespaces/w/configmaps?watch=true&labelSelector=tier%3Dfront&resourceVersion=${created.object.metadata.resourceVersion}`);
      const entered = updateCM('w', 'mover', (o) => (o.metadata.labels = { tier: 'front' }));
      updateCM('w', 'mover', (o) => (o.data = { a: 'b' }));
      const left = updateCM('w', 'mover', (o) => (o.metadata.labels = { tier: 'back' }));
      updateCM('w', 'mover', (o) => (o.data = { a: 'c' }));
      const events = await stream.waitForEvents(3);
      expect(events.map((e) => e.type)).to.deep.equal(['ADDED', 'MODIFIED', 'DELETED']);
      expect(events[0].object.metadata.resourceVersion).to.equal(entered.object.metadata.resourceVersion);
      expect(events[2].object.metadata.labels).to.deep.equal({ tier: 'front' }, 'DELETED carries the state that still matched');
      expect(events[2].object.metadata.resourceVersion).to.equal(left.object.metadata.resourceVersion);
      await new Promise((r) => setTimeout(r, 50));
      expect(stream.events).to.have.length(3);
      stream.close();
    });
  });

  describe('load and faults', () => {
    it('delivers 2,000 writes to 200 concurrent watchers, every event once and in order', async function () {
      this.timeout(60_000);
      services.objects.create(services.registry.find('', 'v1', 'namespaces')!, '', { metadata: { name: 'load' } });
      for (let i = 0; i < 10; i++) createCM('load', `obj-${i}`);
      await waitFor(() => !!services.objects.find(configmaps(), 'load', 'kube-root-ca.crt'));
      const start = services.store.currentRevision;
      const streams = await Promise.all(Array.from({ length: 200 }, () => open(`/api/v1/namespaces/load/configmaps?watch=true&resourceVersion=${start}`)));
      await waitFor(() => services.watches.count >= 200);
      const expected: string[] = [];
      for (let i = 0; i < 2000; i++) {
        const result = updateCM('load', `obj-${i % 10}`, (o) => (o.data = { i: String(i) }));
        expected.push(result.object.metadata.resourceVersion!);
        if (i % 100 === 99) await new Promise((r) => setImmediate(r));
      }
      await Promise.all(streams.map((s) => s.waitForEvents(2000, 30_000)));
      for (const stream of streams) {
        expect(stream.events.map((e) => e.object.metadata.resourceVersion)).to.deep.equal(expected);
        stream.close();
      }
    });

    it('cuts off a watcher that stops reading without slowing the others', async function () {
      this.timeout(30_000);
      const slowCluster = await startCluster({ watch: { maxBufferedBytes: 1024 * 1024 } });
      try {
        const slowServices = slowCluster.server.services;
        const cms = slowServices.registry.find('', 'v1', 'configmaps')!;
        slowServices.objects.create(cms, 'default', { metadata: { name: 'big' }, data: { v: '0' } });
        const path = `/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dbig&resourceVersion=${slowServices.store.currentRevision}`;
        const slow = await WatchStream.open(slowCluster.server, path);
        const fast = await WatchStream.open(slowCluster.server, path);
        slow.response!.pause();
        await waitFor(() => slowServices.watches.count === 2);
        const payload = 'x'.repeat(32 * 1024);
        for (let i = 0; i < 200; i++) {
          const current = JSON.parse(slowServices.objects.get(cms, 'default', 'big').json);
          current.data = { v: String(i), payload };
          slowServices.objects.update(cms, 'default', 'big', current);
          await new Promise((r) => setTimeout(r, 1));
        }
        await fast.waitForEvents(200, 20_000);
        expect(fast.events.map((e) => e.object.data.v)).to.deep.equal(Array.from({ length: 200 }, (_, i) => String(i)));
        await waitFor(() => slowServices.watches.count === 1, 5000);
        fast.close();
        slow.close();
        await waitFor(() => slowServices.watches.count === 0);
      } finally {
        await slowCluster.stop();
      }
    });

    it('sends the whole initial state even when it is larger than the watch buffer', async function () {
      this.timeout(20_000);
      const own = await startCluster({ watch: { maxBufferedBytes: 64 * 1024 } });
      try {
        const ownServices = own.server.services;
        const cms = ownServices.registry.find('', 'v1', 'configmaps')!;
        const payload = 'x'.repeat(100 * 1024);
        for (let i = 0; i < 20; i++) ownServices.objects.create(cms, 'default', { metadata: { name: `big-${i}` }, data: { payload } });
        const stream = await WatchStream.open(own.server, '/api/v1/namespaces/default/configmaps?watch=true&labelSelector=&timeoutSeconds=5');
        await stream.waitForEvents(20, 10_000);
        expect(stream.events.filter((e) => e.object.metadata.name.startsWith('big-'))).to.have.length(20);
        stream.close();
      } finally {
        await own.stop();
      }
    });

    it('frees a watcher when its client disconnects', async () => {
      const before = services.watches.count;
      const stream = await open('/api/v1/namespaces/w/configmaps?watch=true');
      await waitFor(() => services.watches.count === before + 1);
      stream.close();
      await waitFor(() => services.watches.count === before);
    });

    it('ends open streams when the server shuts down', async () => {
      const own = await startCluster();
      const stream = await WatchStream.open(own.server, '/api/v1/namespaces/default/configmaps?watch=true');
      await stream.waitForEvents(1);
      await own.stop();
      await stream.waitForEnd(2000);
      expect(stream.ended).to.equal(true);
    });
  });

  describe('@kubernetes/client-node', () => {
    it('Watch receives ADDED, MODIFIED and DELETED', async () => {
      const seen: string[] = [];
      const watch = new k8s.Watch(cluster.kubeconfig);
      let done = false;
      const request = await watch.watch(
        '/api/v1/namespaces/w/configmaps',
        { resourceVersion: String(services.store.currentRevision) },
        (type, object: k8s.V1ConfigMap) => seen.push(`${type} ${object.metadata?.name}`),
        () => {
          done = true;
        },
      );
      createCM('w', 'cn-watch');
      updateCM('w', 'cn-watch', (o) => (o.data = { a: 'b' }));
      services.objects.delete(configmaps(), 'w', 'cn-watch');
      await waitFor(() => seen.length === 3);
      expect(seen).to.deep.equal(['ADDED cn-watch', 'MODIFIED cn-watch', 'DELETED cn-watch']);
      request.abort();
      await waitFor(() => done);
    });

    it('makeInformer lists, watches, resumes after a dropped stream and relists after 410', async function () {
      this.timeout(20_000);
      const own = await startCluster({ historySize: 20 });
      try {
        const ownServices = own.server.services;
        const cms = ownServices.registry.find('', 'v1', 'configmaps')!;
        const add = (name: string) => ownServices.objects.create(cms, 'default', { metadata: { name } });
        add('before');
        const core = own.core;
        const informer = k8s.makeInformer(own.kubeconfig, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
        const added: string[] = [];
        const updated: string[] = [];
        const deleted: string[] = [];
        informer.on('add', (o) => added.push(o.metadata!.name!));
        informer.on('update', (o) => updated.push(o.metadata!.name!));
        informer.on('delete', (o) => deleted.push(o.metadata!.name!));
        // Restart after errors until stopped; a restart after the end would keep the process alive.
        let stopped = false;
        informer.on('error', () => !stopped && setTimeout(() => !stopped && informer.start(), 100));
        await informer.start();
        await waitFor(() => added.includes('before'));
        add('live');
        await waitFor(() => added.includes('live'));
        const live = JSON.parse(ownServices.objects.get(cms, 'default', 'live').json);
        live.data = { a: '1' };
        ownServices.objects.update(cms, 'default', 'live', live);
        await waitFor(() => updated.includes('live'));
        ownServices.objects.delete(cms, 'default', 'before');
        await waitFor(() => deleted.includes('before'));

        ownServices.watches.closeAll();
        add('after-drop');
        await waitFor(() => added.includes('after-drop'), 10_000);

        await waitFor(() => ownServices.watches.count === 1);
        const names = () => informer.list('default').map((o) => o.metadata!.name!).sort();
        ownServices.watches.closeAll();
        for (let i = 0; i < 40; i++) add(`gap-${String(i).padStart(2, '0')}`);
        await waitFor(() => names().includes('gap-39'), 10_000);
        expect(names()).to.deep.equal(ownServices.objects.listNow(cms, 'default').map((s) => s.name).sort());
        stopped = true;
        await informer.stop();
      } finally {
        await own.stop();
      }
    });
  });

  describe('kubectl get -w', () => {
    it('prints watch events with --output-watch-events', async function () {
      this.timeout(20_000);
      createCM('w', 'kubectl-seen');
      const child = spawn('kubectl', [`--kubeconfig=${cluster.kubeconfigPath}`, 'get', 'configmaps', '-n', 'w', '-w', '--output-watch-events', '-o', 'json', '--field-selector=metadata.name=kubectl-seen'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      try {
        await waitFor(() => output.includes('"ADDED"'), 10_000);
        updateCM('w', 'kubectl-seen', (o) => (o.data = { k: 'v' }));
        services.objects.delete(configmaps(), 'w', 'kubectl-seen');
        await waitFor(() => output.includes('"DELETED"'), 10_000);
      } finally {
        child.kill();
      }
      const types = output
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => JSON.parse(line).type);
      expect(types).to.deep.equal(['ADDED', 'MODIFIED', 'DELETED']);
    });
  });
});
