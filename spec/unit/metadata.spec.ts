import { expect } from 'chai';
import { decodedByGo } from '../../openapi/go-encoding.js';
import { kubernetesComponents } from '../../openapi/kubernetes.js';
import { managedFieldsEntry } from '../../server/registry/managed-fields.js';
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
