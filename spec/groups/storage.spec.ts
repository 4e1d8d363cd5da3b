import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { ManualClock } from '../../testkit/index.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { expectStatus } from '../support/status.js';
import { aligned } from '../support/tables.js';

describe('storage.k8s.io/v1', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  let storage: k8s.StorageV1Api;
  before(async () => {
    clock = new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000));
    cluster = await startCluster({ clock });
    storage = cluster.kubeconfig.makeApiClient(k8s.StorageV1Api);
  });
  after(() => cluster.stop());

  it('defaults StorageClasses, keeps their provisioner and parameters, gives claims the default class and prints it', async () => {
    const standard = await storage.createStorageClass({
      body: { metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'rancher.io/local-path' },
    });
    expect(standard).to.include({ reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
    await storage.createStorageClass({
      body: { metadata: { name: 'fast' }, provisioner: 'ebs.csi.aws.com', parameters: { type: 'gp3' }, volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true },
    });
    const refused = await expectStatus(storage.patchStorageClass({ name: 'fast', body: [{ op: 'replace', path: '/parameters/type', value: 'io2' }] }), 422, 'Invalid');
    expect(refused.message).to.equal('StorageClass.storage.k8s.io "fast" is invalid: parameters: Forbidden: updates to parameters are forbidden.');
    const expanded = await storage.patchStorageClass({ name: 'fast', body: [{ op: 'replace', path: '/allowVolumeExpansion', value: false }] });
    expect(expanded.allowVolumeExpansion).to.equal(false);

    const claim = await cluster.core.createNamespacedPersistentVolumeClaim({
      namespace: 'default',
      body: { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
    });
    expect(claim.spec?.storageClassName, 'DefaultStorageClass admission').to.equal('standard');

    clock.advance(5_000);
    const { stdout, stderr } = await cluster.kubectl(['get', 'storageclasses']);
    expect(stdout, stderr).to.equal(
      aligned([
        ['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE'],
        ['fast', 'ebs.csi.aws.com', 'Delete', 'WaitForFirstConsumer', 'false', '5s'],
        ['standard (default)', 'rancher.io/local-path', 'Delete', 'Immediate', 'false', '5s'],
      ]),
    );
  });

  it('serves CSIDrivers, CSINodes, VolumeAttachments with status and CSIStorageCapacities through StorageV1Api', async () => {
    const driver = await storage.createCSIDriver({ body: { metadata: { name: 'ebs.csi.aws.com' }, spec: {} } });
    expect(driver.spec).to.deep.equal({
      attachRequired: true,
      podInfoOnMount: false,
      volumeLifecycleModes: ['Persistent'],
      storageCapacity: false,
      fsGroupPolicy: 'ReadWriteOnceWithFSType',
      requiresRepublish: false,
      seLinuxMount: false,
    });
    await expectStatus(
      storage.patchCSIDriver({ name: 'ebs.csi.aws.com', body: [{ op: 'replace', path: '/spec/attachRequired', value: false }] }),
      422,
      'Invalid',
      'CSIDriver.storage.k8s.io "ebs.csi.aws.com" is invalid: spec.attachedRequired: Invalid value: false: field is immutable',
    );

    const node = await storage.createCSINode({ body: { metadata: { name: 'node-1' }, spec: { drivers: [{ name: 'ebs.csi.aws.com', nodeID: 'i-0123', allocatable: { count: 25 } }] } } });
    expect(node.spec.drivers.map((d) => d.allocatable?.count)).to.deep.equal([25]);

    const attachment = await storage.createVolumeAttachment({
      body: { metadata: { name: 'csi-0123' }, spec: { attacher: 'ebs.csi.aws.com', nodeName: 'node-1', source: { persistentVolumeName: 'pv-1' } } },
    });
    expect(attachment.status).to.deep.equal({ attached: false });
    const attached = await storage.replaceVolumeAttachmentStatus({ name: 'csi-0123', body: { ...attachment, status: { attached: true, attachmentMetadata: { devicePath: '/dev/xvdba' } } } });
    expect(attached.status?.attached).to.equal(true);
    const moved = await expectStatus(storage.patchVolumeAttachment({ name: 'csi-0123', body: [{ op: 'replace', path: '/spec/nodeName', value: 'node-2' }] }), 422, 'Invalid');
    expect(moved.details.causes[0].message).to.match(/^Invalid value: storage\.VolumeAttachmentSpec\{Attacher:"ebs\.csi\.aws\.com", .*NodeName:"node-2"\}: field is immutable$/);

    await storage.createNamespacedCSIStorageCapacity({
      namespace: 'kube-system',
      body: { metadata: { name: 'gp3-zone-a' }, storageClassName: 'fast', nodeTopology: { matchLabels: { 'topology.kubernetes.io/zone': 'a' } }, capacity: '1Ti' },
    });
    const capacities = await storage.listNamespacedCSIStorageCapacity({ namespace: 'kube-system' });
    expect(capacities.items.map((c) => [c.metadata?.name, c.capacity])).to.deep.equal([['gp3-zone-a', '1Ti']]);

    const { stdout, stderr } = await cluster.kubectl(['get', 'volumeattachments']);
    expect(stdout, stderr).to.equal(
      aligned([
        ['NAME', 'ATTACHER', 'PV', 'NODE', 'ATTACHED', 'AGE'],
        ['csi-0123', 'ebs.csi.aws.com', 'pv-1', 'node-1', 'true', '0s'],
      ]),
    );
  });
});

// What a full kube-apiserver and kube-controller-manager 1.32.13 cluster did with the same objects:
// a claim a scheduled pod mounts stays Terminating until the pod goes, one only an unscheduled pod
// names goes at once, and an Available volume is deleted while a Bound one waits until its claim
// is gone.
describe('storage object in-use protection', () => {
  let cluster: TestCluster;
  let core: k8s.CoreV1Api;
  before(async () => {
    cluster = await startCluster();
    core = cluster.core;
    await cluster.server.controllers.settle();
  });
  after(() => cluster.stop());

  const claim = (name: string): k8s.V1PersistentVolumeClaim => ({ metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
  const claimGone = async (name: string) => {
    await cluster.server.controllers.settle();
    return (await cluster.request(`/api/v1/namespaces/default/persistentvolumeclaims/${name}`)).status === 404;
  };

  it('keeps a claim that a scheduled pod uses until the pod is gone', async () => {
    const node = (await core.listNode()).items[0].metadata!.name!;
    for (const name of ['used', 'waited']) {
      const created = await core.createNamespacedPersistentVolumeClaim({ namespace: 'default', body: claim(name) });
      expect(created.metadata?.finalizers).to.deep.equal(['kubernetes.io/pvc-protection']);
    }
    await core.createNamespacedPod({
      namespace: 'default',
      body: { metadata: { name: 'user' }, spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'used' } }] } },
    });
    await core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'waiter' },
        spec: { schedulingGates: [{ name: 'example.com/hold' }], containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'waited' } }] },
      },
    });
    await cluster.kubectlOk(['delete', 'pvc', 'used', 'waited', '--wait=false']);
    expect(await claimGone('waited')).to.equal(true);
    expect(await claimGone('used')).to.equal(false);
    const terminating = await core.readNamespacedPersistentVolumeClaim({ namespace: 'default', name: 'used' });
    expect(terminating.metadata?.deletionTimestamp).to.not.equal(undefined);
    expect(terminating.metadata?.finalizers).to.deep.equal(['kubernetes.io/pvc-protection']);
    expect(await cluster.kubectlOk(['get', 'pvc', 'used', '--no-headers'])).to.match(/^used\s+Terminating\s/);
    await cluster.kubectlOk(['delete', 'pod', 'user', '--grace-period=0', '--force']);
    expect(await claimGone('used')).to.equal(true);
  });

  it('puts the finalizer back on a claim that lost it, as the controller does for claims older than the plugin', async () => {
    await core.createNamespacedPersistentVolumeClaim({ namespace: 'default', body: claim('bare') });
    await cluster.kubectlOk(['patch', 'pvc', 'bare', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    await cluster.server.controllers.settle();
    const back = await core.readNamespacedPersistentVolumeClaim({ namespace: 'default', name: 'bare' });
    expect(back.metadata?.finalizers).to.deep.equal(['kubernetes.io/pvc-protection']);
  });

  it('deletes a volume that is not Bound, and keeps a Bound one until it is released', async () => {
    const volume = (name: string): k8s.V1PersistentVolume => ({
      metadata: { name },
      spec: { storageClassName: 'manual', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/x' } },
    });
    for (const name of ['pv-free', 'pv-bound']) expect((await core.createPersistentVolume({ body: volume(name) })).metadata?.finalizers).to.deep.equal(['kubernetes.io/pv-protection']);
    await core.createNamespacedPersistentVolumeClaim({
      namespace: 'default',
      body: { metadata: { name: 'holder' }, spec: { ...claim('holder').spec, storageClassName: 'manual', volumeName: 'pv-bound' } },
    });
    await cluster.server.controllers.settle();
    expect((await core.readPersistentVolume({ name: 'pv-bound' })).status?.phase).to.equal('Bound');
    await cluster.kubectlOk(['delete', 'pv', 'pv-free', 'pv-bound', '--wait=false']);
    await cluster.server.controllers.settle();
    const status = async (name: string) => (await cluster.request(`/api/v1/persistentvolumes/${name}`)).status;
    expect(await status('pv-free')).to.equal(404);
    expect(await status('pv-bound')).to.equal(200);
    // The claim goes, the volume is Released (Retain, a static volume's default) and nothing holds it.
    await cluster.kubectlOk(['delete', 'pvc', 'holder']);
    await cluster.server.controllers.settle();
    expect(await status('pv-bound')).to.equal(404);
  });
});
