// The example Website operator (examples/website-operator) end to end against kubemock.

import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { startWebsiteOperator, type RunningOperator } from '../../examples/website-operator/operator.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { waitFor } from '../support/wait.js';

const crd = fileURLToPath(new URL('../../../examples/website-operator/crd.yaml', import.meta.url));

describe('the example Website operator', () => {
  let cluster: TestCluster;
  let operator: RunningOperator;
  const errors: unknown[] = [];
  const kubectl = async (...args: string[]) => {
    const result = await cluster.kubectl(args);
    expect(result.code, `kubectl ${args.join(' ')}: ${result.stderr}`).to.equal(0);
    return result.stdout;
  };
  const getJson = async (...args: string[]) => JSON.parse(await kubectl('get', ...args, '-o', 'json'));
  const exists = async (...args: string[]) => (await cluster.kubectl(['get', ...args])).code === 0;

  before(async function () {
    this.timeout(30_000);
    cluster = await startCluster();
    await kubectl('apply', '-f', crd);
    await kubectl('wait', '--for=condition=Established', 'crd/websites.examples.kubemock.dev', '--timeout=5s');
    operator = await startWebsiteOperator(cluster.kubeconfig, { namespace: 'default', onError: (err) => errors.push(err) });
  });
  after(async () => {
    await operator?.stop();
    await cluster.stop();
  });

  it('reconciles a Website into a Deployment and a Service it owns, with a finalizer and status', async function () {
    this.timeout(20_000);
    await cluster.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'examples.kubemock.dev/v1', kind: 'Website', metadata: { name: 'shop' }, spec: { image: 'nginx:1.27', replicas: 2 } }));
    await waitFor(async () => (await exists('deployment', 'shop')) && (await exists('service', 'shop')), 10_000);
    const website = await getJson('website', 'shop');
    expect(website.metadata.finalizers).to.deep.equal(['examples.kubemock.dev/cleanup']);
    const deployment = await getJson('deployment', 'shop');
    expect(deployment.spec.replicas).to.equal(2);
    expect(deployment.spec.template.spec.containers[0]).to.include({ image: 'nginx:1.27' });
    expect(deployment.spec.template.spec.containers[0].ports).to.deep.equal([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(deployment.metadata.ownerReferences).to.deep.equal([{ apiVersion: 'examples.kubemock.dev/v1', kind: 'Website', name: 'shop', uid: website.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    const service = await getJson('service', 'shop');
    expect(service.spec.ports[0]).to.include({ port: 80, targetPort: 'http' });
    await waitFor(async () => (await getJson('website', 'shop')).status?.url !== undefined, 10_000);
    const status = (await getJson('website', 'shop')).status;
    expect(status).to.include({ observedGeneration: 1, url: 'http://shop.default.svc.cluster.local' });
    expect(status.conditions[0]).to.include({ type: 'Ready' });
    expect(await kubectl('get', 'websites')).to.match(/^NAME\s+IMAGE\s+READY\s+URL\s+AGE\nshop\s+nginx:1\.27\s+\d+\s+http:\/\/shop\.default\.svc\.cluster\.local\s+\d+s\n$/);
  });

  it('follows spec changes and keeps status in step with the generation', async function () {
    this.timeout(20_000);
    await kubectl('patch', 'website', 'shop', '--type=merge', '-p', '{"spec":{"replicas":4,"image":"nginx:1.28"}}');
    await waitFor(async () => (await getJson('deployment', 'shop')).spec.replicas === 4, 10_000);
    expect((await getJson('deployment', 'shop')).spec.template.spec.containers[0].image).to.equal('nginx:1.28');
    await waitFor(async () => (await getJson('website', 'shop')).status.observedGeneration === 2, 10_000);
  });

  it('deletes what it created before letting the Website go', async function () {
    this.timeout(20_000);
    await kubectl('delete', 'website', 'shop', '--wait=false');
    await waitFor(async () => !(await exists('website', 'shop')), 10_000);
    expect(await exists('deployment', 'shop')).to.equal(false);
    expect(await exists('service', 'shop')).to.equal(false);
    expect(errors).to.deep.equal([]);
  });
});
