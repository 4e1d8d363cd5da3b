import { expect } from 'chai';
import { decodedByGo } from '../../openapi/go-encoding.js';
import { kubernetesComponents } from '../../openapi/kubernetes.js';
import { fieldsOf, managedFieldsEntry, toTree } from '../../server/registry/managed-fields.js';
import type { KubeObject } from '../../server/store/types.js';
import { humanDuration } from '../../server/registry/printing.js';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from '../../server/registry/validation.js';

describe('managedFields', () => {
  const info = (manager: string, subresource?: string) => ({ manager, apiVersion: 'apps/v1', time: '2024-05-01T10:00:00Z', subresource, statusIsSubresource: true });
  const deployment = {
    metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['example.com/x'] },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }] }] } } },
    status: { replicas: 1 },
  };

  const schema = kubernetesComponents.node('io.k8s.api.apps.v1.Deployment')!;
  // A create is compared with the kind's empty object, as kube-apiserver compares it with the Go zero value.
  const empty = decodedByGo(schema, { metadata: {} });

  // The shape kube-apiserver 1.32.13 records for this Deployment (its defaulted fields left out).
  it('records what the creating manager set, with list keys and set members', () => {
    const [entry] = managedFieldsEntry(deployment, empty, schema, info('kubectl-create'));
    expect(entry).to.deep.include({ manager: 'kubectl-create', operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', time: '2024-05-01T10:00:00Z' });
    expect(entry.fieldsV1).to.deep.equal({
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} }, 'f:finalizers': { '.': {}, 'v:"example.com/x"': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:template': {
          'f:spec': {
            'f:containers': {
              'k:{"name":"nginx"}': {
                '.': {},
                'f:image': {},
                'f:name': {},
                'f:ports': { '.': {}, 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} } },
              },
            },
          },
        },
      },
    });
    expect(entry.fieldsV1).to.not.have.property('f:status');
  });

  it('moves changed fields to the updating manager and keeps status writes apart', () => {
    const created = { ...deployment, metadata: { ...deployment.metadata, managedFields: managedFieldsEntry(deployment, empty, schema, info('creator')) } };
    const scaled = { ...created, spec: { ...created.spec, replicas: 3 } };
    const entries = managedFieldsEntry(scaled, created, schema, info('scaler'));
    expect(entries.map((e) => e.manager)).to.deep.equal(['creator', 'scaler']);
    expect(entries[1].fieldsV1).to.deep.equal({ 'f:spec': { 'f:replicas': {} } });
    expect((entries[0].fieldsV1['f:spec'] as Record<string, unknown>)['f:replicas']).to.equal(undefined);
    const withStatus = { ...scaled, metadata: { ...scaled.metadata, managedFields: entries }, status: { replicas: 3 } };
    const statusEntries = managedFieldsEntry(withStatus, { ...scaled, metadata: { ...scaled.metadata, managedFields: entries } }, schema, info('controller', 'status'));
    expect(statusEntries[2]).to.deep.include({ manager: 'controller', subresource: 'status', fieldsV1: { 'f:status': { 'f:replicas': {} } } });
  });

  // Random objects of a few kinds, and random changes of them: duplicate list identities, unwritable and empty values.
  const randomObjects = (initialSeed: number) => {
    let seed = initialSeed;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
    type Value = unknown;
    const scalar = (): Value => pick<Value>(['x', '', 0, 1, true, false, null, undefined, 2.5, () => 1]);
    const anything = (depth: number): Value => {
      const r = random();
      if (depth > 3 || r < 0.5) return scalar();
      const count = Math.floor(random() * 4);
      if (r < 0.75) return Object.fromEntries(Array.from({ length: count }, () => [pick(['a', 'b', 'name', 'key']), anything(depth + 1)]));
      return Array.from({ length: count }, () => anything(depth + 1));
    };
    const copy = (v: Value): Value =>
      Array.isArray(v) ? v.map(copy) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)])) : v;
    const mutate = (v: Value, depth: number): Value => {
      if (Array.isArray(v)) {
        const out = v.map((x) => (random() < 0.3 ? mutate(x, depth + 1) : copy(x)));
        const r = random();
        const twin = out.length ? copy(pick(out)) : undefined;
        if (r < 0.1 && twin !== undefined) out.push(twin);
        // An item of the same identity with more fields, ahead of the one it shares it with.
        else if (r < 0.3 && twin && typeof twin === 'object' && !Array.isArray(twin)) out.unshift({ ...twin, [pick(['extra', 'value', 'image'])]: anything(depth + 1) });
        else if (r < 0.35) return [];
        else if (r < 0.45) out.push(anything(depth + 1));
        return out;
      }
      if (v && typeof v === 'object') {
        const out: Record<string, Value> = {};
        for (const [k, x] of Object.entries(v)) {
          const r = random();
          if (r < 0.08) continue;
          out[k] = r < 0.35 ? mutate(x, depth + 1) : r < 0.4 ? scalar() : copy(x);
        }
        if (random() < 0.2) out[pick(['extra', 'name', 'key', 'a', 'constructor'])] = anything(depth + 1);
        return out;
      }
      return random() < 0.3 ? scalar() : v;
    };
    const samples: Record<string, object> = {
      'io.k8s.api.core.v1.Pod': {
        metadata: { labels: { app: 'web' }, annotations: { a: 'b' }, finalizers: ['x/y'], ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true }] },
        spec: { containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443 }], env: [{ name: 'A', value: '1' }], resources: { requests: { cpu: '10m' } } }], volumes: [{ name: 'v', emptyDir: {} }], nodeSelector: { a: 'b' } },
        status: { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }], podIPs: [{ ip: '10.0.0.1' }] },
      },
      'io.k8s.api.core.v1.Event': {
        metadata: { namespace: 'default' },
        involvedObject: { kind: 'Pod', name: 'p', uid: 'u', apiVersion: 'v1', fieldPath: 'spec.containers{app}' },
        reason: 'Pulled', message: 'm', source: { component: 'kubelet', host: 'n' }, firstTimestamp: 't', count: 1, type: 'Normal', eventTime: null, reportingComponent: 'kubelet',
      },
      'io.k8s.api.events.v1.Event': { metadata: {}, eventTime: 't', reportingController: 'c', action: 'Binding', reason: 'Scheduled', regarding: { kind: 'Pod', name: 'p' }, note: 'n', series: { count: 2 } },
      'io.k8s.api.core.v1.Node': { metadata: { labels: { a: 'b' } }, spec: { podCIDRs: ['10.0.0.0/24'], taints: [{ key: 'k', effect: 'NoSchedule' }] }, status: { addresses: [{ type: 'InternalIP', address: '1.2.3.4' }], images: [{ names: ['a', 'b'] }] } },
      'io.k8s.api.coordination.v1.Lease': { metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n', uid: 'u' }] }, spec: { holderIdentity: 'n', leaseDurationSeconds: 40, renewTime: 't' } },
      'io.k8s.api.core.v1.Service': { metadata: {}, spec: { ports: [{ port: 80, protocol: 'TCP' }, { port: 80, protocol: 'UDP' }], selector: { a: 'b' }, ipFamilies: ['IPv4'] } },
    };
    const asObject = (v: Value) => {
      const object = (v && typeof v === 'object' && !Array.isArray(v) ? v : {}) as KubeObject;
      if (!object.metadata || typeof object.metadata !== 'object' || Array.isArray(object.metadata)) object.metadata = {};
      delete object.metadata.managedFields;
      return object;
    };
    return { random, pick, mutate, samples, asObject };
  };

  // A write to a scope nobody owns anything of (a create, a first status write) is computed in a walk of its
  // own; with a bystander owning a field of that scope, the same write takes the general path. Both must give
  // the writer the same fields, in the same order, for objects of every shape: duplicate list identities,
  // unwritable and empty values.
  it('gives a write to a scope nobody owns the same fields as the general computation (randomized)', () => {
    const { random, pick, mutate, samples, asObject } = randomObjects(20261202);
    for (let i = 0; i < 3000; i++) {
      const kind = pick(Object.keys(samples));
      const kindSchema = kubernetesComponents.node(kind)!;
      const zero = decodedByGo(kindSchema, { metadata: {} });
      const mutated = asObject(mutate(samples[kind], 0));
      const object = random() < 0.5 ? decodedByGo(kindSchema, mutated) : mutated;
      const old = random() < 0.6 ? zero : asObject(mutate(samples[kind], 0));
      const writer = { manager: 'writer', apiVersion: 'v1', time: 't', subresource: random() < 0.3 ? 'status' : undefined, statusIsSubresource: random() < 0.7 };
      const alone = managedFieldsEntry(object, old, kindSchema, writer);
      const owned = writer.subresource === 'status' ? { 'f:status': { 'f:unrelated': {} } } : { 'f:unrelated': {} };
      const bystander = { manager: 'bystander', operation: 'Update' as const, apiVersion: 'v1', fieldsType: 'FieldsV1' as const, fieldsV1: owned };
      const general = managedFieldsEntry(object, { ...old, metadata: { ...old.metadata, managedFields: [bystander] } }, kindSchema, writer);
      expect(JSON.stringify(general), JSON.stringify(object)).to.equal(JSON.stringify([bystander, ...alone]));
    }
  });

  // A manager that owned every field of the old object keeps those the write leaves as they were: the same
  // path with the same value. Changes are found by comparing objects field by field, which must lose no
  // change (a value gone, a leaf become an object, an empty map filled, an undefined field) and invent none.
  it('keeps a bystander the fields a write leaves as they were (randomized)', () => {
    const { random, pick, mutate, samples, asObject } = randomObjects(20261203);
    let lostSome = 0;
    for (let i = 0; i < 3000; i++) {
      const kind = pick(Object.keys(samples));
      const kindSchema = kubernetesComponents.node(kind)!;
      const old = asObject(mutate(samples[kind], 0));
      const object = asObject(mutate(old, 0));
      const scope = { subresource: random() < 0.3 ? 'status' : undefined, statusIsSubresource: random() < 0.7 };
      const oldFields = fieldsOf(old, kindSchema, scope);
      if (oldFields.size === 0) continue;
      const newFields = fieldsOf(object, kindSchema, scope);
      const bystander = { manager: 'bystander', operation: 'Update' as const, apiVersion: 'v1', time: 't0', fieldsType: 'FieldsV1' as const, fieldsV1: toTree(oldFields.keys()) };
      const entries = managedFieldsEntry(object, { ...old, metadata: { ...old.metadata, managedFields: [bystander] } }, kindSchema, { manager: 'writer', apiVersion: 'v1', time: 't', ...scope });
      const kept = [...oldFields].filter(([path, value]) => newFields.has(path) && newFields.get(path) === value).map(([path]) => path);
      if (kept.length < oldFields.size) lostSome++;
      const left = entries.find((e) => e.manager === 'bystander');
      expect(left && JSON.stringify(left.fieldsV1), `${JSON.stringify(old)} -> ${JSON.stringify(object)}`).to.equal(kept.length ? JSON.stringify(toTree(kept)) : undefined);
    }
    expect(lostSome).to.be.greaterThan(1000);
  });
});

