import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { runClientProgram } from './support/client-program.js';
import { startCluster, type TestCluster } from './support/cluster.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const prefix = `${root}.cache/client-node-2`;
const script = `${root}spec/clients/client_node_2.mjs`;

describe('@kubernetes/client-node 2.x on Node 24', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster.stop());

  it('does CRUD, patches, scales and runs an informer', async function () {
    this.timeout(60_000);
    const steps = await runClientProgram(`${prefix}/node_modules/.bin/node`, [script], { KUBECONFIG: cluster.kubeconfigPath, CLIENT_NODE_PREFIX: prefix });
    expect(steps.crud.version).to.match(/^2\./);
    expect(steps.crud.node).to.match(/^v24\./);
    expect(steps.crud.namespaces).to.deep.equal(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    expect(steps.crud.data).to.deep.equal({ a: '1', b: '2' });
    expect(steps.crud.missing).to.deep.include({ code: 404 });
    expect(steps.crud.missing.body).to.include({ reason: 'NotFound', message: 'configmaps "nope" not found' });
    expect(steps.crud.exists.code).to.equal(409);
    expect(steps.deployment).to.deep.include({ generation: 1, strategy: 'RollingUpdate', scaled: 3 });
    expect(steps.informer.seen).to.deep.equal(['add cn2-live', 'update cn2-live', 'delete cn2-live']);
    expect(steps.informer.cached).to.equal(true);
  });
});
