// The admission chain of a default cluster, asserting kube-apiserver 1.32.13's answers (measured on
// the reference cluster): NamespaceLifecycle, ServiceAccount, Priority, DefaultTolerationSeconds,
// and which manager owns what they add.

import { expect } from 'chai';
import { startCluster, type TestCluster } from './support/cluster.js';
import { waitFor } from './support/wait.js';

const json = { 'Content-Type': 'application/json' };

describe('admission', () => {
  let cluster: TestCluster;
  before(async () => {
    // As measured on kube-apiserver alone: no scheduler or kubelet writes to the pods.
    cluster = await startCluster({ controllers: ['*', '-kube-scheduler', '-kubelet'] });
    await cluster.core.createNamespace({ body: { metadata: { name: 'adm' } } });
    await waitFor(async () => (await cluster.request('/api/v1/namespaces/adm/serviceaccounts/default')).status === 200);
  });
  after(() => cluster.stop());

  const post = (path: string, body: unknown) => cluster.request(path, { method: 'POST', headers: json, body: JSON.stringify(body) });
  const pod = (name: string, spec: Record<string, unknown> = {}) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: name.endsWith('-') ? { generateName: name } : { name },
    spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec },
  });

  describe('NamespaceLifecycle', () => {
    it('refuses to delete the system namespaces, dry run or not', async () => {
      for (const name of ['default', 'kube-system', 'kube-public']) {
        for (const query of ['', '?dryRun=All']) {
          const response = await cluster.request(`/api/v1/namespaces/${name}${query}`, { method: 'DELETE' });
          expect(response.status).to.equal(403);
          expect(response.json()).to.deep.equal({
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: `namespaces "${name}" is forbidden: this namespace may not be deleted`,
            reason: 'Forbidden',
            details: { name, kind: 'namespaces' },
            code: 403,
          });
        }
      }
      expect((await cluster.request('/api/v1/namespaces/default')).json().status.phase).to.equal('Active');
      // kube-node-lease is not protected.
      expect((await cluster.request('/api/v1/namespaces/kube-node-lease?dryRun=All', { method: 'DELETE' })).status).to.equal(200);
    });

    it('answers 404 for the namespace when it does not exist', async () => {
      const response = await post('/api/v1/namespaces/nope/configmaps', { metadata: { name: 'x' } });
      expect(response.status).to.equal(404);
      expect(response.json()).to.include({ message: 'namespaces "nope" not found', reason: 'NotFound' });
      expect(response.json().details).to.deep.equal({ name: 'nope', kind: 'namespaces' });
    });

    it('refuses new content in a terminating namespace but lets existing objects change', async () => {
      await cluster.core.createNamespace({ body: { metadata: { name: 'term' } } });
      await post('/api/v1/namespaces/term/configmaps', { metadata: { name: 'held', finalizers: ['example.com/hold'] } });
      await cluster.core.deleteNamespace({ name: 'term' });
      const created = await post('/api/v1/namespaces/term/configmaps', { metadata: { generateName: 'new-' } });
      expect(created.status).to.equal(403);
      expect(created.json().message).to.equal('configmaps "new-" is forbidden: unable to create new content in namespace term because it is being terminated');
      expect(created.json().details).to.deep.equal({
        name: 'new-',
        kind: 'configmaps',
        causes: [{ reason: 'NamespaceTerminating', message: 'namespace term is being terminated', field: 'metadata.namespace' }],
      });
      const updated = await cluster.request('/api/v1/namespaces/term/configmaps/held', {
        method: 'PUT',
        headers: json,
        body: JSON.stringify({ metadata: { name: 'held', finalizers: ['example.com/hold'] }, data: { a: 'b' } }),
      });
      expect(updated.status).to.equal(200);
    });
  });

  describe('pods', () => {
    it('refuses a pod whose service account does not exist', async () => {
      const response = await post('/api/v1/namespaces/adm/pods', pod('a1', { serviceAccountName: 'missing' }));
      expect(response.status).to.equal(403);
      expect(response.json()).to.include({
        message: 'pods "a1" is forbidden: error looking up service account adm/missing: serviceaccount "missing" not found',
        reason: 'Forbidden',
      });
      expect(response.json().details).to.deep.equal({ name: 'a1', kind: 'pods' });
    });

    it('mounts the API token in every container lacking it, reusing one volume', async () => {
      const response = await post(
        '/api/v1/namespaces/adm/pods',
        pod('a2', {
          initContainers: [{ name: 'i', image: 'busybox' }],
          containers: [
            { name: 'c', image: 'nginx', volumeMounts: [{ name: 'mine', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] },
            { name: 'd', image: 'nginx' },
          ],
          volumes: [{ name: 'mine', emptyDir: {} }],
        }),
      );
      expect(response.status).to.equal(201);
      const spec = response.json().spec;
      const token = spec.volumes[1].name as string;
      expect(token).to.match(/^kube-api-access-[a-z0-9]{5}$/);
      expect(spec.volumes.map((v: any) => v.name)).to.deep.equal(['mine', token]);
      expect(spec.volumes[1].projected).to.deep.equal({
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
        defaultMode: 420,
      });
      const mounts = [...spec.initContainers, ...spec.containers].map((c: any) => [c.name, c.volumeMounts.map((m: any) => m.name)]);
      expect(mounts).to.deep.equal([['i', [token]], ['c', ['mine']], ['d', [token]]]);
      expect(spec.serviceAccountName).to.equal('default');
      expect(spec.serviceAccount).to.equal('default');
    });

    it('follows the service account: no token without automounting, its imagePullSecrets otherwise', async () => {
      await cluster.core.createNamespacedServiceAccount({ namespace: 'adm', body: { metadata: { name: 'nomount' }, automountServiceAccountToken: false } });
      await cluster.core.createNamespacedServiceAccount({ namespace: 'adm', body: { metadata: { name: 'puller' }, imagePullSecrets: [{ name: 'reg' }] } });
      const quiet = (await post('/api/v1/namespaces/adm/pods', pod('a3', { serviceAccountName: 'nomount' }))).json().spec;
      expect(quiet.volumes).to.equal(undefined);
      expect(quiet.containers[0].volumeMounts).to.equal(undefined);
      // The deprecated serviceAccount names the account when serviceAccountName is absent.
      const pulling = (await post('/api/v1/namespaces/adm/pods', pod('a4', { serviceAccount: 'puller' }))).json().spec;
      expect([pulling.serviceAccountName, pulling.serviceAccount]).to.deep.equal(['puller', 'puller']);
      expect(pulling.imagePullSecrets).to.deep.equal([{ name: 'reg' }]);
    });

    it('adds the not-ready and unreachable tolerations unless a toleration already covers them', async () => {
      const plain = (await post('/api/v1/namespaces/adm/pods', pod('t1'))).json().spec;
      expect(plain.tolerations).to.deep.equal([
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ]);
      const everything = (await post('/api/v1/namespaces/adm/pods', pod('t2', { tolerations: [{ operator: 'Exists' }] }))).json().spec;
      expect(everything.tolerations).to.deep.equal([{ operator: 'Exists' }]);
      const one = (await post('/api/v1/namespaces/adm/pods', pod('t3', { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }] }))).json().spec;
      expect(one.tolerations.map((t: any) => t.key)).to.deep.equal(['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready']);
    });

    it('computes priority and preemption policy and refuses values that disagree', async () => {
      const plain = (await post('/api/v1/namespaces/adm/pods', pod('p1'))).json().spec;
      expect([plain.priority, plain.preemptionPolicy, plain.priorityClassName]).to.deep.equal([0, 'PreemptLowerPriority', undefined]);
      const cases: Array<[Record<string, unknown>, string, string]> = [
        [{ priorityClassName: 'nope' }, 'p2', 'pods "p2" is forbidden: no PriorityClass with name nope was found'],
        [{ priority: 5 }, 'p3-', 'pods "p3-" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name'],
        [
          { preemptionPolicy: 'Never' },
          'p4',
          'pods "p4" is forbidden: the string value of PreemptionPolicy (Never) must not be provided in pod spec; priority admission controller computed PreemptLowerPriority from the given PriorityClass name',
        ],
      ];
      for (const [spec, name, message] of cases) {
        const response = await post('/api/v1/namespaces/adm/pods', pod(name, spec));
        expect(response.status).to.equal(403);
        expect(response.json().message).to.equal(message);
      }
    });

    it('gives the creator what it sent and what defaulting set, and what admission added to nobody', async () => {
      const run = await cluster.kubectl(['run', 'r1', '--image=nginx', '-n', 'adm']);
      expect(run.code, run.stderr).to.equal(0);
      const created = (await cluster.request('/api/v1/namespaces/adm/pods/r1')).json();
      // The whole managedFields of `kubectl run r1 --image=nginx` on kube-apiserver 1.32.13, time aside.
      expect(created.metadata.managedFields.map((e: any) => ({ ...e, time: undefined }))).to.deep.equal([
        {
          manager: 'kubectl-run',
          operation: 'Update',
          apiVersion: 'v1',
          time: undefined,
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': { 'f:labels': { '.': {}, 'f:run': {} } },
            'f:spec': {
              'f:containers': {
                'k:{"name":"r1"}': {
                  '.': {},
                  'f:image': {},
                  'f:imagePullPolicy': {},
                  'f:name': {},
                  'f:resources': {},
                  'f:terminationMessagePath': {},
                  'f:terminationMessagePolicy': {},
                },
              },
              'f:dnsPolicy': {},
              'f:enableServiceLinks': {},
              'f:restartPolicy': {},
              'f:schedulerName': {},
              'f:securityContext': {},
              'f:terminationGracePeriodSeconds': {},
            },
          },
        },
      ]);
      expect(created.spec).to.include.keys('serviceAccountName', 'tolerations', 'priority', 'preemptionPolicy', 'volumes');
    });

    it('lets kubectl apply --server-side take over from a client-side apply', async () => {
      const manifest = JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'ap1', namespace: 'adm', labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] },
      });
      const client = await cluster.kubectl(['apply', '-f', '-'], manifest);
      expect(client.code, client.stderr).to.equal(0);
      const server = await cluster.kubectl(['apply', '--server-side', '-f', '-'], manifest);
      expect(server.code, server.stderr).to.equal(0);
      expect(server.stdout).to.equal('pod/ap1 serverside-applied\n');
      const entries = (await cluster.request('/api/v1/namespaces/adm/pods/ap1')).json().metadata.managedFields;
      // As on kube-apiserver 1.32.13: the client-side entry is upgraded away, Apply entries come first.
      expect(entries.map((e: any) => [e.manager, e.operation])).to.deep.equal([
        ['kubectl-last-applied', 'Apply'],
        ['kubectl', 'Apply'],
      ]);
      expect(entries[1].fieldsV1).to.deep.equal({
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:containers': {
            'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } },
          },
        },
      });
    });
  });
});
