import { expect } from 'chai';
import type { Services } from '../server/services.js';
import { startCluster, type TestCluster } from './support/cluster.js';
import { expectStatus } from './support/status.js';

describe('lists', () => {
  let cluster: TestCluster;
  let services: Services;
  const create = (plural: string, namespace: string, body: Record<string, unknown>, group = '', version = 'v1') =>
    services.objects.create(services.registry.find(group, version, plural)!, namespace, body);

  before(async () => {
    // Field selectors are checked on pods as written: nothing schedules or runs them.
    cluster = await startCluster({ historySize: 50, controllers: ['*', '-kube-scheduler', '-kubelet'] });
    services = cluster.server.services;
    create('namespaces', '', { metadata: { name: 'sel' } });
    const labels: Array<Record<string, string>> = [{ app: 'web', tier: 'front' }, { app: 'web', tier: 'back' }, { app: 'db' }, {}];
    labels.forEach((l, i) => create('configmaps', 'sel', { metadata: { name: `cm-${i}`, labels: l } }));
  });
  after(() => cluster.stop());

  describe('label selectors', () => {
    const names = async (labelSelector: string) =>
      (await cluster.core.listNamespacedConfigMap({ namespace: 'sel', labelSelector })).items.map((c) => c.metadata?.name).filter((n) => n !== 'kube-root-ca.crt');

    it('supports every operator', async () => {
      expect(await names('app=web')).to.deep.equal(['cm-0', 'cm-1']);
      expect(await names('app==web')).to.deep.equal(['cm-0', 'cm-1']);
      expect(await names('app!=web')).to.deep.equal(['cm-2', 'cm-3']);
      expect(await names('tier in (front,middle)')).to.deep.equal(['cm-0']);
      expect(await names('app notin (web)')).to.deep.equal(['cm-2', 'cm-3']);
      expect(await names('tier')).to.deep.equal(['cm-0', 'cm-1']);
      expect(await names('!tier')).to.deep.equal(['cm-2', 'cm-3']);
      expect(await names('app=web,tier!=front')).to.deep.equal(['cm-1']);
    });

    it('rejects a malformed selector with 400', async () => {
      await expectStatus(cluster.core.listNamespacedConfigMap({ namespace: 'sel', labelSelector: 'app in web' }), 400, 'BadRequest');
    });
  });

  describe('field selectors', () => {
    before(() => {
      create('pods', 'sel', { metadata: { name: 'p1' }, spec: { nodeName: 'node-1', containers: [{ name: 'a', image: 'x' }] } });
      create('pods', 'sel', { metadata: { name: 'p2' }, spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: 'x' }] } });
      create('secrets', 'sel', { metadata: { name: 's-tls' }, type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } });
      create('secrets', 'sel', { metadata: { name: 's-opaque' } });
      create('events', 'sel', { metadata: { name: 'e1' }, involvedObject: { kind: 'Pod', name: 'p1', namespace: 'sel' }, reason: 'Started', type: 'Normal', source: { component: 'kubelet' } });
      create('nodes', '', { metadata: { name: 'node-1' }, spec: { unschedulable: true } });
      create('nodes', '', { metadata: { name: 'node-2' } });
    });

    it('select on metadata everywhere and on the real per-kind fields', async () => {
      const pods = async (fieldSelector: string) => (await cluster.core.listNamespacedPod({ namespace: 'sel', fieldSelector })).items.map((p) => p.metadata?.name);
      expect(await pods('metadata.name=p2')).to.deep.equal(['p2']);
      expect(await pods('metadata.namespace=sel')).to.deep.equal(['p1', 'p2']);
      expect(await pods('spec.nodeName=node-1')).to.deep.equal(['p1']);
      expect(await pods('spec.nodeName=')).to.deep.equal(['p2']);
      expect(await pods('status.phase=Pending,spec.restartPolicy=Never')).to.deep.equal(['p2']);
      expect(await pods('spec.schedulerName=default-scheduler,spec.serviceAccountName=default')).to.deep.equal(['p1', 'p2']);
      expect(await pods('status.podIP!=10.0.0.1')).to.deep.equal(['p1', 'p2']);
      const secrets = await cluster.core.listNamespacedSecret({ namespace: 'sel', fieldSelector: 'type=kubernetes.io/tls' });
      expect(secrets.items.map((s) => s.metadata?.name)).to.deep.equal(['s-tls']);
      const events = await cluster.core.listNamespacedEvent({ namespace: 'sel', fieldSelector: 'involvedObject.name=p1,reason=Started,type=Normal,source=kubelet' });
      expect(events.items.map((e) => e.metadata?.name)).to.deep.equal(['e1']);
      const nodes = await cluster.core.listNode({ fieldSelector: 'spec.unschedulable=true' });
      expect(nodes.items.map((n) => n.metadata?.name)).to.deep.equal(['node-1']);
      const namespaces = await cluster.core.listNamespace({ fieldSelector: 'status.phase=Active,metadata.name=sel' });
      expect(namespaces.items.map((n) => n.metadata?.name)).to.deep.equal(['sel']);
    });

    it('rejects an unsupported field with the message of the resource kind', async () => {
      await expectStatus(cluster.core.listNamespacedPod({ namespace: 'sel', fieldSelector: 'spec.foo=bar' }), 400, 'BadRequest', 'field label not supported: spec.foo');
      await expectStatus(
        cluster.core.listNamespacedConfigMap({ namespace: 'sel', fieldSelector: 'data.a=b' }),
        400,
        'BadRequest',
        '"data.a" is not a known field selector: only "metadata.name", "metadata.namespace"',
      );
      await expectStatus(cluster.core.listNode({ fieldSelector: 'metadata.namespace=x' }), 400, 'BadRequest', 'field label not supported: metadata.namespace');
    });
  });

  describe('limit and continue', () => {
    before(() => {
      create('namespaces', '', { metadata: { name: 'paged' } });
      for (let i = 0; i < 25; i++) create('secrets', 'paged', { metadata: { name: `s-${String(i).padStart(2, '0')}` } });
    });

    it('pages in key order over one snapshot with remainingItemCount', async () => {
      const first = await cluster.core.listNamespacedSecret({ namespace: 'paged', limit: 10 });
      expect(first.items.map((s) => s.metadata?.name)).to.deep.equal(Array.from({ length: 10 }, (_, i) => `s-${String(i).padStart(2, '0')}`));
      expect(first.metadata?.remainingItemCount).to.equal(15);
      expect(first.metadata?._continue).to.be.a('string');
      create('secrets', 'paged', { metadata: { name: 's-99' } });
      const second = await cluster.core.listNamespacedSecret({ namespace: 'paged', limit: 10, _continue: first.metadata?._continue });
      expect(second.metadata?.resourceVersion).to.equal(first.metadata?.resourceVersion);
      expect(second.metadata?.remainingItemCount).to.equal(5);
      const third = await cluster.core.listNamespacedSecret({ namespace: 'paged', limit: 10, _continue: second.metadata?._continue });
      expect(third.items.map((s) => s.metadata?.name)).to.deep.equal(['s-20', 's-21', 's-22', 's-23', 's-24']);
      expect(third.metadata?._continue).to.equal(undefined);
      expect(third.metadata?.remainingItemCount).to.equal(undefined);
    });

    it('omits remainingItemCount under a selector', async () => {
      const page = await cluster.core.listNamespacedSecret({ namespace: 'paged', limit: 5, fieldSelector: 'type=Opaque' });
      expect(page.items).to.have.length(5);
      expect(page.metadata?._continue).to.be.a('string');
      expect(page.metadata?.remainingItemCount).to.equal(undefined);
    });

    it('answers 410 with an inconsistent continue token once the snapshot is compacted', async () => {
      const first = await cluster.core.listNamespacedSecret({ namespace: 'paged', limit: 10 });
      for (let i = 0; i < 60; i++) create('configmaps', 'paged', { metadata: { name: `churn-${i}` } });
      const err = await expectStatus(cluster.core.listNamespacedSecret({ namespace: 'paged', limit: 10, _continue: first.metadata?._continue }), 410, 'Expired');
      expect(err.message).to.match(/^The provided continue parameter is too old to display a consistent list result\./);
      const resumed = await cluster.core.listNamespacedSecret({ namespace: 'paged', limit: 100, _continue: err.metadata.continue as string });
      expect(resumed.items[0].metadata?.name).to.equal('s-10');
    });

    it('rejects a malformed token and a token with a resourceVersion', async () => {
      const response = await cluster.request('/api/v1/namespaces/paged/secrets?limit=1&continue=abc!');
      expect(response.status).to.equal(400);
      expect(response.json().message).to.equal('invalid continue token: continue key is not valid: illegal base64 data at input byte 3');
      const page = await cluster.core.listNamespacedSecret({ namespace: 'paged', limit: 1 });
      await expectStatus(
        cluster.core.listNamespacedSecret({ namespace: 'paged', limit: 1, _continue: page.metadata?._continue, resourceVersion: '5' }),
        400,
        'BadRequest',
        'specifying resource version is not allowed when using continue',
      );
    });

    it('serves resourceVersion=0 whole, ignoring limit', async () => {
      const list = await cluster.core.listNamespacedSecret({ namespace: 'paged', limit: 3, resourceVersion: '0' });
      expect(list.items.length).to.be.greaterThan(3);
      expect(list.metadata?._continue).to.equal(undefined);
    });
  });

  describe('resourceVersion and resourceVersionMatch', () => {
    it('lists exactly at an older resourceVersion', async () => {
      create('namespaces', '', { metadata: { name: 'history' } });
      const before = create('configmaps', 'history', { metadata: { name: 'one' } });
      create('configmaps', 'history', { metadata: { name: 'two' } });
      const exact = await cluster.core.listNamespacedConfigMap({ namespace: 'history', resourceVersion: before.object.metadata.resourceVersion, resourceVersionMatch: 'Exact' });
      expect(exact.items.map((c) => c.metadata?.name)).to.deep.equal(['one']);
      expect(exact.metadata?.resourceVersion).to.equal(before.object.metadata.resourceVersion);
      const notOlder = await cluster.core.listNamespacedConfigMap({ namespace: 'history', resourceVersion: before.object.metadata.resourceVersion, resourceVersionMatch: 'NotOlderThan' });
      expect(notOlder.items.map((c) => c.metadata?.name)).to.include.members(['one', 'two']);
    });

    it('validates the combination with the real messages', async () => {
      await expectStatus(
        cluster.core.listNamespacedConfigMap({ namespace: 'default', resourceVersionMatch: 'Exact' }),
        422,
        'Invalid',
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
      );
      await expectStatus(
        cluster.core.listNamespacedConfigMap({ namespace: 'default', resourceVersion: '0', resourceVersionMatch: 'Exact' }),
        422,
        'Invalid',
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
      );
      await expectStatus(
        cluster.core.listNamespacedConfigMap({ namespace: 'default', resourceVersion: '1', resourceVersionMatch: 'Foo' }),
        422,
        'Invalid',
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: "Foo": supported values: "Exact", "NotOlderThan", ""',
      );
    });

    it('answers a future resourceVersion with 504 and an unparseable one with 400', async () => {
      const err = await expectStatus(cluster.core.listNamespacedConfigMap({ namespace: 'default', resourceVersion: '999999999' }), 504, 'Timeout');
      expect(err.message).to.match(/^Timeout: Too large resource version: 999999999, current: \d+$/);
      expect(err.details).to.deep.equal({ causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 });
      await expectStatus(
        cluster.core.listNamespacedConfigMap({ namespace: 'default', resourceVersion: 'abc' }),
        400,
        'BadRequest',
        'resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax',
      );
    });

    it('answers an Exact list older than the history with 410', async () => {
      await expectStatus(
        cluster.core.listNamespacedConfigMap({ namespace: 'default', resourceVersion: '1', resourceVersionMatch: 'Exact' }),
        410,
        'Expired',
        'The resourceVersion for the provided list is too old.',
      );
    });

    it('writes an empty list with items: []', async () => {
      const response = await cluster.request('/api/v1/namespaces/history/pods');
      expect(response.body).to.match(/"items":\[\]\}\n$/);
      expect(response.json()).to.include({ kind: 'PodList', apiVersion: 'v1' });
    });

    it('omits kind and apiVersion on the items of a typed list', async () => {
      const response = (await cluster.request('/api/v1/namespaces/history/configmaps')).json();
      expect(response.items[0]).to.not.have.property('kind');
      expect(response.items[0]).to.not.have.property('apiVersion');
      expect(response.items[0].metadata.name).to.be.a('string');
    });
  });

  describe('deletecollection', () => {
    it('deletes what matches and answers with the list as it was', async () => {
      create('namespaces', '', { metadata: { name: 'bulk' } });
      for (const [name, app] of [['a', 'x'], ['b', 'x'], ['c', 'y']]) create('configmaps', 'bulk', { metadata: { name, labels: { app } } });
      const response = await cluster.request('/api/v1/namespaces/bulk/configmaps?labelSelector=app%3Dx', { method: 'DELETE' });
      expect(response.status).to.equal(200);
      expect(response.json().kind).to.equal('ConfigMapList');
      expect(response.json().items.map((i: { metadata: { name: string } }) => i.metadata.name)).to.deep.equal(['a', 'b']);
      const left = await cluster.core.listNamespacedConfigMap({ namespace: 'bulk' });
      expect(left.items.map((c) => c.metadata?.name)).to.include('c');
      expect(left.items.map((c) => c.metadata?.name)).to.not.include.members(['a', 'b']);
    });
  });
});
