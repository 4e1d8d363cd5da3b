// Custom resources written through a version that is not the storage version (conversion strategy
// None) are validated with that version's schema and x-kubernetes-validations rules only: the
// storage version's rules do not apply to them. Every expected answer below was captured from
// kube-apiserver 1.32.13 with the same CRD and requests.

import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { startCluster, type TestCluster } from './support/cluster.js';

type Json = Record<string, any>;

/** A namespaced CRD of the check.kubemock.dev group; v1 is its storage version. */
function definition(kind: string, versions: Json[]): string {
  const plural = `${kind.toLowerCase()}s`;
  return JSON.stringify({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.check.kubemock.dev` },
    spec: { group: 'check.kubemock.dev', scope: 'Namespaced', names: { plural, singular: kind.toLowerCase(), kind }, versions },
  });
}

/** v1 (storage) refuses size 3 with a rule; v2 caps size at 5 and refuses label "bad" with a rule. */
const gauges = definition('Gauge', [
  {
    name: 'v1',
    served: true,
    storage: true,
    schema: {
      openAPIV3Schema: {
        type: 'object',
        properties: {
          spec: { type: 'object', 'x-kubernetes-validations': [{ rule: 'self.size != 3', message: 'v1 forbids size 3' }], properties: { size: { type: 'integer' }, label: { type: 'string' } } },
        },
      },
    },
  },
  {
    name: 'v2',
    served: true,
    storage: false,
    schema: {
      openAPIV3Schema: {
        type: 'object',
        properties: {
          spec: {
            type: 'object',
            'x-kubernetes-validations': [{ rule: "!has(self.label) || self.label != 'bad'", message: 'v2 forbids label bad' }],
            properties: { size: { type: 'integer', maximum: 5 }, label: { type: 'string' } },
          },
        },
      },
    },
  },
]);

/** A status subresource in both versions; only v2's status schema caps level at 2. */
const dials = definition(
  'Dial',
  [
    { name: 'v1', level: {} },
    { name: 'v2', level: { maximum: 2 } },
  ].map(({ name, level }) => ({
    name,
    served: true,
    storage: name === 'v1',
    subresources: { status: {} },
    schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } }, status: { type: 'object', properties: { level: { type: 'integer', ...level } } } } } },
  })),
);

const v1Rule = { field: 'spec', message: 'Invalid value: "object": v1 forbids size 3' };
const v2Rule = { field: 'spec', message: 'Invalid value: "object": v2 forbids label bad' };
const v2Maximum = (size: number) => ({ field: 'spec.size', message: `Invalid value: ${size}: spec.size in body should be less than or equal to 5` });

describe('Validating custom resources in the version they are written in', () => {
  let cluster: TestCluster;
  let custom: k8s.CustomObjectsApi;
  const gauge = { group: 'check.kubemock.dev', namespace: 'default', plural: 'gauges' };
  const body = (version: string, name: string, spec: Json) => ({ apiVersion: `check.kubemock.dev/${version}`, kind: 'Gauge', metadata: { name }, spec });
  const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

  /** The spec a write stored, or the 422's message and causes as field/message pairs. */
  const outcome = async (write: Promise<unknown>) => {
    try {
      return { spec: ((await write) as Json).spec };
    } catch (err) {
      const status = JSON.parse((err as k8s.ApiException<string>).body);
      expect(status.code, status.message).to.equal(422);
      expect(status.reason).to.equal('Invalid');
      return { message: status.message, causes: status.details.causes.map((c: Json) => ({ field: c.field, message: c.message })) };
    }
  };
  const create = (version: string, name: string, spec: Json) => outcome(custom.createNamespacedCustomObject({ ...gauge, version, body: body(version, name, spec) }));
  const patch = (version: string, name: string, spec: Json) => outcome(custom.patchNamespacedCustomObject({ ...gauge, version, name, body: { spec } }, mergePatch));
  const replace = async (version: string, name: string, spec: Json) => {
    const current: any = await custom.getNamespacedCustomObject({ ...gauge, version, name });
    return outcome(custom.replaceNamespacedCustomObject({ ...gauge, version, name, body: { ...current, spec } }));
  };

  before(async () => {
    cluster = await startCluster();
    custom = cluster.kubeconfig.makeApiClient(k8s.CustomObjectsApi);
    await cluster.kubectlOk(['apply', '-f', '-'], gauges);
    await cluster.kubectlOk(['apply', '-f', '-'], dials);
    await cluster.kubectlOk(['wait', '--for=condition=Established', 'crd/gauges.check.kubemock.dev', 'crd/dials.check.kubemock.dev', '--timeout=5s']);
  });
  after(() => cluster.stop());

  it('checks a create through the storage version with its own rule only', async () => {
    expect(await create('v1', 'v1-big', { size: 7, label: 'bad' })).to.deep.equal({ spec: { label: 'bad', size: 7 } });
    expect(await create('v1', 'v1-three', { size: 3, label: 'bad' })).to.deep.equal({ message: 'Gauge.check.kubemock.dev "v1-three" is invalid: spec: Invalid value: "object": v1 forbids size 3', causes: [v1Rule] });
  });

  it("checks a create through the other version with that version's schema and rule, not the storage version's", async () => {
    expect(await create('v2', 'v2-three', { size: 3 })).to.deep.equal({ spec: { size: 3 } });
    expect(await create('v2', 'v2-big', { size: 7, label: 'bad' })).to.deep.equal({
      message: 'Gauge.check.kubemock.dev "v2-big" is invalid: [spec.size: Invalid value: 7: spec.size in body should be less than or equal to 5, spec: Invalid value: "object": v2 forbids label bad]',
      causes: [v2Maximum(7), v2Rule],
    });
    expect(await create('v2', 'v2-bad', { size: 3, label: 'bad' })).to.deep.equal({ message: 'Gauge.check.kubemock.dev "v2-bad" is invalid: spec: Invalid value: "object": v2 forbids label bad', causes: [v2Rule] });
  });

  it('checks merge patches in the version they are sent to', async () => {
    await create('v2', 'patched', { size: 1 });
    expect(await patch('v2', 'patched', { size: 7 })).to.deep.equal({ message: 'Gauge.check.kubemock.dev "patched" is invalid: spec.size: Invalid value: 7: spec.size in body should be less than or equal to 5', causes: [v2Maximum(7)] });
    expect(await patch('v2', 'patched', { size: 3 })).to.deep.equal({ spec: { size: 3 } });
    expect(await patch('v1', 'patched', { size: 7, label: 'bad' })).to.deep.equal({ spec: { label: 'bad', size: 7 } });
    expect(await patch('v1', 'patched', { size: 3 })).to.deep.equal({ message: 'Gauge.check.kubemock.dev "patched" is invalid: spec: Invalid value: "object": v1 forbids size 3', causes: [v1Rule] });
  });

  it('checks updates in the version they are sent to', async () => {
    await create('v1', 'replaced', { size: 1 });
    expect(await replace('v2', 'replaced', { size: 9, label: 'bad' })).to.deep.equal({
      message: 'Gauge.check.kubemock.dev "replaced" is invalid: [spec.size: Invalid value: 9: spec.size in body should be less than or equal to 5, spec: Invalid value: "object": v2 forbids label bad]',
      causes: [v2Maximum(9), v2Rule],
    });
    expect(await replace('v1', 'replaced', { size: 9, label: 'bad' })).to.deep.equal({ spec: { label: 'bad', size: 9 } });
    expect(await replace('v1', 'replaced', { size: 3 })).to.deep.equal({ message: 'Gauge.check.kubemock.dev "replaced" is invalid: spec: Invalid value: "object": v1 forbids size 3', causes: [v1Rule] });
  });

  it('owns the fields of an update in the version it is sent to', async () => {
    await create('v1', 'owned', { size: 1 });
    const current: any = await custom.getNamespacedCustomObject({ ...gauge, version: 'v2', name: 'owned' });
    const updated: any = await custom.replaceNamespacedCustomObject({ ...gauge, version: 'v2', name: 'owned', fieldManager: 'replacer', body: { ...current, spec: { size: 2 } } });
    const entry = updated.metadata.managedFields.find((m: Json) => m.manager === 'replacer');
    expect([entry.apiVersion, entry.operation]).to.deep.equal(['check.kubemock.dev/v2', 'Update']);
  });

  it("ratchets an update through the other version against the old object as that version reads it", async () => {
    await create('v1', 'ratcheted', { size: 7 });
    // size 7 breaks v2's maximum but is unchanged, so the update passes; changing it does not.
    expect(await patch('v2', 'ratcheted', { label: 'ok' })).to.deep.equal({ spec: { label: 'ok', size: 7 } });
    expect(await patch('v2', 'ratcheted', { size: 8 })).to.deep.equal({ message: 'Gauge.check.kubemock.dev "ratcheted" is invalid: spec.size: Invalid value: 8: spec.size in body should be less than or equal to 5', causes: [v2Maximum(8)] });
  });

  it("checks a /status write with that version's status schema, naming fields from status in messages", async () => {
    const dial = { group: 'check.kubemock.dev', namespace: 'default', plural: 'dials', name: 'dial' };
    await custom.createNamespacedCustomObject({ ...dial, version: 'v2', body: { apiVersion: 'check.kubemock.dev/v2', kind: 'Dial', metadata: { name: 'dial' }, spec: { size: 1 } } });
    const patchStatus = (version: string) => outcome(custom.patchNamespacedCustomObjectStatus({ ...dial, version, body: { status: { level: 4 } } }, mergePatch));
    expect(await patchStatus('v2')).to.deep.equal({
      message: 'Dial.check.kubemock.dev "dial" is invalid: status.level: Invalid value: 4: level in body should be less than or equal to 2',
      causes: [{ field: 'status.level', message: 'Invalid value: 4: level in body should be less than or equal to 2' }],
    });
    expect(await patchStatus('v1')).to.deep.equal({ spec: { size: 1 } });
    const read: any = await custom.getNamespacedCustomObject({ ...dial, version: 'v1' });
    expect(read.status).to.deep.equal({ level: 4 });
  });

  it('checks server-side apply in the version applied to', async () => {
    const applied = await cluster.kubectl(['apply', '--server-side', '--field-manager=spec', '-f', '-'], JSON.stringify(body('v2', 'applied', { size: 6 })));
    expect(applied.code).to.equal(1);
    expect(applied.stderr.trim()).to.equal('The Gauge "applied" is invalid: spec.size: Invalid value: 6: spec.size in body should be less than or equal to 5');
  });
});
