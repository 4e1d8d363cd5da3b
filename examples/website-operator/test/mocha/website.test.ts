// The Website operator under mocha: one cluster for the file, reset before each test, and the
// operator started fresh against it.
import assert from 'node:assert/strict';
import type { Kubemock, ManualClock } from 'kubemock/testkit';
import { readyDelay, startCluster, startOperator, websiteRef, websiteYaml, type OperatorUnderTest, type WebsiteStatus } from '../support.js';

describe('the Website operator', () => {
  let cluster: Kubemock<ManualClock>;
  let operator: OperatorUnderTest;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster.close());
  beforeEach(async () => {
    cluster.reset();
    operator = await startOperator(cluster);
  });
  afterEach(() => operator.stop());

  it('reconciles a seeded Website, and reports it Ready once its pods are, on the manual clock', async () => {
    await cluster.seed(websiteYaml('shop', 2));
    const pending = await cluster.waitFor(websiteRef('shop'), { type: 'Ready', status: 'False', reason: 'ReplicasPending' });
    assert.deepEqual(pending.metadata.finalizers, ['examples.kubemock.dev/cleanup']);
    const deployment = cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop' });
    assert.equal((deployment?.spec as { replicas: number }).replicas, 2);
    assert.equal(deployment?.metadata.ownerReferences?.[0].uid, pending.metadata.uid);
    assert.ok(cluster.get({ kind: 'Service', name: 'shop' }));

    await cluster.advance(readyDelay);
    const ready = await cluster.waitFor(websiteRef('shop'), 'Ready');
    assert.deepEqual({ ...(ready.status as WebsiteStatus), conditions: undefined }, { observedGeneration: 1, readyReplicas: 2, url: 'http://shop.default.svc.cluster.local', conditions: undefined });
    assert.deepEqual(operator.errors, []);
  });

  it('starts each test from the start-up state: the CRD, and no Websites', () => {
    assert.equal(cluster.get(websiteRef('shop')), undefined);
    assert.equal(cluster.get({ kind: 'Deployment', name: 'shop' }), undefined);
    assert.ok(cluster.get({ kind: 'CustomResourceDefinition', name: 'websites.examples.kubemock.dev' }));
  });

  it('writes its status again after a 409 Conflict', async () => {
    const conflict = cluster.faults.inject({ verb: 'patch', resource: 'websites', subresource: 'status' }, { status: 409 }, { times: 1 });
    await cluster.seed(websiteYaml('shop', 1));
    // The status is there: a write after the refused one went through.
    await cluster.waitFor(websiteRef('shop'), (website) => (website.status as WebsiteStatus | undefined)?.observedGeneration === 1);
    assert.equal(conflict.hits, 1);
    const statusWrites = cluster.requests.find({ verb: 'patch', resource: 'websites', subresource: 'status' });
    assert.equal(statusWrites[0].code, 409);
    assert.ok(statusWrites[0].fault);
    // A conflict means a newer Website is on its way: the operator retries without reporting it.
    assert.deepEqual(operator.errors, []);
  });

  it('carries on after its watch on Websites is dropped', async () => {
    const drop = cluster.faults.inject({ verb: 'watch', resource: 'websites' }, { dropWatch: true }, { times: 1 });
    await cluster.seed(websiteYaml('blog', 1));
    await cluster.waitFor({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'blog' }, () => true);
    assert.equal(drop.hits, 1);
    assert.ok(cluster.requests.count({ verb: 'watch', resource: 'websites' }) >= 2, 'the operator watches Websites again');
    // client-node's informer reports the cut stream as an error and stops; the operator restarts it.
    assert.equal(operator.errors.length, 1);
  });
});
