// Deletion propagation as kube-apiserver's generic store and kube-controller-manager's garbage
// collector do it (flows compared with the reference cluster, kube-controller-manager 1.32.13):
// Background, Foreground (foregroundDeletion, blockOwnerDeletion) and Orphan (orphan), for
// built-in and custom kinds; and namespace deletion with the namespace controller's conditions.

import { expect } from 'chai';
import { startCluster, type TestCluster } from './support/cluster.js';

type Json = Record<string, any>;

describe('garbage collection', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster();
    await cluster.server.controllers.settle();
  });
  after(() => cluster.stop());

  const json = { 'Content-Type': 'application/json' };
  const post = async (path: string, body: Json) => {
    const response = await cluster.request(path, { method: 'POST', headers: json, body: JSON.stringify(body) });
    expect(response.status, response.body).to.be.oneOf([200, 201]);
    return response.json();
  };
  const get = (path: string) => cluster.request(path);
  const settle = () => cluster.server.controllers.settle();
  const cm = (name: string) => `/api/v1/namespaces/default/configmaps/${name}`;
  const ref = (owner: Json, extra: Json = {}) => ({ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, ...extra });
  const configMap = (name: string, metadata: Json = {}) => post('/api/v1/namespaces/default/configmaps', { metadata: { name, ...metadata } });
  const pod = (name: string, metadata: Json = {}) => post('/api/v1/namespaces/default/pods', { metadata: { name, ...metadata }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
  const gone = async (path: string) => (await get(path)).status === 404;

  /** Records every change to the default namespace's configmaps and pods, a compact line each. */
  const watchEvents = () => {
    const lines: string[] = [];
    const stop = cluster.server.services.store.subscribe((event) => {
      if ((event.resource !== 'configmaps' && event.resource !== 'pods') || event.object.namespace !== 'default') return;
      const meta = event.object.object.metadata;
      const deleting = meta.deletionTimestamp ? `deleting(${meta.deletionGracePeriodSeconds})` : '-';
      lines.push(`${event.type} ${meta.name} ${deleting} ${(meta.finalizers ?? []).join(',') || '-'}`);
    });
    return { lines, stop };
  };

  it('deletes dependents of a deleted owner in the background', async () => {
    const owner = await configMap('bg-owner');
    await configMap('bg-dependent', { ownerReferences: [ref(owner)] });
    await pod('bg-pod', { ownerReferences: [ref(owner, { controller: true, blockOwnerDeletion: true })] });
    await settle();
    const watch = watchEvents();
    const { stdout } = await cluster.kubectl(['delete', 'configmap', 'bg-owner']);
    expect(stdout).to.equal('configmap "bg-owner" deleted\n');
    await settle();
    watch.stop();
    expect(await gone(cm('bg-dependent'))).to.equal(true);
    expect(await gone('/api/v1/namespaces/default/pods/bg-pod')).to.equal(true);
    expect(watch.lines.filter((l) => !l.startsWith('MODIFIED bg-pod -'))).to.deep.equal([
      'DELETED bg-owner - -',
      'DELETED bg-dependent - -',
      // The running pod is deleted gracefully; its kubelet stops it, then deletes it with a zero
      // grace period, which kube-apiserver writes before it removes the pod.
      'MODIFIED bg-pod deleting(30) -',
      'MODIFIED bg-pod deleting(30) -',
      'MODIFIED bg-pod deleting(0) -',
      'DELETED bg-pod deleting(0) -',
    ]);
  });

  it('deletes in the foreground: the owner waits, with foregroundDeletion, for its blocking dependents', async () => {
    const owner = await configMap('fg-owner');
    await configMap('fg-blocking', { ownerReferences: [ref(owner, { blockOwnerDeletion: true })], finalizers: ['example.com/hold'] });
    await configMap('fg-free', { ownerReferences: [ref(owner)] });
    await settle();
    const deleted = await cluster.kubectl(['delete', 'configmap', 'fg-owner', '--cascade=foreground', '--wait=false']);
    expect(deleted.stdout).to.equal('configmap "fg-owner" deleted\n');
    await settle();
    const waiting = (await get(cm('fg-owner'))).json();
    expect(waiting.metadata.finalizers).to.deep.equal(['foregroundDeletion']);
    expect(waiting.metadata.deletionTimestamp).to.be.a('string');
    expect(waiting.metadata.deletionGracePeriodSeconds).to.equal(0);
    expect((await get(cm('fg-blocking'))).json().metadata.deletionTimestamp).to.be.a('string');
    expect(await gone(cm('fg-free'))).to.equal(true);
    // The blocking dependent's own finalizer holds everything up, as on a real cluster.
    await cluster.request(cm('fg-blocking'), { method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body: JSON.stringify({ metadata: { finalizers: null } }) });
    await settle();
    expect(await gone(cm('fg-blocking'))).to.equal(true);
    expect(await gone(cm('fg-owner'))).to.equal(true);
  });

  it('orphans dependents: references come off, the owner goes, the dependents stay', async () => {
    const owner = await configMap('or-owner');
    await configMap('or-dependent', { ownerReferences: [ref(owner, { controller: true, blockOwnerDeletion: true })] });
    await settle();
    const watch = watchEvents();
    await cluster.kubectl(['delete', 'configmap', 'or-owner', '--cascade=orphan']);
    await settle();
    watch.stop();
    expect(await gone(cm('or-owner'))).to.equal(true);
    const dependent = (await get(cm('or-dependent'))).json();
    expect(dependent.metadata.ownerReferences).to.equal(undefined);
    expect(watch.lines).to.deep.equal(['MODIFIED or-owner deleting(0) orphan', 'MODIFIED or-dependent - -', 'DELETED or-owner deleting(0) orphan']);
  });

  it('honors orphanDependents, a kind whose default is to orphan, and deletecollection', async () => {
    const owner = await configMap('legacy-owner');
    await configMap('legacy-dependent', { ownerReferences: [ref(owner)] });
    await settle();
    const response = await cluster.request(`${cm('legacy-owner')}?orphanDependents=true`, { method: 'DELETE' });
    expect(response.status).to.equal(200);
    await settle();
    expect((await get(cm('legacy-dependent'))).json().metadata.ownerReferences).to.equal(undefined);

    // v1 ReplicationControllers orphan by default when a client sends no propagation.
    const rc = await post('/api/v1/namespaces/default/replicationcontrollers', {
      metadata: { name: 'legacy-rc' },
      spec: { replicas: 0, selector: { app: 'legacy' }, template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    await configMap('rc-dependent', { ownerReferences: [ref(rc, { controller: true })] });
    await settle();
    await cluster.request('/api/v1/namespaces/default/replicationcontrollers/legacy-rc', { method: 'DELETE' });
    await settle();
    expect((await get(cm('rc-dependent'))).json().metadata.ownerReferences).to.equal(undefined);

    const a = await configMap('col-a', { labels: { col: 'yes' } });
    const b = await configMap('col-b', { labels: { col: 'yes' } });
    await configMap('col-a-dependent', { ownerReferences: [ref(a)] });
    await configMap('col-b-dependent', { ownerReferences: [ref(b)] });
    await settle();
    const collection = await cluster.request('/api/v1/namespaces/default/configmaps?labelSelector=col%3Dyes&propagationPolicy=Orphan', { method: 'DELETE' });
    expect(collection.status).to.equal(200);
    await settle();
    expect(await gone(cm('col-a'))).to.equal(true);
    expect((await get(cm('col-b-dependent'))).json().metadata.ownerReferences).to.equal(undefined);
  });

  it('removes dependents of owners that never existed, and only the dead reference of a dependent with a living owner', async () => {
    await configMap('orphan-of-nobody', { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'nobody', uid: '00000000-0000-4000-8000-000000000000' }] });
    await settle();
    expect(await gone(cm('orphan-of-nobody'))).to.equal(true);

    const living = await configMap('living');
    const dying = await configMap('dying');
    await configMap('two-owners', { ownerReferences: [ref(living), ref(dying)] });
    await settle();
    await cluster.kubectl(['delete', 'configmap', 'dying']);
    await settle();
    expect((await get(cm('two-owners'))).json().metadata.ownerReferences).to.deep.equal([ref(living)]);
  });

  it('collects custom resources as owners and as dependents', async () => {
    await post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    });
    await settle();
    const widget = await post('/apis/example.com/v1/namespaces/default/widgets', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'owner-widget' } });
    await configMap('widget-config', { ownerReferences: [ref(widget, { controller: true, blockOwnerDeletion: true })] });
    const configOwner = await configMap('config-owner');
    await post('/apis/example.com/v1/namespaces/default/widgets', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'dependent-widget', ownerReferences: [ref(configOwner)] } });
    await settle();
    const deleted = await cluster.kubectl(['delete', 'widget', 'owner-widget', '--cascade=foreground']);
    expect(deleted.code, deleted.stderr).to.equal(0);
    await settle();
    expect(await gone(cm('widget-config'))).to.equal(true);
    await cluster.kubectl(['delete', 'configmap', 'config-owner']);
    await settle();
    expect(await gone('/apis/example.com/v1/namespaces/default/widgets/dependent-widget')).to.equal(true);
  });
});

