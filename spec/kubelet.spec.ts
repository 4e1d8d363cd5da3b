// The fake kubelet: the states a pod goes through as watchers see them, the status fields and events
// a real kubelet writes, and what kubelet stages make containers do (fail to pull, become ready late,
// exit, crash-loop, stop slowly).

import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, type KubeletStage } from '../testkit/index.js';
import { startCluster, type TestCluster } from './support/cluster.js';
import { advance, wallClockStart } from './support/step.js';

type Json = Record<string, any>;

const stages: KubeletStage[] = [
  { name: 'bad-images', match: { image: 'bad:*' }, pull: { error: 'ErrImagePull' } },
  { name: 'slow', match: { labels: { slow: 'true' } }, ready: { delayMs: 5000 } },
  { name: 'crashing', match: { labels: { crash: 'true' } }, exit: { afterMs: 1000, code: 1 } },
  { name: 'failing', match: { selector: 'outcome=fail' }, exit: { afterMs: 0, code: 3 } },
  { name: 'finishing', match: { selector: 'outcome=finish' }, exit: { afterMs: 2000, code: 0 } },
  { name: 'stubborn', match: { labels: { stubborn: 'true' } }, stop: { delayMs: 3_600_000 } },
];

describe('kubelet', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  before(async () => {
    clock = new ManualClock(wallClockStart());
    cluster = await startCluster({ clock, kubeletStages: stages });
    await cluster.server.controllers.settle();
  });
  after(() => cluster.stop());

  const get = async (name: string): Promise<Json> => (await cluster.request(`/api/v1/namespaces/default/pods/${name}`)).json();
  const create = async (name: string, spec: Json = {}, labels: Json = {}) => {
    await cluster.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name, labels }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], ...spec } } as any });
    await cluster.server.controllers.settle();
    return get(name);
  };
  const condition = (pod: Json, type: string) => pod.status?.conditions?.find((c: Json) => c.type === type);
  const events = async (name: string) =>
    (await cluster.request(`/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=${name}`)).json().items.map((e: Json) => [e.reason, e.message]);

  // kube-apiserver 1.32.13 with kube-scheduler and kwok showed an informer these three states:
  // the create, the binding, then one status write to Running and Ready.
  it('takes a pod Pending → bound → Running and Ready, as an informer sees it', async () => {
    const seen: string[] = [];
    const informer = k8s.makeInformer(cluster.kubeconfig, '/api/v1/namespaces/default/pods', () => cluster.core.listNamespacedPod({ namespace: 'default' }));
    const describe = (pod: k8s.V1Pod) => `${pod.status?.phase}${pod.spec?.nodeName ? ' bound' : ''} ready=${condition(pod as Json, 'Ready')?.status ?? '-'}`;
    informer.on('add', (pod) => pod.metadata?.name === 'watched' && seen.push(`add ${describe(pod)}`));
    informer.on('update', (pod) => pod.metadata?.name === 'watched' && seen.push(`update ${describe(pod)}`));
    await informer.start();
    try {
      await cluster.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'watched' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } });
      await cluster.server.controllers.settle();
      // The server has settled: once the last state arrives, every state before it has too.
      const last = 'update Running bound ready=True';
      const deadline = Date.now() + 5000;
      while (!seen.includes(last) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(seen).to.deep.equal(['add Pending ready=-', 'update Pending bound ready=-', last]);
    } finally {
      await informer.stop();
    }
  });

  it('writes the status fields and conditions a kubelet writes, as system:node with the kubelet field manager', async () => {
    const pod = await create('shape', { containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] });
    const node = (await cluster.request(`/api/v1/nodes/${pod.spec.nodeName}`)).json();
    const status = pod.status;
    expect(Object.keys(status)).to.deep.equal(['phase', 'conditions', 'hostIP', 'hostIPs', 'podIP', 'podIPs', 'startTime', 'containerStatuses', 'qosClass']);
    expect(status.conditions.map((c: Json) => [c.type, c.status])).to.deep.equal([
      ['PodReadyToStartContainers', 'True'],
      ['Initialized', 'True'],
      ['Ready', 'True'],
      ['ContainersReady', 'True'],
      ['PodScheduled', 'True'],
    ]);
    expect(status.hostIP).to.equal(node.status.addresses[0].address);
    expect(status.hostIPs).to.deep.equal([{ ip: status.hostIP }]);
    expect(status.podIP.startsWith(node.spec.podCIDR.replace(/0\/24$/, ''))).to.equal(true);
    expect(status.qosClass).to.equal('BestEffort');
    const [container] = status.containerStatuses;
    expect(Object.keys(container)).to.deep.equal(['name', 'state', 'lastState', 'ready', 'restartCount', 'image', 'imageID', 'containerID', 'started', 'volumeMounts']);
    expect(container).to.deep.include({ name: 'app', lastState: {}, ready: true, restartCount: 0, image: 'docker.io/library/nginx:1.27', started: true });
    expect(container.imageID).to.match(/^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    expect(container.containerID).to.match(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(container.volumeMounts).to.deep.equal([{ name: pod.spec.volumes[0].name, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true, recursiveReadOnly: 'Disabled' }]);
    const kubelet = pod.metadata.managedFields.find((m: Json) => m.manager === 'kubelet');
    expect(kubelet).to.deep.include({ operation: 'Update', subresource: 'status' });
  });

  it('records the events kubectl describe shows, from the kubelet of the node', async () => {
    const pod = await create('described', { containers: [{ name: 'app', image: 'busybox:1.36' }] });
    expect(await events('described')).to.deep.equal([
      ['Scheduled', `Successfully assigned default/described to ${pod.spec.nodeName}`],
      ['Pulling', 'Pulling image "busybox:1.36"'],
      ['Pulled', (await events('described'))[2][1]],
      ['Created', 'Created container: app'],
      ['Started', 'Started container app'],
    ]);
    const pulled = (await events('described'))[2][1];
    expect(pulled).to.match(/^Successfully pulled image "busybox:1\.36" in 0s \(0s including waiting\)\. Image size: \d+ bytes\.$/);
    const raw = (await cluster.request('/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=described,reason=Started')).json().items[0];
    expect(raw.involvedObject.fieldPath).to.equal('spec.containers{app}');
    expect(raw).to.deep.include({ source: { component: 'kubelet', host: pod.spec.nodeName }, reportingComponent: 'kubelet', reportingInstance: pod.spec.nodeName, count: 1, eventTime: null });
    // The image is on the node now: the next pod finds it there.
    await create('described-again', { containers: [{ name: 'app', image: 'busybox:1.36' }] });
    expect((await events('described-again'))[1]).to.deep.equal(['Pulled', 'Container image "busybox:1.36" already present on machine']);
    const { stdout } = await cluster.kubectl(['describe', 'pod', 'described']);
    expect(stdout).to.match(/Normal {2}Started {4}\S+ +kubelet +Started container app/);
  });

  it('runs init containers one after another before the containers', async () => {
    const pod = await create('initialized', {
      initContainers: [
        { name: 'first', image: 'busybox' },
        { name: 'second', image: 'busybox' },
      ],
    });
    expect(pod.status.phase).to.equal('Running');
    expect(pod.status.initContainerStatuses.map((c: Json) => [c.name, c.ready, c.state.terminated?.reason, c.state.terminated?.exitCode])).to.deep.equal([
      ['first', true, 'Completed', 0],
      ['second', true, 'Completed', 0],
    ]);
    const order = (await events('initialized')).filter(([reason]: string[]) => reason === 'Started').map(([, message]: string[]) => message);
    expect(order).to.deep.equal(['Started container first', 'Started container second', 'Started container app']);
  });

  // The kubelet's status manager sorts containerStatuses by name (SortedContainerStatuses) and keeps
  // initContainerStatuses in spec order. (kwok, the reference cluster's node faker, lists both in
  // spec order: its stage template ranges over the spec.)
  it('lists container statuses by name and init container statuses in spec order', async () => {
    const pod = await create('ordered', {
      initContainers: [
        { name: 'zinit', image: 'busybox' },
        { name: 'ainit', image: 'busybox' },
      ],
      containers: ['web', 'app', 'app10', 'app-2'].map((name) => ({ name, image: 'busybox' })),
    });
    expect(pod.status.containerStatuses.map((c: Json) => c.name)).to.deep.equal(['app', 'app-2', 'app10', 'web']);
    expect(pod.status.initContainerStatuses.map((c: Json) => c.name)).to.deep.equal(['zinit', 'ainit']);
    const { stdout } = await cluster.kubectl(['get', 'pod', 'ordered', '-o', 'jsonpath={.status.containerStatuses[*].name}']);
    expect(stdout).to.equal('app app-2 app10 web');
  });

  it('fails a pull as a stage says: ErrImagePull, then ImagePullBackOff, then tries again', async () => {
    const pod = await create('bad-pull', { containers: [{ name: 'app', image: 'bad:1' }] });
    expect(pod.status.phase).to.equal('Pending');
    expect(pod.status.containerStatuses[0].state.waiting).to.deep.equal({
      reason: 'ImagePullBackOff',
      message: 'Back-off pulling image "bad:1": ErrImagePull: failed to pull and unpack image "docker.io/library/bad:1": failed to resolve reference "docker.io/library/bad:1": docker.io/library/bad:1: not found',
    });
    expect((await events('bad-pull')).slice(1)).to.deep.equal([
      ['Pulling', 'Pulling image "bad:1"'],
      ['Failed', 'Failed to pull image "bad:1": failed to pull and unpack image "docker.io/library/bad:1": failed to resolve reference "docker.io/library/bad:1": docker.io/library/bad:1: not found'],
      ['Failed', 'Error: ErrImagePull'],
      ['BackOff', 'Back-off pulling image "bad:1"'],
      ['Failed', 'Error: ImagePullBackOff'],
    ]);
    await advance(cluster.server, clock, 10_000);
    const pulls = (await events('bad-pull')).filter(([reason]: string[]) => reason === 'Pulling');
    expect(pulls).to.have.length(1);
    const raw = (await cluster.request('/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=bad-pull,reason=Pulling')).json().items[0];
    expect(raw.count, 'the second pull attempt is counted on the same event').to.equal(2);
  });

  it('makes pods labelled slow=true ready after 5 s of the clock', async () => {
    const pod = await create('slow', {}, { slow: 'true' });
    expect(pod.status.phase).to.equal('Running');
    expect(condition(pod, 'Ready')).to.include({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]' });
    await advance(cluster.server, clock, 4_999);
    expect(condition(await get('slow'), 'Ready').status).to.equal('False');
    await advance(cluster.server, clock, 1);
    expect(condition(await get('slow'), 'Ready').status).to.equal('True');
  });

  it('honors readiness gates', async () => {
    const pod = await create('gated', { readinessGates: [{ conditionType: 'example.com/ready' }] });
    expect(condition(pod, 'ContainersReady').status).to.equal('True');
    expect(condition(pod, 'Ready')).to.include({ status: 'False', reason: 'ReadinessGatesNotReady', message: 'corresponding condition of pod readiness gate "example.com/ready" does not exist.' });
    const patch = await cluster.request('/api/v1/namespaces/default/pods/gated/status', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
      body: JSON.stringify({ status: { conditions: [{ type: 'example.com/ready', status: 'True' }] } }),
    });
    expect(patch.status).to.equal(200);
    await cluster.server.controllers.settle();
    const ready = await get('gated');
    expect(condition(ready, 'Ready').status).to.equal('True');
    expect(ready.status.conditions.map((c: Json) => c.type)).to.deep.equal(['example.com/ready', 'PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
  });

  it('ends pods that do not restart with their exit codes: Succeeded or Failed', async () => {
    const failed = await create('fails', { restartPolicy: 'Never' }, { outcome: 'fail' });
    expect(failed.status.phase).to.equal('Failed');
    expect(failed.status.containerStatuses[0].state.terminated).to.deep.include({ exitCode: 3, reason: 'Error' });
    expect(condition(failed, 'Ready')).to.deep.include({ status: 'False', reason: 'PodFailed' });
    const finishing = await create('finishes', { restartPolicy: 'OnFailure' }, { outcome: 'finish' });
    expect(finishing.status.phase).to.equal('Running');
    await advance(cluster.server, clock, 2_000);
    const finished = await get('finishes');
    expect(finished.status.phase).to.equal('Succeeded');
    expect(finished.status.containerStatuses[0].state.terminated).to.deep.include({ exitCode: 0, reason: 'Completed' });
    expect(condition(finished, 'Ready')).to.deep.include({ status: 'False', reason: 'PodCompleted' });
    expect(condition(finished, 'Initialized')).to.deep.include({ status: 'True', reason: 'PodCompleted' });
  });

  it('restarts a failing container into CrashLoopBackOff with a doubling back-off', async () => {
    await create('crasher', {}, { crash: 'true' });
    await advance(cluster.server, clock, 1_000);
    let pod = await get('crasher');
    expect(pod.status.containerStatuses[0]).to.deep.include({ restartCount: 1, ready: true });
    expect(pod.status.containerStatuses[0].lastState.terminated).to.deep.include({ exitCode: 1, reason: 'Error' });
    await advance(cluster.server, clock, 1_000);
    pod = await get('crasher');
    expect(pod.status.phase).to.equal('Running');
    expect(pod.status.containerStatuses[0].state.waiting).to.deep.equal({
      reason: 'CrashLoopBackOff',
      message: `back-off 10s restarting failed container=app pod=crasher_default(${pod.metadata.uid})`,
    });
    expect(condition(pod, 'Ready').status).to.equal('False');
    await advance(cluster.server, clock, 10_000);
    expect((await get('crasher')).status.containerStatuses[0].restartCount).to.equal(2);
    await advance(cluster.server, clock, 1_000);
    expect((await get('crasher')).status.containerStatuses[0].state.waiting.message).to.match(/^back-off 20s restarting failed container=app/);
    expect((await events('crasher')).filter(([reason]: string[]) => reason === 'BackOff')[0]).to.deep.equal(['BackOff', `Back-off restarting failed container app in pod crasher_default(${pod.metadata.uid})`]);
    const { stdout } = await cluster.kubectl(['get', 'pod', 'crasher', '--no-headers']);
    expect(stdout.split(/\s+/).slice(0, 4)).to.deep.equal(['crasher', '0/1', 'CrashLoopBackOff', '2']);
  });

  it('finishes a graceful deletion when the containers have stopped: at once, after preStop, or at the grace period', async () => {
    await create('quick');
    await cluster.core.deleteNamespacedPod({ name: 'quick', namespace: 'default' });
    await cluster.server.controllers.settle();
    expect((await cluster.request('/api/v1/namespaces/default/pods/quick')).status).to.equal(404);

    await create('pre-stop', { containers: [{ name: 'app', image: 'nginx:1.27', lifecycle: { preStop: { sleep: { seconds: 5 } } } }] });
    await cluster.core.deleteNamespacedPod({ name: 'pre-stop', namespace: 'default' });
    await advance(cluster.server, clock, 4_000);
    expect((await get('pre-stop')).metadata.deletionTimestamp).to.be.a('string');
    expect((await events('pre-stop')).at(-1)).to.deep.equal(['Killing', 'Stopping container app']);
    await advance(cluster.server, clock, 1_000);
    expect((await cluster.request('/api/v1/namespaces/default/pods/pre-stop')).status).to.equal(404);

    await create('stubborn', { terminationGracePeriodSeconds: 10 }, { stubborn: 'true' });
    await cluster.core.deleteNamespacedPod({ name: 'stubborn', namespace: 'default' });
    await advance(cluster.server, clock, 9_000);
    expect((await get('stubborn')).metadata.deletionGracePeriodSeconds).to.equal(10);
    await advance(cluster.server, clock, 1_000);
    expect((await cluster.request('/api/v1/namespaces/default/pods/stubborn')).status).to.equal(404);
  });

  it('serves pods/log: plausible lines by default, lines a test sets, and the options kubectl logs sends', async () => {
    await create('logger', { containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] });
    const logs = async (...args: string[]) => cluster.kubectl(['logs', ...args]);
    expect((await logs('logger')).stdout).to.equal('kubemock: container "app" started from image nginx:1.27\nlistening on port 80/TCP\nready\n');
    cluster.server.world.setLogs('default', 'logger', ['one', 'two', 'three']);
    expect((await logs('logger')).stdout).to.equal('one\ntwo\nthree\n');
    expect((await logs('logger', '--tail=2')).stdout).to.equal('two\nthree\n');
    const stamped = (await logs('logger', '--timestamps', '--tail=1')).stdout;
    expect(stamped).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z three\n$/);
    expect((await cluster.request('/api/v1/namespaces/default/pods/logger/log?limitBytes=5')).body).to.equal('one\nt');
    const previous = await logs('logger', '--previous');
    expect(previous.stderr).to.include('previous terminated container "app" in pod "logger" not found');
    const wrong = await cluster.request('/api/v1/namespaces/default/pods/logger/log?container=nope');
    expect(wrong.status).to.equal(400);
    expect(wrong.json().message).to.equal('container nope is not valid for pod logger');
    const invalid = await cluster.request('/api/v1/namespaces/default/pods/logger/log?tailLines=-1');
    expect(invalid.status).to.equal(422);
    expect(invalid.json().message).to.equal('PodLogOptions "logger" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0');
    await create('two-containers', { containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'nginx' }] });
    expect((await logs('two-containers')).stdout).to.include('kubemock: container "a" started');
    const unnamed = await cluster.request('/api/v1/namespaces/default/pods/two-containers/log');
    expect(unnamed.json().message).to.equal('a container name must be specified for pod two-containers, choose one of: [a b]');
    const pulling = await cluster.request('/api/v1/namespaces/default/pods/bad-pull/log');
    expect([pulling.status, pulling.json().message]).to.deep.equal([400, 'container "app" in pod "bad-pull" is waiting to start: trying and failing to pull image']);
  });

  it('shows the previous run of a restarted container and follows the current one until it stops', async () => {
    const previous = await cluster.kubectl(['logs', 'crasher', '--previous']);
    expect(previous.stdout).to.equal('kubemock: container "app" started from image nginx:1.27\nready\n');
    await create('followed', { restartPolicy: 'Never' }, { outcome: 'finish' });
    const follow = cluster.kubectl(['logs', '-f', 'followed']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await advance(cluster.server, clock, 2_000);
    const { stdout, code } = await follow;
    expect(code).to.equal(0);
    expect(stdout).to.equal('kubemock: container "app" started from image nginx:1.27\nready\n');
  });

  it('completes the pods of a Job by default, as kwok does', async () => {
    // A suspended Job owns the pod, so no job controller makes pods of its own and the owner exists.
    const created = await cluster.request('/apis/batch/v1/namespaces/default/jobs', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'batch' }, spec: { suspend: true, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'app', image: 'busybox' }] } } } }),
    });
    expect(created.status).to.equal(201);
    const job = { apiVersion: 'batch/v1', kind: 'Job', name: 'batch', uid: created.json().metadata.uid, controller: true, blockOwnerDeletion: true };
    await cluster.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'job-pod', ownerReferences: [job] }, spec: { restartPolicy: 'Never', containers: [{ name: 'app', image: 'busybox' }] } } });
    await cluster.server.controllers.settle();
    const pod = await get('job-pod');
    expect(pod.status.phase).to.equal('Succeeded');
  });
});

describe('kubelet stages from the command line', () => {
  it('reads --kubelet-stages and refuses a bad file with one line', async () => {
    const { spawnSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const cli = fileURLToPath(new URL('../bundle/cli.js', import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), 'kubemock-stages-'));
    try {
      writeFileSync(join(dir, 'bad.yaml'), 'match: {image: "x"}\nexit: {code: 300}\n');
      const bad = spawnSync(process.execPath, [cli, '--port', '0', '--kubelet-stages', join(dir, 'bad.yaml')], { encoding: 'utf8' });
      expect(bad.status).to.equal(2);
      expect(bad.stderr).to.equal('kubemock: --kubelet-stages: stage 0: exit.code must be a whole number from 0 to 255\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
