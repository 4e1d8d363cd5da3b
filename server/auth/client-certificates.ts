// Client certificates signed by the cluster CA, as kube-apiserver's --client-ca-file authenticator
// reads them: verified against the CA at the time of the injected clock, with the client auth
// usage (or none at all), the subject's common name as the user, its organizations as groups, and
// the certificate's SHA-256 as the credential ID.

import { createHash, X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { Clock } from '../clock.js';
import type { UserInfo } from '../registry/types.js';

const clientAuth = '1.3.6.1.5.5.7.3.2';
const anyUsage = '2.5.29.37.0';

export type CertificateAuthentication = { user: UserInfo } | { error: string } | undefined;

export class ClientCertificates {
  private readonly ca: X509Certificate;

  constructor(
    caPem: string,
    private readonly clock: Clock,
  ) {
    this.ca = new X509Certificate(caPem);
  }

  /** The user of the certificate the client presented; undefined when it presented none or it names no one. */
  authenticate(socket: TLSSocket): CertificateAuthentication {
    const peer = socket.getPeerX509Certificate?.();
    if (!peer) return undefined;
    if (!peer.checkIssued(this.ca) || !peer.verify(this.ca.publicKey)) return { error: 'x509: certificate signed by unknown authority' };
    const now = this.clock.now();
    const validFrom = new Date(peer.validFrom);
    const validTo = new Date(peer.validTo);
    if (now < validFrom || now > validTo) {
      const when = now < validFrom ? `before ${validFrom.toISOString()}` : `after ${validTo.toISOString()}`;
      return { error: `x509: certificate has expired or is not yet valid: current time ${now.toISOString()} is ${when}` };
    }
    // keyUsage lists the extended key usages; a certificate without them may be used for anything.
    const usages = peer.keyUsage;
    if (usages && !usages.includes(clientAuth) && !usages.includes(anyUsage)) return { error: 'x509: certificate specifies an incompatible key usage' };
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
}
