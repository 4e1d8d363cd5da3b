import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { ManualClock } from '../../testkit/index.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { expectStatus } from '../support/status.js';
import { aligned } from '../support/tables.js';

const target = { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' };

describe('autoscaling/v1 and autoscaling/v2', () => {
  let cluster: TestCluster;
  let v2: k8s.AutoscalingV2Api;
  let v1: k8s.AutoscalingV1Api;
  before(async () => {
    cluster = await startCluster();
    v2 = cluster.kubeconfig.makeApiClient(k8s.AutoscalingV2Api);
    v1 = cluster.kubeconfig.makeApiClient(k8s.AutoscalingV1Api);
  });
  after(() => cluster.stop());


  it('serves one object in both versions, autoscaling/v2 preferred', async () => {
    const group = (await cluster.request('/apis/autoscaling')).json();
    expect(group.preferredVersion).to.deep.equal({ groupVersion: 'autoscaling/v2', version: 'v2' });
    expect(group.versions.map((v: { version: string }) => v.version)).to.deep.equal(['v2', 'v1']);

    const created = await v2.createNamespacedHorizontalPodAutoscaler({
      namespace: 'default',
      body: {
        metadata: { name: 'web' },
        spec: {
          scaleTargetRef: target,
          maxReplicas: 8,
          metrics: [
            { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 65 } } },
            { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '100' } } },
          ],
        },
      },
    });
    expect(created.spec?.minReplicas).to.equal(1);
    const old = await v1.readNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'default' });
    expect(old.spec?.targetCPUUtilizationPercentage).to.equal(65);
    expect(old.metadata?.annotations).to.deep.equal({
      'autoscaling.alpha.kubernetes.io/metrics': '[{"type":"Pods","pods":{"metricName":"qps","targetAverageValue":"100"}}]',
    });
    expect(old.metadata?.uid).to.equal(created.metadata?.uid);

    old.spec!.maxReplicas = 9;
    const replaced = await v1.replaceNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'default', body: old });
    expect(replaced.spec?.maxReplicas).to.equal(9);
    const again = await v2.readNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'default' });
    expect(again.spec?.maxReplicas).to.equal(9);
    expect(again.spec?.metrics?.map((m) => m.type), 'a v1 write keeps the metrics v1 cannot show').to.deep.equal(['Pods', 'Resource']);
    expect(again.metadata?.annotations, 'the round-trip annotations are not stored').to.equal(undefined);

    const listed = await v1.listHorizontalPodAutoscalerForAllNamespaces();
    expect(listed.items.map((h) => h.metadata?.name)).to.deep.equal(['web']);
    await v1.deleteNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'default' });
    await expectStatus(v2.readNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'default' }), 404, 'NotFound', 'horizontalpodautoscalers.autoscaling "web" not found');
  });

  it('writes status through /status and shows it in both versions', async () => {
    await v2.createNamespacedHorizontalPodAutoscaler({ namespace: 'default', body: { metadata: { name: 'status' }, spec: { scaleTargetRef: target, maxReplicas: 3 } } });
    const patched = await v2.patchNamespacedHorizontalPodAutoscalerStatus({
      name: 'status',
      namespace: 'default',
      body: [
        {
          op: 'replace',
          path: '/status',
          value: { currentReplicas: 2, desiredReplicas: 3, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 90, averageValue: '450m' } } }] },
        },
      ],
    });
    expect(patched.status?.currentReplicas).to.equal(2);
    const old = await v1.readNamespacedHorizontalPodAutoscalerStatus({ name: 'status', namespace: 'default' });
    expect(old.status).to.deep.equal({ currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 90 });
    await expectStatus(
      v2.createNamespacedHorizontalPodAutoscaler({ namespace: 'default', body: { metadata: { name: 'bad' }, spec: { scaleTargetRef: target, minReplicas: 4, maxReplicas: 2 } } }),
      422,
      'Invalid',
      'HorizontalPodAutoscaler.autoscaling "bad" is invalid: spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`',
    );
  });

  it('kubectl autoscale creates an autoscaling/v2 object kubectl describe can read', async () => {
    await cluster.kubectl(['create', 'deployment', 'web', '--image=nginx']);
    const made = await cluster.kubectl(['autoscale', 'deployment', 'web', '--max=5', '--cpu-percent=50']);
    expect(made.stdout, made.stderr).to.equal('horizontalpodautoscaler.autoscaling/web autoscaled\n');
    const described = await cluster.kubectl(['describe', 'hpa', 'web']);
    expect(described.stdout.replace(/CreationTimestamp: +.*\n/, '')).to.equal(
      [
        'Name:                                                  web',
        'Namespace:                                             default',
        'Labels:                                                <none>',
        'Annotations:                                           <none>',
        'Reference:                                             Deployment/web',
        'Metrics:                                               ( current / target )',
        '  resource cpu on pods  (as a percentage of request):  <unknown> / 50%',
        'Min replicas:                                          1',
        'Max replicas:                                          5',
        'Deployment pods:                                       0 current / 0 desired',
        'Events:                                                <none>',
        '',
      ].join('\n'),
    );
  });
});

describe('autoscaling printer columns', () => {
  let cluster: TestCluster;
  const ns = 'hpa-tables';

  before(async () => {
    const clock = new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000));
    cluster = await startCluster({ clock });
    const { objects, registry } = cluster.server.services;
    objects.create(registry.find('', 'v1', 'namespaces')!, '', { metadata: { name: ns } });
    const hpas = registry.find('autoscaling', 'v2', 'horizontalpodautoscalers')!;
    objects.create(hpas, ns, { metadata: { name: 'h1' }, spec: { scaleTargetRef: target, maxReplicas: 5 } });
    objects.create(hpas, ns, {
      metadata: { name: 'h2' },
      spec: {
        scaleTargetRef: target,
        minReplicas: 2,
        maxReplicas: 12,
        metrics: [
          { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
          { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1k' } } },
          { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '30' } } },
        ],
      },
    });
    const current = objects.get(hpas, ns, 'h2').object;
    objects.update(
      hpas,
      ns,
      'h2',
      {
        ...current,
        status: {
          currentReplicas: 3,
          desiredReplicas: 4,
          currentMetrics: [
            { type: 'Resource', resource: { name: 'memory', current: { averageValue: '250m' } } },
            { type: 'Pods', pods: { metric: { name: 'qps' }, current: { averageValue: '900' } } },
          ],
        },
      },
      { subresource: 'status' },
    );
    clock.advance(5_000);
  });
  after(() => cluster.stop());

  it('prints REFERENCE, TARGETS, MINPODS, MAXPODS and REPLICAS as kubectl get does against kube-apiserver 1.32.13, in both versions', async () => {
    const expected = aligned([
      ['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE'],
      ['h1', 'Deployment/web', 'cpu: <unknown>/80%', '1', '5', '0', '5s'],
      ['h2', 'Deployment/web', 'memory: 250m/500Mi, 900/1k + 1 more...', '2', '12', '3', '5s'],
    ]);
    for (const resource of ['hpa', 'horizontalpodautoscalers.v1.autoscaling']) {
      const { stdout, stderr } = await cluster.kubectl(['get', resource, '-n', ns]);
      expect(stdout, stderr).to.equal(expected);
      const wide = await cluster.kubectl(['get', resource, '-n', ns, '-o', 'wide']);
      expect(wide.stdout, wide.stderr).to.equal(expected);
    }
  });
});