describe('namespace deletion', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster();
    await cluster.server.controllers.settle();
  });
  after(() => cluster.stop());

  it('deletes every kind in the namespace and reports what remains in the namespace controller\'s conditions', async () => {
    await cluster.core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    await cluster.server.controllers.settle();
    await cluster.core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'held', finalizers: ['example.com/hold'] } } });
    await cluster.core.createNamespacedSecret({ namespace: 'doomed', body: { metadata: { name: 's1' } } });
    await cluster.core.createNamespacedPod({ namespace: 'doomed', body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } });
    await cluster.server.controllers.settle();
    await cluster.kubectl(['delete', 'namespace', 'doomed', '--wait=false']);
    await cluster.server.controllers.settle();
    const ns = (await cluster.request('/api/v1/namespaces/doomed')).json();
    expect(ns.status.phase).to.equal('Terminating');
    // Captured from kube-controller-manager 1.32.13 for a namespace holding one finalized ConfigMap.
    expect(ns.status.conditions.map((c: Json) => [c.type, c.status, c.reason, c.message])).to.deep.equal([
      ['NamespaceDeletionDiscoveryFailure', 'False', 'ResourcesDiscovered', 'All resources successfully discovered'],
      ['NamespaceDeletionGroupVersionParsingFailure', 'False', 'ParsedGroupVersions', 'All legacy kube types successfully parsed'],
      ['NamespaceDeletionContentFailure', 'False', 'ContentDeleted', 'All content successfully deleted, may be waiting on finalization'],
      ['NamespaceContentRemaining', 'True', 'SomeResourcesRemain', 'Some resources are remaining: configmaps. has 1 resource instances'],
      ['NamespaceFinalizersRemaining', 'True', 'SomeFinalizersRemain', 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances'],
    ]);
    expect(ns.metadata.managedFields.map((m: Json) => [m.manager, m.subresource ?? ''])).to.deep.include(['kube-controller-manager', 'status']);
    expect((await cluster.request('/api/v1/namespaces/doomed/secrets/s1')).status).to.equal(404);
    expect((await cluster.request('/api/v1/namespaces/doomed/pods/p')).status).to.equal(404);
    await cluster.request('/api/v1/namespaces/doomed/configmaps/held', { method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body: JSON.stringify({ metadata: { finalizers: null } }) });
    await cluster.server.controllers.settle();
    expect((await cluster.request('/api/v1/namespaces/doomed')).status).to.equal(404);
  });
});
