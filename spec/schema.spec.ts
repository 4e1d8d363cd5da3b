import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { kubernetesComponents } from '../openapi/kubernetes.js';
import { startCluster, type TestCluster } from './support/cluster.js';

// Schemas kube-apiserver 1.32.13 publishes, recorded from the reference cluster without descriptions.
const recorded = JSON.parse(readFileSync(new URL('../../spec/fixtures/openapi-schemas.json', import.meta.url), 'utf8')) as {
  schemas: Record<string, any>;
  publishedIn: Record<string, string[]>;
  v2: Record<string, any>;
};

/** An object as a response carries it, without what differs between servers and runs. */
function stable(object: any): any {
  const { uid: _uid, resourceVersion: _rv, creationTimestamp: _created, managedFields: _managed, ...metadata } = object.metadata;
  return { ...object, metadata };
}

describe("Kubernetes' own schema", () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster.stop());

  const index = async () => (await cluster.request('/openapi/v3')).json().paths as Record<string, { serverRelativeURL: string }>;
  const post = async (path: string, body: object) => {
    const response = await cluster.request(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status, response.body).to.equal(201);
    return response.json();
  };

  describe('published as kube-apiserver 1.32.13 publishes it', () => {
    it('holds every recorded schema of every group, served by kubemock yet or not', () => {
      for (const [name, schema] of Object.entries(recorded.schemas)) expect(kubernetesComponents.schema(name), name).to.deep.equal(schema);
    });

    it('serves the recorded schemas in the OpenAPI v3 documents of the group-versions kubemock serves', async () => {
      const documents = await index();
      expect(documents).to.include.keys('api/v1', 'apis/apps/v1', 'apis/coordination.k8s.io/v1');
      let compared = 0;
      for (const [name, schema] of Object.entries(recorded.schemas)) {
        for (const key of recorded.publishedIn[name].filter((k) => documents[k])) {
          const published = (await cluster.request(documents[key].serverRelativeURL)).json().components.schemas[name];
          expect(published, `${name} in ${key}`).to.deep.equal(schema);
          compared++;
        }
      }
      expect(compared).to.be.greaterThan(30);
    });

    it('publishes the facts clients read from it', async () => {
      const apps = (await cluster.request((await index())['apis/apps/v1'].serverRelativeURL)).json().components.schemas;
      expect(apps['io.k8s.api.apps.v1.DeploymentSpec'].required).to.deep.equal(['selector', 'template']);
      expect(apps['io.k8s.api.core.v1.PodSpec'].required).to.deep.equal(['containers']);
      const container = apps['io.k8s.api.core.v1.Container'].properties;
      expect(container.ports).to.include({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-patch-merge-key': 'containerPort', 'x-kubernetes-patch-strategy': 'merge' });
      expect(container.ports['x-kubernetes-list-map-keys']).to.deep.equal(['containerPort', 'protocol']);
      expect(apps['io.k8s.api.core.v1.PodSpec'].properties.containers['x-kubernetes-list-map-keys']).to.deep.equal(['name']);
      expect(apps['io.k8s.api.core.v1.ContainerPort'].properties.protocol).to.deep.equal({ type: 'string', default: 'TCP', enum: ['SCTP', 'TCP', 'UDP'] });
      expect(apps['io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector']['x-kubernetes-map-type']).to.equal('atomic');
      expect(apps['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind']).to.deep.equal([{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    });

    it('publishes the same schemas in OpenAPI v2, references unwrapped and defaults left out', async () => {
      const definitions = (await cluster.request('/openapi/v2')).json().definitions;
      for (const [name, definition] of Object.entries(recorded.v2)) expect(definitions[name], name).to.deep.equal(definition);
    });

    it('serves /openapi/v2 as gnostic protobuf too, tagged with the JSON document hash', async () => {
      const json = await cluster.request('/openapi/v2', { headers: { Accept: 'application/json' } });
      for (const accept of ['application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf, application/json']) {
        const protobuf = await cluster.request('/openapi/v2', { headers: { Accept: accept } });
        expect(protobuf.status).to.equal(200);
        expect(protobuf.headers['content-type']).to.equal('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
        expect(protobuf.headers.etag).to.equal(json.headers.etag);
        // Field 1 of the Document message, swagger: "2.0".
        expect(Buffer.from(protobuf.body, 'latin1').subarray(0, 5).toString('latin1')).to.equal('\n\x032.0');
      }
      expect((await cluster.request('/openapi/v2', { headers: { Accept: 'application/yaml' } })).status).to.equal(406);
    });
  });

  describe('kubectl', () => {
    it('explains fields of several groups from OpenAPI v3', async () => {
      const strategy = await cluster.kubectl(['explain', 'deployment.spec.strategy.type']);
      expect(strategy.stdout).to.include('GROUP:      apps').and.include('FIELD: type <string>').and.include('Recreate').and.include('RollingUpdate');
      const ports = await cluster.kubectl(['explain', 'pods.spec.containers.ports']);
      expect(ports.stdout).to.include('FIELD: ports <[]ContainerPort>').and.include('containerPort\t<integer> -required-').and.include('protocol\t<string>');
      const lease = await cluster.kubectl(['explain', 'lease.spec']);
      expect(lease.stdout).to.include('GROUP:      coordination.k8s.io').and.include('holderIdentity\t<string>').and.include('renewTime\t<string>');
      const job = await cluster.kubectl(['explain', 'job.spec.template']);
      expect(job.stdout, job.stderr).to.include('GROUP:      batch').and.include('FIELD: template <PodTemplateSpec>');
    });

    it('explains from OpenAPI v2 (protobuf), as kubectl falls back to', async () => {
      const result = await cluster.kubectl(['explain', 'deployment.spec', '--output=plaintext-openapiv2']);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.include('KIND:     Deployment').and.include('VERSION:  apps/v1').and.include('selector\t<Object> -required-').and.include('template\t<Object> -required-');
    });

    it('reports a kind no group serves as kube-apiserver does, after asking for both documents', async () => {
      const result = await cluster.kubectl(['create', '-f', '-'], 'apiVersion: example.com/v1\nkind: Foo\nmetadata:\n  name: x\n');
      expect(result.code).to.equal(1);
      expect(result.stderr).to.equal('error: resource mapping not found for name: "x" namespace: "" from "STDIN": no matches for kind "Foo" in version "example.com/v1"\nensure CRDs are installed first\n');
    });
  });

  describe('objects written as Go writes them (each as kube-apiserver 1.32.13 answered the same create)', () => {
    it('writes non-pointer structs and fields without omitempty: a Node created empty', async () => {
      const node = stable(await post('/api/v1/nodes', { metadata: { name: 'empty-node' } }));
      expect(node.spec).to.deep.equal({});
      expect(node.status).to.deep.equal({
        daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
        nodeInfo: {
          machineID: '',
          systemUUID: '',
          bootID: '',
          kernelVersion: '',
          osImage: '',
          containerRuntimeVersion: '',
          kubeletVersion: '',
          kubeProxyVersion: '',
          operatingSystem: '',
          architecture: '',
        },
      });
    });

    it('writes a Lease spec: {} and a ResourceQuota spec: {} and status: {}, owned by nobody', async () => {
      const lease = await post('/apis/coordination.k8s.io/v1/namespaces/default/leases', { metadata: { name: 'empty-lease' } });
      expect(stable(lease)).to.deep.equal({ kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', metadata: { name: 'empty-lease', namespace: 'default' }, spec: {} });
      expect(lease.metadata.managedFields).to.equal(undefined);
      const quota = await post('/api/v1/namespaces/default/resourcequotas', { metadata: { name: 'empty-quota' } });
      expect(stable(quota)).to.deep.equal({ kind: 'ResourceQuota', apiVersion: 'v1', metadata: { name: 'empty-quota', namespace: 'default' }, spec: {}, status: {} });
    });

    it('leaves out empty omitempty fields and writes an unset list without omitempty as null', async () => {
      const configMap = await post('/api/v1/namespaces/default/configmaps', { metadata: { name: 'empties', labels: {}, finalizers: [] }, data: {} });
      expect(stable(configMap)).to.deep.equal({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'empties', namespace: 'default' } });
      const role = await post('/apis/rbac.authorization.k8s.io/v1/clusterroles', { metadata: { name: 'no-rules' }, rules: [] });
      expect(role.rules).to.equal(null);
      expect(role.metadata.managedFields[0].fieldsV1).to.deep.equal({ 'f:rules': {} });
    });

    it('writes a core Event and its events.k8s.io/v1 view as their Go types do', async () => {
      const core = await post('/api/v1/namespaces/default/events', {
        metadata: { name: 'go-event' },
        involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' },
        reason: 'Test',
        message: 'hi',
        type: 'Normal',
      });
      expect(stable(core)).to.deep.equal({
        kind: 'Event',
        apiVersion: 'v1',
        metadata: { name: 'go-event', namespace: 'default' },
        involvedObject: { kind: 'Pod', namespace: 'default', name: 'p' },
        reason: 'Test',
        message: 'hi',
        source: {},
        firstTimestamp: null,
        lastTimestamp: null,
        type: 'Normal',
        eventTime: null,
        reportingComponent: '',
        reportingInstance: '',
      });
      const view = (await cluster.request('/apis/events.k8s.io/v1/namespaces/default/events/go-event')).json();
      expect(JSON.stringify(stable(view))).to.equal(
        JSON.stringify({
          kind: 'Event',
          apiVersion: 'events.k8s.io/v1',
          metadata: { name: 'go-event', namespace: 'default' },
          eventTime: null,
          reason: 'Test',
          regarding: { kind: 'Pod', namespace: 'default', name: 'p' },
          note: 'hi',
          type: 'Normal',
          deprecatedSource: {},
          deprecatedFirstTimestamp: null,
          deprecatedLastTimestamp: null,
        }),
      );
    });

    it('writes a template metadata.creationTimestamp: null and leaves out zero omitempty fields, in Go field order', async () => {
      const deployment = await post('/apis/apps/v1/namespaces/default/deployments', {
        metadata: { name: 'zeros' },
        spec: {
          replicas: 0,
          minReadySeconds: 0,
          paused: false,
          selector: { matchLabels: { a: 'b' } },
          template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x', stdin: false, args: [] }] } },
        },
      });
      expect(deployment.spec.replicas).to.equal(0);
      expect(deployment.spec).to.not.have.any.keys('minReadySeconds', 'paused');
      expect(deployment.spec.template.metadata).to.deep.equal({ creationTimestamp: null, labels: { a: 'b' } });
      expect(Object.keys(deployment.spec)).to.deep.equal(['replicas', 'selector', 'template', 'strategy', 'revisionHistoryLimit', 'progressDeadlineSeconds']);
      expect(deployment.spec.template.spec.containers[0]).to.deep.equal({
        name: 'c',
        image: 'x',
        resources: {},
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        imagePullPolicy: 'Always',
      });
      expect(deployment.status).to.deep.equal({});
      // What the Go zero value already holds (the template, its metadata) is owned by nobody; what was added is.
      const fields = deployment.metadata.managedFields[0].fieldsV1['f:spec'];
      expect(fields['f:template']['f:metadata']).to.deep.equal({ 'f:labels': { '.': {}, 'f:a': {} } });
      expect(fields['f:strategy']['f:rollingUpdate']).to.deep.equal({ '.': {}, 'f:maxSurge': {}, 'f:maxUnavailable': {} });
      expect(fields['f:selector']).to.deep.equal({});
    });
  });

  describe('patches and applies that follow the schema', () => {
    it('server-side apply keys Service ports by port and protocol, the protocol defaulted from the schema, and treats the selector as atomic', async () => {
      const apply = (manager: string, spec: object) =>
        cluster.kubectl(['apply', '--server-side', `--field-manager=${manager}`, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'ssa-svc', namespace: 'default' }, spec }));
      expect((await apply('a', { selector: { app: 'a' }, ports: [{ port: 80, targetPort: 8080 }] })).code).to.equal(0);
      const port = await apply('b', { ports: [{ port: 80, protocol: 'TCP', targetPort: 9090 }] });
      expect(port.stderr).to.include('error: Apply failed with 1 conflict: conflict with "a": .spec.ports[port=80,protocol="TCP"].targetPort\n');
      const selector = await apply('c', { selector: { tier: 'web' } });
      expect(selector.stderr).to.include('error: Apply failed with 1 conflict: conflict with "a": .spec.selector\n');
      const service = JSON.parse((await cluster.kubectl(['get', 'service', 'ssa-svc', '-o', 'json', '--show-managed-fields'])).stdout);
      expect(service.spec.ports).to.deep.equal([{ port: 80, protocol: 'TCP', targetPort: 8080 }]);
      expect(service.metadata.managedFields.find((m: { manager: string }) => m.manager === 'a').fieldsV1).to.deep.equal({
        'f:spec': { 'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {}, 'f:targetPort': {} } }, 'f:selector': {} },
      });
    });

    it('strategic merge patch merges containers by name, replaces atomic lists and honours retainKeys', async () => {
      await post('/apis/apps/v1/namespaces/default/deployments', {
        metadata: { name: 'smp' },
        spec: {
          selector: { matchLabels: { app: 'smp' } },
          template: {
            metadata: { labels: { app: 'smp' } },
            spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }], tolerations: [{ key: 'x', operator: 'Exists' }] },
          },
        },
      });
      const patch = {
        spec: {
          strategy: { $retainKeys: ['type'], type: 'Recreate' },
          template: { spec: { containers: [{ name: 'b', image: 'b:2' }], tolerations: [{ key: 'y', operator: 'Exists' }] } },
        },
      };
      const response = await cluster.request('/apis/apps/v1/namespaces/default/deployments/smp', {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
        body: JSON.stringify(patch),
      });
      expect(response.status, response.body).to.equal(200);
      const spec = response.json().spec;
      expect(spec.strategy).to.deep.equal({ type: 'Recreate' });
      expect(spec.template.spec.containers.map((c: { name: string; image: string }) => `${c.name}=${c.image}`)).to.deep.equal(['a=a:1', 'b=b:2']);
      expect(spec.template.spec.tolerations).to.deep.equal([{ key: 'y', operator: 'Exists' }]);
    });
  });
});
