// The public testkit (kubemock/testkit) as a test suite uses it: clusters in parallel, reset,
// seeding and apply, waiting, the manual clock, the request log and the one-time warnings.

import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RunningServer } from '../server/server.js';
import { Kubemock, ManualClock, startKubemock, UnexpectedRequestsError, WaitTimeoutError } from '../testkit/index.js';
import { waitFor } from './support/wait.js';

function kubectl(cluster: Kubemock, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile('kubectl', [`--kubeconfig=${cluster.kubeconfigPath}`, ...args], (error, stdout, stderr) => {
      resolve({ stdout, stderr, code: error ? (typeof error.code === 'number' ? error.code : 1) : 0 });
    });
  });
}

const configMap = (name: string, data: Record<string, string> = {}, namespace?: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });

describe('testkit', () => {
  describe('starting clusters', () => {
    it('runs many clusters at once that share nothing', async () => {
      const clusters = await Promise.all(Array.from({ length: 4 }, () => startKubemock()));
      try {
        expect(new Set(clusters.map((c) => c.url)).size).to.equal(4);
        expect(new Set(clusters.map((c) => c.caCert)).size).to.equal(4);
        const cores = clusters.map((c) => c.kubeConfig(k8s.KubeConfig).makeApiClient(k8s.CoreV1Api));
        await Promise.all(cores.map((core, i) => core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: `only-in-${i}` } } })));
        for (const [i, core] of cores.entries()) {
          const names = (await core.listNamespacedConfigMap({ namespace: 'default' })).items.map((cm) => cm.metadata!.name);
          expect(names.filter((n) => n!.startsWith('only-in-'))).to.deep.equal([`only-in-${i}`]);
        }
        // Another cluster's token and CA are no good here.
        const foreign = new k8s.KubeConfig();
        foreign.loadFromString(clusters[1].kubeconfig.replace(clusters[1].url, clusters[0].url));
        const err = await foreign
          .makeApiClient(k8s.CoreV1Api)
          .listNamespace()
          .then(() => undefined, (e: Error) => e);
        expect(err).to.be.instanceOf(Error);
      } finally {
        await Promise.all(clusters.map((c) => c.close()));
      }
    });

    it('hands out its URL, kubeconfig text, a kubeconfig file for kubectl, and removes the file on close', async () => {
      const cluster = await startKubemock();
      expect(cluster.url).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(cluster.kubeconfig).to.include(`server: "${cluster.url}"`);
      const path = cluster.kubeconfigPath;
      expect(cluster.kubeconfigPath).to.equal(path);
      const result = await kubectl(cluster, ['get', 'namespaces', '-o', 'name']);
      expect(result.stdout.split('\n').filter(Boolean)).to.deep.equal(['namespace/default', 'namespace/kube-node-lease', 'namespace/kube-public', 'namespace/kube-system']);
      await cluster.close();
      expect(existsSync(path)).to.equal(false);
      await cluster.close();
    });

    it('ends with `await using`', async () => {
      let url: string;
      {
        await using cluster = await startKubemock();
        url = cluster.url;
        expect((await cluster.kubeConfig(k8s.KubeConfig).makeApiClient(k8s.VersionApi).getCode()).major).to.equal('1');
      }
      const after = await fetch(`${url}/readyz`).then(() => 'answered', () => 'closed');
      expect(after).to.equal('closed');
    });

    it("serves plain HTTP without credentials with auth: 'none', and keeps a given token otherwise", async () => {
      const open = await startKubemock({ auth: 'none' });
      const fixed = await startKubemock({ token: 'fixed-token' });
      try {
        expect(open.url).to.match(/^http:\/\//);
        const response = await fetch(`${open.url}/api/v1/namespaces/default`);
        expect(response.status).to.equal(200);
        expect(fixed.token).to.equal('fixed-token');
        expect(fixed.kubeconfig).to.include('token: "fixed-token"');
      } finally {
        await Promise.all([open.close(), fixed.close()]);
      }
    });
  });

  describe('reset', () => {
    let cluster: Kubemock;
    let core: k8s.CoreV1Api;
    before(async () => {
      cluster = await startKubemock({ objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } }, configMap('initial', { a: '1' }, 'team')] });
      core = cluster.kubeConfig(k8s.KubeConfig).makeApiClient(k8s.CoreV1Api);
    });
    after(() => cluster.close());

    it('goes back to the start-up state on the same port, initial objects included', async () => {
      const url = cluster.url;
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'from-test' } } });
      await core.patchNamespacedConfigMap({ name: 'initial', namespace: 'team', body: { data: { a: 'changed' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await core.createNamespace({ body: { metadata: { name: 'from-test' } } });
      const before = Number((await core.listNamespace()).metadata!.resourceVersion);
      cluster.reset();
      expect(cluster.url).to.equal(url);
      const namespaces = (await core.listNamespace()).items.map((n) => n.metadata!.name);
      expect(namespaces).to.deep.equal(['default', 'kube-node-lease', 'kube-public', 'kube-system', 'team']);
      expect((await core.readNamespacedConfigMap({ name: 'initial', namespace: 'team' })).data).to.deep.equal({ a: '1' });
      const gone = await core.readNamespacedConfigMap({ name: 'from-test', namespace: 'default' }).then(() => 'found', (e) => e.code);
      expect(gone).to.equal(404);
      // resourceVersions keep counting up, so no client ever sees one go back.
      expect(Number((await core.listNamespace()).metadata!.resourceVersion)).to.be.at.least(before);
    });

    it('clears faults and the request log', async () => {
      cluster.faults.inject({ verb: 'list' }, { status: 500 });
      await core.listNamespace().catch(() => undefined);
      expect(cluster.requests.count()).to.be.greaterThan(0);
      cluster.reset();
      expect(cluster.faults.active).to.deep.equal([]);
      expect(cluster.requests.count()).to.equal(0);
      expect((await core.listNamespace()).items.length).to.equal(5);
    });

    it('ends open watches, and an informer lists again and sees the reset state', async function () {
      this.timeout(15_000);
      const kubeconfig = cluster.kubeConfig(k8s.KubeConfig);
      await core.createNamespacedConfigMap({ namespace: 'team', body: { metadata: { name: 'doomed' } } });
      const informer = k8s.makeInformer(kubeconfig, '/api/v1/namespaces/team/configmaps', () => core.listNamespacedConfigMap({ namespace: 'team' }));
      const deleted: string[] = [];
      informer.on('delete', (o) => deleted.push(o.metadata!.name!));
      let stopped = false;
      informer.on('error', () => !stopped && setTimeout(() => !stopped && informer.start().catch(() => undefined), 50));
      await informer.start();
      await waitFor(() => informer.list('team').some((o) => o.metadata!.name === 'doomed'));
      const watches = cluster.requests.count({ verb: 'watch', namespace: 'team' });
      cluster.reset();
      await waitFor(() => deleted.includes('doomed'), 10_000);
      const names = () => informer.list('team').map((o) => o.metadata!.name).sort();
      const served = async () => (await core.listNamespacedConfigMap({ namespace: 'team' })).items.map((o) => o.metadata!.name).sort();
      await waitFor(async () => JSON.stringify(names()) === JSON.stringify(await served()));
      expect(names()).to.include('initial').and.not.include('doomed');
      stopped = true;
      await informer.stop();
      expect(watches).to.be.greaterThan(0);
    });
  });

  describe('reset without initial objects', () => {
    /** Everything stored, as a comparable text: uids by order of appearance, no resourceVersions or times, event names without their time suffix. */
    function storedState(cluster: Kubemock): string[] {
      const store = (cluster as unknown as { server: RunningServer }).server.services.store;
      const uids = new Map<string, string>();
      const rows: string[] = [];
      for (const resource of store.resources()) {
        for (const stored of store.list(resource)) {
          const json = stored.json
            .replace(/"resourceVersion":"\d+",?/g, '')
            .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, 'TIME')
            .replace(/("name":"[^"]+)\.[0-9a-f]{16,}"/g, '$1.SUFFIX"');
          rows.push(`${resource} ${json}`);
        }
      }
      return rows.sort().map((row) => row.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (uid) => {
        if (!uids.has(uid)) uids.set(uid, `uid-${uids.size}`);
        return uids.get(uid)!;
      }));
    }
    const served = (cluster: Kubemock) => (cluster as unknown as { server: RunningServer }).server.services.registry.all().map((d) => `${d.group}/${d.version}/${d.plural}`).sort();

    it('settles into exactly what the fresh cluster settled into: the controllers redo their start-up work', async function () {
      this.timeout(30_000);
      await using cluster = await startKubemock({ clock: 'manual' });
      await cluster.settle();
      const fresh = storedState(cluster);
      const freshResources = served(cluster);
      expect(fresh.some((row) => row.startsWith('serviceaccounts ') && row.includes('"name":"default","namespace":"kube-system"'))).to.equal(true);
      expect(fresh.some((row) => row.startsWith('nodes '))).to.equal(true);

      // Change what the controllers keep track of: a namespace, a workload on the node, a custom resource, a node gone quiet.
      await cluster.seed([
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } },
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web', namespace: 'team' },
          spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
        },
        {
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name: 'widgets.example.com' },
          spec: { group: 'example.com', names: { plural: 'widgets', singular: 'widget', kind: 'Widget' }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
        },
      ]);
      await cluster.advance('5s');
      await cluster.waitFor({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'team', name: 'web' }, 'Available');
      expect(served(cluster)).to.include('example.com/v1/widgets');
      cluster.nodes.stopHeartbeat('kubemock-node-0');
      await cluster.advance('2m');
      expect(cluster.get({ kind: 'Node', name: 'kubemock-node-0' })!.spec).to.have.property('taints');

      cluster.reset();
      await cluster.settle();
      expect(served(cluster)).to.deep.equal(freshResources);
      expect(storedState(cluster)).to.deep.equal(fresh);
      // The node's kubelet is back with the world of a fresh cluster: it renews its lease again.
      const lease = () => (cluster.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'kube-node-lease', name: 'kubemock-node-0' })!.spec as any).renewTime;
      const renewed = lease();
      await cluster.advance('10s');
      expect(lease()).to.not.equal(renewed);
    });
  });

  describe('seeding and apply', () => {
    let cluster: Kubemock;
    let dir: string;
    before(async () => {
      cluster = await startKubemock();
      dir = mkdtempSync(join(tmpdir(), 'kubemock-seed-'));
    });
    after(async () => {
      await cluster.close();
      rmSync(dir, { recursive: true, force: true });
    });
    afterEach(() => cluster.reset());

    it('creates multi-document YAML, namespaces first, through the API with defaults applied', async () => {
      const created = await cluster.seed(`
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: nginx }] }
---
apiVersion: v1
kind: Namespace
metadata: { name: shop }
---
`);
      expect(created.map((o) => `${o.kind} ${o.metadata.name}`)).to.deep.equal(['Namespace shop', 'Deployment web']);
      const deployment = cluster.get({ kind: 'Deployment', namespace: 'shop', name: 'web' })!;
      expect((deployment.spec as any).strategy.type).to.equal('RollingUpdate');
      // The deployment controller's status entry may come first, as on a real cluster.
      expect(deployment.metadata.managedFields!.find((m: any) => m.manager === 'kubemock-testkit')).to.include({ operation: 'Update' });
      expect(cluster.requests.find({ verb: 'create', includeTestkit: true }).length).to.equal(2);
      expect(cluster.requests.find({ verb: 'create' }).length).to.equal(0);
    });

    it('reads JSON, Lists, files and folders (their .yaml, .yml and .json files by name, recursively)', async () => {
      mkdirSync(join(dir, 'nested'), { recursive: true });
      writeFileSync(join(dir, 'b.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-b}\n');
      writeFileSync(join(dir, 'a.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [configMap('from-a-1'), configMap('from-a-2')] }));
      writeFileSync(join(dir, 'nested', 'c.yml'), 'apiVersion: v1\nkind: Secret\nmetadata: {name: from-c}\nstringData: {k: v}\n');
      writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
      const fromFolder = await cluster.seed(dir);
      rmSync(join(dir, 'nested'), { recursive: true });
      expect(fromFolder.map((o) => o.metadata.name)).to.deep.equal(['from-a-1', 'from-a-2', 'from-b', 'from-c']);
      const single = join(dir, 'single.yaml');
      writeFileSync(single, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: by-url}\n');
      const mixed = await cluster.seed([pathToFileURL(single), JSON.stringify(configMap('json-text'))]);
      expect(mixed.map((o) => o.metadata.name)).to.deep.equal(['by-url', 'json-text']);
      expect((cluster.get({ kind: 'Secret', name: 'from-c' })!.data as any).k).to.equal(Buffer.from('v').toString('base64'));
    });

    it('fails with the Status message of a refused object, naming it', async () => {
      const err = await cluster.seed(configMap('Bad_Name')).then(() => undefined, (e: Error) => e);
      expect(err?.message).to.include('seeding ConfigMap Bad_Name failed: 422 Invalid');
      const missing = await cluster.seed(`${dir}/does-not-exist.yaml`).then(() => undefined, (e: Error) => e);
      expect(missing?.message).to.include('no manifest file or folder');
      const unknownKind = await cluster.seed({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }).then(() => undefined, (e: Error) => e);
      expect(unknownKind?.message).to.include('no served resource has kind Widget in example.com/v1');
    });

    it('applies with server-side apply under a field manager, with conflicts unless forced', async () => {
      const [first] = await cluster.apply(configMap('applied', { owner: 'one' }), { fieldManager: 'team-one' });
      expect((first.metadata.managedFields as any[]).map((m) => [m.manager, m.operation])).to.deep.equal([['team-one', 'Apply']]);
      const conflict = await cluster.apply(configMap('applied', { owner: 'two' }), { fieldManager: 'team-two' }).then(() => undefined, (e: Error) => e);
      expect(conflict?.message).to.include('409 Conflict');
      expect(conflict?.message).to.include('team-one');
      const [forced] = await cluster.apply(configMap('applied', { owner: 'two' }), { fieldManager: 'team-two', force: true });
      expect(forced.data).to.deep.equal({ owner: 'two' });
      expect(cluster.requests.find({ verb: 'patch', fieldManager: 'team-two', includeTestkit: true }).map((r) => r.code)).to.deep.equal([409, 200]);
    });
  });

  describe('waiting', () => {
    let cluster: Kubemock;
    let core: k8s.CoreV1Api;
    before(async () => {
      // No controllers, so only the test changes what it waits on.
      cluster = await startKubemock({ controllers: 'none', nodes: 0 });
      core = cluster.kubeConfig(k8s.KubeConfig).makeApiClient(k8s.CoreV1Api);
    });
    after(() => cluster.close());

    it('waitFor resolves when a predicate holds, waitForDeletion when the object is gone', async () => {
      await cluster.seed(configMap('w1', { step: '0' }));
      const waiting = cluster.waitFor({ kind: 'ConfigMap', name: 'w1' }, (o) => (o.data as any).step === '2');
      await core.patchNamespacedConfigMap({ name: 'w1', namespace: 'default', body: { data: { step: '1' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await core.patchNamespacedConfigMap({ name: 'w1', namespace: 'default', body: { data: { step: '2' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      expect(((await waiting).data as any).step).to.equal('2');
      const already = await cluster.waitFor(configMap('w1'), (o) => (o.data as any).step === '2');
      expect(already.metadata.name).to.equal('w1');

      const gone = cluster.waitForDeletion({ kind: 'ConfigMap', name: 'w1' });
      await core.deleteNamespacedConfigMap({ name: 'w1', namespace: 'default' });
      await gone;
      await cluster.waitForDeletion({ kind: 'ConfigMap', name: 'never-there' });
    });

    it('waits for conditions, and times out showing the last state', async () => {
      await cluster.seed({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
      const ready = cluster.waitFor({ kind: 'Node', name: 'n1' }, 'Ready', { timeout: '5s' });
      await core.patchNodeStatus(
        { name: 'n1', body: { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ok', lastHeartbeatTime: new Date(), lastTransitionTime: new Date() }] } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      expect(((await ready).status as any).conditions[0].reason).to.equal('KubeletReady');

      const err = await cluster.waitFor({ kind: 'Node', name: 'n1' }, { type: 'Ready', status: 'False' }, { timeout: 50 }).then(() => undefined, (e: Error) => e);
      expect(err).to.be.instanceOf(WaitTimeoutError);
      expect(err!.message).to.include('timed out after 50 ms waiting for condition Ready=False on Node n1; its last state:');
      expect(err!.message).to.include('"reason": "KubeletReady"');
      expect((err as WaitTimeoutError).lastState!.metadata.name).to.equal('n1');

      const absent = await cluster.waitFor({ kind: 'Pod', name: 'ghost' }, () => true, { timeout: 20 }).then(() => undefined, (e: Error) => e);
      expect(absent!.message).to.include('Pod default/ghost; its last state: it does not exist');
      const stays = await cluster.waitForDeletion({ kind: 'Node', name: 'n1' }, { timeout: 20 }).then(() => undefined, (e: Error) => e);
      expect(stays!.message).to.include('waiting for deletion on Node n1');
    });
  });

  describe('the manual clock', () => {
    it('moves only when advanced: timestamps, watch timeouts and bookmarks follow it', async () => {
      await using cluster = await startKubemock({ clock: 'manual', bookmarkInterval: '1m' });
      expect(cluster.clock).to.be.instanceOf(ManualClock);
      const [cm] = await cluster.seed(configMap('stamped'));
      expect(cm.metadata.creationTimestamp).to.equal('2024-01-01T00:00:00Z');
      cluster.clock.advance('1h30m');
      const [later] = await cluster.seed(configMap('later'));
      expect(later.metadata.creationTimestamp).to.equal('2024-01-01T01:30:00Z');

      const kubeconfig = cluster.kubeConfig(k8s.KubeConfig);
      const events: string[] = [];
      let ended = false;
      const request = await new k8s.Watch(kubeconfig).watch(
        '/api/v1/namespaces/default/configmaps',
        { allowWatchBookmarks: true, timeoutSeconds: 300, resourceVersion: later.metadata.resourceVersion },
        (type) => events.push(type),
        () => (ended = true),
      );
      await waitFor(() => cluster.requests.count({ verb: 'watch' }) === 1);
      cluster.clock.advance('59s');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(events).to.deep.equal([]);
      cluster.clock.advance('1s');
      await waitFor(() => events.length === 1);
      expect(events).to.deep.equal(['BOOKMARK']);
      cluster.clock.advance('4m');
      await waitFor(() => ended);
      expect(events.filter((e) => e === 'BOOKMARK').length).to.be.at.least(4);
      request.abort();
    });
  });

  describe('controllers and the manual clock together', () => {
    it("settle() waits for the controllers; advance() steps through a pod's grace period", async function () {
      this.timeout(30_000);
      // The container ignores SIGTERM, so only the end of the grace period stops it.
      const kubeletStages = [{ match: { labels: { app: 'stubborn' } }, stop: { delayMs: 3_600_000 } }];
      await using cluster = await startKubemock({ clock: new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000)), kubeletStages });
      await cluster.settle();
      expect(cluster.get({ kind: 'ServiceAccount', name: 'default' })).to.not.equal(undefined);
      await cluster.seed({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'graceful', labels: { app: 'stubborn' } }, spec: { terminationGracePeriodSeconds: 30, containers: [{ name: 'c', image: 'nginx' }] } });
      await cluster.advance('1s');
      const running = await cluster.waitFor({ kind: 'Pod', name: 'graceful' }, (pod) => (pod.status as any)?.phase === 'Running');
      expect((running.spec as any).nodeName).to.be.a('string');

      const core = cluster.kubeConfig(k8s.KubeConfig).makeApiClient(k8s.CoreV1Api);
      await core.deleteNamespacedPod({ name: 'graceful', namespace: 'default' });
      await cluster.advance('29s');
      const terminating = cluster.get({ kind: 'Pod', name: 'graceful' });
      expect(terminating?.metadata.deletionTimestamp).to.be.a('string');
      await cluster.advance('1s');
      await cluster.waitForDeletion({ kind: 'Pod', name: 'graceful' }, { timeout: '2s' });
    });

    it("advance() drives a Deployment past its progress deadline", async function () {
      this.timeout(30_000);
      // Its pods never become ready, so the rollout cannot progress.
      const kubeletStages = [{ match: { labels: { app: 'stuck' } }, ready: { never: true } }];
      await using cluster = await startKubemock({ clock: new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000)), kubeletStages });
      await cluster.seed({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'stuck' },
        spec: { progressDeadlineSeconds: 60, selector: { matchLabels: { app: 'stuck' } }, template: { metadata: { labels: { app: 'stuck' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
      });
      await cluster.advance('30s');
      const progressing = (d: any) => d.status?.conditions?.find((c: any) => c.type === 'Progressing');
      expect(progressing(cluster.get({ kind: 'Deployment', name: 'stuck' }))?.status).to.equal('True');
      await cluster.advance('31s');
      const stuck = await cluster.waitFor({ kind: 'Deployment', name: 'stuck' }, { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }, { timeout: '2s' });
      expect(progressing(stuck).message).to.match(/^ReplicaSet "stuck-[a-z0-9]+" has timed out progressing\.$/);
    });

    it('passes nodes, controllers and kubelet stages through', async () => {
      await using quiet = await startKubemock({ controllers: 'none', nodes: 0 });
      await quiet.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'still' } });
      await quiet.settle();
      expect(quiet.get({ kind: 'ServiceAccount', namespace: 'still', name: 'default' })).to.equal(undefined);

      await using busy = await startKubemock({ nodes: [{ name: 'big', capacity: { cpu: '64', memory: '256Gi', pods: '110' } }, { name: 'small' }], kubeletStages: [{ match: { image: 'bad:*' }, pull: { error: 'ErrImagePull' } }] });
      await busy.settle();
      expect(busy.get({ kind: 'Node', name: 'big' })).to.not.equal(undefined);
      expect(busy.get({ kind: 'Node', name: 'small' })).to.not.equal(undefined);
      await busy.seed({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pull-fails' }, spec: { containers: [{ name: 'c', image: 'bad:1' }] } });
      // ErrImagePull turns into ImagePullBackOff as the kubelet backs off, as a real one does.
      const failing = await busy.waitFor({ kind: 'Pod', name: 'pull-fails' }, (pod) => /ErrImagePull/.test((pod.status as any)?.containerStatuses?.[0]?.state?.waiting?.message ?? '') || (pod.status as any)?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImagePull');
      expect((failing.status as any).phase).to.equal('Pending');
    });
  });

  describe('the request log', () => {
    let cluster: Kubemock;
    let core: k8s.CoreV1Api;
    before(async () => {
      cluster = await startKubemock();
      core = cluster.kubeConfig(k8s.KubeConfig).makeApiClient(k8s.CoreV1Api);
    });
    after(() => cluster.close());
    beforeEach(() => cluster.reset());

    it('records verb, path, query, user, user agent, field manager, code, latency and the object written', async () => {
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'logged' }, data: { a: '1' } }, fieldManager: 'my-operator' });
      await core.readNamespacedConfigMap({ name: 'logged', namespace: 'default' });
      await core.readNamespacedConfigMap({ name: 'missing', namespace: 'default' }).catch(() => undefined);
      const [create] = cluster.requests.find({ verb: 'create' });
      expect(create).to.include({ method: 'POST', path: '/api/v1/namespaces/default/configmaps', resource: 'configmaps', namespace: 'default', user: 'kubemock-admin', fieldManager: 'my-operator', code: 201 });
      expect(create.query).to.deep.equal({ fieldManager: 'my-operator' });
      expect(create.userAgent).to.not.equal('');
      expect(create.latencyMs).to.be.a('number').and.at.least(0);
      expect(create.object!.metadata.uid).to.be.a('string');
      expect((create.body as any).data).to.deep.equal({ a: '1' });
      expect(cluster.requests.find({ verb: 'get' }).map((r) => [r.name, r.code])).to.deep.equal([['logged', 200], ['missing', 404]]);
      expect(cluster.requests.count({ code: (c) => c >= 400 })).to.equal(1);
    });

    it('answers questions such as "never an unconditional update" and "status patched twice"', async () => {
      await cluster.seed({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } });
      const pod = await core.readNamespacedPod({ name: 'p', namespace: 'default' });
      await core.replaceNamespacedPod({ name: 'p', namespace: 'default', body: { ...pod, metadata: { ...pod.metadata, labels: { a: 'b' } } } });
      for (const phase of ['Pending', 'Running']) {
        await core.patchNamespacedPodStatus({ name: 'p', namespace: 'default', body: { status: { phase } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      }
      const updates = cluster.requests.find({ verb: 'update', resource: 'pods' });
      expect(updates.every((r) => (r.body as any).metadata.resourceVersion)).to.equal(true);
      expect(cluster.requests.count({ verb: 'patch', resource: 'pods', subresource: 'status' })).to.equal(2);
      expect(cluster.requests.find({ verb: 'patch', subresource: 'status' }).map((r) => (r.object!.status as any).phase)).to.deep.equal(['Pending', 'Running']);
    });

    it('expectNoRequests passes while idle and names what arrived otherwise', async () => {
      const writes = { verb: ['create', 'update', 'patch', 'delete'] };
      await cluster.expectNoRequests(writes, '30ms');
      await cluster.expectNoRequests(writes, () => core.listNamespace());
      const err = await cluster
        .expectNoRequests(writes, () => core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'sneaky' } } }))
        .then(() => undefined, (e: Error) => e);
      expect(err).to.be.instanceOf(UnexpectedRequestsError);
      expect(err!.message).to.include('create /api/v1/namespaces/default/configmaps -> 201');
    });

    it('decodes the body of a protobuf write, as typed clients send it', async () => {
      const vectors = JSON.parse(readFileSync(new URL('../../spec/fixtures/protobuf-vectors.json', import.meta.url), 'utf8')) as Array<{ name: string; protobufBase64: string; json: Record<string, unknown> }>;
      const vector = vectors.find((v) => v.name === 'configmap')!;
      const code = await new Promise<number>((resolve, reject) => {
        const request = https.request(
          `${cluster.url}/api/v1/namespaces/default/configmaps`,
          { method: 'POST', ca: cluster.caCert, headers: { Authorization: `Bearer ${cluster.token}`, 'Content-Type': 'application/vnd.kubernetes.protobuf', Accept: 'application/json' } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          },
        );
        request.on('error', reject);
        request.end(Buffer.from(vector.protobufBase64, 'base64'));
      });
      expect(code).to.equal(201);
      const [create] = cluster.requests.find({ verb: 'create', resource: 'configmaps' });
      expect(create.body).to.deep.equal(vector.json);
      expect((create.object!.data as Record<string, string>).a).to.equal('b');
    });

    it('marks positions to ask what came since', async () => {
      await core.listNamespace();
      const mark = cluster.requests.mark();
      await core.listNamespacedPod({ namespace: 'default' });
      expect(cluster.requests.since(mark).map((r) => r.resource)).to.deep.equal(['pods']);
    });
  });

  describe('APIs kubemock does not serve', () => {
    it('warns once per API group or subresource, on stderr by default and in the request log', async () => {
      const warnings: string[] = [];
      await using cluster = await startKubemock({ warn: (message) => warnings.push(message) });
      const headers = { Authorization: `Bearer ${cluster.token}` };
      const get = (path: string) => new Promise<number>((resolve, reject) => {
        https.get(`${cluster.url}${path}`, { headers, ca: cluster.caCert }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        }).on('error', reject);
      });
      expect(await get('/apis/metrics.k8s.io/v1beta1/pods')).to.equal(404);
      expect(await get('/apis/metrics.k8s.io/v1beta1/nodes')).to.equal(404);
      expect(await get('/apis/metrics.k8s.io/v1beta1')).to.equal(404);
      await cluster.seed(configMap('cm'));
      expect(await get('/api/v1/namespaces/default/configmaps/cm/status')).to.equal(404);
      expect(await get('/api/v1/namespaces/default/configmaps/cm/status')).to.equal(404);
      expect(await get('/api/v1/namespaces/default/configmaps/missing')).to.equal(404);
      expect(warnings).to.deep.equal([
        'kubemock: warning: a client asked for API group metrics.k8s.io/v1beta1, which kubemock does not serve (GET /apis/metrics.k8s.io/v1beta1/pods)',
        'kubemock: warning: a client asked for subresource "configmaps/status" in v1, which kubemock does not serve (GET /api/v1/namespaces/default/configmaps/cm/status)',
      ]);
      expect(cluster.requests.find({ where: (r) => r.warning !== undefined }).length).to.equal(5);
    });
  });
});
