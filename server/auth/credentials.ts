// Who a bearer token belongs to, and the service account tokens kube-apiserver issues. The static
// administrator token and service account JWTs are tried as kube-apiserver's union authenticator
// tries its token file and service account authenticators, with the same answers and errors.

import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { UserInfo } from '../registry/types.js';
import type { KubeObject } from '../store/types.js';
import { decodeJwt, signJwt } from './jwt.js';
import { signingKey, type SigningKey } from './signing-key.js';

/** The issuer kube-apiserver is commonly started with; its API audiences are this issuer alone. */
export const serviceAccountIssuer = 'https://kubernetes.default.svc.cluster.local';
export const apiAudiences = [serviceAccountIssuer];

export const adminUser: UserInfo = { username: 'kubemock-admin', uid: '', groups: ['system:masters', 'system:authenticated'] };

/** What a TokenReview reports: a user and the audiences the token is good for, or why not. */
export interface TokenAuthentication {
  user?: UserInfo;
  audiences?: string[];
  error?: string;
}

export interface ObjectRef {
  name: string;
  uid: string;
}

/** A token request: the service account and the object (pod, node or secret) the token is bound to. */
export interface TokenGrant {
  serviceAccount: KubeObject;
  pod?: KubeObject;
  /** The pod's node, or the node bound directly (a node that is gone still names itself). */
  node?: KubeObject | { metadata: { name: string; uid?: string } };
  secret?: KubeObject;
  audiences: string[];
  expirationSeconds: number;
  /** Seconds after which the token counts as stale though it stays valid (pod tokens of 3607 s). */
  warnAfterSeconds?: number;
}

export type Lookup = (resource: string, namespace: string, name: string) => KubeObject | undefined;

/** jwt.DefaultLeeway: one minute each way for exp, nbf and iat. */
const leewaySeconds = 60;

const goQuoted = (values: string[]) => `[${values.map((v) => JSON.stringify(v)).join(' ')}]`;

function ref(object: { metadata: { name?: string; uid?: string } }): ObjectRef {
  return { name: object.metadata.name ?? '', uid: object.metadata.uid ?? '' };
}

function isDeleted(object: KubeObject, now: number): boolean {
  const at = object.metadata.deletionTimestamp;
  return !!at && Date.parse(at) < now - leewaySeconds * 1000;
}

export class Credentials {
  private readonly admin: Buffer;

  constructor(
    adminToken: string,
    private readonly clock: Clock,
    private readonly lookup: Lookup,
    private readonly certDir?: string,
  ) {
    this.admin = Buffer.from(adminToken);
  }

  /** Made on first use: generating it takes a while, and most runs issue no token. */
  private key(): SigningKey {
    return signingKey(this.certDir);
  }

  /** The user a request's bearer token names, if any. */
  userOf(token: string): UserInfo | undefined {
    return this.authenticate(token).user;
  }

  /** A token for the audiences asked for (the API's when none are), as a TokenReview answers. */
  authenticate(token: string, audiences: string[] = []): TokenAuthentication {
    const given = Buffer.from(token);
    if (given.length === this.admin.length && timingSafeEqual(given, this.admin)) {
      // The token file authenticator knows no audiences: the request's are granted.
      return { user: adminUser, audiences: audiences.length ? audiences : apiAudiences };
    }
    const result = this.serviceAccountToken(token, audiences.length ? audiences : apiAudiences);
    if (!result) return { error: 'invalid bearer token' };
    if ('error' in result) return { error: `[invalid bearer token, ${result.error}]` };
    return result;
  }

