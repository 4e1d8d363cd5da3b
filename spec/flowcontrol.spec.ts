// flowcontrol.apiserver.k8s.io/v1 through client-node's FlowcontrolApiserverV1Api and kubectl. Stored
// objects, messages and kubectl output were captured from kube-apiserver 1.32.13 on the same requests.

import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { ManualClock } from '../testkit/index.js';
import { startCluster, type TestCluster } from './support/cluster.js';
import { expectStatus } from './support/status.js';
import { advance, wallClockStart } from './support/step.js';

type Json = Record<string, any>;

const objectsYaml = `apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: PriorityLevelConfiguration
metadata:
  name: tenant
spec:
  type: Limited
  limited:
    limitResponse:
      type: Queue
      queuing: {}
---
apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: PriorityLevelConfiguration
metadata:
  name: batch
spec:
  type: Limited
  limited:
    nominalConcurrencyShares: 5
    limitResponse:
      type: Reject
---
apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: FlowSchema
metadata:
  name: tenant-a
spec:
  priorityLevelConfiguration:
    name: tenant
  distinguisherMethod:
    type: ByNamespace
  rules:
  - subjects:
    - kind: ServiceAccount
      serviceAccount:
        name: "*"
        namespace: tenant-a
    resourceRules:
    - verbs: ["*"]
      apiGroups: ["*"]
      resources: ["*"]
      namespaces: ["tenant-a"]
---
apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: FlowSchema
metadata:
  name: orphan
spec:
  matchingPrecedence: 500
  priorityLevelConfiguration:
    name: missing
  rules:
  - subjects:
    - kind: User
      user:
        name: alice
    nonResourceRules:
    - verbs: ["get"]
      nonResourceURLs: ["/metrics"]
`;

