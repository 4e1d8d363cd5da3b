import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { ManualClock } from '../../testkit/index.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { expectStatus } from '../support/status.js';
import { aligned } from '../support/tables.js';

describe('node.k8s.io/v1', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  let node: k8s.NodeV1Api;
  before(async () => {
    clock = new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000));
    cluster = await startCluster({ clock });
    node = cluster.kubeconfig.makeApiClient(k8s.NodeV1Api);
  });
  after(() => cluster.stop());

  it('gives pods of a RuntimeClass its overhead and scheduling, through NodeV1Api and CoreV1Api', async () => {
    await node.createRuntimeClass({
      body: {
        metadata: { name: 'kata' },
        handler: 'kata',
        overhead: { podFixed: { cpu: '250m', memory: '120Mi' } },
        scheduling: { nodeSelector: { runtime: 'kata' }, tolerations: [{ key: 'runtime', operator: 'Equal', value: 'kata', effect: 'NoSchedule' }] },
      },
    });
    await cluster.server.controllers.settle();
    const pod = await cluster.core.createNamespacedPod({
      namespace: 'default',
      body: { metadata: { name: 'sandboxed' }, spec: { runtimeClassName: 'kata', containers: [{ name: 'c', image: 'busybox:1.36' }] } },
    });
    expect(pod.spec?.overhead).to.deep.equal({ cpu: '250m', memory: '120Mi' });
    expect(pod.spec?.nodeSelector).to.deep.equal({ runtime: 'kata' });
    expect(pod.spec?.tolerations?.map((t) => t.key)).to.include('runtime');
    await expectStatus(
      cluster.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'lost' }, spec: { runtimeClassName: 'nope', containers: [{ name: 'c', image: 'busybox:1.36' }] } } }),
      403,
      'Forbidden',
      'pods "lost" is forbidden: pod rejected: RuntimeClass "nope" not found',
    );
    const refused = await expectStatus(node.patchRuntimeClass({ name: 'kata', body: [{ op: 'replace', path: '/handler', value: 'runc' }] }), 422, 'Invalid');
    expect(refused.message).to.equal('RuntimeClass.node.k8s.io "kata" is invalid: handler: Invalid value: "runc": field is immutable');
  });

  it('prints runtime classes with their handler', async () => {
    await node.createRuntimeClass({ body: { metadata: { name: 'gvisor' }, handler: 'runsc' } });
    clock.advance(3_000);
    const { stdout, stderr } = await cluster.kubectl(['get', 'runtimeclasses']);
    expect(stdout, stderr).to.equal(
      aligned([
        ['NAME', 'HANDLER', 'AGE'],
        ['gvisor', 'runsc', '3s'],
        ['kata', 'kata', '3s'],
      ]),
    );
  });
});
