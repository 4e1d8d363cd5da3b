// A kubebuilder-style controller-runtime suite (spec/clients/envtest, built by spec/clients/install.sh)
// run with envtest against kubemock: USE_EXISTING_CLUSTER=true and KUBECONFIG pointing here, envtest
// installs the CRDs from a directory, a manager's reconciler creates a child and writes status.

import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startCluster, type TestCluster } from './support/cluster.js';

const suite = fileURLToPath(new URL('../../.cache/envtest-suite', import.meta.url));
const crdDirectory = fileURLToPath(new URL('../../examples/website-operator', import.meta.url));

describe('controller-runtime envtest (spec/clients/envtest)', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster.stop());

  it('installs the CRDs, runs a manager whose reconciler creates a child and writes status', async function () {
    this.timeout(120_000);
    const env = { ...process.env, USE_EXISTING_CLUSTER: 'true', KUBECONFIG: cluster.kubeconfigPath, KUBEMOCK_CRD_DIR: crdDirectory };
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(suite, ['-test.v', '-test.count=1'], { env, maxBuffer: 16 * 1024 * 1024 }, (error, out, err) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout: out, stderr: err }));
    });
    expect(code, `${stdout}\n${stderr.slice(-4000)}`).to.equal(0);
    expect(stdout).to.include('--- PASS: TestWebsiteController').and.include('reconciled: child docs-site, status.url http://docs.default.svc');
    const crd = (await cluster.request('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/websites.examples.kubemock.dev')).json();
    expect(crd.status.conditions.find((c: any) => c.type === 'Established').status).to.equal('True');
  });
});
