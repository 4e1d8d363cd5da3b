// Leases, events.k8s.io, EndpointSlices and the authentication/authorization review resources.

import { errors, field, type FieldError, GoLiteral } from '../../errors.js';
import type { KubeObject } from '../../store/types.js';
import { jsonEqual } from '../../json.js';
import type { ResourceDefinition, ReviewContext } from '../types.js';
import { define } from './common.js';
import { eventsV1Storage } from './event-versions.js';
import { endpointSliceColumns, eventColumns, leaseColumns } from './printers.js';

type Json = Record<string, any>;

export const leases = define({
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  namespaced: true,
  strategy: {
    table: leaseColumns,
    allowCreateOnUpdate: true,
    allowUnconditionalUpdate: false,
    validate(lease) {
      const spec = (lease.spec ?? {}) as Json;
      const out: FieldError[] = [];
      if (spec.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds <= 0) {
        out.push(field.invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
      }
      if (spec.leaseTransitions !== undefined && spec.leaseTransitions < 0) {
        out.push(field.invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
      }
      return out;
    },
  },
});

export const eventsV1 = define({
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  namespaced: true,
  shortNames: ['ev'],
  // Printed in its stored (core/v1) form, as kube-apiserver prints every event.
  strategy: { allowCreateOnUpdate: true, table: eventColumns },
  storedAs: eventsV1Storage,
});

const addressTypes = ['FQDN', 'IPv4', 'IPv6'];

export const endpointslices = define({
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  plural: 'endpointslices',
  namespaced: true,
  strategy: {
    table: endpointSliceColumns,
    tracksGeneration: true,
    // Anything but metadata counts, and so do the labels (the slice's service name lives there).
    generationChanged: (slice, old) =>
      !jsonEqual({ ...slice, metadata: undefined }, { ...old, metadata: undefined }) || !jsonEqual(slice.metadata.labels ?? {}, old.metadata.labels ?? {}),
    defaults(slice) {
      for (const port of (slice.ports as Json[] | undefined) ?? []) port.protocol ||= 'TCP';
    },
    validate(slice) {
      const out: FieldError[] = [];
      if (!slice.addressType) out.push(field.required('addressType'));
      else if (!addressTypes.includes(slice.addressType as string)) out.push(field.notSupported('addressType', slice.addressType, addressTypes));
      (Array.isArray(slice.endpoints) ? slice.endpoints : []).forEach((endpoint: Json, i: number) => {
        if (!Array.isArray(endpoint.addresses) || endpoint.addresses.length === 0) out.push(field.required(`endpoints[${i}].addresses`, 'must contain at least 1 address'));
      });
      return out;
    },
    validateUpdate(slice, old) {
      if (slice.addressType !== old.addressType) return [field.invalid('addressType', slice.addressType, 'field is immutable')];
      return [];
    },
  },
});

/** Review resources answer a create with a computed status and store nothing. */
function review(group: string, kind: string, plural: string, namespaced: boolean, respond: (object: KubeObject, review: ReviewContext) => Json): ResourceDefinition {
  return define({
    group,
    version: 'v1',
    kind,
    plural,
    namespaced,
    verbs: ['create'],
    strategy: {
      respond(object, context) {
        return { ...object, metadata: { ...object.metadata, creationTimestamp: null }, status: respond(object, context) };
      },
    },
  });
}

/** Everything is allowed; a review must still ask about exactly one kind of attribute. */
function accessReview(kind: string): (object: KubeObject) => Json {
  return (object) => {
    const spec = (object.spec ?? {}) as Json;
    if (!!spec.resourceAttributes === !!spec.nonResourceAttributes) {
      throw errors.invalid({ group: 'authorization.k8s.io', kind }, '', [
        field.invalid('spec.resourceAttributes', new GoLiteral('null'), 'exactly one of nonResourceAttributes or resourceAttributes must be specified'),
      ]);
    }
    return { allowed: true };
  };
}

const authorization = 'authorization.k8s.io';

export const reviewResources: ResourceDefinition[] = [
  review(authorization, 'LocalSubjectAccessReview', 'localsubjectaccessreviews', true, accessReview('LocalSubjectAccessReview')),
  review(authorization, 'SelfSubjectAccessReview', 'selfsubjectaccessreviews', false, accessReview('SelfSubjectAccessReview')),
  review(authorization, 'SelfSubjectRulesReview', 'selfsubjectrulesreviews', false, () => ({
    resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
    nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
    incomplete: false,
  })),
  review(authorization, 'SubjectAccessReview', 'subjectaccessreviews', false, accessReview('SubjectAccessReview')),
  review('authentication.k8s.io', 'SelfSubjectReview', 'selfsubjectreviews', false, (_object, review) => ({
    userInfo: { username: review.user.username, uid: review.user.uid, groups: review.user.groups },
  })),
  review('authentication.k8s.io', 'TokenReview', 'tokenreviews', false, (object, review) => {
    const user = review.authenticate(String((object.spec as Json | undefined)?.token ?? ''));
    if (!user) return { user: {}, error: '[invalid bearer token, token lookup failed]' };
    return { authenticated: true, user: { username: user.username, uid: user.uid, groups: user.groups }, audiences: (object.spec as Json | undefined)?.audiences };
  }),
];

export const otherResources: ResourceDefinition[] = [leases, eventsV1, endpointslices, ...reviewResources];
