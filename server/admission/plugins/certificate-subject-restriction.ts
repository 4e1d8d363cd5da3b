// CertificateSubjectRestriction (plugin/pkg/admission/certificates/subjectrestriction): nobody may
// ask the kube-apiserver client signer for a certificate in the system:masters group.

import { errors } from '../../errors.js';
import { kubeAPIServerClientSigner } from '../../registry/resources/certificates.js';
import { parseCertificateRequest } from '../../x509.js';
import type { AdmissionPlugin } from '../types.js';

type Json = Record<string, any>;

const gr = { group: 'certificates.k8s.io', resource: 'certificatesigningrequests' };

export const certificateSubjectRestriction: AdmissionPlugin = {
  name: 'CertificateSubjectRestriction',
  operations: ['CREATE'],
  resources: ['certificates.k8s.io/certificatesigningrequests'],
  validate(request) {
    const spec = (request.object?.spec ?? {}) as Json;
    if (spec.signerName !== kubeAPIServerClientSigner) return;
    let organizations: string[];
    try {
      organizations = parseCertificateRequest(Buffer.from(String(spec.request ?? ''), 'base64')).organizations;
    } catch (err) {
      throw errors.forbidden(gr, request.name, `failed to parse CSR: ${(err as Error).message}`);
    }
    if (organizations.includes('system:masters')) {
      throw errors.forbidden(gr, request.name, `use of ${kubeAPIServerClientSigner} signer with system:masters group is not allowed`);
    }
  },
};
