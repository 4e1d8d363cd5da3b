// The StatefulSet controller driven by kubectl, compared with kube-controller-manager 1.32.13 running
// the same manifests: revision names, pod identity, status, events and the order pods come and go.

import { expect } from 'chai';
import type { StoreEvent } from '../server/store/memory-store.js';
import { startCluster, type TestCluster } from './support/cluster.js';

type Json = Record<string, any>;

const web = `
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {clusterIP: None, selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports: [{containerPort: 80, name: web}]
`;

const db = (extra: string) => `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
${extra}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - name: pg
        image: postgres:16
        volumeMounts: [{name: data, mountPath: /var/lib/postgresql}]
  volumeClaimTemplates:
  - metadata: {name: data, labels: {kind: data}}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`;

describe('StatefulSet controller', () => {
  let cluster: TestCluster;
  /** Pod creations and deletions as they happen, `+web-0` and `-web-2`. */
  let podLog: string[] = [];
  let unsubscribe: () => void;
  const settle = () => cluster.server.controllers.settle();
  const kubectl = (args: string[], input?: string) => cluster.kubectlOk(args, input);
  const json = (args: string[]): Promise<Json> => cluster.kubectlJson(args);
  const events = async (name: string) =>
    (await json(['get', 'events', '--field-selector', `involvedObject.kind=StatefulSet,involvedObject.name=${name}`])).items
      .sort((a: Json, b: Json) => (a.metadata.name < b.metadata.name ? -1 : 1))
      .map((e: Json) => `${e.type} ${e.reason}: ${e.message}`);

  before(async () => {
    cluster = await startCluster({ nodes: 2 });
    unsubscribe = cluster.server.services.store.subscribe((event: StoreEvent) => {
      if (event.resource !== 'pods') return;
      if (event.type === 'ADDED') podLog.push(`+${event.object.name}`);
      if (event.type === 'MODIFIED' && event.object.object.metadata.deletionTimestamp && !event.previous?.object.metadata.deletionTimestamp) podLog.push(`-${event.object.name}`);
    });
  });
  after(async () => {
    unsubscribe();
    await cluster.stop();
  });

  it('create pods one at a time in ordinal order, each once its predecessor is Running and Ready', async () => {
    await kubectl(['apply', '-f', '-'], web);
    const rollout = await kubectl(['rollout', 'status', 'sts/web', '--timeout=20s']);
    expect(rollout).to.contain('partitioned roll out complete: 3 new pods have been updated');
    await settle();
    expect(podLog).to.deep.equal(['+web-0', '+web-1', '+web-2']);
    const set = await json(['get', 'sts', 'web']);
    // As kube-controller-manager 1.32.13 reported it for the same manifest.
    expect(set.status).to.deep.equal({
      observedGeneration: 1,
      replicas: 3,
      readyReplicas: 3,
      currentReplicas: 3,
      updatedReplicas: 3,
      currentRevision: 'web-677bfcd859',
      updateRevision: 'web-677bfcd859',
      collisionCount: 0,
      availableReplicas: 3,
    });
    const pod = await json(['get', 'pod', 'web-1']);
    expect(pod.metadata.generateName).to.equal('web-');
    expect(pod.metadata.labels).to.deep.equal({
      app: 'web',
      'apps.kubernetes.io/pod-index': '1',
      'controller-revision-hash': 'web-677bfcd859',
      'statefulset.kubernetes.io/pod-name': 'web-1',
    });
    expect(pod.metadata.ownerReferences).to.deep.equal([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: set.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect([pod.spec.hostname, pod.spec.subdomain]).to.deep.equal(['web-1', 'web']);
    const [revision, ...others] = (await json(['get', 'controllerrevisions'])).items;
    expect(others).to.deep.equal([]);
    expect(revision.metadata.name).to.equal('web-677bfcd859');
    expect(revision.metadata.labels).to.deep.equal({ app: 'web', 'controller.kubernetes.io/hash': '677bfcd859' });
    expect(revision.revision).to.equal(1);
    expect(Object.keys(revision.data.spec.template)).to.deep.equal(['$patch', 'metadata', 'spec']);
    expect(await events('web')).to.deep.equal([0, 1, 2].map((i) => `Normal SuccessfulCreate: create Pod web-${i} in StatefulSet web successful`));
  });

  it('roll a new template out from the highest ordinal down, and undo it to the first revision', async () => {
    podLog = [];
    await kubectl(['set', 'image', 'sts/web', 'nginx=nginx:1.28']);
    await kubectl(['rollout', 'status', 'sts/web', '--timeout=20s']);
    await settle();
    expect(podLog).to.deep.equal(['-web-2', '+web-2', '-web-1', '+web-1', '-web-0', '+web-0']);
    expect((await json(['get', 'pod', 'web-0'])).metadata.labels['controller-revision-hash']).to.equal('web-8474db7876');
    const history = await kubectl(['rollout', 'history', 'sts/web']);
    expect(history.split('\n').slice(1, 4).map((l) => l.trim().split(/\s+/)[0])).to.deep.equal(['REVISION', '1', '2']);
    await kubectl(['rollout', 'undo', 'sts/web']);
    await kubectl(['rollout', 'status', 'sts/web', '--timeout=20s']);
    await settle();
    // The reference cluster renumbers the first revision rather than making a third.
    const revisions = (await json(['get', 'controllerrevisions'])).items.map((r: Json) => [r.metadata.name, r.revision]);
    expect(revisions).to.deep.equal([
      ['web-677bfcd859', 3],
      ['web-8474db7876', 2],
    ]);
    expect((await json(['get', 'sts', 'web'])).status).to.include({ currentRevision: 'web-677bfcd859', updateRevision: 'web-677bfcd859', updatedReplicas: 3 });
  });

  it('scale down from the highest ordinal, one pod at a time', async () => {
    podLog = [];
    await kubectl(['scale', 'sts/web', '--replicas=1']);
    await settle();
    expect(podLog).to.deep.equal(['-web-2', '-web-1']);
    expect((await json(['get', 'sts', 'web'])).status).to.deep.equal({
      observedGeneration: 4,
      replicas: 1,
      readyReplicas: 1,
      currentReplicas: 1,
      updatedReplicas: 1,
      currentRevision: 'web-677bfcd859',
      updateRevision: 'web-677bfcd859',
      collisionCount: 0,
      availableReplicas: 1,
    });
  });

  it('update only the ordinals at or above the partition', async () => {
    await kubectl(['scale', 'sts/web', '--replicas=3']);
    await settle();
    await kubectl(['patch', 'sts', 'web', '-p', '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":2}},"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.29"}]}}}}']);
    await settle();
    const revisionOf = async (pod: string) => (await json(['get', 'pod', pod])).metadata.labels['controller-revision-hash'];
    const status = (await json(['get', 'sts', 'web'])).status;
    expect(await revisionOf('web-2')).to.equal(status.updateRevision);
    expect(await revisionOf('web-1')).to.equal('web-677bfcd859');
    expect(status).to.include({ currentRevision: 'web-677bfcd859', currentReplicas: 2, updatedReplicas: 1 });
    const rollout = await kubectl(['rollout', 'status', 'sts/web', '--timeout=20s']);
    expect(rollout).to.contain('partitioned roll out complete: 1 new pods have been updated');
  });

  it('leave pods alone on OnDelete until they are deleted', async () => {
    await kubectl(['patch', 'sts', 'web', '--type=merge', '-p', '{"spec":{"updateStrategy":{"type":"OnDelete","rollingUpdate":null},"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.30"}]}}}}']);
    await settle();
    const before = (await json(['get', 'pod', 'web-0'])).metadata.labels['controller-revision-hash'];
    const updateRevision = (await json(['get', 'sts', 'web'])).status.updateRevision;
    expect(before).to.not.equal(updateRevision);
    await kubectl(['delete', 'pod', 'web-0']);
    await settle();
    const after = await json(['get', 'pod', 'web-0']);
    expect(after.metadata.labels['controller-revision-hash']).to.equal(updateRevision);
    expect(after.spec.containers[0].image).to.equal('nginx:1.30');
  });

  it('give each pod its claims, owned as the retention policy says, and let the collector remove them', async () => {
    await kubectl(['apply', '-f', '-'], db('  podManagementPolicy: Parallel\n  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScaled: Delete}'));
    await settle();
    const set = await json(['get', 'sts', 'db']);
    const claims = (await json(['get', 'pvc'])).items;
    // As kube-controller-manager 1.32.13 made them.
    expect(claims.map((c: Json) => [c.metadata.name, c.metadata.labels, c.metadata.ownerReferences, c.spec])).to.deep.equal(
      ['data-db-0', 'data-db-1'].map((name) => [
        name,
        { app: 'db', kind: 'data' },
        [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: set.metadata.uid, controller: true, blockOwnerDeletion: true }],
        { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' },
      ]),
    );
    expect((await json(['get', 'pod', 'db-1'])).spec.volumes[0]).to.deep.equal({ name: 'data', persistentVolumeClaim: { claimName: 'data-db-1' } });
    expect(await events('db')).to.deep.equal([
      'Normal SuccessfulCreate: create Claim data-db-0 Pod db-0 in StatefulSet db success',
      'Normal SuccessfulCreate: create Pod db-0 in StatefulSet db successful',
      'Normal SuccessfulCreate: create Claim data-db-1 Pod db-1 in StatefulSet db success',
      'Normal SuccessfulCreate: create Pod db-1 in StatefulSet db successful',
    ]);

    await kubectl(['scale', 'sts/db', '--replicas=1']);
    await settle();
    expect((await json(['get', 'pvc'])).items.map((c: Json) => c.metadata.name)).to.deep.equal(['data-db-0']);
    await kubectl(['delete', 'sts', 'db']);
    await settle();
    expect((await json(['get', 'pvc'])).items).to.deep.equal([]);
  });

  it('keep claims by default, and create every pod at once under Parallel', async () => {
    cluster.server.world.setKubeletStages([{ match: { labels: { app: 'db' } }, ready: { never: true } }]);
    await kubectl(['apply', '-f', '-'], db('  podManagementPolicy: Parallel'));
    await settle();
    expect((await json(['get', 'pods', '-l', 'app=db'])).items.map((p: Json) => p.metadata.name)).to.deep.equal(['db-0', 'db-1']);
    await kubectl(['delete', 'sts', 'db']);
    await settle();
    expect((await json(['get', 'pvc'])).items.map((c: Json) => [c.metadata.name, c.metadata.ownerReferences])).to.deep.equal([
      ['data-db-0', undefined],
      ['data-db-1', undefined],
    ]);
    cluster.server.world.setKubeletStages([]);
  });

  it('wait for each pod to be ready under OrderedReady', async () => {
    cluster.server.world.setKubeletStages([{ match: { labels: { app: 'slow' } }, ready: { never: true } }]);
    await kubectl(['create', '-f', '-'], web.split('---')[1].replaceAll('web', 'slow'));
    await settle();
    expect((await json(['get', 'pods', '-l', 'app=slow'])).items.map((p: Json) => p.metadata.name)).to.deep.equal(['slow-0']);
    const status = (await json(['get', 'sts', 'slow'])).status;
    expect(status).to.include({ replicas: 1, availableReplicas: 0 });
    expect(status.readyReplicas).to.equal(undefined);
    cluster.server.world.setKubeletStages([]);
  });
});
