// Custom resources through the official Python client's dynamic client (spec/clients/python_dynamic.py).

import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { runClientProgram } from './support/client-program.js';
import { startCluster, type TestCluster } from './support/cluster.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const python = `${root}.cache/python/bin/python`;
const script = `${root}spec/clients/python_dynamic.py`;

describe("the Python client's dynamic client on custom resources", () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster();
    const applied = await cluster.kubectl(['apply', '-f', `${root}spec/fixtures/crds/databases.yaml`]);
    expect(applied.code, applied.stderr).to.equal(0);
    const established = await cluster.kubectl(['wait', '--for=condition=Established', 'crd/databases.data.kubemock.dev', '--timeout=5s']);
    expect(established.code, established.stderr).to.equal(0);
  });
  after(() => cluster.stop());

  it('discovers, creates, validates, patches, writes status, lists, watches and deletes', async function () {
    this.timeout(60_000);
    const steps = await runClientProgram(python, [script], { KUBECONFIG: cluster.kubeconfigPath });
    expect(steps.discovered).to.deep.include({ namespaced: true, plural: 'databases', subresources: ['status'] });
    expect(steps.created).to.deep.include({ spec: { engine: 'postgres', maxReplicas: 3, minReplicas: 1, storage: '5Gi' }, generation: 1 });
    expect(steps.invalid.status).to.equal(422);
    // As kube-apiserver 1.32.13 words it: a blocking error leaves the CEL rules unchecked.
    expect(steps.invalid.message).to.equal(
      'Database.data.kubemock.dev "py-bad" is invalid: [spec.engine: Unsupported value: "oracle": supported values: "postgres", "mysql", "sqlite", <nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]',
    );
    expect(steps.patched).to.deep.include({ max_replicas: 5, generation: 2 });
    expect(steps.status).to.deep.include({ phase: 'Ready', generation: 2 });
    expect(steps.listed).to.deep.include({ names: ['py-db'], kinds: ['Database'] });
    expect(steps.watched.events).to.deep.equal([['ADDED', 'py-db']]);
    expect(steps.deleted.status).to.equal(404);
  });
});
