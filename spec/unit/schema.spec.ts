import { expect } from 'chai';
import { decodedByGo, storedByGo } from '../../openapi/go-encoding.js';
import { builtinKindSchema, builtinSchemaNames, kubernetesComponents, resourceSchema } from '../../openapi/kubernetes.js';
import { parseGoFields, SchemaComponents, structZero, visitSchema } from '../../openapi/schema.js';
import { define } from '../../server/registry/resources/common.js';

describe('schema nodes', () => {
  const pod = kubernetesComponents.node('io.k8s.api.core.v1.Pod')!;

  it('resolves references, allOf-wrapped ones included, and keeps the referring schema beside the component', () => {
    const containers = pod.property('spec')!.property('containers')!;
    expect(containers.listType).to.equal('map');
    expect(containers.listMapKeys).to.deep.equal(['name']);
    expect(containers.items!.component).to.equal('io.k8s.api.core.v1.Container');
    const metadata = pod.property('metadata')!;
    expect(metadata.component).to.equal('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    expect(metadata.schema.default).to.deep.equal({});
    expect(metadata.property('labels')!.isMap).to.equal(true);
    expect(pod.property('spec')!.property('nodeSelector')!.atomicObject).to.equal(true);
    expect(pod.property('spec')!.property('tolerations')!.listType).to.equal('atomic');
    expect(pod.property('nope')).to.equal(undefined);
    // Nodes are made once: asking again gives the same node, its children already resolved.
    expect(pod.property('spec')).to.equal(pod.property('spec'));
    expect(kubernetesComponents.node('io.k8s.api.core.v1.Pod')).to.equal(pod);
  });

  it('finds built-in kinds by group/version/kind, and custom components fall back to the built-in ones', () => {
    expect(builtinKindSchema({ group: 'apps', version: 'v1', kind: 'Deployment' })).to.equal('io.k8s.api.apps.v1.Deployment');
    expect(builtinKindSchema({ group: '', version: 'v1', kind: 'Pod' })).to.equal('io.k8s.api.core.v1.Pod');
    expect(builtinKindSchema({ group: 'example.com', version: 'v1', kind: 'Pod' })).to.equal(undefined);
    const own = new SchemaComponents(
      (name) => (name === 'com.example.v1.Widget' ? { type: 'object', properties: { metadata: { $ref: `#/components/schemas/${builtinSchemaNames.objectMeta}` } } } : undefined),
      undefined,
      kubernetesComponents,
    );
    expect(own.node('com.example.v1.Widget')!.property('metadata')!.property('finalizers')!.listType).to.equal('set');
  });

  it('gives a definition the built-in schema of its group/version/kind, and a permissive one outside the built-in groups', () => {
    const schema = resourceSchema(define({ group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true }));
    expect(schema).to.include({ name: 'io.k8s.api.apps.v1.Deployment', listName: 'io.k8s.api.apps.v1.DeploymentList', goTypes: true });
    const custom = resourceSchema(define({ group: 'stable.example.com', version: 'v1', kind: 'CronTab', plural: 'crontabs', namespaced: true }));
    expect(custom).to.include({ name: 'com.example.stable.v1.CronTab', goTypes: false });
    expect(custom.components.node(custom.name)!.preservesUnknownFields).to.equal(true);
  });

  it('visits every value the schema describes, with its path, and lets the visitor replace it', () => {
    const object = {
      spec: {
        containers: [{ name: 'c', resources: { limits: { cpu: '1000m', memory: '1024Mi' } } }],
        overhead: { cpu: '0.5' },
      },
      unknown: { cpu: '7' },
    };
    const seen: string[] = [];
    visitSchema(pod, object, (value, node, path, replace) => {
      if (node.component !== builtinSchemaNames.quantity) return;
      seen.push(`${path}=${String(value)}`);
      replace(`canonical(${String(value)})`);
    });
    expect(seen).to.deep.equal(['spec.containers[0].resources.limits[cpu]=1000m', 'spec.containers[0].resources.limits[memory]=1024Mi', 'spec.overhead[cpu]=0.5']);
    expect(object.spec.containers[0].resources.limits).to.deep.equal({ cpu: 'canonical(1000m)', memory: 'canonical(1024Mi)' });
    expect(object.unknown).to.deep.equal({ cpu: '7' });
  });
});

describe("Go's encoding", () => {
  it('reads the generated field facts', () => {
    expect(parseGoFields('name,spec!{},creationTimestamp!null,replicas*,Port!0')).to.deep.equal([
      { name: 'name', mode: 'omitEmpty' },
      { name: 'spec', mode: 'always', zero: structZero },
      { name: 'creationTimestamp', mode: 'always', zero: null },
      { name: 'replicas', mode: 'pointer' },
      { name: 'Port', mode: 'always', zero: 0 },
    ]);
  });

  it('fills in zero values, drops empty omitempty fields, keeps set pointers and orders fields as Go does', () => {
    const deployment = kubernetesComponents.node('io.k8s.api.apps.v1.Deployment')!;
    const decoded = decodedByGo(deployment, {
      spec: { template: { spec: { containers: [{ image: 'x', name: 'c', args: [] }] } }, paused: false, replicas: 0 },
      metadata: { name: 'd', labels: {} },
    });
    expect(JSON.stringify(decoded)).to.equal(
      JSON.stringify({
        metadata: { name: 'd', creationTimestamp: null },
        // selector is a pointer without omitempty: Go writes null for it.
        spec: { replicas: 0, selector: null, template: { metadata: { creationTimestamp: null }, spec: { containers: [{ name: 'c', image: 'x', resources: {} }] } }, strategy: {} },
        status: {},
      }),
    );
  });

  it('stores an empty list written without omitempty as null, as protobuf storage gives it back', () => {
    const role = kubernetesComponents.node('io.k8s.api.rbac.v1.ClusterRole')!;
    expect(decodedByGo(role, { metadata: { name: 'r' }, rules: [] }).rules).to.deep.equal([]);
    expect(storedByGo(role, { metadata: { name: 'r' }, rules: [] }).rules).to.equal(null);
    expect((storedByGo(role, { metadata: { name: 'r' } }) as { rules?: unknown }).rules).to.equal(null);
    const node = kubernetesComponents.node('io.k8s.api.core.v1.Node')!;
    expect(storedByGo(node, { metadata: { name: 'n' }, spec: null }).spec).to.deep.equal({});
  });
});
