// Client certificates signed by an intermediate CA under the cluster CA, as kube-apiserver 1.32.13's
// --client-ca-file authenticator took them (spec/fixtures/certificate-controllers.json): the chain
// the client sends is followed to the CA when each parent may sign, within its path length and
// validity, and allows client auth.

import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { expect } from 'chai';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';
import { ManualClock } from '../testkit/index.js';
import { algorithm, generateKeys, kubectlWithCertificate, privateKeyPem } from './support/certificates.js';
import { startCluster, type TestCluster } from './support/cluster.js';

const reference = JSON.parse(readFileSync(new URL('../../spec/fixtures/certificate-controllers.json', import.meta.url), 'utf8')).clientCertificateChains;
const hour = 3600_000;

interface Authority {
  certificate: x509.X509Certificate;
  keys: CryptoKeyPair;
}

type Usage = 'client' | 'server';
interface Shape {
  ca?: boolean;
  pathLength?: number;
  keyUsage?: number;
  extendedUsage?: Usage;
  validForMs?: number;
}

const certSign = x509.KeyUsageFlags.keyCertSign;
const extendedUsageOid: Record<Usage, string> = { client: '1.3.6.1.5.5.7.3.2', server: '1.3.6.1.5.5.7.3.1' };

describe('client certificates signed by an intermediate CA', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  let dir: string;
  let root: Authority;
  let leafKeys: CryptoKeyPair;
  let leafKeyPem: string;
  let serial = 1;

  const startOn = async () => {
    cluster = await startCluster({ clock, certDir: join(dir, 'certs') });
  };
  const readRoot = async () => {
    const caKey = webcrypto.subtle.importKey('pkcs8', Buffer.from(readFileSync(join(dir, 'certs', 'ca.key'), 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64'), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
    const certificate = new x509.X509Certificate(readFileSync(join(dir, 'certs', 'ca.crt'), 'utf8'));
    return { certificate, keys: { privateKey: (await caKey) as CryptoKey, publicKey: await certificate.publicKey.export() } } as Authority;
  };

  before(async () => {
    clock = new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000));
    dir = mkdtempSync(join(tmpdir(), 'kubemock-chains-'));
    await startOn();
    root = await readRoot();
    leafKeys = await generateKeys();
    leafKeyPem = await privateKeyPem(leafKeys);
  });
  after(async () => {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const issue = async (issuer: Authority, subject: string, keys: CryptoKeyPair, shape: Shape): Promise<x509.X509Certificate> => {
    const now = clock.now().getTime();
    const extensions: x509.Extension[] = [];
    if (shape.ca !== undefined) extensions.push(new x509.BasicConstraintsExtension(shape.ca, shape.pathLength, true));
    if (shape.keyUsage !== undefined) extensions.push(new x509.KeyUsagesExtension(shape.keyUsage, true));
    if (shape.extendedUsage) extensions.push(new x509.ExtendedKeyUsageExtension([extendedUsageOid[shape.extendedUsage]]));
    return x509.X509CertificateGenerator.create({
      serialNumber: (serial++).toString(16).padStart(2, '0'),
      subject,
      issuer: issuer.certificate.subjectName,
      notBefore: new Date(now - hour),
      notAfter: new Date(now + (shape.validForMs ?? 10 * hour)),
      publicKey: keys.publicKey,
      signingKey: issuer.keys.privateKey,
      signingAlgorithm: algorithm,
      extensions,
    });
  };
  const intermediate = async (name: string, shape: Shape, issuer = root): Promise<Authority> => {
    const keys = await generateKeys();
    return { certificate: await issue(issuer, `CN=${name}`, keys, shape), keys };
  };
  const leaf = (issuer: Authority) => issue(issuer, 'CN=carol, O=team-a', leafKeys, { ca: false, keyUsage: x509.KeyUsageFlags.digitalSignature, extendedUsage: 'client' });
  const pem = (...certificates: x509.X509Certificate[]) => certificates.map((c) => c.toString('pem')).join('\n') + '\n';

  /** GET /api presenting this chain, as curl does: the certificate goes out whatever CAs the server names. */
  const statusWith = (chain: string) =>
    new Promise<number>((resolve, reject) => {
      const url = new URL('/api', cluster.server.url);
      https
        .get({ host: url.hostname, port: url.port, path: url.pathname, ca: cluster.server.caCert, cert: chain, key: leafKeyPem }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        })
        .on('error', reject);
    });
  const recorded = (name: string) => reference.cases.find((c: { name: string }) => c.name === name).status;

  it('follows the intermediates the client sends, with the checks Go makes on each parent', async () => {
    const plain = await intermediate('intermediate', { ca: true, keyUsage: certSign });
    const carol = await leaf(plain);
    const other = await intermediate('other', { ca: false, keyUsage: certSign });
    const cases: [string, string][] = [
      ['leaf alone', pem(carol)],
      ['leaf and intermediate', pem(carol, plain.certificate)],
      ['leaf, intermediate and root', pem(carol, plain.certificate, root.certificate)],
      ['an unrelated certificate before the intermediate', pem(carol, other.certificate, plain.certificate)],
    ];
    const shaped: [string, Shape][] = [
      ['intermediate not a CA', { ca: false, keyUsage: certSign }],
      ['intermediate without basic constraints', { keyUsage: certSign }],
      ['intermediate without keyCertSign', { ca: true, keyUsage: x509.KeyUsageFlags.digitalSignature }],
      ['intermediate without key usage', { ca: true }],
      ['intermediate for server auth only', { ca: true, keyUsage: certSign, extendedUsage: 'server' }],
      ['intermediate for client auth', { ca: true, keyUsage: certSign, extendedUsage: 'client' }],
    ];
    for (const [name, shape] of shaped) {
      const authority = await intermediate(name, shape);
      cases.push([name, pem(await leaf(authority), authority.certificate)]);
    }
    const limited = await intermediate('pathlen0', { ca: true, pathLength: 0, keyUsage: certSign });
    const underLimited = await intermediate('second', { ca: true, keyUsage: certSign }, limited);
    cases.push(['two intermediates under pathlen:0', pem(await leaf(underLimited), underLimited.certificate, limited.certificate)]);
    const second = await intermediate('second', { ca: true, keyUsage: certSign }, plain);
    cases.push(['two intermediates', pem(await leaf(second), second.certificate, plain.certificate)]);

    for (const [name, chain] of cases) expect(await statusWith(chain), name).to.equal(recorded(name));

    const whoami = await kubectlWithCertificate(cluster, dir, 'carol', pem(carol, plain.certificate), leafKeyPem, ['auth', 'whoami', '-o', 'json']);
    expect(whoami.code, whoami.stderr).to.equal(0);
    const { username, groups } = JSON.parse(whoami.stdout).status.userInfo;
    expect({ username, groups }).to.deep.equal(reference.cases.find((c: { name: string }) => c.name === 'leaf and intermediate').user);
  });

  it("refuses a chain once an intermediate's validity has passed on the cluster's clock", async () => {
    const brief = await intermediate('brief', { ca: true, keyUsage: certSign, validForMs: hour });
    const chain = pem(await leaf(brief), brief.certificate);
    expect(await statusWith(chain)).to.equal(200);
    clock.advance(2 * hour);
    expect(await statusWith(chain)).to.equal(401);
  });

  it('takes an intermediate the CA file holds as a root, for a client that sends its certificate alone', async () => {
    const held = await intermediate('held', { ca: true, keyUsage: certSign });
    const alone = pem(await leaf(held));
    expect(await statusWith(alone)).to.equal(recorded('leaf alone'));
    await cluster.stop();
    appendFileSync(join(dir, 'certs', 'ca.crt'), pem(held.certificate));
    await startOn();
    expect(await statusWith(alone)).to.equal(recorded('intermediate in the CA file, leaf alone'));
  });
});
