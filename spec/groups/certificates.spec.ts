import 'reflect-metadata';
import * as k8s from '@kubernetes/client-node';
import * as x509 from '@peculiar/x509';
import { expect } from 'chai';
import { webcrypto } from 'node:crypto';
import { ManualClock } from '../../testkit/index.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { expectStatus } from '../support/status.js';
import { aligned } from '../support/tables.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

/** A PKCS#10 request and a certificate for the same fresh key, base64 of their PEM as the API carries them. */
async function keyMaterial(subject: string): Promise<{ request: string; certificate: string }> {
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: subject, keys, signingAlgorithm: algorithm });
  const cert = await x509.X509CertificateGenerator.createSelfSigned({ name: subject, keys, signingAlgorithm: algorithm, notBefore: new Date(), notAfter: new Date(Date.now() + 86_400_000) });
  const base64 = (pem: string) => Buffer.from(pem).toString('base64');
  return { request: base64(csr.toString('pem')), certificate: base64(cert.toString('pem')) };
}

describe('certificates.k8s.io/v1', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  let certificates: k8s.CertificatesV1Api;
  before(async () => {
    clock = new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000));
    // The spec writes certificates through /status itself, as a signer of its own would.
    cluster = await startCluster({ clock, controllers: ['*', '-csrsigning'] });
    certificates = cluster.kubeconfig.makeApiClient(k8s.CertificatesV1Api);
  });
  after(() => cluster.stop());

  it('records the requester, approves and denies with kubectl, and takes the certificate through /status', async () => {
    const jane = await keyMaterial('CN=jane, O=dev');
    const created = await certificates.createCertificateSigningRequest({
      body: { metadata: { name: 'jane' }, spec: { request: jane.request, signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], expirationSeconds: 86400, username: 'root' } },
    });
    expect(created.spec).to.include({ username: 'kubemock-admin' });
    expect(created.spec.groups).to.deep.equal(['system:masters', 'system:authenticated']);
    const joe = await keyMaterial('CN=joe');
    await certificates.createCertificateSigningRequest({ body: { metadata: { name: 'joe' }, spec: { request: joe.request, signerName: 'example.com/internal', usages: ['server auth'] } } });

    const approve = await cluster.kubectl(['certificate', 'approve', 'jane']);
    expect(approve.stdout, approve.stderr).to.equal('certificatesigningrequest.certificates.k8s.io/jane approved\n');
    const deny = await cluster.kubectl(['certificate', 'deny', 'joe']);
    expect(deny.stdout, deny.stderr).to.equal('certificatesigningrequest.certificates.k8s.io/joe denied\n');
    const approved = await certificates.readCertificateSigningRequest({ name: 'jane' });
    expect(approved.status?.conditions?.map((c) => [c.type, c.status, c.reason])).to.deep.equal([['Approved', 'True', 'KubectlApprove']]);

    await expectStatus(
      certificates.patchCertificateSigningRequestStatus({ name: 'jane', body: [{ op: 'add', path: '/status/certificate', value: 'aGVsbG8=' }] }),
      422,
      'Invalid',
      'CertificateSigningRequest.certificates.k8s.io "jane" is invalid: status.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block',
    );
    await certificates.replaceCertificateSigningRequestStatus({ name: 'jane', body: { ...approved, status: { ...approved.status, certificate: jane.certificate } } });

    clock.advance(2_000);
    const { stdout, stderr } = await cluster.kubectl(['get', 'csr']);
    expect(stdout, stderr).to.equal(
      aligned([
        ['NAME', 'AGE', 'SIGNERNAME', 'REQUESTOR', 'REQUESTEDDURATION', 'CONDITION'],
        ['jane', '2s', 'kubernetes.io/kube-apiserver-client', 'kubemock-admin', '24h', 'Approved,Issued'],
        ['joe', '2s', 'example.com/internal', 'kubemock-admin', '<none>', 'Denied'],
      ]),
    );
  });

  it('refuses system:masters certificates from the kube-apiserver client signer', async () => {
    const root = await keyMaterial('CN=root, O=system:masters');
    await expectStatus(
      certificates.createCertificateSigningRequest({ body: { metadata: { name: 'root' }, spec: { request: root.request, signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] } } }),
      403,
      'Forbidden',
      'certificatesigningrequests.certificates.k8s.io "root" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed',
    );
  });
});
