// authentication.k8s.io/v1: TokenReviews and SelfSubjectReviews (answered, never stored), and the
// TokenRequests of serviceaccounts/token, which kube-apiserver answers with a signed service account
// token (pkg/registry/authentication, pkg/registry/core/serviceaccount/storage/token.go).

import { apiAudiences, type TokenGrant } from '../../auth/credentials.js';
import { errors, field, type FieldError } from '../../errors.js';
import { timestamp } from '../../clock.js';
import type { KubeObject } from '../../store/types.js';
import type { ResourceDefinition, ReviewContext, SubresourceDefinition, UserInfo } from '../types.js';
import { define } from './common.js';

type Json = Record<string, any>;

const group = 'authentication.k8s.io';
const authenticationV1 = `${group}/v1`;

/** authentication/v1 UserInfo as JSON: uid and extra are omitted when empty. */
export function userInfoJson(user: UserInfo): Json {
  const out: Json = { username: user.username };
  if (user.uid) out.uid = user.uid;
  out.groups = user.groups;
  if (user.extra && Object.keys(user.extra).length > 0) out.extra = user.extra;
  return out;
}

export const tokenreviews = define({
  group,
  version: 'v1',
  kind: 'TokenReview',
  plural: 'tokenreviews',
  namespaced: false,
  verbs: ['create'],
  strategy: {
    respond(review, context) {
      const spec = (review.spec ?? {}) as Json;
      const token = typeof spec.token === 'string' ? spec.token : '';
      if (!token) throw errors.badRequest('token is required for TokenReview in authentication');
      const audiences = Array.isArray(spec.audiences) ? (spec.audiences as string[]) : [];
      const result = context.credentials.authenticate(token, audiences);
      const status = result.user ? { authenticated: true, user: userInfoJson(result.user), audiences: result.audiences } : { user: {}, error: result.error };
      return { ...review, metadata: { ...review.metadata, creationTimestamp: null }, status };
    },
  },
});

export const selfsubjectreviews = define({
  group,
  version: 'v1',
  kind: 'SelfSubjectReview',
  plural: 'selfsubjectreviews',
  namespaced: false,
  verbs: ['create'],
  strategy: {
    respond: (_review, context) => ({ metadata: { creationTimestamp: timestamp(context.now) }, status: { userInfo: userInfoJson(context.user) } }),
  },
});

/** The subresource discovery lists under serviceaccounts. */
export const tokenSubresource: SubresourceDefinition = { name: 'token', responseKind: { group, version: 'v1', kind: 'TokenRequest' }, verbs: ['create'] };

/** Shortest and longest lifetimes ValidateTokenRequest allows. */
const minExpirationSeconds = 10 * 60;
const maxExpirationSeconds = 2 ** 32;
/** Pod tokens asked for with the kubelet's 3607 s live a year, and count as stale after the 3607 s. */
const kubeletProjectedSeconds = 60 * 60 + 7;
const extendedExpirationSeconds = 24 * 365 * 60 * 60;

function tokenRequestInvalid(name: string, problem: FieldError) {
  return errors.invalid({ group, kind: 'TokenRequest' }, name, [problem]);
}

/** schema.GroupVersionKind.String() of a reference's apiVersion and kind. */
function gvkString(apiVersion: string, kind: string): string {
  const [g, v] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  return `${g}/${v}, Kind=${kind}`;
}

/** The object a token is bound to, looked up as kube-apiserver does. */
function boundObjects(ref: Json, namespace: string, serviceAccount: string, context: ReviewContext): Pick<TokenGrant, 'pod' | 'node' | 'secret'> & { uid: string } {
  const apiVersion = String(ref.apiVersion ?? '');
  const kind = String(ref.kind ?? '');
  const refGroup = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const name = String(ref.name ?? '');
  const find = (resource: string, ns: string) => {
    const found = context.lookup(resource, ns, name);
    if (!found) throw errors.notFound({ group: '', resource }, name);
    return found;
  };
  if (refGroup === '' && kind === 'Pod') {
    const pod = find('pods', namespace);
    if ((pod.spec as Json | undefined)?.serviceAccountName !== serviceAccount) {
      throw errors.badRequest(`cannot bind token for serviceaccount ${JSON.stringify(serviceAccount)} to pod running with different serviceaccount name.`);
    }
    const nodeName = (pod.spec as Json | undefined)?.nodeName as string | undefined;
    // A node that is gone still names itself in the claims.
    const node = nodeName ? (context.lookup('nodes', '', nodeName) ?? { metadata: { name: nodeName } }) : undefined;
    return { pod, node, uid: pod.metadata.uid ?? '' };
  }
  if (refGroup === '' && kind === 'Node') {
    const node = find('nodes', '');
    return { node, uid: node.metadata.uid ?? '' };
  }
  if (refGroup === '' && kind === 'Secret') {
    const secret = find('secrets', namespace);
    return { secret, uid: secret.metadata.uid ?? '' };
  }
  throw errors.badRequest(`cannot bind token to object of type ${gvkString(apiVersion, kind)}`);
}

