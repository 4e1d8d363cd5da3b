// The default scheduler: binding, the Scheduled and FailedScheduling events, and kube-scheduler's own
// words for pods that fit nowhere. Messages were captured from kube-scheduler 1.32.13 on the
// reference cluster (two nodes of 32 cpu and 256Gi, as here).

import { expect } from 'chai';
import { hostname } from 'node:os';
import { ManualClock } from '../testkit/index.js';
import { startCluster, type TestCluster } from './support/cluster.js';
import { advance, wallClockStart } from './support/step.js';

type Json = Record<string, any>;

const twoNodes = [
  { name: 'node-a', labels: { 'topology.kubernetes.io/zone': 'zone-1' } },
  { name: 'node-b', labels: { 'topology.kubernetes.io/zone': 'zone-2' } },
];

describe('scheduler', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster({ nodes: twoNodes });
    await cluster.server.controllers.settle();
  });
  after(() => cluster.stop());

  const createPod = async (name: string, spec: Json = {}, metadata: Json = {}) => {
    await cluster.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name, ...metadata }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec } } as any });
    await cluster.server.controllers.settle();
    return (await cluster.request(`/api/v1/namespaces/default/pods/${name}`)).json();
  };
  const mergePatch = async (path: string, body: Json) => {
    const response = await cluster.request(path, { method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body: JSON.stringify(body) });
    expect(response.status, response.body).to.equal(200);
    await cluster.server.controllers.settle();
  };
  const scheduledCondition = (pod: Json) => pod.status.conditions.find((c: Json) => c.type === 'PodScheduled');
  const eventsFor = async (name: string, reason: string) =>
    (await cluster.request(`/api/v1/namespaces/default/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${name},reason=${reason}`)}`)).json().items;

  it('binds a pod and records Scheduled as an events.k8s.io event of default-scheduler', async () => {
    const pod = await createPod('placed');
    expect(['node-a', 'node-b']).to.include(pod.spec.nodeName);
    expect(scheduledCondition(pod)).to.include({ status: 'True' });
    const [event] = await eventsFor('placed', 'Scheduled');
    expect(event.metadata.name).to.match(/^placed\.[0-9a-f]{16}$/);
    expect(event).to.deep.include({
      reason: 'Scheduled',
      message: `Successfully assigned default/placed to ${pod.spec.nodeName}`,
      source: {},
      firstTimestamp: null,
      lastTimestamp: null,
      type: 'Normal',
      action: 'Binding',
      reportingComponent: 'default-scheduler',
      reportingInstance: `default-scheduler-${hostname()}`,
    });
    expect(event.eventTime).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(event.involvedObject).to.deep.equal({ kind: 'Pod', namespace: 'default', name: 'placed', uid: pod.metadata.uid, apiVersion: 'v1', resourceVersion: event.involvedObject.resourceVersion });
    expect(event.metadata.managedFields.map((m: Json) => [m.manager, m.apiVersion])).to.deep.equal([['kube-scheduler', 'events.k8s.io/v1']]);
    // The binding itself is not tracked as anybody's fields.
    expect(pod.metadata.managedFields.map((m: Json) => m.manager)).to.not.include('kube-scheduler');
  });

  it('words an unschedulable pod as kube-scheduler does, on the condition and in FailedScheduling', async () => {
    const cases: Array<[string, Json, string]> = [
      ['big', { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '100' } } }] }, '0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.'],
      ['picky', { nodeSelector: { disk: 'ssd' } }, "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."],
      [
        'both',
        { nodeSelector: { 'kubernetes.io/hostname': 'node-a' }, containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '100', memory: '1Ti' } } }] },
        "0/2 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.",
      ],
    ];
    for (const [name, spec, message] of cases) {
      const pod = await createPod(name, spec);
      expect(pod.spec.nodeName, name).to.equal(undefined);
      expect(pod.status.phase).to.equal('Pending');
      expect(pod.status.conditions).to.deep.equal([{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: scheduledCondition(pod).lastTransitionTime, reason: 'Unschedulable', message }]);
      expect(pod.metadata.managedFields.find((m: Json) => m.manager === 'kube-scheduler')).to.deep.include({ operation: 'Update', subresource: 'status' });
      const [event] = await eventsFor(name, 'FailedScheduling');
      expect(event).to.deep.include({ type: 'Warning', action: 'Scheduling', message, reportingComponent: 'default-scheduler', source: {} });
    }
  });

  it('tries again when a node that fits arrives', async () => {
    await createPod('waits-for-ssd', { nodeSelector: { disk: 'ssd' } });
    await cluster.core.createNode({ body: { metadata: { name: 'node-ssd', labels: { disk: 'ssd' } } } });
    try {
      // NodeAffinity's hint takes the new node as a reason to try again, once a second of backoff is over and the
      // backoff queue's next once-a-second flush lets the pod out.
      await cluster.server.controllers.settle(new Date(Date.now() + 2500));
      const pod = (await cluster.request('/api/v1/namespaces/default/pods/waits-for-ssd')).json();
      expect(pod.spec.nodeName).to.equal('node-ssd');
      // The kubelet fills in a node a client created, and runs the pod there.
      expect(pod.status.phase).to.equal('Running');
    } finally {
      await cluster.core.deleteNamespacedPod({ name: 'waits-for-ssd', namespace: 'default' });
      await cluster.server.controllers.settle();
      await cluster.core.deleteNode({ name: 'node-ssd' });
      await cluster.server.controllers.settle();
    }
  });

  it('keeps off tainted nodes unless tolerated, and leaves pods with a nodeName alone', async () => {
    await mergePatch('/api/v1/nodes/node-b', { spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] } });
    try {
      const pinned = { nodeSelector: { 'kubernetes.io/hostname': 'node-b' } };
      const refused = await createPod('untolerated', pinned);
      expect(scheduledCondition(refused).message).to.equal(
        "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
      );
      const tolerated = await createPod('tolerated', { ...pinned, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] });
      expect(tolerated.spec.nodeName).to.equal('node-b');
      const direct = await createPod('direct', { nodeName: 'node-b' });
      expect(direct.spec.nodeName).to.equal('node-b');
      expect(await eventsFor('direct', 'Scheduled')).to.deep.equal([]);
    } finally {
      await mergePatch('/api/v1/nodes/node-b', { spec: { taints: null } });
    }
  });

  it('honors required anti-affinity, host ports and the pod count', async () => {
    const antiAffinity = {
      affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'solo' } }, topologyKey: 'kubernetes.io/hostname' }] } },
    };
    const first = await createPod('solo-1', antiAffinity, { labels: { app: 'solo' } });
    const second = await createPod('solo-2', antiAffinity, { labels: { app: 'solo' } });
    expect([first.spec.nodeName, second.spec.nodeName].sort()).to.deep.equal(['node-a', 'node-b']);
    const third = await createPod('solo-3', antiAffinity, { labels: { app: 'solo' } });
    expect(scheduledCondition(third).message).to.equal(
      "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
    );
    const port = (name: string) => createPod(name, { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80, hostPort: 8080 }] }] });
    await port('port-1');
    await port('port-2');
    const blocked = await port('port-3');
    expect(scheduledCondition(blocked).message).to.equal(
      "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
    );
  });

  it('spreads pods over zones with a DoNotSchedule topology spread constraint', async () => {
    const spread = {
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } }],
    };
    const zones: string[] = [];
    for (let i = 0; i < 4; i++) zones.push((await createPod(`spread-${i}`, spread, { labels: { app: 'spread' } })).spec.nodeName);
    expect(zones.filter((z) => z === 'node-a')).to.have.length(2);
    expect(zones.filter((z) => z === 'node-b')).to.have.length(2);
  });

  // Captured from kube-apiserver and kube-scheduler 1.32.13: two pods labelled ver=1 on node-a, then two pods
  // labelled ver=2 that may only go to node-a and count node-b as a domain (nodeAffinityPolicy Ignore).
  it("narrows a spread constraint's selector by its matchLabelKeys, read from the incoming pod's labels", async () => {
    for (const name of ['mlk-old-1', 'mlk-old-2']) await createPod(name, { nodeName: 'node-a' }, { labels: { app: 'mlk', ver: '1' } });
    const constrained = (matchLabelKeys?: string[]) => ({
      nodeSelector: { 'kubernetes.io/hostname': 'node-a' },
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', nodeAffinityPolicy: 'Ignore', labelSelector: { matchLabels: { app: 'mlk' } }, ...(matchLabelKeys && { matchLabelKeys }) },
      ],
    });
    // Counting only ver=2 pods, node-a holds none: the skew stays at 1.
    const keyed = await createPod('mlk-keyed', constrained(['ver']), { labels: { app: 'mlk', ver: '2' } });
    expect(keyed.spec.nodeName).to.equal('node-a');
    expect(keyed.spec.topologySpreadConstraints[0].labelSelector, 'the stored constraint is not merged').to.deep.equal({ matchLabels: { app: 'mlk' } });
    const unkeyed = await createPod('mlk-unkeyed', constrained(), { labels: { app: 'mlk', ver: '2' } });
    expect(unkeyed.spec.nodeName).to.equal(undefined);
    expect(scheduledCondition(unkeyed).message).to.equal(
      "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) didn't match pod topology spread constraints. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.",
    );
  });

  it("merges pod affinity terms' matchLabelKeys and mismatchLabelKeys into their selectors when the pod is created", async () => {
    const term = (extra: Json) => ({ topologyKey: 'kubernetes.io/hostname', ...extra });
    const pod = await createPod(
      'mlk-affinity',
      {
        affinity: {
          podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ labelSelector: { matchLabels: { app: 'web' } }, matchLabelKeys: ['ver'], mismatchLabelKeys: ['missing'] })] },
          podAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term({ labelSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, mismatchLabelKeys: ['ver'] }) }],
          },
        },
      },
      { labels: { app: 'web', ver: '3' } },
    );
    expect(pod.spec.affinity).to.deep.equal({
      podAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            podAffinityTerm: {
              labelSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }, { key: 'ver', operator: 'NotIn', values: ['3'] }] },
              mismatchLabelKeys: ['ver'],
              topologyKey: 'kubernetes.io/hostname',
            },
            weight: 10,
          },
        ],
      },
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          {
            labelSelector: { matchExpressions: [{ key: 'ver', operator: 'In', values: ['3'] }], matchLabels: { app: 'web' } },
            matchLabelKeys: ['ver'],
            mismatchLabelKeys: ['missing'],
            topologyKey: 'kubernetes.io/hostname',
          },
        ],
      },
    });
    expect(pod.spec.nodeName, 'no other ver=3 pod keeps it away').to.be.a('string');
  });

  it('refuses label keys that are invalid, clash with the selector or have no selector, in kube-apiserver\'s words', async () => {
    const nameRule =
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    const body = {
      metadata: { name: 'mlk-bad', labels: { app: 'web', ver: '3' } },
      spec: {
        containers: [{ name: 'c', image: 'nginx' }],
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web', ver: '3' } }, matchLabelKeys: ['ver', 'bad key'], mismatchLabelKeys: ['ver'] },
              { topologyKey: 'kubernetes.io/hostname', matchLabelKeys: ['ver'] },
            ],
          },
        },
        topologySpreadConstraints: [
          { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, matchLabelKeys: ['app', '-x'] },
          { maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway', matchLabelKeys: ['ver'] },
        ],
      },
    };
    const response = await cluster.request('/api/v1/namespaces/default/pods', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status).to.equal(422);
    const term = 'spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution';
    // Both merged expressions on `ver` (In from matchLabelKeys, NotIn from mismatchLabelKeys) meet matchLabels' ver: two causes, one message.
    expect(response.json().details.causes).to.deep.equal([
      { reason: 'FieldValueInvalid', message: `Invalid value: "bad key": ${nameRule}`, field: `${term}[0].matchLabelKeys[1]` },
      { reason: 'FieldValueInvalid', message: 'Invalid value: "ver": exists in both matchLabelKeys and labelSelector', field: `${term}[0][0]` },
      { reason: 'FieldValueInvalid', message: 'Invalid value: "ver": exists in both matchLabelKeys and labelSelector', field: `${term}[0][0]` },
      { reason: 'FieldValueInvalid', message: 'Invalid value: "ver": exists in both matchLabelKeys and mismatchLabelKeys', field: `${term}[0].matchLabelKeys[0]` },
      { reason: 'FieldValueForbidden', message: 'Forbidden: must not be specified when labelSelector is not set', field: `${term}[1].matchLabelKeys` },
      { reason: 'FieldValueInvalid', message: 'Invalid value: "app": exists in both matchLabelKeys and labelSelector', field: 'spec.topologySpreadConstraints[0].matchLabelKeys[0]' },
      { reason: 'FieldValueInvalid', message: `Invalid value: "-x": ${nameRule}`, field: 'spec.topologySpreadConstraints[0].matchLabelKeys[1]' },
      { reason: 'FieldValueForbidden', message: 'Forbidden: must not be specified when labelSelector is not set', field: 'spec.topologySpreadConstraints[1].matchLabelKeys' },
    ]);
    expect(response.json().message).to.equal(
      `Pod "mlk-bad" is invalid: [${term}[0].matchLabelKeys[1]: Invalid value: "bad key": ${nameRule}, ${term}[0][0]: Invalid value: "ver": exists in both matchLabelKeys and labelSelector, ` +
        `${term}[0].matchLabelKeys[0]: Invalid value: "ver": exists in both matchLabelKeys and mismatchLabelKeys, ${term}[1].matchLabelKeys: Forbidden: must not be specified when labelSelector is not set, ` +
        `spec.topologySpreadConstraints[0].matchLabelKeys[0]: Invalid value: "app": exists in both matchLabelKeys and labelSelector, spec.topologySpreadConstraints[0].matchLabelKeys[1]: Invalid value: "-x": ${nameRule}, ` +
        'spec.topologySpreadConstraints[1].matchLabelKeys: Forbidden: must not be specified when labelSelector is not set]',
    );
  });
});

describe('scheduler on a manual clock', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  let start: number;
  before(async () => {
    clock = new ManualClock(wallClockStart());
    start = clock.now().getTime();
    cluster = await startCluster({ clock, nodes: twoNodes });
    await cluster.server.controllers.settle();
  });
  after(() => cluster.stop());

  it('leaves an unschedulable pod alone until something changes or five minutes pass', async () => {
    await cluster.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'nowhere' }, spec: { nodeSelector: { missing: 'label' }, containers: [{ name: 'c', image: 'nginx' }] } } });
    const failures = async () =>
      (await cluster.request(`/api/v1/namespaces/default/events?fieldSelector=${encodeURIComponent('involvedObject.name=nowhere,reason=FailedScheduling')}`)).json().items as Json[];
    // Its own PodScheduled write is no reason to try again, as kube-scheduler ignores status updates.
    await advance(cluster.server, clock, 60_000);
    expect((await failures()).length).to.equal(1);
    // Past five minutes, but podMaxInUnschedulablePodsDuration is enforced by a leftover flush every 30 s since the
    // scheduler started; this pod failed as it started, so the flush at 5:30 is the first to find it waiting longer.
    await advance(cluster.server, clock, 4 * 60_000 + 9_000);
    expect((await failures()).length).to.equal(1);
    await advance(cluster.server, clock, 21_000);
    // A new event, not a series: the pod it regards has changed (its PodScheduled write) since the first.
    expect((await failures()).map((e) => e.involvedObject.resourceVersion)).to.have.length(2).and.satisfy((versions: string[]) => versions[0] !== versions[1]);
  });

  it('counts later repeats of a series and writes them out every 30 minutes from the scheduler start', async () => {
    await cluster.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'stranded' }, spec: { nodeSelector: { missing: 'label' }, containers: [{ name: 'c', image: 'nginx' }] } } });
    const series = async () => {
      const items = (await cluster.request(`/api/v1/namespaces/default/events?fieldSelector=${encodeURIComponent('involvedObject.name=stranded,reason=FailedScheduling')}`)).json().items as Json[];
      return items.find((e) => e.series)?.series as Json | undefined;
    };
    // Tried about every 5.5 minutes: the second attempt's event becomes a series of 2 at the third, then only counts.
    const refreshes: number[] = [];
    for (const refresh of [30 * 60_000, 60 * 60_000]) {
      await advance(cluster.server, clock, start + refresh - 1 - clock.now().getTime());
      expect((await series())?.count).to.equal(refreshes.at(-1) ?? 2);
      await advance(cluster.server, clock, 1);
      const written = (await series())!;
      expect(written.count).to.be.greaterThan(refreshes.at(-1) ?? 2);
      expect(Date.parse(written.lastObservedTime)).to.be.within(start + refresh - 6 * 60_000, start + refresh);
      refreshes.push(written.count);
    }
  });
});
