import { expect } from 'chai';
import { AdmissionChain, builtinAdmissionPlugins, type AdmissionPlugin, type AdmissionRequest } from '../../server/admission/index.js';
import { ManualClock } from '../../server/clock.js';
import { StatusError } from '../../server/errors.js';
import { createServices } from '../../server/server.js';
import { seedCluster } from '../../server/bootstrap/seed.js';

/** A plugin that records what it sees in `seen`, in the phase it ran. */
function recorder(name: string, seen: string[], declared: Partial<AdmissionPlugin> = {}): AdmissionPlugin {
  return {
    name,
    operations: ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'],
    resources: '*',
    subresources: '*',
    admit: (r) => seen.push(`${name}.admit ${r.operation} ${r.resource}${r.subresource ? `/${r.subresource}` : ''}`),
    validate: (r) => seen.push(`${name}.validate ${r.operation} ${r.resource}${r.subresource ? `/${r.subresource}` : ''}`),
    ...declared,
  };
}

describe('admission chain', () => {
  it('runs every mutating plugin, then every validating one, each in chain order', () => {
    const seen: string[] = [];
    const chain = new AdmissionChain([recorder('A', seen), recorder('B', seen)]);
    const request = { operation: 'CREATE', resource: 'configmaps', subresource: '' } as AdmissionRequest;
    chain.admit(request, {} as never);
    chain.validate(request, {} as never);
    expect(seen).to.deep.equal(['A.admit CREATE configmaps', 'B.admit CREATE configmaps', 'A.validate CREATE configmaps', 'B.validate CREATE configmaps']);
  });

  it('places added plugins before or after a named one and replaces a plugin of the same name', () => {
    const chain = new AdmissionChain([recorder('A', []), recorder('Z', [])]);
    chain.add(recorder('M', []), { before: 'Z' });
    chain.add(recorder('B', []), { after: 'A' });
    chain.add(recorder('End', []));
    expect(chain.names).to.deep.equal(['A', 'B', 'M', 'Z', 'End']);
    chain.add(recorder('B', []));
    chain.remove('Z');
    expect(chain.names).to.deep.equal(['A', 'M', 'End', 'B']);
    expect(() => chain.add(recorder('X', []), { before: 'Nope' })).to.throw('no admission plugin named Nope');
  });

  it('keeps kube-apiserver order for the built-in plugins', () => {
    expect(builtinAdmissionPlugins().map((p) => p.name)).to.deep.equal(['NamespaceLifecycle', 'LimitRanger', 'ServiceAccount', 'Priority', 'DefaultTolerationSeconds', 'DefaultStorageClass', 'StorageObjectInUseProtection', 'PersistentVolumeClaimResize', 'RuntimeClass', 'CertificateSubjectRestriction', 'DefaultIngressClass', 'ResourceQuota']);
  });

  describe('through the write path', () => {
    function cluster() {
      const services = createServices({ clock: new ManualClock(new Date('2025-01-01T00:00:00Z')) });
      seedCluster(services, { port: 6443 });
      const seen: string[] = [];
      services.admission.add(recorder('Probe', seen, { resources: ['configmaps', 'pods'] }));
      return { services, seen, def: (plural: string) => services.registry.find('', 'v1', plural)! };
    }

    it('shows plugins only the operations, resources and subresources they declare', () => {
      const { services, seen, def } = cluster();
      services.admission.add(recorder('StatusOnly', seen, { resources: ['pods'], subresources: ['status'], operations: ['UPDATE'] }));
      services.objects.create(def('configmaps'), 'default', { metadata: { name: 'c' } });
      services.objects.create(def('secrets'), 'default', { metadata: { name: 's' } });
      const existing = services.objects.get(def('configmaps'), 'default', 'c');
      services.objects.replace(def('configmaps'), existing, { ...existing.object, data: { a: 'b' } });
      services.objects.delete(def('configmaps'), 'default', 'c');
      expect(seen).to.deep.equal([
        'Probe.admit CREATE configmaps',
        'Probe.validate CREATE configmaps',
        'Probe.admit UPDATE configmaps',
        'Probe.validate UPDATE configmaps',
        'Probe.admit DELETE configmaps',
        'Probe.validate DELETE configmaps',
      ]);
    });

    it('gives a mutating plugin the defaulted object before validation, and keeps its changes out of managedFields', () => {
      const { services, def } = cluster();
      const observed: unknown[] = [];
      services.admission.add({
        name: 'Labeler',
        operations: ['CREATE'],
        resources: ['configmaps'],
        admit(request) {
          observed.push(request.object!.metadata.uid !== undefined);
          request.object!.metadata.labels = { ...request.object!.metadata.labels, added: 'yes' };
        },
        validate(request) {
          if (request.object!.data === undefined) throw new StatusError(403, 'Forbidden', 'data is required here');
        },
      });
      const created = services.objects.create(def('configmaps'), 'default', { metadata: { name: 'c', labels: { mine: 'x' } }, data: { a: 'b' } }, { fieldManager: 'me' }).object;
      expect(observed).to.deep.equal([true]);
      expect(created.metadata.labels).to.deep.equal({ mine: 'x', added: 'yes' });
      expect((created.metadata.managedFields as any[])[0].fieldsV1).to.deep.equal({ 'f:data': { '.': {}, 'f:a': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:mine': {} } } });
      expect(() => services.objects.create(def('configmaps'), 'default', { metadata: { name: 'd' } })).to.throw('data is required here');
      expect(services.objects.find(def('configmaps'), 'default', 'd')).to.equal(undefined);
    });

    it('runs the mutating phase of a delete before looking the object up, the validating phase with it', () => {
      const { services, def } = cluster();
      const seen: Array<[string, string | undefined]> = [];
      services.admission.add({
        name: 'Deletes',
        operations: ['DELETE'],
        resources: '*',
        admit: (r) => seen.push(['admit', r.oldObject?.metadata.name]),
        validate: (r) => seen.push(['validate', r.oldObject?.metadata.name]),
      });
      services.objects.create(def('configmaps'), 'default', { metadata: { name: 'c' } });
      services.objects.delete(def('configmaps'), 'default', 'c');
      expect(() => services.objects.delete(def('configmaps'), 'default', 'gone')).to.throw('configmaps "gone" not found');
      expect(seen).to.deep.equal([
        ['admit', undefined],
        ['validate', 'c'],
        ['admit', undefined],
      ]);
    });

    it('admits connections to a subresource with their options before the connector locates the backend', () => {
      const { services, seen, def } = cluster();
      services.objects.create(def('serviceaccounts'), 'default', { metadata: { name: 'default' } });
      services.objects.create(def('pods'), 'default', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
      seen.length = 0;
      const connect = () => services.objects.connect(def('pods'), 'default', 'p', 'exec', { kind: 'PodExecOptions', metadata: {}, command: ['ls'] });
      expect(connect).to.throw('pod p does not have a host assigned');
      expect(seen).to.deep.equal(['Probe.admit CONNECT pods/exec', 'Probe.validate CONNECT pods/exec']);
    });
  });
});