  /** undefined when the token is not a service account token of this issuer at all. */
  private serviceAccountToken(token: string, wanted: string[]): { user: UserInfo; audiences: string[] } | { error: string } | undefined {
    const jwt = decodeJwt(token.trim());
    if (!jwt || jwt.claims.iss !== serviceAccountIssuer) return undefined;
    const key = this.key();
    if (jwt.header.kid && jwt.header.kid !== key.keyId) return { error: 'invalid signature, no keys found' };
    if (!jwt.signedBy(key)) return { error: 'square/go-jose: error in cryptographic primitive' };
    const claims = jwt.claims as Record<string, any>;
    const tokenAudiences: string[] = Array.isArray(claims.aud) ? claims.aud : typeof claims.aud === 'string' ? [claims.aud] : apiAudiences;
    const audiences = tokenAudiences.filter((a) => wanted.includes(a));
    if (audiences.length === 0) return { error: `token audiences ${goQuoted(tokenAudiences)} is invalid for the target audiences ${goQuoted(wanted)}` };
    const now = this.clock.now().getTime();
    const seconds = now / 1000;
    if (typeof claims.exp === 'number' && seconds > claims.exp + leewaySeconds) return { error: 'service account token has expired' };
    if (typeof claims.nbf === 'number' && seconds < claims.nbf - leewaySeconds) return { error: 'service account token is not valid yet' };
    if (typeof claims.iat === 'number' && seconds < claims.iat - leewaySeconds) return { error: 'service account token is issued in the future' };
    const k8s = (claims['kubernetes.io'] ?? {}) as Record<string, any>;
    const namespace = String(k8s.namespace ?? '');
    const saRef = (k8s.serviceaccount ?? {}) as ObjectRef;
    const serviceAccount = this.lookup('serviceaccounts', namespace, saRef.name);
    if (!serviceAccount) return { error: `serviceaccounts ${JSON.stringify(saRef.name)} not found` };
    if (serviceAccount.metadata.uid !== saRef.uid) return { error: `service account UID (${serviceAccount.metadata.uid}) does not match claim (${saRef.uid})` };
    if (isDeleted(serviceAccount, now)) return { error: `service account ${namespace}/${saRef.name} has been deleted` };
    const extra: Record<string, string[]> = {};
    const bound = [
      ['secrets', k8s.secret, 'secret'],
      ['pods', k8s.pod, 'pod'],
    ] as const;
    for (const [resource, claim, what] of bound) {
      if (!claim) continue;
      const object = this.lookup(resource, namespace, claim.name);
      if (!object || isDeleted(object, now)) return { error: 'service account token has been invalidated' };
      if (object.metadata.uid !== claim.uid) {
        const noun = what === 'pod' ? 'Pod' : 'Secret';
        return { error: `${noun.toLowerCase()} UID (${object.metadata.uid}) does not match service account ${what} ref claim (${claim.uid})` };
      }
      if (what === 'pod') {
        extra['authentication.kubernetes.io/pod-name'] = [claim.name];
        extra['authentication.kubernetes.io/pod-uid'] = [claim.uid];
      }
    }
    if (k8s.node) {
      if (!k8s.pod) {
        const node = this.lookup('nodes', '', k8s.node.name);
        if (!node || isDeleted(node, now)) return { error: 'service account token has been invalidated' };
        if (node.metadata.uid !== k8s.node.uid) return { error: `node UID (${node.metadata.uid}) does not match service account node ref claim (${k8s.node.uid})` };
      }
      extra['authentication.kubernetes.io/node-name'] = [k8s.node.name];
      if (k8s.node.uid) extra['authentication.kubernetes.io/node-uid'] = [k8s.node.uid];
    }
    if (typeof claims.jti === 'string' && claims.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${claims.jti}`];
    const user: UserInfo = {
      username: `system:serviceaccount:${namespace}:${saRef.name}`,
      uid: saRef.uid,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
    };
    if (Object.keys(extra).length > 0) user.extra = Object.fromEntries(Object.entries(extra).sort(([a], [b]) => (a < b ? -1 : 1)));
    return { user, audiences };
  }

  /** Signs a service account token with the claims kube-apiserver puts in one. */
  issue(grant: TokenGrant): string {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const sa = grant.serviceAccount;
    const namespace = sa.metadata.namespace ?? '';
    const kubernetes: Record<string, unknown> = { namespace, serviceaccount: ref(sa) };
    if (grant.pod) kubernetes.pod = ref(grant.pod);
    if (grant.secret) kubernetes.secret = ref(grant.secret);
    if (grant.node) {
      const node = ref(grant.node);
      kubernetes.node = node.uid ? node : { name: node.name };
    }
    if (grant.warnAfterSeconds) kubernetes.warnafter = now + grant.warnAfterSeconds;
    return signJwt(this.key(), {
      aud: grant.audiences,
      exp: now + grant.expirationSeconds,
      iat: now,
      iss: serviceAccountIssuer,
      jti: randomUUID(),
      'kubernetes.io': kubernetes,
      nbf: now,
      sub: `system:serviceaccount:${namespace}:${sa.metadata.name ?? ''}`,
    });
  }
}
