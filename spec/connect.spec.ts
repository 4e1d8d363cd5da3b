// kubectl exec, attach, cp, port-forward and logs, and client-node's Exec, against pods whose kubelet
// kubemock cannot reach: the errors they print are kube-apiserver 1.32.13's (with kubectl v1.32),
// seen with a node whose InternalIP is 127.0.0.1 and whose kubelet port is 1. The request-level
// answers are in the differential corpus (spec/differential/corpus/connect.yaml).

import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { Writable } from 'node:stream';
import { startCluster, type TestCluster } from './support/cluster.js';

const refused = 'dial tcp 127.0.0.1:1: connect: connection refused';

describe('connect subresources with real clients', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster();
    await cluster.core.createNode({
      body: {
        metadata: { name: 'unreachable' },
        status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: 1 } } },
      },
    });
    const pod = (name: string, spec: k8s.V1PodSpec) => cluster.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name }, spec } });
    await pod('placed', { nodeName: 'unreachable', containers: [{ name: 'app', image: 'busybox:1.36' }] });
    await pod('waiting', { schedulerName: 'nobody', containers: [{ name: 'app', image: 'busybox:1.36' }] });
    await cluster.server.controllers.settle();
  });
  after(() => cluster.stop());

  it('kubectl exec, attach and cp report the refused kubelet connection', async () => {
    const exec = await cluster.kubectl(['exec', 'placed', '--', 'ls']);
    expect(exec.code).to.equal(1);
    expect(exec.stderr).to.equal(`error: Internal error occurred: error sending request: Post "https://127.0.0.1:1/exec/default/placed/app?command=ls&error=1&output=1": ${refused}\n`);
    const interactive = await cluster.kubectl(['exec', '-i', 'placed', '--', 'cat'], '');
    expect(interactive.stderr).to.equal(`error: Internal error occurred: error sending request: Post "https://127.0.0.1:1/exec/default/placed/app?command=cat&error=1&input=1&output=1": ${refused}\n`);
    const attach = await cluster.kubectl(['attach', 'placed']);
    expect(attach.code).to.equal(1);
    expect(attach.stderr).to.include(`error: Internal error occurred: error sending request: Post "https://127.0.0.1:1/attach/default/placed/app?error=1&output=1": ${refused}\n`);
    const cp = await cluster.kubectl(['cp', 'placed:/etc/hosts', '/dev/null']);
    expect(cp.stderr).to.equal(
      `error: Internal error occurred: error sending request: Post "https://127.0.0.1:1/exec/default/placed/app?command=tar&command=cf&command=-&command=%2Fetc%2Fhosts&error=1&output=1": ${refused}\n`,
    );
  });

  it('kubectl exec to a pod no node runs is refused before any connection', async () => {
    const exec = await cluster.kubectl(['exec', 'waiting', '--', 'ls']);
    expect(exec.code).to.equal(1);
    expect(exec.stderr).to.equal('Error from server (BadRequest): pod waiting does not have a host assigned\n');
    const logs = await cluster.kubectl(['logs', 'waiting']);
    expect(logs).to.include({ code: 0, stdout: '', stderr: '' });
  });

  it('kubectl port-forward fails to upgrade the connection', async () => {
    const forward = await cluster.kubectl(['port-forward', 'placed', ':80']);
    expect(forward.code).to.equal(1);
    expect(forward.stderr).to.equal(`error: error upgrading connection: error dialing backend: ${refused}\n`);
  });

  it("client-node's Exec gets the failure as the Status on the error channel", async () => {
    const status = await new Promise<k8s.V1Status>((resolve, reject) => {
      const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
      new k8s.Exec(cluster.kubeconfig).exec('default', 'placed', 'app', ['ls', '-l'], sink, sink, null, false, resolve).catch(reject);
    });
    expect(status).to.deep.include({
      status: 'Failure',
      reason: 'InternalError',
      code: 500,
      message: `Internal error occurred: error sending request: Post "https://127.0.0.1:1/exec/default/placed/app?command=ls&command=-l&error=1&output=1": ${refused}`,
    });
  });
});
