// The opt-in dynamic provisioner (storageProvisioner, --storage-provisioner) with the volume binder
// and the scheduler, driven by kubectl and client-node. The binder's part (annotations, the
// ExternalProvisioning event, binding a volume the provisioner made) was first seen on
// kube-controller-manager 1.32.13 (the reference cluster) with a StorageClass of an external
// provisioner and its volume made by hand as external-provisioner makes one; the provisioner's
// part follows sig-storage-lib-external-provisioner and external-provisioner.

import type * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { ManualClock, startKubemock } from '../testkit/index.js';
import { startCluster, type TestCluster } from './support/cluster.js';
import { advance, wallClockStart } from './support/step.js';

type Json = Record<string, any>;

const statefulSet = (name: string, replicas: number, claimSpec: Json = {}): Json => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name },
  spec: {
    serviceName: name,
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'postgres:16' }] } },
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...claimSpec } }],
  },
});
const claim = (name: string, spec: Json = {}): k8s.V1PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, ...spec },
});
const provisioner = 'local.csi.kubemock.io';

describe('storage provisioner', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  const kubectl = (args: string[], input?: string) => cluster.kubectlOk(args, input);
  const json = (args: string[]): Promise<Json> => cluster.kubectlJson(args);
  const step = (ms: number) => advance(cluster.server, clock, ms);
  const events = async (name: string) =>
    ((await json(['get', 'events', '--field-selector', `involvedObject.kind=PersistentVolumeClaim,involvedObject.name=${name}`])).items as Json[])
      .sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion))
      .map((e) => ({ reason: e.reason, message: e.message, source: e.source.component }));

  describe('switched on', () => {
    beforeEach(async () => {
      clock = new ManualClock(wallClockStart());
      cluster = await startCluster({ clock, nodes: 2, storageProvisioner: true });
      await step(0);
    });
    afterEach(() => cluster.stop());

    it('brings a default StorageClass that binds at the first consumer and deletes its volumes', async () => {
      const classes = (await json(['get', 'storageclasses'])).items as Json[];
      expect(classes.map((c) => [c.metadata.name, c.metadata.annotations, c.provisioner, c.reclaimPolicy, c.volumeBindingMode])).to.deep.equal([
        ['standard', { 'storageclass.kubernetes.io/is-default-class': 'true' }, provisioner, 'Delete', 'WaitForFirstConsumer'],
      ]);
      // Its volumes are attached by nothing, which the driver's CSIDriver declares.
      const drivers = (await json(['get', 'csidrivers'])).items as Json[];
      expect(drivers.map((d) => [d.metadata.name, d.spec.attachRequired, d.spec.volumeLifecycleModes])).to.deep.equal([[provisioner, false, ['Persistent']]]);
      expect(await kubectl(['get', 'storageclass'])).to.match(/^standard \(default\)\s+local\.csi\.kubemock\.io\s+Delete\s+WaitForFirstConsumer\s+false\s+/m);
    });

    it("runs a StatefulSet's pods on volumes made for their claims, as kind's or k3s's provisioner does", async () => {
      await kubectl(['apply', '-f', '-'], JSON.stringify(statefulSet('db', 2)));
      for (let i = 0; i < 5; i++) await step(1000);
      const pods = (await json(['get', 'pods', '-l', 'app=db'])).items as Json[];
      expect(pods.map((p) => [p.metadata.name, p.status.phase])).to.deep.equal([
        ['db-0', 'Running'],
        ['db-1', 'Running'],
      ]);
      for (const pod of pods) {
        const name = `data-${pod.metadata.name}`;
        const pvc = await json(['get', 'pvc', name]);
        const volumeName = `pvc-${pvc.metadata.uid}`;
        expect(pvc.spec.volumeName).to.equal(volumeName);
        expect(pvc.status).to.deep.equal({ phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } });
        expect(pvc.metadata.annotations).to.deep.equal({
          'pv.kubernetes.io/bind-completed': 'yes',
          'pv.kubernetes.io/bound-by-controller': 'yes',
          'volume.beta.kubernetes.io/storage-provisioner': provisioner,
          'volume.kubernetes.io/selected-node': pod.spec.nodeName,
          'volume.kubernetes.io/storage-provisioner': provisioner,
        });
        const pv = await json(['get', 'pv', volumeName, '--show-managed-fields']);
        expect(pv.metadata.annotations).to.deep.equal({
          'pv.kubernetes.io/provisioned-by': provisioner,
          'volume.kubernetes.io/provisioner-deletion-secret-name': '',
          'volume.kubernetes.io/provisioner-deletion-secret-namespace': '',
        });
        expect(pv.metadata.finalizers).to.deep.equal(['external-provisioner.volume.kubernetes.io/finalizer', 'kubernetes.io/pv-protection']);
        const { csi, ...spec } = pv.spec;
        expect(spec).to.deep.equal({
          accessModes: ['ReadWriteOnce'],
          capacity: { storage: '1Gi' },
          claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'default', name, uid: pvc.metadata.uid, resourceVersion: pv.spec.claimRef.resourceVersion },
          nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [pod.spec.nodeName] }] }] } },
          persistentVolumeReclaimPolicy: 'Delete',
          storageClassName: 'standard',
          volumeMode: 'Filesystem',
        });
        expect(csi.driver).to.equal(provisioner);
        expect(csi.volumeHandle).to.equal(volumeName);
        expect(csi.volumeAttributes['storage.kubernetes.io/csiProvisionerIdentity']).to.match(/^\d+-\d+-local\.csi\.kubemock\.io$/);
        expect(pv.status.phase).to.equal('Bound');
        expect((pv.metadata.managedFields as Json[]).map((m) => [m.manager, m.subresource])).to.deep.equal([
          ['csi-provisioner', undefined],
          ['kube-controller-manager', 'status'],
        ]);
        const seen = await events(name);
        const component = seen.find((e) => e.reason === 'Provisioning')?.source as string;
        expect(component).to.match(/^local\.csi\.kubemock\.io_/);
        expect(seen).to.deep.equal([
          { reason: 'WaitForFirstConsumer', message: 'waiting for first consumer to be created before binding', source: 'persistentvolume-controller' },
          {
            reason: 'ExternalProvisioning',
            message: `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
            source: 'persistentvolume-controller',
          },
          { reason: 'Provisioning', message: `External provisioner is provisioning volume for claim "default/${name}"`, source: component },
          { reason: 'ProvisioningSucceeded', message: `Successfully provisioned volume ${volumeName}`, source: component },
        ]);
      }
    });

    it('deletes the volume of a deleted claim, then lets go of its finalizer', async () => {
      await kubectl(['apply', '-f', '-'], JSON.stringify(statefulSet('web', 1)));
      for (let i = 0; i < 3; i++) await step(1000);
      const pvc = await json(['get', 'pvc', 'data-web-0']);
      const volumeName = pvc.spec.volumeName as string;
      expect(volumeName).to.equal(`pvc-${pvc.metadata.uid}`);
      await kubectl(['delete', 'statefulset', 'web']);
      await step(31_000);
      const seen: string[] = [];
      const unsubscribe = cluster.server.services.store.subscribe((event) => {
        if (event.resource !== 'persistentvolumes') return;
        const { metadata, status } = event.object.object;
        seen.push(event.type === 'DELETED' ? 'DELETED' : `${event.type} ${(status as Json).phase} ${metadata.deletionTimestamp ? 'deleting ' : ''}[${(metadata.finalizers ?? []).join(' ')}]`);
      });
      await cluster.core.deleteNamespacedPersistentVolumeClaim({ namespace: 'default', name: 'data-web-0' });
      await step(1000);
      unsubscribe();
      const left = await cluster.kubectl(['get', 'pv', volumeName]);
      expect(left.stderr).to.contain(`persistentvolumes "${volumeName}" not found`);
      expect(seen).to.deep.equal([
        'MODIFIED Released [external-provisioner.volume.kubernetes.io/finalizer kubernetes.io/pv-protection]',
        'MODIFIED Released deleting [external-provisioner.volume.kubernetes.io/finalizer kubernetes.io/pv-protection]',
        'MODIFIED Released deleting [kubernetes.io/pv-protection]',
        'DELETED',
      ]);
    });

    it('provisions for an Immediate class at once, with its mount options and reclaim policy, and keeps a Retained volume', async () => {
      await kubectl(
        ['apply', '-f', '-'],
        JSON.stringify({
          apiVersion: 'storage.k8s.io/v1',
          kind: 'StorageClass',
          metadata: { name: 'fast' },
          provisioner,
          reclaimPolicy: 'Retain',
          mountOptions: ['noatime'],
          volumeBindingMode: 'Immediate',
        }),
      );
      const created = await cluster.core.createNamespacedPersistentVolumeClaim({ namespace: 'default', body: claim('scratch', { storageClassName: 'fast', volumeMode: 'Block', accessModes: ['ReadWriteMany'] }) });
      await step(0);
      const pvc = await cluster.core.readNamespacedPersistentVolumeClaim({ namespace: 'default', name: 'scratch' });
      const volumeName = `pvc-${created.metadata!.uid}`;
      expect(pvc.status?.phase).to.equal('Bound');
      expect(pvc.spec?.volumeName).to.equal(volumeName);
      expect(pvc.metadata?.annotations?.['volume.kubernetes.io/selected-node']).to.equal(undefined);
      const pv = await cluster.core.readPersistentVolume({ name: volumeName });
      expect(pv.spec?.nodeAffinity).to.equal(undefined);
      expect(pv.spec?.mountOptions).to.deep.equal(['noatime']);
      expect(pv.spec?.persistentVolumeReclaimPolicy).to.equal('Retain');
      expect(pv.spec?.volumeMode).to.equal('Block');
      expect(pv.spec?.accessModes).to.deep.equal(['ReadWriteMany']);
      expect(pv.spec?.capacity).to.deep.equal({ storage: '2Gi' });
      // A volume to keep carries no finalizer of the provisioner's (handleProtectionFinalizer takes it off).
      expect(pv.metadata?.finalizers).to.deep.equal(['kubernetes.io/pv-protection']);
      await cluster.core.deleteNamespacedPersistentVolumeClaim({ namespace: 'default', name: 'scratch' });
      await step(1000);
      const released = await cluster.core.readPersistentVolume({ name: volumeName });
      expect(released.status?.phase).to.equal('Released');
      expect(released.metadata?.deletionTimestamp).to.equal(undefined);
    });

    it("grows a bound claim's volume when the claim asks for more, as external-resizer does for a driver that expands on the controller", async () => {
      await kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'grow' }, provisioner, allowVolumeExpansion: true }));
      await cluster.core.createNamespacedPersistentVolumeClaim({ namespace: 'default', body: claim('big', { storageClassName: 'grow' }) });
      await step(0);
      const statuses: Json[] = [];
      const unsubscribe = cluster.server.services.store.subscribe((event) => {
        if (event.resource === 'persistentvolumeclaims' && event.object.name === 'big') statuses.push(event.object.object.status as Json);
      });
      await kubectl(['patch', 'pvc', 'big', '-p', '{"spec":{"resources":{"requests":{"storage":"5Gi"}}}}']);
      await step(0);
      unsubscribe();
      const pvc = await json(['get', 'pvc', 'big']);
      expect(pvc.status).to.deep.equal({ phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '5Gi' }, allocatedResources: { storage: '5Gi' } });
      const resizing = statuses.find((s) => s.conditions);
      expect(resizing?.conditions.map((c: Json) => [c.type, c.status])).to.deep.equal([['Resizing', 'True']]);
      expect(resizing?.allocatedResourceStatuses).to.deep.equal({ storage: 'ControllerResizeInProgress' });
      expect((await json(['get', 'pv', pvc.spec.volumeName])).spec.capacity).to.deep.equal({ storage: '5Gi' });
      const seen = (await events('big')).filter((e) => e.reason !== 'ExternalProvisioning' && !e.reason.startsWith('Provisioning'));
      expect(seen).to.deep.equal([
        { reason: 'ExternalExpanding', message: 'waiting for an external controller to expand this PVC', source: 'volume_expand' },
        { reason: 'Resizing', message: `External resizer is resizing volume ${pvc.spec.volumeName}`, source: `external-resizer ${provisioner}` },
        { reason: 'VolumeResizeSuccessful', message: 'Resize volume succeeded', source: `external-resizer ${provisioner}` },
      ]);
    });

    it('provisions nothing while switched off by --controllers: the claim waits for it', async () => {
      await cluster.stop();
      cluster = await startCluster({ clock, storageProvisioner: true, controllers: ['*', '-storage-provisioner'] });
      await step(0);
      await cluster.core.createNamespacedPersistentVolumeClaim({ namespace: 'default', body: claim('waits', { storageClassName: 'standard' }) });
      await kubectl(['run', 'user', '--image=busybox', '--overrides', JSON.stringify({ spec: { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'waits' } }], containers: [{ name: 'user', image: 'busybox' }] } })]);
      for (let i = 0; i < 3; i++) await step(1000);
      const pvc = await json(['get', 'pvc', 'waits']);
      expect(pvc.status.phase).to.equal('Pending');
      expect(pvc.metadata.annotations['volume.kubernetes.io/storage-provisioner']).to.equal(provisioner);
      expect((await json(['get', 'pv'])).items).to.deep.equal([]);
    });
  });

  describe('switched off (the default)', () => {
    beforeEach(async () => {
      clock = new ManualClock(wallClockStart());
      cluster = await startCluster({ clock });
      await step(0);
    });
    afterEach(() => cluster.stop());

    it('has no StorageClass, and a StatefulSet with claim templates waits for volumes', async () => {
      expect((await json(['get', 'storageclasses'])).items).to.deep.equal([]);
      expect((await json(['get', 'csidrivers'])).items).to.deep.equal([]);
      await kubectl(['apply', '-f', '-'], JSON.stringify(statefulSet('db', 1)));
      for (let i = 0; i < 3; i++) await step(1000);
      const pod = await json(['get', 'pod', 'db-0']);
      expect(pod.status.conditions.find((c: Json) => c.type === 'PodScheduled').message).to.equal(
        '0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
      );
    });

    it("leaves a claim of the provisioner's name to an external provisioner that is not there", async () => {
      await kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'now' }, provisioner }));
      await cluster.core.createNamespacedPersistentVolumeClaim({ namespace: 'default', body: claim('c', { storageClassName: 'now' }) });
      await step(1000);
      expect((await json(['get', 'pvc', 'c'])).status.phase).to.equal('Pending');
      expect((await events('c')).map((e) => e.reason)).to.deep.equal(['ExternalProvisioning']);
      expect((await json(['get', 'pv'])).items).to.deep.equal([]);
    });
  });

  it('comes with the testkit option, and reset() brings its StorageClass back', async () => {
    await using kubemock = await startKubemock({ storageProvisioner: true });
    await kubemock.settle();
    expect(kubemock.get({ kind: 'StorageClass', name: 'standard' })?.provisioner).to.equal(provisioner);
    await kubemock.seed({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'other' }, provisioner: 'example.com/other' } as Json);
    kubemock.reset();
    await kubemock.settle();
    expect(kubemock.get({ kind: 'StorageClass', name: 'other' })).to.equal(undefined);
    expect(kubemock.get({ kind: 'StorageClass', name: 'standard' })?.metadata?.annotations).to.deep.equal({ 'storageclass.kubernetes.io/is-default-class': 'true' });
    await kubemock.seed(claim('quick', { storageClassName: 'standard' }) as Json);
    await kubemock.seed({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'user', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'quick' } }] } } as Json);
    await kubemock.waitFor({ kind: 'Pod', name: 'user' }, (pod) => (pod.status as Json | undefined)?.phase === 'Running', { timeout: '10s' });
    expect((kubemock.get({ kind: 'PersistentVolumeClaim', name: 'quick' })?.status as Json).phase).to.equal('Bound');
  });
});
