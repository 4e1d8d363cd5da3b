// Nodes as their kubelets register and renew them, and the node lifecycle when a kubelet goes quiet:
// Unknown conditions after the 50 s grace period, the unreachable taints, pods marked not ready and
// evicted after their toleration seconds. Texts as kube-controller-manager 1.32.13 writes them
// (captured on the reference cluster with its kwok heartbeats stopped).

import { expect } from 'chai';
import { ManualClock } from '../testkit/index.js';
import { startCluster, type TestCluster } from './support/cluster.js';
import { advance, wallClockStart } from './support/step.js';

type Json = Record<string, any>;

describe('nodes', () => {
  describe('as kubelets register them', () => {
    let cluster: TestCluster;
    let clock: ManualClock;
    before(async () => {
      clock = new ManualClock(wallClockStart());
      cluster = await startCluster({ clock, nodes: 3 });
      await cluster.server.controllers.settle();
    });
    after(() => cluster.stop());

    const get = async (path: string) => (await cluster.request(path)).json();

    it('are Ready, with capacity, addresses, node info and a pod CIDR', async () => {
      const list = await get('/api/v1/nodes');
      expect(list.items.map((n: Json) => n.metadata.name)).to.deep.equal(['kubemock-node-0', 'kubemock-node-1', 'kubemock-node-2']);
      const node = list.items[1];
      expect(node.metadata.labels).to.deep.equal({
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': 'kubemock-node-1',
        'kubernetes.io/os': 'linux',
      });
      expect(node.metadata.annotations).to.deep.equal({ 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' });
      expect(node.spec).to.deep.equal({ podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] });
      expect(node.status.capacity).to.deep.equal({ cpu: '32', 'ephemeral-storage': '100Gi', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '256Gi', pods: '110' });
      expect(node.status.allocatable).to.deep.equal(node.status.capacity);
      expect(node.status.addresses).to.deep.equal([
        { type: 'InternalIP', address: '172.18.0.3' },
        { type: 'Hostname', address: 'kubemock-node-1' },
      ]);
      expect(node.status.daemonEndpoints).to.deep.equal({ kubeletEndpoint: { Port: 10250 } });
      expect(node.status.nodeInfo).to.include({ kubeletVersion: 'v1.32.13', kubeProxyVersion: 'v1.32.13', operatingSystem: 'linux', architecture: 'amd64' });
      const conditions = node.status.conditions.map((c: Json) => [c.type, c.status, c.reason, c.message]);
      expect(conditions).to.deep.equal([
        ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
        ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
        ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
        ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
      ]);
      const managers = node.metadata.managedFields.map((m: Json) => [m.manager, m.subresource ?? '']);
      expect(managers).to.deep.include.members([['kubelet', ''], ['kube-controller-manager', '']]);
      const { stdout } = await cluster.kubectl(['get', 'nodes', '--no-headers']);
      expect(stdout.split('\n').filter(Boolean).map((line) => line.split(/\s+/).filter((_, i) => i !== 3))).to.deep.equal([
        ['kubemock-node-0', 'Ready', '<none>', 'v1.32.13'],
        ['kubemock-node-1', 'Ready', '<none>', 'v1.32.13'],
        ['kubemock-node-2', 'Ready', '<none>', 'v1.32.13'],
      ]);
    });

    it('hold a Lease in kube-node-lease renewed every 10 s of the clock', async () => {
      const lease = await get('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/kubemock-node-0');
      const node = await get('/api/v1/nodes/kubemock-node-0');
      expect(lease.spec).to.deep.equal({ holderIdentity: 'kubemock-node-0', leaseDurationSeconds: 40, renewTime: lease.spec.renewTime });
      expect(lease.spec.renewTime).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(lease.metadata.ownerReferences).to.deep.equal([{ apiVersion: 'v1', kind: 'Node', name: 'kubemock-node-0', uid: node.metadata.uid }]);
      expect(lease.metadata.managedFields.map((m: Json) => m.manager)).to.deep.equal(['kubelet']);
      const before = Date.parse(lease.spec.renewTime);
      await advance(cluster.server, clock, 9_000);
      expect((await get('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/kubemock-node-0')).spec.renewTime).to.equal(lease.spec.renewTime);
      await advance(cluster.server, clock, 1_000);
      const renewed = await get('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/kubemock-node-0');
      expect(Date.parse(renewed.spec.renewTime) - before).to.equal(10_000);
    });

    it('renew a Lease without changing the version the renewal replaces', async () => {
      const store = cluster.server.services.store;
      const key = 'kube-node-lease/kubemock-node-1';
      const replaced = store.get('coordination.k8s.io/leases', key)!;
      // Its object as read now: the renewal hands the stored parts over rather than copying them.
      const asStored = JSON.stringify(replaced.object);
      await advance(cluster.server, clock, 10_000);
      const renewed = store.get('coordination.k8s.io/leases', key)!;
      expect(renewed.resourceVersion).to.be.above(replaced.resourceVersion);
      expect(JSON.stringify(replaced.object)).to.equal(asStored);
      expect(JSON.parse(replaced.json)).to.deep.equal(JSON.parse(asStored));
      expect(renewed.object.metadata.ownerReferences).to.deep.equal(replaced.object.metadata.ownerReferences);
      expect(Date.parse((renewed.object.spec as Json).renewTime) - Date.parse((replaced.object.spec as Json).renewTime)).to.equal(10_000);
    });

    it('take in a node a client creates: status, lease and pods', async () => {
      await cluster.core.createNode({ body: { metadata: { name: 'extra', labels: { role: 'extra' } }, status: { capacity: { cpu: '4', memory: '8Gi', pods: '20' } } } });
      await cluster.server.controllers.settle();
      const node = await get('/api/v1/nodes/extra');
      expect(node.status.capacity).to.deep.equal({ cpu: '4', memory: '8Gi', pods: '20' });
      expect(node.status.conditions.find((c: Json) => c.type === 'Ready')).to.include({ status: 'True', reason: 'KubeletReady' });
      expect(node.spec.podCIDR).to.equal('10.244.3.0/24');
      expect((await cluster.request('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/extra')).status).to.equal(200);
      await cluster.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'on-extra' }, spec: { nodeSelector: { role: 'extra' }, containers: [{ name: 'c', image: 'nginx' }] } } });
      await cluster.server.controllers.settle();
      const pod = await get('/api/v1/namespaces/default/pods/on-extra');
      expect(pod.spec.nodeName).to.equal('extra');
      expect(pod.status.phase).to.equal('Running');
      expect(pod.status.podIP).to.match(/^10\.244\.3\.\d+$/);
      expect(pod.status.hostIP).to.equal(node.status.addresses[0].address);
    });
  });

  describe('when a kubelet stops its heartbeat', () => {
    let cluster: TestCluster;
    let clock: ManualClock;
    before(async () => {
      clock = new ManualClock(wallClockStart());
      cluster = await startCluster({ clock, nodes: 3 });
      await cluster.server.controllers.settle();
    });
    after(() => cluster.stop());

    const get = async (path: string) => (await cluster.request(path)).json();
    const pod = async (name: string, tolerationSeconds?: number) => {
      const tolerations = tolerationSeconds === undefined ? [] : [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', ...(tolerationSeconds >= 0 ? { tolerationSeconds } : {}) }];
      await cluster.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name }, spec: { nodeName: 'kubemock-node-1', tolerations, containers: [{ name: 'c', image: 'nginx' }] } } });
    };

    it('turns the node Unknown after 50 s, taints it, marks its pods not ready and evicts them on time', async () => {
      await pod('default-toleration');
      await pod('twenty-seconds', 20);
      await pod('forever', -1);
      await cluster.server.controllers.settle();
      cluster.server.world.stopHeartbeat('kubemock-node-1');
      const stoppedAt = clock.now().getTime();

      await advance(cluster.server, clock, 49_000);
      expect((await get('/api/v1/nodes/kubemock-node-1')).status.conditions.find((c: Json) => c.type === 'Ready').status).to.equal('True');
      await advance(cluster.server, clock, 2_000);
      const node = await get('/api/v1/nodes/kubemock-node-1');
      const unknown = node.status.conditions.filter((c: Json) => ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].includes(c.type));
      for (const c of unknown) expect(c).to.include({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
      expect(node.spec.taints.map((t: Json) => [t.key, t.effect])).to.deep.equal([
        ['node.kubernetes.io/unreachable', 'NoSchedule'],
        ['node.kubernetes.io/unreachable', 'NoExecute'],
      ]);
      for (const t of node.spec.taints) expect(t.timeAdded).to.match(/Z$/);
      const nodeEvents = (await get('/api/v1/namespaces/default/events?fieldSelector=involvedObject.kind=Node,reason=NodeNotReady')).items;
      expect(nodeEvents.map((e: Json) => [e.message, e.type, e.source.component, e.reportingInstance])).to.deep.equal([['Node kubemock-node-1 status is now: NodeNotReady', 'Normal', 'node-controller', '']]);
      const victim = await get('/api/v1/namespaces/default/pods/default-toleration');
      expect(victim.status.conditions.find((c: Json) => c.type === 'Ready').status).to.equal('False');
      expect(victim.status.conditions.find((c: Json) => c.type === 'ContainersReady').status).to.equal('True');
      const podEvents = (await get('/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=default-toleration,reason=NodeNotReady')).items;
      expect(podEvents.map((e: Json) => [e.type, e.message])).to.deep.equal([['Warning', 'Node is not ready']]);

      // The NoExecute taint went on at about 50 s; a 20 s toleration runs out at about 70 s.
      const taintedAt = Date.parse(node.spec.taints[1].timeAdded);
      await advance(cluster.server, clock, taintedAt + 19_000 - clock.now().getTime());
      expect((await get('/api/v1/namespaces/default/pods/twenty-seconds')).metadata.deletionTimestamp).to.equal(undefined);
      await advance(cluster.server, clock, 1_000);
      const evicted = await get('/api/v1/namespaces/default/pods/twenty-seconds');
      expect(evicted.metadata.deletionTimestamp, 'marked for deletion; its kubelet is gone, so it stays Terminating').to.be.a('string');
      expect(evicted.status.conditions.find((c: Json) => c.type === 'DisruptionTarget')).to.deep.include({
        status: 'True',
        reason: 'DeletionByTaintManager',
        message: 'Taint manager: deleting due to NoExecute taint',
      });
      const eviction = (await get('/api/v1/namespaces/default/events?fieldSelector=reason=TaintManagerEviction')).items;
      expect(eviction.map((e: Json) => [e.message, e.source.component, e.involvedObject])).to.deep.equal([
        ['Marking for deletion Pod default/twenty-seconds', 'taint-eviction-controller', { kind: 'Pod', namespace: 'default', name: 'twenty-seconds', apiVersion: 'v1' }],
      ]);

      // The default 300 s toleration admission adds.
      await advance(cluster.server, clock, taintedAt + 300_000 - clock.now().getTime());
      expect((await get('/api/v1/namespaces/default/pods/default-toleration')).metadata.deletionTimestamp).to.be.a('string');
      expect((await get('/api/v1/namespaces/default/pods/forever')).metadata.deletionTimestamp).to.equal(undefined);
      expect(clock.now().getTime() - stoppedAt).to.be.below(360_000);
    });

    it('comes back Ready without its taints when the heartbeat resumes, and its kubelet finishes the evictions', async () => {
      cluster.server.world.resumeHeartbeat('kubemock-node-1');
      await advance(cluster.server, clock, 1_000);
      const node = await get('/api/v1/nodes/kubemock-node-1');
      expect(node.status.conditions.find((c: Json) => c.type === 'Ready')).to.include({ status: 'True', reason: 'KubeletReady' });
      expect(node.spec.taints).to.equal(undefined);
      expect((await cluster.request('/api/v1/namespaces/default/pods/twenty-seconds')).status).to.equal(404);
      const forever = await get('/api/v1/namespaces/default/pods/forever');
      expect(forever.status.conditions.find((c: Json) => c.type === 'Ready').status).to.equal('True');
    });
  });

  describe('pods whose node is gone', () => {
    it('are failed and force-deleted by the pod garbage collector after the 40 s quarantine', async () => {
      const clock = new ManualClock(wallClockStart());
      const cluster = await startCluster({ clock });
      try {
        const seen: Json[] = [];
        cluster.server.services.store.subscribe((event) => {
          if (event.resource === 'pods' && event.object.name === 'stranded') seen.push(event.object.object);
        });
        await cluster.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'stranded' }, spec: { nodeName: 'vanished', containers: [{ name: 'c', image: 'nginx' }] } } });
        await advance(cluster.server, clock, 39_000);
        expect((await cluster.request('/api/v1/namespaces/default/pods/stranded')).status).to.equal(200);
        await advance(cluster.server, clock, 1_000);
        expect((await cluster.request('/api/v1/namespaces/default/pods/stranded')).status).to.equal(404);
        const failed = seen.find((p) => p.status?.phase === 'Failed')!;
        expect(failed.status.conditions.find((c: Json) => c.type === 'DisruptionTarget')).to.deep.include({ status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' });
      } finally {
        await cluster.stop();
      }
    });
    it('fails an unscheduled pod held by a finalizer once deleted, and force-deletes it', async () => {
      const cluster = await startCluster({ clock: new ManualClock(wallClockStart()) });
      try {
        const path = '/api/v1/namespaces/default/pods/held';
        await cluster.core.createNamespacedPod({
          namespace: 'default',
          body: { metadata: { name: 'held', finalizers: ['example.com/hold'] }, spec: { nodeSelector: { nowhere: 'true' }, containers: [{ name: 'c', image: 'nginx' }] } },
        });
        await cluster.server.controllers.settle();
        expect((await (await cluster.request(path)).json()).status.phase).to.equal('Pending');
        await cluster.request(path, { method: 'DELETE' });
        await cluster.server.controllers.settle();
        const held = await (await cluster.request(path)).json();
        expect(held.status.phase).to.equal('Failed');
        expect(held.metadata.deletionGracePeriodSeconds).to.equal(0);
        await cluster.request(path, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ metadata: { finalizers: null } }) });
        await cluster.server.controllers.settle();
        expect((await cluster.request(path)).status).to.equal(404);
      } finally {
        await cluster.stop();
      }
    });

    it('force-deletes pods terminating on a not-ready node tainted out-of-service', async () => {
      const clock = new ManualClock(wallClockStart());
      const cluster = await startCluster({ clock, nodes: 2 });
      try {
        await cluster.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'stuck' }, spec: { nodeName: 'kubemock-node-1', containers: [{ name: 'c', image: 'nginx' }] } } });
        await cluster.server.controllers.settle();
        cluster.server.world.stopHeartbeat('kubemock-node-1');
        await advance(cluster.server, clock, 60_000);
        await cluster.request('/api/v1/namespaces/default/pods/stuck', { method: 'DELETE' });
        await advance(cluster.server, clock, 60_000);
        const stuck = await (await cluster.request('/api/v1/namespaces/default/pods/stuck')).json();
        expect(stuck.metadata.deletionTimestamp, 'its kubelet is gone, so it stays Terminating').to.be.a('string');
        const taint = { key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' };
        const node = await (await cluster.request('/api/v1/nodes/kubemock-node-1')).json();
        await cluster.request('/api/v1/nodes/kubemock-node-1', {
          method: 'PATCH',
          headers: { 'content-type': 'application/merge-patch+json' },
          body: JSON.stringify({ spec: { taints: [...node.spec.taints, taint] } }),
        });
        await cluster.server.controllers.settle();
        expect((await cluster.request('/api/v1/namespaces/default/pods/stuck')).status).to.equal(404);
      } finally {
        await cluster.stop();
      }
    });
  });

  describe('when every node is down', () => {
    it('keeps pods where they are, as the node controller does in full disruption', async () => {
      const clock = new ManualClock(wallClockStart());
      const cluster = await startCluster({ clock });
      try {
        await cluster.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'stays' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } });
        await cluster.server.controllers.settle();
        cluster.server.world.stopHeartbeat('kubemock-node-0');
        await advance(cluster.server, clock, 400_000);
        const node = (await cluster.request('/api/v1/nodes/kubemock-node-0')).json();
        expect(node.status.conditions.find((c: Json) => c.type === 'Ready').status).to.equal('Unknown');
        expect(node.spec.taints.map((t: Json) => [t.key, t.effect])).to.deep.equal([['node.kubernetes.io/unreachable', 'NoSchedule']]);
        expect((await cluster.request('/api/v1/namespaces/default/pods/stays')).json().metadata.deletionTimestamp).to.equal(undefined);
      } finally {
        await cluster.stop();
      }
    });
  });
});
