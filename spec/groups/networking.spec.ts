import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { ManualClock } from '../../testkit/index.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { expectStatus } from '../support/status.js';
import { aligned } from '../support/tables.js';

const backend = { service: { name: 'web', port: { number: 80 } } };

describe('networking.k8s.io/v1', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  let networking: k8s.NetworkingV1Api;
  before(async () => {
    clock = new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000));
    cluster = await startCluster({ clock });
    networking = cluster.kubeconfig.makeApiClient(k8s.NetworkingV1Api);
  });
  after(() => cluster.stop());


  it('creates, updates, writes the status of and deletes an Ingress through NetworkingV1Api', async () => {
    const created = await networking.createNamespacedIngress({
      namespace: 'default',
      body: {
        metadata: { name: 'shop' },
        spec: { rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }] },
      },
    });
    expect(created.metadata?.generation).to.equal(1);
    expect(created.status).to.deep.equal({ loadBalancer: {} });

    const status = await networking.replaceNamespacedIngressStatus({
      name: 'shop',
      namespace: 'default',
      body: { ...created, status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } } },
    });
    expect(status.status?.loadBalancer?.ingress).to.deep.equal([{ ip: '192.0.2.1' }]);

    const patched = await networking.patchNamespacedIngress({ name: 'shop', namespace: 'default', body: [{ op: 'replace', path: '/spec/rules/0/host', value: 'www.example.com' }] });
    expect(patched.metadata?.generation).to.equal(2);
    expect(patched.status?.loadBalancer?.ingress, 'a spec write keeps the status').to.deep.equal([{ ip: '192.0.2.1' }]);

    // The typed client requires pathType; a body without one is what older manifests send.
    const withoutPathType = { metadata: { name: 'nopath' }, spec: { rules: [{ http: { paths: [{ path: '/', backend }] } }] } } as unknown as k8s.V1Ingress;
    const refused = await expectStatus(
      networking.createNamespacedIngress({ namespace: 'default', body: withoutPathType }),
      422,
      'Invalid',
    );
    expect(refused.message).to.equal('Ingress.networking.k8s.io "nopath" is invalid: spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified');

    const all = await networking.listIngressForAllNamespaces();
    expect(all.items.map((i) => i.metadata?.name)).to.deep.equal(['shop']);
    await networking.deleteNamespacedIngress({ name: 'shop', namespace: 'default' });
  });

  it('gives new Ingresses the newest default IngressClass', async () => {
    await networking.createIngressClass({ body: { metadata: { name: 'old-default', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: 'example.com/a' } } });
    // A later creation time makes this one the newest default.
    clock.advance(1000);
    await networking.createIngressClass({ body: { metadata: { name: 'new-default', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: 'example.com/b' } } });
    const classless = await networking.createNamespacedIngress({ namespace: 'default', body: { metadata: { name: 'classless' }, spec: { defaultBackend: backend } } });
    expect(classless.spec?.ingressClassName).to.equal('new-default');
    const chosen = await networking.createNamespacedIngress({ namespace: 'default', body: { metadata: { name: 'chosen' }, spec: { ingressClassName: 'old-default', defaultBackend: backend } } });
    expect(chosen.spec?.ingressClassName).to.equal('old-default');
    const updated = await networking.patchNamespacedIngress({ name: 'chosen', namespace: 'default', body: [{ op: 'remove', path: '/spec/ingressClassName' }] });
    expect(updated.spec?.ingressClassName, 'only creates are defaulted').to.equal(undefined);
    for (const name of ['classless', 'chosen']) await networking.deleteNamespacedIngress({ name, namespace: 'default' });
    await networking.deleteCollectionIngressClass({});
  });

  it('defaults NetworkPolicy policy types and port protocols', async () => {
    const created = await networking.createNamespacedNetworkPolicy({
      namespace: 'default',
      body: { metadata: { name: 'egress' }, spec: { podSelector: {}, egress: [{ ports: [{ port: 53 }] }] } },
    });
    expect(created.spec?.policyTypes).to.deep.equal(['Ingress', 'Egress']);
    expect(created.spec?.egress?.[0].ports).to.deep.equal([{ port: 53, protocol: 'TCP' }]);
    await networking.deleteNamespacedNetworkPolicy({ name: 'egress', namespace: 'default' });
  });

  it('kubectl create ingress builds what kube-apiserver stores', async () => {
    const made = await cluster.kubectl(['create', 'ingress', 'simple', '--rule=foo.com/bar=svc1:8080,tls=my-cert']);
    expect(made.stdout, made.stderr).to.equal('ingress.networking.k8s.io/simple created\n');
    const stored = JSON.parse((await cluster.kubectl(['get', 'ingress', 'simple', '-o', 'json'])).stdout);
    expect(stored.spec).to.deep.equal({
      rules: [{ host: 'foo.com', http: { paths: [{ backend: { service: { name: 'svc1', port: { number: 8080 } } }, path: '/bar', pathType: 'Exact' }] } }],
      tls: [{ hosts: ['foo.com'], secretName: 'my-cert' }],
    });
    await cluster.kubectl(['delete', 'ingress', 'simple']);
  });
});

