// How custom resources read back once their definition changes: defaults the storage version's
// schema gained since a write, a version served from another's storage pruned to its own schema, a
// Webhook conversion that cannot be called, and the metadata checks custom resources share with
// built-in kinds. Expected outputs were compared with kube-apiserver 1.32.13.

import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { startCluster, type TestCluster } from './support/cluster.js';
import { WatchStream } from './support/watch-stream.js';

type Json = Record<string, any>;

/** A CRD serving v1 (storage) and v2; `withDefaults` is the later revision whose schemas default fields. */
function gadgets(withDefaults: boolean): string {
  const spec = (extra: Json) => ({ type: 'object', properties: { size: { type: 'integer' }, ...(withDefaults ? extra : {}) } });
  const columns = [
    { name: 'Mode', type: 'string', jsonPath: '.spec.mode' },
    { name: 'Level', type: 'integer', jsonPath: '.spec.nested.level', priority: 1 },
  ];
  const version = (name: string, storage: boolean, extra: Json) => ({ name, served: true, storage, additionalPrinterColumns: columns, schema: { openAPIV3Schema: { type: 'object', properties: { spec: spec(extra) } } } });
  return JSON.stringify({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'gadgets.read.kubemock.dev' },
    spec: {
      group: 'read.kubemock.dev',
      scope: 'Namespaced',
      names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
      versions: [
        version('v1', true, { mode: { type: 'string', default: 'v1-default' }, nested: { type: 'object', default: {}, properties: { level: { type: 'integer', default: 3 } } } }),
        version('v2', false, { mode: { type: 'string', default: 'v2-default' }, extra: { type: 'string', default: 'v2-only' } }),
      ],
    },
  });
}

const hooks = JSON.stringify({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'hooks.read.kubemock.dev' },
  spec: {
    group: 'read.kubemock.dev',
    scope: 'Namespaced',
    names: { plural: 'hooks', singular: 'hook', kind: 'Hook' },
    conversion: { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig: { service: { name: 'converter', namespace: 'default', path: '/convert' } } } },
    versions: ['v1', 'v2'].map((name) => ({ name, served: true, storage: name === 'v1', schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } })),
  },
});

const unreachable = 'failed: Post "https://converter.default.svc:443/convert?timeout=30s": service "converter" not found';

