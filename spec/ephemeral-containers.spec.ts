// pods/ephemeralcontainers with kubectl debug and client-node; the request-level answers are in the
// differential corpus (spec/differential/corpus/ephemeral-containers.yaml). kubectl's output is
// kubectl v1.32's against kube-apiserver 1.32.13.

import { expect } from 'chai';
import { startCluster, type TestCluster } from './support/cluster.js';

describe('pods/ephemeralcontainers with real clients', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster();
    await cluster.server.controllers.settle();
    await cluster.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'web' }, spec: { schedulerName: 'nobody', containers: [{ name: 'app', image: 'nginx:1.27' }] } } });
  });
  after(() => cluster.stop());

  it('kubectl debug adds a container that targets the app, defaulted as containers are', async () => {
    const debug = await cluster.kubectl(['debug', 'web', '--image=busybox:1.36', '--target=app', '-c', 'debugger', '--profile=general']);
    expect(debug.code, debug.stderr).to.equal(0);
    expect(debug.stdout).to.include('Targeting container "app".');
    const pod = await cluster.core.readNamespacedPodEphemeralcontainers({ namespace: 'default', name: 'web' });
    expect(pod.kind).to.equal('Pod');
    expect(pod.spec?.ephemeralContainers?.map((c) => ({ ...c }))).to.deep.equal([
      {
        name: 'debugger',
        image: 'busybox:1.36',
        imagePullPolicy: 'IfNotPresent',
        resources: {},
        // kubectl's general profile lets the debugger trace the app's processes.
        securityContext: { capabilities: { add: ['SYS_PTRACE'] } },
        targetContainerName: 'app',
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
      },
    ]);
  });

  it('kubectl debug names the missing target', async () => {
    const debug = await cluster.kubectl(['debug', 'web', '--image=busybox:1.36', '--target=nope', '-c', 'other', '--profile=general']);
    expect(debug.code).to.equal(1);
    expect(debug.stderr).to.include('The Pod "web" is invalid: spec.ephemeralContainers[1].targetContainerName: Not found: "nope"');
  });

  it("client-node's replace adds a container and refuses to change an existing one", async () => {
    const pod = await cluster.core.readNamespacedPodEphemeralcontainers({ namespace: 'default', name: 'web' });
    pod.spec!.ephemeralContainers!.push({ name: 'shell', image: 'busybox:1.36', stdin: true, tty: true });
    const added = await cluster.core.replaceNamespacedPodEphemeralcontainers({ namespace: 'default', name: 'web', body: pod });
    expect(added.spec?.ephemeralContainers?.map((c) => c.name)).to.deep.equal(['debugger', 'shell']);
    added.spec!.ephemeralContainers![0].image = 'busybox:1.37';
    const refused = await cluster.core.replaceNamespacedPodEphemeralcontainers({ namespace: 'default', name: 'web', body: added }).then(
      () => undefined,
      (err: { code: number; body: string }) => err,
    );
    expect(refused?.code).to.equal(422);
    expect(JSON.parse(refused!.body).message).to.match(/^Pod "web" is invalid: spec\.ephemeralContainers: Forbidden: existing ephemeral containers "debugger" may not be changed\n/);
  });
});

describe('ephemeral containers on the kubelet', () => {
  type Json = Record<string, any>;
  let cluster: TestCluster;
  before(async () => {
    // A debugger image that exits at once, as a command without a shell would.
    cluster = await startCluster({ kubeletStages: [{ name: 'one-shot', match: { image: 'one-shot:*' }, exit: { afterMs: 0, code: 2 } }] });
    await cluster.server.controllers.settle();
    await cluster.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'app' }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } });
    await cluster.server.controllers.settle();
  });
  after(() => cluster.stop());

  const pod = async (): Promise<Json> => (await cluster.request('/api/v1/namespaces/default/pods/app')).json();
  const condition = (p: Json, type: string) => p.status.conditions.find((c: Json) => c.type === type);

  it('run a container kubectl debug adds, leaving the pod Running and Ready', async () => {
    const before = await pod();
    const debug = await cluster.kubectl(['debug', 'app', '--image=busybox:1.36', '--target=web', '-c', 'debugger', '--profile=general']);
    expect(debug.code, debug.stderr).to.equal(0);
    await cluster.server.controllers.settle();
    const after = await pod();
    expect(after.status.phase).to.equal('Running');
    expect(condition(after, 'Ready')).to.deep.equal(condition(before, 'Ready'));
    expect(after.status.containerStatuses.map((c: Json) => c.name)).to.deep.equal(['web']);
    const [status] = after.status.ephemeralContainerStatuses;
    expect(status.containerID).to.match(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(status.imageID).to.match(/^docker\.io\/library\/busybox@sha256:[0-9a-f]{64}$/);
    // A real kubelet reports no started field for ephemeral containers, and never ready.
    expect({ ...status, containerID: '', imageID: '' }).to.deep.equal({
      name: 'debugger',
      state: { running: { startedAt: status.state.running.startedAt } },
      lastState: {},
      ready: false,
      restartCount: 0,
      image: 'docker.io/library/busybox:1.36',
      imageID: '',
      containerID: '',
    });
    expect(Date.parse(status.state.running.startedAt)).to.be.at.least(Date.parse(after.metadata.creationTimestamp));

    const events = (await (await cluster.request('/api/v1/namespaces/default/events?fieldSelector=involvedObject.fieldPath=spec.ephemeralContainers{debugger}')).json()).items as Json[];
    expect(events.map((e) => e.reason)).to.deep.equal(['Pulling', 'Pulled', 'Created', 'Started']);
    expect(events.map((e) => e.source)).to.deep.include({ component: 'kubelet', host: after.spec.nodeName });

    const logs = await cluster.kubectl(['logs', 'app', '-c', 'debugger']);
    expect(logs.code, logs.stderr).to.equal(0);
    expect(logs.stdout).to.include('busybox:1.36');
  });

  it('leave an ephemeral container that exits terminated, not restarted, and list statuses by name', async () => {
    const current = await cluster.core.readNamespacedPodEphemeralcontainers({ namespace: 'default', name: 'app' });
    current.spec!.ephemeralContainers!.push({ name: 'check', image: 'one-shot:1' });
    await cluster.core.replaceNamespacedPodEphemeralcontainers({ namespace: 'default', name: 'app', body: current });
    await cluster.server.controllers.settle();
    const after = await pod();
    expect(after.status.phase).to.equal('Running');
    expect(condition(after, 'Ready').status).to.equal('True');
    const statuses = after.status.ephemeralContainerStatuses as Json[];
    expect(statuses.map((c) => c.name)).to.deep.equal(['check', 'debugger']);
    expect(statuses[0].restartCount).to.equal(0);
    expect(statuses[0].state.terminated).to.deep.include({ exitCode: 2, reason: 'Error', containerID: statuses[0].containerID });
    expect(statuses[0].lastState).to.deep.equal({});
    expect(statuses[1].state).to.have.property('running');
  });
});
