// Real operators' CRDs (cert-manager, Prometheus operator: see spec/fixtures/crds/third-party) load
// and validate their resources as kube-apiserver 1.32.13 does; bench/crd.ts times their creates.

import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { startCluster, type TestCluster } from './support/cluster.js';
import { waitFor } from './support/wait.js';

const root = fileURLToPath(new URL('../../spec/fixtures/crds/third-party/', import.meta.url));

function definitionsIn(folder: string): Array<Record<string, any>> {
  return readdirSync(`${root}${folder}`)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(`${root}${folder}/${f}`, 'utf8')).map((d) => d.toJS()))
    .filter((d) => d?.kind === 'CustomResourceDefinition');
}

describe('third-party CustomResourceDefinitions', () => {
  let cluster: TestCluster;
  const created: string[] = [];

  before(async function () {
    this.timeout(60_000);
    cluster = await startCluster();
    for (const crd of [...definitionsIn('cert-manager'), ...definitionsIn('prometheus-operator')]) {
      const response = await cluster.request('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(crd) });
      expect(response.status, response.body).to.equal(201);
      created.push(crd.metadata.name);
    }
  });
  after(() => cluster.stop());

  it('creates every definition and establishes it', async () => {
    expect(created).to.include.members(['certificates.cert-manager.io', 'clusterissuers.cert-manager.io', 'prometheuses.monitoring.coreos.com', 'servicemonitors.monitoring.coreos.com']);
    await waitFor(async () => {
      const list = (await cluster.request('/apis/apiextensions.k8s.io/v1/customresourcedefinitions')).json();
      return list.items.length === created.length && list.items.every((c: any) => c.status.conditions?.some((x: any) => x.type === 'Established' && x.status === 'True'));
    });
  });

  it('validates cert-manager Certificates with its schema and CEL rules', async () => {
    const certificate = (spec: Record<string, unknown>) =>
      JSON.stringify({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'web' }, spec: { issuerRef: { name: 'ca' }, ...spec } });
    const bad = await cluster.kubectl(['create', '-f', '-'], certificate({ dnsNames: ['web.example.com'], privateKey: { algorithm: 'DSA' } }));
    expect(bad.code).to.not.equal(0);
    expect(bad.stderr).to.include('spec.secretName: Required value');
    expect(bad.stderr).to.include('spec.privateKey.algorithm: Unsupported value: "DSA": supported values: "RSA", "ECDSA", "Ed25519"');
    const good = await cluster.kubectl(['create', '-f', '-'], certificate({ secretName: 'web-tls', dnsNames: ['web.example.com'] }));
    expect(good.code, good.stderr).to.equal(0);
    const table = await cluster.kubectl(['get', 'certificates']);
    expect(table.stdout).to.match(/^NAME\s+READY\s+SECRET\s+AGE\nweb\s+web-tls\s+\d+s\n$/);
  });

  it('validates Prometheus operator ServiceMonitors and explains Prometheuses', async () => {
    const monitor = (endpoints: unknown[]) =>
      JSON.stringify({ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'api' }, spec: { selector: { matchLabels: { app: 'api' } }, endpoints } });
    const bad = await cluster.kubectl(['create', '-f', '-'], monitor([{ port: 'http', scheme: 'ftp' }]));
    expect(bad.code).to.not.equal(0);
    expect(bad.stderr).to.include('spec.endpoints[0].scheme: Unsupported value: "ftp": supported values: "http", "https"');
    const good = await cluster.kubectl(['create', '-f', '-'], monitor([{ port: 'http', interval: '30s' }]));
    expect(good.code, good.stderr).to.equal(0);
    const explained = await cluster.kubectl(['explain', 'prometheus.spec.retention']);
    expect(explained.code, explained.stderr).to.equal(0);
    expect(explained.stdout).to.include('KIND:       Prometheus').and.include('FIELD: retention <string>');
  });
});
