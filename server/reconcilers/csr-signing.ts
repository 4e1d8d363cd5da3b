// kube-controller-manager's csrsigning controller with --cluster-signing-cert-file and key set to
// the cluster CA: an approved, not failed CertificateSigningRequest for one of the four
// kubernetes.io signers it runs gets its certificate (server/certificate-authority.ts) in
// status.certificate. A request the signer's rules refuse (a kubelet client certificate outside
// system:nodes, client certificates asking for server auth) gets the Failed condition with reason
// SignerValidationFailure instead. Lifetimes: the --cluster-signing-duration default of a year,
// spec.expirationSeconds honored down to 10 minutes, NotBefore set back 5 minutes.

import { CertificateAuthority, readCertificateRequest, type ParsedRequest } from '../certificate-authority.js';
import { timestamp } from '../clock.js';
import { controllerManagerIdentity, type ControllerDescriptor } from './controller.js';

type Json = Record<string, any>;

const resource = 'certificates.k8s.io/certificatesigningrequests';
const year = 8760 * 3600 * 1000;
const minimumTtl = 10 * 60 * 1000;
const backdate = 5 * 60 * 1000;
/** Lifetimes shorter than this are not set back at their end (5 minutes is about 1% of it). */
const short = 8 * 3600 * 1000;

const sameSet = (usages: string[], wanted: string[]) => new Set(usages).size === wanted.length && wanted.every((u) => usages.includes(u));

function kubeletNodeProblem(request: ParsedRequest): string | undefined {
  if (request.organizations.length !== 1 || request.organizations[0] !== 'system:nodes') return 'subject organization is not system:nodes';
  return undefined;
}

const commonNameNotNode = 'subject common name does not begin with system:node:';

/** ValidateKubeletClientCSR: what makes a request a kubelet's client certificate, which csrapproving also asks. */
export function kubeletClientProblem(request: ParsedRequest, usages: string[]): string | undefined {
  const organization = kubeletNodeProblem(request);
  if (organization) return organization;
  if (request.dnsNames.length) return 'DNS subjectAltNames are not allowed';
  if (request.emailAddresses.length) return 'Email subjectAltNames are not allowed';
  if (request.ipAddresses.length) return 'IP subjectAltNames are not allowed';
  if (request.uris.length) return 'URI subjectAltNames are not allowed';
  if (!request.commonName.startsWith('system:node:')) return commonNameNotNode;
  if (!sameSet(usages, ['client auth', 'digital signature', 'key encipherment']) && !sameSet(usages, ['client auth', 'digital signature'])) {
    return 'usages did not match [client auth digital signature key encipherment]';
  }
  return undefined;
}

/** The checks each signer makes before it signs (pkg/apis/certificates helpers and the signer's own). */
const signerRules: Record<string, (request: ParsedRequest, usages: string[]) => string | undefined> = {
  'kubernetes.io/kube-apiserver-client': (_request, usages) => {
    for (const usage of usages) if (!['digital signature', 'key encipherment', 'client auth'].includes(usage)) return `invalid usage for client certificate: ${usage}`;
    return usages.includes('client auth') ? undefined : 'missing required usage for client certificate: client auth';
  },
  'kubernetes.io/kube-apiserver-client-kubelet': kubeletClientProblem,
  'kubernetes.io/kubelet-serving': (request, usages) => {
    const organization = kubeletNodeProblem(request);
    if (organization) return organization;
    if (!request.dnsNames.length && !request.ipAddresses.length) return 'DNS or IP subjectAltName is required';
    if (request.emailAddresses.length) return 'Email subjectAltNames are not allowed';
    if (request.uris.length) return 'URI subjectAltNames are not allowed';
    if (!sameSet(usages, ['digital signature', 'key encipherment', 'server auth']) && !sameSet(usages, ['digital signature', 'server auth'])) {
      return 'usages did not match [digital signature key encipherment server auth]';
    }
    return request.commonName.startsWith('system:node:') ? undefined : commonNameNotNode;
  },
  // No restrictions, for compatibility with certificates.k8s.io/v1beta1.
  'kubernetes.io/legacy-unknown': () => undefined,
};

const hasTrue = (conditions: Json[], type: string) => conditions.some((c) => c.type === type && c.status === 'True');

export const csrSigningController: ControllerDescriptor = {
  name: 'certificatesigningrequest-signing-controller',
  aliases: ['csrsigning'],
  create(env) {
    const client = env.client(controllerManagerIdentity('certificate-controller'));
    const { clock } = env.services;
    const ca = env.ca;
    let authority: CertificateAuthority | undefined;

    return {
      for: resource,
      reconcile(name) {
        // Without the CA's key kube-controller-manager starts no signer.
        if (!ca) return undefined;
        const csr = client.get(resource, '', name);
        if (!csr) return undefined;
        const spec = (csr.object.spec ?? {}) as Json;
        const status = (csr.object.status ?? {}) as Json;
        const conditions: Json[] = status.conditions ?? [];
        if (!hasTrue(conditions, 'Approved') || hasTrue(conditions, 'Failed') || status.certificate) return undefined;
        const rules = signerRules[spec.signerName];
        if (!rules) return undefined;
        const pem = Buffer.from(String(spec.request ?? ''), 'base64');
        const usages: string[] = spec.usages ?? [];
        let request: ParsedRequest;
        try {
          request = readCertificateRequest(pem);
        } catch {
          // kube-controller-manager logs the parse error and retries; nothing shows on the object.
          return undefined;
        }
        const problem = rules(request, usages);
        if (problem) {
          client.updateStatus(csr, (o) => {
            const s = (o.status ??= {}) as Json;
            s.conditions = [...(s.conditions ?? []), { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: problem, lastUpdateTime: timestamp(clock.now()) }];
          });
          return undefined;
        }
        const requested = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds * 1000 : undefined;
        const ttlMs = requested === undefined ? year : Math.min(year, Math.max(minimumTtl, requested));
        authority ??= new CertificateAuthority(ca.cert, ca.key);
        let certificate: string;
        try {
          certificate = authority.sign(pem, { ttlMs, usages, backdateMs: backdate, shortMs: short, now: clock.now() });
        } catch {
          // "error auto signing csr": logged by the real controller, invisible to clients.
          return undefined;
        }
        client.updateStatus(csr, (o) => (((o.status ??= {}) as Json).certificate = Buffer.from(certificate).toString('base64')));
        return undefined;
      },
    };
  },
};
