// kube-controller-manager's csrcleaner: CertificateSigningRequests are deleted an hour after they
// were approved and issued, denied or failed (the condition's lastUpdateTime), a day after their
// creation while no condition is set, and once the certificate issued to them has expired. The
// real controller looks every hour; this one looks when a request's first deadline passes on the
// clock, which is the earliest an hourly look could find it.

import { X509Certificate } from 'node:crypto';
import { decodePem } from '../x509.js';
import { controllerManagerIdentity, type ControllerDescriptor } from './controller.js';

type Json = Record<string, any>;

const resource = 'certificates.k8s.io/certificatesigningrequests';
const hour = 3600_000;
/** approvedExpiration, deniedExpiration (also for Failed) and pendingExpiration. */
const settledMs = hour;
const pendingMs = 24 * hour;

const millis = (time: unknown) => (typeof time === 'string' ? Date.parse(time) : NaN);

/** NotAfter of the first certificate of status.certificate; undefined when there is none that parses. */
function notAfter(certificate: unknown): number | undefined {
  if (typeof certificate !== 'string' || !certificate) return undefined;
  const decoded = decodePem(Buffer.from(certificate, 'base64'));
  if (!decoded) return undefined;
  try {
    return Date.parse(new X509Certificate(decoded.block.bytes).validTo);
  } catch {
    return undefined;
  }
}

/** The times after which the request is due for deletion (each rule holds once the clock is past it). */
function deadlines(csr: Json): number[] {
  const status = (csr.status ?? {}) as Json;
  const conditions: Json[] = status.conditions ?? [];
  const issued = typeof status.certificate === 'string' && status.certificate.length > 0;
  const out: number[] = [];
  for (const condition of conditions) {
    const settled = (condition.type === 'Approved' && issued) || condition.type === 'Denied' || condition.type === 'Failed';
    if (settled) out.push(millis(condition.lastUpdateTime) + settledMs);
  }
  if (conditions.length === 0) out.push(millis(csr.metadata?.creationTimestamp) + pendingMs);
  if (issued && conditions.some((c) => c.type === 'Approved')) out.push(notAfter(status.certificate) ?? NaN);
  return out.filter((t) => !Number.isNaN(t));
}

export const csrCleanerController: ControllerDescriptor = {
  name: 'certificatesigningrequest-cleaner-controller',
  aliases: ['csrcleaner'],
  create(env) {
    const client = env.client(controllerManagerIdentity('certificate-controller'));
    const { clock } = env.services;
    return {
      for: resource,
      reconcile(name) {
        const csr = client.get(resource, '', name);
        if (!csr) return undefined;
        const due = Math.min(...deadlines(csr.object));
        if (!Number.isFinite(due)) return undefined;
        const now = clock.now().getTime();
        if (now > due) {
          client.delete(resource, '', name);
          return undefined;
        }
        return { requeueAfterMs: due - now + 1 };
      },
    };
  },
};
