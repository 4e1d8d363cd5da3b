// CustomResourceDefinitions applied with kubectl and their custom resources driven by kubectl and
// @kubernetes/client-node. Expected messages and outputs were compared with kube-apiserver 1.32.13.

import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { startCluster, type TestCluster } from './support/cluster.js';
import { waitFor } from './support/wait.js';
import { WatchStream } from './support/watch-stream.js';

const fixtures = fileURLToPath(new URL('../../spec/fixtures/crds/', import.meta.url));

describe('CustomResourceDefinitions', () => {
  let cluster: TestCluster;
  let custom: k8s.CustomObjectsApi;
  const kubectl = async (...args: string[]) => {
    const result = await cluster.kubectl(args);
    expect(result.code, `kubectl ${args.join(' ')}: ${result.stderr}`).to.equal(0);
    return result.stdout;
  };
  const kubectlFails = async (args: string[], input?: string) => {
    const result = await cluster.kubectl(args, input);
    expect(result.code, `kubectl ${args.join(' ')} should fail`).to.not.equal(0);
    return result.stderr;
  };
  const backupJob = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'batch.kubemock.dev/v1', kind: 'BackupJob', metadata: { name, namespace: 'default' }, spec });

  before(async () => {
    cluster = await startCluster();
    custom = cluster.kubeconfig.makeApiClient(k8s.CustomObjectsApi);
    expect(await kubectl('apply', '-f', fixtures)).to.equal(
      'customresourcedefinition.apiextensions.k8s.io/backupjobs.batch.kubemock.dev created\n' +
        'customresourcedefinition.apiextensions.k8s.io/databases.data.kubemock.dev created\n' +
        'customresourcedefinition.apiextensions.k8s.io/regions.infra.kubemock.dev created\n',
    );
    await kubectl('wait', '--for=condition=Established', 'crd', '--all', '--timeout=5s');
  });
  after(() => cluster.stop());

  describe('the definition', () => {
    it('accepts names, records the stored version and becomes Established', async () => {
      const crd = JSON.parse(await kubectl('get', 'crd', 'backupjobs.batch.kubemock.dev', '-o', 'json'));
      expect(crd.metadata.generation).to.equal(1);
      expect(crd.spec.conversion).to.deep.equal({ strategy: 'None' });
      expect(crd.status.acceptedNames).to.deep.equal({ plural: 'backupjobs', singular: 'backupjob', shortNames: ['bj'], kind: 'BackupJob', listKind: 'BackupJobList', categories: ['all'] });
      expect(crd.status.storedVersions).to.deep.equal(['v1']);
      expect(crd.status.conditions.map((c: any) => [c.type, c.status, c.reason, c.message])).to.deep.equal([
        ['NamesAccepted', 'True', 'NoConflicts', 'no conflicts found'],
        ['Established', 'True', 'InitialNamesAccepted', 'the initial names have been accepted'],
      ]);
    });

    it('is served in discovery, with the status and scale subresources and a changed ETag', async () => {
      const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
      const before = await cluster.request('/apis', { headers: { Accept: accept } });
      const group = before.json().items.find((i: any) => i.metadata.name === 'batch.kubemock.dev');
      expect(group.versions[0].resources[0]).to.deep.equal({
        resource: 'backupjobs',
        responseKind: { group: 'batch.kubemock.dev', version: 'v1', kind: 'BackupJob' },
        scope: 'Namespaced',
        singularResource: 'backupjob',
        verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
        shortNames: ['bj'],
        categories: ['all'],
        subresources: [
          { subresource: 'status', responseKind: { group: 'batch.kubemock.dev', version: 'v1', kind: 'BackupJob' }, verbs: ['get', 'patch', 'update'] },
          { subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] },
        ],
      });
      const etag = before.headers.etag as string;
      expect((await cluster.request('/apis', { headers: { Accept: accept, 'If-None-Match': etag } })).status).to.equal(304);
      const widgets = readFileSync(`${fixtures}regions.yaml`, 'utf8').replaceAll('regions', 'zones').replaceAll('Region', 'Zone').replace('shortNames: [rg]', 'shortNames: [zn]');
      expect((await cluster.kubectl(['apply', '-f', '-'], widgets)).code).to.equal(0);
      await kubectl('wait', '--for=condition=Established', 'crd/zones.infra.kubemock.dev', '--timeout=5s');
      const after = await cluster.request('/apis', { headers: { Accept: accept, 'If-None-Match': etag } });
      expect(after.status).to.equal(200);
      expect(after.headers.etag).to.not.equal(etag);
      const legacy = (await cluster.request('/apis/infra.kubemock.dev/v1alpha1')).json();
      expect(legacy.resources.map((r: any) => r.name)).to.deep.equal(['regions', 'zones']);
      await kubectl('delete', 'crd', 'zones.infra.kubemock.dev');
    });

    it('refuses invalid definitions with the real messages', async () => {
      const bad = {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'things.example.com' },
        spec: {
          group: 'example.com',
          scope: 'Namespaced',
          names: { plural: 'things', kind: 'Thing' },
          versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { foo: {} } } } } } }],
        },
      };
      const stderr = await kubectlFails(['create', '-f', '-'], JSON.stringify(bad));
      expect(stderr).to.include(
        'The CustomResourceDefinition "things.example.com" is invalid: spec.validation.openAPIV3Schema.properties[spec].properties[foo].type: Required value: must not be empty for specified object fields',
      );
    });

    it('checks a status write for its accepted names only', async () => {
      const label = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
      const refused = await cluster.request('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/regions.infra.kubemock.dev/status?dryRun=All', {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({ status: { acceptedNames: { plural: 'Bad_Name', kind: 'region', listKind: 'region', shortNames: ['X'] }, storedVersions: [] } }),
      });
      expect(refused.status).to.equal(422);
      expect(refused.json().message).to.equal(
        `CustomResourceDefinition.apiextensions.k8s.io "regions.infra.kubemock.dev" is invalid: [status.acceptedNames.plural: Invalid value: "Bad_Name": ${label}, status.acceptedNames.shortNames[0]: Invalid value: "X": ${label}, status.acceptedNames.listKind: Invalid value: "region": kind and listKind may not be the same]`,
      );
    });

    it('reports a name another definition of the group holds in NamesAccepted', async () => {
      const taken = readFileSync(`${fixtures}regions.yaml`, 'utf8').replace('name: regions.infra.kubemock.dev', 'name: places.infra.kubemock.dev').replace('plural: regions', 'plural: places');
      await cluster.kubectl(['apply', '-f', '-'], taken);
      await waitFor(async () => JSON.parse(await kubectl('get', 'crd', 'places.infra.kubemock.dev', '-o', 'json')).status?.conditions?.length === 2);
      const crd = JSON.parse(await kubectl('get', 'crd', 'places.infra.kubemock.dev', '-o', 'json'));
      expect(crd.status.conditions.map((c: any) => [c.type, c.status, c.reason, c.message])).to.deep.equal([
        ['NamesAccepted', 'False', 'ListKindConflict', '"RegionList" is already in use'],
        ['Established', 'False', 'NotAccepted', 'not all names are accepted'],
      ]);
      expect(crd.status.acceptedNames).to.deep.equal({ plural: 'places', kind: '' });
      expect((await cluster.request('/apis/infra.kubemock.dev/v1alpha1/places')).status).to.equal(404);
      await kubectl('delete', 'crd', 'places.infra.kubemock.dev');
    });

    it('publishes the schema in OpenAPI v3 for kubectl explain', async () => {
      const explained = await kubectl('explain', 'backupjob.spec.storage');
      expect(explained).to.include('KIND:       BackupJob').and.include('bucket\t<string> -required-').and.include('enum: Standard, Nearline, Coldline');
    });
  });

  describe('custom resources with kubectl', () => {
    it('creates with defaults, prunes with a warning, and prints the printer columns', async () => {
      const manifest = { ...backupJob('nightly', { schedule: '0 3 * * *', storage: { bucket: 'b1' }, targets: [{ name: 'db' }], bogus: 1 }) };
      const created = await cluster.kubectl(['create', '--validate=warn', '-f', '-'], JSON.stringify(manifest));
      expect(created.code, created.stderr).to.equal(0);
      expect(created.stderr).to.include('unknown field "spec.bogus"');
      const object = JSON.parse(await kubectl('get', 'bj', 'nightly', '-o', 'json'));
      expect(object.spec).to.deep.equal({ replicas: 1, retention: '7d', schedule: '0 3 * * *', storage: { bucket: 'b1', class: 'Standard' }, suspend: false, targets: [{ name: 'db', path: '/' }] });
      expect(object.metadata.generation).to.equal(1);
      const table = await kubectl('get', 'backupjobs');
      // A missing Ready condition prints as an empty cell.
      expect(table).to.match(/^NAME\s+SCHEDULE\s+REPLICAS\s+READY\s+AGE\nnightly\s+0 3 \* \* \*\s+1\s+\d+s\n$/);
      expect(await kubectl('get', 'bj', '-o', 'wide')).to.match(/^NAME\s+SCHEDULE\s+REPLICAS\s+READY\s+BUCKET\s+AGE\nnightly\s+0 3 \* \* \*\s+1\s+b1\s+\d+s\n$/);
      expect(await kubectl('get', 'all', '-o', 'name')).to.include('backupjob.batch.kubemock.dev/nightly');
    });

    it('refuses invalid objects with one cause per field, and unknown fields under strict validation', async () => {
      const stderr = await kubectlFails(['create', '-f', '-'], JSON.stringify(backupJob('broken', { schedule: '', replicas: 11, storage: {}, tags: ['a', 'a'] })));
      expect(stderr).to.include('The BackupJob "broken" is invalid: ');
      expect(stderr).to.include('* spec.schedule: Invalid value: "": spec.schedule in body should be at least 1 chars long');
      expect(stderr).to.include('* spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10');
      expect(stderr).to.include('* spec.storage.bucket: Required value');
      expect(stderr).to.include('* spec.tags[1]: Duplicate value: "a"');
      const strict = await kubectlFails(['create', '-f', '-'], JSON.stringify(backupJob('strict', { schedule: 'x', storage: { bucket: 'b' }, nope: true })));
      expect(strict).to.include('BackupJob in version "v1" cannot be handled as a BackupJob: strict decoding error: unknown field "spec.nope"');
    });

    it('warns about added finalizers that are not domain-qualified', async () => {
      const manifest = backupJob('kept', { schedule: 'x', storage: { bucket: 'b' } });
      const created = await cluster.kubectl(['create', '-f', '-'], JSON.stringify({ ...manifest, metadata: { ...manifest.metadata, finalizers: ['cleanup', 'kubemock.dev/cleanup', 'orphan'] } }));
      expect(created.code, created.stderr).to.equal(0);
      expect(created.stderr).to.equal('Warning: metadata.finalizers: "cleanup": prefer a domain-qualified finalizer name to avoid accidental conflicts with other finalizer writers\n');
      const patched = await cluster.kubectl(['patch', 'bj', 'kept', '--type=merge', '-p', '{"metadata":{"finalizers":["cleanup","backup.kubemock.dev"]}}']);
      expect(patched.stderr).to.equal('Warning: metadata.finalizers: "backup.kubemock.dev": prefer a domain-qualified finalizer name including a path (/) to avoid accidental conflicts with other finalizer writers\n');
      await kubectl('patch', 'bj', 'kept', '--type=merge', '-p', '{"metadata":{"finalizers":null}}');
      await kubectl('delete', 'bj', 'kept');
    });

    it('scales through /scale and keeps status apart from spec', async () => {
      expect(await kubectl('scale', 'bj', 'nightly', '--replicas=3')).to.equal('backupjob.batch.kubemock.dev/nightly scaled\n');
      await kubectl('patch', 'bj', 'nightly', '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":3,"selector":"app=backup","conditions":[{"type":"Ready","status":"True"}]}}');
      await kubectl('patch', 'bj', 'nightly', '--type=merge', '-p', '{"status":{"replicas":99}}');
      const object = JSON.parse(await kubectl('get', 'bj', 'nightly', '-o', 'json'));
      expect(object.spec.replicas).to.equal(3);
      expect(object.status).to.deep.equal({ conditions: [{ status: 'True', type: 'Ready' }], replicas: 3, selector: 'app=backup' });
      expect(object.metadata.generation).to.equal(2);
      const scale = (await cluster.request('/apis/batch.kubemock.dev/v1/namespaces/default/backupjobs/nightly/scale')).json();
      expect(Object.keys(scale)).to.deep.equal(['kind', 'apiVersion', 'metadata', 'spec', 'status']);
      expect(scale.spec).to.deep.equal({ replicas: 3 });
      expect(scale.status).to.deep.equal({ replicas: 3, selector: 'app=backup' });
      expect(await kubectl('get', 'bj', 'nightly', '-o', 'custom-columns=READY:.status.conditions[0].status', '--no-headers')).to.equal('True\n');
      // Table rows carry typed PartialObjectMetadata, its fields in ObjectMeta's order as Go writes them.
      const table = (await cluster.request('/apis/batch.kubemock.dev/v1/namespaces/default/backupjobs/nightly', { headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } })).json();
      expect(Object.keys(table.rows[0].object.metadata)).to.deep.equal(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields']);
      // Which entry comes first depends on the second each write fell in; every one keeps Go's field order.
      const entries = table.rows[0].object.metadata.managedFields;
      expect(entries.map((e: any) => e.subresource ?? '')).to.have.members(['', 'scale', 'status']);
      for (const entry of entries) {
        const goOrder = ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1', 'subresource'].filter((k) => k in entry);
        expect(Object.keys(entry)).to.deep.equal(goOrder);
      }
    });

    it('answers strategic merge patch with 415 and applies server-side with ownership and conflicts', async () => {
      const smp = await kubectlFails(['patch', 'bj', 'nightly', '--type=strategic', '-p', '{"spec":{"suspend":true}}']);
      expect(smp).to.include('the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
      const applied = backupJob('applied', { schedule: '*/5 * * * *', storage: { bucket: 'b2' } });
      expect(await cluster.kubectl(['apply', '--server-side', '--field-manager=ops', '-f', '-'], JSON.stringify(applied))).to.include({ code: 0 });
      const conflict = await cluster.kubectl(['apply', '--server-side', '--field-manager=other', '-f', '-'], JSON.stringify({ ...applied, spec: { ...applied.spec, schedule: '@daily' } }));
      expect(conflict.code).to.not.equal(0);
      expect(conflict.stderr).to.include('conflict with "ops"').and.include('.spec.schedule');
      const object = JSON.parse(await kubectl('get', 'bj', 'applied', '-o', 'json', '--show-managed-fields'));
      expect(object.metadata.managedFields.map((m: any) => [m.manager, m.operation])).to.deep.equal([['ops', 'Apply']]);
    });
  });

  describe('custom resources with client-node', () => {
    it('does CRUD, label selectors and status writes through CustomObjectsApi', async () => {
      const base = { group: 'batch.kubemock.dev', version: 'v1', namespace: 'default', plural: 'backupjobs' };
      const created: any = await custom.createNamespacedCustomObject({ ...base, body: { ...backupJob('weekly', { schedule: '0 0 * * 0', storage: { bucket: 'w' } }), metadata: { name: 'weekly', labels: { tier: 'gold' } } } });
      expect(created.spec.storage.class).to.equal('Standard');
      const listed: any = await custom.listNamespacedCustomObject({ ...base, labelSelector: 'tier=gold' });
      expect(listed.items.map((i: any) => [i.kind, i.apiVersion, i.metadata.name])).to.deep.equal([['BackupJob', 'batch.kubemock.dev/v1', 'weekly']]);
      const status: any = await custom.patchNamespacedCustomObjectStatus({ ...base, name: 'weekly', body: [{ op: 'add', path: '/status', value: { replicas: 1 } }] });
      expect(status.status).to.deep.equal({ replicas: 1 });
      const bySelector: any = await custom.listNamespacedCustomObject({ ...base, fieldSelector: 'metadata.name=weekly' });
      expect(bySelector.items).to.have.length(1);
      await custom.deleteNamespacedCustomObject({ ...base, name: 'weekly' });
      try {
        await custom.getNamespacedCustomObject({ ...base, name: 'weekly' });
        expect.fail('the object should be gone');
      } catch (err) {
        expect((err as k8s.ApiException<string>).code).to.equal(404);
      }
    });

    it('selects cluster-scoped resources by a selectable field through KubernetesObjectApi', async () => {
      for (const [name, provider] of [['eu', 'aws'], ['us', 'gcp']]) {
        await cluster.objects.create({ apiVersion: 'infra.kubemock.dev/v1alpha1', kind: 'Region', metadata: { name }, spec: { provider, zones: 3, extra: { any: { thing: true } } } } as k8s.KubernetesObject);
      }
      const aws: any = await cluster.objects.list('infra.kubemock.dev/v1alpha1', 'Region', undefined, undefined, undefined, undefined, 'spec.provider=aws');
      expect(aws.items.map((i: any) => i.metadata.name)).to.deep.equal(['eu']);
      const eu: any = await cluster.objects.read({ apiVersion: 'infra.kubemock.dev/v1alpha1', kind: 'Region', metadata: { name: 'eu' } });
      expect(eu.spec.extra).to.deep.equal({ any: { thing: true } });
      expect(await kubectl('get', 'regions')).to.match(/^NAME\s+AGE\neu\s+\d+s\nus\s+\d+s\n$/);
      const refused = await cluster.request('/apis/infra.kubemock.dev/v1alpha1/regions?fieldSelector=spec.zones%3D3');
      expect(refused.status).to.equal(400);
      expect(refused.json().message).to.equal('field label not supported: spec.zones');
    });

    it('watches custom resources and resumes from a resourceVersion, as for built-ins', async () => {
      const base = { group: 'batch.kubemock.dev', version: 'v1', namespace: 'default', plural: 'backupjobs' };
      const start = ((await custom.listNamespacedCustomObject(base)) as any).metadata.resourceVersion;
      const stream = await WatchStream.open(cluster.server, `/apis/batch.kubemock.dev/v1/namespaces/default/backupjobs?watch=true&resourceVersion=${start}&allowWatchBookmarks=true`);
      await custom.createNamespacedCustomObject({ ...base, body: backupJob('watched', { schedule: '@hourly', storage: { bucket: 'x' } }) });
      await custom.patchNamespacedCustomObject({ ...base, name: 'watched', body: { spec: { suspend: true } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await custom.deleteNamespacedCustomObject({ ...base, name: 'watched' });
      const events = await stream.waitForEvents(3);
      expect(events.map((e) => [e.type, e.object.metadata.name, e.object.kind])).to.deep.equal([
        ['ADDED', 'watched', 'BackupJob'],
        ['MODIFIED', 'watched', 'BackupJob'],
        ['DELETED', 'watched', 'BackupJob'],
      ]);
      stream.close();
      const resumed = await WatchStream.open(cluster.server, `/apis/batch.kubemock.dev/v1/namespaces/default/backupjobs?watch=true&resourceVersion=${events[0].object.metadata.resourceVersion}`);
      expect((await resumed.waitForEvents(2)).map((e) => e.type)).to.deep.equal(['MODIFIED', 'DELETED']);
      resumed.close();
    });

    it('serves streaming lists of custom resources, ending the initial events with a bookmark', async () => {
      const existing = ((await custom.listNamespacedCustomObject({ group: 'batch.kubemock.dev', version: 'v1', namespace: 'default', plural: 'backupjobs' })) as any).items.length;
      expect(existing).to.be.greaterThan(0);
      const stream = await WatchStream.open(cluster.server, '/apis/batch.kubemock.dev/v1/namespaces/default/backupjobs?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true');
      const events = await stream.waitForEvents(existing + 1);
      expect(events.slice(0, existing).map((e) => [e.type, e.object.kind])).to.deep.equal(Array(existing).fill(['ADDED', 'BackupJob']));
      expect(events[existing].type).to.equal('BOOKMARK');
      expect(events[existing].object).to.deep.include({ kind: 'BackupJob', apiVersion: 'batch.kubemock.dev/v1' });
      expect(events[existing].object.metadata.annotations).to.deep.equal({ 'k8s.io/initial-events-end': 'true' });
      stream.close();
    });
  });

  describe('several versions and CEL rules', () => {
    const database = (apiVersion: string, name: string, spec: Record<string, unknown>) => JSON.stringify({ apiVersion, kind: 'Database', metadata: { name }, spec });

    it('reports every failed rule with its message, messageExpression, reason and fieldPath', async () => {
      const stderr = await kubectlFails(['create', '-f', '-'], database('data.kubemock.dev/v1', 'orders', { engine: 'sqlite', storage: '512Mi', minReplicas: 5, endpoint: 'http://x', backup: { schedule: 'daily' }, allowedCidrs: ['10.0.0.0/8', 'nope'] }));
      for (const line of [
        '* spec: Invalid value: "object": minReplicas must not exceed maxReplicas',
        '* spec.backup: Forbidden: backups are not supported for sqlite',
        '* spec.allowedCidrs[1]: Invalid value: "string": must be a CIDR',
        '* spec.endpoint: Invalid value: "string": endpoint must be an https URL',
        '* spec.storage: Invalid value: "string": storage must be at least 1Gi',
      ]) {
        expect(stderr).to.include(line);
      }
    });

    it('keeps a transition rule on update and serves the object in both versions from one storage version', async () => {
      expect((await cluster.kubectl(['create', '-f', '-'], database('data.kubemock.dev/v1', 'orders', { engine: 'postgres', storage: '2Gi' }))).code).to.equal(0);
      const immutable = await kubectlFails(['patch', 'db', 'orders', '--type=merge', '-p', '{"spec":{"engine":"mysql"}}']);
      expect(immutable).to.include('The Database "orders" is invalid: spec.engine: Invalid value: "string": engine is immutable');
      const old = (await cluster.request('/apis/data.kubemock.dev/v1beta1/namespaces/default/databases/orders')).json();
      expect(old.apiVersion).to.equal('data.kubemock.dev/v1beta1');
      expect(old.spec).to.deep.equal({ engine: 'postgres', maxReplicas: 3, minReplicas: 1, storage: '2Gi' });
      const viaOld = await cluster.request('/apis/data.kubemock.dev/v1beta1/namespaces/default/databases', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: database('data.kubemock.dev/v1beta1', 'legacy', { engine: 'mysql', storage: '1Gi', anything: 'kept' }),
      });
      expect(viaOld.status).to.equal(201);
      expect(viaOld.headers.warning).to.include('data.kubemock.dev/v1beta1 Database is deprecated; use data.kubemock.dev/v1');
      const stored = cluster.server.services.store.get('data.kubemock.dev/databases', 'default/legacy')!;
      expect(stored.object.apiVersion).to.equal('data.kubemock.dev/v1');
      const yaml = parseYaml(await kubectl('get', 'databases.v1.data.kubemock.dev', 'legacy', '-o', 'yaml'));
      expect(yaml.apiVersion).to.equal('data.kubemock.dev/v1');
    });
  });

  describe('validation ratcheting', () => {
    it('lets an update leave a field that a tightened schema now refuses, warning about its rules, and refuses changing it', async () => {
      const crd = (a: Record<string, unknown>) =>
        JSON.stringify({
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name: 'rats.ex.kubemock.dev' },
          spec: { group: 'ex.kubemock.dev', scope: 'Namespaced', names: { plural: 'rats', kind: 'Rat' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { a, b: { type: 'string' } } } } } } }] },
        });
      expect((await cluster.kubectl(['apply', '-f', '-'], crd({ type: 'string' }))).code).to.equal(0);
      await kubectl('wait', '--for=condition=Established', 'crd/rats.ex.kubemock.dev', '--timeout=5s');
      expect((await cluster.kubectl(['create', '-f', '-'], JSON.stringify({ apiVersion: 'ex.kubemock.dev/v1', kind: 'Rat', metadata: { name: 'r' }, spec: { a: 'toolongvalue', b: 'x' } }))).code).to.equal(0);
      expect((await cluster.kubectl(['apply', '-f', '-'], crd({ type: 'string', maxLength: 3, 'x-kubernetes-validations': [{ rule: 'self.size() < 4' }] }))).code).to.equal(0);
      const probe = JSON.stringify({ apiVersion: 'ex.kubemock.dev/v1', kind: 'Rat', metadata: { name: 'probe' }, spec: { a: 'long' } });
      await waitFor(async () => (await cluster.kubectl(['create', '--dry-run=server', '-f', '-'], probe)).code !== 0);
      const kept = await cluster.kubectl(['patch', 'rat', 'r', '--type=merge', '-p', '{"spec":{"b":"y"}}']);
      expect(kept.code).to.equal(0);
      expect(kept.stderr).to.equal('Warning: spec.a: Invalid value: "string": failed rule: self.size() < 4\n');
      const refused = await kubectlFails(['patch', 'rat', 'r', '--type=merge', '-p', '{"spec":{"a":"toolongvalue2"}}']);
      expect(refused).to.include('* spec.a: Too long: may not be more than 3 bytes');
      expect(refused).to.include('* <nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation');
    });
  });

  describe('deleting a definition', () => {
    it('marks it Terminating, refuses new resources, deletes its resources (waiting for their finalizers), then removes it and its routes', async () => {
      const held = { ...backupJob('held', { schedule: '@daily', storage: { bucket: 'h' } }), metadata: { name: 'held', namespace: 'default', finalizers: ['example.com/hold'] } };
      await cluster.kubectl(['create', '-f', '-'], JSON.stringify(held));
      const watch = await WatchStream.open(cluster.server, '/apis/batch.kubemock.dev/v1/backupjobs?watch=true');
      await kubectl('delete', 'crd', 'backupjobs.batch.kubemock.dev', '--wait=false');
      await waitFor(async () => JSON.parse(await kubectl('get', 'crd', 'backupjobs.batch.kubemock.dev', '-o', 'json')).status.conditions.some((c: any) => c.reason === 'InstanceDeletionInProgress'));
      const crd = JSON.parse(await kubectl('get', 'crd', 'backupjobs.batch.kubemock.dev', '-o', 'json'));
      expect(crd.metadata.finalizers).to.deep.equal(['customresourcecleanup.apiextensions.k8s.io']);
      expect(crd.status.conditions.find((c: any) => c.type === 'Terminating')).to.include({ status: 'True', message: 'CustomResource deletion is in progress' });
      const heldNow = JSON.parse(await kubectl('get', 'bj', 'held', '-o', 'json'));
      expect(heldNow.metadata.deletionTimestamp).to.be.a('string');
      const refused = await cluster.request('/apis/batch.kubemock.dev/v1/namespaces/default/backupjobs', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(backupJob('late', { schedule: '@daily', storage: { bucket: 'l' } })) });
      expect(refused.status).to.equal(405);
      expect(refused.json()).to.deep.equal({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'create not allowed while custom resource definition is terminating',
        reason: 'MethodNotAllowed',
        details: { group: 'batch.kubemock.dev', kind: 'backupjobs' },
        code: 405,
      });
      await kubectl('patch', 'bj', 'held', '--type=merge', '-p', '{"metadata":{"finalizers":null}}');
      await waitFor(async () => (await cluster.kubectl(['get', 'crd', 'backupjobs.batch.kubemock.dev'])).code !== 0);
      expect((await cluster.request('/apis/batch.kubemock.dev/v1/namespaces/default/backupjobs')).status).to.equal(404);
      const groups = (await cluster.request('/apis')).json().groups.map((g: any) => g.name);
      expect(groups).to.not.include('batch.kubemock.dev');
      await watch.waitForEnd();
      expect(watch.events.map((e) => e.type)).to.not.include('ERROR');
    });
  });
});
