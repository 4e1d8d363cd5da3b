import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { runClientProgram } from './support/client-program.js';
import { startCluster, type TestCluster } from './support/cluster.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const python = `${root}.cache/python/bin/python`;
const script = `${root}spec/clients/python_client.py`;

describe('the official Python client', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster({ historySize: 20 });
  });
  after(() => cluster.stop());

  it('does CRUD, watches live events and gets 410 Expired for a compacted resourceVersion', async function () {
    this.timeout(60_000);
    const services = cluster.server.services;
    const configmaps = services.registry.find('', 'v1', 'configmaps')!;
    const oldVersion = String(services.store.currentRevision);
    for (let i = 0; i < 30; i++) services.objects.create(configmaps, 'kube-public', { metadata: { name: `churn-${i}` } });

    const steps = await runClientProgram(python, [script, oldVersion], { KUBECONFIG: cluster.kubeconfigPath });
    expect(steps.crud).to.deep.include({ data: { a: '2' }, uid_set: true, missing: { status: 404, message: 'configmaps "py-cm" not found' } });
    expect(steps.watch.events).to.deep.equal([
      ['ADDED', 'py-w'],
      ['MODIFIED', 'py-w'],
      ['DELETED', 'py-w'],
    ]);
    expect(Number(steps.watch.resource_version)).to.be.greaterThan(Number(oldVersion));
    expect(steps.expired.status).to.equal(410);
    expect(steps.expired.reason).to.match(/^Expired: too old resource version: \d+ \(\d+\)$/);
  });
});
