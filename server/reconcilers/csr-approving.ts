// kube-controller-manager's csrapproving controller: a pending request for a kubelet client
// certificate (signer kube-apiserver-client-kubelet, a subject and usages the kubelet-client signer
// accepts) is approved when its requester may create certificatesigningrequests/selfnodeclient (its
// own node: the requester is the subject's common name) or certificatesigningrequests/nodeclient.
// It asks with a SubjectAccessReview through the API, as the real controller does, so the answer
// is the server's authorizer's.

import { readCertificateRequest, type ParsedRequest } from '../certificate-authority.js';
import { errors } from '../errors.js';
import { controllerManagerIdentity, type ControllerDescriptor } from './controller.js';
import { kubeletClientProblem } from './csr-signing.js';

type Json = Record<string, any>;

const resource = 'certificates.k8s.io/certificatesigningrequests';
const kubeletClientSigner = 'kubernetes.io/kube-apiserver-client-kubelet';

interface Recognizer {
  subresource: string;
  recognize(spec: Json, request: ParsedRequest): boolean;
  message: string;
}

const isNodeClient = (spec: Json, request: ParsedRequest) => spec.signerName === kubeletClientSigner && !kubeletClientProblem(request, spec.usages ?? []);

/** In the order the controller tries them: a node renewing its own certificate first. */
const recognizers: Recognizer[] = [
  {
    subresource: 'selfnodeclient',
    recognize: (spec, request) => spec.username === request.commonName && isNodeClient(spec, request),
    message: 'Auto approving self kubelet client certificate after SubjectAccessReview.',
  },
  {
    subresource: 'nodeclient',
    recognize: isNodeClient,
    message: 'Auto approving kubelet client certificate after SubjectAccessReview.',
  },
];

export const csrApprovingController: ControllerDescriptor = {
  name: 'certificatesigningrequest-approving-controller',
  aliases: ['csrapproving'],
  create(env) {
    const client = env.client(controllerManagerIdentity('certificate-controller'));

    /** Whether the requester may have the request approved for `subresource`, by the server's authorizer. */
    const allowed = (spec: Json, subresource: string): boolean => {
      const review = client.create('authorization.k8s.io/subjectaccessreviews', '', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        metadata: {},
        // The requester as the request recorded it; empty fields are left out, as Go's omitempty leaves them.
        spec: {
          user: spec.username,
          ...(spec.uid ? { uid: spec.uid } : {}),
          ...(spec.groups?.length ? { groups: spec.groups } : {}),
          ...(spec.extra && Object.keys(spec.extra).length ? { extra: spec.extra } : {}),
          resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create', subresource },
        },
      });
      return (review.object.status as Json | undefined)?.allowed === true;
    };

    return {
      for: resource,
      reconcile(name) {
        const csr = client.get(resource, '', name);
        if (!csr) return;
        const spec = (csr.object.spec ?? {}) as Json;
        const status = (csr.object.status ?? {}) as Json;
        if (status.certificate) return;
        if ((status.conditions ?? []).some((c: Json) => c.type === 'Approved' || c.type === 'Denied')) return;
        let request: ParsedRequest;
        try {
          request = readCertificateRequest(Buffer.from(String(spec.request ?? ''), 'base64'));
        } catch {
          // "unable to parse csr": logged by the real controller; validation lets no such request in.
          return;
        }
        const tried: string[] = [];
        for (const recognizer of recognizers) {
          if (!recognizer.recognize(spec, request)) continue;
          tried.push(recognizer.subresource);
          if (!allowed(spec, recognizer.subresource)) continue;
          client.update(
            csr,
            (o) => {
              const s = (o.status ??= {}) as Json;
              s.conditions = [...(s.conditions ?? []), { type: 'Approved', status: 'True', reason: 'AutoApproved', message: recognizer.message }];
            },
            'approval',
          );
          return;
        }
        // Retried with back-off, as the real controller requeues its ignorable error.
        if (tried.length) throw errors.forbidden(undefined, '', `recognized csr "${name}" as [${tried.join(' ')}] but subject access review was not approved`);
      },
    };
  },
};
