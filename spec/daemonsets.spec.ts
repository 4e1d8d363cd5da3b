// The DaemonSet controller on three nodes, driven by kubectl and compared with kube-controller-manager
// 1.32.13 running the same manifests: one pod per eligible node, revision names, rolling updates,
// node selectors and taints.

import { expect } from 'chai';
import { startCluster, type TestCluster } from './support/cluster.js';

type Json = Record<string, any>;

const agent = `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      tolerations: [{key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}]
      containers: [{name: agent, image: 'busybox:1.36'}]
`;

describe('DaemonSet controller', () => {
  let cluster: TestCluster;
  const settle = () => cluster.server.controllers.settle();
  const kubectl = (args: string[], input?: string) => cluster.kubectlOk(args, input);
  const json = (args: string[]): Promise<Json> => cluster.kubectlJson(args);
  const podsByNode = async (label = 'app=agent') =>
    Object.fromEntries(
      (await json(['get', 'pods', '-l', label])).items
        .filter((p: Json) => !p.metadata.deletionTimestamp)
        .map((p: Json) => [p.spec.nodeName, p])
        .sort(),
    );
  const scheduling = ['desiredNumberScheduled', 'currentNumberScheduled', 'numberMisscheduled', 'numberReady', 'numberAvailable', 'updatedNumberScheduled'];
  const counts = (status: Json) => scheduling.map((field) => status[field] ?? 0);

  before(async () => {
    cluster = await startCluster({ nodes: 3 });
  });
  after(() => cluster.stop());

  it('run one pod on every node, pinned to it and tolerating what a daemon must', async () => {
    await kubectl(['apply', '-f', '-'], agent);
    const rollout = await kubectl(['rollout', 'status', 'ds/agent', '--timeout=20s']);
    expect(rollout).to.contain('daemon set "agent" successfully rolled out');
    await settle();
    const ds = await json(['get', 'ds', 'agent']);
    expect(ds.metadata.annotations['deprecated.daemonset.template.generation']).to.equal('1');
    // As kube-controller-manager 1.32.13 reported it with three nodes.
    expect(ds.status).to.deep.equal({
      currentNumberScheduled: 3,
      numberMisscheduled: 0,
      desiredNumberScheduled: 3,
      numberReady: 3,
      observedGeneration: 1,
      updatedNumberScheduled: 3,
      numberAvailable: 3,
    });
    const pods = await podsByNode();
    expect(Object.keys(pods)).to.deep.equal(['kubemock-node-0', 'kubemock-node-1', 'kubemock-node-2']);
    const pod = pods['kubemock-node-1'];
    expect(pod.metadata.labels).to.deep.equal({ app: 'agent', 'controller-revision-hash': '7f797f57b', 'pod-template-generation': '1' });
    expect(pod.metadata.ownerReferences).to.deep.equal([{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: ds.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(pod.spec.affinity).to.deep.equal({
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['kubemock-node-1'] }] }] } },
    });
    expect(pod.spec.tolerations.map((t: Json) => `${t.key}:${t.effect}`)).to.deep.equal([
      'node-role.kubernetes.io/control-plane:NoSchedule',
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/memory-pressure:NoSchedule',
      'node.kubernetes.io/pid-pressure:NoSchedule',
      'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
    const [revision, ...others] = (await json(['get', 'controllerrevisions'])).items;
    expect(others).to.deep.equal([]);
    expect([revision.metadata.name, revision.revision, revision.metadata.labels]).to.deep.equal(['agent-7f797f57b', 1, { app: 'agent', 'controller-revision-hash': '7f797f57b' }]);
  });

  it('roll a new template out one node at a time within maxUnavailable', async () => {
    const events: string[] = [];
    const stop = cluster.server.services.store.subscribe((event) => {
      if (event.resource !== 'pods' || !event.object.name.startsWith('agent-')) return;
      if (event.type === 'ADDED') events.push('create');
      if (event.type === 'MODIFIED' && event.object.object.metadata.deletionTimestamp && !event.previous?.object.metadata.deletionTimestamp) events.push('delete');
    });
    await kubectl(['set', 'image', 'ds/agent', 'agent=busybox:1.37']);
    await kubectl(['rollout', 'status', 'ds/agent', '--timeout=20s']);
    await settle();
    stop();
    expect(events).to.deep.equal(['delete', 'create', 'delete', 'create', 'delete', 'create']);
    const ds = await json(['get', 'ds', 'agent']);
    expect([ds.metadata.generation, ds.metadata.annotations['deprecated.daemonset.template.generation']]).to.deep.equal([2, '2']);
    const revisions = (await json(['get', 'controllerrevisions'])).items.map((r: Json) => [r.metadata.name, r.revision]);
    expect(revisions).to.deep.equal([
      ['agent-785c744bd5', 2],
      ['agent-7f797f57b', 1],
    ]);
    expect(Object.values(await podsByNode()).map((p: any) => p.metadata.labels['controller-revision-hash'])).to.deep.equal(['785c744bd5', '785c744bd5', '785c744bd5']);
    const history = await kubectl(['rollout', 'history', 'ds/agent']);
    expect(history.split('\n').slice(1, 4).map((l) => l.trim().split(/\s+/)[0])).to.deep.equal(['REVISION', '1', '2']);
  });

  it('keep a pod on a node tainted NoSchedule, and remove it from a node tainted NoExecute', async () => {
    await kubectl(['taint', 'node', 'kubemock-node-2', 'dedicated=x:NoSchedule']);
    await settle();
    let ds = await json(['get', 'ds', 'agent']);
    expect(Object.keys(await podsByNode())).to.have.length(3);
    expect(counts(ds.status)).to.deep.equal([2, 2, 1, 2, 2, 2]);
    await kubectl(['taint', 'node', 'kubemock-node-2', 'dedicated=x:NoExecute']);
    await settle();
    ds = await json(['get', 'ds', 'agent']);
    expect(Object.keys(await podsByNode())).to.deep.equal(['kubemock-node-0', 'kubemock-node-1']);
    expect(counts(ds.status)).to.deep.equal([2, 2, 0, 2, 2, 2]);
    await kubectl(['taint', 'node', 'kubemock-node-2', 'dedicated-']);
    await settle();
    expect(Object.keys(await podsByNode())).to.have.length(3);
  });

  it('follow the node selector as node labels change, and new nodes as they join', async () => {
    await kubectl(['patch', 'ds', 'agent', '-p', '{"spec":{"template":{"spec":{"nodeSelector":{"tier":"edge"}}}}}']);
    await settle();
    expect(await podsByNode()).to.deep.equal({});
    await kubectl(['label', 'node', 'kubemock-node-0', 'tier=edge']);
    await settle();
    expect(Object.keys(await podsByNode())).to.deep.equal(['kubemock-node-0']);
    await kubectl(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'edge-1', labels: { tier: 'edge' } } }));
    await settle();
    expect(Object.keys(await podsByNode())).to.deep.equal(['edge-1', 'kubemock-node-0']);
    expect(counts((await json(['get', 'ds', 'agent'])).status)).to.deep.equal([2, 2, 0, 2, 2, 2]);
  });

  it('surge a new pod before the old one goes when maxSurge is set', async () => {
    await kubectl(['patch', 'ds', 'agent', '-p', '{"spec":{"updateStrategy":{"rollingUpdate":{"maxSurge":1,"maxUnavailable":0}}}}']);
    const order: string[] = [];
    const stop = cluster.server.services.store.subscribe((event) => {
      if (event.resource !== 'pods' || !event.object.name.startsWith('agent-')) return;
      if (event.type === 'ADDED') order.push('create');
      if (event.type === 'MODIFIED' && event.object.object.metadata.deletionTimestamp && !event.previous?.object.metadata.deletionTimestamp) order.push('delete');
    });
    await kubectl(['set', 'image', 'ds/agent', 'agent=busybox:1.38']);
    await kubectl(['rollout', 'status', 'ds/agent', '--timeout=20s']);
    await settle();
    stop();
    expect(order).to.deep.equal(['create', 'delete', 'create', 'delete']);
  });
});
