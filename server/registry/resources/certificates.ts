// certificates.k8s.io/v1 CertificateSigningRequests (pkg/registry/certificates/certificates,
// pkg/apis/certificates/validation): the requester recorded from the request, the PKCS#10 request
// checked, and the approval and status subresources with their condition rules.

import { field, GoLiteral, type FieldError } from '../../errors.js';
import { timestamp } from '../../clock.js';
import type { KubeObject } from '../../store/types.js';
import { certificateProblem, parseCertificateRequest } from '../../x509.js';
import { humanDuration } from '../printing.js';
import type { ResourceDefinition, TableColumn } from '../types.js';
import { isDNS1123Label, isDNS1123Subdomain } from '../validation.js';
import { define, ownFieldSelectors, statusSubresource } from './common.js';
import { ageColumn, column } from './printers.js';

type Json = Record<string, any>;

const legacyUnknownSigner = 'kubernetes.io/legacy-unknown';
export const kubeAPIServerClientSigner = 'kubernetes.io/kube-apiserver-client';

const validUsages = [
  'any',
  'cert sign',
  'client auth',
  'code signing',
  'content commitment',
  'crl sign',
  'data encipherment',
  'decipher only',
  'digital signature',
  'email protection',
  'encipher only',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'key agreement',
  'key encipherment',
  'microsoft sgc',
  'netscape sgc',
  'ocsp signing',
  's/mime',
  'server auth',
  'signing',
  'timestamping',
];
const trueOnlyConditions = ['Approved', 'Denied', 'Failed'];
const conditionStatuses = ['False', 'True', 'Unknown'];

const spec = (csr: KubeObject) => (csr.spec ?? {}) as Json;
const status = (csr: KubeObject) => (csr.status ?? {}) as Json;
const conditions = (csr: KubeObject | undefined): Json[] => (csr ? ((status(csr).conditions ?? []) as Json[]) : []);
const bytesOf = (value: unknown) => Buffer.from(typeof value === 'string' ? value : '', 'base64');

/** Go's %#v of a []byte. */
function goBytes(value: unknown): GoLiteral {
  if (typeof value !== 'string') return new GoLiteral('[]byte(nil)');
  return new GoLiteral(`[]byte{${[...bytesOf(value)].map((b) => `0x${b.toString(16)}`).join(', ')}}`);
}

const maxDomainLength = 253;
const maxSignerNameLength = maxDomainLength + (253 + 63 + 1) + 1;

