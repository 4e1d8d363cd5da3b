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
