// Injected faults as real clients see them: client-node 1.x here, client-node 2.x on Node 24
// (spec/clients/faults_client_node_2.mjs), and kubectl.

import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startKubemock, type Kubemock } from '../testkit/index.js';
import { runClientProgram } from './support/client-program.js';
import { waitFor } from './support/wait.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function kubectl(cluster: Kubemock, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile('kubectl', [`--kubeconfig=${cluster.kubeconfigPath}`, ...args], (error, stdout, stderr) => {
      resolve({ stdout, stderr, code: error ? (typeof error.code === 'number' ? error.code : 1) : 0 });
    });
  });
}

interface Caught {
  code?: number;
  body?: any;
  headers?: Record<string, string>;
  message?: string;
}

async function caught(call: () => Promise<unknown>): Promise<Caught | undefined> {
  try {
    await call();
    return undefined;
  } catch (err) {
    const e = err as { code?: number; body?: unknown; headers?: Record<string, string>; message?: string };
    return { code: e.code, body: typeof e.body === 'string' ? JSON.parse(e.body) : e.body, headers: e.headers, message: e.message };
  }
}

describe('fault injection', () => {
  let cluster: Kubemock;
  let core: k8s.CoreV1Api;
  let kubeconfig: k8s.KubeConfig;
  before(async () => {
    cluster = await startKubemock({ objects: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'target' }, data: { a: '1' } } });
    kubeconfig = cluster.kubeConfig(k8s.KubeConfig);
    core = kubeconfig.makeApiClient(k8s.CoreV1Api);
  });
  after(() => cluster.close());
  afterEach(() => cluster.reset());

  const read = () => core.readNamespacedConfigMap({ name: 'target', namespace: 'default' });

  describe('seen by client-node 1.x', () => {
    it('answers the chosen Status: 409, 429 with Retry-After, 500, 503, 504', async () => {
      const update = async () => {
        const current = await read();
        return core.replaceNamespacedConfigMap({ name: 'target', namespace: 'default', body: { ...current, data: { a: '2' } } });
      };
      cluster.faults.inject({ verb: 'update', resource: 'configmaps', name: 'target' }, { status: 409 }, { times: 1 });
      const conflict = await caught(update);
      expect(conflict?.code).to.equal(409);
      expect(conflict?.body).to.include({ reason: 'Conflict', message: 'Operation cannot be fulfilled on configmaps "target": the object has been modified; please apply your changes to the latest version and try again' });
      expect(await caught(update)).to.equal(undefined);

      cluster.faults.inject({ verb: 'get' }, { status: 429, retryAfterSeconds: 3 }, { times: 1 });
      const throttled = await caught(read);
      expect(throttled?.code).to.equal(429);
      expect(throttled?.body).to.deep.include({ reason: 'TooManyRequests', details: { retryAfterSeconds: 3 } });
      expect(throttled?.headers?.['retry-after']).to.equal('3');

      for (const [code, reason] of [
        [500, 'InternalError'],
        [503, 'ServiceUnavailable'],
        [504, 'Timeout'],
      ] as const) {
        cluster.faults.inject({ verb: 'get', name: 'target' }, { status: code }, { times: 1 });
        const failed = await caught(read);
        expect(failed?.code).to.equal(code);
        expect(failed?.body).to.include({ kind: 'Status', status: 'Failure', reason, code });
      }
      expect((await read()).data).to.deep.equal({ a: '2' });
      const faulted = cluster.requests.find({ faulted: true });
      expect(faulted.map((r) => r.code)).to.deep.equal([409, 429, 500, 503, 504]);
      expect(faulted[0].fault).to.equal('status 409 for verb=update resource=configmaps name=target');
    });

    it('adds latency, and resets the connection', async () => {
      cluster.faults.inject({ verb: 'get', name: 'target' }, { latency: '300ms' }, { times: 1 });
      const started = performance.now();
      await read();
      expect(performance.now() - started).to.be.at.least(290);
      expect(cluster.requests.find({ faulted: true })[0].latencyMs).to.be.at.least(290);

      cluster.faults.inject({ verb: 'get', name: 'target' }, { resetConnection: true }, { times: 1 });
      const reset = await caught(read);
      expect(reset?.message).to.match(/ECONNRESET|socket hang up/);
      const [record] = cluster.requests.find({ faulted: true, where: (r) => r.code === 0 });
      expect(record.fault).to.equal('reset connection for verb=get name=target');
    });

    it('drops a watch stream and sends a watcher 410 Expired; an informer survives both', async function () {
      this.timeout(20_000);
      const informer = k8s.makeInformer(kubeconfig, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
      let stopped = false;
      informer.on('error', () => !stopped && setTimeout(() => !stopped && informer.start().catch(() => undefined), 50));
      await informer.start();
      const watches = () => cluster.requests.count({ verb: 'watch', resource: 'configmaps' });
      const lists = () => cluster.requests.count({ verb: 'list', resource: 'configmaps' });
      await waitFor(() => watches() === 1);

      const drop = cluster.faults.inject({ verb: 'watch', resource: 'configmaps' }, { dropWatch: true }, { times: 1 });
      expect(drop.hits).to.equal(1);
      await waitFor(() => watches() === 2);
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'after-drop' } } });
      await waitFor(() => informer.list('default').some((o) => o.metadata!.name === 'after-drop'));

      const listsBefore = lists();
      cluster.faults.inject({ verb: 'watch', resource: 'configmaps' }, { expireWatch: true }, { times: 1 });
      await waitFor(() => lists() === listsBefore + 1);
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'after-expiry' } } });
      await waitFor(() => informer.list('default').some((o) => o.metadata!.name === 'after-expiry'));
      stopped = true;
      await informer.stop();
      expect(cluster.requests.find({ verb: 'watch', faulted: true }).map((r) => r.fault)).to.deep.equal(['drop watch for verb=watch resource=configmaps', 'expire watch for verb=watch resource=configmaps']);
    });

    it('Watch sees the ERROR event with the 410 Status', async () => {
      cluster.faults.inject({ verb: 'watch', namespace: 'default' }, { expireWatch: true }, { times: 1 });
      const events: Array<[string, any]> = [];
      let done = false;
      await new k8s.Watch(kubeconfig).watch('/api/v1/namespaces/default/configmaps', {}, (type, object) => events.push([type, object]), () => (done = true));
      await waitFor(() => done);
      const last = events[events.length - 1];
      expect(last[0]).to.equal('ERROR');
      expect(last[1]).to.include({ kind: 'Status', code: 410, reason: 'Expired' });
    });

    it('strikes N times, for a duration, or until cleared, and only requests that match', async () => {
      const twice = cluster.faults.inject({ verb: 'get', name: 'target' }, { status: 500 }, { times: 2 });
      expect((await caught(read))?.code).to.equal(500);
      expect((await caught(() => core.readNamespacedConfigMap({ name: 'other', namespace: 'default' })))?.code).to.equal(404);
      expect((await caught(read))?.code).to.equal(500);
      expect(await caught(read)).to.equal(undefined);
      expect(twice).to.include({ hits: 2, active: false });

      const window = cluster.faults.inject({ verb: 'get', name: 'target' }, { status: 503 }, { for: '1s' });
      expect((await caught(read))?.code).to.equal(503);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(window.active).to.equal(false);
      expect(await caught(read)).to.equal(undefined);

      const always = cluster.faults.inject({ verb: 'get', name: 'target' }, { status: 500 });
      for (let i = 0; i < 3; i++) expect((await caught(read))?.code).to.equal(500);
      always.clear();
      expect(await caught(read)).to.equal(undefined);
      expect(cluster.faults.active).to.deep.equal([]);
    });

    it('matches by user agent and field manager', async () => {
      cluster.faults.inject({ userAgent: 'my-operator' }, { status: 503 });
      cluster.faults.inject({ verb: 'create', fieldManager: 'reconciler' }, { status: 409 });
      expect(await caught(read)).to.equal(undefined);
      const operator = cluster.kubeConfig(k8s.KubeConfig).makeApiClient(k8s.CoreV1Api, );
      const agent = k8s.setHeaderOptions('User-Agent', 'my-operator/1.0');
      expect((await caught(() => operator.readNamespacedConfigMap({ name: 'target', namespace: 'default' }, agent)))?.code).to.equal(503);
      const create = (fieldManager: string) => core.createNamespacedConfigMap({ namespace: 'default', fieldManager, body: { metadata: { generateName: 'fm-' } } });
      expect((await caught(() => create('reconciler')))?.code).to.equal(409);
      expect(await caught(() => create('someone-else'))).to.equal(undefined);
    });

    it('rejects faults that make no sense', () => {
      expect(() => cluster.faults.inject({}, {})).to.throw('a fault needs');
      expect(() => cluster.faults.inject({}, { status: 200 })).to.throw('from 400 to 599');
      expect(() => cluster.faults.inject({}, { status: 500, resetConnection: true })).to.throw('choose one');
      expect(() => cluster.faults.inject({}, { status: 500 }, { times: 0 })).to.throw('whole number');
      expect(() => cluster.faults.inject({}, { latency: 'soon' })).to.throw('is not a duration');
    });
  });

  describe('seen by client-node 2.x on Node 24', () => {
    it('gets each Status, the latency, the reset and both watch faults', async function () {
      this.timeout(60_000);
      cluster.faults.inject({ name: 'conflict' }, { status: 409 });
      cluster.faults.inject({ name: 'throttled' }, { status: 429, retryAfterSeconds: 2 });
      cluster.faults.inject({ name: 'broken' }, { status: 500 });
      cluster.faults.inject({ name: 'unavailable' }, { status: 503 });
      cluster.faults.inject({ name: 'slow-answer' }, { status: 504 });
      cluster.faults.inject({ name: 'slow' }, { latency: '300ms' });
      cluster.faults.inject({ name: 'reset' }, { resetConnection: true });
      cluster.faults.inject({ verb: 'watch', namespace: 'dropped' }, { dropWatch: true });
      cluster.faults.inject({ verb: 'watch', namespace: 'expired' }, { expireWatch: true });
      const prefix = `${root}.cache/client-node-2`;
      const steps = await runClientProgram(`${prefix}/node_modules/.bin/node`, [`${root}spec/clients/faults_client_node_2.mjs`], { KUBECONFIG: cluster.kubeconfigPath, CLIENT_NODE_PREFIX: prefix });
      expect(steps.statuses.version).to.match(/^2\./);
      expect(steps.statuses.codes).to.deep.equal({ conflict: [409, 'Conflict'], throttled: [429, 'TooManyRequests'], broken: [500, 'InternalError'], unavailable: [503, 'ServiceUnavailable'], 'slow-answer': [504, 'Timeout'] });
      expect(steps.statuses.retryAfter).to.equal('2');
      expect(steps.latency.ms).to.be.at.least(290);
      expect(steps.reset.error).to.match(/ECONNRESET|socket|fetch failed|other side closed|terminated/i);
      expect(steps.watches.dropped).to.equal('done');
      expect(steps.watches.expired).to.deep.equal(['ERROR', 410]);
    });
  });

  describe('seen by kubectl', () => {
    it('prints the Status of 409, 500, 503 and 504, retries 429 after Retry-After, and fails on a reset connection', async function () {
      this.timeout(60_000);
      for (const [code, reason] of [
        [409, 'Conflict'],
        [500, 'InternalError'],
        [503, 'ServiceUnavailable'],
        [504, 'Timeout'],
      ] as const) {
        const fault = cluster.faults.inject({ verb: 'get', name: 'target' }, { status: code, message: `injected ${code}` });
        const result = await kubectl(cluster, ['get', 'configmap', 'target', '--request-timeout=5s']);
        fault.clear();
        expect(result.code, result.stderr).to.equal(1);
        // Worded as kube-apiserver wraps each code's message.
        const message = { 409: 'Operation cannot be fulfilled on configmaps "target": injected 409', 500: 'Internal error occurred: injected 500', 503: 'injected 503', 504: 'Timeout: injected 504' }[code];
        expect(result.stderr).to.include(`Error from server (${reason}): ${message}`);
      }
      cluster.requests.clear();
      cluster.faults.inject({ verb: 'get', name: 'target' }, { status: 429, retryAfterSeconds: 1 }, { times: 1 });
      const retried = await kubectl(cluster, ['get', 'configmap', 'target', '-o', 'jsonpath={.data.a}']);
      expect(retried).to.include({ code: 0, stdout: '1' });
      expect(cluster.requests.find({ verb: 'get', name: 'target' }).map((r) => r.code)).to.deep.equal([429, 200]);

      // client-go retries a GET whose connection was reset: once is survived, every time is not.
      cluster.requests.clear();
      cluster.faults.inject({ verb: 'get', name: 'target' }, { resetConnection: true }, { times: 1 });
      expect(await kubectl(cluster, ['get', 'configmap', 'target', '-o', 'jsonpath={.data.a}'])).to.include({ code: 0, stdout: '1' });
      expect(cluster.requests.find({ verb: 'get', name: 'target' }).map((r) => r.code)).to.deep.equal([0, 200]);
      cluster.faults.inject({ verb: 'get', name: 'target' }, { resetConnection: true });
      const reset = await kubectl(cluster, ['get', 'configmap', 'target', '--request-timeout=2s']);
      expect(reset.code).to.equal(1);
      expect(reset.stderr).to.include('connection reset by peer');
    });

    it('kubectl get -w ends quietly when its watch is dropped, and prints the Status of a 410', async function () {
      this.timeout(30_000);
      cluster.faults.inject({ verb: 'watch', resource: 'configmaps', userAgent: 'kubectl' }, { dropWatch: true }, { times: 1 });
      const started = performance.now();
      const dropped = await kubectl(cluster, ['get', 'configmap', 'target', '--watch-only', '--request-timeout=20s']);
      expect(performance.now() - started).to.be.below(15_000);
      expect(dropped).to.include({ code: 0, stdout: '', stderr: '' });
      expect(cluster.requests.find({ verb: 'watch' }).map((r) => r.fault)).to.deep.equal(['drop watch for verb=watch resource=configmaps userAgent=kubectl']);

      cluster.faults.inject({ verb: 'watch', resource: 'configmaps' }, { expireWatch: true }, { times: 1 });
      const expired = await kubectl(cluster, ['get', 'configmap', 'target', '--watch-only', '--request-timeout=20s']);
      expect(expired.code).to.equal(0);
      expect(expired.stdout).to.match(/Failure\s+Expired\s+too old resource version: \d+ \(\d+\)/);
    });
  });
});
