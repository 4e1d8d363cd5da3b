// authentication.k8s.io/v1 and authorization.k8s.io/v1 through client-node (AuthenticationV1Api,
// AuthorizationV1Api, CoreV1Api's createNamespacedServiceAccountToken) and kubectl. Expected claims,
// statuses and messages were captured from kube-apiserver 1.32.13 (--authorization-mode=AlwaysAllow
// for the access reviews) on the same requests.

import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { ManualClock } from '../testkit/index.js';
import { startCluster, type TestCluster } from './support/cluster.js';
import { expectStatus } from './support/status.js';

type Json = Record<string, any>;

const issuer = 'https://kubernetes.default.svc.cluster.local';

function claimsOf(token: string): { header: Json; claims: Json } {
  const [header, claims] = token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
  return { header, claims };
}

describe('authentication.k8s.io/v1 and authorization.k8s.io/v1', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  let authn: k8s.AuthenticationV1Api;
  let authz: k8s.AuthorizationV1Api;
  let robotUid: string;

  const tokenFor = async (name: string, spec: Partial<k8s.V1TokenRequestSpec> = {}) => {
    const answer = await cluster.core.createNamespacedServiceAccountToken({ name, namespace: 'default', body: { spec: spec as k8s.V1TokenRequestSpec } });
    return { ...answer, status: answer.status! };
  };
  const review = (token: string, audiences?: string[]) => authn.createTokenReview({ body: { spec: { token, audiences } } });
  const asUser = (token: string) => {
    const config = new k8s.KubeConfig();
    config.loadFromString(cluster.server.kubeconfig);
    config.users[0] = { name: config.users[0].name, token };
    return config;
  };

  before(async () => {
    clock = new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000));
    cluster = await startCluster({ clock });
    authn = cluster.kubeconfig.makeApiClient(k8s.AuthenticationV1Api);
    authz = cluster.kubeconfig.makeApiClient(k8s.AuthorizationV1Api);
    robotUid = (await cluster.core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'robot' } } })).metadata!.uid!;
  });
  after(() => cluster.stop());

  describe('serviceaccounts/token', () => {
    it('answers a TokenRequest with a signed token carrying the real claims', async () => {
      const answer = await tokenFor('robot');
      expect(answer.metadata).to.include({ name: 'robot', namespace: 'default' });
      expect(answer.spec).to.deep.equal({ audiences: [issuer], expirationSeconds: 3600, boundObjectRef: null });
      const now = Math.floor(clock.now().getTime() / 1000);
      expect(answer.status.expirationTimestamp).to.deep.equal(new Date((now + 3600) * 1000));
      const { header, claims } = claimsOf(answer.status.token);
      expect(header).to.have.keys(['alg', 'kid']);
      expect(header.alg).to.equal('RS256');
      expect(claims).to.deep.equal({
        aud: [issuer],
        exp: now + 3600,
        iat: now,
        iss: issuer,
        jti: claims.jti,
        'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'robot', uid: robotUid } },
        nbf: now,
        sub: 'system:serviceaccount:default:robot',
      });
      expect(claims.jti).to.match(/^[0-9a-f-]{36}$/);
      // The payload is serialized with sorted keys, as go-jose writes it.
      expect(Buffer.from(answer.status.token.split('.')[1], 'base64url').toString()).to.match(/^\{"aud":.*"sub":"system:serviceaccount:default:robot"\}$/);
    });

    it('binds a token to a pod and its node', async () => {
      await cluster.core.createNode({ body: { metadata: { name: 'worker' } } });
      await cluster.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'app' }, spec: { serviceAccountName: 'robot', nodeName: 'worker', containers: [{ name: 'c', image: 'nginx' }] } } });
      const pod = await cluster.core.readNamespacedPod({ name: 'app', namespace: 'default' });
      const node = await cluster.core.readNode({ name: 'worker' });
      // The kubelet's projected token: 3607 s asked for, a year granted, stale after the 3607 s.
      const answer = await tokenFor('robot', { expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'app' } });
      const now = Math.floor(clock.now().getTime() / 1000);
      expect(answer.spec.expirationSeconds).to.equal(3607);
      const { claims } = claimsOf(answer.status.token);
      expect(claims.exp).to.equal(now + 365 * 24 * 3600);
      expect(claims['kubernetes.io']).to.deep.equal({
        namespace: 'default',
        node: { name: 'worker', uid: node.metadata!.uid },
        pod: { name: 'app', uid: pod.metadata!.uid },
        serviceaccount: { name: 'robot', uid: robotUid },
        warnafter: now + 3607,
      });
      const reviewed = await review(answer.status.token);
      expect(reviewed.status?.user?.extra).to.deep.equal({
        'authentication.kubernetes.io/credential-id': [`JTI=${claims.jti}`],
        'authentication.kubernetes.io/node-name': ['worker'],
        'authentication.kubernetes.io/node-uid': [node.metadata!.uid!],
        'authentication.kubernetes.io/pod-name': ['app'],
        'authentication.kubernetes.io/pod-uid': [pod.metadata!.uid!],
      });
      await cluster.core.deleteNamespacedPod({ name: 'app', namespace: 'default', gracePeriodSeconds: 0 });
      clock.advance(61_000);
      expect((await review(answer.status.token)).status).to.deep.equal({ user: {}, error: '[invalid bearer token, service account token has been invalidated]' });
    });

    it('refuses what kube-apiserver refuses', async () => {
      await expectStatus(
        tokenFor('robot', { audiences: [], expirationSeconds: 100 }),
        422,
        'Invalid',
        'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 100: may not specify a duration less than 10 minutes',
      );
      await expectStatus(tokenFor('nosa'), 404, 'NotFound', 'serviceaccounts "nosa" not found');
      await expectStatus(tokenFor('robot', { audiences: [], boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'nopod' } }), 404, 'NotFound', 'pods "nopod" not found');
      await expectStatus(tokenFor('robot', { audiences: [], boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'x' } }), 400, 'BadRequest', 'cannot bind token to object of type /v1, Kind=ConfigMap');
      await expectStatus(
        cluster.core.createNamespacedServiceAccountToken({ name: 'robot', namespace: 'default', body: { metadata: { name: 'other' }, spec: { audiences: [] } } }),
        422,
        'Invalid',
        'TokenRequest.authentication.k8s.io "robot" is invalid: metadata.name: Invalid value: "other": must match the service account name if specified',
      );
    });

    it('kubectl create token prints a token kubectl can then use', async () => {
      const { stdout, stderr, code } = await cluster.kubectl(['create', 'token', 'robot', '--audience', 'vault', '--duration', '20m']);
      expect(code, stderr).to.equal(0);
      const token = stdout.trim();
      expect(claimsOf(token).claims.aud).to.deep.equal(['vault']);
      const whoami = await cluster.kubectl(['auth', 'whoami', '--token', (await tokenFor('robot')).status.token, '-o', 'json']);
      expect(JSON.parse(whoami.stdout).status.userInfo).to.deep.include({ username: 'system:serviceaccount:default:robot', uid: robotUid });
    });
  });

  describe('TokenReview and bearer tokens', () => {
    it('accepts a service account token with the real user and audiences', async () => {
      const { status } = await tokenFor('robot');
      const reviewed = await review(status.token);
      const jti = claimsOf(status.token).claims.jti;
      expect(reviewed.status).to.deep.equal({
        authenticated: true,
        user: {
          username: 'system:serviceaccount:default:robot',
          uid: robotUid,
          groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
          extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${jti}`] },
        },
        audiences: [issuer],
      });
      expect((await review(cluster.server.token)).status).to.deep.include({ authenticated: true, audiences: [issuer] });
    });

    it('reports why a token is refused, as kube-apiserver words it', async () => {
      const { status } = await tokenFor('robot');
      expect((await review(status.token, ['vault'])).status).to.deep.equal({
        user: {},
        error: `[invalid bearer token, token audiences ["${issuer}"] is invalid for the target audiences ["vault"]]`,
      });
      expect((await review('garbage')).status).to.deep.equal({ user: {}, error: 'invalid bearer token' });
      const tampered = status.token.slice(0, -2) + (status.token.endsWith('AA') ? 'BB' : 'AA');
      expect((await review(tampered)).status?.error).to.equal('[invalid bearer token, square/go-jose: error in cryptographic primitive]');
      await expectStatus(review(''), 400, 'BadRequest', 'token is required for TokenReview in authentication');
      clock.advance(3600_000 + 61_000);
      expect((await review(status.token)).status?.error).to.equal('[invalid bearer token, service account token has expired]');
    });

    it('authenticates requests that carry a service account token', async () => {
      const { status } = await tokenFor('robot');
      const client = asUser(status.token).makeApiClient(k8s.AuthenticationV1Api);
      const self = await client.createSelfSubjectReview({ body: {} });
      expect(self.status?.userInfo?.username).to.equal('system:serviceaccount:default:robot');
      expect(self.metadata?.creationTimestamp).to.deep.equal(clock.now());
      // Everything is allowed: the token's user reads pods like anyone.
      const pods = await asUser(status.token).makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: 'default' });
      expect(pods.items).to.be.an('array');
      await cluster.core.deleteNamespacedServiceAccount({ name: 'robot', namespace: 'default' });
      const response = await cluster.request('/api/v1/namespaces/default/pods', { headers: { Authorization: `Bearer ${status.token}` } });
      expect(response.status).to.equal(401);
      expect((await review(status.token)).status?.error).to.equal('[invalid bearer token, serviceaccounts "robot" not found]');
      robotUid = (await cluster.core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'robot' } } })).metadata!.uid!;
      expect((await review(status.token)).status?.error).to.match(/^\[invalid bearer token, service account UID \(.+\) does not match claim \(.+\)\]$/);
    });
  });

  describe('access reviews', () => {
    it('allows everything, with no reason, as an allow-all authorizer does', async () => {
      const sar = await authz.createSubjectAccessReview({ body: { spec: { user: 'jane', resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'default' } } } });
      expect(sar.status).to.deep.equal({ allowed: true });
      const local = await authz.createNamespacedLocalSubjectAccessReview({
        namespace: 'default',
        body: { metadata: { namespace: 'default' }, spec: { user: 'jane', resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'default' } } },
      });
      expect(local.status).to.deep.equal({ allowed: true });
      const self = await authz.createSelfSubjectAccessReview({ body: { spec: { nonResourceAttributes: { verb: 'get', path: '/healthz' } } } });
      expect(self.status).to.deep.equal({ allowed: true });
      const { stdout } = await cluster.kubectl(['auth', 'can-i', 'delete', 'nodes', '--as', 'jane']);
      expect(stdout).to.equal('yes\n');
    });

    it('validates reviews with the real messages', async () => {
      await expectStatus(
        authz.createSubjectAccessReview({ body: { spec: { resourceAttributes: { verb: 'get', resource: 'pods' } } } }),
        422,
        'Invalid',
        '.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified',
      );
      await expectStatus(
        authz.createSubjectAccessReview({ body: { spec: { user: 'jane' } } }),
        422,
        'Invalid',
        '.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
      );
      await expectStatus(
        authz.createSubjectAccessReview({ body: { spec: { user: 'jane', resourceAttributes: { verb: 'get' }, nonResourceAttributes: { verb: 'get' } } } }),
        422,
        'Invalid',
        '.authorization.k8s.io "" is invalid: spec.nonResourceAttributes: Invalid value: authorization.NonResourceAttributes{Path:"", Verb:"get"}: cannot be specified in combination with resourceAttributes',
      );
      const local = (spec: k8s.V1SubjectAccessReviewSpec) => authz.createNamespacedLocalSubjectAccessReview({ namespace: 'default', body: { spec } });
      await expectStatus(
        local({ user: 'jane', resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'other' } }),
        422,
        'Invalid',
        '.authorization.k8s.io "" is invalid: spec.resourceAttributes.namespace: Invalid value: "other": must match metadata.namespace',
      );
      await expectStatus(
        local({ user: 'jane', nonResourceAttributes: { verb: 'get', path: '/x' } }),
        422,
        'Invalid',
        '.authorization.k8s.io "" is invalid: spec.nonResourceAttributes: Invalid value: authorization.NonResourceAttributes{Path:"/x", Verb:"get"}: disallowed on this kind of request',
      );
      await expectStatus(
        authz.createSubjectAccessReview({
          body: { spec: { user: 'a', resourceAttributes: { verb: 'list', resource: 'pods', fieldSelector: { rawSelector: 'a=b', requirements: [{ key: 'a', operator: 'In' }] } } } },
        }),
        422,
        'Invalid',
        ".authorization.k8s.io \"\" is invalid: [spec.resourceAttributes.fieldSelector.rawSelector: Invalid value: \"a=b\": may not specified at the same time as requirements, spec.resourceAttributes.fieldSelector.requirements[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn']",
      );
      await expectStatus(authz.createSelfSubjectRulesReview({ body: { spec: {} } }), 400, 'BadRequest', 'no namespace on request');
    });

    it('lists every rule for anyone', async () => {
      const rules = await authz.createSelfSubjectRulesReview({ body: { spec: { namespace: 'default' } } });
      expect(rules.status).to.deep.equal({
        resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
        nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
        incomplete: false,
      });
    });
  });
});
