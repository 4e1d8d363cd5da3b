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

  // A value already in Go's form is its own answer, where any other is copied field by field: both
  // must give the same fields in the same order, keys that hold undefined included, and leave the
  // value as it was.
  it("gives a value in Go's order the same answer as the same value in another order (randomized)", () => {
    let seed = 20261203;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
    const odd = (): unknown => pick<unknown>([null, undefined, '', 0, false, [], {}, 'x', 1, [null], { z: 1 }]);
    const mutate = (v: unknown): unknown => {
      if (Array.isArray(v)) return random() < 0.1 ? [] : v.map((x) => (random() < 0.5 ? mutate(x) : x));
      if (!v || typeof v !== 'object') return random() < 0.15 ? odd() : v;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const r = random();
        if (r < 0.1) continue;
        out[k] = r < 0.5 ? mutate(x) : r < 0.6 ? odd() : x;
      }
      if (random() < 0.1) out[pick(['unknownField', 'b', 'a'])] = odd();
      return out;
    };
    // Every object's keys in reverse order: no struct or map with two keys or more is in Go's order.
    const reversed = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reversed) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)])) : v;
    // Keys in order, undefined ones too (JSON.stringify leaves them out; managedFields sees them).
    const shape = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(shape) : v && typeof v === 'object' ? Object.entries(v).map(([k, x]) => [k, x === undefined ? '<undefined>' : shape(x)]) : v;
    const samples: Record<string, object> = {
      'io.k8s.api.core.v1.Pod': {
        metadata: { name: 'p', labels: { app: 'web', tier: 'a' }, annotations: { a: 'b' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true }] },
        spec: {
          volumes: [{ name: 'v', emptyDir: {} }],
          containers: [{ name: 'app', image: 'nginx', args: ['a'], ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }], resources: { requests: { cpu: '10m', memory: '1Mi' } }, volumeMounts: [{ name: 'v', mountPath: '/v' }] }],
          nodeSelector: { a: 'b' },
          tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
        },
        status: {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: 't' }],
          podIPs: [{ ip: '10.0.0.1' }],
          containerStatuses: [{ name: 'app', state: { running: { startedAt: 't' } }, lastState: {}, ready: true, restartCount: 0, image: 'nginx', imageID: '' }],
        },
      },
      'io.k8s.api.core.v1.Event': {
        metadata: { name: 'e', namespace: 'default' },
        involvedObject: { kind: 'Pod', namespace: 'default', name: 'p', uid: 'u', apiVersion: 'v1', fieldPath: 'spec.containers{app}' },
        reason: 'Pulled', message: 'm', source: { component: 'kubelet', host: 'n' }, firstTimestamp: 't', lastTimestamp: 't', count: 1, type: 'Normal', eventTime: null, reportingComponent: 'kubelet', reportingInstance: '',
      },
      'io.k8s.api.core.v1.Node': { metadata: { name: 'n', labels: { a: 'b' } }, spec: { podCIDRs: ['10.0.0.0/24'], taints: [{ key: 'k', effect: 'NoSchedule' }] }, status: { capacity: { cpu: '1' }, addresses: [{ type: 'InternalIP', address: '1.2.3.4' }], images: [{ names: ['a', 'b'] }] } },
      'io.k8s.api.rbac.v1.ClusterRole': { metadata: { name: 'r' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] },
    };
    for (let i = 0; i < 3000; i++) {
      const kind = pick(Object.keys(samples));
      const node = kubernetesComponents.node(kind)!;
      const write = random() < 0.5 ? decodedByGo : storedByGo;
      const goForm = write(node, structuredClone(samples[kind]));
      // Mutated from Go's form, so that many of its parts are still in it.
      const value = mutate(goForm) as Record<string, unknown>;
      const before = random() < 0.3 ? (write(node, mutate(goForm)) as Record<string, unknown>) : undefined;
      const other = reversed(value) as Record<string, unknown>;
      const [valueText, valueShape, otherShape] = [JSON.stringify(value), JSON.stringify(shape(value)), JSON.stringify(shape(other))];
      const fromGoOrder = write(node, value, before);
      const fromOther = write(node, other, before);
      expect(JSON.stringify(shape(fromGoOrder)), valueText).to.equal(JSON.stringify(shape(fromOther)));
      expect([JSON.stringify(shape(value)), JSON.stringify(shape(other))]).to.deep.equal([valueShape, otherShape]);
    }
    // The same holds for what is already written: it is its own answer, not a copy.
    const pod = decodedByGo(kubernetesComponents.node('io.k8s.api.core.v1.Pod')!, structuredClone(samples['io.k8s.api.core.v1.Pod']));
    expect(decodedByGo(kubernetesComponents.node('io.k8s.api.core.v1.Pod')!, pod)).to.equal(pod);
  });
});