describe('names and durations', () => {
  it('checks names with the RFC 1123 and 1035 rules', () => {
    expect(isDNS1123Subdomain('web.example.com')).to.deep.equal([]);
    expect(isDNS1123Subdomain('a'.repeat(254))).to.include('must be no more than 253 characters');
    expect(isDNS1123Label('has.dot')).to.have.length(1);
    expect(isDNS1035Label('1abc')[0]).to.match(/^a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character/);
    expect(isQualifiedName('example.com/Name_1')).to.deep.equal([]);
    expect(isQualifiedName('/x')).to.deep.equal(['prefix part must be non-empty']);
  });

  it('prints ages as kubectl does', () => {
    const s = 1000;
    const cases: Array<[number, string]> = [
      [-500, '0s'],
      [95 * s, '95s'],
      [312 * s, '5m12s'],
      [420 * s, '7m'],
      [150 * 60 * s, '150m'],
      [(3 * 3600 + 5 * 60) * s, '3h5m'],
      [27 * 3600 * s, '27h'],
      [(3 * 24 + 4) * 3600 * s, '3d4h'],
      [200 * 24 * 3600 * s, '200d'],
      [(3 * 365 + 10) * 24 * 3600 * s, '3y10d'],
      [9 * 365 * 24 * 3600 * s, '9y'],
    ];
    for (const [ms, text] of cases) expect(humanDuration(ms), String(ms)).to.equal(text);
    expect(humanDuration(-5000)).to.equal('<invalid>');
  });
});
