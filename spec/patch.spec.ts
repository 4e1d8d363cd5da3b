import { expect } from 'chai';
import type { Services } from '../server/services.js';
import { startCluster, withoutWorkloadControllers, type TestCluster } from './support/cluster.js';

const manifest = (replicas: number, image: string, labels = 'labels: {a: b}') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: applied
  ${labels}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: applied}}
  template:
    metadata: {labels: {app: applied}}
    spec:
      containers:
      - name: app
        image: ${image}
        env: [{name: A, value: "1"}]
`;

describe('PATCH and apply', () => {
  let cluster: TestCluster;
  let services: Services;
  const kubectl = async (args: string[], input?: string) => {
    const result = await cluster.kubectl(args, input);
    expect(result.code, `kubectl ${args.join(' ')}: ${result.stderr}`).to.equal(0);
    return result.stdout;
  };
  const patch = (path: string, type: string, body: unknown, query = '') =>
    cluster.request(`${path}${query}`, { method: 'PATCH', headers: { 'Content-Type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const deployment = (name: string) => ({
    metadata: { name, finalizers: ['example.com/a', 'example.com/b'] },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name: 'web', image: 'nginx:1', env: [{ name: 'X', value: '1' }] },
            { name: 'sidecar', image: 'busybox:1' },
          ],
        },
      },
    },
  });

  before(async () => {
    cluster = await startCluster({ controllers: withoutWorkloadControllers });
    services = cluster.server.services;
  });
  after(() => cluster.stop());

  describe('with kubectl', () => {
    it('labels, annotates, scales, sets images and restarts', async () => {
      await kubectl(['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2']);
      expect(await kubectl(['label', 'deployment', 'web', 'tier=front'])).to.equal('deployment.apps/web labeled\n');
      expect(await kubectl(['annotate', 'deployment', 'web', 'note=hello'])).to.equal('deployment.apps/web annotated\n');
      expect(await kubectl(['scale', 'deployment', 'web', '--replicas=4'])).to.equal('deployment.apps/web scaled\n');
      expect(await kubectl(['set', 'image', 'deployment/web', 'nginx=nginx:1.28'])).to.equal('deployment.apps/web image updated\n');
      expect(await kubectl(['rollout', 'restart', 'deployment/web'])).to.equal('deployment.apps/web restarted\n');
      const web = JSON.parse(await kubectl(['get', 'deployment', 'web', '-o', 'json']));
      expect(web.metadata.labels).to.deep.equal({ app: 'web', tier: 'front' });
      expect(web.metadata.annotations).to.include({ note: 'hello' });
      expect(web.spec.replicas).to.equal(4);
      expect(web.spec.template.spec.containers.map((c: { image: string }) => c.image)).to.deep.equal(['nginx:1.28']);
      expect(web.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).to.match(/^\d{4}-\d{2}-\d{2}T/);
      expect(await kubectl(['label', 'deployment', 'web', 'tier-'])).to.equal('deployment.apps/web unlabeled\n');
    });

    it('patches with --type json, merge and strategic', async () => {
      await kubectl(['create', 'configmap', 'patched', '--from-literal=a=1', '--from-literal=b=2']);
      await kubectl(['patch', 'configmap', 'patched', '--type=json', '-p', '[{"op":"replace","path":"/data/a","value":"10"}]']);
      await kubectl(['patch', 'configmap', 'patched', '--type=merge', '-p', '{"data":{"b":null,"c":"3"}}']);
      await kubectl(['patch', 'configmap', 'patched', '-p', '{"metadata":{"labels":{"x":"y"}}}']);
      const cm = JSON.parse(await kubectl(['get', 'configmap', 'patched', '-o', 'json']));
      expect(cm.data).to.deep.equal({ a: '10', c: '3' });
      expect(cm.metadata.labels).to.deep.equal({ x: 'y' });
      const failed = await cluster.kubectl(['patch', 'configmap', 'patched', '--type=json', '-p', '[{"op":"test","path":"/data/a","value":"nope"}]']);
      expect(failed.code).to.equal(1);
      expect(failed.stderr.trim()).to.equal('The request is invalid: the server rejected our request due to an error in our request');
    });

    it('applies client-side twice: create, then a three-way strategic patch', async () => {
      expect(await kubectl(['apply', '-f', '-'], manifest(1, 'busybox:1'))).to.equal('deployment.apps/applied created\n');
      expect(await kubectl(['apply', '-f', '-'], manifest(3, 'busybox:2', ''))).to.equal('deployment.apps/applied configured\n');
      const applied = JSON.parse(await kubectl(['get', 'deployment', 'applied', '-o', 'json']));
      expect(applied.spec.replicas).to.equal(3);
      expect(applied.spec.template.spec.containers[0]).to.deep.include({ image: 'busybox:2', env: [{ name: 'A', value: '1' }] });
      expect(applied.metadata.labels ?? {}).to.not.have.property('a');
      expect(applied.metadata.annotations).to.have.property('kubectl.kubernetes.io/last-applied-configuration');
      expect(await kubectl(['apply', '-f', '-'], manifest(3, 'busybox:2', ''))).to.equal('deployment.apps/applied unchanged\n');
    });

    it('applies server-side with ownership, conflicts and --force-conflicts', async () => {
      const ssa = (replicas: number, labels = 'labels: {a: b}') => manifest(replicas, 'busybox:1', labels).replace('name: applied', 'name: server-side').replaceAll('app: applied', 'app: server-side');
      expect(await kubectl(['apply', '--server-side', '-f', '-'], ssa(2))).to.equal('deployment.apps/server-side serverside-applied\n');
      const created = JSON.parse(await kubectl(['get', 'deployment', 'server-side', '-o', 'json', '--show-managed-fields']));
      expect(created.metadata.managedFields).to.have.length(1);
      expect(created.metadata.managedFields[0]).to.deep.include({ manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1' });
      expect(created.metadata.managedFields[0].fieldsV1['f:spec']['f:template']['f:spec']['f:containers']).to.have.property('k:{"name":"app"}');

      await kubectl(['scale', 'deployment', 'server-side', '--replicas=5']);
      const conflict = await cluster.kubectl(['apply', '--server-side', '-f', '-'], ssa(3));
      expect(conflict.code).to.equal(1);
      expect(conflict.stderr).to.include('error: Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas');
      await kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], ssa(3));
      expect(await kubectl(['get', 'deployment', 'server-side', '-o', 'jsonpath={.spec.replicas}'])).to.equal('3');

      await kubectl(['apply', '--server-side', '-f', '-'], ssa(3, ''));
      const relabeled = JSON.parse(await kubectl(['get', 'deployment', 'server-side', '-o', 'json', '--show-managed-fields']));
      expect(relabeled.metadata.labels ?? {}).to.not.have.property('a');
      expect(relabeled.metadata.managedFields.map((m: { manager: string; operation: string }) => `${m.manager}/${m.operation}`)).to.deep.equal(['kubectl/Apply']);
    });
  });

  describe('server-side apply ownership', () => {
    const cmYaml = (data: string, labels = '') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: owned\n${labels}data: {${data}}\n`;

    it('keeps what other managers own when the applier stops applying its part', async () => {
      await kubectl(['apply', '--server-side', '-f', '-'], cmYaml('a: "1"', '  labels: {mine: "x"}\n'));
      await kubectl(['label', 'configmap', 'owned', 'theirs=y']);
      await kubectl(['apply', '--server-side', '-f', '-'], cmYaml('a: "1"'));
      const cm = JSON.parse(await kubectl(['get', 'configmap', 'owned', '-o', 'json']));
      expect(cm.metadata.labels).to.deep.equal({ theirs: 'y' });
    });

    it('leaves the object alone on a repeated apply, whoever else wrote since', async () => {
      const before = JSON.parse(await kubectl(['get', 'configmap', 'owned', '-o', 'json'])).metadata.resourceVersion;
      await kubectl(['apply', '--server-side', '-f', '-'], cmYaml('a: "1"'));
      expect(JSON.parse(await kubectl(['get', 'configmap', 'owned', '-o', 'json'])).metadata.resourceVersion).to.equal(before);
    });

    it('identifies list items by their keys with defaults, so re-applying adds no duplicate', async () => {
      const svc = 'apiVersion: v1\nkind: Service\nmetadata: {name: ports}\nspec:\n  selector: {app: x}\n  ports: [{port: 80}]\n';
      await kubectl(['apply', '--server-side', '-f', '-'], svc);
      await kubectl(['apply', '--server-side', '-f', '-'], svc);
      const stored = JSON.parse(await kubectl(['get', 'service', 'ports', '-o', 'json', '--show-managed-fields']));
      expect(stored.spec.ports).to.deep.equal([{ port: 80, protocol: 'TCP', targetPort: 80 }]);
      expect(stored.metadata.managedFields[0].fieldsV1['f:spec']['f:ports']).to.have.property('k:{"port":80,"protocol":"TCP"}');
    });

    it('moves from client-side to server-side apply without conflicts', async () => {
      const deployment = manifest(1, 'busybox:1').replaceAll('applied', 'migrated');
      await kubectl(['apply', '-f', '-'], deployment);
      expect(await kubectl(['apply', '--server-side', '-f', '-'], deployment.replace('replicas: 1', 'replicas: 2'))).to.equal('deployment.apps/migrated serverside-applied\n');
      expect(await kubectl(['get', 'deployment', 'migrated', '-o', 'jsonpath={.spec.replicas}'])).to.equal('2');
    });

    it('treats a resourceVersion in the applied configuration as a precondition', async () => {
      const response = await patch('/api/v1/namespaces/default/configmaps/owned', 'application/apply-patch+yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: owned, resourceVersion: "1"}\n', '?fieldManager=kubectl');
      expect(response.status).to.equal(409);
    });

    it('clears managedFields written as [{}]', async () => {
      const response = await patch('/api/v1/namespaces/default/configmaps/owned', 'application/merge-patch+json', { metadata: { managedFields: [{}] } });
      expect(response.status).to.equal(200);
      expect(response.json().metadata).to.not.have.property('managedFields');
    });

    // As kube-apiserver 1.32.13 tracks them: updates of an untracked object stay untracked, and the
    // first apply gives what is there to before-first-apply.
    it('tracks an object whose managedFields were cleared again only from its first apply', async () => {
      await kubectl(['create', 'configmap', 'untracked', '--from-literal=a=1']);
      expect((await patch('/api/v1/namespaces/default/configmaps/untracked', 'application/merge-patch+json', { metadata: { managedFields: [{}] } })).status).to.equal(200);
      await kubectl(['label', 'configmap', 'untracked', 'x=y']);
      const updated = (await patch('/api/v1/namespaces/default/configmaps/untracked', 'application/merge-patch+json', { data: { b: '2' } }, '?fieldManager=patcher')).json();
      expect(updated.metadata).to.not.have.property('managedFields');
      const applied = (await patch('/api/v1/namespaces/default/configmaps/untracked', 'application/apply-patch+yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: untracked}\ndata: {c: "3"}\n', '?fieldManager=applier')).json();
      expect(applied.metadata.managedFields.map((e: { manager: string; operation: string; fieldsV1: unknown }) => [e.manager, e.operation, e.fieldsV1])).to.deep.equal([
        ['applier', 'Apply', { 'f:data': { 'f:c': {} } }],
        ['before-first-apply', 'Update', { 'f:data': { '.': {}, 'f:a': {}, 'f:b': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:x': {} } } }],
      ]);
      const conflict = await patch('/api/v1/namespaces/default/configmaps/untracked', 'application/apply-patch+yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: untracked}\ndata: {a: "9"}\n', '?fieldManager=other');
      expect(conflict.status).to.equal(409);
      expect(conflict.json().message).to.include('before-first-apply');
    });
  });

  describe('strategic merge patch', () => {
    it('merges containers by name and keeps the other elements', async () => {
      services.objects.create(services.registry.find('apps', 'v1', 'deployments')!, 'default', deployment('smp'));
      const response = await patch('/apis/apps/v1/namespaces/default/deployments/smp', 'application/strategic-merge-patch+json', {
        spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:2', env: [{ name: 'Y', value: '2' }] }] } } },
      });
      expect(response.status).to.equal(200);
      const containers = response.json().spec.template.spec.containers;
      expect(containers.map((c: { name: string; image: string }) => `${c.name}=${c.image}`)).to.deep.equal(['web=nginx:2', 'sidecar=busybox:1']);
      expect(containers[0].env).to.deep.equal([
        { name: 'X', value: '1' },
        { name: 'Y', value: '2' },
      ]);
      expect(response.json().metadata.generation).to.equal(2);
    });

    it('honours $patch delete, $setElementOrder, $deleteFromPrimitiveList and primitive set merges', async () => {
      const response = await patch('/apis/apps/v1/namespaces/default/deployments/smp', 'application/strategic-merge-patch+json', {
        metadata: { finalizers: ['example.com/c'], '$deleteFromPrimitiveList/finalizers': ['example.com/a'] },
        spec: {
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'web' }],
              containers: [{ name: 'web', env: [{ name: 'X', $patch: 'delete' }] }],
            },
          },
        },
      });
      expect(response.status).to.equal(200);
      const body = response.json();
      expect(body.metadata.finalizers).to.deep.equal(['example.com/b', 'example.com/c']);
      expect(body.spec.template.spec.containers.map((c: { name: string }) => c.name)).to.deep.equal(['sidecar', 'web']);
      expect(body.spec.template.spec.containers[1].env).to.deep.equal([{ name: 'Y', value: '2' }]);
    });

    it('replaces atomic lists and clears fields outside $retainKeys', async () => {
      const response = await patch('/apis/apps/v1/namespaces/default/deployments/smp', 'application/strategic-merge-patch+json', {
        spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' }, template: { spec: { tolerations: [{ key: 'k', operator: 'Exists' }] } } },
      });
      expect(response.status, response.body).to.equal(200);
      expect(response.json().spec.strategy).to.deep.equal({ type: 'Recreate' });
      expect(response.json().spec.template.spec.tolerations).to.deep.equal([{ key: 'k', operator: 'Exists' }]);
    });
  });

  describe('through @kubernetes/client-node', () => {
    it('sends JSON patches by default and patches status', async () => {
      await cluster.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cn-patch' }, data: { a: '1' } } });
      const patched = await cluster.core.patchNamespacedConfigMap({ name: 'cn-patch', namespace: 'default', body: [{ op: 'add', path: '/data/b', value: '2' }] });
      expect(patched.data).to.deep.equal({ a: '1', b: '2' });
      services.objects.create(services.registry.find('apps', 'v1', 'deployments')!, 'default', { ...deployment('status-patch'), metadata: { name: 'status-patch' } });
      const status = await cluster.apps.patchNamespacedDeploymentStatus({
        name: 'status-patch',
        namespace: 'default',
        body: [{ op: 'add', path: '/status/replicas', value: 1 }, { op: 'replace', path: '/spec/replicas', value: 9 }],
      });
      expect(status.status?.replicas).to.equal(1);
      expect(status.spec?.replicas).to.equal(1);
    });
  });

  describe('errors', () => {
    const path = '/api/v1/namespaces/default/configmaps/errs';
    before(() => services.objects.create(services.registry.find('', 'v1', 'configmaps')!, 'default', { metadata: { name: 'errs' }, data: { a: '1' } }));

    it('415 from the route for a body type that is no patch type, as kube-apiserver 1.32.13 answers', async () => {
      const response = await patch(path, 'application/json', { data: {} });
      expect(response.status).to.equal(415);
      expect(response.json()).to.include({ reason: 'UnsupportedMediaType', message: '415: Unsupported Media Type', code: 415 });
      expect(response.json().details).to.deep.equal({});
    });

    it('422 for force on a non-apply patch and for an apply without fieldManager', async () => {
      const forced = await patch(path, 'application/merge-patch+json', { data: {} }, '?force=true');
      expect(forced.status).to.equal(422);
      expect(forced.json().message).to.equal('PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
      const unmanaged = await patch(path, 'application/apply-patch+yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: errs}\n');
      expect(unmanaged.status).to.equal(422);
      expect(unmanaged.json().message).to.equal('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    });

    it('400 for a JSON patch that is not a list, 404 for a missing object, 409 for a stale resourceVersion', async () => {
      const notList = await patch(path, 'application/json-patch+json', { op: 'add' });
      expect(notList.status).to.equal(400);
      // Decoded into kube-apiserver's operation struct first (fieldValidation defaults to Warn).
      expect(notList.json().message).to.equal('error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp');
      expect((await patch('/api/v1/namespaces/default/configmaps/none', 'application/merge-patch+json', { data: {} })).status).to.equal(404);
      const stale = await patch(path, 'application/merge-patch+json', { metadata: { resourceVersion: '1' }, data: { a: '2' } });
      expect(stale.status).to.equal(409);
      expect(stale.json().message).to.equal('Operation cannot be fulfilled on configmaps "errs": the object has been modified; please apply your changes to the latest version and try again');
    });

    it('ignores __proto__ keys, which could otherwise reach server-owned metadata', async () => {
      const response = await patch(path, 'application/merge-patch+json', '{"metadata":{"__proto__":{"deletionTimestamp":"2020-01-01T00:00:00Z"}},"data":{"a":"1"}}');
      expect(response.status).to.equal(200);
      const stored = (await cluster.request(path)).json();
      expect(stored.metadata).to.not.have.property('deletionTimestamp');
    });

    it('422 for an apply with an empty fieldManager', async () => {
      const response = await patch(path, 'application/apply-patch+yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: errs}\n', '?fieldManager=');
      expect(response.status).to.equal(422);
    });

    it('400 for a patch that renames the object, leaving it as it was', async () => {
      const renamed = await patch(path, 'application/json-patch+json', [{ op: 'replace', path: '/metadata/name', value: 'other' }]);
      expect(renamed.status).to.equal(400);
      expect(renamed.json().message).to.equal('the name of the object (other) does not match the name on the URL (errs)');
      expect((await cluster.request(path)).json().metadata.name).to.equal('errs');
    });

    it('refuses a patch whose result is not an object of the kind as kube-apiserver does, storing nothing', async () => {
      const before = (await cluster.request(path)).json();
      // Measured on kube-apiserver 1.32.13: a result without a name is a 400, one Go cannot decode a 422 on the patch.
      for (const [type, body] of [
        ['application/merge-patch+json', { metadata: null }],
        ['application/json-patch+json', [{ op: 'remove', path: '/metadata' }]],
      ] as const) {
        const response = await patch(path, type, body);
        expect(response.status, `${type} ${JSON.stringify(body)}: ${response.body}`).to.equal(400);
        expect(response.json().message).to.equal('the name of the object (errs based on URL) was undeterminable: name must be provided');
      }
      const nested = await patch(path, 'application/merge-patch+json', { data: { a: { nested: true } } });
      expect(nested.status).to.equal(422);
      expect(nested.json().message).to.match(/^ "" is invalid: patch: Invalid value: "\{\\"apiVersion\\":\\"v1\\",\\"data\\":\{\\"a\\":\{\\"nested\\":true\}\},\\"kind\\":\\"ConfigMap\\",\\"metadata\\":\{.*\}": json: cannot unmarshal object into Go struct field ConfigMap\.data of type string$/);
      expect(nested.json().details).to.deep.equal({ causes: [{ reason: 'FieldValueInvalid', message: nested.json().message.slice(' "" is invalid: patch: '.length), field: 'patch' }] });
      // A scalar replacing the whole document is let through as a no-op by kube-apiserver's JSON patch library.
      expect((await patch(path, 'application/json-patch+json', [{ op: 'replace', path: '', value: 5 }])).status).to.equal(200);
      expect((await cluster.request(path)).json()).to.deep.equal(before);
    });

    it('400 for unknown fields in an apply, and for an applied object carrying managedFields', async () => {
      const unknown = await patch(path, 'application/apply-patch+yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: errs}\nfoo: bar\n', '?fieldManager=me');
      expect(unknown.status).to.equal(400);
      expect(unknown.json().message).to.equal('failed to create typed patch object (default/errs; v1, Kind=ConfigMap): .foo: field not declared in schema');
      const managed = await patch(path, 'application/apply-patch+yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: errs, managedFields: []}\n', '?fieldManager=me');
      expect(managed.status).to.equal(400);
      expect(managed.json().message).to.equal('metadata.managedFields must be nil');
    });

    it('creates through apply with 201 and honours dry-run', async () => {
      const created = await patch('/api/v1/namespaces/default/configmaps/by-apply', 'application/apply-patch+yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: by-apply}\ndata: {k: v}\n', '?fieldManager=me');
      expect(created.status).to.equal(201);
      expect(created.json().metadata.managedFields[0]).to.deep.include({ manager: 'me', operation: 'Apply' });
      const dry = await patch(path, 'application/merge-patch+json', { data: { a: 'dry' } }, '?dryRun=All');
      expect(dry.status).to.equal(200);
      expect(dry.json().data.a).to.equal('dry');
      expect((await cluster.request(path)).json().data.a).to.equal('1');
    });
  });
});
