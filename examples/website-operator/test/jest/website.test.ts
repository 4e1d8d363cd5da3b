// The Website operator under jest (ESM, ts-jest): one cluster for the file, reset before each
// test, and the operator started fresh against it.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import type { Kubemock, ManualClock } from 'kubemock/testkit';
import { readyDelay, startCluster, startOperator, websiteRef, websiteYaml, type OperatorUnderTest, type WebsiteStatus } from '../support.js';

describe('the Website operator', () => {
  let cluster: Kubemock<ManualClock>;
  let operator: OperatorUnderTest;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(() => cluster.close());
  beforeEach(async () => {
    cluster.reset();
    operator = await startOperator(cluster);
  });
  afterEach(() => operator.stop());

  test('reconciles a seeded Website, and reports it Ready once its pods are, on the manual clock', async () => {
    await cluster.seed(websiteYaml('shop', 2));
    const pending = await cluster.waitFor(websiteRef('shop'), { type: 'Ready', status: 'False', reason: 'ReplicasPending' });
    expect(pending.metadata.finalizers).toEqual(['examples.kubemock.dev/cleanup']);
    const deployment = cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop' });
    expect(deployment?.spec).toMatchObject({ replicas: 2 });
    expect(deployment?.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Website', uid: pending.metadata.uid })]);
    expect(cluster.get({ kind: 'Service', name: 'shop' })).toBeDefined();

    await cluster.advance(readyDelay);
    const ready = await cluster.waitFor(websiteRef('shop'), 'Ready');
    expect(ready.status).toMatchObject({ observedGeneration: 1, readyReplicas: 2, url: 'http://shop.default.svc.cluster.local' });
    expect(operator.errors).toEqual([]);
  });

  test('starts each test from the start-up state: the CRD, and no Websites', () => {
    expect(cluster.get(websiteRef('shop'))).toBeUndefined();
    expect(cluster.get({ kind: 'Deployment', name: 'shop' })).toBeUndefined();
    expect(cluster.get({ kind: 'CustomResourceDefinition', name: 'websites.examples.kubemock.dev' })).toBeDefined();
  });

  test('writes its status again after a 409 Conflict', async () => {
    const conflict = cluster.faults.inject({ verb: 'patch', resource: 'websites', subresource: 'status' }, { status: 409 }, { times: 1 });
    await cluster.seed(websiteYaml('shop', 1));
    // The status is there: a write after the refused one went through.
    await cluster.waitFor(websiteRef('shop'), (website) => (website.status as WebsiteStatus | undefined)?.observedGeneration === 1);
    expect(conflict.hits).toBe(1);
    const [refused] = cluster.requests.find({ verb: 'patch', resource: 'websites', subresource: 'status' });
    expect(refused).toMatchObject({ code: 409, fault: expect.any(String) });
    // A conflict means a newer Website is on its way: the operator retries without reporting it.
    expect(operator.errors).toEqual([]);
  });

  test('carries on after its watch on Websites is dropped', async () => {
    const drop = cluster.faults.inject({ verb: 'watch', resource: 'websites' }, { dropWatch: true }, { times: 1 });
    await cluster.seed(websiteYaml('blog', 1));
    await cluster.waitFor({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'blog' }, () => true);
    expect(drop.hits).toBe(1);
    expect(cluster.requests.count({ verb: 'watch', resource: 'websites' })).toBeGreaterThanOrEqual(2);
    // client-node's informer reports the cut stream as an error and stops; the operator restarts it.
    expect(operator.errors).toHaveLength(1);
  });
});
