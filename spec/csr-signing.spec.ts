// CertificateSigningRequests signed by the cluster CA once approved, as kube-controller-manager's
// csrsigning controller signs them with --cluster-signing-cert-file/--cluster-signing-key-file,
// and the issued client certificates authenticating as kube-apiserver's --client-ca-file
// authenticator reads them. Messages are those of pkg/controller/certificates/signer in 1.32.

import 'reflect-metadata';
import * as k8s from '@kubernetes/client-node';
import * as x509 from '@peculiar/x509';
import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../testkit/index.js';
import { algorithm, generateKeys, kubectlWithCertificate, mustLogIn, privateKeyPem, requestFor, type KeyPair } from './support/certificates.js';
import { startCluster, type TestCluster } from './support/cluster.js';

type Json = Record<string, any>;

const minute = 60_000;

describe('CertificateSigningRequest signing', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  let certificates: k8s.CertificatesV1Api;
  let dir: string;
  const settle = () => cluster.server.controllers.settle();

  before(async () => {
    clock = new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000));
    // No cleaner: kubectl stamps its approvals with the machine's time, which this spec's clock passes by an hour.
    cluster = await startCluster({ clock, controllers: ['*', '-csrcleaner'] });
    certificates = cluster.kubeconfig.makeApiClient(k8s.CertificatesV1Api);
    dir = mkdtempSync(join(tmpdir(), 'kubemock-csr-'));
  });
  after(async () => {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const submit = async (name: string, pair: KeyPair, spec: Json) => {
    await certificates.createCertificateSigningRequest({ body: { metadata: { name }, spec: { request: pair.request, ...spec } as k8s.V1CertificateSigningRequestSpec } });
  };
  const approve = async (name: string) => {
    const approved = await cluster.kubectl(['certificate', 'approve', name]);
    expect(approved.code, approved.stderr).to.equal(0);
    await settle();
    return (await cluster.request(`/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}`)).json() as Promise<Json>;
  };
  const issued = (csr: Json) => new X509Certificate(Buffer.from(csr.status.certificate, 'base64'));
  const ca = () => new X509Certificate(cluster.server.caCert!);

  const kubectlAs = (name: string, certificatePem: string, keyPem: string, args: string[]) => kubectlWithCertificate(cluster, dir, name, certificatePem, keyPem, args);

  it('signs an approved kube-apiserver-client request with its subject, usages and expirationSeconds', async () => {
    const jane = await requestFor('CN=jane, O=dev, O=qa');
    await submit('jane', jane, { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['digital signature', 'client auth'], expirationSeconds: 3600 });
    await settle();
    const pending = (await (await cluster.request('/apis/certificates.k8s.io/v1/certificatesigningrequests/jane')).json()) as Json;
    expect(pending.status, 'nothing is signed before approval').to.deep.equal({});

    const csr = await approve('jane');
    expect(csr.status.conditions.map((c: Json) => [c.type, c.reason])).to.deep.equal([['Approved', 'KubectlApprove']]);
    const certificate = issued(csr);
    expect(certificate.checkIssued(ca()) && certificate.verify(ca().publicKey)).to.equal(true);
    // Both organizations in one set, in DER's order (shorter encoding first), as Go writes them.
    expect(certificate.subject.split('\n')).to.deep.equal(['O=qa + O=dev', 'CN=jane']);
    expect(certificate.ca).to.equal(false);
    expect(certificate.keyUsage).to.deep.equal(['1.3.6.1.5.5.7.3.2']);
    // Under 8 hours a certificate starts 5 minutes back and ends exactly when asked.
    const now = clock.now().getTime();
    expect(new Date(certificate.validFrom).getTime()).to.equal(now - 5 * minute);
    expect(new Date(certificate.validTo).getTime()).to.equal(now + 60 * minute);
    const printed = await cluster.kubectl(['get', 'csr', 'jane', '--no-headers']);
    expect(printed.stdout).to.match(/^jane\s+\S+\s+kubernetes\.io\/kube-apiserver-client\s+kubemock-admin\s+60m\s+Approved,Issued\n$/);
  });

  it('caps lifetimes at the one-year signing duration and lifts them to ten minutes', async () => {
    const cases: [string, number | undefined, number, number][] = [
      // name, expirationSeconds, expected NotBefore and NotAfter offsets from now
      ['default', undefined, -5 * minute, 8760 * 60 * minute - 5 * minute],
      ['two-years', 2 * 8760 * 3600, -5 * minute, 8760 * 60 * minute - 5 * minute],
      ['ten-minutes', 600, -5 * minute, 10 * minute],
      ['nine-hours', 9 * 3600, -5 * minute, 9 * 60 * minute - 5 * minute],
    ];
    for (const [name, expirationSeconds] of cases) {
      await submit(name, await requestFor(`CN=${name}`), { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], ...(expirationSeconds ? { expirationSeconds } : {}) });
    }
    for (const [name, , from, to] of cases) {
      const certificate = issued(await approve(name));
      const now = clock.now().getTime();
      expect([new Date(certificate.validFrom).getTime() - now, new Date(certificate.validTo).getTime() - now], name).to.deep.equal([from, to]);
    }
  });

  it('authenticates with the issued certificate as its common name and organizations', async () => {
    const alex = await requestFor('CN=alex, O=operators');
    await submit('alex', alex, { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], expirationSeconds: 3600 });
    const certificatePem = Buffer.from((await approve('alex')).status.certificate, 'base64').toString();
    const whoami = await kubectlAs('alex', certificatePem, alex.keyPem, ['auth', 'whoami', '-o', 'json']);
    expect(whoami.code, whoami.stderr).to.equal(0);
    const fingerprint = new X509Certificate(certificatePem).fingerprint256.replace(/:/g, '').toLowerCase();
    expect(JSON.parse(whoami.stdout).status.userInfo).to.deep.equal({
      username: 'alex',
      groups: ['operators', 'system:authenticated'],
      extra: { 'authentication.kubernetes.io/credential-id': [`X509SHA256=${fingerprint}`] },
    });
    const created = await kubectlAs('alex', certificatePem, alex.keyPem, ['create', 'configmap', 'by-alex', '-n', 'default', '--from-literal=owner=alex']);
    expect(created.code, created.stderr).to.equal(0);
    const stored = (await (await cluster.request('/api/v1/namespaces/default/configmaps/by-alex')).json()) as Json;
    expect(stored.metadata.managedFields[0].manager).to.equal('kubectl-create');

    // Past NotAfter of the cluster's clock, the certificate no longer authenticates.
    clock.advance(61 * minute);
    const expired = await kubectlAs('alex', certificatePem, alex.keyPem, ['get', 'configmaps', '-n', 'default']);
    expect(expired.code).to.equal(1);
    expect(expired.stderr).to.include(mustLogIn);
  });

  // As kube-apiserver 1.32.13 keeps them: a write owns nothing of what its part of the request resets,
  // and an object created with nothing owned stays untracked.
  it('owns only what each write of a request may change in managedFields', async () => {
    const managers = async (name: string) => {
      const csr = (await (await cluster.request(`/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}`)).json()) as Json;
      return (csr.metadata.managedFields as Json[] | undefined)?.map((e) => ({ manager: e.manager, subresource: e.subresource, fieldsV1: e.fieldsV1 }));
    };
    const plain = await requestFor('CN=plain');
    await submit('plain', plain, { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] });
    expect(await managers('plain'), 'the spec is reset, nothing else was sent').to.equal(undefined);
    expect((await approve('plain')).status.certificate).to.be.a('string');
    expect(await managers('plain'), 'approval and signing of an untracked request').to.equal(undefined);

    const labelled = await requestFor('CN=labelled');
    await certificates.createCertificateSigningRequest({
      body: { metadata: { name: 'labelled', labels: { team: 'a' } }, spec: { request: labelled.request, signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] } },
    });
    await approve('labelled');
    const approvedCondition = { '.': {}, 'f:lastTransitionTime': {}, 'f:lastUpdateTime': {}, 'f:message': {}, 'f:reason': {}, 'f:status': {}, 'f:type': {} };
    expect(await managers('labelled')).to.have.deep.members([
      { manager: 'node-fetch', subresource: undefined, fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:team': {} } } } },
      { manager: 'kubectl', subresource: 'approval', fieldsV1: { 'f:status': { 'f:conditions': { '.': {}, 'k:{"type":"Approved"}': approvedCondition } } } },
      { manager: 'kube-controller-manager', subresource: 'status', fieldsV1: { 'f:status': { 'f:certificate': {} } } },
    ]);
  });

  it('refuses a certificate from another CA and one without client auth', async () => {
    const keys = await generateKeys();
    const now = clock.now().getTime();
    const selfSigned = await x509.X509CertificateGenerator.createSelfSigned({ name: 'CN=stranger', keys, signingAlgorithm: algorithm, notBefore: new Date(now - minute), notAfter: new Date(now + 3600_000) });
    const stranger = await kubectlAs('stranger', selfSigned.toString('pem'), await privateKeyPem(keys), ['get', 'configmaps']);
    expect(stranger.stderr).to.include(mustLogIn);

    // The cluster CA signed it, but for serving only.
    const names = new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'n2.example.com' }]);
    const node = await requestFor('CN=system:node:n2, O=system:nodes', [names]);
    await submit('serving-only', node, { signerName: 'kubernetes.io/kubelet-serving', usages: ['digital signature', 'server auth'] });
    const servingPem = Buffer.from((await approve('serving-only')).status.certificate, 'base64').toString();
    const serving = await kubectlAs('serving-only', servingPem, node.keyPem, ['get', 'configmaps']);
    expect(serving.stderr).to.include(mustLogIn);
  });

  it('marks requests the signer rules out as Failed with SignerValidationFailure', async () => {
    const cases: [string, Json, string, string][] = [
      ['server-usage', { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth', 'server auth'] }, 'CN=someone', 'invalid usage for client certificate: server auth'],
      ['no-client-auth', { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['digital signature'] }, 'CN=someone', 'missing required usage for client certificate: client auth'],
      ['kubelet-not-node', { signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'] }, 'CN=system:node:n1, O=dev', 'subject organization is not system:nodes'],
      ['kubelet-name', { signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'] }, 'CN=n1, O=system:nodes', 'subject common name does not begin with system:node:'],
      ['kubelet-usages', { signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['client auth'] }, 'CN=system:node:n1, O=system:nodes', 'usages did not match [client auth digital signature key encipherment]'],
      ['serving-no-names', { signerName: 'kubernetes.io/kubelet-serving', usages: ['digital signature', 'server auth'] }, 'CN=system:node:n1, O=system:nodes', 'DNS or IP subjectAltName is required'],
    ];
    for (const [name, spec, subject] of cases) await submit(name, await requestFor(subject), spec);
    for (const [name, , , message] of cases) {
      const csr = await approve(name);
      expect(csr.status.certificate, name).to.equal(undefined);
      const failed = csr.status.conditions.find((c: Json) => c.type === 'Failed');
      expect(failed, name).to.deep.include({ status: 'True', reason: 'SignerValidationFailure', message });
      expect(failed.lastUpdateTime, name).to.be.a('string');
      expect(failed.lastTransitionTime, name).to.equal(failed.lastUpdateTime);
    }
  });

  it('signs kubelet client and serving certificates, and leaves other signers and denied requests alone', async () => {
    await submit('node-client', await requestFor('CN=system:node:n1, O=system:nodes'), { signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'key encipherment', 'client auth'] });
    const names = new x509.SubjectAlternativeNameExtension([
      { type: 'ip', value: '10.0.0.7' },
      { type: 'dns', value: 'n1.example.com' },
    ]);
    await submit('node-serving', await requestFor('CN=system:node:n1, O=system:nodes', [names]), { signerName: 'kubernetes.io/kubelet-serving', usages: ['digital signature', 'server auth'] });
    const mixed = new x509.SubjectAlternativeNameExtension([
      { type: 'ip', value: '10.0.0.1' },
      { type: 'dns', value: 'a.example.com' },
      { type: 'email', value: 'j@x.io' },
    ]);
    await submit('mixed', await requestFor('CN=jane, O=dev, O=qa, E=j@x.io, L=Town', [mixed]), { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] });
    await submit('elsewhere', await requestFor('CN=x'), { signerName: 'example.com/internal', usages: ['client auth'] });
    await submit('denied', await requestFor('CN=y'), { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] });

    const client = issued(await approve('node-client'));
    expect(client.subject.split('\n')).to.deep.equal(['O=system:nodes', 'CN=system:node:n1']);
    const serving = issued(await approve('node-serving'));
    // Go writes DNS names before IP addresses, whatever order the request had.
    expect(serving.subjectAltName).to.equal('DNS:n1.example.com, IP Address:10.0.0.7');
    expect(serving.keyUsage).to.deep.equal(['1.3.6.1.5.5.7.3.1']);
    // As kube-controller-manager 1.32.13 issued the same request: Go's attribute order, the
    // email attribute dropped, names grouped DNS, email, IP.
    const mixedCertificate = issued(await approve('mixed'));
    expect(mixedCertificate.subject.split('\n')).to.deep.equal(['L=Town', 'O=qa + O=dev', 'CN=jane']);
    expect(mixedCertificate.subjectAltName).to.equal('DNS:a.example.com, email:j@x.io, IP Address:10.0.0.1');
    expect((await approve('elsewhere')).status.certificate).to.equal(undefined);
    const denied = await cluster.kubectl(['certificate', 'deny', 'denied']);
    expect(denied.code, denied.stderr).to.equal(0);
    await settle();
    const deniedCsr = (await (await cluster.request('/apis/certificates.k8s.io/v1/certificatesigningrequests/denied')).json()) as Json;
    expect(deniedCsr.status.certificate).to.equal(undefined);
  });
});
