// The key service account tokens are signed with: RSA 2048, made on first use once per process, or
// kept in the cert dir so tokens outlive a restart. Its id is what kube-apiserver puts in `kid`.

import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** base64url of the SHA-256 of the public key's DER SubjectPublicKeyInfo, as kube-apiserver's key id. */
  keyId: string;
}

const keyFile = 'service-account.key';
const keys = new Map<string, SigningKey>();

function withId(privateKey: KeyObject): SigningKey {
  const publicKey = createPublicKey(privateKey);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return { privateKey, publicKey, keyId: createHash('sha256').update(der).digest('base64url') };
}

function readOrCreate(certDir: string): KeyObject {
  const path = join(certDir, keyFile);
  try {
    return createPrivateKey(readFileSync(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return privateKey;
}

/** The signing key of this process, or of `certDir` when one is given. */
export function signingKey(certDir?: string): SigningKey {
  const id = certDir ?? '';
  let key = keys.get(id);
  if (!key) {
    key = withId(certDir ? readOrCreate(certDir) : generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    keys.set(id, key);
  }
  return key;
}