describe('Reading custom resources', () => {
  let cluster: TestCluster;
  let custom: k8s.CustomObjectsApi;
  const gadget = { group: 'read.kubemock.dev', namespace: 'default', plural: 'gadgets' };

  before(async () => {
    cluster = await startCluster();
    custom = cluster.kubeconfig.makeApiClient(k8s.CustomObjectsApi);
    await cluster.kubectlOk(['apply', '-f', '-'], gadgets(false));
    await cluster.kubectlOk(['apply', '-f', '-'], hooks);
    await cluster.kubectlOk(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=5s']);
    await cluster.kubectlOk(['create', '-f', '-'], JSON.stringify({ apiVersion: 'read.kubemock.dev/v1', kind: 'Gadget', metadata: { name: 'old', namespace: 'default' }, spec: { size: 1 } }));
    await cluster.kubectlOk(['apply', '-f', '-'], gadgets(true));
  });
  after(() => cluster.stop());

  describe('defaults a definition gained after the write', () => {
    it('are read back with the storage version, without writing the object again', async () => {
      const before = cluster.server.services.store.get('read.kubemock.dev/gadgets', 'default/old')!;
      const read: any = await custom.getNamespacedCustomObject({ ...gadget, version: 'v1', name: 'old' });
      expect(JSON.stringify(read.spec)).to.equal('{"mode":"v1-default","nested":{"level":3},"size":1}');
      const listed: any = await custom.listNamespacedCustomObject({ ...gadget, version: 'v1' });
      expect(listed.items.map((i: Json) => i.spec)).to.deep.equal([read.spec]);
      const after = cluster.server.services.store.get('read.kubemock.dev/gadgets', 'default/old')!;
      expect(after.resourceVersion).to.equal(before.resourceVersion);
      expect(after.object.spec).to.deep.equal({ size: 1 });
    });

    it('come from the storage version in another version, which prunes what its own schema lacks', async () => {
      const read: any = await custom.getNamespacedCustomObject({ ...gadget, version: 'v2', name: 'old' });
      expect(read.apiVersion).to.equal('read.kubemock.dev/v2');
      expect(read.spec).to.deep.equal({ mode: 'v1-default', size: 1 });
      const viaKubectl = await cluster.kubectlJson(['get', 'gadgets.v2.read.kubemock.dev', 'old', '-o', 'json']);
      expect(viaKubectl.spec).to.deep.equal({ mode: 'v1-default', size: 1 });
    });

    it('are printed in the columns of the version asked for', async () => {
      expect(await cluster.kubectlOk(['get', 'gadgets.v1.read.kubemock.dev', '-o', 'wide'])).to.match(/^NAME\s+MODE\s+LEVEL\nold\s+v1-default\s+3\n$/);
      expect(await cluster.kubectlOk(['get', 'gadgets.v2.read.kubemock.dev', '-o', 'wide'])).to.match(/^NAME\s+MODE\s+LEVEL\nold\s+v1-default\s*\n$/);
    });

    it('are in the objects a watch sends', async () => {
      const watch = new k8s.Watch(cluster.kubeconfig);
      const seen: Array<[string, Json]> = [];
      let request: { abort(): void } | undefined;
      await new Promise<void>((resolve, reject) => {
        watch
          .watch('/apis/read.kubemock.dev/v2/namespaces/default/gadgets', { resourceVersion: '0' }, (type, object) => {
            seen.push([type, object.spec]);
            resolve();
          }, (err) => (err ? reject(err) : resolve()))
          .then((r) => (request = r), reject);
      });
      request?.abort();
      expect(seen).to.deep.equal([['ADDED', { mode: 'v1-default', size: 1 }]]);
    });

    it('of the version written through are applied before it is converted to the storage version', async () => {
      const created: any = await custom.createNamespacedCustomObject({ ...gadget, version: 'v2', body: { apiVersion: 'read.kubemock.dev/v2', kind: 'Gadget', metadata: { name: 'via-v2' }, spec: { size: 7 } } });
      expect(created.spec).to.deep.equal({ mode: 'v2-default', size: 7 });
      // v2's own field is not in the storage version's schema: it does not survive the conversion.
      const inStorageVersion: any = await custom.getNamespacedCustomObject({ ...gadget, version: 'v1', name: 'via-v2' });
      expect(inStorageVersion.spec).to.deep.equal({ mode: 'v2-default', nested: { level: 3 }, size: 7 });
      await custom.deleteNamespacedCustomObject({ ...gadget, version: 'v2', name: 'via-v2' });
    });

    it('are also defaults written: an object created now holds them as stored', async () => {
      await custom.createNamespacedCustomObject({ ...gadget, version: 'v1', body: { apiVersion: 'read.kubemock.dev/v1', kind: 'Gadget', metadata: { name: 'new' }, spec: { size: 2 } } });
      expect(cluster.server.services.store.get('read.kubemock.dev/gadgets', 'default/new')!.object.spec).to.deep.equal({ mode: 'v1-default', nested: { level: 3 }, size: 2 });
    });
  });

  describe('a version whose Webhook conversion cannot be called', () => {
    const hook = { group: 'read.kubemock.dev', namespace: 'default', plural: 'hooks' };
    const failure = async (call: Promise<unknown>) => {
      try {
        await call;
      } catch (err) {
        const status = JSON.parse((err as k8s.ApiException<string>).body);
        return [status.code, status.reason, status.message];
      }
      return expect.fail('the request should fail');
    };

    before(async () => {
      await custom.createNamespacedCustomObject({ ...hook, version: 'v1', body: { apiVersion: 'read.kubemock.dev/v1', kind: 'Hook', metadata: { name: 'stored' }, spec: { a: 1 } } });
    });

    it('lists an empty namespace', async () => {
      const empty: any = await custom.listNamespacedCustomObject({ ...hook, version: 'v2', namespace: 'kube-public' });
      expect(empty.items).to.deep.equal([]);
    });

    it('fails a create naming the version it converts from', async () => {
      const body = { apiVersion: 'read.kubemock.dev/v2', kind: 'Hook', metadata: { name: 'new' }, spec: { a: 1 } };
      expect(await failure(custom.createNamespacedCustomObject({ ...hook, version: 'v2', body }))).to.deep.equal([500, undefined, `conversion webhook for read.kubemock.dev/v2, Kind=Hook ${unreachable}`]);
    });

    it('fails reads, updates, patches and deletes of stored objects naming the storage version', async () => {
      const fromStorage = [500, undefined, `conversion webhook for read.kubemock.dev/v1, Kind=Hook ${unreachable}`];
      expect(await failure(custom.getNamespacedCustomObject({ ...hook, version: 'v2', name: 'stored' }))).to.deep.equal(fromStorage);
      expect(await failure(custom.listNamespacedCustomObject({ ...hook, version: 'v2' }))).to.deep.equal(fromStorage);
      const body = { apiVersion: 'read.kubemock.dev/v2', kind: 'Hook', metadata: { name: 'stored', resourceVersion: '1' }, spec: { a: 2 } };
      expect(await failure(custom.replaceNamespacedCustomObject({ ...hook, version: 'v2', name: 'stored', body }))).to.deep.equal(fromStorage);
      const patch = custom.patchNamespacedCustomObject({ ...hook, version: 'v2', name: 'stored', body: { spec: { a: 3 } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      expect(await failure(patch)).to.deep.equal(fromStorage);
      expect(await failure(custom.deleteNamespacedCustomObject({ ...hook, version: 'v2', name: 'stored' }))).to.deep.equal(fromStorage);
      const kept: any = await custom.getNamespacedCustomObject({ ...hook, version: 'v1', name: 'stored' });
      expect([kept.spec, kept.metadata.deletionTimestamp]).to.deep.equal([{ a: 1 }, undefined]);
      const missing = await cluster.request('/apis/read.kubemock.dev/v2/namespaces/default/hooks/nope');
      expect(missing.status).to.equal(404);
    });

    it('ends a watch with the ERROR converting a stored object gives', async () => {
      const stream = await WatchStream.open(cluster.server, '/apis/read.kubemock.dev/v2/namespaces/default/hooks?watch=true');
      await stream.waitForEnd();
      const message = `conversion webhook for read.kubemock.dev/v1, Kind=Hook ${unreachable}`;
      expect(stream.events).to.deep.equal([
        { type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `Internal error occurred: ${message}`, reason: 'InternalError', details: { causes: [{ message }] }, code: 500 } },
      ]);
    });
  });

  describe('finalizer names', () => {
    const invalid = async (path: string, body: Json) => {
      const response = await cluster.request(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      expect(response.status).to.equal(422);
      return response.json().details.causes.map((c: Json) => [c.field, c.message]);
    };
    const nameParts =
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

    it('are refused on the list of a custom resource, not an item, and may repeat', async () => {
      const causes = await invalid('/apis/read.kubemock.dev/v1/namespaces/default/gadgets', {
        apiVersion: 'read.kubemock.dev/v1',
        kind: 'Gadget',
        metadata: { name: 'f', finalizers: ['ok.kubemock.dev/x', 'ok.kubemock.dev/x', 'bad finalizer', 'orphan', 'foregroundDeletion'] },
      });
      expect(causes).to.deep.equal([
        ['metadata.finalizers', `Invalid value: "bad finalizer": ${nameParts}`],
        ['metadata.finalizers', 'Invalid value: []string{"ok.kubemock.dev/x", "ok.kubemock.dev/x", "bad finalizer", "orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set'],
      ]);
      const repeated = await cluster.kubectl(['create', '-f', '-'], JSON.stringify({ apiVersion: 'read.kubemock.dev/v1', kind: 'Gadget', metadata: { name: 'twice', namespace: 'default', finalizers: ['ok.kubemock.dev/x', 'ok.kubemock.dev/x'] } }));
      expect(repeated.code, repeated.stderr).to.equal(0);
      await cluster.kubectlOk(['patch', 'gadgets.v1.read.kubemock.dev', 'twice', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    });

    it('without a domain must be standard ones on most built-in kinds, checked item by item', async () => {
      const causes = await invalid('/api/v1/namespaces/default/configmaps', { metadata: { name: 'f', finalizers: ['ok.kubemock.dev/x', 'bad finalizer', 'kubernetes'] } });
      expect(causes).to.deep.equal([
        ['metadata.finalizers', `Invalid value: "bad finalizer": ${nameParts}`],
        ['metadata.finalizers[1]', 'Invalid value: "bad finalizer": name is neither a standard finalizer name nor is it fully qualified'],
      ]);
      // Kinds whose API group checks metadata with apimachinery's rules only take them, as custom resources do.
      const lease = await cluster.kubectl(['create', '--dry-run=server', '-f', '-'], JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'held', namespace: 'default', finalizers: ['plain'] } }));
      expect(lease.code, lease.stderr).to.equal(0);
    });
  });
});
