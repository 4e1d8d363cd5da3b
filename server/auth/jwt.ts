// JWS compact serialization with RS256, the only form kube-apiserver signs service account tokens in.
// node:crypto signs and verifies (RSASSA-PKCS1-v1_5 with SHA-256); this file only frames the parts.

import { sign, verify } from 'node:crypto';
import type { SigningKey } from './signing-key.js';

type Json = Record<string, unknown>;

/** Go's encoding/json writes map keys sorted, as go-jose serializes merged claims. */
function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Json).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${sortedJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const encode = (json: string) => Buffer.from(json).toString('base64url');

export function signJwt(key: SigningKey, claims: Json): string {
  const input = `${encode(sortedJson({ alg: 'RS256', kid: key.keyId }))}.${encode(sortedJson(claims))}`;
  return `${input}.${sign('sha256', Buffer.from(input), key.privateKey).toString('base64url')}`;
}

export interface DecodedJwt {
  header: Json;
  claims: Json;
  /** Whether the signature is `key`'s. */
  signedBy(key: SigningKey): boolean;
}

const part = /^[A-Za-z0-9_-]+$/;

/** The header and claims of a compact JWS, or undefined for anything that is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => part.test(p))) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    if (!header || typeof header !== 'object' || !claims || typeof claims !== 'object' || Array.isArray(claims)) return undefined;
    const input = Buffer.from(`${parts[0]}.${parts[1]}`);
    const signature = Buffer.from(parts[2], 'base64url');
    return {
      header: header as Json,
      claims: claims as Json,
      signedBy: (key) => (header as Json).alg === 'RS256' && verify('sha256', input, key.publicKey, signature),
    };
  } catch {
    return undefined;
  }
}
