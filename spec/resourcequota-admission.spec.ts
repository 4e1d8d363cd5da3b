// The ResourceQuota admission plugin with kubectl and client-node: creates (and updates that add
// usage) are refused with 403 in kube-apiserver's words when they would exceed a quota, when a pod
// leaves out a compute resource the quota limits, or while the quota's usage is not known; admitted
// writes are added to status.used at once. The refusal texts were recorded from kube-apiserver 1.32.13.

import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { startCluster, type TestCluster } from './support/cluster.js';
import { expectStatus } from './support/status.js';

type Json = Record<string, any>;

const ns = 'quota-admission';

const pod = (name: string, resources: Json = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox:1.36', resources }] },
});
const sized = (name: string) => pod(name, { requests: { memory: '512Mi' }, limits: { cpu: '500m', memory: '512Mi' } });

describe('ResourceQuota admission', () => {
  describe('against quota status written by hand (no resource quota controller)', () => {
    let cluster: TestCluster;
    let core: k8s.CoreV1Api;
    const kubectl = (args: string[], input?: string) => cluster.kubectl([...args, '-n', ns], input);
    const ok = async (args: string[], input?: string) => {
      const result = await kubectl(args, input);
      expect(result.code, result.stderr).to.equal(0);
      return result.stdout;
    };
    const refused = async (args: string[], input: string | undefined, message: string) => {
      const result = await kubectl(args, input);
      expect(result.code).to.not.equal(0);
      expect(result.stderr.trim()).to.equal(message);
    };
    /** A quota whose status says it limits `hard` and has counted `used`, as the controller would have written it. */
    const quota = async (name: string, hard: Record<string, string>, used?: Record<string, string>) => {
      await core.createNamespacedResourceQuota({ namespace: ns, body: { metadata: { name }, spec: { hard } } });
      const stored = await core.readNamespacedResourceQuota({ name, namespace: ns });
      stored.status = { hard, used };
      await core.replaceNamespacedResourceQuotaStatus({ name, namespace: ns, body: stored });
    };
    const status = async (name: string) => (await core.readNamespacedResourceQuota({ name, namespace: ns })).status;

    before(async () => {
      cluster = await startCluster({ controllers: ['*', '-resourcequota'] });
      core = cluster.kubeconfig.makeApiClient(k8s.CoreV1Api);
      await core.createNamespace({ body: { metadata: { name: ns } } });
      await cluster.server.controllers.settle();
    });
    after(() => cluster.stop());
    afterEach(async () => {
      await core.deleteCollectionNamespacedResourceQuota({ namespace: ns });
      await core.deleteCollectionNamespacedPod({ namespace: ns, gracePeriodSeconds: 0 });
    });

    it('admit creates within quota, count each in status.used at once, and refuse the one that exceeds it', async () => {
      await quota('q', { pods: '2', 'limits.cpu': '1', 'requests.memory': '1Gi' }, { pods: '0', 'limits.cpu': '0', 'requests.memory': '0' });
      await ok(['create', '-f', '-'], JSON.stringify(sized('p1')));
      expect((await status('q'))?.used).to.deep.equal({ 'limits.cpu': '500m', pods: '1', 'requests.memory': '512Mi' });
      await core.createNamespacedPod({ namespace: ns, body: sized('p2') });
      expect((await status('q'))?.used).to.deep.equal({ 'limits.cpu': '1', pods: '2', 'requests.memory': '1Gi' });
      const why =
        'pods "p3" is forbidden: exceeded quota: q, requested: limits.cpu=500m,pods=1,requests.memory=512Mi, used: limits.cpu=1,pods=2,requests.memory=1Gi, limited: limits.cpu=1,pods=2,requests.memory=1Gi';
      await refused(['create', '-f', '-'], JSON.stringify(sized('p3')), `Error from server (Forbidden): error when creating "STDIN": ${why}`);
      await expectStatus(core.createNamespacedPod({ namespace: ns, body: sized('p3') }), 403, 'Forbidden', why);
      // The usage is written by kube-apiserver itself, to the status subresource.
      const raw = await cluster.kubectl(['get', 'resourcequota', 'q', '-n', ns, '-o', 'json', '--show-managed-fields']);
      const managers = JSON.parse(raw.stdout).metadata.managedFields.map((m: Json) => `${m.manager}/${m.subresource ?? ''}`);
      expect(managers).to.include('kube-apiserver/status');
      expect((await core.listNamespacedPod({ namespace: ns })).items.map((p) => p.metadata?.name)).to.deep.equal(['p1', 'p2']);
    });

    it('name only the exceeded resources', async () => {
      await quota('q', { pods: '5', 'requests.memory': '1Gi' }, { pods: '0', 'requests.memory': '768Mi' });
      const big = pod('big', { requests: { memory: '512Mi' } });
      await expectStatus(
        core.createNamespacedPod({ namespace: ns, body: big }),
        403,
        'Forbidden',
        'pods "big" is forbidden: exceeded quota: q, requested: requests.memory=512Mi, used: requests.memory=768Mi, limited: requests.memory=1Gi',
      );
    });

    it('refuse a pod that leaves out a compute resource the quota limits', async () => {
      await quota('q', { pods: '2', 'limits.cpu': '1', 'requests.memory': '1Gi' }, { pods: '0', 'limits.cpu': '0', 'requests.memory': '0' });
      await refused(
        ['run', 'bare', '--image=busybox:1.36', '--restart=Never'],
        undefined,
        'Error from server (Forbidden): pods "bare" is forbidden: failed quota: q: must specify limits.cpu for: bare; requests.memory for: bare',
      );
      const twoContainers = pod('two', { requests: { memory: '1Mi' }, limits: { cpu: '1m' } });
      twoContainers.spec.containers.push({ name: 'b', image: 'busybox:1.36', resources: { requests: { memory: '1Mi' } } } as any);
      await expectStatus(core.createNamespacedPod({ namespace: ns, body: twoContainers }), 403, 'Forbidden', 'pods "two" is forbidden: failed quota: q: must specify limits.cpu for: b');
    });

    it('refuse while a quota has not counted what it limits, and ignore a quota with no status yet', async () => {
      await quota('u', { pods: '5', 'requests.memory': '1Gi' }, { pods: '0' });
      await expectStatus(core.createNamespacedPod({ namespace: ns, body: sized('p') }), 403, 'Forbidden', 'pods "p" is forbidden: status unknown for quota: u, resources: pods,requests.memory');
      await core.deleteNamespacedResourceQuota({ name: 'u', namespace: ns });
      await ok(['create', 'quota', 'fresh', '--hard=pods=0']);
      await ok(['create', '-f', '-'], JSON.stringify(sized('p')));
    });

    it('leave status.used alone on a dry run, and count updates that add usage', async () => {
      await quota('q', { configmaps: '2', 'services.nodeports': '1' }, { configmaps: '1', 'services.nodeports': '0' });
      await ok(['create', 'configmap', 'dry', '--dry-run=server']);
      expect((await status('q'))?.used).to.deep.equal({ configmaps: '1', 'services.nodeports': '0' });
      await ok(['create', 'configmap', 'c1']);
      await refused(
        ['create', 'configmap', 'c2'],
        undefined,
        'error: failed to create configmap: configmaps "c2" is forbidden: exceeded quota: q, requested: configmaps=1, used: configmaps=2, limited: configmaps=2',
      );
      await ok(['create', 'service', 'clusterip', 's1', '--tcp=80', '--tcp=81']);
      await refused(
        ['patch', 'service', 's1', '-p', '{"spec":{"type":"NodePort"}}'],
        undefined,
        'Error from server (Forbidden): services "s1" is forbidden: exceeded quota: q, requested: services.nodeports=2, used: services.nodeports=0, limited: services.nodeports=1',
      );
      expect((await core.readNamespacedService({ name: 's1', namespace: ns })).spec?.type).to.equal('ClusterIP');
    });
  });

  describe('with the resource quota controller', () => {
    let cluster: TestCluster;
    before(async () => {
      cluster = await startCluster();
      expect((await cluster.kubectl(['create', 'namespace', ns])).code).to.equal(0);
    });
    after(() => cluster.stop());

    it('refuse the create past a quota the controller counted', async () => {
      const create = (args: string[]) => cluster.kubectl([...args, '-n', ns]);
      expect((await create(['create', 'quota', 'pods', '--hard=pods=2'])).code).to.equal(0);
      await cluster.server.controllers.settle();
      expect((await create(['run', 'a', '--image=busybox:1.36'])).code).to.equal(0);
      expect((await create(['run', 'b', '--image=busybox:1.36'])).code).to.equal(0);
      const third = await create(['run', 'c', '--image=busybox:1.36']);
      expect(third.stderr.trim()).to.equal('Error from server (Forbidden): pods "c" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=2, limited: pods=2');
      await cluster.server.controllers.settle();
      const quota = JSON.parse((await create(['get', 'quota', 'pods', '-o', 'json'])).stdout);
      expect(quota.status).to.deep.equal({ hard: { pods: '2' }, used: { pods: '2' } });
    });
  });
});
