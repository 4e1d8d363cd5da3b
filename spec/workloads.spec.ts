import { expect } from 'chai';
import { ManualClock } from '../testkit/index.js';
import { startCluster, type TestCluster } from './support/cluster.js';
import { advance, wallClockStart } from './support/step.js';

type Json = Record<string, any>;

const webTemplate = (image: string, labels: Record<string, string> = { app: 'web' }) => ({
  metadata: { labels },
  spec: { containers: [{ name: 'web', image }] },
});

async function json(cluster: TestCluster, args: string[]): Promise<Json> {
  const result = await cluster.kubectl([...args, '-o', 'json']);
  expect(result.code, result.stderr).to.equal(0);
  return JSON.parse(result.stdout);
}

async function events(cluster: TestCluster, namespace: string, kind: string, name: string): Promise<string[]> {
  const list = await cluster.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}` });
  return list.items.sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!)).map((e) => `${e.reason}: ${e.message}`);
}

describe('workload controllers: ReplicaSets', () => {
  let cluster: TestCluster;
  const settle = () => cluster.server.controllers.settle();
  before(async () => {
    cluster = await startCluster({ nodes: 2 });
  });
  after(() => cluster.stop());

  it('create generated pods owned by the ReplicaSet and report them in status', async () => {
    await cluster.apps.createNamespacedReplicaSet({
      namespace: 'default',
      body: { metadata: { name: 'front' }, spec: { replicas: 3, selector: { matchLabels: { app: 'front' } }, template: webTemplate('nginx', { app: 'front', tier: 'web' }) } },
    });
    await settle();
    const list = await cluster.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=front' });
    expect(list.items).to.have.length(3);
    const rs = await cluster.apps.readNamespacedReplicaSet({ name: 'front', namespace: 'default' });
    for (const pod of list.items) {
      expect(pod.metadata!.name).to.match(/^front-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(pod.metadata!.generateName).to.equal('front-');
      expect(pod.metadata!.labels).to.deep.equal({ app: 'front', tier: 'web' });
      expect(pod.metadata!.ownerReferences).to.deep.equal([
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'front', uid: rs.metadata!.uid, controller: true, blockOwnerDeletion: true },
      ]);
      expect(pod.metadata!.managedFields![0]).to.include({ manager: 'kube-controller-manager', operation: 'Update' });
    }
    expect(rs.status).to.deep.equal({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    const created = await events(cluster, 'default', 'ReplicaSet', 'front');
    expect(created.sort()).to.deep.equal(list.items.map((p) => `SuccessfulCreate: Created pod: ${p.metadata!.name}`).sort());
  });

  it('scale down the pods that are not ready first, and replace a deleted pod', async () => {
    const before = (await cluster.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=front' })).items.map((p) => p.metadata!.name);
    // The next pod the kubelet starts never turns ready.
    cluster.server.world.setKubeletStages([{ match: { labels: { app: 'front' } }, ready: { never: true } }]);
    expect((await cluster.kubectl(['scale', 'rs/front', '--replicas=4'])).code).to.equal(0);
    await settle();
    cluster.server.world.setKubeletStages([]);
    const unready = (await cluster.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=front' })).items.find((p) => !before.includes(p.metadata!.name))!;
    expect(unready.status!.conditions!.find((c) => c.type === 'Ready')!.status).to.equal('False');
    const scaled = await cluster.kubectl(['scale', 'rs/front', '--replicas=2']);
    expect(scaled.code, scaled.stderr).to.equal(0);
    await settle();
    const after = await cluster.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=front' });
    const live = after.items.filter((p) => !p.metadata!.deletionTimestamp).map((p) => p.metadata!.name);
    expect(live).to.have.length(2);
    expect(live).to.not.include(unready.metadata!.name);
    expect(await events(cluster, 'default', 'ReplicaSet', 'front')).to.include(`SuccessfulDelete: Deleted pod: ${unready.metadata!.name}`);

    await cluster.core.deleteNamespacedPod({ name: live[0]!, namespace: 'default', gracePeriodSeconds: 0 });
    await settle();
    const replaced = (await cluster.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=front' })).items.filter((p) => !p.metadata!.deletionTimestamp);
    expect(replaced).to.have.length(2);
    expect(replaced.map((p) => p.metadata!.name)).to.not.include(live[0]);
  });

  it('adopt a matching orphan pod and release a pod whose labels no longer match', async () => {
    await cluster.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'stray', labels: { app: 'front' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } });
    await settle();
    // Adopted, the stray makes three pods for two replicas: it stays owned, or is the one deleted.
    const stray = (await cluster.core.listNamespacedPod({ namespace: 'default', fieldSelector: 'metadata.name=stray' })).items[0];
    if (stray) expect(stray.metadata!.ownerReferences?.[0]).to.include({ kind: 'ReplicaSet', name: 'front', controller: true, blockOwnerDeletion: true });
    else expect(await events(cluster, 'default', 'ReplicaSet', 'front')).to.include('SuccessfulDelete: Deleted pod: stray');
    const owned = (await cluster.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=front' })).items.filter((p) => !p.metadata!.deletionTimestamp);
    expect(owned).to.have.length(2);

    const kept = owned[0].metadata!.name!;
    const relabel = await cluster.kubectl(['label', 'pod', kept, 'app=elsewhere', '--overwrite']);
    expect(relabel.code, relabel.stderr).to.equal(0);
    await settle();
    const released = await cluster.core.readNamespacedPod({ name: kept, namespace: 'default' });
    expect(released.metadata!.ownerReferences).to.equal(undefined);
    const replacement = (await cluster.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=front' })).items.filter((p) => !p.metadata!.deletionTimestamp);
    expect(replacement).to.have.length(2);
  });

  it('runs a ReplicationController the same way', async () => {
    await cluster.core.createNamespacedReplicationController({
      namespace: 'default',
      body: { metadata: { name: 'legacy' }, spec: { replicas: 2, selector: { app: 'legacy' }, template: webTemplate('nginx', { app: 'legacy' }) } },
    });
    await settle();
    const rc = await cluster.core.readNamespacedReplicationController({ name: 'legacy', namespace: 'default' });
    expect(rc.status).to.deep.equal({ replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 });
    const list = await cluster.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=legacy' });
    expect(list.items.map((p) => p.metadata!.ownerReferences![0].kind)).to.deep.equal(['ReplicationController', 'ReplicationController']);
    expect(list.items[0].metadata!.managedFields![0].manager).to.equal('kube-controller-manager');
  });
});

describe('workload controllers: Deployments with kubectl', () => {
  let cluster: TestCluster;
  const settle = () => cluster.server.controllers.settle();
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster.stop());

  it('roll out `kubectl create deployment` to a ReplicaSet named as kube-controller-manager names it, within 100 ms', async () => {
    const started = Date.now();
    const create = await cluster.kubectl(['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=3']);
    expect(create.code, create.stderr).to.equal(0);
    const status = await cluster.kubectl(['rollout', 'status', 'deployment/web', '--timeout=20s']);
    expect(status.stdout).to.contain('deployment "web" successfully rolled out');
    const elapsed = Date.now() - started;
    await settle();
    const deployment = await json(cluster, ['get', 'deployment', 'web']);
    // As kube-controller-manager 1.32.13 named and annotated them for the same command.
    expect(deployment.metadata.annotations).to.deep.equal({ 'deployment.kubernetes.io/revision': '1' });
    const rs = await json(cluster, ['get', 'rs', 'web-796cf5c97c']);
    expect(rs.metadata.labels).to.deep.equal({ app: 'web', 'pod-template-hash': '796cf5c97c' });
    expect(rs.metadata.annotations).to.deep.equal({
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
      'deployment.kubernetes.io/revision': '1',
    });
    expect(rs.metadata.ownerReferences).to.deep.equal([{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: deployment.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(rs.spec.selector).to.deep.equal({ matchLabels: { app: 'web', 'pod-template-hash': '796cf5c97c' } });
    expect(rs.status).to.deep.equal({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    expect(deployment.status).to.deep.include({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
    expect(deployment.status.conditions.map((c: Json) => [c.type, c.status, c.reason, c.message])).to.deep.equal([
      ['Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'],
      ['Progressing', 'True', 'NewReplicaSetAvailable', 'ReplicaSet "web-796cf5c97c" has successfully progressed.'],
    ]);
    expect(await events(cluster, 'default', 'Deployment', 'web')).to.deep.equal(['ScalingReplicaSet: Scaled up replica set web-796cf5c97c from 0 to 3']);
    // kubectl's polling dominates; the controllers themselves take a few milliseconds.
    expect(elapsed).to.be.below(5000);
  });

  it('roll `kubectl set image` one pod at a time within maxSurge 25% and maxUnavailable 25%', async () => {
    const set = await cluster.kubectl(['set', 'image', 'deployment/web', 'nginx=nginx:1.28']);
    expect(set.code, set.stderr).to.equal(0);
    const status = await cluster.kubectl(['rollout', 'status', 'deployment/web', '--timeout=20s']);
    expect(status.stdout).to.contain('successfully rolled out');
    await settle();
    expect(await events(cluster, 'default', 'Deployment', 'web')).to.deep.equal([
      'ScalingReplicaSet: Scaled up replica set web-796cf5c97c from 0 to 3',
      'ScalingReplicaSet: Scaled up replica set web-6774d4bdfd from 0 to 1',
      'ScalingReplicaSet: Scaled down replica set web-796cf5c97c from 3 to 2',
      'ScalingReplicaSet: Scaled up replica set web-6774d4bdfd from 1 to 2',
      'ScalingReplicaSet: Scaled down replica set web-796cf5c97c from 2 to 1',
      'ScalingReplicaSet: Scaled up replica set web-6774d4bdfd from 2 to 3',
      'ScalingReplicaSet: Scaled down replica set web-796cf5c97c from 1 to 0',
    ]);
    const history = await cluster.kubectl(['rollout', 'history', 'deployment/web']);
    expect(history.stdout.split('\n').slice(1, 4).map((l) => l.trim().split(/\s+/)[0])).to.deep.equal(['REVISION', '1', '2']);
  });

  it('undo to the previous template with `kubectl rollout undo`, reusing its ReplicaSet', async () => {
    const undo = await cluster.kubectl(['rollout', 'undo', 'deployment/web']);
    expect(undo.stdout).to.contain('deployment.apps/web rolled back');
    await cluster.kubectl(['rollout', 'status', 'deployment/web', '--timeout=20s']);
    await settle();
    const old = await json(cluster, ['get', 'rs', 'web-796cf5c97c']);
    const newer = await json(cluster, ['get', 'rs', 'web-6774d4bdfd']);
    // The reference cluster's annotations after the same three commands.
    expect(old.metadata.annotations).to.deep.equal({
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
      'deployment.kubernetes.io/revision': '3',
      'deployment.kubernetes.io/revision-history': '1',
    });
    expect(newer.metadata.annotations['deployment.kubernetes.io/revision']).to.equal('2');
    expect([old.spec.replicas, newer.spec.replicas]).to.deep.equal([3, 0]);
    const history = await cluster.kubectl(['rollout', 'history', 'deployment/web']);
    expect(history.stdout.split('\n').slice(2, 4).map((l) => l.trim().split(/\s+/)[0])).to.deep.equal(['2', '3']);
  });

  it('scale proportionally with `kubectl scale`, and report the new size', async () => {
    const scaled = await cluster.kubectl(['scale', 'deployment/web', '--replicas=5']);
    expect(scaled.code, scaled.stderr).to.equal(0);
    await settle();
    const d = await json(cluster, ['get', 'deployment', 'web']);
    expect(d.status).to.deep.include({ replicas: 5, updatedReplicas: 5, readyReplicas: 5, availableReplicas: 5 });
    expect((await json(cluster, ['get', 'rs', 'web-796cf5c97c'])).metadata.annotations['deployment.kubernetes.io/max-replicas']).to.equal('7');
    expect((await events(cluster, 'default', 'Deployment', 'web')).at(-1)).to.equal('ScalingReplicaSet: Scaled up replica set web-796cf5c97c from 3 to 5');
  });

  it('hold a paused rollout, show it in Progressing, and go on after resume and restart', async () => {
    expect((await cluster.kubectl(['rollout', 'pause', 'deployment/web'])).code).to.equal(0);
    await cluster.kubectl(['set', 'image', 'deployment/web', 'nginx=nginx:1.29']);
    await settle();
    let d = await json(cluster, ['get', 'deployment', 'web']);
    expect(d.status.conditions.find((c: Json) => c.type === 'Progressing')).to.include({ status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' });
    expect((await json(cluster, ['get', 'rs'])).items).to.have.length(2);
    expect((await cluster.kubectl(['rollout', 'resume', 'deployment/web'])).code).to.equal(0);
    await cluster.kubectl(['rollout', 'status', 'deployment/web', '--timeout=20s']);
    await settle();
    expect((await json(cluster, ['get', 'rs'])).items).to.have.length(3);
    const restart = await cluster.kubectl(['rollout', 'restart', 'deployment/web']);
    expect(restart.stdout).to.contain('restarted');
    const done = await cluster.kubectl(['rollout', 'status', 'deployment/web', '--timeout=20s']);
    expect(done.stdout).to.contain('successfully rolled out');
    await settle();
    d = await json(cluster, ['get', 'deployment', 'web']);
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).to.equal('5');
    expect(d.status.conditions.find((c: Json) => c.type === 'Progressing')).to.include({ reason: 'NewReplicaSetAvailable' });
  });

  it('keep at most revisionHistoryLimit old ReplicaSets', async () => {
    await cluster.kubectl(['patch', 'deployment', 'web', '-p', '{"spec":{"revisionHistoryLimit":1}}']);
    await settle();
    const rs = (await json(cluster, ['get', 'rs'])).items;
    expect(rs).to.have.length(2);
    expect(rs.map((r: Json) => r.metadata.annotations['deployment.kubernetes.io/revision']).sort()).to.deep.equal(['4', '5']);
  });

  it('recreate: scale the old ReplicaSet to zero before the new one starts', async () => {
    await cluster.apps.createNamespacedDeployment({
      namespace: 'default',
      body: { metadata: { name: 'batchy' }, spec: { replicas: 2, strategy: { type: 'Recreate' }, selector: { matchLabels: { app: 'batchy' } }, template: webTemplate('busybox:1', { app: 'batchy' }) } },
    });
    await settle();
    await cluster.kubectl(['set', 'image', 'deployment/batchy', 'web=busybox:2']);
    await cluster.kubectl(['rollout', 'status', 'deployment/batchy', '--timeout=20s']);
    await settle();
    const scaling = await events(cluster, 'default', 'Deployment', 'batchy');
    expect(scaling.map((e) => e.replace(/batchy-\w+/, 'RS'))).to.deep.equal([
      'ScalingReplicaSet: Scaled up replica set RS from 0 to 2',
      'ScalingReplicaSet: Scaled down replica set RS from 2 to 0',
      'ScalingReplicaSet: Scaled up replica set RS from 0 to 2',
    ]);
  });
});

describe('workload controllers: Deployments on a manual clock', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  const settle = () => cluster.server.controllers.settle();
  before(async () => {
    clock = new ManualClock(wallClockStart());
    cluster = await startCluster({ clock, kubeletStages: [{ name: 'stuck', match: { labels: { app: 'stuck' } }, ready: { never: true } }] });
  });
  after(() => cluster.stop());

  it('count pods available only after minReadySeconds', async () => {
    await cluster.apps.createNamespacedDeployment({
      namespace: 'default',
      body: { metadata: { name: 'slow' }, spec: { replicas: 2, minReadySeconds: 10, selector: { matchLabels: { app: 'slow' } }, template: webTemplate('nginx', { app: 'slow' }) } },
    });
    await settle();
    let d = (await cluster.apps.readNamespacedDeployment({ name: 'slow', namespace: 'default' })).status!;
    expect(d).to.deep.include({ readyReplicas: 2, unavailableReplicas: 2 });
    expect(d.availableReplicas).to.equal(undefined);
    await advance(cluster.server, clock, 11_000);
    d = (await cluster.apps.readNamespacedDeployment({ name: 'slow', namespace: 'default' })).status!;
    expect(d).to.deep.include({ readyReplicas: 2, availableReplicas: 2 });
    expect(d.conditions!.find((c) => c.type === 'Available')).to.include({ status: 'True', reason: 'MinimumReplicasAvailable' });
  });

  it('report ProgressDeadlineExceeded once progressDeadlineSeconds pass without progress', async () => {
    await cluster.apps.createNamespacedDeployment({
      namespace: 'default',
      body: { metadata: { name: 'stuck' }, spec: { replicas: 2, progressDeadlineSeconds: 10, selector: { matchLabels: { app: 'stuck' } }, template: webTemplate('nginx', { app: 'stuck' }) } },
    });
    await settle();
    const rsName = (await cluster.apps.listNamespacedReplicaSet({ namespace: 'default', labelSelector: 'app=stuck' })).items[0].metadata!.name;
    let progressing = (await cluster.apps.readNamespacedDeployment({ name: 'stuck', namespace: 'default' })).status!.conditions!.find((c) => c.type === 'Progressing')!;
    expect(progressing.status).to.equal('True');
    await advance(cluster.server, clock, 12_000);
    const d = (await cluster.apps.readNamespacedDeployment({ name: 'stuck', namespace: 'default' })).status!;
    progressing = d.conditions!.find((c) => c.type === 'Progressing')!;
    // As kube-controller-manager 1.32.13 reported it for the same Deployment.
    expect(progressing).to.include({ status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${rsName}" has timed out progressing.` });
    expect(d).to.deep.include({ replicas: 2, updatedReplicas: 2, unavailableReplicas: 2 });
    const rollout = await cluster.kubectl(['rollout', 'status', 'deployment/stuck', '--timeout=5s']);
    expect(rollout.code).to.equal(1);
    expect(rollout.stderr).to.contain('error: deployment "stuck" exceeded its progress deadline');
  });
});
