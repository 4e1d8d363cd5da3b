import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { startCluster, withoutWorkloadControllers, type TestCluster } from './support/cluster.js';
import { expectStatus } from './support/status.js';
import { waitFor } from './support/wait.js';

const rfc3339Seconds = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function deployment(name: string, replicas = 1): k8s.V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
    },
  };
}

describe('CRUD through @kubernetes/client-node', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster({ controllers: withoutWorkloadControllers });
  });
  after(() => cluster.stop());

  describe('ConfigMaps with CoreV1Api', () => {
    it('creates, reads, lists, updates and deletes with server-set metadata', async () => {
      const created = await cluster.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cfg' }, data: { a: '1' } } });
      expect(created.metadata?.uid).to.match(uuid);
      expect(created.metadata?.resourceVersion).to.match(/^\d+$/);
      expect(created.metadata?.creationTimestamp?.toISOString()).to.match(/\.000Z$/);
      expect(created.metadata?.generation, 'ConfigMaps carry no generation').to.equal(undefined);
      expect(created.metadata?.namespace).to.equal('default');

      const read = await cluster.core.readNamespacedConfigMap({ name: 'cfg', namespace: 'default' });
      expect(read.data).to.deep.equal({ a: '1' });
      expect(read.metadata?.resourceVersion).to.equal(created.metadata?.resourceVersion);

      const list = await cluster.core.listNamespacedConfigMap({ namespace: 'default' });
      expect(list.items.map((c) => c.metadata?.name)).to.include('cfg');
      expect(Number(list.metadata?.resourceVersion)).to.be.at.least(Number(created.metadata?.resourceVersion));

      read.data = { a: '2' };
      const updated = await cluster.core.replaceNamespacedConfigMap({ name: 'cfg', namespace: 'default', body: read });
      expect(updated.data).to.deep.equal({ a: '2' });
      expect(Number(updated.metadata?.resourceVersion)).to.be.greaterThan(Number(read.metadata?.resourceVersion));
      expect(updated.metadata?.uid).to.equal(created.metadata?.uid);

      const status = await cluster.core.deleteNamespacedConfigMap({ name: 'cfg', namespace: 'default' });
      expect(status).to.include({ kind: 'Status', status: 'Success' });
      expect(status.details).to.deep.include({ name: 'cfg', kind: 'configmaps', uid: created.metadata?.uid });
      await expectStatus(cluster.core.readNamespacedConfigMap({ name: 'cfg', namespace: 'default' }), 404, 'NotFound', 'configmaps "cfg" not found');
    });

    it('serves timestamps in RFC 3339 with whole seconds on the wire', async () => {
      await cluster.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'stamp' } } });
      const raw = (await cluster.request('/api/v1/namespaces/default/configmaps/stamp')).json();
      expect(raw.metadata.creationTimestamp).to.match(rfc3339Seconds);
      expect(raw).to.include({ kind: 'ConfigMap', apiVersion: 'v1' });
    });

    it('generates names from generateName with five characters of the Kubernetes alphabet', async () => {
      const created = await cluster.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { generateName: 'gen-' } } });
      expect(created.metadata?.name).to.match(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(created.metadata?.generateName).to.equal('gen-');
    });

    it('refuses a second object with the same name', async () => {
      await cluster.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'twice' } } });
      await expectStatus(
        cluster.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'twice' } } }),
        409,
        'AlreadyExists',
        'configmaps "twice" already exists',
      );
    });

    it('answers a write into a missing namespace with 404 for the namespace', async () => {
      await expectStatus(
        cluster.core.createNamespacedConfigMap({ namespace: 'nowhere', body: { metadata: { name: 'x' } } }),
        404,
        'NotFound',
        'namespaces "nowhere" not found',
      );
    });

    it('lists across all namespaces', async () => {
      const list = await cluster.core.listConfigMapForAllNamespaces();
      const namespaces = new Set(list.items.map((c) => c.metadata?.namespace));
      for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) expect(namespaces.has(ns), ns).to.equal(true);
    });
  });

  describe('optimistic concurrency', () => {
    it('answers a stale resourceVersion with the real Conflict message and keeps the stored object', async () => {
      const created = await cluster.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('occ') });
      const first = { ...created, spec: { ...created.spec!, replicas: 2 } };
      await cluster.apps.replaceNamespacedDeployment({ name: 'occ', namespace: 'default', body: first });
      const stale = { ...created, spec: { ...created.spec!, replicas: 5 } };
      await expectStatus(
        cluster.apps.replaceNamespacedDeployment({ name: 'occ', namespace: 'default', body: stale }),
        409,
        'Conflict',
        'Operation cannot be fulfilled on deployments.apps "occ": the object has been modified; please apply your changes to the latest version and try again',
      );
      const stored = await cluster.apps.readNamespacedDeployment({ name: 'occ', namespace: 'default' });
      expect(stored.spec?.replicas).to.equal(2);
    });

    it('applies an update without resourceVersion unconditionally', async () => {
      const created = await cluster.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('uncond') });
      const body = { ...created, metadata: { ...created.metadata, resourceVersion: undefined }, spec: { ...created.spec!, replicas: 3 } };
      const updated = await cluster.apps.replaceNamespacedDeployment({ name: 'uncond', namespace: 'default', body });
      expect(updated.spec?.replicas).to.equal(3);
    });

    it('creates a Lease on PUT even when the body still carries an old resourceVersion', async () => {
      const response = await cluster.request('/apis/coordination.k8s.io/v1/namespaces/default/leases/recreated', {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'recreated', resourceVersion: '3' }, spec: { holderIdentity: 'a' } }),
      });
      expect(response.status).to.equal(201);
      expect(response.json().metadata.resourceVersion).to.not.equal('3');
    });

    it('requires a resourceVersion to update a Lease', async () => {
      await cluster.objects.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'leader', namespace: 'default' }, spec: { holderIdentity: 'a' } } as k8s.KubernetesObject);
      const response = await cluster.request('/apis/coordination.k8s.io/v1/namespaces/default/leases/leader', {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'leader' }, spec: { holderIdentity: 'b' } }),
      });
      expect(response.status).to.equal(422);
      expect(response.json().message).to.equal('leases.coordination.k8s.io "leader" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update');
    });
  });

  describe('Deployments with AppsV1Api', () => {
    it('defaults the spec and starts at generation 1 with an empty status', async () => {
      const created = await cluster.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('defaults') });
      expect(created.metadata?.generation).to.equal(1);
      expect(created.spec?.strategy).to.deep.equal({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
      expect(created.spec?.revisionHistoryLimit).to.equal(10);
      expect(created.spec?.progressDeadlineSeconds).to.equal(600);
      const container = created.spec?.template.spec?.containers[0];
      expect(container).to.include({ imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' });
      expect(created.spec?.template.spec).to.include({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30 });
      expect(created.status).to.deep.equal({});
    });

    it('bumps generation when the spec changes, not when only labels do', async () => {
      const created = await cluster.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('gen') });
      const relabeled = await cluster.apps.replaceNamespacedDeployment({
        name: 'gen',
        namespace: 'default',
        body: { ...created, metadata: { ...created.metadata, labels: { tier: 'web' } } },
      });
      expect(relabeled.metadata?.generation).to.equal(1);
      const scaled = await cluster.apps.replaceNamespacedDeployment({ name: 'gen', namespace: 'default', body: { ...relabeled, spec: { ...relabeled.spec!, replicas: 4 } } });
      expect(scaled.metadata?.generation).to.equal(2);
    });

    it('keeps status on a main-resource update and spec on a status update', async () => {
      const created = await cluster.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('split') });
      const withStatus = await cluster.apps.replaceNamespacedDeploymentStatus({
        name: 'split',
        namespace: 'default',
        body: { ...created, spec: { ...created.spec!, replicas: 9 }, status: { replicas: 1, observedGeneration: 1 } },
      });
      expect(withStatus.spec?.replicas).to.equal(1);
      expect(withStatus.status?.replicas).to.equal(1);
      expect(withStatus.metadata?.generation).to.equal(1);
      const mainUpdate = await cluster.apps.replaceNamespacedDeployment({
        name: 'split',
        namespace: 'default',
        body: { ...withStatus, status: { replicas: 7 } },
      });
      expect(mainUpdate.status?.replicas).to.equal(1);
    });

    it('rejects a template that does not match its selector with 422 and causes', async () => {
      const bad = deployment('mismatch');
      bad.spec!.template.metadata!.labels = { app: 'other' };
      const err = await expectStatus(cluster.apps.createNamespacedDeployment({ namespace: 'default', body: bad }), 422, 'Invalid');
      expect(err.message).to.equal('Deployment.apps "mismatch" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`');
      expect(err.details.kind).to.equal('Deployment');
      expect(err.details.group).to.equal('apps');
      expect(err.details.causes[0]).to.include({ reason: 'FieldValueInvalid', field: 'spec.template.metadata.labels' });
    });

    it('serves and writes the scale subresource', async () => {
      await cluster.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('scaled', 2) });
      const scale = await cluster.apps.readNamespacedDeploymentScale({ name: 'scaled', namespace: 'default' });
      expect(scale.spec?.replicas).to.equal(2);
      expect(scale.status?.selector).to.equal('app=scaled');
      const rescaled = await cluster.apps.replaceNamespacedDeploymentScale({ name: 'scaled', namespace: 'default', body: { ...scale, spec: { replicas: 5 } } });
      expect(rescaled.spec?.replicas).to.equal(5);
      const stored = await cluster.apps.readNamespacedDeployment({ name: 'scaled', namespace: 'default' });
      expect(stored.spec?.replicas).to.equal(5);
      expect(stored.metadata?.generation).to.equal(2);
    });
  });

  describe('Pods', () => {
    it('applies pod defaults and the admission of a default cluster', async () => {
      const pod = await cluster.core.createNamespacedPod({
        namespace: 'default',
        body: { metadata: { name: 'admitted' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } },
      });
      expect(pod.spec?.serviceAccountName).to.equal('default');
      expect(pod.spec?.containers[0].imagePullPolicy).to.equal('Always');
      const volume = pod.spec?.volumes?.[0];
      expect(volume?.name).to.match(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(volume?.projected?.sources?.[0].serviceAccountToken).to.deep.equal({ expirationSeconds: 3607, path: 'token' });
      expect(pod.spec?.containers[0].volumeMounts?.[0]).to.deep.equal({ name: volume?.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' });
      expect(pod.spec?.tolerations?.map((t) => t.key)).to.deep.equal(['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']);
      expect(pod.spec).to.include({ priority: 0, preemptionPolicy: 'PreemptLowerPriority', enableServiceLinks: true });
      expect(pod.status).to.deep.equal({ phase: 'Pending', qosClass: 'BestEffort' });
      expect(pod.metadata?.generation).to.equal(undefined);
    });

    it('refuses a pod whose service account does not exist', async () => {
      await expectStatus(
        cluster.core.createNamespacedPod({
          namespace: 'default',
          body: { metadata: { name: 'nosa' }, spec: { serviceAccountName: 'ghost', containers: [{ name: 'app', image: 'busybox' }] } },
        }),
        403,
        'Forbidden',
        'pods "nosa" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found',
      );
    });

    it('validates names and containers with the real messages', async () => {
      const err = await expectStatus(
        cluster.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'Bad_Name' }, spec: { containers: [] } } }),
        422,
        'Invalid',
      );
      expect(err.message).to.equal(
        `Pod "Bad_Name" is invalid: [metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'), spec.containers: Required value]`,
      );
      expect(err.details.causes.map((c: { field: string }) => c.field)).to.deep.equal(['metadata.name', 'spec.containers']);
    });

    it('deletes a bound pod gracefully: Terminating first, then gone', async () => {
      // Bound by hand to the cluster's node, whose kubelet finishes the deletion.
      await cluster.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'graceful' }, spec: { schedulerName: 'by-hand', containers: [{ name: 'app', image: 'busybox' }] } } });
      await cluster.core.createNamespacedBinding({ namespace: 'default', body: { metadata: { name: 'graceful' }, target: { kind: 'Node', name: 'kubemock-node-0' } } });
      const terminating = await cluster.core.deleteNamespacedPod({ name: 'graceful', namespace: 'default' });
      expect(terminating.metadata?.deletionTimestamp).to.be.instanceOf(Date);
      expect(terminating.metadata?.deletionGracePeriodSeconds).to.equal(30);
      await waitFor(async () => (await cluster.core.listNamespacedPod({ namespace: 'default', fieldSelector: 'metadata.name=graceful' })).items.length === 0);
    });

    it('shortens a pending graceful deletion when asked for a shorter grace period', async () => {
      const services = cluster.server.services;
      const pods = services.registry.find('', 'v1', 'pods')!;
      services.objects.create(pods, 'default', { metadata: { name: 'shrink', finalizers: ['example.com/hold'] }, spec: { nodeName: 'n', containers: [{ name: 'a', image: 'x' }] } });
      const first = services.objects.delete(pods, 'default', 'shrink', { gracePeriodSeconds: 60 }).result.object;
      const second = services.objects.delete(pods, 'default', 'shrink', { gracePeriodSeconds: 5 }).result.object;
      const third = services.objects.delete(pods, 'default', 'shrink', { gracePeriodSeconds: 30 }).result.object;
      expect(first.metadata.deletionGracePeriodSeconds).to.equal(60);
      expect(second.metadata.deletionGracePeriodSeconds).to.equal(5);
      expect(Date.parse(second.metadata.deletionTimestamp!)).to.be.below(Date.parse(first.metadata.deletionTimestamp!));
      expect(third.metadata.deletionGracePeriodSeconds).to.equal(5);
    });

    it('answers a pod delete with the deleted pod', async () => {
      await cluster.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'gone' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } } });
      const deleted = await cluster.core.deleteNamespacedPod({ name: 'gone', namespace: 'default' });
      expect(deleted.kind).to.equal('Pod');
      expect(deleted.metadata?.name).to.equal('gone');
    });
  });

  describe('Secrets', () => {
    it('folds stringData into base64 data', async () => {
      const created = await cluster.core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 's1' }, data: { a: 'YQ==' }, stringData: { b: 'hello' } } });
      expect(created.data).to.deep.equal({ a: 'YQ==', b: 'aGVsbG8=' });
      expect(created.type).to.equal('Opaque');
      expect((created as Record<string, unknown>).stringData).to.equal(undefined);
    });

    it('rejects data that is not base64', async () => {
      const response = await cluster.request('/api/v1/namespaces/default/secrets', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bad' }, data: { a: 'no!base64' } }),
      });
      expect(response.status).to.equal(400);
      expect(response.json()).to.include({ reason: 'BadRequest', message: 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 2' });
      expect((await cluster.request('/api/v1/namespaces/default/secrets/bad')).status).to.equal(404);
    });
  });

  describe('Services', () => {
    it('allocates a cluster IP and defaults the spec', async () => {
      const svc = await cluster.core.createNamespacedService({
        namespace: 'default',
        body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } },
      });
      expect(svc.spec?.clusterIP).to.match(/^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
      expect(svc.spec?.clusterIP).to.not.equal('10.96.0.1');
      expect(svc.spec?.clusterIPs).to.deep.equal([svc.spec?.clusterIP]);
      expect(svc.spec).to.include({ type: 'ClusterIP', sessionAffinity: 'None', ipFamilyPolicy: 'SingleStack', internalTrafficPolicy: 'Cluster' });
      expect(svc.spec?.ports?.[0]).to.deep.equal({ port: 80, protocol: 'TCP', targetPort: 80 });
    });

    it('has the kubernetes service of a fresh cluster', async () => {
      const svc = await cluster.core.readNamespacedService({ name: 'kubernetes', namespace: 'default' });
      expect(svc.spec?.clusterIP).to.equal('10.96.0.1');
      expect(svc.spec?.ports?.[0]).to.include({ name: 'https', port: 443 });
    });
  });

  describe('PersistentVolumes', () => {
    // As kube-apiserver 1.32.13 defaults them: a hostPath source gets the unset type, owned by its creator.
    it('defaults the spec, the hostPath type included', async () => {
      const pv = await cluster.core.createPersistentVolume({
        body: { metadata: { name: 'host-data' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data' } } },
      });
      expect(pv.spec).to.deep.include({ hostPath: { path: '/data', type: '' }, persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' });
      expect(pv.metadata?.managedFields?.[0].fieldsV1).to.have.nested.property('f:spec.f:hostPath.f:type');
      await cluster.core.deletePersistentVolume({ name: 'host-data' });
    });

    // Captured from kube-apiserver 1.32.13 with the same bodies (kubectl create and patch).
    it('refuses a spec without access modes, capacity or source, two sources, and a changed source', async () => {
      const create = async (spec: unknown) => {
        const response = await cluster.request('/api/v1/persistentvolumes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'bad' }, spec }) });
        expect(response.status).to.equal(422);
        return response.json().message as string;
      };
      expect(await create({})).to.equal(
        'PersistentVolume "bad" is invalid: [spec.accessModes: Required value, spec.capacity: Required value, spec.capacity: Unsupported value: core.ResourceList(nil): supported values: "storage", spec: Required value: must specify a volume type]',
      );
      expect(await create({ capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/a/../b' }, nfs: { server: 's', path: '/e' } })).to.equal(
        `PersistentVolume "bad" is invalid: [spec.hostPath.path: Invalid value: "/a/../b": must not contain '..', spec.nfs: Forbidden: may not specify more than 1 volume type]`,
      );
      expect(await create({ capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], local: { path: '/x' } })).to.equal('PersistentVolume "bad" is invalid: spec.nodeAffinity: Required value: Local volume requires node affinity');
      expect(await create({ capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], csi: { driver: 'example.com/fake' } })).to.equal(
        `PersistentVolume "bad" is invalid: [spec.csi.driver: Invalid value: "example.com/fake": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'), spec.csi.volumeHandle: Required value]`,
      );
      await cluster.core.createPersistentVolume({ body: { metadata: { name: 'fixed' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/x' } } } });
      const moved = await cluster.kubectl(['patch', 'pv', 'fixed', '--type=merge', '-p', '{"spec":{"hostPath":{"path":"/y"},"volumeMode":"Block"}}']);
      expect(moved.code).to.equal(1);
      expect(moved.stderr).to.include('spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation').and.include('volumeMode: Invalid value: "Block": field is immutable');
      expect((await cluster.kubectl(['patch', 'pv', 'fixed', '--type=merge', '-p', '{"spec":{"capacity":{"storage":"2Gi"}}}'])).code, 'the capacity may change').to.equal(0);
      await cluster.core.deletePersistentVolume({ name: 'fixed' });
    });
  });

  describe('KubernetesObjectApi', () => {
    it('creates, reads, replaces and deletes objects of several groups', async () => {
      const objects = cluster.objects;
      const lease = await objects.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l1', namespace: 'default' }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15 } } as k8s.KubernetesObject);
      expect((lease as k8s.V1Lease).spec?.holderIdentity).to.equal('me');
      const sts = await objects.create({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'default' }, spec: { serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:16' }] } } } } as k8s.KubernetesObject);
      expect((sts as k8s.V1StatefulSet).spec?.podManagementPolicy).to.equal('OrderedReady');
      const read = await objects.read<k8s.V1Lease>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l1', namespace: 'default' } });
      read.spec!.holderIdentity = 'you';
      const replaced = await objects.replace(read);
      expect(replaced.spec?.holderIdentity).to.equal('you');
      await objects.delete(read);
      await expectStatus(objects.read({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l1', namespace: 'default' } }), 404, 'NotFound', 'leases.coordination.k8s.io "l1" not found');
    });
  });

  describe('events', () => {
    it('are one store seen through core/v1 and events.k8s.io/v1', async () => {
      const events = cluster.kubeconfig.makeApiClient(k8s.EventsV1Api);
      const recorded = await events.createNamespacedEvent({
        namespace: 'default',
        body: {
          metadata: { name: 'web.1' },
          eventTime: new Date('2024-05-01T10:00:00.123456Z'),
          reportingController: 'example.com/operator',
          reportingInstance: 'operator-0',
          action: 'Scale',
          reason: 'Scaled',
          note: 'scaled to 3',
          type: 'Normal',
          regarding: { kind: 'Deployment', name: 'web', namespace: 'default', apiVersion: 'apps/v1' },
        },
      });
      expect(recorded.note).to.equal('scaled to 3');
      const core = await cluster.core.readNamespacedEvent({ name: 'web.1', namespace: 'default' });
      expect(core).to.deep.include({ message: 'scaled to 3', reason: 'Scaled', reportingComponent: 'example.com/operator', action: 'Scale' });
      expect(core.involvedObject).to.deep.include({ kind: 'Deployment', name: 'web' });
      expect(core.metadata?.uid).to.equal(recorded.metadata?.uid);

      await cluster.core.createNamespacedEvent({
        namespace: 'default',
        body: { metadata: { name: 'pod.1' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' }, reason: 'Started', message: 'started', type: 'Normal', count: 2, source: { component: 'kubelet' } },
      });
      const asV1 = await events.readNamespacedEvent({ name: 'pod.1', namespace: 'default' });
      expect(asV1).to.deep.include({ note: 'started', deprecatedCount: 2, deprecatedSource: { component: 'kubelet' } });
      expect(asV1.regarding).to.deep.include({ kind: 'Pod', name: 'p' });
      const raw = (await cluster.request('/apis/events.k8s.io/v1/namespaces/default/events')).json();
      expect(raw.kind).to.equal('EventList');
      expect(raw.apiVersion).to.equal('events.k8s.io/v1');
      expect(raw.items.map((e: { metadata: { name: string } }) => e.metadata.name)).to.include.members(['web.1', 'pod.1']);
      expect(raw.items[0]).to.not.have.property('message');

      // Each version selects by its own names for the fields, as kube-apiserver 1.32.13 does.
      const selected = (fieldSelector: string) => events.listNamespacedEvent({ namespace: 'default', fieldSelector }).then((list) => list.items.map((e) => e.metadata?.name));
      expect(await selected('regarding.kind=Deployment,regarding.name=web')).to.deep.equal(['web.1']);
      expect(await selected('reportingController=example.com/operator,reason=Scaled,type=Normal')).to.deep.equal(['web.1']);
      expect(await selected('regarding.name=p')).to.deep.equal(['pod.1']);
      await expectStatus(events.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.name=web' }), 400, 'BadRequest', 'field label not supported: involvedObject.name');
      const coreSelected = await cluster.core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'reportingComponent=example.com/operator' });
      expect(coreSelected.items.map((e) => e.metadata?.name)).to.deep.equal(['web.1']);

      await events.deleteNamespacedEvent({ name: 'web.1', namespace: 'default' });
      await expectStatus(cluster.core.readNamespacedEvent({ name: 'web.1', namespace: 'default' }), 404, 'NotFound', 'events "web.1" not found');
    });
  });

  describe('namespaces', () => {
    it('get the default service account and root CA, and finish deleting with their content', async () => {
      await cluster.core.createNamespace({ body: { metadata: { name: 'team-a' } } });
      const ns = await cluster.core.readNamespace({ name: 'team-a' });
      expect(ns.metadata?.labels).to.deep.equal({ 'kubernetes.io/metadata.name': 'team-a' });
      expect(ns.spec?.finalizers).to.deep.equal(['kubernetes']);
      expect(ns.status?.phase).to.equal('Active');
      await waitFor(async () => (await cluster.core.listNamespacedServiceAccount({ namespace: 'team-a' })).items.length === 1);
      const rootCA = await cluster.core.readNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace: 'team-a' });
      expect(rootCA.data?.['ca.crt']).to.equal(cluster.server.caCert);
      await cluster.core.createNamespacedConfigMap({ namespace: 'team-a', body: { metadata: { name: 'inside' } } });

      const deleting = await cluster.core.deleteNamespace({ name: 'team-a' });
      expect((deleting as unknown as k8s.V1Namespace).status?.phase).to.equal('Terminating');
      await waitFor(async () => (await cluster.core.listNamespace()).items.every((n) => n.metadata?.name !== 'team-a'));
      expect((await cluster.core.listNamespacedConfigMap({ namespace: 'team-a' })).items).to.deep.equal([]);
    });

    it('refuses new content in a terminating namespace', async () => {
      const services = cluster.server.services;
      const namespaces = services.registry.find('', 'v1', 'namespaces')!;
      services.objects.create(namespaces, '', { metadata: { name: 'held', finalizers: ['example.com/hold'] } });
      services.objects.delete(namespaces, '', 'held');
      await expectStatus(
        cluster.core.createNamespacedConfigMap({ namespace: 'held', body: { metadata: { name: 'late' } } }),
        403,
        'Forbidden',
        'configmaps "late" is forbidden: unable to create new content in namespace held because it is being terminated',
      );
      const generated = await expectStatus(
        cluster.core.createNamespacedConfigMap({ namespace: 'held', body: { metadata: { generateName: 'late-' } } }),
        403,
        'Forbidden',
        // kube-apiserver names a generated object by its generateName here.
        'configmaps "late-" is forbidden: unable to create new content in namespace held because it is being terminated',
      );
      expect(generated.details).to.deep.equal({
        name: 'late-',
        kind: 'configmaps',
        causes: [{ reason: 'NamespaceTerminating', message: 'namespace held is being terminated', field: 'metadata.namespace' }],
      });
    });
  });

  describe('access reviews', () => {
    // kube-apiserver 1.32.13 names no kind here: it takes it from the decoded review, which has none.
    it('refuses a review that asks about nothing, as kube-apiserver words it', async () => {
      const response = await cluster.request('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: {} }),
      });
      expect(response.status).to.equal(422);
      expect(response.json().message).to.equal(
        '.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
      );
    });

    it('answers kubectl auth can-i and whoami', async () => {
      const canI = await cluster.kubectl(['auth', 'can-i', 'create', 'pods']);
      expect(canI.stdout.trim()).to.equal('yes');
      const whoami = await cluster.kubectl(['auth', 'whoami', '-o', 'json']);
      expect(JSON.parse(whoami.stdout).status.userInfo.username).to.equal('kubemock-admin');
    });
  });
});

