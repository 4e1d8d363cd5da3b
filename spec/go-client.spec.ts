import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startCluster, withoutWorkloadControllers, type TestCluster } from './support/cluster.js';

// spec/clients/go, built by spec/clients/install.sh (npm's pretest).
const goClient = fileURLToPath(new URL('../../.cache/go-client', import.meta.url));
const historySize = 20;
// More writes than the history holds, so the informer's last resourceVersion is compacted away.
const churnNames = Array.from({ length: historySize + 10 }, (_, i) => `churn-${i}`);

type Finding = Record<string, any>;
type InformerEvent = [kind: string, name: string, detail: string];

const dns1123SubdomainRule =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const aggregatedDiscoveryType = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const discoveryAccept = `${aggregatedDiscoveryType},application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json`;
// What client-go's typed clients (v0.32) send for built-in types: protobuf bodies, protobuf preferred back.
const typedClientMediaTypes = { sent: 'application/vnd.kubernetes.protobuf', accept: 'application/vnd.kubernetes.protobuf,application/json', received: 'application/json' };

function byElements(x: InformerEvent, y: InformerEvent): number {
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

describe('client-go (spec/clients/go)', () => {
  let cluster: TestCluster;
  let child: ChildProcess | undefined;
  let findings: Record<string, Finding>;
  let serverKeysAtExit: string[];

  /** Runs the Go program; on its ready-for-drop signal runs `duringDrop`, then lets it go on. */
  function runGoClient(duringDrop: () => void): Promise<Record<string, Finding>> {
    return new Promise((resolve, reject) => {
      const started = spawn(goClient, [], { env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath } });
      child = started;
      const byStep: Record<string, Finding> = {};
      let stderr = '';
      started.stderr.on('data', (chunk) => (stderr += chunk));
      createInterface({ input: started.stdout }).on('line', (line) => {
        const finding: Finding = JSON.parse(line);
        byStep[finding.step] = finding;
        if (finding.step === 'ready-for-drop') {
          duringDrop();
          started.stdin.write('go on\n');
        }
      });
      started.on('error', reject);
      started.on('close', (code) => {
        if (code === 0) resolve(byStep);
        else reject(new Error(`go client exited with ${code}: ${stderr}`));
      });
    });
  }

  before(async function () {
    // The Go program bounds itself at 60 s; a healthy run takes a few seconds.
    this.timeout(90_000);
    // The program reads, changes and writes Deployments it made; the controllers would race it.
    cluster = await startCluster({ historySize, controllers: withoutWorkloadControllers });
    const services = cluster.server.services;
    const configmaps = services.registry.find('', 'v1', 'configmaps')!;
    findings = await runGoClient(() => {
      // All synchronous: the informer cannot re-watch before its resourceVersion is compacted away.
      services.watches.closeAll();
      services.objects.delete(configmaps, 'go-informer', 'a');
      services.objects.update(configmaps, 'go-informer', 'pre', { metadata: { name: 'pre' }, data: { touched: 'while-disconnected' } });
      for (const name of churnNames) services.objects.create(configmaps, 'go-informer', { metadata: { name } });
    });
    serverKeysAtExit = services.objects
      .listNow(configmaps, 'go-informer')
      .map((stored) => `go-informer/${stored.object.metadata.name}`)
      .sort();
  });
  after(async () => {
    if (child?.exitCode === null) child.kill();
    await cluster?.stop();
  });

  it('does typed ConfigMap CRUD (protobuf bodies, JSON answers), and apierrors recognises AlreadyExists, Conflict, NotFound and Invalid', () => {
    const crud = findings['configmap-crud'];
    expect(crud.createWire).to.deep.equal({ method: 'POST', path: '/api/v1/namespaces/go-crud/configmaps', ...typedClientMediaTypes });
    expect(crud).to.deep.include({ uidSet: true, createdData: { a: '1' }, updatedData: { a: '2' }, versionAdvanced: true });
    expect(crud.alreadyExists).to.deep.equal({ recognised: true, code: 409, reason: 'AlreadyExists', message: 'configmaps "go-cm" already exists' });
    expect(crud.conflict).to.deep.equal({
      recognised: true,
      code: 409,
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on configmaps "go-cm": the object has been modified; please apply your changes to the latest version and try again',
    });
    expect(crud.notFound).to.deep.equal({ recognised: true, code: 404, reason: 'NotFound', message: 'configmaps "go-cm" not found' });
    expect(crud.invalid).to.deep.equal({
      recognised: true,
      code: 422,
      reason: 'Invalid',
      message: `ConfigMap "Not_A_DNS_Name" is invalid: metadata.name: Invalid value: "Not_A_DNS_Name": ${dns1123SubdomainRule}`,
      causes: [{ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "Not_A_DNS_Name": ${dns1123SubdomainRule}` }],
    });
  });

  it('does typed Deployment CRUD and scales through the scale subresource (a protobuf body)', () => {
    const crud = findings['deployment-crud'];
    expect(crud.scaleWire).to.deep.equal({ method: 'PUT', path: '/apis/apps/v1/namespaces/go-crud/deployments/go-deploy/scale', ...typedClientMediaTypes });
    expect(crud).to.deep.include({ createdReplicas: 1, updatedReplicas: 2, scaleReplicas: 2, scaleSelector: 'app=web', rescaledReplicas: 3 });
    expect(crud.notFound).to.deep.equal({ recognised: true, code: 404, reason: 'NotFound', message: 'deployments.apps "go-deploy" not found' });
    expect(crud.invalid).to.deep.include({ recognised: true, code: 422, reason: 'Invalid' });
    expect(crud.invalid.causes.map((cause: Finding) => [cause.reason, cause.field])).to.deep.equal([
      ['FieldValueInvalid', 'spec.replicas'],
      ['FieldValueInvalid', 'spec.template.metadata.labels'],
    ]);
    expect(crud.invalid.causes[0].message).to.equal('Invalid value: -1: must be greater than or equal to 0');
    expect(crud.invalid.causes[1].message).to.equal('Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`');
  });

  it('syncs a SharedInformerFactory informer and calls its handlers for each change, in order', () => {
    expect(findings.informer).to.deep.equal({
      step: 'informer',
      syncedKeys: ['go-informer/kube-root-ca.crt', 'go-informer/pre'],
      events: [
        ['add', 'kube-root-ca.crt', 'initial'],
        ['add', 'pre', 'initial'],
        ['add', 'a', 'live'],
        ['add', 'b', 'live'],
        ['update', 'a', 'changed'],
        ['delete', 'b', 'live'],
      ],
      cacheKeys: ['go-informer/a', 'go-informer/kube-root-ca.crt', 'go-informer/pre'],
    });
  });

  it('recovers the informer after dropped watches and a compacted history: it relists, then watches live', () => {
    const recovered = findings.recovered;
    const expectedKeys = ['kube-root-ca.crt', 'pre', ...churnNames].map((name) => `go-informer/${name}`).sort();
    expect(recovered.matchedKeys).to.deep.equal(expectedKeys);
    // Only a relist finds the deletion of `a` (as a tombstone); client-go hands unchanged objects
    // to zero-resync handlers as updates too.
    const relistEvents: InformerEvent[] = [
      ...churnNames.map((name): InformerEvent => ['add', name, 'live']),
      ['delete', 'a', 'tombstone'],
      ['update', 'kube-root-ca.crt', 'unchanged'],
      ['update', 'pre', 'changed'],
    ];
    expect(recovered.relistEvents).to.deep.equal(relistEvents.sort(byElements));
    expect(recovered.finalCacheKeys).to.deep.equal(serverKeysAtExit);
    expect(serverKeysAtExit).to.include('go-informer/after-recovery');
  });

  it('syncs a metadata-only informer (PartialObjectMetadata through the Accept header) and sees an add', () => {
    expect(findings['metadata-informer']).to.deep.equal({
      step: 'metadata-informer',
      syncedKeys: ['go-metadata/kube-root-ca.crt'],
      events: [
        ['add', 'kube-root-ca.crt', 'initial'],
        ['add', 'meta-added', 'live'],
      ],
      cachedLabels: { tier: 'cache' },
      cachedUIDSet: true,
    });
  });

  it('reads every resource from aggregated discovery alone, deployments/scale included', () => {
    const discovery = findings.discovery;
    expect(discovery.requests).to.deep.equal(
      ['/api', '/apis'].map((path) => ({ method: 'GET', path, accept: discoveryAccept, received: aggregatedDiscoveryType })),
    );
    expect(discovery.deployments).to.deep.equal({
      kind: 'Deployment',
      group: '',
      version: '',
      namespaced: true,
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['deploy'],
    });
    expect(discovery.scale).to.deep.equal({ kind: 'Scale', group: 'autoscaling', version: 'v1', namespaced: true, verbs: ['get', 'patch', 'update'], shortNames: null });
  });
  it('reads /openapi/v2 as gnostic protobuf, with the schema facts kube-apiserver 1.32.13 publishes there', () => {
    expect(findings['openapi-v2']).to.deep.equal({
      step: 'openapi-v2',
      accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf',
      received: 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
      swagger: '2.0',
      deploymentKind: [{ group: 'apps', kind: 'Deployment', version: 'v1' }],
      deploymentSpecRequired: ['selector', 'template'],
      specTemplateRef: '#/definitions/io.k8s.api.core.v1.PodTemplateSpec',
      containerPortsMapKeys: ['containerPort', 'protocol'],
      containerPortsStrategy: 'merge',
      patchAction: 'patch',
    });
  });
});
