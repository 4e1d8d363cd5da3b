// kube-scheduler's VolumeBinding plugin with the volume binder, driven by kubectl on a manual clock
// with two nodes. Every expectation was first seen on kube-scheduler and kube-controller-manager
// 1.32.13 (the reference cluster, kwok nodes) with the same objects: the messages of pods whose
// claims cannot be used, a StatefulSet's claims bound to local volumes at scheduling, a claim of an
// external provisioner given the node, and the pod bound once that provisioner's volume is there.

import { expect } from 'chai';
import { ManualClock } from '../testkit/index.js';
import { startCluster, type TestCluster } from './support/cluster.js';
import { advance, wallClockStart } from './support/step.js';

type Json = Record<string, any>;

const list = (...items: Json[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
const claim = (name: string, spec: Json = {}): Json => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});
const pod = (name: string, volumes: Json[], spec: Json = {}): Json => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox' }], volumes, ...spec },
});
const storageClass = (name: string, provisioner: string, volumeBindingMode: string): Json => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name },
  provisioner,
  volumeBindingMode,
});
const localVolume = (name: string, storage: string, node: string): Json => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name },
  spec: {
    storageClassName: 'local-wait',
    capacity: { storage },
    accessModes: ['ReadWriteOnce'],
    local: { path: `/mnt/disks/${name}` },
    nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
  },
});
const unhelpful = 'preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.';

