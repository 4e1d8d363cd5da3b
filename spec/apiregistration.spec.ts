// apiregistration.k8s.io/v1 through client-node's ApiregistrationV1Api and kubectl. Objects, messages
// and kubectl output were captured from kube-apiserver 1.32.13 on the same requests.

import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { ManualClock } from '../testkit/index.js';
import { startCluster, type TestCluster } from './support/cluster.js';
import { expectStatus } from './support/status.js';

type Json = Record<string, any>;

describe('apiregistration.k8s.io/v1', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  let apiregistration: k8s.ApiregistrationV1Api;

  const kubectl = async (args: string[], input?: string) => {
    const { stdout, stderr, code } = await cluster.kubectl(args, input);
    expect(code, stderr).to.equal(0);
    return stdout;
  };
  const raw = async (name: string): Promise<Json> => (await cluster.request(`/apis/apiregistration.k8s.io/v1/apiservices/${name}`)).json();

  before(async () => {
    clock = new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000));
    cluster = await startCluster({ clock });
    apiregistration = cluster.kubeconfig.makeApiClient(k8s.ApiregistrationV1Api);
  });
  after(() => cluster.stop());

  it('registers an available APIService for every group-version served but its own', async () => {
    const { stdout } = await cluster.kubectl(['api-versions']);
    const served = stdout.split('\n').filter((gv) => gv && gv !== 'apiregistration.k8s.io/v1');
    const names = (await apiregistration.listAPIService()).items.map((s) => s.metadata!.name!);
    const expected = served.map((gv) => (gv.includes('/') ? `${gv.split('/')[1]}.${gv.split('/')[0]}` : `${gv}.`));
    expect(names).to.have.members(expected);
    for (const service of (await apiregistration.listAPIService()).items) {
      expect(service.status?.conditions?.map((c) => [c.type, c.status, c.reason, c.message]), service.metadata?.name).to.deep.equal([
        ['Available', 'True', 'Local', 'Local APIServices are always available'],
      ]);
    }
  });

  it('writes them as kube-apiserver does', async () => {
    const core = await raw('v1.');
    expect(core.metadata.labels).to.deep.equal({ 'kube-aggregator.kubernetes.io/automanaged': 'onstart' });
    expect(core.spec).to.deep.equal({ version: 'v1', groupPriorityMinimum: 18000, versionPriority: 1 });
    const apps = await raw('v1.apps');
    expect(apps.spec).to.deep.equal({ group: 'apps', version: 'v1', groupPriorityMinimum: 17800, versionPriority: 15 });
    // kube-aggregator records no ownership for its status writes.
    expect(apps.metadata.managedFields.map((e: Json) => [e.manager, e.operation, e.fieldsV1])).to.deep.equal([
      ['kube-apiserver', 'Update', { 'f:metadata': { 'f:labels': { '.': {}, 'f:kube-aggregator.kubernetes.io/automanaged': {} } }, 'f:spec': { 'f:group': {}, 'f:groupPriorityMinimum': {}, 'f:version': {}, 'f:versionPriority': {} } }],
    ]);
  });

  it('follows custom resource groups as they come and go', async () => {
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.example.com' },
        spec: {
          group: 'example.com',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
          scope: 'Namespaced',
          versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
        },
      }),
    );
    await cluster.server.controllers.settle();
    const service = await raw('v1.example.com');
    expect(service.metadata.labels).to.deep.equal({ 'kube-aggregator.kubernetes.io/automanaged': 'true' });
    expect(service.spec).to.deep.equal({ group: 'example.com', version: 'v1', groupPriorityMinimum: 1000, versionPriority: 100 });
    await kubectl(['delete', 'crd', 'widgets.example.com']);
    await cluster.server.controllers.settle();
    expect((await cluster.request('/apis/apiregistration.k8s.io/v1/apiservices/v1.example.com')).status).to.equal(404);
  });

  it('reports an APIService backed by a missing service as unavailable, with the real columns', async () => {
    await apiregistration.createAPIService({
      body: {
        metadata: { name: 'v1beta1.metrics.example.com' },
        spec: { group: 'metrics.example.com', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, service: { namespace: 'kube-system', name: 'metrics' }, insecureSkipTLSVerify: true },
      },
    });
    await cluster.server.controllers.settle();
    const service = await raw('v1beta1.metrics.example.com');
    expect(service.spec.service).to.deep.equal({ namespace: 'kube-system', name: 'metrics', port: 443 });
    expect(service.status.conditions.map((c: Json) => [c.type, c.status, c.reason, c.message])).to.deep.equal([
      ['Available', 'False', 'ServiceNotFound', 'service/metrics in "kube-system" is not present'],
    ]);
    clock.advance(4000);
    const table = await kubectl(['get', 'apiservice', 'v1beta1.metrics.example.com']);
    expect(table).to.equal('NAME                          SERVICE               AVAILABLE                 AGE\nv1beta1.metrics.example.com   kube-system/metrics   False (ServiceNotFound)   4s\n');
    await apiregistration.deleteAPIService({ name: 'v1beta1.metrics.example.com' });
  });

  it('validates with the real messages', async () => {
    await expectStatus(
      apiregistration.createAPIService({
        body: { metadata: { name: 'v1.wrong' }, spec: { group: 'Bad_Group', version: '1x', groupPriorityMinimum: 0, versionPriority: 2000, insecureSkipTLSVerify: true } },
      }),
      422,
      'Invalid',
      `APIService.apiregistration.k8s.io "v1.wrong" is invalid: [metadata.name: Invalid value: "v1.wrong": must be \`spec.version+"."+spec.group\`: "1x.Bad_Group", spec.group: Invalid value: "Bad_Group": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'), spec.version: Invalid value: "1x": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?'), spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000, spec.versionPriority: Invalid value: 2000: must be positive and less than 1000, spec.insecureSkipTLSVerify: Invalid value: true: local APIServices may not have insecureSkipTLSVerify]`,
    );
  });
});
