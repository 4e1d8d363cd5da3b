// kube-controller-manager's csrapproving controller: kubelet client certificate requests approved
// after a SubjectAccessReview, compared with what kube-apiserver and kube-controller-manager
// 1.32.13 did with the same requests (spec/fixtures/certificate-controllers.json).

import 'reflect-metadata';
import * as k8s from '@kubernetes/client-node';
import * as x509 from '@peculiar/x509';
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AdmissionPlugin } from '../server/admission/types.js';
import { errors } from '../server/errors.js';
import { kubectlWithCertificate, requestFor, type KeyPair } from './support/certificates.js';
import { startCluster, type TestCluster } from './support/cluster.js';
import { waitFor } from './support/wait.js';

type Json = Record<string, any>;

const reference = JSON.parse(readFileSync(new URL('../../spec/fixtures/certificate-controllers.json', import.meta.url), 'utf8'));
const node = (name: string) => `CN=system:node:${name}, O=system:nodes`;

describe('csrapproving: kubelet client certificates approved after a SubjectAccessReview', () => {
  let cluster: TestCluster;
  let certificates: k8s.CertificatesV1Api;
  let dir: string;
  const settle = () => cluster.server.controllers.settle();

  before(async () => {
    cluster = await startCluster();
    certificates = cluster.kubeconfig.makeApiClient(k8s.CertificatesV1Api);
    dir = mkdtempSync(join(tmpdir(), 'kubemock-csr-approving-'));
  });
  after(async () => {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Creates `name` with the signer and usages of the recorded request `like`. */
  const submit = async (name: string, pair: KeyPair, like = name) => {
    const { signerName, usages } = reference.outcomes[like];
    await certificates.createCertificateSigningRequest({ body: { metadata: { name }, spec: { request: pair.request, signerName, usages } } });
  };
  const read = async (name: string) => (await (await cluster.request(`/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}`)).json()) as Json;
  /** name → the CONDITION column of `kubectl get csr`. */
  const printed = async () => {
    const lines = (await cluster.kubectlOk(['get', 'csr', '--no-headers'])).trim().split('\n');
    return Object.fromEntries(lines.map((line) => line.split(/\s+/)).map((cells) => [cells[0], cells.at(-1)]));
  };
  const outcome = (csr: Json) => ({
    signerName: csr.spec.signerName,
    usages: csr.spec.usages,
    issued: !!csr.status.certificate,
    conditions: (csr.status.conditions ?? []).map(({ type, status, reason, message }: Json) => ({ type, status, reason, message })),
  });
  const recorded = (name: string) => {
    const { condition: _, ...rest } = reference.outcomes[name];
    return rest;
  };

  it('approves kubelet client requests, leaves serving and malformed ones to a person, as kube-controller-manager did', async () => {
    const n1 = await requestFor(node('n1'));
    await submit('node-client', n1);
    await submit('node-serving', await requestFor(node('n1'), [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'n1.example' }, { type: 'ip', value: '10.0.0.5' }])]));
    await submit('client-with-san', await requestFor(node('n1'), [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'n1.example' }])]));
    await submit('client-server-usage', await requestFor(node('n1')));
    await settle();

    expect(outcome(await read('node-client'))).to.deep.equal(recorded('node-client'));
    const approval = (await read('node-client')).status.conditions[0];
    expect(approval.lastUpdateTime).to.be.a('string');
    expect(approval.lastTransitionTime).to.equal(approval.lastUpdateTime);
    expect(await printed()).to.deep.equal({ 'node-client': 'Approved,Issued', 'node-serving': 'Pending', 'client-with-san': 'Pending', 'client-server-usage': 'Pending' });

    const approved = await cluster.kubectlOk(['certificate', 'approve', 'node-serving', 'client-with-san']);
    expect(approved).to.include('certificatesigningrequest.certificates.k8s.io/node-serving approved');
    await settle();
    for (const name of ['node-client', 'node-serving', 'client-with-san', 'client-server-usage']) expect(outcome(await read(name)), name).to.deep.equal(recorded(name));
    const columns = await printed();
    for (const name of Object.keys(columns)) expect(columns[name], name).to.equal(reference.outcomes[name].condition);
  });

  it("approves a node's request for its own client certificate as selfnodeclient", async () => {
    const n2 = await requestFor(node('n2'));
    await submit('n2-bootstrap', n2, 'node-client');
    await settle();
    const certificatePem = Buffer.from((await read('n2-bootstrap')).status.certificate, 'base64').toString();

    // The node, authenticated by the certificate it was issued, asks for the next one.
    const renewal = await requestFor(node('n2'));
    const { signerName, usages } = reference.outcomes['self-bound'];
    const body = JSON.stringify({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'self-bound' }, spec: { request: renewal.request, signerName, usages } });
    const bodyPath = join(dir, 'self-bound.json');
    writeFileSync(bodyPath, body);
    const created = await kubectlWithCertificate(cluster, dir, 'n2', certificatePem, n2.keyPem, ['create', '-f', bodyPath]);
    expect(created.code, created.stderr).to.equal(0);
    await settle();
    const csr = await read('self-bound');
    expect([csr.spec.username, csr.spec.groups]).to.deep.equal(['system:node:n2', ['system:nodes', 'system:authenticated']]);
    expect(outcome(csr)).to.deep.equal(recorded('self-bound'));
  });

  it('asks with a SubjectAccessReview through the API and retries while the answer is no', async () => {
    const reviews: Json[] = [];
    let allow = false;
    // Stands in for an authorizer that does not yet let the requester have it approved (RBAC
    // before the selfnodeclient ClusterRoleBinding exists): the review itself is refused.
    const gate: AdmissionPlugin = {
      name: 'ReviewGate',
      operations: ['CREATE'],
      resources: ['authorization.k8s.io/subjectaccessreviews'],
      validate(request) {
        reviews.push(structuredClone((request.object as Json | undefined)?.spec));
        if (!allow) throw errors.forbidden({ group: 'authorization.k8s.io', resource: 'subjectaccessreviews' }, '', 'not yet');
      },
    };
    cluster.server.services.admission.add(gate);
    try {
      await submit('node-client-gated', await requestFor(node('n3')), 'node-client');
      await waitFor(() => reviews.length >= 2);
      expect((await read('node-client-gated')).status).to.deep.equal({});
      // Not the requester's own node: only nodeclient is asked, as the requester recorded in the request.
      expect(reviews[0]).to.deep.equal({
        user: 'kubemock-admin',
        groups: ['system:masters', 'system:authenticated'],
        resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create', subresource: 'nodeclient' },
      });
      allow = true;
      await waitFor(async () => (await read('node-client-gated')).status.certificate !== undefined);
      expect(outcome(await read('node-client-gated')).conditions).to.deep.equal(reference.outcomes['node-client'].conditions);
    } finally {
      cluster.server.services.admission.remove('ReviewGate');
    }
  });
});