describe('flowcontrol.apiserver.k8s.io/v1', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  let flowcontrol: k8s.FlowcontrolApiserverV1Api;

  const kubectl = async (args: string[], input?: string) => {
    const { stdout, stderr, code } = await cluster.kubectl(args, input);
    expect(code, stderr).to.equal(0);
    return stdout;
  };
  const raw = async (path: string): Promise<Json> => (await cluster.request(`/apis/flowcontrol.apiserver.k8s.io/v1/${path}`)).json();

  before(async () => {
    clock = new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000));
    cluster = await startCluster({ clock });
    flowcontrol = cluster.kubeconfig.makeApiClient(k8s.FlowcontrolApiserverV1Api);
    await kubectl(['create', '-f', '-'], objectsYaml);
    await cluster.server.controllers.settle();
  });
  after(() => cluster.stop());

  it('holds the mandatory and suggested objects of a fresh cluster', async () => {
    const levels = await flowcontrol.listPriorityLevelConfiguration();
    expect(levels.items.map((l) => l.metadata?.name)).to.include.members(['catch-all', 'exempt', 'global-default', 'leader-election', 'node-high', 'system', 'workload-high', 'workload-low']);
    const catchAll = await flowcontrol.readFlowSchema({ name: 'catch-all' });
    expect(catchAll.metadata?.annotations).to.deep.equal({ 'apf.kubernetes.io/autoupdate-spec': 'true' });
    expect(catchAll.metadata?.generation).to.equal(1);
    expect(catchAll.status?.conditions?.map((c) => [c.type, c.status, c.reason, c.message])).to.deep.equal([
      ['Dangling', 'False', 'Found', 'This FlowSchema references the PriorityLevelConfiguration object named "catch-all" and it exists'],
    ]);
  });

  it('defaults priority levels as the real server does', async () => {
    expect((await raw('prioritylevelconfigurations/tenant')).spec).to.deep.equal({
      type: 'Limited',
      limited: { nominalConcurrencyShares: 30, limitResponse: { type: 'Queue', queuing: { queues: 64, handSize: 8, queueLengthLimit: 50 } }, lendablePercent: 0 },
    });
    expect((await raw('prioritylevelconfigurations/batch')).spec).to.deep.equal({
      type: 'Limited',
      limited: { nominalConcurrencyShares: 5, limitResponse: { type: 'Reject' }, lendablePercent: 0 },
    });
    expect((await raw('prioritylevelconfigurations/tenant')).status).to.deep.equal({});
  });

  it('defaults the matching precedence and keeps the Dangling condition', async () => {
    const tenant = await raw('flowschemas/tenant-a');
    expect(tenant.spec.matchingPrecedence).to.equal(1000);
    const managers = tenant.metadata.managedFields.map((e: Json) => [e.manager, e.operation, e.subresource]);
    expect(managers).to.deep.include(['api-priority-and-fairness-config-consumer-v1', 'Apply', 'status']);
    const orphan = await flowcontrol.readFlowSchema({ name: 'orphan' });
    expect(orphan.status?.conditions?.map((c) => [c.type, c.status, c.reason, c.message])).to.deep.equal([
      ['Dangling', 'True', 'NotFound', 'This FlowSchema references the PriorityLevelConfiguration object named "missing" but there is no such object'],
    ]);
    await flowcontrol.createPriorityLevelConfiguration({ body: { metadata: { name: 'missing' }, spec: { type: 'Limited', limited: { limitResponse: { type: 'Reject' } } } } });
    await cluster.server.controllers.settle();
    const found = await flowcontrol.readFlowSchema({ name: 'orphan' });
    expect(found.status?.conditions?.map((c) => [c.status, c.reason])).to.deep.equal([['False', 'Found']]);
    await flowcontrol.deletePriorityLevelConfiguration({ name: 'missing' });
    await cluster.server.controllers.settle();
    expect((await flowcontrol.readFlowSchema({ name: 'orphan' })).status?.conditions?.[0].status).to.equal('True');
  });

  it('bumps generation on spec changes and ignores status sent to the main resource', async () => {
    const batch = await flowcontrol.readPriorityLevelConfiguration({ name: 'batch' });
    const updated = await flowcontrol.replacePriorityLevelConfiguration({
      name: 'batch',
      body: { ...batch, spec: { type: 'Limited', limited: { ...batch.spec!.limited!, nominalConcurrencyShares: 6 } }, status: { conditions: [{ type: 'X', status: 'True' }] } },
    });
    expect(updated.metadata?.generation).to.equal(2);
    expect(updated.status).to.deep.equal({});
  });

  it('prints the real columns', async () => {
    clock.advance(2000);
    expect(await kubectl(['get', 'flowschema', 'tenant-a', 'orphan'])).to.equal(
      'NAME       PRIORITYLEVEL   MATCHINGPRECEDENCE   DISTINGUISHERMETHOD   AGE   MISSINGPL\n' +
        'tenant-a   tenant          1000                 ByNamespace           2s    False\n' +
        'orphan     missing         500                  <none>                2s    True\n',
    );
    expect(await kubectl(['get', 'prioritylevelconfiguration', 'tenant', 'batch'])).to.equal(
      'NAME     TYPE      NOMINALCONCURRENCYSHARES   QUEUES   HANDSIZE   QUEUELENGTHLIMIT   AGE\n' +
        'tenant   Limited   30                         64       8          50                 2s\n' +
        'batch    Limited   6                          <none>   <none>     <none>             2s\n',
    );
  });

  it('validates flow schemas with the real messages', async () => {
    await expectStatus(
      flowcontrol.createFlowSchema({
        body: {
          metadata: { name: 'bad' },
          spec: {
            matchingPrecedence: 1,
            distinguisherMethod: { type: 'ByPod' },
            priorityLevelConfiguration: {} as k8s.V1PriorityLevelConfigurationReference,
            rules: [
              {
                subjects: [{ kind: 'Robot' }, { kind: 'User', group: { name: 'g' } }, { kind: 'ServiceAccount', serviceAccount: { name: 'x' } as k8s.V1ServiceAccountSubject }],
                resourceRules: [{ verbs: ['get', 'fly'], apiGroups: ['*', 'apps'], resources: [], namespaces: ['Bad NS'] }],
                nonResourceRules: [{ verbs: ['*', 'get'], nonResourceURLs: ['metrics', '/a//b', '/a*'] }],
              },
              { subjects: [] },
            ],
          },
        },
      }),
      422,
      'Invalid',
      `FlowSchema.flowcontrol.apiserver.k8s.io "bad" is invalid: [spec.matchingPrecedence: Invalid value: 1: only the schema named 'exempt' may have matchingPrecedence 1, spec.distinguisherMethod.type: Unsupported value: flowcontrol.FlowDistinguisherMethod{Type:"ByPod"}: supported values: "ByNamespace", "ByUser", spec.priorityLevelConfiguration.name: Required value: must reference a priority level, spec.rules[0].subjects[0].kind: Unsupported value: "Robot": supported values: "Group", "ServiceAccount", "User", spec.rules[0].subjects[1].user: Required value: user is required when subject kind is 'User', spec.rules[0].subjects[1].group: Forbidden: group is forbidden when subject kind is not 'Group', spec.rules[0].subjects[2].serviceAccount.namespace: Required value: must specify namespace for service account, spec.rules[0].resourceRules[0].verbs: Unsupported value: []string{"get", "fly"}: supported values: "create", "delete", "deletecollection", "get", "list", "patch", "proxy", "update", "watch", spec.rules[0].resourceRules[0].apiGroups: Invalid value: []string{"*", "apps"}: if '*' is present, must not specify other api groups, spec.rules[0].resourceRules[0].resources: Required value: resource rules must supply at least one resource, spec.rules[0].resourceRules[0].namespaces[0]: Invalid value: "Bad NS": each member of this list must be '*' or a DNS-1123 label; a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?'), spec.rules[0].nonResourceRules[0].verbs: Invalid value: []string{"*", "get"}: if '*' is present, must not specify other verbs, spec.rules[0].nonResourceRules[0].nonResourceURLs[0]: Invalid value: "metrics": must start with slash, spec.rules[0].nonResourceRules[0].nonResourceURLs[1]: Invalid value: "/a//b": must not contain double slash, spec.rules[0].nonResourceRules[0].nonResourceURLs[2]: Invalid value: "/a*": wildcard can only do suffix matching, spec.rules[1].subjects: Required value: subjects must contain at least one value, spec.rules[1]: Required value: at least one of resourceRules and nonResourceRules has to be non-empty]`,
    );
  });

  it('validates priority levels with the real messages', async () => {
    const create = (name: string, spec: Json) => flowcontrol.createPriorityLevelConfiguration({ body: { metadata: { name }, spec: spec as k8s.V1PriorityLevelConfigurationSpec } });
    await expectStatus(
      create('bad', {
        type: 'Limited',
        exempt: {},
        limited: { nominalConcurrencyShares: -1, lendablePercent: 101, borrowingLimitPercent: -1, limitResponse: { type: 'Queue', queuing: { queues: 128, handSize: 20, queueLengthLimit: -1 } } },
      }),
      422,
      'Invalid',
      'PriorityLevelConfiguration.flowcontrol.apiserver.k8s.io "bad" is invalid: [spec.exempt: Forbidden: must be nil if the type is Limited, spec.limited.nominalConcurrencyShares: Invalid value: -1: must be a non-negative integer, spec.limited.limitResponse.queuing.queueLengthLimit: Invalid value: -1: must be positive, spec.limited.limitResponse.queuing.handSize: Invalid value: 20: required entropy bits of deckSize 128 and handSize 20 should not be greater than 60, spec.limited.lendablePercent: Invalid value: 101: must be between 0 and 100, inclusive, spec.limited.borrowingLimitPercent: Invalid value: -1: if specified, must be a non-negative integer]',
    );
    await expectStatus(
      create('exempt2', { type: 'Exempt', limited: { limitResponse: { type: 'Reject' } } }),
      422,
      'Invalid',
      `PriorityLevelConfiguration.flowcontrol.apiserver.k8s.io "exempt2" is invalid: [spec.type: Invalid value: "Exempt": type must be 'Exempt' if and only if name is 'exempt', spec.limited: Forbidden: must be nil if the type is not Limited]`,
    );
    await expectStatus(
      create('q', { type: 'Limited', limited: { limitResponse: { type: 'Queue', queuing: { queues: 4, handSize: 8 } } } }),
      422,
      'Invalid',
      'PriorityLevelConfiguration.flowcontrol.apiserver.k8s.io "q" is invalid: spec.limited.limitResponse.queuing.handSize: Invalid value: 8: should not be greater than queues (4)',
    );
    await expectStatus(create('q', { type: 'Foo' }), 422, 'Invalid', 'PriorityLevelConfiguration.flowcontrol.apiserver.k8s.io "q" is invalid: spec.type: Unsupported value: "Foo": supported values: "Exempt", "Limited"');
  });

  it('keeps the mandatory objects as kube-apiserver defines them', async () => {
    const status = await expectStatus(
      flowcontrol.patchPriorityLevelConfiguration(
        { name: 'catch-all', body: { spec: { limited: { lendablePercent: 10 } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      ),
      422,
      'Invalid',
    );
    expect(status.message).to.match(/^PriorityLevelConfiguration.flowcontrol.apiserver.k8s.io "catch-all" is invalid: spec: Invalid value: flowcontrol.PriorityLevelConfigurationSpec\{Type:"Limited", .*\}: spec of 'catch-all' must equal the fixed value$/);
    // The exempt level's own settings are the administrator's.
    const exempt = await flowcontrol.patchPriorityLevelConfiguration(
      { name: 'exempt', body: { spec: { exempt: { lendablePercent: 10 } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    expect(exempt.spec?.exempt).to.deep.equal({ lendablePercent: 10, nominalConcurrencyShares: 0 });
    expect(exempt.metadata?.generation).to.equal(2);
  });
});

// What kube-apiserver 1.32.13 did within a minute of these changes: the deleted bootstrap objects
// came back, an edited suggested schema got its spec back unless annotated autoupdate-spec=false,
// one that lost its annotation got it back, and a foreign schema claiming auto-update was deleted.
describe('flow-control bootstrap configuration', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  const schemas = '/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas';
  const levels = '/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations';

  before(async () => {
    clock = new ManualClock(wallClockStart());
    cluster = await startCluster({ clock, nodes: 0 });
    await cluster.server.controllers.settle();
  });
  after(() => cluster.stop());

  it('is put back within a minute of the clock, as kube-apiserver does', async () => {
    await cluster.kubectlOk(['delete', 'flowschema', 'exempt', 'catch-all', 'global-default']);
    await cluster.kubectlOk(['delete', 'prioritylevelconfiguration', 'catch-all']);
    await cluster.kubectlOk(['patch', 'flowschema', 'probes', '--type=merge', '-p', '{"spec":{"matchingPrecedence":3}}']);
    await cluster.kubectlOk(['patch', 'flowschema', 'service-accounts', '--type=merge', '-p', '{"metadata":{"annotations":{"apf.kubernetes.io/autoupdate-spec":"false"}},"spec":{"matchingPrecedence":8000}}']);
    await cluster.kubectlOk(['patch', 'flowschema', 'system-nodes', '--type=json', '-p', '[{"op":"remove","path":"/metadata/annotations"}]']);
    await cluster.kubectlOk(
      ['create', '-f', '-'],
      'apiVersion: flowcontrol.apiserver.k8s.io/v1\nkind: FlowSchema\nmetadata: {name: mine, annotations: {apf.kubernetes.io/autoupdate-spec: "true"}}\nspec: {priorityLevelConfiguration: {name: global-default}, matchingPrecedence: 5000}\n',
    );
    const status = async (path: string) => (await cluster.request(path)).status;
    // Nothing happens at once: the ensurer runs on its period.
    await advance(cluster.server, clock, 1000);
    expect(await status(`${schemas}/exempt`)).to.equal(404);

    await advance(cluster.server, clock, 60_000);
    for (const name of ['exempt', 'catch-all', 'global-default']) {
      const schema: Json = (await cluster.request(`${schemas}/${name}`)).json();
      expect(schema.metadata.annotations, name).to.deep.equal({ 'apf.kubernetes.io/autoupdate-spec': 'true' });
      const managers = schema.metadata.managedFields.map((m: Json) => [m.manager, m.operation, m.subresource ?? '']);
      expect(managers, name).to.deep.equal([
        ['api-priority-and-fairness-config-consumer-v1', 'Apply', 'status'],
        ['api-priority-and-fairness-config-producer-v1', 'Update', ''],
      ]);
    }
    expect(await status(`${levels}/catch-all`)).to.equal(200);
    const probes = await cluster.kubectlJson(['get', 'flowschema', 'probes']);
    expect([probes.spec.matchingPrecedence, probes.metadata.generation]).to.deep.equal([2, 3]);
    const kept = await cluster.kubectlJson(['get', 'flowschema', 'service-accounts']);
    expect([kept.spec.matchingPrecedence, kept.metadata.annotations['apf.kubernetes.io/autoupdate-spec']]).to.deep.equal([8000, 'false']);
    const annotated = await cluster.kubectlJson(['get', 'flowschema', 'system-nodes']);
    expect([annotated.metadata.annotations, annotated.metadata.generation]).to.deep.equal([{ 'apf.kubernetes.io/autoupdate-spec': 'true' }, 1]);
    expect(await status(`${schemas}/mine`)).to.equal(404);
    // The recreated schemas name existing levels again.
    const exempt = await cluster.kubectlJson(['get', 'flowschema', 'exempt']);
    expect(exempt.status.conditions.map((c: Json) => [c.type, c.status])).to.deep.equal([['Dangling', 'False']]);
  });
});
