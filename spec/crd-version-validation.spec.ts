// Custom resources written through a version that is not the storage version (conversion strategy
// None) are validated with that version's schema and x-kubernetes-validations rules only: the
// storage version's rules do not apply to them, and fields only that version declares are checked
// and owned before conversion drops them. Updates are compared with the old object as it is read,
// defaults on read included. Every expected answer below was captured from kube-apiserver 1.32.13
// with the same CRDs and requests.

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

/** A served version whose object schema declares `spec` as given; v1 is the storage version. */
const version = (name: string, spec: Json) => ({ name, served: true, storage: name === 'v1', schema: { openAPIV3Schema: { type: 'object', properties: { spec } } } });

/** v1 (storage) refuses size 3 with a rule; v2 caps size at 5 and refuses label "bad" with a rule. */
const gauges = definition('Gauge', [
  version('v1', { type: 'object', 'x-kubernetes-validations': [{ rule: 'self.size != 3', message: 'v1 forbids size 3' }], properties: { size: { type: 'integer' }, label: { type: 'string' } } }),
  version('v2', {
    type: 'object',
    'x-kubernetes-validations': [{ rule: "!has(self.label) || self.label != 'bad'", message: 'v2 forbids label bad' }],
    properties: { size: { type: 'integer', maximum: 5 }, label: { type: 'string' } },
  }),
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

/** Only v2 declares extra (at most 5, never 4) and tier (defaulted): conversion to v1 drops both. */
const knobs = definition('Knob', [
  version('v1', { type: 'object', properties: { size: { type: 'integer' } } }),
  version('v2', {
    type: 'object',
    'x-kubernetes-validations': [{ rule: '!has(self.extra) || self.extra != 4', message: 'v2 forbids extra 4' }],
    properties: { size: { type: 'integer' }, extra: { type: 'integer', maximum: 5 }, tier: { type: 'string', default: 'gold' } },
  }),
]);

/** One version; `mode` gains a default once objects exist. */
const lamp = (mode: Json) => definition('Lamp', [version('v1', { type: 'object', properties: { size: { type: 'integer' }, mode } })]);

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
    await cluster.kubectlOk(['apply', '-f', '-'], knobs);
    await cluster.kubectlOk(['apply', '-f', '-'], lamp({ type: 'string' }));
    const crds = ['gauges', 'dials', 'knobs', 'lamps'].map((plural) => `crd/${plural}.check.kubemock.dev`);
    await cluster.kubectlOk(['wait', '--for=condition=Established', ...crds, '--timeout=5s']);
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

  describe('fields only the written version declares', () => {
    const knob = { group: 'check.kubemock.dev', namespace: 'default', plural: 'knobs' };
    const knobBody = (version: string, name: string, spec: Json) => ({ apiVersion: `check.kubemock.dev/${version}`, kind: 'Knob', metadata: { name }, spec });
    const extraMaximum = { field: 'spec.extra', message: 'Invalid value: 9: spec.extra in body should be less than or equal to 5' };
    const extraRule = { field: 'spec', message: 'Invalid value: "object": v2 forbids extra 4' };
    const invalid = (name: string, cause: { field: string; message: string }) => ({ message: `Knob.check.kubemock.dev "${name}" is invalid: ${cause.field}: ${cause.message}`, causes: [cause] });
    const createKnob = (version: string, name: string, spec: Json) =>
      outcome(custom.createNamespacedCustomObject({ ...knob, version, fieldManager: 'creator', body: knobBody(version, name, spec) }));
    const patchKnob = (name: string, spec: Json) => outcome(custom.patchNamespacedCustomObject({ ...knob, version: 'v2', name, fieldManager: 'patcher', body: { spec } }, mergePatch));

    it("are checked against that version's schema and rules before conversion drops them", async () => {
      expect(await createKnob('v2', 'over', { size: 1, extra: 9 })).to.deep.equal(invalid('over', extraMaximum));
      expect(await createKnob('v2', 'four', { size: 1, extra: 4 })).to.deep.equal(invalid('four', extraRule));
      expect(await createKnob('v1', 'in-v1', { size: 1, extra: 9 })).to.deep.equal({ spec: { size: 1 } });
      expect(await patchKnob('in-v1', { extra: 9 })).to.deep.equal(invalid('in-v1', extraMaximum));
      expect(await patchKnob('in-v1', { extra: 4 })).to.deep.equal(invalid('in-v1', extraRule));
      const current: any = await custom.getNamespacedCustomObject({ ...knob, version: 'v2', name: 'in-v1' });
      expect(await outcome(custom.replaceNamespacedCustomObject({ ...knob, version: 'v2', name: 'in-v1', body: { ...current, spec: { size: 1, extra: 9 } } }))).to.deep.equal(invalid('in-v1', extraMaximum));
      const applied = await cluster.kubectl(['apply', '--server-side', '--field-manager=spec', '-f', '-'], JSON.stringify(knobBody('v2', 'applied', { size: 6, extra: 9 })));
      expect([applied.code, applied.stderr.trim()]).to.deep.equal([1, 'The Knob "applied" is invalid: spec.extra: Invalid value: 9: spec.extra in body should be less than or equal to 5']);
    });

    it('are owned by their writer and counted in the generation, though conversion drops them', async () => {
      const created: any = await custom.createNamespacedCustomObject({ ...knob, version: 'v2', fieldManager: 'creator', body: knobBody('v2', 'owned', { size: 1, extra: 2 }) });
      expect(created.spec).to.deep.equal({ size: 1 });
      expect(created.metadata.managedFields.map((m: Json) => [m.manager, m.apiVersion, m.fieldsV1])).to.deep.equal([
        ['creator', 'check.kubemock.dev/v2', { 'f:spec': { '.': {}, 'f:extra': {}, 'f:size': {}, 'f:tier': {} } }],
      ]);
      // The old object read in v2 has neither extra nor tier, so every write through v2 changes it.
      const patched: any = await custom.patchNamespacedCustomObject({ ...knob, version: 'v2', name: 'owned', fieldManager: 'creator', body: { spec: { extra: 3 } } }, mergePatch);
      expect([patched.spec, patched.metadata.generation]).to.deep.equal([{ size: 1 }, 2]);
    });
  });

  describe('a default the storage version gained after the object was written', () => {
    const lampApi = { group: 'check.kubemock.dev', namespace: 'default', plural: 'lamps', version: 'v1' };
    const read = (object: any) => ({ spec: object.spec, generation: object.metadata.generation, owners: object.metadata.managedFields.map((m: Json) => [m.manager, m.fieldsV1]) });

    it('is owned by nobody and changes no generation, as the old object is compared as read', async () => {
      await custom.createNamespacedCustomObject({ ...lampApi, fieldManager: 'creator', body: { apiVersion: 'check.kubemock.dev/v1', kind: 'Lamp', metadata: { name: 'lamp' }, spec: { size: 1 } } });
      await cluster.kubectlOk(['apply', '-f', '-'], lamp({ type: 'string', default: 'dim' }));
      const current: any = await custom.getNamespacedCustomObject({ ...lampApi, name: 'lamp' });
      expect(current.spec).to.deep.equal({ mode: 'dim', size: 1 });
      // Sending back what was read changes nothing but the stored bytes: the generation stays, nobody owns mode.
      const same: any = await custom.patchNamespacedCustomObject({ ...lampApi, name: 'lamp', fieldManager: 'idle', body: { spec: { size: 1 } } }, mergePatch);
      expect(read(same)).to.deep.equal({ spec: { mode: 'dim', size: 1 }, generation: 1, owners: [['creator', { 'f:spec': { '.': {}, 'f:size': {} } }]] });
      const replaced: any = await custom.replaceNamespacedCustomObject({ ...lampApi, name: 'lamp', fieldManager: 'replacer', body: { ...same, spec: { mode: 'dim', size: 2 } } });
      expect(read(replaced).generation).to.equal(2);
      // The creator keeps spec itself, written as a leaf once size is taken from it.
      expect(read(replaced).owners).to.deep.equal([
        ['creator', { 'f:spec': {} }],
        ['replacer', { 'f:spec': { 'f:size': {} } }],
      ]);
    });
  });
});
