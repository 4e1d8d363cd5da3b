import { expect } from 'chai';
import { startCluster, type TestCluster } from './support/cluster.js';

describe('controllers of a running server', () => {
  describe('all of them (the default)', () => {
    let cluster: TestCluster;
    before(async () => (cluster = await startCluster()));
    after(() => cluster.stop());

    it('have settled once the default service account and root CA of a new namespace exist', async () => {
      await cluster.core.createNamespace({ body: { metadata: { name: 'settled' } } });
      await cluster.server.controllers.settle();
      expect(cluster.server.controllers.settled()).to.equal(true);
      const accounts = await cluster.core.listNamespacedServiceAccount({ namespace: 'settled' });
      expect(accounts.items.map((a) => a.metadata?.name)).to.deep.equal(['default']);
      // Created with no fields set, so no manager owns anything.
      expect(accounts.items[0].metadata?.managedFields).to.equal(undefined);
      const rootCA = await cluster.core.readNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace: 'settled' });
      expect(rootCA.metadata?.managedFields?.map((m) => [m.manager, m.operation])).to.deep.equal([['kube-controller-manager', 'Update']]);
    });

    it('put the root CA back when a client changes it', async () => {
      await cluster.server.controllers.settle();
      await cluster.core.patchNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace: 'default', body: [{ op: 'replace', path: '/data/ca.crt', value: 'tampered' }] });
      await cluster.server.controllers.settle();
      const rootCA = await cluster.core.readNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace: 'default' });
      expect(rootCA.data?.['ca.crt']).to.equal(cluster.server.caCert);
    });

    it('name what runs', () => {
      expect(cluster.server.controllers.running).to.include.members(['serviceaccount-controller', 'root-ca-certificate-publisher-controller', 'namespace-controller']);
    });
  });

  describe('none, as on envtest', () => {
    let cluster: TestCluster;
    before(async () => (cluster = await startCluster({ controllers: 'none' })));
    after(() => cluster.stop());

    it('leave a new namespace empty and a deleted one Terminating', async () => {
      await cluster.core.createNamespace({ body: { metadata: { name: 'still' } } });
      await cluster.server.controllers.settle();
      expect((await cluster.core.listNamespacedServiceAccount({ namespace: 'still' })).items).to.deep.equal([]);
      expect((await cluster.core.listNamespacedConfigMap({ namespace: 'still' })).items).to.deep.equal([]);
      await cluster.core.deleteNamespace({ name: 'still' });
      await cluster.server.controllers.settle();
      expect((await cluster.core.readNamespace({ name: 'still' })).status?.phase).to.equal('Terminating');
      expect(cluster.server.controllers.running).to.deep.equal([]);
    });
  });

  describe('a list with exclusions', () => {
    let cluster: TestCluster;
    before(async () => (cluster = await startCluster({ controllers: ['*', '-namespace'] })));
    after(() => cluster.stop());

    it('run the rest', async () => {
      await cluster.core.createNamespace({ body: { metadata: { name: 'partial' } } });
      await cluster.server.controllers.settle();
      expect((await cluster.core.listNamespacedServiceAccount({ namespace: 'partial' })).items).to.have.length(1);
      await cluster.core.deleteNamespace({ name: 'partial' });
      await cluster.server.controllers.settle();
      expect((await cluster.core.readNamespace({ name: 'partial' })).status?.phase).to.equal('Terminating');
    });
  });
});
