// The resource quota controller with kubectl: status.hard from spec.hard, status.used counted from
// the namespace's pods (compute requests and limits, terminal pods left out), services, claims and
// object counts, within the quota's scopes.

import { expect } from 'chai';
import { startCluster, type TestCluster } from './support/cluster.js';

type Json = Record<string, any>;

const ns = 'quota';

const pod = (name: string, resources: Json = {}, extra: Json = {}) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox:1.36', resources }], ...extra } });

describe('resource quota controller', () => {
  let cluster: TestCluster;
  const settle = () => cluster.server.controllers.settle();
  const kubectl = async (args: string[], input?: string) => {
    const result = await cluster.kubectl([...args, '-n', ns], input);
    expect(result.code, result.stderr).to.equal(0);
    return result.stdout;
  };
  const status = async (name: string) => JSON.parse(await kubectl(['get', 'resourcequota', name, '-o', 'json'])).status;

  before(async () => {
    cluster = await startCluster();
    expect((await cluster.kubectl(['create', 'namespace', ns])).code).to.equal(0);
    await settle();
  });
  after(() => cluster.stop());

  it('copy the hard limits and count what the namespace holds', async () => {
    await kubectl(['create', 'quota', 'compute', '--hard=pods=4,requests.cpu=1,requests.memory=2Gi,limits.memory=1536Mi,count/configmaps=5,count/serviceaccounts=3,count/deployments.apps=2,secrets=9,example.com/unknown=1']);
    await settle();
    // The namespace starts with its kube-root-ca.crt ConfigMap and default ServiceAccount.
    expect(await status('compute')).to.deep.equal({
      hard: {
        'count/configmaps': '5',
        'count/deployments.apps': '2',
        'count/serviceaccounts': '3',
        'example.com/unknown': '1',
        'limits.memory': '1536Mi',
        pods: '4',
        'requests.cpu': '1',
        'requests.memory': '2Gi',
        secrets: '9',
      },
      used: {
        'count/configmaps': '1',
        'count/deployments.apps': '0',
        'count/serviceaccounts': '1',
        'limits.memory': '0',
        pods: '0',
        'requests.cpu': '0',
        'requests.memory': '0',
        secrets: '0',
      },
    });
  });

  it('sum the pods requests and limits as quantities, and recount when pods go', async () => {
    await kubectl(['create', '-f', '-'], pod('a', { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '768Mi' } }));
    await kubectl(['create', '-f', '-'], pod('b', { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '768Mi' } }));
    await settle();
    expect((await status('compute')).used).to.deep.include({ pods: '2', 'requests.cpu': '500m', 'requests.memory': '1Gi', 'limits.memory': '1536Mi' });
    const table = await kubectl(['describe', 'quota', 'compute']);
    expect(table).to.match(/requests\.memory\s+1Gi\s+2Gi/);
    await kubectl(['delete', 'pod', 'a', '--grace-period=0', '--force']);
    await settle();
    expect((await status('compute')).used).to.deep.include({ pods: '1', 'requests.cpu': '250m', 'requests.memory': '512Mi', 'limits.memory': '768Mi' });
  });

  it('leave terminal pods out of pods but not out of count/pods, and count within scopes only', async () => {
    // Admission refuses pods that do not state the compute resources a quota limits, as the Job's pod does not.
    await kubectl(['delete', 'quota', 'compute']);
    await kubectl(['create', 'quota', 'objects', '--hard=pods=10,count/pods=10']);
    await kubectl(['create', 'quota', 'best-effort', '--hard=pods=10,count/pods=10', '--scopes=BestEffort']);
    await kubectl(['create', 'job', 'once', '--image=busybox:1.36']);
    await settle();
    // b asks for resources, the Job's pod for none and has succeeded.
    expect((await status('best-effort')).used).to.deep.equal({ 'count/pods': '1', pods: '0' });
    expect((await status('objects')).used).to.deep.equal({ 'count/pods': '2', pods: '1' });
  });

  it('count node ports, load balancers and claims by storage class', async () => {
    await kubectl(['create', 'quota', 'network', '--hard=services=5,services.nodeports=5,services.loadbalancers=2,persistentvolumeclaims=3,requests.storage=10Gi,fast.storageclass.storage.k8s.io/requests.storage=5Gi']);
    await kubectl(['create', 'service', 'nodeport', 'web', '--tcp=80:8080', '--tcp=443:8443']);
    await kubectl(['create', 'service', 'clusterip', 'db', '--tcp=5432']);
    const claim = (name: string, storageClassName: string, storage: string) =>
      JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: { storageClassName, accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } });
    await kubectl(['create', '-f', '-'], claim('data', 'fast', '1Gi'));
    await kubectl(['create', '-f', '-'], claim('logs', 'slow', '500Mi'));
    await settle();
    expect((await status('network')).used).to.deep.equal({
      'fast.storageclass.storage.k8s.io/requests.storage': '1Gi',
      persistentvolumeclaims: '2',
      'requests.storage': '1524Mi',
      services: '2',
      'services.loadbalancers': '0',
      'services.nodeports': '2',
    });
  });
});
