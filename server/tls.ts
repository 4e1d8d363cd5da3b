// The cluster CA and the serving certificate: generated at start (ECDSA P-256, fast enough for
// millisecond start-up), or reused from --cert-dir when it already holds them.

import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { Clock } from './clock.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export interface ServingCertificates {
  caCert: string;
  cert: string;
  key: string;
}

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const files = { caCert: 'ca.crt', caKey: 'ca.key', cert: 'apiserver.crt', key: 'apiserver.key' };
const dayMs = 24 * 60 * 60 * 1000;

/** Names every kubemock serving certificate covers, besides the listen host and --tls-san values. */
export const defaultSubjectAltNames = ['localhost', '127.0.0.1', '::1', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', '10.96.0.1'];

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function generate(sans: string[], now: Date): Promise<ServingCertificates & { caKey: string }> {
  const notBefore = new Date(now.getTime() - 60_000);
  const caKeys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=kubemock-ca',
    notBefore,
    notAfter: new Date(now.getTime() + 3650 * dayMs),
    keys: caKeys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const servingKeys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const names = [...new Set(sans)].map((value) => ({ type: isIP(value) ? ('ip' as const) : ('dns' as const), value }));
  const cert = await x509.X509CertificateGenerator.create({
    subject: 'CN=kube-apiserver',
    issuer: ca.subject,
    notBefore,
    notAfter: new Date(now.getTime() + 365 * dayMs),
    publicKey: servingKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  return {
    caCert: ca.toString('pem'),
    caKey: await privateKeyPem(caKeys.privateKey),
    cert: cert.toString('pem'),
    key: await privateKeyPem(servingKeys.privateKey),
  };
}

export async function loadOrCreateCertificates(options: { certDir?: string; sans: string[]; clock: Clock }): Promise<ServingCertificates> {
  const { certDir } = options;
  const paths = certDir ? Object.fromEntries(Object.entries(files).map(([k, f]) => [k, join(certDir, f)])) : undefined;
  if (paths && Object.values(paths).every((p) => existsSync(p))) {
    const [caCert, cert, key] = await Promise.all([readFile(paths.caCert, 'utf8'), readFile(paths.cert, 'utf8'), readFile(paths.key, 'utf8')]);
    return { caCert, cert, key };
  }
  const generated = await generate([...defaultSubjectAltNames, ...options.sans], options.clock.now());
  if (paths) {
    await mkdir(certDir!, { recursive: true });
    await Promise.all([
      writeFile(paths.caCert, generated.caCert),
      writeFile(paths.caKey, generated.caKey, { mode: 0o600 }),
      writeFile(paths.cert, generated.cert),
      writeFile(paths.key, generated.key, { mode: 0o600 }),
    ]);
  }
  return { caCert: generated.caCert, cert: generated.cert, key: generated.key };
}
