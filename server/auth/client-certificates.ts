// Client certificates, as kube-apiserver's --client-ca-file authenticator reads them: every
// certificate of the CA file is a root; the certificates the client sends after its own are the
// intermediates a chain to a root may pass through (Go's x509 Verify: each parent a CA allowed to
// sign certificates, within its path length, and valid at the injected clock's time). Every
// certificate of the chain must allow client auth (or name no extended usage at all). The subject's
// common name is the user, its organizations the groups, and the certificate's SHA-256 the
// credential ID.

import { createHash, X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { Clock } from '../clock.js';
import { asn1Libraries } from '../libraries.js';
import type { UserInfo } from '../registry/types.js';
import { pemBlocks } from '../x509.js';

const clientAuth = '1.3.6.1.5.5.7.3.2';
const anyUsage = '2.5.29.37.0';
const basicConstraints = '2.5.29.19';
/** Go's maxChainSignatureChecks: chain building stops trying candidates after this many. */
const maxSignatureChecks = 100;
/** How many certificates after its own a client may send to be looked at. */
const maxPresented = 16;
/** How many clients' intermediates are remembered for their resumed sessions. */
const maxRemembered = 1024;

export type CertificateAuthentication = { user: UserInfo } | { error: string } | undefined;

/** Every CERTIFICATE block of a PEM bundle. */
function certificatesIn(pem: string): X509Certificate[] {
  return [...pemBlocks(Buffer.from(pem))].filter((block) => block.type === 'CERTIFICATE').map((block) => new X509Certificate(block.bytes));
}

/** The certificates the client sent after its own, in the order it sent them. */
function presentedAfter(peer: X509Certificate): X509Certificate[] {
  const out: X509Certificate[] = [];
  const seen = new Set([peer.fingerprint256]);
  for (let next = peer.issuerCertificate; next && !seen.has(next.fingerprint256) && out.length < maxPresented; next = next.issuerCertificate) {
    seen.add(next.fingerprint256);
    out.push(next);
  }
  return out;
}

/** Whether the DER certificate carries a version field (v2 or v3); a v1 certificate has no extensions. */
function versioned(der: Buffer): boolean {
  // Certificate SEQUENCE, then TBSCertificate SEQUENCE, then [0] EXPLICIT version or the serial INTEGER.
  let at = 0;
  for (let header = 0; header < 2; header++) {
    at += 1;
    const length = der[at];
    at += 1 + (length & 0x80 ? length & 0x7f : 0);
  }
  return der[at] === 0xa0;
}

/** BasicConstraints' pathLenConstraint; undefined when the certificate sets none. */
function maxPathLength(certificate: X509Certificate): number | undefined {
  const { schema, x509 } = asn1Libraries();
  const parsed = schema.AsnConvert.parse(certificate.raw, x509.Certificate);
  const extension = parsed.tbsCertificate.extensions?.find((e) => e.extnID === basicConstraints);
  if (!extension) return undefined;
  return schema.AsnConvert.parse(extension.extnValue, x509.BasicConstraints).pathLenConstraint;
}

function validityProblem(certificate: X509Certificate, now: Date): string | undefined {
  const validFrom = new Date(certificate.validFrom);
  const validTo = new Date(certificate.validTo);
  if (now >= validFrom && now <= validTo) return undefined;
  const when = now < validFrom ? `before ${validFrom.toISOString()}` : `after ${validTo.toISOString()}`;
  return `x509: certificate has expired or is not yet valid: current time ${now.toISOString()} is ${when}`;
}

/** An extended key usage list that allows client auth; a certificate without one may be used for anything. */
const allowsClientAuth = (certificate: X509Certificate) => !certificate.keyUsage || certificate.keyUsage.includes(clientAuth) || certificate.keyUsage.includes(anyUsage);

const commonNameOf = (certificate: X509Certificate) => /(?:^|\n)CN=([^\n]*)/.exec(certificate.subject)?.[1] ?? '';

export class ClientCertificates {
  private readonly roots: X509Certificate[];
  /**
   * The intermediates each client certificate came with, by its fingerprint: a resumed TLS session
   * hands back only the client's own certificate (OpenSSL keeps no peer chain in a session), where
   * Go's TLS server keeps the whole chain.
   */
  private readonly sentWith = new Map<string, X509Certificate[]>();

  constructor(
    caPem: string,
    private readonly clock: Clock,
  ) {
    this.roots = certificatesIn(caPem);
  }

  /** The user of the certificate the client presented; undefined when it presented none or it names no one. */
  authenticate(socket: TLSSocket): CertificateAuthentication {
    const peer = socket.getPeerX509Certificate?.();
    if (!peer) return undefined;
    const now = this.clock.now();
    const expired = validityProblem(peer, now);
    if (expired) return { error: expired };
    const found = this.chains(peer, this.intermediatesOf(socket, peer), now);
    if ('error' in found) return found;
    if (!found.chains.some((chain) => chain.every(allowsClientAuth))) return { error: 'x509: certificate specifies an incompatible key usage' };
    const subject = socket.getPeerCertificate().subject as unknown as Record<string, string | string[] | undefined>;
    const list = (value: string | string[] | undefined) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
    const commonName = list(subject.CN).at(-1) ?? '';
    if (!commonName) return undefined;
    return {
      user: {
        username: commonName,
        uid: '',
        groups: [...list(subject.O), 'system:authenticated'],
        extra: { 'authentication.kubernetes.io/credential-id': [`X509SHA256=${createHash('sha256').update(peer.raw).digest('hex')}`] },
      },
    };
  }

  /** The intermediates of each connection, read on its first request: later ones see only the client's own certificate. */
  private readonly connections = new WeakMap<TLSSocket, X509Certificate[]>();

  private intermediatesOf(socket: TLSSocket, peer: X509Certificate): X509Certificate[] {
    let found = this.connections.get(socket);
    if (!found) {
      found = this.sentOrRemembered(socket, peer);
      this.connections.set(socket, found);
    }
    return found;
  }

  private sentOrRemembered(socket: TLSSocket, peer: X509Certificate): X509Certificate[] {
    const sent = presentedAfter(peer);
    if (sent.length) {
      this.sentWith.delete(peer.fingerprint256);
      this.sentWith.set(peer.fingerprint256, sent);
      if (this.sentWith.size > maxRemembered) this.sentWith.delete(this.sentWith.keys().next().value!);
      return sent;
    }
    return socket.isSessionReused() ? (this.sentWith.get(peer.fingerprint256) ?? []) : [];
  }

  /** Every chain from `leaf` to a root, depth first as Go builds them: roots tried before intermediates. */
  private chains(leaf: X509Certificate, intermediates: X509Certificate[], now: Date): { chains: X509Certificate[][] } | { error: string } {
    const chains: X509Certificate[][] = [];
    let checks = 0;
    let hint: { problem: string; candidate: X509Certificate } | undefined;
    const extend = (chain: X509Certificate[]): string | undefined => {
      const child = chain[chain.length - 1];
      const candidates = [...this.roots.map((c) => ({ c, root: true })), ...intermediates.map((c) => ({ c, root: false }))];
      for (const { c: candidate, root } of candidates) {
        if (chain.some((link) => link.fingerprint256 === candidate.fingerprint256) || !child.checkIssued(candidate)) continue;
        if (++checks > maxSignatureChecks) return 'x509: signature check attempts limit reached while verifying certificate chain';
        const problem = this.parentProblem(candidate, root, child, chain.length - 1, now);
        if (problem) {
          hint ??= { problem, candidate };
          continue;
        }
        if (root) chains.push([...chain, candidate]);
        else {
          const stop = extend([...chain, candidate]);
          if (stop) return stop;
        }
      }
      return undefined;
    };
    const stop = extend([leaf]);
    if (stop) return { error: stop };
    if (chains.length) return { chains };
    const why = hint ? ` (possibly because of ${JSON.stringify(hint.problem)} while trying to verify candidate authority certificate ${JSON.stringify(commonNameOf(hint.candidate))})` : '';
    return { error: `x509: certificate signed by unknown authority${why}` };
  }

  /** Why `parent` cannot be the issuer of `child` in a chain holding `intermediates` certificates between the leaf and it. */
  private parentProblem(parent: X509Certificate, root: boolean, child: X509Certificate, intermediates: number, now: Date): string | undefined {
    // A v3 parent must be a CA; an old v1 certificate may sign as a root, never as an intermediate.
    if (!parent.ca && versioned(parent.raw)) return 'x509: invalid signature: parent certificate cannot sign this kind of certificate';
    if (!child.verify(parent.publicKey)) return 'x509: invalid signature';
    if (!parent.ca && !root) return 'x509: certificate is not authorized to sign other certificates';
    const expired = validityProblem(parent, now);
    if (expired) return expired;
    if (intermediates > 0 && parent.ca) {
      const limit = maxPathLength(parent);
      if (limit !== undefined && intermediates > limit) return 'x509: too many intermediates for path length constraint';
    }
    return undefined;
  }
}
