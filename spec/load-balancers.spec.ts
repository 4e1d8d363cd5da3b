// LoadBalancer Services get addresses, as on a cluster with a cloud provider's service controller.
// Event reasons and messages are those of k8s.io/cloud-provider's service controller 1.32.

import { expect } from 'chai';
import { startCluster, type TestCluster } from './support/cluster.js';

type Json = Record<string, any>;

describe('load balancers', () => {
  let cluster: TestCluster;
  const settle = () => cluster.server.controllers.settle();
  const send = async (method: string, path: string, body?: Json, type = 'application/json') => {
    const response = await cluster.request(path, { method, headers: { 'content-type': type }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const service = (name: string, spec: Json = {}) =>
    send('POST', '/api/v1/namespaces/default/services', { metadata: { name }, spec: { type: 'LoadBalancer', ports: [{ port: 443 }], ...spec } });
  const eventsOf = async (name: string) =>
    ((await send('GET', `/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=${name}`)).body.items as Json[]).map((e) => [e.type, e.reason, e.message, e.source.component]);

  before(async () => {
    cluster = await startCluster({ nodes: 1 });
    await settle();
  });
  after(() => cluster.stop());

  it('give a LoadBalancer Service an address with the cleanup finalizer, and take both back on deletion', async () => {
    expect((await service('front')).status).to.equal(201);
    await settle();
    const front = (await send('GET', '/api/v1/namespaces/default/services/front')).body;
    expect(front.metadata.finalizers).to.deep.equal(['service.kubernetes.io/load-balancer-cleanup']);
    expect(front.status.loadBalancer).to.deep.equal({ ingress: [{ ip: '172.18.255.1', ipMode: 'VIP' }] });
    expect(front.metadata.managedFields.find((m: Json) => m.subresource === 'status')).to.deep.include({ manager: 'kube-controller-manager', operation: 'Update' });
    expect(await eventsOf('front')).to.have.deep.members([
      ['Normal', 'EnsuringLoadBalancer', 'Ensuring load balancer', 'service-controller'],
      ['Normal', 'EnsuredLoadBalancer', 'Ensured load balancer', 'service-controller'],
    ]);

    const printed = await cluster.kubectl(['get', 'service', 'front', '--no-headers']);
    expect(printed.stdout).to.match(/^front\s+LoadBalancer\s+\S+\s+172\.18\.255\.1\s+443:\d+\/TCP\s/);

    expect((await send('DELETE', '/api/v1/namespaces/default/services/front')).status).to.equal(200);
    await settle();
    expect((await send('GET', '/api/v1/namespaces/default/services/front')).status).to.equal(404);
    expect(await eventsOf('front')).to.include.deep.members([
      ['Normal', 'DeletingLoadBalancer', 'Deleting load balancer', 'service-controller'],
      ['Normal', 'DeletedLoadBalancer', 'Deleted load balancer', 'service-controller'],
    ]);
  });

  it('honor spec.loadBalancerIP, reuse freed addresses and leave Services of another loadBalancerClass alone', async () => {
    await service('pinned', { loadBalancerIP: '172.18.255.77' });
    await service('next');
    await service('elsewhere', { loadBalancerClass: 'example.com/lb' });
    await settle();
    const ingress = async (name: string) => (await send('GET', `/api/v1/namespaces/default/services/${name}`)).body;
    expect((await ingress('pinned')).status.loadBalancer.ingress).to.deep.equal([{ ip: '172.18.255.77', ipMode: 'VIP' }]);
    expect((await ingress('next')).status.loadBalancer.ingress).to.deep.equal([{ ip: '172.18.255.1', ipMode: 'VIP' }]);
    const elsewhere = await ingress('elsewhere');
    expect(elsewhere.status.loadBalancer).to.deep.equal({});
    expect(elsewhere.metadata.finalizers).to.equal(undefined);
  });
});

describe('ingress addresses', () => {
  let cluster: TestCluster;
  const settle = () => cluster.server.controllers.settle();
  const send = async (method: string, path: string, body?: Json, type = 'application/json') => {
    const response = await cluster.request(path, { method, headers: { 'content-type': type }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const ingresses = '/apis/networking.k8s.io/v1/namespaces/default/ingresses';
  const classes = '/apis/networking.k8s.io/v1/ingressclasses';
  const backend = { service: { name: 'web', port: { number: 80 } } };
  const ingress = (name: string, spec: Json = {}, annotations?: Json) => send('POST', ingresses, { metadata: { name, annotations }, spec: { defaultBackend: backend, ...spec } });
  const addressOf = async (name: string) => (await send('GET', `${ingresses}/${name}`)).body.status?.loadBalancer;

  before(async () => {
    cluster = await startCluster({ nodes: 1 });
    await settle();
  });
  after(() => cluster.stop());

  it('publish an address for Ingresses of the default IngressClass only', async () => {
    expect((await ingress('early')).status).to.equal(201);
    const defaultClass = { metadata: { name: 'web', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: 'example.com/web' } };
    expect((await send('POST', classes, defaultClass)).status).to.equal(201);
    expect((await send('POST', classes, { metadata: { name: 'other' }, spec: { controller: 'example.com/other' } })).status).to.equal(201);
    await ingress('defaulted');
    await ingress('named', { ingressClassName: 'web' });
    await ingress('annotated', {}, { 'kubernetes.io/ingress.class': 'web' });
    await ingress('elsewhere', { ingressClassName: 'other' });
    await settle();

    const published = { ingress: [{ ip: '172.18.254.1' }] };
    for (const name of ['defaulted', 'named', 'annotated']) expect(await addressOf(name), name).to.deep.equal(published);
    // Created before there was a default, it names no class; the other class has no controller here.
    expect(await addressOf('early')).to.deep.equal({});
    expect(await addressOf('elsewhere')).to.deep.equal({});
    const defaulted = (await send('GET', `${ingresses}/defaulted`)).body;
    expect(defaulted.spec.ingressClassName).to.equal('web');
    expect(defaulted.metadata.managedFields.find((m: Json) => m.subresource === 'status')).to.deep.include({ manager: 'ingress-controller', operation: 'Update' });

    const printed = await cluster.kubectl(['get', 'ingresses', '--no-headers']);
    expect(printed.stdout.split('\n').filter(Boolean).map((line) => line.split(/\s+/).slice(0, 4))).to.deep.equal([
      ['annotated', '<none>', '*', '172.18.254.1'],
      ['defaulted', 'web', '*', '172.18.254.1'],
      ['early', '<none>', '*', '80'],
      ['elsewhere', 'other', '*', '80'],
      ['named', 'web', '*', '172.18.254.1'],
    ]);

    // Moving to another class, or the class stopping being the default, takes the address back.
    await send('PATCH', `${ingresses}/named`, { spec: { ingressClassName: 'other' } }, 'application/merge-patch+json');
    await settle();
    expect(await addressOf('named')).to.deep.equal({});
    await send('PATCH', `${classes}/web`, { metadata: { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'false' } } }, 'application/merge-patch+json');
    await settle();
    for (const name of ['defaulted', 'annotated']) expect(await addressOf(name), name).to.deep.equal({});
  });

  it('leave an address another controller wrote on an Ingress it does not serve', async () => {
    await ingress('foreign', { ingressClassName: 'other' });
    const foreign = (await send('GET', `${ingresses}/foreign`)).body;
    const written = await send('PUT', `${ingresses}/foreign/status`, { ...foreign, status: { loadBalancer: { ingress: [{ hostname: 'lb.example.com' }] } } });
    expect(written.status).to.equal(200);
    await settle();
    expect(await addressOf('foreign')).to.deep.equal({ ingress: [{ hostname: 'lb.example.com' }] });
  });
});