/** ValidateSignerName: `example.com/signer-name`, a domain of DNS labels and a path of DNS subdomains. */
function validateSignerName(name: string, path: string): FieldError[] {
  if (name.length === 0) return [field.required(path)];
  const segments = name.split('/');
  if (segments.length !== 2) return [field.invalid(path, name, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  const [domain, signer] = segments;
  const out: FieldError[] = [];
  if (domain.length > maxDomainLength) out.push(field.tooLong(path, maxDomainLength));
  const labels = domain.split('.');
  // Only the first bad label of each part is reported.
  for (const label of labels) {
    const problems = isDNS1123Label(label);
    for (const problem of problems) out.push(field.invalid(path, domain, `validating label ${JSON.stringify(label)}: ${problem}`));
    if (problems.length) break;
  }
  if (labels.length < 2) out.push(field.invalid(path, domain, 'should be a domain with at least two segments separated by dots'));
  for (const label of signer.split('.')) {
    const problems = isDNS1123Subdomain(label);
    for (const problem of problems) out.push(field.invalid(path, signer, `validating label ${JSON.stringify(label)}: ${problem}`));
    if (problems.length) break;
  }
  if (name.length > maxSignerNameLength) out.push(field.tooLong(path, maxSignerNameLength));
  return out;
}

/** What a write may do or keep (certificateValidationOptions): old data that was once valid stays allowed. */
interface Allowance {
  approvalConditions: boolean;
  certificate: boolean;
  approvedAndDenied: boolean;
  legacySigner: boolean;
  duplicateTypes: boolean;
  emptyType: boolean;
  arbitraryCertificate: boolean;
  unknownUsages: boolean;
  duplicateUsages: boolean;
}

const hasDuplicates = (values: unknown[]) => new Set(values).size !== values.length;

function allowance(csr: KubeObject, old?: KubeObject): Allowance {
  const oldTypes = conditions(old).map((c) => c.type ?? '');
  const oldUsages: unknown[] = old ? (spec(old).usages ?? []) : [];
  const oldCertificate = old ? bytesOf(status(old).certificate) : undefined;
  return {
    approvalConditions: false,
    certificate: false,
    approvedAndDenied: oldTypes.includes('Approved') && oldTypes.includes('Denied'),
    legacySigner: old !== undefined && spec(old).signerName === legacyUnknownSigner,
    duplicateTypes: hasDuplicates(oldTypes),
    emptyType: oldTypes.includes(''),
    arbitraryCertificate:
      oldCertificate !== undefined && (oldCertificate.equals(bytesOf(status(csr).certificate)) || certificateProblem(oldCertificate) !== undefined),
    unknownUsages: oldUsages.some((u) => !validUsages.includes(u as string)),
    duplicateUsages: hasDuplicates(oldUsages),
  };
}

function validateConditions(csr: KubeObject, allow: Allowance): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  conditions(csr).forEach((condition, i) => {
    const at = `status.conditions[${i}]`;
    const type = String(condition?.type ?? '');
    if (!allow.emptyType && type === '') out.push(field.required(`${at}.type`));
    const allowed = trueOnlyConditions.includes(type) ? ['True'] : conditionStatuses;
    if (!condition?.status) out.push(field.required(`${at}.status`));
    else if (!allowed.includes(condition.status)) out.push(field.notSupported(`${at}.status`, condition.status, allowed));
    if (!allow.approvedAndDenied) {
      if (type === 'Approved') {
        approved = true;
        if (denied) out.push(field.invalid(`${at}.type`, type, 'Approved and Denied conditions are mutually exclusive'));
      } else if (type === 'Denied') {
        denied = true;
        if (approved) out.push(field.invalid(`${at}.type`, type, 'Approved and Denied conditions are mutually exclusive'));
      }
    }
    if (!allow.duplicateTypes && seen.has(type)) out.push(field.duplicate(`${at}.type`, type));
    seen.add(type);
  });
  return out;
}

function validateRequest(csr: KubeObject, allow: Allowance): FieldError[] {
  const out: FieldError[] = [];
  const s = spec(csr);
  let problem: string | undefined;
  try {
    problem = parseCertificateRequest(bytesOf(s.request)).signatureProblem();
  } catch (err) {
    problem = (err as Error).message;
  }
  if (problem) out.push(field.invalid('spec.request', goBytes(s.request), problem));
  const usages: unknown[] = Array.isArray(s.usages) ? s.usages : [];
  if (usages.length === 0) out.push(field.required('spec.usages'));
  if (!allow.unknownUsages) {
    usages.forEach((usage, i) => {
      if (!validUsages.includes(usage as string)) out.push(field.notSupported(`spec.usages[${i}]`, usage, validUsages));
    });
  }
  if (!allow.duplicateUsages) {
    const seen = new Set<unknown>();
    usages.forEach((usage, i) => {
      if (seen.has(usage)) out.push(field.duplicate(`spec.usages[${i}]`, usage));
      seen.add(usage);
    });
  }
  const signer = String(s.signerName ?? '');
  if (!allow.legacySigner && signer === legacyUnknownSigner) out.push(field.invalid('spec.signerName', signer, 'the legacy signerName is not allowed via this API version'));
  else out.push(...validateSignerName(signer, 'spec.signerName'));
  if (typeof s.expirationSeconds === 'number' && s.expirationSeconds < 600) {
    out.push(field.invalid('spec.expirationSeconds', s.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  out.push(...validateConditions(csr, allow));
  if (!allow.arbitraryCertificate) {
    const certificate = certificateProblem(bytesOf(status(csr).certificate));
    if (certificate) out.push(field.invalid('status.certificate', '<certificate data>', certificate));
  }
  return out;
}

const countOf = (csr: KubeObject, type: string) => conditions(csr).filter((c) => c.type === type).length;

/** validateCertificateSigningRequestUpdate: the create checks, and the conditions and certificate an update may not touch. */
function validateUpdate(csr: KubeObject, old: KubeObject, allow: Allowance): FieldError[] {
  const out = validateRequest(csr, allow);
  for (const type of ['Approved', 'Denied', 'Failed']) {
    if (countOf(csr, type) < countOf(old, type)) out.push(field.forbidden('status.conditions', `updates may not remove a condition of type ${JSON.stringify(type)}`));
  }
  // Approval conditions change only through /approval: an update keeps the old status, and /status
  // keeps the instances it was given as they were, so only an added one can reach this check.
  if (!allow.approvalConditions) {
    for (const type of ['Approved', 'Denied']) {
      if (countOf(csr, type) > countOf(old, type)) out.push(field.forbidden('status.conditions', `updates may not add a condition of type ${JSON.stringify(type)}`));
    }
  }
  const certificate = bytesOf(status(csr).certificate);
  const oldCertificate = bytesOf(status(old).certificate);
  if (!certificate.equals(oldCertificate)) {
    if (!allow.certificate) out.push(field.forbidden('status.certificate', 'updates may not set certificate content'));
    else if (oldCertificate.length > 0) out.push(field.forbidden('status.certificate', 'updates may not modify existing certificate content'));
  }
  return out;
}

/** populateConditionTimestamps: conditions without times get now, or the transition time of the same old condition. */
function stampConditions(csr: KubeObject, old: KubeObject, now: Date): void {
  for (const condition of conditions(csr)) {
    condition.lastUpdateTime ||= timestamp(now);
    if (!condition.lastTransitionTime) {
      const same = conditions(old).find((c) => c.type === condition.type && c.status === condition.status && c.lastTransitionTime);
      condition.lastTransitionTime = same?.lastTransitionTime ?? timestamp(now);
    }
  }
}

/** preserveConditionInstances: /status keeps the old instances of a type whose count it did not change. */
function preserveConditions(csr: KubeObject, old: KubeObject, type: string): void {
  const before = conditions(old).filter((c) => c.type === type);
  const after = conditions(csr);
  const indices = after.flatMap((c, i) => (c.type === type ? [i] : []));
  if (indices.length !== before.length) return;
  indices.forEach((index, i) => (after[index] = before[i]));
}

/** Approved, Denied or Pending, then Failed and Issued (extractCSRStatus of the printers). */
function conditionCell(csr: KubeObject): string {
  const types = conditions(csr).map((c) => c.type);
  let cell = types.includes('Denied') ? 'Denied' : types.includes('Approved') ? 'Approved' : 'Pending';
  if (types.includes('Failed')) cell += ',Failed';
  if (bytesOf(status(csr).certificate).length > 0) cell += ',Issued';
  return cell;
}

const csrColumns: TableColumn[] = [
  ageColumn,
  column('SignerName', 'string', "Requested signer for the request. It is a qualified name in the form: `scope-hostname.io/name`. If empty, it will be defaulted:\n 1. If it's a kubelet client certificate, it is assigned\n    \"kubernetes.io/kube-apiserver-client-kubelet\".\n 2. If it's a kubelet serving certificate, it is assigned\n    \"kubernetes.io/kubelet-serving\".\n 3. Otherwise, it is assigned \"kubernetes.io/legacy-unknown\".\nDistribution of trust for signers happens out of band. You can select on this field using `spec.signerName`.", (o) => spec(o).signerName || '<none>'),
  column('Requestor', 'string', "Base64-encoded PKCS#10 CSR data", (o) => spec(o).username ?? ''),
  column(
    'RequestedDuration',
    'string',
    "expirationSeconds is the requested duration of validity of the issued certificate. The certificate signer may issue a certificate with a different validity duration so a client must check the delta between the notBefore and and notAfter fields in the issued certificate to determine the actual duration.\n\nThe v1.22+ in-tree implementations of the well-known Kubernetes signers will honor this field as long as the requested duration is not greater than the maximum duration they will honor per the --cluster-signing-duration CLI flag to the Kubernetes controller manager.\n\nCertificate signers may not honor this field for various reasons:\n\n  1. Old signer that is unaware of the field (such as the in-tree\n     implementations prior to v1.22)\n  2. Signer whose configured maximum is shorter than the requested duration\n  3. Signer whose configured minimum is longer than the requested duration\n\nThe minimum valid value for expirationSeconds is 600, i.e. 10 minutes.",
    (o) => (typeof spec(o).expirationSeconds === 'number' ? humanDuration(spec(o).expirationSeconds * 1000) : '<none>'),
  ),
  column('Condition', 'string', "Conditions applied to the request, such as approval or denial.", conditionCell),
];

export const certificatesigningrequests = define({
  group: 'certificates.k8s.io',
  version: 'v1',
  kind: 'CertificateSigningRequest',
  plural: 'certificatesigningrequests',
  namespaced: false,
  shortNames: ['csr'],
  subresources: [{ name: 'approval', verbs: ['get', 'patch', 'update'] }, statusSubresource],
  strategy: {
    table: csrColumns,
    // A request's spec is its requester's and its status the signer's and approver's: a write owns only
    // what its own part may change (metadata, the conditions, the certificate).
    resetFields: {
      '': [['spec'], ['status']],
      status: [['spec'], ['status', 'conditions']],
      approval: [['spec'], ['status', 'certificate']],
    },
    // ValidateCertificateRequestName accepts any name a path can carry.
    nameCheck: () => [],
    fieldSelectors: ownFieldSelectors({ 'spec.signerName': (o) => o.spec?.signerName ?? '' }, false),
    // The requester is whoever sent the create, whatever the body says.
    prepareForCreate(csr, context) {
      const s = (csr.spec ??= {}) as Json;
      const user = context.user;
      s.username = user?.username || undefined;
      s.uid = user?.uid || undefined;
      s.groups = user?.groups.length ? [...user.groups] : undefined;
      s.extra = user?.extra && Object.keys(user.extra).length ? structuredClone(user.extra) : undefined;
      csr.status = {};
    },
    prepareForUpdate(csr, old) {
      csr.spec = old.spec;
      csr.status = old.status;
    },
    subresourceUpdates: {
      status(csr, old, context) {
        csr.spec = old.spec;
        preserveConditions(csr, old, 'Approved');
        preserveConditions(csr, old, 'Denied');
        stampConditions(csr, old, context.now);
      },
      approval(csr, old, context) {
        stampConditions(csr, old, context.now);
        const given = status(csr).conditions;
        csr.spec = old.spec;
        csr.status = { ...status(old), conditions: given };
      },
    },
    validateCreate: (csr) => validateRequest(csr, allowance(csr)),
    validateUpdate: (csr, old) => validateUpdate(csr, old, allowance(csr, old)),
    subresourceValidation: {
      status: (csr, old) => validateUpdate(csr, old, { ...allowance(csr, old), certificate: true }),
      approval: (csr, old) => validateUpdate(csr, old, { ...allowance(csr, old), approvalConditions: true }),
    },
  },
});

export const certificatesResources: ResourceDefinition[] = [certificatesigningrequests];
