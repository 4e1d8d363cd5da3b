// Key material for the certificate specs: PKCS#10 requests, certificates signed by a CA the spec
// holds the key of, and kubectl with a kubeconfig that presents a client certificate (and no token).

import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { execFile } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestCluster } from './cluster.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
export const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

export interface KeyPair {
  /** The PEM certificate request, base64-encoded as spec.request holds it. */
  request: string;
  keyPem: string;
}

export async function generateKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
}

export async function privateKeyPem(keys: CryptoKeyPair): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as webcrypto.CryptoKey);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

export async function requestFor(subject: string, extensions: x509.Extension[] = []): Promise<KeyPair> {
  const keys = await generateKeys();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: subject, keys, signingAlgorithm: algorithm, extensions });
  return { request: Buffer.from(csr.toString('pem')).toString('base64'), keyPem: await privateKeyPem(keys) };
}

/** kubectl against `cluster` with a kubeconfig in `dir` that presents this certificate (PEM, chain allowed) and key. */
export function kubectlWithCertificate(cluster: TestCluster, dir: string, name: string, certificatePem: string, keyPem: string, args: string[]) {
  const path = join(dir, `${name}.kubeconfig`);
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  writeFileSync(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: kubemock, cluster: {server: "${cluster.server.url}", certificate-authority-data: ${b64(cluster.server.caCert!)}}}]`,
      `users: [{name: ${name}, user: {client-certificate-data: ${b64(certificatePem)}, client-key-data: ${b64(keyPem)}}}]`,
      `contexts: [{name: ${name}, context: {cluster: kubemock, user: ${name}}}]`,
      `current-context: ${name}`,
    ].join('\n'),
  );
  return new Promise<{ stdout: string; stderr: string; code: number }>((resolve) =>
    execFile('kubectl', [`--kubeconfig=${path}`, `--cache-dir=${join(dir, 'cache')}`, ...args], (error, stdout, stderr) => resolve({ stdout, stderr, code: error ? Number(error.code) || 1 : 0 })),
  );
}

/** What kubectl says when the server answers 401. */
export const mustLogIn = 'error: You must be logged in to the server (the server has asked for the client to provide credentials)';
