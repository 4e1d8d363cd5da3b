import { expect } from 'chai';
import { startCluster, type TestCluster } from './support/cluster.js';

type Json = Record<string, any>;

async function get(cluster: TestCluster, args: string[]): Promise<Json> {
  const result = await cluster.kubectl([...args, '-o', 'json']);
  expect(result.code, result.stderr).to.equal(0);
  return JSON.parse(result.stdout);
}

const slicesOf = async (cluster: TestCluster, service: string) => (await get(cluster, ['get', 'endpointslices', '-l', `kubernetes.io/service-name=${service}`])).items as Json[];

describe('Endpoints and EndpointSlice controllers', () => {
  let cluster: TestCluster;
  const settle = () => cluster.server.controllers.settle();
  before(async () => {
    cluster = await startCluster({ nodes: 2, kubeletStages: [{ name: 'unready', match: { labels: { ready: 'no' } }, ready: { never: true } }] });
    await cluster.kubectl(['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=3']);
    await settle();
  });
  after(() => cluster.stop());

  it('follow `kubectl expose` with Endpoints and an EndpointSlice shaped as kube-controller-manager 1.32 shapes them', async () => {
    const expose = await cluster.kubectl(['expose', 'deployment', 'web', '--port=80', '--target-port=8080']);
    expect(expose.code, expose.stderr).to.equal(0);
    await settle();
    const podList = (await get(cluster, ['get', 'pods', '-l', 'app=web'])).items as Json[];
    const service = await get(cluster, ['get', 'service', 'web']);
    const endpoints = await get(cluster, ['get', 'endpoints', 'web']);
    expect(endpoints.metadata.labels).to.deep.equal({ app: 'web' });
    expect(endpoints.metadata.annotations['endpoints.kubernetes.io/last-change-trigger-time']).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(endpoints.subsets).to.have.length(1);
    expect(endpoints.subsets[0].ports).to.deep.equal([{ port: 8080, protocol: 'TCP' }]);
    const byIP = [...podList].sort((a, b) => (a.status.podIP < b.status.podIP ? -1 : 1));
    expect(endpoints.subsets[0].addresses).to.deep.equal(
      byIP.map((p) => ({ ip: p.status.podIP, nodeName: p.spec.nodeName, targetRef: { kind: 'Pod', name: p.metadata.name, namespace: 'default', uid: p.metadata.uid } })),
    );

    const [slice, ...others] = await slicesOf(cluster, 'web');
    expect(others).to.deep.equal([]);
    expect(slice.metadata.generateName).to.equal('web-');
    expect(slice.metadata.labels).to.deep.equal({ app: 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': 'web' });
    expect(slice.metadata.ownerReferences).to.deep.equal([{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: service.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(slice.addressType).to.equal('IPv4');
    expect(slice.ports).to.deep.equal([{ name: '', port: 8080, protocol: 'TCP' }]);
    expect(slice.endpoints.map((e: Json) => e.conditions)).to.deep.equal([
      { ready: true, serving: true, terminating: false },
      { ready: true, serving: true, terminating: false },
      { ready: true, serving: true, terminating: false },
    ]);
    expect(slice.endpoints.map((e: Json) => e.addresses[0]).sort()).to.deep.equal(byIP.map((p) => p.status.podIP));
    const managers = (await cluster.request(`/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/${slice.metadata.name}`)).json().metadata.managedFields;
    expect(managers.map((m: Json) => [m.manager, m.operation])).to.deep.equal([['kube-controller-manager', 'Update']]);
  });

  it('follow a scale-down: the deleted pods leave both', async () => {
    await cluster.kubectl(['scale', 'deployment/web', '--replicas=1']);
    await settle();
    const endpoints = await get(cluster, ['get', 'endpoints', 'web']);
    expect(endpoints.subsets[0].addresses).to.have.length(1);
    const [slice] = await slicesOf(cluster, 'web');
    expect(slice.endpoints).to.have.length(1);
  });

  it('put unready pods among notReadyAddresses and mark them not ready in slices; resolve named target ports', async () => {
    await cluster.apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'named' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'named' } },
          template: { metadata: { labels: { app: 'named', ready: 'no' } }, spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ name: 'http', containerPort: 8081 }] }] } },
        },
      },
    });
    await cluster.core.createNamespacedService({
      namespace: 'default',
      body: { metadata: { name: 'named' }, spec: { selector: { app: 'named' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] } },
    });
    await settle();
    const endpoints = await get(cluster, ['get', 'endpoints', 'named']);
    expect(endpoints.subsets).to.have.length(1);
    expect(endpoints.subsets[0].addresses).to.equal(undefined);
    expect(endpoints.subsets[0].notReadyAddresses).to.have.length(2);
    expect(endpoints.subsets[0].ports).to.deep.equal([{ name: 'web', port: 8081, protocol: 'TCP' }]);
    const [slice] = await slicesOf(cluster, 'named');
    expect(slice.ports).to.deep.equal([{ name: 'web', port: 8081, protocol: 'TCP' }]);
    expect(slice.endpoints.map((e: Json) => e.conditions)).to.deep.equal([
      { ready: false, serving: false, terminating: false },
      { ready: false, serving: false, terminating: false },
    ]);
  });

  it('label headless Services, keep an empty placeholder slice, and leave selector-less Services alone', async () => {
    await cluster.kubectl(['create', 'service', 'clusterip', 'headless', '--clusterip=None', '--tcp=80:80']);
    await cluster.core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'manual' }, spec: { ports: [{ port: 80 }] } } });
    await settle();
    // As kube-controller-manager 1.32.13 left them for the same Services.
    const headless = await get(cluster, ['get', 'endpoints', 'headless']);
    expect(headless.metadata.labels).to.deep.equal({ app: 'headless', 'service.kubernetes.io/headless': '' });
    expect(headless.subsets).to.equal(undefined);
    const [placeholder, ...more] = await slicesOf(cluster, 'headless');
    expect(more).to.deep.equal([]);
    expect(placeholder.metadata.labels['service.kubernetes.io/headless']).to.equal('');
    // EndpointSlice endpoints and ports have no omitempty: an empty slice serializes them as null.
    expect(placeholder.endpoints).to.equal(null);
    expect(placeholder.ports).to.equal(null);
    expect((await cluster.kubectl(['get', 'endpoints', 'manual'])).code).to.equal(1);
    expect(await slicesOf(cluster, 'manual')).to.deep.equal([]);
  });

  it('remove the Endpoints with their Service', async () => {
    await cluster.core.deleteNamespacedService({ name: 'named', namespace: 'default' });
    await settle();
    const missing = await cluster.kubectl(['get', 'endpoints', 'named']);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.contain('endpoints "named" not found');
  });
});
