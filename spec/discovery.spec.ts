import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startCluster, type TestCluster } from './support/cluster.js';

const aggregatedAccept =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

/** What `kubectl api-resources` and `kubectl api-versions` print against a fresh kube-apiserver 1.32.13 (spec/fixtures/README.md). */
const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../spec/fixtures/${name}`, import.meta.url)), 'utf8');
const capturedResources = fixture('api-resources.txt');
const capturedVersions = fixture('api-versions.txt');

describe('discovery and health', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster.stop());

  it('kubectl api-resources and api-versions print what a real cluster prints', async () => {
    const resources = await cluster.kubectl(['api-resources']);
    expect(resources.code, resources.stderr).to.equal(0);
    const versions = await cluster.kubectl(['api-versions']);
    expect(versions.code, versions.stderr).to.equal(0);
    expect(resources.stdout).to.equal(capturedResources);
    expect(versions.stdout).to.equal(capturedVersions);
  });

  it('puts the API extension kinds in the api-extensions category', async () => {
    const listed = await cluster.kubectl(['api-resources', '--categories=api-extensions', '-o', 'name']);
    // kubectl v1.32 against kube-apiserver 1.32.13.
    expect(listed.stdout.split('\n').filter(Boolean)).to.deep.equal([
      'mutatingwebhookconfigurations.admissionregistration.k8s.io',
      'validatingadmissionpolicies.admissionregistration.k8s.io',
      'validatingadmissionpolicybindings.admissionregistration.k8s.io',
      'validatingwebhookconfigurations.admissionregistration.k8s.io',
      'customresourcedefinitions.apiextensions.k8s.io',
      'apiservices.apiregistration.k8s.io',
    ]);
  });

  it('serves aggregated discovery v2 and v2beta1 by Accept, with the media type echoed', async () => {
    for (const version of ['v2', 'v2beta1']) {
      const accept = `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList,application/json`;
      const response = await cluster.request('/apis', { headers: { Accept: accept } });
      expect(response.headers['content-type']).to.equal(`application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`);
      const body = response.json();
      expect(body).to.include({ kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}` });
      const apps = body.items.find((i: { metadata: { name: string } }) => i.metadata.name === 'apps');
      const deployments = apps.versions[0].resources.find((r: { resource: string }) => r.resource === 'deployments');
      expect(apps.versions[0]).to.include({ version: 'v1', freshness: 'Current' });
      expect(deployments).to.deep.equal({
        resource: 'deployments',
        responseKind: { group: '', version: '', kind: 'Deployment' },
        scope: 'Namespaced',
        singularResource: 'deployment',
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
        shortNames: ['deploy'],
        categories: ['all'],
        subresources: [
          { subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] },
          { subresource: 'status', responseKind: { group: '', version: '', kind: 'Deployment' }, verbs: ['get', 'patch', 'update'] },
        ],
      });
    }
    const core = (await cluster.request('/api', { headers: { Accept: aggregatedAccept } })).json();
    expect(core.items).to.have.length(1);
    expect(core.items[0].metadata).to.deep.equal({ creationTimestamp: null });
  });

  it('serves legacy discovery when the client asks for plain JSON', async () => {
    const api = (await cluster.request('/api')).json();
    expect(api.kind).to.equal('APIVersions');
    expect(api.versions).to.deep.equal(['v1']);
    expect(api.serverAddressByClientCIDRs[0].clientCIDR).to.equal('0.0.0.0/0');
    const apis = (await cluster.request('/apis')).json();
    expect(apis).to.include({ kind: 'APIGroupList', apiVersion: 'v1' });
    // The aggregator's own group leads, then apps, as on kube-apiserver 1.32.13.
    expect(apis.groups.slice(0, 2)).to.deep.equal([
      { name: 'apiregistration.k8s.io', versions: [{ groupVersion: 'apiregistration.k8s.io/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apiregistration.k8s.io/v1', version: 'v1' } },
      { name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } },
    ]);
    const group = (await cluster.request('/apis/coordination.k8s.io')).json();
    expect(group).to.include({ kind: 'APIGroup', apiVersion: 'v1', name: 'coordination.k8s.io' });
  });

  it('lists resources per group-version with storage version hashes', async () => {
    const core = (await cluster.request('/api/v1')).json();
    expect(core).to.not.have.property('apiVersion');
    expect(core).to.include({ kind: 'APIResourceList', groupVersion: 'v1' });
    const byName = new Map(core.resources.map((r: { name: string }) => [r.name, r]));
    expect(byName.get('pods')).to.deep.equal({
      name: 'pods',
      singularName: 'pod',
      namespaced: true,
      kind: 'Pod',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['po'],
      categories: ['all'],
      storageVersionHash: 'xPOwRZ+Yhw8=',
    });
    expect(byName.get('pods/status')).to.deep.equal({ name: 'pods/status', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get', 'patch', 'update'] });
    // The CONNECT subresources name their options kind and the verbs of their HTTP methods (kube-apiserver 1.32.13).
    const connect = (name: string, kind: string, verbs: string[], namespaced = true) => ({ name, singularName: '', namespaced, kind, verbs });
    const proxyVerbs = ['create', 'delete', 'get', 'patch', 'update'];
    expect(byName.get('pods/ephemeralcontainers')).to.deep.equal({ name: 'pods/ephemeralcontainers', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get', 'patch', 'update'] });
    expect(['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'services/proxy', 'nodes/proxy', 'pods/binding'].map((name) => byName.get(name))).to.deep.equal([
      connect('pods/attach', 'PodAttachOptions', ['create', 'get']),
      connect('pods/exec', 'PodExecOptions', ['create', 'get']),
      connect('pods/portforward', 'PodPortForwardOptions', ['create', 'get']),
      connect('pods/proxy', 'PodProxyOptions', proxyVerbs),
      connect('services/proxy', 'ServiceProxyOptions', proxyVerbs),
      connect('nodes/proxy', 'NodeProxyOptions', proxyVerbs, false),
      connect('pods/binding', 'Binding', ['create']),
    ]);
    const hashes = Object.fromEntries(core.resources.filter((r: { storageVersionHash?: string }) => r.storageVersionHash).map((r: { name: string; storageVersionHash: string }) => [r.name, r.storageVersionHash]));
    expect(hashes).to.include({ services: '0/CO1lhkEBI=', namespaces: 'Q3oi5N2YM8M=', configmaps: 'qFsyl6wFWjQ=' });
    expect(byName.get('namespaces')).to.deep.include({ verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] });
    const apps = (await cluster.request('/apis/apps/v1')).json();
    expect(apps).to.include({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'apps/v1' });
    const scale = apps.resources.find((r: { name: string }) => r.name === 'deployments/scale');
    expect(scale).to.deep.equal({ name: 'deployments/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
    expect(apps.resources.find((r: { name: string }) => r.name === 'deployments').storageVersionHash).to.equal('8aSe+NMegvE=');
    const leases = (await cluster.request('/apis/coordination.k8s.io/v1')).json();
    expect(leases.resources[0].storageVersionHash).to.equal('gqkMMb/YqFM=');
    // What kube-apiserver does not store has no storage version: reviews, bindings, component statuses.
    const unhashed = async (groupVersion: string) =>
      (await cluster.request(groupVersion)).json().resources.filter((r: { name: string; storageVersionHash?: string }) => !r.name.includes('/') && !r.storageVersionHash).map((r: { name: string }) => r.name);
    expect(await unhashed('/api/v1')).to.deep.equal(['bindings', 'componentstatuses']);
    expect(await unhashed('/apis/authentication.k8s.io/v1')).to.deep.equal(['selfsubjectreviews', 'tokenreviews']);
    expect(await unhashed('/apis/authorization.k8s.io/v1')).to.deep.equal(['localsubjectaccessreviews', 'selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'subjectaccessreviews']);
    expect(await unhashed('/apis/apps/v1')).to.deep.equal([]);
  });

  it('answers /version with the v1.32.0 build', async () => {
    const version = (await cluster.request('/version')).json();
    expect(Object.keys(version)).to.deep.equal(['major', 'minor', 'gitVersion', 'gitCommit', 'gitTreeState', 'buildDate', 'goVersion', 'compiler', 'platform']);
    expect(version).to.include({ major: '1', minor: '32', gitVersion: 'v1.32.0' });
  });

  it('serves /healthz, /livez and /readyz, verbose and per check', async () => {
    for (const endpoint of ['healthz', 'livez', 'readyz']) {
      const plain = await cluster.request(`/${endpoint}`);
      expect(plain.status).to.equal(200);
      expect(plain.body).to.equal('ok');
      const verbose = await cluster.request(`/${endpoint}?verbose`);
      expect(verbose.body).to.match(new RegExp(`^\\[\\+\\]ping ok\\n(\\[\\+\\][\\w/-]+ ok\\n)+${endpoint} check passed\\n$`));
      expect((await cluster.request(`/${endpoint}/ping`)).body).to.equal('ok');
    }
    expect((await cluster.request('/readyz/nope')).status).to.equal(404);
  });

  it('binds a pod to a node through pods/binding and the bindings resource', async () => {
    const { core } = cluster;
    // A scheduler of their own, so the default scheduler leaves them to this test.
    for (const name of ['bind-a', 'bind-b']) await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name }, spec: { schedulerName: 'by-hand', containers: [{ name: 'c', image: 'busybox' }] } } });
    const viaSubresource = await cluster.request('/api/v1/namespaces/default/pods/bind-a/binding', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bind-a' }, target: { kind: 'Node', name: 'node-1' } }),
    });
    expect(viaSubresource.status).to.equal(201);
    expect(viaSubresource.json()).to.deep.equal({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    await core.createNamespacedBinding({ namespace: 'default', body: { metadata: { name: 'bind-b' }, target: { kind: 'Node', name: 'node-2' } } });
    const a = await core.readNamespacedPod({ name: 'bind-a', namespace: 'default' });
    const b = await core.readNamespacedPod({ name: 'bind-b', namespace: 'default' });
    expect(a.spec?.nodeName).to.equal('node-1');
    expect(b.spec?.nodeName).to.equal('node-2');
    expect(a.status?.conditions?.[0]).to.include({ type: 'PodScheduled', status: 'True' });
    const again = await cluster.request('/api/v1/namespaces/default/pods/bind-a/binding', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bind-a' }, target: { kind: 'Node', name: 'node-2' } }),
    });
    expect(again.status).to.equal(409);
    expect(again.json().message).to.equal('Operation cannot be fulfilled on pods/binding "bind-a": pod bind-a is already assigned to node "node-1"');
  });

  it('reviews tokens', async () => {
    const review = async (token: string) =>
      (
        await cluster.request('/apis/authentication.k8s.io/v1/tokenreviews', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }),
        })
      ).json();
    expect((await review(cluster.server.token)).status).to.deep.include({ authenticated: true });
    expect((await review('nope')).status.authenticated).to.equal(undefined);
  });
});
