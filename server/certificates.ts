// Generates the cluster CA and a serving certificate signed by it (ECDSA P-256: fast enough for
// millisecond start-up). Loaded only when certificates have to be made, since the X.509 library
// takes longer to import than the rest of the server.

import { webcrypto } from 'node:crypto';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import type { ServingCertificates } from './tls.js';

// Loaded as CommonJS: importing these packages from ESM costs a further ~25 ms of export analysis.
const require = createRequire(import.meta.url);
require('reflect-metadata');
const x509 = require('@peculiar/x509') as typeof import('@peculiar/x509');

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const dayMs = 24 * 60 * 60 * 1000;

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

export async function generateCertificates(sans: string[], now: Date): Promise<ServingCertificates & { caKey: string }> {
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