describe('networking.k8s.io printer columns', () => {
  let cluster: TestCluster;
  const ns = 'net-tables';

  before(async () => {
    const clock = new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000));
    cluster = await startCluster({ clock });
    const { objects, registry } = cluster.server.services;
    const def = (plural: string) => registry.find('networking.k8s.io', 'v1', plural)!;
    objects.create(registry.find('', 'v1', 'namespaces')!, '', { metadata: { name: ns } });
    const rule = (host: string) => ({ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } });
    objects.create(def('ingresses'), ns, { metadata: { name: 'catch' }, spec: { defaultBackend: backend } });
    objects.create(def('ingresses'), ns, { metadata: { name: 'multi' }, spec: { ingressClassName: 'nginx', rules: ['a.com', 'b.com', 'c.com', 'd.com'].map(rule) } });
    objects.create(def('ingresses'), ns, { metadata: { name: 'simple' }, spec: { rules: [rule('foo.com')], tls: [{ hosts: ['foo.com'], secretName: 'my-cert' }] } });
    const simple = objects.get(def('ingresses'), ns, 'simple').object;
    objects.update(def('ingresses'), ns, 'simple', { ...simple, status: { loadBalancer: { ingress: [{ ip: '192.0.2.20' }, { hostname: 'lb.example.com' }, { ip: '192.0.2.10' }] } } }, { subresource: 'status' });
    objects.create(def('networkpolicies'), ns, { metadata: { name: 'web' }, spec: { podSelector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] } } });
    objects.create(def('networkpolicies'), ns, { metadata: { name: 'all' }, spec: { podSelector: {} } });
    objects.create(def('ingressclasses'), '', { metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'lb' } } });
    objects.create(def('ingressclasses'), '', { metadata: { name: 'plain' }, spec: { controller: 'example.com/plain', parameters: { kind: 'ConfigMap', name: 'cfg', scope: 'Namespace', namespace: ns } } });
    clock.advance(7_000);
  });
  after(() => cluster.stop());

  const get = async (...args: string[]) => {
    const { stdout, stderr, code } = await cluster.kubectl(['get', ...args]);
    expect(code, stderr).to.equal(0);
    return stdout;
  };

  it('prints ingresses with CLASS, HOSTS, ADDRESS and PORTS as against kube-apiserver 1.32.13', async () => {
    const expected = aligned([
      ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE'],
      ['catch', '<none>', '*', '', '80', '7s'],
      ['multi', 'nginx', 'a.com,b.com,c.com + 1 more...', '', '80', '7s'],
      ['simple', '<none>', 'foo.com', '192.0.2.10,192.0.2.20,lb.example.com', '80, 443', '7s'],
    ]);
    expect(await get('ing', '-n', ns)).to.equal(expected);
    expect(await get('ingresses', '-n', ns, '-o', 'wide')).to.equal(expected);
  });

  it('prints network policies and ingress classes', async () => {
    expect(await get('netpol', '-n', ns, '-o', 'wide')).to.equal(
      aligned([
        ['NAME', 'POD-SELECTOR', 'AGE'],
        ['all', '<none>', '7s'],
        ['web', 'app=web,tier in (back,front)', '7s'],
      ]),
    );
    expect(await get('ingressclass')).to.equal(
      aligned([
        ['NAME', 'CONTROLLER', 'PARAMETERS', 'AGE'],
        ['nginx', 'k8s.io/ingress-nginx', 'IngressParameters.k8s.example.com/lb', '7s'],
        ['plain', 'example.com/plain', 'ConfigMap/cfg', '7s'],
      ]),
    );
  });
});
