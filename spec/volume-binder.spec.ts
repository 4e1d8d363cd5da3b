// The persistentvolume-binder controller driven by kubectl and client-node. Every expectation was
// first seen on kube-apiserver and kube-controller-manager 1.32.13 (the reference cluster) with the
// same objects: which volume a claim gets, the annotations, claimRef, phases and managers of a
// binding, the events, the reclaim policies, and the periodic resync that repeats the events of a
// claim still waiting.

import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { ManualClock } from '../testkit/index.js';
import { startCluster, type TestCluster } from './support/cluster.js';
import { advance, wallClockStart } from './support/step.js';

type Json = Record<string, any>;

const volume = (name: string, spec: Json, labels?: Json): Json => ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name, labels }, spec });
const claim = (name: string, spec: Json = {}): Json => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});
const storageClass = (name: string, provisioner: string, volumeBindingMode?: string): Json => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name },
  provisioner,
  ...(volumeBindingMode ? { volumeBindingMode } : {}),
});
const list = (...items: Json[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });

describe('persistentvolume-binder controller', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  const kubectl = (args: string[], input?: string) => cluster.kubectlOk(args, input);
  const json = (args: string[]): Promise<Json> => cluster.kubectlJson(args);
  const settle = () => cluster.server.controllers.settle();
  const ownAnnotations = (o: Json) => {
    const { ['kubectl.kubernetes.io/last-applied-configuration']: _, ...rest } = o.metadata.annotations ?? {};
    return rest;
  };
  const events = async (kind: string, name: string) =>
    ((await json(['get', 'events', '--field-selector', `involvedObject.kind=${kind},involvedObject.name=${name}`])).items as Json[]).map((e) => ({
      type: e.type,
      reason: e.reason,
      message: e.message,
      count: e.count,
      source: e.source.component,
    }));

  beforeEach(async () => {
    clock = new ManualClock(wallClockStart());
    cluster = await startCluster({ clock });
    await settle();
  });
  afterEach(() => cluster.stop());

  it('binds each claim to the smallest volume of the fewest access modes that fits, as kube-controller-manager writes a binding', async () => {
    await kubectl(
      ['apply', '-f', '-'],
      list(
        volume('pv-retain', { capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: '/tmp/retain' } }, { tier: 'gold' }),
        volume('pv-delete', { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'], persistentVolumeReclaimPolicy: 'Delete', hostPath: { path: '/tmp/delete' } }),
        volume('pv-delete-data', { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteMany'], persistentVolumeReclaimPolicy: 'Delete', hostPath: { path: '/data/volume' } }),
      ),
    );
    await settle();
    expect(((await json(['get', 'pv'])).items as Json[]).map((v) => v.status.phase)).to.deep.equal(['Available', 'Available', 'Available']);
    await kubectl(
      ['apply', '-f', '-'],
      list(claim('small', { resources: { requests: { storage: '500Mi' } } }), claim('gold', { selector: { matchLabels: { tier: 'gold' } } }), claim('rwx', { accessModes: ['ReadWriteMany'] })),
    );
    await settle();

    // The ReadWriteOnce volume is tried before the smaller ReadWriteOnce+ReadOnlyMany one, so the claim that selects it finds none left.
    const printed = await kubectl(['get', 'pvc', '-o', 'custom-columns=NAME:.metadata.name,STATUS:.status.phase,VOLUME:.spec.volumeName,CAPACITY:.status.capacity.storage,MODES:.status.accessModes', '--no-headers']);
    expect(printed.split('\n').filter(Boolean).map((line) => line.split(/\s+/))).to.deep.equal([
      ['gold', 'Pending', '<none>', '<none>', '<none>'],
      ['rwx', 'Bound', 'pv-delete-data', '1Gi', '[ReadWriteMany]'],
      ['small', 'Bound', 'pv-retain', '2Gi', '[ReadWriteOnce]'],
    ]);

    const bound = await json(['get', 'pv', 'pv-retain', '--show-managed-fields']);
    const small = await json(['get', 'pvc', 'small', '--show-managed-fields']);
    expect(ownAnnotations(bound)).to.deep.equal({ 'pv.kubernetes.io/bound-by-controller': 'yes' });
    expect(bound.spec.claimRef).to.deep.equal({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      name: 'small',
      namespace: 'default',
      resourceVersion: bound.spec.claimRef.resourceVersion,
      uid: small.metadata.uid,
    });
    expect(bound.status.phase).to.equal('Bound');
    // A host path volume's type defaults to "", as kube-apiserver defaults it, in the manager's fields too.
    expect(bound.spec.hostPath).to.deep.equal({ path: '/tmp/retain', type: '' });
    expect(bound.metadata.managedFields.find((m: Json) => m.manager === 'kubectl-client-side-apply').fieldsV1['f:spec']['f:hostPath']).to.deep.equal({ '.': {}, 'f:path': {}, 'f:type': {} });
    expect(ownAnnotations(small)).to.deep.equal({ 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' });
    expect(small.spec.volumeName).to.equal('pv-retain');
    expect(small.status).to.deep.equal({ accessModes: ['ReadWriteOnce'], capacity: { storage: '2Gi' }, phase: 'Bound' });
    const managers = (o: Json) => (o.metadata.managedFields as Json[]).map((m) => [m.manager, m.subresource ?? '', Object.keys(m.fieldsV1).sort()]);
    expect(managers(small)).to.have.deep.members([
      ['kube-controller-manager', '', ['f:metadata', 'f:spec']],
      ['kube-controller-manager', 'status', ['f:status']],
      ['kubectl-client-side-apply', '', ['f:metadata', 'f:spec']],
    ]);
    expect(small.metadata.managedFields.find((m: Json) => m.manager === 'kube-controller-manager' && !m.subresource).fieldsV1).to.deep.equal({
      'f:metadata': { 'f:annotations': { 'f:pv.kubernetes.io/bind-completed': {}, 'f:pv.kubernetes.io/bound-by-controller': {} } },
      'f:spec': { 'f:volumeName': {} },
    });
    expect(bound.metadata.managedFields.find((m: Json) => m.manager === 'kube-controller-manager' && !m.subresource).fieldsV1).to.deep.equal({
      'f:metadata': { 'f:annotations': { 'f:pv.kubernetes.io/bound-by-controller': {} } },
      'f:spec': { 'f:claimRef': { '.': {}, 'f:apiVersion': {}, 'f:kind': {}, 'f:name': {}, 'f:namespace': {}, 'f:resourceVersion': {}, 'f:uid': {} } },
    });
    expect(await events('PersistentVolumeClaim', 'gold')).to.deep.equal([
      { type: 'Normal', reason: 'FailedBinding', message: 'no persistent volumes available for this claim and no storage class is set', count: 1, source: 'persistentvolume-controller' },
    ]);
    expect(await events('PersistentVolumeClaim', 'small')).to.deep.equal([]);

    // Deleting the bound claims: Retain keeps the volume Released, Delete deletes a /tmp/ host path and fails any other.
    await kubectl(['apply', '-f', '-'], list(claim('tmp', { accessModes: ['ReadOnlyMany'] })));
    await settle();
    expect((await json(['get', 'pvc', 'tmp'])).spec.volumeName).to.equal('pv-delete');
    await kubectl(['delete', 'pvc', 'small', 'rwx', 'tmp']);
    await settle();
    const left = ((await json(['get', 'pv'])).items as Json[]).map((v) => [v.metadata.name, v.status, v.spec.claimRef?.name]);
    expect(left).to.deep.equal([
      [
        'pv-delete-data',
        {
          lastPhaseTransitionTime: left[0][1].lastPhaseTransitionTime,
          message: 'host_path deleter only supports /tmp/.+ but received provided /data/volume',
          phase: 'Failed',
        },
        'rwx',
      ],
      ['pv-retain', { lastPhaseTransitionTime: left[1][1].lastPhaseTransitionTime, phase: 'Released' }, 'small'],
    ]);
    expect(await events('PersistentVolume', 'pv-delete-data')).to.deep.equal([
      { type: 'Warning', reason: 'VolumeFailedDelete', message: 'host_path deleter only supports /tmp/.+ but received provided /data/volume', count: 1, source: 'persistentvolume-controller' },
    ]);
  });

  it('says why a claim waits, for each kind of class, and says it again at every resync', async () => {
    await kubectl(
      ['apply', '-f', '-'],
      list(
        storageClass('local-now', 'kubernetes.io/no-provisioner', 'Immediate'),
        storageClass('local-wait', 'kubernetes.io/no-provisioner', 'WaitForFirstConsumer'),
        storageClass('ext', 'example.com/fake'),
        claim('c-now', { storageClassName: 'local-now' }),
        claim('c-wait', { storageClassName: 'local-wait' }),
        claim('c-ext', { storageClassName: 'ext' }),
        claim('c-missing', { storageClassName: 'missing' }),
      ),
    );
    await settle();
    const claims = ((await json(['get', 'pvc'])).items as Json[]).map((c) => [c.metadata.name, ownAnnotations(c), c.status]);
    expect(claims).to.deep.equal([
      ['c-ext', { 'volume.beta.kubernetes.io/storage-provisioner': 'example.com/fake', 'volume.kubernetes.io/storage-provisioner': 'example.com/fake' }, { phase: 'Pending' }],
      ['c-missing', {}, { phase: 'Pending' }],
      ['c-now', {}, { phase: 'Pending' }],
      ['c-wait', {}, { phase: 'Pending' }],
    ]);
    const expected = (count: number): Record<string, Json[]> => ({
      'c-ext': [
        {
          type: 'Normal',
          reason: 'ExternalProvisioning',
          message:
            "Waiting for a volume to be created either by the external provisioner 'example.com/fake' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.",
          count,
          source: 'persistentvolume-controller',
        },
      ],
      'c-missing': [{ type: 'Warning', reason: 'ProvisioningFailed', message: 'storageclass.storage.k8s.io "missing" not found', count, source: 'persistentvolume-controller' }],
      'c-now': [{ type: 'Warning', reason: 'ProvisioningFailed', message: 'no volume plugin matched name: kubernetes.io/no-provisioner', count, source: 'persistentvolume-controller' }],
      'c-wait': [{ type: 'Normal', reason: 'WaitForFirstConsumer', message: 'waiting for first consumer to be created before binding', count, source: 'persistentvolume-controller' }],
    });
    const seen = async () => Object.fromEntries(await Promise.all(['c-ext', 'c-missing', 'c-now', 'c-wait'].map(async (name) => [name, await events('PersistentVolumeClaim', name)])));
    expect(await seen()).to.deep.equal(expected(1));
    await advance(cluster.server, clock, 30_000);
    expect(await seen()).to.deep.equal(expected(3));
  });

  it("names the pods a delayed claim waits for as its first sync sees them: none yet for a StatefulSet's, the pod for an ephemeral volume's", async () => {
    await kubectl(
      ['apply', '-f', '-'],
      list(
        storageClass('local-wait', 'kubernetes.io/no-provisioner', 'WaitForFirstConsumer'),
        {
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          metadata: { name: 'db' },
          spec: {
            serviceName: 'db',
            selector: { matchLabels: { app: 'db' } },
            template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:16' }] } },
            volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { storageClassName: 'local-wait', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
          },
        },
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'p-eph' },
          spec: {
            containers: [{ name: 'c', image: 'busybox' }],
            volumes: [{ name: 'd', ephemeral: { volumeClaimTemplate: { spec: { storageClassName: 'local-wait', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } } }],
          },
        },
      ),
    );
    await settle();
    const waitingForPod = (pod: string) => ({ type: 'Normal', reason: 'WaitForPodScheduled', message: `waiting for pod ${pod} to be scheduled`, count: 1, source: 'persistentvolume-controller' });
    // The StatefulSet makes the claim, then the pod: the binder's first look comes before the pod.
    expect(await events('PersistentVolumeClaim', 'data-db-0')).to.deep.equal([
      { type: 'Normal', reason: 'WaitForFirstConsumer', message: 'waiting for first consumer to be created before binding', count: 1, source: 'persistentvolume-controller' },
    ]);
    expect(await events('PersistentVolumeClaim', 'p-eph-d')).to.deep.equal([waitingForPod('p-eph')]);
    // The resync sees the StatefulSet's pod.
    await advance(cluster.server, clock, 15_000);
    expect((await events('PersistentVolumeClaim', 'data-db-0')).map((e) => e.message)).to.deep.equal(['waiting for first consumer to be created before binding', 'waiting for pod db-0 to be scheduled']);
  });

  it('leaves a bound claim asking for more storage to an external resizer, saying so at each increase (persistentvolume-expander)', async () => {
    await kubectl(
      ['apply', '-f', '-'],
      list(
        { ...storageClass('grow', 'example.com/fake'), allowVolumeExpansion: true },
        volume('hp-grow', { storageClassName: 'grow', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/hp-grow' }, claimRef: { namespace: 'default', name: 'hp-claim' } }),
        claim('hp-claim', { storageClassName: 'grow', volumeName: 'hp-grow' }),
      ),
    );
    await settle();
    expect(await events('PersistentVolumeClaim', 'hp-claim')).to.deep.equal([]);
    const expanding = (count: number) => [{ type: 'Normal', reason: 'ExternalExpanding', message: 'waiting for an external controller to expand this PVC', count, source: 'volume_expand' }];
    await cluster.core.patchNamespacedPersistentVolumeClaim({ namespace: 'default', name: 'hp-claim', body: { spec: { resources: { requests: { storage: '2Gi' } } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await settle();
    expect(await events('PersistentVolumeClaim', 'hp-claim')).to.deep.equal(expanding(1));
    await kubectl(['patch', 'pvc', 'hp-claim', '-p', '{"spec":{"resources":{"requests":{"storage":"3Gi"}}}}']);
    await settle();
    expect(await events('PersistentVolumeClaim', 'hp-claim')).to.deep.equal(expanding(2));
    expect((await json(['get', 'pvc', 'hp-claim'])).status.capacity).to.deep.equal({ storage: '1Gi' });
  });

  it('binds a claim that names its volume, and a volume reserved for a claim, or says why not', async () => {
    await kubectl(
      ['apply', '-f', '-'],
      list(
        volume('pv-tiny', { capacity: { storage: '100Mi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/tiny' } }),
        claim('wants-tiny', { volumeName: 'pv-tiny' }),
        volume('pv-reserved', { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], claimRef: { namespace: 'default', name: 'reserved-for' }, hostPath: { path: '/tmp/res' } }),
        claim('reserved-for'),
      ),
    );
    await settle();
    const tiny = await json(['get', 'pv', 'pv-tiny']);
    expect([tiny.spec.claimRef, tiny.status.phase]).to.deep.equal([undefined, 'Available']);
    expect((await json(['get', 'pvc', 'wants-tiny'])).status).to.deep.equal({ phase: 'Pending' });
    expect(await events('PersistentVolumeClaim', 'wants-tiny')).to.deep.equal([
      { type: 'Warning', reason: 'VolumeMismatch', message: 'Cannot bind to requested volume "pv-tiny": requested PV is too small', count: 1, source: 'persistentvolume-controller' },
    ]);
    const reserved = await json(['get', 'pv', 'pv-reserved']);
    const reservedFor = await json(['get', 'pvc', 'reserved-for']);
    // A volume the user pre-bound is not marked bound-by-controller; its claim is.
    expect(ownAnnotations(reserved)).to.deep.equal({});
    expect([reserved.spec.claimRef.uid, reserved.status.phase]).to.deep.equal([reservedFor.metadata.uid, 'Bound']);
    expect(ownAnnotations(reservedFor)).to.deep.equal({ 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' });
    expect(reservedFor.status).to.deep.equal({ accessModes: ['ReadWriteOnce'], capacity: { storage: '5Gi' }, phase: 'Bound' });
  });

  it('binds a claim made before its volume at the next resync, and loses it when the volume is deleted', async () => {
    const core = cluster.core;
    await core.createNamespacedPersistentVolumeClaim({ namespace: 'default', body: claim('early') as k8s.V1PersistentVolumeClaim });
    await settle();
    await core.createPersistentVolume({ body: volume('late', { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/late' } }) as k8s.V1PersistentVolume });
    await settle();
    expect((await core.readNamespacedPersistentVolumeClaim({ namespace: 'default', name: 'early' })).status?.phase).to.equal('Pending');
    await advance(cluster.server, clock, 15_000);
    expect((await core.readNamespacedPersistentVolumeClaim({ namespace: 'default', name: 'early' })).spec?.volumeName).to.equal('late');
    // The volume goes without waiting for its protection (its finalizer taken off while it is deleted), and the claim is Lost.
    await kubectl(['delete', 'pv', 'late', '--wait=false']);
    await kubectl(['patch', 'pv', 'late', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    await settle();
    const lost = await core.readNamespacedPersistentVolumeClaim({ namespace: 'default', name: 'early' });
    expect(lost.status).to.deep.equal({ phase: 'Lost' });
    expect((await events('PersistentVolumeClaim', 'early')).map((e) => [e.type, e.reason, e.message])).to.deep.equal([
      ['Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set'],
      ['Warning', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!'],
    ]);
  });

  it('is switched off by its kube-controller-manager name', async () => {
    const off = await startCluster({ controllers: ['*', '-persistentvolume-binder-controller'] });
    try {
      await off.kubectlOk(['apply', '-f', '-'], list(volume('free', { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/free' } }), claim('waits')));
      await off.server.controllers.settle();
      expect((await off.kubectlJson(['get', 'pvc', 'waits'])).status).to.deep.equal({ phase: 'Pending' });
      expect((await off.kubectlJson(['get', 'pv', 'free'])).status.phase).to.equal('Pending');
    } finally {
      await off.stop();
    }
  });
});
