// The LimitRanger admission plugin through client-node and kubectl. The objects, defaults,
// annotations and refusals below are kube-apiserver 1.32.13's answers to the same requests,
// measured on the reference cluster.

import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { startCluster, type TestCluster } from './support/cluster.js';

type Json = Record<string, any>;

describe('LimitRanger admission', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster({ controllers: ['*', '-kube-scheduler', '-kubelet'] });
    for (const name of ['lr-defaults', 'lr-bounds']) await cluster.core.createNamespace({ body: { metadata: { name } } });
    await cluster.core.createNamespacedLimitRange({
      namespace: 'lr-bounds',
      body: {
        metadata: { name: 'bounds' },
        spec: {
          limits: [
            { type: 'Container', min: { cpu: '100m' }, max: { cpu: '2', memory: '1Gi' }, defaultRequest: { cpu: '200m' }, maxLimitRequestRatio: { cpu: '4' } },
            { type: 'Pod', max: { cpu: '3' } },
            { type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '10Gi' } },
          ],
        },
      },
    });
  });
  after(() => cluster.stop());

  const refusal = async (write: Promise<unknown>): Promise<Json> => {
    try {
      await write;
    } catch (err) {
      const error = err as k8s.ApiException<string>;
      expect(error.code).to.equal(403);
      return JSON.parse(error.body);
    }
    return expect.fail('the write should have been refused');
  };
  const container = (name: string, resources?: k8s.V1ResourceRequirements): k8s.V1Container => ({ name, image: 'nginx', ...(resources ? { resources } : {}) });
  const createPod = (namespace: string, name: string, spec: k8s.V1PodSpec) => cluster.core.createNamespacedPod({ namespace, body: { metadata: { name }, spec } });

  it('defaults a LimitRange: default from max, defaultRequest from default then min, Container items only', async () => {
    const bounds = (await cluster.request('/api/v1/namespaces/lr-bounds/limitranges/bounds')).json();
    expect(bounds.spec).to.deep.equal({
      limits: [
        { type: 'Container', default: { cpu: '2', memory: '1Gi' }, defaultRequest: { cpu: '200m', memory: '1Gi' }, max: { cpu: '2', memory: '1Gi' }, maxLimitRequestRatio: { cpu: '4' }, min: { cpu: '100m' } },
        { type: 'Pod', max: { cpu: '3' } },
        { type: 'PersistentVolumeClaim', max: { storage: '10Gi' }, min: { storage: '1Gi' } },
      ],
    });
    // client-node names the field `_default`; the wire name is `default`.
    const created = await createLimitRange('lr-defaults', { metadata: { name: 'defaults' }, spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m' } }] } });
    expect(created.spec).to.deep.equal({
      limits: [{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m', memory: '256Mi' } }],
    });
  });

  it('fills missing requests and limits of containers and init containers and says so in an annotation', async () => {
    const pod = await createPod('lr-defaults', 'filled', {
      containers: [container('c'), container('d', { limits: { memory: '512Mi' } })],
      initContainers: [{ ...container('i', { requests: { cpu: '150m' } }), image: 'busybox' }],
    });
    expect(pod.metadata?.annotations).to.deep.equal({
      'kubernetes.io/limit-ranger':
        'LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c; cpu request for container d; cpu limit for container d; memory request for init container i; cpu, memory limit for init container i',
    });
    const resources = (list: k8s.V1Container[] | undefined) => JSON.parse(JSON.stringify((list ?? []).map((c) => c.resources)));
    expect(resources(pod.spec?.containers)).to.deep.equal([
      { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '256Mi' } },
      // The memory request comes from the pod's own limit (pod defaulting runs before admission).
      { limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '100m', memory: '512Mi' } },
    ]);
    expect(resources(pod.spec?.initContainers)).to.deep.equal([{ limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '150m', memory: '256Mi' } }]);
    const stored = await cluster.core.readNamespacedPod({ namespace: 'lr-defaults', name: 'filled' });
    expect(stored.metadata?.annotations?.['kubernetes.io/limit-ranger']).to.equal(pod.metadata?.annotations?.['kubernetes.io/limit-ranger']);
  });

  it('adds no annotation to a pod that sets everything itself', async () => {
    const pod = await createPod('lr-defaults', 'complete', { containers: [container('c', { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } })] });
    expect(pod.metadata?.annotations).to.equal(undefined);
    expect(JSON.parse(JSON.stringify(pod.spec?.containers[0].resources))).to.deep.equal({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } });
  });

  it('refuses a container outside min, max and maxLimitRequestRatio with every reason', async () => {
    const status = await refusal(createPod('lr-bounds', 'p', { containers: [container('c', { requests: { cpu: '50m', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } })] }));
    expect(status).to.deep.equal({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'pods "p" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, maximum memory usage per Container is 1Gi, but limit is 2Gi, cpu max limit to request ratio per Container is 4, but provided ratio is 40.000000]',
      reason: 'Forbidden',
      details: { name: 'p', kind: 'pods' },
      code: 403,
    });
    await expectNoPod('lr-bounds', 'p');
  });

  it('checks the defaults it filled in, init containers and the Pod totals', async () => {
    // c: request 200m (defaultRequest), limit 2 (default from max); i: 150m to 2; the pod limit is 2 + 2.
    const status = await refusal(
      createPod('lr-bounds', 'p1', {
        containers: [container('c'), container('d', { limits: { memory: '512Mi' } })],
        initContainers: [{ ...container('i', { requests: { cpu: '150m' } }), image: 'busybox' }],
      }),
    );
    expect(status.message).to.equal(
      'pods "p1" is forbidden: [cpu max limit to request ratio per Container is 4, but provided ratio is 10.000000, cpu max limit to request ratio per Container is 4, but provided ratio is 13.333333, maximum cpu usage per Pod is 3, but limit is 4]',
    );
    const total = await refusal(
      createPod('lr-bounds', 'p3', {
        containers: [container('c', { requests: { cpu: '1500m' }, limits: { cpu: '2' } }), container('d', { requests: { cpu: '400m' }, limits: { cpu: '2' } })],
      }),
    );
    expect(total.message).to.equal('pods "p3" is forbidden: [cpu max limit to request ratio per Container is 4, but provided ratio is 5.000000, maximum cpu usage per Pod is 3, but limit is 4]');
  });

  it('admits a pod within bounds, filling what it left out', async () => {
    const pod = await createPod('lr-bounds', 'fits', { containers: [container('c', { requests: { cpu: '500m', memory: '512Mi' } })] });
    expect(pod.metadata?.annotations).to.deep.equal({ 'kubernetes.io/limit-ranger': 'LimitRanger plugin set: cpu, memory limit for container c' });
    expect(JSON.parse(JSON.stringify(pod.spec?.containers[0].resources))).to.deep.equal({ requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '1Gi' } });
  });

  it('bounds the storage a claim requests, as kubectl shows it', async () => {
    const claim = (name: string, storage: string) =>
      JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } });
    const small = await cluster.kubectl(['-n', 'lr-bounds', 'create', '-f', '-'], claim('small', '500Mi'));
    expect(small.code).to.equal(1);
    expect(small.stderr.trim()).to.equal(
      'Error from server (Forbidden): error when creating "STDIN": persistentvolumeclaims "small" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi',
    );
    const big = await cluster.kubectl(['-n', 'lr-bounds', 'create', '-f', '-'], claim('big', '20Gi'));
    expect(big.stderr.trim()).to.equal(
      'Error from server (Forbidden): error when creating "STDIN": persistentvolumeclaims "big" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi',
    );
    const fits = await cluster.kubectl(['-n', 'lr-bounds', 'create', '-f', '-'], claim('fits', '5Gi'));
    expect(fits.stdout.trim()).to.equal('persistentvolumeclaim/fits created');
  });

  it('leaves pods in namespaces without a LimitRange alone', async () => {
    await cluster.core.createNamespace({ body: { metadata: { name: 'lr-none' } } });
    const pod = await createPod('lr-none', 'bare', { containers: [container('c')] });
    expect(pod.metadata?.annotations).to.equal(undefined);
    expect(JSON.parse(JSON.stringify(pod.spec?.containers[0].resources))).to.deep.equal({});
  });

  async function createLimitRange(namespace: string, body: Json): Promise<Json> {
    const response = await cluster.request(`/api/v1/namespaces/${namespace}/limitranges`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status).to.equal(201);
    return response.json();
  }

  async function expectNoPod(namespace: string, name: string): Promise<void> {
    expect((await cluster.request(`/api/v1/namespaces/${namespace}/pods/${name}`)).status).to.equal(404);
  }
});