/** POST serviceaccounts/NAME/token: a TokenRequest answered with a signed token. */
export function requestToken(namespace: string, name: string, request: KubeObject, context: ReviewContext): KubeObject {
  if (request.kind !== undefined && request.kind !== 'TokenRequest') {
    const version = String(request.apiVersion ?? 'v1').split('/').pop();
    throw errors.badRequest(
      `${String(request.kind)} in version ${JSON.stringify(version)} cannot be handled as a TokenRequest: no kind ${JSON.stringify(request.kind)} is registered for version "${authenticationV1}" in scheme "pkg/runtime/scheme.go:100"`,
    );
  }
  const meta = request.metadata;
  if (meta.name && meta.name !== name) throw tokenRequestInvalid(name, field.invalid('metadata.name', meta.name, 'must match the service account name if specified'));
  if (meta.namespace && meta.namespace !== namespace) {
    throw tokenRequestInvalid(name, field.invalid('metadata.namespace', meta.namespace, 'must match the service account namespace if specified'));
  }
  const serviceAccount = context.lookup('serviceaccounts', namespace, name);
  if (!serviceAccount) throw errors.notFound({ group: '', resource: 'serviceaccounts' }, name);

  const given = (request.spec ?? {}) as Json;
  // Defaulting comes before ownership is recorded; the server's own audiences come after.
  const expirationSeconds = typeof given.expirationSeconds === 'number' ? given.expirationSeconds : 3600;
  const owned: KubeObject = { metadata: {}, spec: { ...given, expirationSeconds } };
  const managedFields = context.ownership(owned, authenticationV1);
  const audiences = Array.isArray(given.audiences) && given.audiences.length > 0 ? (given.audiences as string[]) : apiAudiences;

  if (expirationSeconds < minExpirationSeconds) throw tokenRequestInvalid('', field.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration less than 10 minutes'));
  if (expirationSeconds > maxExpirationSeconds) throw tokenRequestInvalid('', field.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration larger than 2^32 seconds'));

  const ref = given.boundObjectRef as Json | undefined | null;
  const grant: TokenGrant = { serviceAccount, audiences, expirationSeconds };
  if (ref) {
    const { uid, ...bound } = boundObjects(ref, namespace, name, context);
    if (ref.uid && ref.uid !== uid) {
      const refGroup = String(ref.apiVersion ?? '').includes('/') ? String(ref.apiVersion).split('/')[0] : '';
      throw errors.conflict(
        { group: refGroup, resource: String(ref.kind) },
        String(ref.name ?? ''),
        `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
      );
    }
    Object.assign(grant, bound);
  }
  if (grant.pod && expirationSeconds === kubeletProjectedSeconds && audiences.every((a) => apiAudiences.includes(a))) {
    grant.expirationSeconds = extendedExpirationSeconds;
    grant.warnAfterSeconds = kubeletProjectedSeconds;
  }

  const now = context.now;
  return {
    kind: 'TokenRequest',
    apiVersion: authenticationV1,
    metadata: { name, namespace, creationTimestamp: timestamp(now), ...(managedFields.length ? { managedFields } : {}) },
    spec: { audiences, expirationSeconds, boundObjectRef: ref ?? null },
    status: { token: context.credentials.issue(grant), expirationTimestamp: timestamp(new Date(now.getTime() + expirationSeconds * 1000)) },
  };
}

export const authenticationResources: ResourceDefinition[] = [selfsubjectreviews, tokenreviews];
