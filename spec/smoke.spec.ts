import { expect } from 'chai';
import { startCluster, type TestCluster } from './support/cluster.js';

describe('a fresh kubemock', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster.stop());

  it('lists the four system namespaces through @kubernetes/client-node', async () => {
    const list = await cluster.core.listNamespace();
    expect(list.items.map((ns) => ns.metadata?.name)).to.deep.equal(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
  });

  it('answers kubectl version with a v1.32 server', async () => {
    const { stdout, code } = await cluster.kubectl(['version', '-o', 'json']);
    expect(code).to.equal(0);
    expect(JSON.parse(stdout).serverVersion.gitVersion).to.equal('v1.32.0');
  });
});
