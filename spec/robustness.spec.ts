import { expect } from 'chai';
import { resourceKey } from '../server/registry/types.js';
import { startCluster, type TestCluster } from './support/cluster.js';

/** A small seeded generator, so a failure replays exactly. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const paths = [
  '/api/v1/namespaces/default/configmaps',
  '/api/v1/namespaces/default/pods',
  '/apis/apps/v1/namespaces/default/deployments',
  '/api/v1/namespaces',
  '/api/v1/nodes',
  '/api/v1/namespaces/default/services',
  '/api/v1/namespaces/default/secrets',
  '/apis/coordination.k8s.io/v1/namespaces/default/leases',
  '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
  '/api/v1/namespaces/default/bindings',
  '/apis/events.k8s.io/v1/namespaces/default/events',
  '/apis/apps/v1/namespaces/default/statefulsets',
];
const suffixes = ['', '/x', '/y', '/Bad_Name', '/x/status', '/x/scale', '/x/binding'];
const queries = ['', '?limit=-1', '?limit=2&continue=zzz', '?resourceVersion=abc', '?labelSelector=a%20in', '?fieldSelector=x', '?dryRun=All', '?resourceVersionMatch=Exact&resourceVersion=1', '?fieldManager=fz', '?fieldManager=fz&force=true'];
const contentTypes = ['application/json', 'application/yaml', 'application/merge-patch+json', 'application/json-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml', 'text/plain'];
const leaves: unknown[] = [null, 1, -1, 'x', '', true, [], {}, [1, 2], { a: 1 }, 'Bad_Name', 1e308, { metadata: null }];
const fields = ['metadata', 'spec', 'status', 'data', 'kind', 'apiVersion', 'name', 'containers', 'ports', 'selector', 'template', 'labels', 'replicas', 'type', 'target', 'stringData', 'finalizers', 'annotations', 'generateName', 'namespace', 'resourceVersion', 'op', 'path', 'value'];

describe('robustness against random client input', () => {
  let cluster: TestCluster;
  const internalErrors: unknown[] = [];
  before(async () => {
    cluster = await startCluster({ reportError: (err) => internalErrors.push(err) });
  });
  after(() => cluster.stop());

  it('answers 1,000 malformed requests without a 5xx, keeping every stored object intact', async function () {
    this.timeout(60_000);
    const random = seeded(20261123);
    const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)];
    const value = (depth: number): unknown => {
      if (depth > 3 || random() < 0.3) return pick(leaves);
      const object: Record<string, unknown> = {};
      for (const key of fields) if (random() < 0.25) object[key] = random() < 0.5 ? value(depth + 1) : [value(depth + 1)];
      return object;
    };
    const failures: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const method = pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']);
      const path = pick(paths) + pick(suffixes) + pick(queries);
      let body: unknown = value(0);
      if (random() < 0.5 && typeof body === 'object' && body && !Array.isArray(body)) {
        body = { ...body, metadata: { name: pick(['x', 'y']), ...((body as { metadata?: object }).metadata ?? {}) } };
      }
      const text = method === 'GET' ? undefined : random() < 0.1 ? '{broken' : JSON.stringify(body);
      const response = await cluster.request(path, { method, headers: { 'Content-Type': pick(contentTypes) }, body: text });
      if (response.status >= 500) failures.push(`${response.status} ${method} ${path} ${text?.slice(0, 120)} → ${response.body.slice(0, 200)}`);
    }
    expect(failures, failures.join('\n')).to.deep.equal([]);
    expect(internalErrors).to.deep.equal([]);
    const services = cluster.server.services;
    for (const def of services.registry.all()) {
      for (const stored of services.store.list(resourceKey(def))) {
        const object = JSON.parse(stored.json);
        const key = object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name;
        expect(key, stored.json).to.equal(stored.key);
        expect(object.metadata.resourceVersion).to.equal(String(stored.resourceVersion));
        expect(object.metadata.uid).to.be.a('string');
      }
    }
    expect((await cluster.request('/readyz')).body).to.equal('ok');
  });
});
