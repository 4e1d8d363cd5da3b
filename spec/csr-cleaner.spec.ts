// kube-controller-manager's csrcleaner on kubemock's clock: approved and issued, denied and failed
// requests go an hour after their condition was last updated, pending ones a day after creation,
// issued ones once their certificate has expired (pkg/controller/certificates/cleaner in 1.32.13).

import 'reflect-metadata';
import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { ManualClock } from '../testkit/index.js';
import { requestFor } from './support/certificates.js';
import { startCluster, type TestCluster } from './support/cluster.js';

const minute = 60_000;

describe('csrcleaner: settled and stale CertificateSigningRequests are deleted on the clock', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  let certificates: k8s.CertificatesV1Api;
  let start: number;

  before(async () => {
    clock = new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000));
    start = clock.now().getTime();
    cluster = await startCluster({ clock });
    certificates = cluster.kubeconfig.makeApiClient(k8s.CertificatesV1Api);
  });
  after(() => cluster.stop());

  const submit = async (name: string, spec: Partial<k8s.V1CertificateSigningRequestSpec>) => {
    const pair = await requestFor(`CN=${name}`);
    await certificates.createCertificateSigningRequest({ body: { metadata: { name }, spec: { request: pair.request, signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], ...spec } } });
  };
  const remaining = async () => (await cluster.kubectlOk(['get', 'csr', '-o', 'name'])).trim().split('\n').filter(Boolean).map((n) => n.replace(/^.*\//, '')).sort();
  const advanceTo = async (offsetMs: number) => {
    clock.advance(start + offsetMs - clock.now().getTime());
    await cluster.server.controllers.settle();
  };

  it('deletes each request when its rule says, and keeps an approved one no signer took', async () => {
    await submit('pending', {});
    await submit('approved', {});
    await submit('denied', {});
    await submit('failed', { usages: ['client auth', 'server auth'] });
    await submit('short-lived', { expirationSeconds: 600 });
    await submit('unsigned', { signerName: 'example.com/nobody' });
    await cluster.kubectlOk(['certificate', 'approve', 'approved', 'failed', 'short-lived', 'unsigned']);
    await cluster.kubectlOk(['certificate', 'deny', 'denied']);
    await cluster.server.controllers.settle();
    const printed = await cluster.kubectlOk(['get', 'csr', '--no-headers']);
    expect(printed).to.match(/^failed\s.*Approved,Failed$/m);
    expect(printed).to.match(/^short-lived\s.*10m\s+Approved,Issued$/m);

    await advanceTo(9 * minute);
    expect(await remaining()).to.deep.equal(['approved', 'denied', 'failed', 'pending', 'short-lived', 'unsigned']);
    // Its certificate ends ten minutes after signing (no backdating at the end under 8 hours).
    await advanceTo(10 * minute + 1000);
    expect(await remaining()).to.deep.equal(['approved', 'denied', 'failed', 'pending', 'unsigned']);

    await advanceTo(59 * minute);
    expect(await remaining()).to.deep.equal(['approved', 'denied', 'failed', 'pending', 'unsigned']);
    await advanceTo(62 * minute);
    expect(await remaining()).to.deep.equal(['pending', 'unsigned']);

    await advanceTo(23 * 60 * minute);
    expect(await remaining()).to.deep.equal(['pending', 'unsigned']);
    await advanceTo(24 * 60 * minute + minute);
    expect(await remaining()).to.deep.equal(['unsigned']);
  });
});
