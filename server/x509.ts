// PEM blocks, PKCS#10 certificate requests and X.509 certificates as kube-apiserver's validation
// reads them (encoding/pem, crypto/x509), the requests with the X.509 library (loaded on first use).

import { createPublicKey, verify, X509Certificate } from 'node:crypto';
import { x509Library } from './libraries.js';

export interface PemBlock {
  type: string;
  headers: Record<string, string>;
  bytes: Buffer;
}

const beginLine = /-----BEGIN ([^\n-]*)-----\r?\n/;

/** pem.Decode: the first PEM block in the data and what follows it, or undefined when there is none. */
export function decodePem(data: Buffer): { block: PemBlock; rest: Buffer } | undefined {
  let text = data.toString('latin1');
  for (;;) {
    const begin = beginLine.exec(text);
    if (!begin) return undefined;
    const type = begin[1];
    const bodyStart = begin.index + begin[0].length;
    const endMarker = `-----END ${type}-----`;
    const end = text.indexOf(endMarker, bodyStart);
    if (end < 0) return undefined;
    const lines = text.slice(bodyStart, end).split(/\r?\n/);
    const headers: Record<string, string> = {};
    let i = 0;
    for (; i < lines.length && lines[i].includes(':'); i++) {
      const at = lines[i].indexOf(':');
      headers[lines[i].slice(0, at).trim()] = lines[i].slice(at + 1).trim();
    }
    const body = lines.slice(i).join('').replace(/\s/g, '');
    if (/^[A-Za-z0-9+/]*={0,2}$/.test(body)) {
      let restStart = end + endMarker.length;
      if (text.slice(restStart, restStart + 2) === '\r\n') restStart += 2;
      else if (text[restStart] === '\n') restStart += 1;
      return { block: { type, headers, bytes: Buffer.from(body, 'base64') }, rest: data.subarray(restStart) };
    }
    // A block that does not decode is skipped, as pem.Decode skips it.
    text = text.slice(bodyStart);
    data = Buffer.from(text, 'latin1');
  }
}

/** Every PEM block of the data, in order, as repeated pem.Decode calls find them. */
export function* pemBlocks(data: Buffer): Generator<PemBlock> {
  for (let decoded = decodePem(data); decoded; decoded = decodePem(decoded.rest)) yield decoded.block;
}

/** The first element of a DER SEQUENCE, as its encoded bytes (a request's certificationRequestInfo). */
function firstElement(der: Buffer): Buffer {
  const header = (at: number): { start: number; end: number } => {
    let length = der[at + 1];
    let start = at + 2;
    if (length & 0x80) {
      const count = length & 0x7f;
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + der[start + i];
      start += count;
    }
    return { start, end: start + length };
  };
  const outer = header(0);
  const inner = header(outer.start);
  if (inner.end > der.length) throw new Error('x509: malformed certificate request');
  return der.subarray(outer.start, inner.end);
}

export interface CertificateRequest {
  /** The subject's organizations (O=), which name the groups a client certificate carries. */
  organizations: string[];
  /** Why the signature does not verify (Go's message), or undefined when it does. */
  signatureProblem(): string | undefined;
}

const verifiers: Record<string, { hash: string | null; failure: string }> = {
  'RSASSA-PKCS1-v1_5': { hash: '', failure: 'crypto/rsa: verification error' },
  ECDSA: { hash: '', failure: 'x509: ECDSA verification failure' },
  Ed25519: { hash: null, failure: 'x509: Ed25519 verification failure' },
};

/** certificates.ParseCSR: a PEM CERTIFICATE REQUEST block holding a PKCS#10 request; throws Go's message. */
export function parseCertificateRequest(pem: Buffer): CertificateRequest {
  const decoded = decodePem(pem);
  if (!decoded || decoded.block.type !== 'CERTIFICATE REQUEST') throw new Error('PEM block type must be CERTIFICATE REQUEST');
  const der = decoded.block.bytes;
  let request: InstanceType<typeof import('@peculiar/x509').Pkcs10CertificateRequest>;
  let info: Buffer;
  try {
    request = new (x509Library().Pkcs10CertificateRequest)(new Uint8Array(der));
    info = firstElement(der);
  } catch {
    throw new Error('x509: malformed certificate request');
  }
  return {
    organizations: request.subjectName.getField('O'),
    signatureProblem() {
      const algorithm = request.signatureAlgorithm as { name: string; hash?: { name: string } };
      const verifier = verifiers[algorithm.name];
      if (!verifier) return 'x509: cannot verify signature: algorithm unimplemented';
      const hash = verifier.hash === null ? null : (algorithm.hash?.name ?? '').replace('-', '').toLowerCase();
      const key = createPublicKey({ key: Buffer.from(request.publicKey.rawData), format: 'der', type: 'spki' });
      const signature = Buffer.from(request.signature);
      try {
        return verify(hash, info, key, signature) ? undefined : verifier.failure;
      } catch {
        return verifier.failure;
      }
    },
  };
}

/** validateCertificate of the certificates API: PEM CERTIFICATE blocks only, each one parsing. */
export function certificateProblem(pem: Buffer): string | undefined {
  if (pem.length === 0) return undefined;
  let blocks = 0;
  for (const block of pemBlocks(pem)) {
    if (block.type !== 'CERTIFICATE') return `only CERTIFICATE PEM blocks are allowed, found ${JSON.stringify(block.type)}`;
    if (Object.keys(block.headers).length) return 'no PEM block headers are permitted';
    try {
      new X509Certificate(block.bytes);
    } catch {
      return 'x509: malformed certificate';
    }
    blocks++;
  }
  return blocks === 0 ? 'must contain at least one CERTIFICATE PEM block' : undefined;
}