describe('scheduling pods with claims (VolumeBinding)', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  const kubectl = (args: string[], input?: string) => cluster.kubectlOk(args, input);
  const json = (args: string[]): Promise<Json> => cluster.kubectlJson(args);
  const scheduled = async (name: string) => {
    const p = await json(['get', 'pod', name]);
    const condition = ((p.status.conditions ?? []) as Json[]).find((c) => c.type === 'PodScheduled');
    return { node: p.spec.nodeName, reason: condition?.reason, message: condition?.message };
  };
  const ownAnnotations = (o: Json) => {
    const { ['kubectl.kubernetes.io/last-applied-configuration']: _, ...rest } = o.metadata.annotations ?? {};
    return rest;
  };

  beforeEach(async () => {
    clock = new ManualClock(wallClockStart());
    cluster = await startCluster({ clock, nodes: 2 });
    await cluster.server.controllers.settle();
  });
  afterEach(() => cluster.stop());

  it("says which claims keep a pod from every node, and schedules it once its claim is bound", async () => {
    await kubectl(
      ['apply', '-f', '-'],
      list(
        storageClass('local-wait', 'kubernetes.io/no-provisioner', 'WaitForFirstConsumer'),
        claim('gold'),
        claim('c-wait', { storageClassName: 'local-wait' }),
        pod('p-gold', [{ name: 'd', persistentVolumeClaim: { claimName: 'gold' } }]),
        pod('p-wait', [{ name: 'd', persistentVolumeClaim: { claimName: 'c-wait' } }]),
        pod('p-none', [{ name: 'd', persistentVolumeClaim: { claimName: 'nothere' } }]),
        pod('p-plain', []),
      ),
    );
    await cluster.server.controllers.settle();
    expect(await scheduled('p-gold')).to.deep.equal({ node: undefined, reason: 'Unschedulable', message: `0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. ${unhelpful}` });
    expect(await scheduled('p-wait')).to.deep.equal({ node: undefined, reason: 'Unschedulable', message: `0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind. ${unhelpful}` });
    expect(await scheduled('p-none')).to.deep.equal({ node: undefined, reason: 'Unschedulable', message: `0/2 nodes are available: persistentvolumeclaim "nothere" not found. ${unhelpful}` });
    expect((await scheduled('p-plain')).node).to.be.a('string');
    const events = ((await json(['get', 'events', '--field-selector', 'involvedObject.name=p-gold'])).items as Json[]).map((e) => [e.type, e.reason, e.note ?? e.message]);
    expect(events).to.deep.equal([['Warning', 'FailedScheduling', `0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. ${unhelpful}`]]);

    // A volume for the claim: the binder binds it at its next resync, and the claim's update moves the pod (VolumeBinding's hint).
    await kubectl(['apply', '-f', '-'], list({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-gold' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/gold' } } }));
    await advance(cluster.server, clock, 16_000);
    expect((await json(['get', 'pvc', 'gold'])).spec.volumeName).to.equal('pv-gold');
    expect((await scheduled('p-gold')).node).to.be.a('string');
    // A pod waiting on a WaitForFirstConsumer claim is named in the claim's events at the resync.
    const waiting = ((await json(['get', 'events', '--field-selector', 'involvedObject.name=c-wait'])).items as Json[]).map((e) => [e.reason, e.message]);
    expect(waiting).to.deep.include(['WaitForPodScheduled', 'waiting for pod p-wait to be scheduled']);
  });

  it("binds a StatefulSet's claims to the local volumes of the node its pods go to", async () => {
    const node = (await json(['get', 'nodes'])).items[1].metadata.name as string;
    await kubectl(
      ['apply', '-f', '-'],
      list(
        storageClass('local-wait', 'kubernetes.io/no-provisioner', 'WaitForFirstConsumer'),
        localVolume('local-0', '1Gi', node),
        localVolume('local-1', '2Gi', node),
        {
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          metadata: { name: 'db' },
          spec: {
            serviceName: 'db',
            replicas: 3,
            selector: { matchLabels: { app: 'db' } },
            template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
            volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { storageClassName: 'local-wait', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
          },
        },
      ),
    );
    // Each pod waits a second in PreBind for the binder before it is bound, and the next is made once it is ready.
    await advance(cluster.server, clock, 5_000);
    expect(await scheduled('db-0')).to.deep.equal({ node, reason: undefined, message: undefined });
    expect(await scheduled('db-1')).to.deep.equal({ node, reason: undefined, message: undefined });
    expect(await scheduled('db-2')).to.deep.equal({
      node: undefined,
      reason: 'Unschedulable',
      message: `0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind. ${unhelpful}`,
    });
    const claims = ((await json(['get', 'pvc', '-l', 'app=db'])).items as Json[]).map((c) => [c.metadata.name, ownAnnotations(c), c.spec.volumeName, c.status.phase]);
    expect(claims).to.deep.equal([
      ['data-db-0', { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' }, 'local-0', 'Bound'],
      ['data-db-1', { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' }, 'local-1', 'Bound'],
      ['data-db-2', {}, undefined, 'Pending'],
    ]);
    // The scheduler wrote the claimRef, the binder the phase.
    const local0 = await json(['get', 'pv', 'local-0', '--show-managed-fields']);
    expect(ownAnnotations(local0)).to.deep.equal({ 'pv.kubernetes.io/bound-by-controller': 'yes' });
    expect((local0.metadata.managedFields as Json[]).map((m) => [m.manager, m.subresource ?? '', m.fieldsV1])).to.deep.include.members([
      ['kube-controller-manager', 'status', { 'f:status': { 'f:phase': {} } }],
      [
        'kube-scheduler',
        '',
        {
          'f:metadata': { 'f:annotations': { 'f:pv.kubernetes.io/bound-by-controller': {} } },
          'f:spec': { 'f:claimRef': { '.': {}, 'f:apiVersion': {}, 'f:kind': {}, 'f:name': {}, 'f:namespace': {}, 'f:resourceVersion': {}, 'f:uid': {} } },
        },
      ],
    ]);
  });

  it("gives an external provisioner's claim the node, and binds the pod once its volume is provisioned", async () => {
    const node = (await json(['get', 'nodes'])).items[0].metadata.name as string;
    await kubectl(
      ['apply', '-f', '-'],
      list(
        storageClass('ext-wait', 'example.com/fake', 'WaitForFirstConsumer'),
        claim('c-ext-wait', { storageClassName: 'ext-wait' }),
        pod('p-ext', [{ name: 'd', persistentVolumeClaim: { claimName: 'c-ext-wait' } }], { nodeSelector: { 'kubernetes.io/hostname': node } }),
      ),
    );
    await advance(cluster.server, clock, 3_000);
    const waiting = await json(['get', 'pod', 'p-ext']);
    expect([waiting.spec.nodeName, waiting.status]).to.deep.equal([undefined, { phase: 'Pending', qosClass: 'BestEffort' }]);
    const annotated = await json(['get', 'pvc', 'c-ext-wait', '--show-managed-fields']);
    expect(ownAnnotations(annotated)).to.deep.equal({
      'volume.beta.kubernetes.io/storage-provisioner': 'example.com/fake',
      'volume.kubernetes.io/selected-node': node,
      'volume.kubernetes.io/storage-provisioner': 'example.com/fake',
    });
    expect((annotated.metadata.managedFields as Json[]).find((m) => m.manager === 'kube-scheduler')!.fieldsV1).to.deep.equal({
      'f:metadata': { 'f:annotations': { 'f:volume.kubernetes.io/selected-node': {} } },
    });
    const claimEvents = ((await json(['get', 'events', '--field-selector', 'involvedObject.name=c-ext-wait'])).items as Json[]).map((e) => e.reason);
    expect(claimEvents).to.have.members(['WaitForFirstConsumer', 'ExternalProvisioning']);

    // The provisioner's volume, made for the claim: the binder binds them, and the scheduler's next look binds the pod.
    await kubectl(
      ['apply', '-f', '-'],
      list({
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: 'pvc-provisioned', annotations: { 'pv.kubernetes.io/provisioned-by': 'example.com/fake' } },
        spec: {
          storageClassName: 'ext-wait',
          persistentVolumeReclaimPolicy: 'Delete',
          capacity: { storage: '1Gi' },
          accessModes: ['ReadWriteOnce'],
          claimRef: { namespace: 'default', name: 'c-ext-wait', uid: annotated.metadata.uid },
          csi: { driver: 'fake.example.com', volumeHandle: 'vol-1' },
        },
      }),
    );
    await advance(cluster.server, clock, 2_000);
    expect((await json(['get', 'pod', 'p-ext'])).spec.nodeName).to.equal(node);
    expect((await json(['get', 'pvc', 'c-ext-wait'])).status).to.deep.equal({ accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' }, phase: 'Bound' });

    // The pod and claim go: the provisioner's volume is Released for its provisioner to delete.
    await kubectl(['delete', 'pod', 'p-ext', '--grace-period=0', '--force']);
    await kubectl(['delete', 'pvc', 'c-ext-wait']);
    await cluster.server.controllers.settle();
    expect((await json(['get', 'pv', 'pvc-provisioned'])).status.phase).to.equal('Released');
  });

  it("keeps a pod in the zones of its bound volumes (VolumeZone), a beta label matching the node's GA one", async () => {
    const [a, b] = ((await json(['get', 'nodes'])).items as Json[]).map((n) => n.metadata.name as string);
    await kubectl(['label', 'node', a, 'topology.kubernetes.io/zone=a']);
    await kubectl(['label', 'node', b, 'topology.kubernetes.io/zone=b']);
    const zoned = (name: string, labels: Json): Json[] => [
      { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `pv-${name}`, labels }, spec: { storageClassName: 'zoned', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/${name}` } } },
      claim(`c-${name}`, { storageClassName: 'zoned', volumeName: `pv-${name}` }),
    ];
    await kubectl(['apply', '-f', '-'], list(...zoned('zone-c', { 'topology.kubernetes.io/zone': 'c' }), ...zoned('zone-b', { 'failure-domain.beta.kubernetes.io/zone': 'b__d' })));
    await cluster.server.controllers.settle();
    await kubectl(['apply', '-f', '-'], list(pod('p-zone-c', [{ name: 'd', persistentVolumeClaim: { claimName: 'c-zone-c' } }]), pod('p-zone-b', [{ name: 'd', persistentVolumeClaim: { claimName: 'c-zone-b' } }])));
    await cluster.server.controllers.settle();
    expect(await scheduled('p-zone-c')).to.deep.equal({ node: undefined, reason: 'Unschedulable', message: `0/2 nodes are available: 2 node(s) had no available volume zone. ${unhelpful}` });
    expect((await scheduled('p-zone-b')).node).to.equal(b);
    // A node joining the volume's zone moves the pod (VolumeZone's hint on node labels).
    await kubectl(['label', 'node', a, 'topology.kubernetes.io/zone=c', '--overwrite']);
    await advance(cluster.server, clock, 11_000);
    expect((await scheduled('p-zone-c')).node).to.equal(a);
  });

  it("makes a pod's ephemeral volume claims, owned by the pod, and refuses a claim of that name the pod does not own", async () => {
    const node = (await json(['get', 'nodes'])).items[0].metadata.name as string;
    const ephemeral = { name: 'd', ephemeral: { volumeClaimTemplate: { metadata: { labels: { a: 'b' } }, spec: { storageClassName: 'local-wait', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } } };
    await kubectl(
      ['apply', '-f', '-'],
      list(
        storageClass('local-wait', 'kubernetes.io/no-provisioner', 'WaitForFirstConsumer'),
        localVolume('local-e', '1Gi', node),
        claim('p-taken-d', { storageClassName: 'local-wait' }),
        pod('p-eph', [ephemeral]),
        pod('p-taken', [ephemeral]),
      ),
    );
    await advance(cluster.server, clock, 3_000);
    const made = await json(['get', 'pvc', 'p-eph-d', '--show-managed-fields']);
    const owner = await json(['get', 'pod', 'p-eph']);
    expect(made.metadata.labels).to.deep.equal({ a: 'b' });
    expect(made.metadata.ownerReferences).to.deep.equal([{ apiVersion: 'v1', kind: 'Pod', name: 'p-eph', uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect((made.metadata.managedFields as Json[]).map((m) => [m.manager, m.operation])).to.deep.include(['kube-controller-manager', 'Update']);
    expect([made.spec.volumeName, owner.spec.nodeName]).to.deep.equal(['local-e', node]);
    const events = async (name: string) => ((await json(['get', 'events', '--field-selector', `involvedObject.name=${name}`])).items as Json[]).map((e) => [e.type, e.reason, e.note ?? e.message, e.source?.component]);
    expect(await events('p-eph')).to.deep.include([
      'Warning',
      'FailedScheduling',
      `0/2 nodes are available: waiting for ephemeral volume controller to create the persistentvolumeclaim "p-eph-d". ${unhelpful}`,
      undefined,
    ]);
    expect(await events('p-taken')).to.deep.include([
      'Warning',
      'FailedBinding',
      'ephemeral volume d: PVC default/p-taken-d was not created for pod default/p-taken (pod is not owner)',
      'ephemeral_volume',
    ]);
    expect((await scheduled('p-taken')).message).to.equal(`0/2 nodes are available: PVC default/p-taken-d was not created for pod default/p-taken (pod is not owner). ${unhelpful}`);
    // The claim goes with its pod.
    await kubectl(['delete', 'pod', 'p-eph', '--grace-period=0', '--force']);
    await advance(cluster.server, clock, 1_000);
    expect((await cluster.kubectl(['get', 'pvc', 'p-eph-d'])).code).to.equal(1);
  });

  it('lets one pod at a time use a ReadWriteOncePod claim (VolumeRestrictions), and the next once it is gone', async () => {
    await kubectl(
      ['apply', '-f', '-'],
      list(
        { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-once' }, spec: { storageClassName: 'once', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOncePod'], hostPath: { path: '/tmp/once' } } },
        claim('c-once', { storageClassName: 'once', accessModes: ['ReadWriteOncePod'] }),
        pod('p-once-a', [{ name: 'd', persistentVolumeClaim: { claimName: 'c-once' } }]),
      ),
    );
    await cluster.server.controllers.settle();
    expect((await scheduled('p-once-a')).node).to.be.a('string');
    await kubectl(['apply', '-f', '-'], list(pod('p-once-b', [{ name: 'd', persistentVolumeClaim: { claimName: 'c-once' } }])));
    await cluster.server.controllers.settle();
    expect(await scheduled('p-once-b')).to.deep.equal({
      node: undefined,
      reason: 'Unschedulable',
      message:
        '0/2 nodes are available: 2 node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.',
    });
    await kubectl(['delete', 'pod', 'p-once-a', '--grace-period=0', '--force']);
    await advance(cluster.server, clock, 2_000);
    expect((await scheduled('p-once-b')).node).to.be.a('string');
  });

  it('records the end of a binding whose pod was deleted while it waited for its volumes', async () => {
    await kubectl(
      ['apply', '-f', '-'],
      list(storageClass('ext-wait', 'example.com/fake', 'WaitForFirstConsumer'), claim('c-gone', { storageClassName: 'ext-wait' }), pod('p-gone', [{ name: 'd', persistentVolumeClaim: { claimName: 'c-gone' } }])),
    );
    await advance(cluster.server, clock, 1_500);
    await kubectl(['delete', 'pod', 'p-gone', '--grace-period=0', '--force']);
    await advance(cluster.server, clock, 1_000);
    const events = ((await json(['get', 'events', '--field-selector', 'involvedObject.name=p-gone'])).items as Json[]).map((e) => [e.type, e.reason, e.note ?? e.message]);
    expect(events).to.deep.equal([['Warning', 'FailedScheduling', 'running PreBind plugin "VolumeBinding": binding volumes: pod does not exist any more: pod "p-gone" not found']]);
  });
});
