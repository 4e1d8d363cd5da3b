import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { define } from '../server/registry/resources/common.js';
import { startCluster, type TestCluster } from './support/cluster.js';

const sha512 = (text: string) => createHash('sha512').update(text).digest('hex').toUpperCase();

const deploymentYaml = (name: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 2${extra}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: 80
`;

describe('OpenAPI documents and field validation', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster.stop());

  const index = async () => (await cluster.request('/openapi/v3')).json().paths as Record<string, { serverRelativeURL: string }>;
  const documentOf = async (key: string) => (await cluster.request((await index())[key].serverRelativeURL)).json();

  describe('/openapi/v3', () => {
    it('indexes every served group-version by the hash of its document', async () => {
      const response = await cluster.request('/openapi/v3');
      expect(response.status).to.equal(200);
      // As kube-apiserver 1.32.13 answers it: written without a type (Go sniffs it as text) or ETag.
      expect(response.headers['content-type']).to.equal('text/plain; charset=utf-8');
      expect(response.headers.etag).to.equal(undefined);
      const paths = response.json().paths;
      expect(paths).to.include.keys('api/v1', 'apis/apps/v1', 'apis/coordination.k8s.io/v1');
      for (const [key, { serverRelativeURL }] of Object.entries<{ serverRelativeURL: string }>(paths)) {
        expect(serverRelativeURL).to.match(new RegExp(`^/openapi/v3/${key.replace(/\./g, '\\.')}\\?hash=[0-9A-F]{128}$`));
      }
    });

    it('serves a document by its current hash as immutable, redirects a stale hash and answers plainly without one', async () => {
      const url = (await index())['apis/apps/v1'].serverRelativeURL;
      const hash = url.split('hash=')[1];

      const current = await cluster.request(url);
      expect(current.status).to.equal(200);
      expect(sha512(current.body)).to.equal(hash);
      expect(current.headers.etag).to.equal(`"${hash}"`);
      expect(current.headers['cache-control']).to.equal('public, immutable');
      const expiresInDays = (Date.parse(current.headers.expires as string) - Date.now()) / 86_400_000;
      expect(expiresInDays).to.be.within(364, 367);

      const stale = await cluster.request('/openapi/v3/apis/apps/v1?hash=0123ABCD');
      expect(stale.status).to.equal(301);
      expect(stale.headers.location).to.equal(url);

      const plain = await cluster.request('/openapi/v3/apis/apps/v1');
      expect(plain.status).to.equal(200);
      expect(plain.headers['cache-control']).to.equal('no-cache, private');
      expect(plain.body).to.equal(current.body);

      const unchanged = await cluster.request(url, { headers: { 'If-None-Match': `"${hash}"` } });
      expect(unchanged.status).to.equal(304);
    });

    it('refuses protobuf-only clients with an empty 406 and does not know unserved group-versions', async () => {
      const protobuf = await cluster.request('/openapi/v3/api/v1', { headers: { Accept: 'application/com.github.proto-openapi.spec.v3@v1.0+protobuf' } });
      expect(protobuf.status).to.equal(406);
      expect(protobuf.body).to.equal('');
      expect((await cluster.request('/openapi/v3/apis/example.com/v1')).status).to.equal(404);
    });

    it('gives every patchable kind PATCH operations that carry its group-version-kind and the write options', async () => {
      for (const def of cluster.server.services.registry.all()) {
        const gvk = { group: def.group, kind: def.kind, version: def.version };
        const document = await documentOf(def.group ? `apis/${def.group}/${def.version}` : `api/${def.version}`);
        const schemas = Object.values<any>(document.components.schemas);
        expect(schemas.some((s) => s['x-kubernetes-group-version-kind']?.some((k: object) => JSON.stringify(k) === JSON.stringify(gvk))), `${def.kind} schema`).to.equal(true);
        if (!def.verbs.includes('patch')) continue;
        const patches = Object.values<any>(document.paths)
          .map((item) => item.patch)
          .filter((op) => op && JSON.stringify(op['x-kubernetes-group-version-kind']) === JSON.stringify(gvk));
        expect(patches.length, `${def.kind} PATCH operations`).to.be.greaterThan(0);
        for (const patch of patches) {
          expect(patch.parameters.map((p: { name: string }) => p.name), patch.operationId).to.include.members(['dryRun', 'fieldManager', 'fieldValidation', 'force']);
          expect(patch['x-kubernetes-action']).to.equal('patch');
          expect(Object.keys(patch.requestBody.content)).to.have.members([
            'application/apply-patch+yaml',
            'application/json-patch+json',
            'application/merge-patch+json',
            'application/strategic-merge-patch+json',
          ]);
        }
      }
    });

    it('lays out paths and operation ids as kube-apiserver does, subresources included', async () => {
      const paths = (await documentOf('apis/apps/v1')).paths;
      const collection = paths['/apis/apps/v1/namespaces/{namespace}/deployments'];
      expect(collection.get).to.include({ operationId: 'listAppsV1NamespacedDeployment', 'x-kubernetes-action': 'list' });
      expect(collection.post).to.include({ operationId: 'createAppsV1NamespacedDeployment', 'x-kubernetes-action': 'post' });
      expect(collection.delete).to.include({ operationId: 'deleteAppsV1CollectionNamespacedDeployment', 'x-kubernetes-action': 'deletecollection' });
      expect(collection.post.parameters.map((p: { name: string }) => p.name)).to.have.members(['dryRun', 'fieldManager', 'fieldValidation']);
      const item = paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
      expect(Object.keys(item)).to.include.members(['get', 'put', 'patch', 'delete']);
      expect(item.put.operationId).to.equal('replaceAppsV1NamespacedDeployment');
      expect(paths['/apis/apps/v1/deployments'].get.operationId).to.equal('listAppsV1DeploymentForAllNamespaces');
      const scale = paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].patch;
      expect(scale.operationId).to.equal('patchAppsV1NamespacedDeploymentScale');
      expect(scale['x-kubernetes-group-version-kind']).to.deep.equal({ group: 'autoscaling', kind: 'Scale', version: 'v1' });
      const status = paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status'].patch;
      expect(status['x-kubernetes-group-version-kind']).to.deep.equal({ group: 'apps', kind: 'Deployment', version: 'v1' });
      expect(status.parameters.map((p: { name: string }) => p.name)).to.include('fieldValidation');
    });

    it('describes the CONNECT subresources as kube-apiserver does: parameters, one operation per method', async () => {
      const recorded = JSON.parse(readFileSync(new URL('../../spec/fixtures/connect-openapi.json', import.meta.url), 'utf8')).paths;
      const paths = (await documentOf('api/v1')).paths;
      const reduced = Object.fromEntries(
        Object.keys(recorded).map((path) => {
          const { parameters, ...operations } = paths[path] ?? {};
          return [
            path,
            {
              parameters: (parameters ?? []).map((p: any) => `${p.in} ${p.name} ${p.schema.type}${p.required ? ' required' : ''}`),
              operations: Object.fromEntries(
                Object.entries(operations).map(([method, op]: [string, any]) => {
                  const content = Object.entries(op.responses).map(([code, r]: [string, any]) => `${code}:${Object.keys(r.content ?? {}).join(',')}`);
                  return [method, [op.operationId, op['x-kubernetes-action'], op['x-kubernetes-group-version-kind'].kind, ...content].join(' ')];
                }),
              ),
            },
          ];
        }),
      );
      expect(reduced).to.deep.equal(recorded);
    });

    it('names schemas as Kubernetes does and carries the strategic merge facts', async () => {
      const schemas = (await documentOf('api/v1')).components.schemas;
      expect(schemas['io.k8s.api.core.v1.Pod']['x-kubernetes-group-version-kind']).to.deep.equal([{ group: '', kind: 'Pod', version: 'v1' }]);
      // OpenAPI v3 wraps a reference with siblings (here a default) in allOf, as kube-apiserver 1.32 publishes it.
      expect(schemas['io.k8s.api.core.v1.Pod'].properties.metadata).to.deep.equal({ default: {}, allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }] });
      expect(schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).to.deep.equal({ format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] });
      expect(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.Time']).to.deep.equal({ type: 'string', format: 'date-time' });
      expect(schemas['io.k8s.api.core.v1.ResourceRequirements'].properties.limits.additionalProperties.$ref).to.equal(
        '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity',
      );

      const podSpec = schemas['io.k8s.api.core.v1.PodSpec'].properties;
      expect(podSpec.containers).to.include({ 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-list-type': 'map' });
      expect(podSpec.containers.items).to.deep.equal({ default: {}, allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.Container' }] });
      expect(podSpec.volumes['x-kubernetes-patch-strategy']).to.equal('merge,retainKeys');
      expect(podSpec.tolerations).to.deep.include({ 'x-kubernetes-list-type': 'atomic' }).and.not.have.property('x-kubernetes-patch-strategy');
      const ports = schemas['io.k8s.api.core.v1.Container'].properties.ports;
      expect(ports['x-kubernetes-patch-merge-key']).to.equal('containerPort');
      expect(ports['x-kubernetes-list-map-keys']).to.deep.equal(['containerPort', 'protocol']);
      expect(schemas['io.k8s.api.core.v1.ServiceSpec'].properties.ports['x-kubernetes-list-map-keys']).to.deep.equal(['port', 'protocol']);
      const meta = schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties;
      expect(meta.ownerReferences['x-kubernetes-patch-merge-key']).to.equal('uid');
      expect(meta.finalizers).to.include({ 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' });
      expect(schemas['io.k8s.api.core.v1.NodeStatus'].properties.addresses['x-kubernetes-patch-merge-key']).to.equal('type');

      const apps = (await documentOf('apis/apps/v1')).components.schemas;
      expect(apps['io.k8s.api.apps.v1.DeploymentSpec'].properties.strategy['x-kubernetes-patch-strategy']).to.equal('retainKeys');
      expect(apps['io.k8s.api.apps.v1.DeploymentStatus'].properties.conditions['x-kubernetes-patch-merge-key']).to.equal('type');
      expect(apps, 'the pod template keeps its core name').to.include.keys('io.k8s.api.core.v1.PodTemplateSpec', 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector');
    });

    it('publishes a new group-version and a new hash when the registry changes', async () => {
      const before = await index();
      cluster.server.services.registry.add(define({ group: 'stable.example.com', version: 'v1', kind: 'CronTab', plural: 'crontabs', namespaced: true }));
      const after = await index();
      expect(after['api/v1']).to.deep.equal(before['api/v1']);
      const paths = (await documentOf('apis/stable.example.com/v1')).paths;
      const patch = paths['/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}'].patch;
      expect(patch.operationId).to.equal('patchStableExampleComV1NamespacedCronTab');
      expect(Object.keys(patch.requestBody.content)).to.not.include('application/strategic-merge-patch+json');
    });
  });

  describe('/openapi/v2', () => {
    it('serves one Swagger 2.0 document with definitions and the same operations', async () => {
      const response = await cluster.request('/openapi/v2');
      expect(response.status).to.equal(200);
      const swagger = response.json();
      expect(swagger.swagger).to.equal('2.0');
      expect(swagger.definitions['io.k8s.api.core.v1.Pod'].properties.spec.$ref).to.equal('#/definitions/io.k8s.api.core.v1.PodSpec');
      const patch = swagger.paths['/api/v1/namespaces/{namespace}/pods/{name}'].patch;
      expect(patch['x-kubernetes-group-version-kind']).to.deep.equal({ group: '', kind: 'Pod', version: 'v1' });
      expect(patch.parameters.map((p: { name: string }) => p.name)).to.include.members(['body', 'fieldValidation']);
      expect(patch.consumes).to.include('application/strategic-merge-patch+json');
      expect(response.body).to.not.include('#/components/schemas/');
    });
  });

  describe('fieldValidation on POST and PUT', () => {
    const post = (path: string, body: object, fieldValidation?: string) =>
      cluster.request(`${path}${fieldValidation ? `?fieldValidation=${fieldValidation}` : ''}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const deployment = (name: string) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, labels: { app: name } },
      spec: {
        foo: 1,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx', lifecycle: { preStart: {} } }] } },
        bar: true,
      },
    });

    it('Strict rejects unknown fields with every path, in body order', async () => {
      const response = await post('/apis/apps/v1/namespaces/default/deployments', deployment('strict'), 'Strict');
      expect(response.status).to.equal(400);
      expect(response.json()).to.include({
        reason: 'BadRequest',
        message:
          'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo", ' +
          'unknown field "spec.template.spec.containers[0].lifecycle.preStart", unknown field "spec.bar"',
      });
      expect((await cluster.request('/apis/apps/v1/namespaces/default/deployments/strict')).status).to.equal(404);
    });

    it('Warn (the default) stores the object without the unknown fields and sends one Warning each', async () => {
      const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'warned', foo: 'x' }, data: { a: 'b' }, status: { phase: 'odd' } };
      for (const [name, fieldValidation] of [
        ['warned', 'Warn'],
        ['defaulted', undefined],
      ] as const) {
        const response = await post('/api/v1/namespaces/default/configmaps', { ...body, metadata: { ...body.metadata, name } }, fieldValidation);
        expect(response.status).to.equal(201);
        expect(response.headers.warning).to.equal('299 - "unknown field \\"metadata.foo\\"", 299 - "unknown field \\"status\\""');
        const stored = response.json();
        expect(stored.metadata).to.not.have.property('foo');
        expect(stored).to.not.have.property('status');
        expect(stored.data).to.deep.equal({ a: 'b' });
      }
    });

    it('Ignore drops unknown fields silently', async () => {
      const response = await post('/apis/apps/v1/namespaces/default/deployments', deployment('ignored'), 'Ignore');
      expect(response.status).to.equal(201);
      expect(response.headers.warning).to.equal(undefined);
      expect(response.json().spec).to.not.have.any.keys('foo', 'bar');
    });

    it('checks PUT bodies too, status and metadata included', async () => {
      await post('/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'replaced' } });
      const response = await cluster.request('/api/v1/namespaces/default/configmaps/replaced?fieldValidation=Strict', {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'replaced', foo: 1 }, data: { a: 'b' }, extra: [] }),
      });
      expect(response.status).to.equal(400);
      expect(response.json().message).to.equal(
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.foo", unknown field "extra"',
      );
    });
  });

  describe('kubectl', () => {
    it('creates a ConfigMap and a Deployment from YAML with server-side validation', async () => {
      const configMap = await cluster.kubectl(['create', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  color: blue\n');
      expect(configMap.code, configMap.stderr).to.equal(0);
      expect(configMap.stdout).to.equal('configmap/from-yaml created\n');
      const deployment = await cluster.kubectl(['create', '-f', '-'], deploymentYaml('from-yaml'));
      expect(deployment.code, deployment.stderr).to.equal(0);
      expect(deployment.stdout).to.equal('deployment.apps/from-yaml created\n');
      expect(deployment.stderr).to.equal('');
    });

    it('refuses unknown fields by default (--validate=strict)', async () => {
      const result = await cluster.kubectl(['create', '-f', '-'], deploymentYaml('typo', '\n  foo: 1'));
      expect(result.code).to.not.equal(0);
      expect(result.stderr).to.include('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo"');
    });

    it('creates with a warning under --validate=warn', async () => {
      const result = await cluster.kubectl(['create', '--validate=warn', '-f', '-'], deploymentYaml('tolerated', '\n  foo: 1'));
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.equal('deployment.apps/tolerated created\n');
      expect(result.stderr).to.include('Warning: unknown field "spec.foo"');
    });

    it('explains fields from the schema', async () => {
      const result = await cluster.kubectl(['explain', 'pods.spec.containers']);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.include('KIND:       Pod').and.include('FIELD: containers <[]Container>');
      expect(result.stdout).to.match(/^ {2}image\t<string>$/m).and.match(/^ {2}ports\t<\[\]ContainerPort>$/m);
    });

    // Changing an applied object needs PATCH, which kubemock does not serve yet; creating does not.
    it('applies a new object', async () => {
      const result = await cluster.kubectl(['apply', '-f', '-'], deploymentYaml('applied'));
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.equal('deployment.apps/applied created\n');
      const stored = JSON.parse((await cluster.kubectl(['get', 'deployment', 'applied', '-o', 'json'])).stdout);
      expect(stored.metadata.annotations).to.have.property('kubectl.kubernetes.io/last-applied-configuration');
    });
  });
});
