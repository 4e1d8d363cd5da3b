// rbac.authorization.k8s.io/v1 through client-node's RbacAuthorizationV1Api and kubectl. Expected
// objects, messages and kubectl output were captured from kube-apiserver 1.32.13 (with
// kube-controller-manager for aggregation) on the same requests.

import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../testkit/index.js';
import { startCluster, type TestCluster } from './support/cluster.js';
import { expectStatus } from './support/status.js';

type Json = Record<string, any>;

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../spec/fixtures/${name}`, import.meta.url)), 'utf8');

const rbacGroup = 'rbac.authorization.k8s.io';

const objectsYaml = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-reader
  namespace: default
rules:
- apiGroups: [""]
  resources: ["pods", "pods/log"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["apps"]
  resources: ["deployments"]
  resourceNames: ["web"]
  verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: read-pods
  namespace: default
subjects:
- kind: User
  name: jane
- kind: Group
  name: devs
- kind: ServiceAccount
  name: builder
  namespace: ci
- kind: ServiceAccount
  name: deployer
roleRef:
  kind: Role
  name: pod-reader
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: widget-viewers
subjects:
- kind: Group
  name: system:authenticated
- kind: ServiceAccount
  name: robot
  namespace: kube-system
roleRef:
  kind: ClusterRole
  name: widget-viewer
`;

describe('rbac.authorization.k8s.io/v1', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  let rbac: k8s.RbacAuthorizationV1Api;

  const kubectl = async (args: string[], input?: string) => {
    const { stdout, stderr, code } = await cluster.kubectl(args, input);
    expect(code, stderr).to.equal(0);
    return stdout;
  };
  const settle = () => cluster.server.controllers.settle();

  before(async () => {
    // Whole seconds, so the Age column reads exactly what the clock was moved by.
    clock = new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000));
    cluster = await startCluster({ clock });
    rbac = cluster.kubeconfig.makeApiClient(k8s.RbacAuthorizationV1Api);
  });
  after(() => cluster.stop());

  describe('the bootstrap roles', () => {
    it('kubectl get clusterrole view -o yaml prints what a fresh cluster prints', async () => {
      const yaml = await kubectl(['get', 'clusterrole', 'view', '-o', 'yaml']);
      const normalized = yaml
        .replace(/^( {2}creationTimestamp: ).*$/m, '$1"<creationTimestamp>"')
        .replace(/^( {2}resourceVersion: ).*$/m, '$1"<resourceVersion>"')
        .replace(/^( {2}uid: ).*$/m, '$1<uid>');
      expect(normalized).to.equal(fixture('clusterrole-view.yaml'));
    });

    it('admin and edit aggregate what view aggregates, written by the aggregation controller', async () => {
      const [view, edit, admin] = await Promise.all(['view', 'edit', 'admin'].map((name) => rbac.readClusterRole({ name })));
      const contains = (outer: k8s.V1ClusterRole, inner: k8s.V1ClusterRole) => inner.rules!.every((r) => outer.rules!.some((o) => JSON.stringify(o) === JSON.stringify(r)));
      expect(contains(edit, view), 'edit holds view').to.equal(true);
      expect(contains(admin, edit), 'admin holds edit').to.equal(true);
      const entries = view.metadata!.managedFields!.map((e) => [e.manager, e.operation, JSON.stringify(e.fieldsV1)]);
      expect(entries).to.deep.include(['clusterrole-aggregation-controller', 'Apply', '{"f:rules":{}}']);
      const clusterAdmin = await rbac.readClusterRole({ name: 'cluster-admin' });
      expect(clusterAdmin.rules).to.deep.equal([
        { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
        { nonResourceURLs: ['*'], verbs: ['*'] },
      ]);
    });

    it('binds cluster-admin to system:masters', async () => {
      const binding = await rbac.readClusterRoleBinding({ name: 'cluster-admin' });
      expect(binding.roleRef).to.deep.equal({ apiGroup: rbacGroup, kind: 'ClusterRole', name: 'cluster-admin' });
      expect(binding.subjects).to.deep.equal([{ apiGroup: rbacGroup, kind: 'Group', name: 'system:masters' }]);
    });
  });

  describe('Roles and RoleBindings through client-node', () => {
    afterEach(async () => {
      await kubectl(['delete', 'roles,rolebindings', '--all', '-n', 'default']);
    });

    it('creates, reads, lists, patches, replaces and deletes a Role', async () => {
      const created = await rbac.createNamespacedRole({
        namespace: 'default',
        body: { metadata: { name: 'reader' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] },
      });
      expect(created.metadata?.uid).to.be.a('string');
      expect((await rbac.readNamespacedRole({ name: 'reader', namespace: 'default' })).rules).to.deep.equal([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }]);
      const list = await rbac.listNamespacedRole({ namespace: 'default' });
      expect(list.items.map((r) => r.metadata?.name)).to.deep.equal(['reader']);
      const patched = await rbac.patchNamespacedRole(
        { name: 'reader', namespace: 'default', body: [{ op: 'add', path: '/rules/0/verbs/-', value: 'list' }] },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
      );
      expect(patched.rules?.[0].verbs).to.deep.equal(['get', 'list']);
      // PUT needs no resourceVersion for RBAC objects, and creates a missing one.
      const replaced = await rbac.replaceNamespacedRole({ name: 'reader', namespace: 'default', body: { metadata: { name: 'reader' }, rules: [] } });
      // kube-apiserver 1.32.13 answers `rules: null`: storage keeps no empty list apart from an unset one.
      expect(replaced.rules).to.equal(null);
      const upserted = await rbac.replaceNamespacedRole({ name: 'writer', namespace: 'default', body: { metadata: { name: 'writer' } } });
      expect(upserted.rules).to.equal(null);
      await rbac.deleteNamespacedRole({ name: 'reader', namespace: 'default' });
      await expectStatus(rbac.readNamespacedRole({ name: 'reader', namespace: 'default' }), 404, 'NotFound', 'roles.rbac.authorization.k8s.io "reader" not found');
    });

    it('defaults the roleRef and User/Group subject apiGroups', async () => {
      await kubectl(['apply', '--server-side', '-f', '-'], objectsYaml);
      const binding = await rbac.readNamespacedRoleBinding({ name: 'read-pods', namespace: 'default' });
      expect(binding.roleRef).to.deep.equal({ apiGroup: rbacGroup, kind: 'Role', name: 'pod-reader' });
      expect(binding.subjects).to.deep.equal([
        { kind: 'User', apiGroup: rbacGroup, name: 'jane' },
        { kind: 'Group', apiGroup: rbacGroup, name: 'devs' },
        { kind: 'ServiceAccount', name: 'builder', namespace: 'ci' },
        { kind: 'ServiceAccount', name: 'deployer' },
      ]);
      await kubectl(['delete', 'clusterrolebinding', 'widget-viewers']);
    });

    it('refuses to change a roleRef', async () => {
      await kubectl(['apply', '--server-side', '-f', '-'], objectsYaml);
      const binding = await rbac.readNamespacedRoleBinding({ name: 'read-pods', namespace: 'default' });
      await expectStatus(
        rbac.replaceNamespacedRoleBinding({ name: 'read-pods', namespace: 'default', body: { ...binding, roleRef: { ...binding.roleRef, kind: 'ClusterRole' } } }),
        422,
        'Invalid',
        'RoleBinding.rbac.authorization.k8s.io "read-pods" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"pod-reader"}: cannot change roleRef',
      );
      await kubectl(['delete', 'clusterrolebinding', 'widget-viewers']);
    });

    it('prints the real columns, wide ones included', async () => {
      await kubectl(['apply', '--server-side', '-f', '-'], objectsYaml);
      clock.advance(1000);
      expect(await kubectl(['get', 'rolebinding', 'read-pods', '-o', 'wide'])).to.equal(
        'NAME        ROLE              AGE   USERS   GROUPS   SERVICEACCOUNTS\n' + 'read-pods   Role/pod-reader   1s    jane    devs     ci/builder, /deployer\n',
      );
      expect(await kubectl(['get', 'clusterrolebinding', 'widget-viewers', '-o', 'wide'])).to.equal(
        'NAME             ROLE                        AGE   USERS   GROUPS                 SERVICEACCOUNTS\n' +
          'widget-viewers   ClusterRole/widget-viewer   1s            system:authenticated   kube-system/robot\n',
      );
      const created = new Date(clock.now().getTime() - 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      expect(await kubectl(['get', 'role', 'pod-reader'])).to.equal(`NAME         CREATED AT\npod-reader   ${created}\n`);
      await kubectl(['delete', 'clusterrolebinding', 'widget-viewers']);
    });
  });

  describe('validation', () => {
    it('checks rule shapes', async () => {
      await expectStatus(
        rbac.createNamespacedRole({
          namespace: 'default',
          body: {
            metadata: { name: 'r1' },
            rules: [{ apiGroups: [''] } as k8s.V1PolicyRule, { verbs: ['get'], nonResourceURLs: ['/x'] }, { verbs: ['get'], nonResourceURLs: ['/x'], resources: ['pods'] }],
          },
        }),
        422,
        'Invalid',
        'Role.rbac.authorization.k8s.io "r1" is invalid: [rules[0].verbs: Required value: verbs must contain at least one value, rules[0].resources: Required value: resource rules must supply at least one resource, rules[1].nonResourceURLs: Invalid value: []string{"/x"}: namespaced rules cannot apply to non-resource URLs, rules[2].nonResourceURLs: Invalid value: []string{"/x"}: namespaced rules cannot apply to non-resource URLs, rules[2].nonResourceURLs: Invalid value: []string{"/x"}: rules cannot apply to both regular resources and non-resource URLs]',
      );
    });

    it('checks names and aggregation rules', async () => {
      await expectStatus(
        rbac.createClusterRole({ body: { metadata: { name: 'a/b' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/x'], resources: ['pods'] }], aggregationRule: {} } }),
        422,
        'Invalid',
        `ClusterRole.rbac.authorization.k8s.io "a/b" is invalid: [metadata.name: Invalid value: "a/b": may not contain '/', rules[0].nonResourceURLs: Invalid value: []string{"/x"}: rules cannot apply to both regular resources and non-resource URLs, aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil]`,
      );
      await expectStatus(
        rbac.createClusterRole({
          body: {
            metadata: { name: 'cr2' },
            aggregationRule: {
              clusterRoleSelectors: [{ matchLabels: { a: 'b c' } }, { matchExpressions: [{ key: 'x', operator: 'Bogus' }] }, { matchExpressions: [{ key: 'x', operator: 'In' }] }],
            },
          },
        }),
        422,
        'Invalid',
        `ClusterRole.rbac.authorization.k8s.io "cr2" is invalid: [aggregationRule.clusterRoleSelectors[0].matchLabels: Invalid value: "b c": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?'), aggregationRule.clusterRoleSelectors[0]: Invalid value: "null": invalid label selector., aggregationRule.clusterRoleSelectors[1].matchExpressions[0].operator: Invalid value: "Bogus": not a valid selector operator, aggregationRule.clusterRoleSelectors[1]: Invalid value: "null": invalid label selector., aggregationRule.clusterRoleSelectors[2].matchExpressions[0].values: Required value: must be specified when \`operator\` is 'In' or 'NotIn', aggregationRule.clusterRoleSelectors[2]: Invalid value: "null": invalid label selector.]`,
      );
    });

    it('checks roleRefs and subjects', async () => {
      await expectStatus(
        rbac.createNamespacedRoleBinding({
          namespace: 'default',
          body: {
            metadata: { name: 'rb1' },
            roleRef: { kind: 'Foo', name: '' } as k8s.V1RoleRef,
            subjects: [
              { kind: 'Robot', name: 'x' },
              { kind: 'ServiceAccount', name: 'Bad_Name', apiGroup: 'x' },
              { kind: 'User', name: 'u', apiGroup: 'x' },
              { kind: 'Group' } as k8s.RbacV1Subject,
            ],
          },
        }),
        422,
        'Invalid',
        `RoleBinding.rbac.authorization.k8s.io "rb1" is invalid: [roleRef.kind: Unsupported value: "Foo": supported values: "Role", "ClusterRole", roleRef.name: Required value, subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group", subjects[1].name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'), subjects[1].apiGroup: Unsupported value: "x": supported values: "", subjects[2].apiGroup: Unsupported value: "x": supported values: "rbac.authorization.k8s.io", subjects[3].name: Required value]`,
      );
      await expectStatus(
        rbac.createClusterRoleBinding({
          body: { metadata: { name: 'crb1' }, roleRef: { kind: 'Role', name: 'x', apiGroup: 'foo' }, subjects: [{ kind: 'ServiceAccount', name: 'sa' }] },
        }),
        422,
        'Invalid',
        'ClusterRoleBinding.rbac.authorization.k8s.io "crb1" is invalid: [roleRef.apiGroup: Unsupported value: "foo": supported values: "rbac.authorization.k8s.io", roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole", subjects[0].namespace: Required value]',
      );
    });
  });

  describe('aggregation', () => {
    const labelled = { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' };
    const widgetRules: k8s.V1PolicyRule[] = [
      { apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get', 'list'] },
      { nonResourceURLs: ['/healthz', '/metrics'], verbs: ['get'] },
    ];
    const holds = async (name: string) => {
      const rules = (await rbac.readClusterRole({ name })).rules!.map((r) => JSON.stringify(r));
      return widgetRules.every((r) => rules.includes(JSON.stringify(r)));
    };

    it('adds a labelled role to view, edit and admin, and takes it away again', async () => {
      await rbac.createClusterRole({ body: { metadata: { name: 'widget-viewer', labels: labelled }, rules: widgetRules } });
      await settle();
      for (const name of ['view', 'edit', 'admin']) expect(await holds(name), name).to.equal(true);
      // Roles are collected in name order: after system:aggregate-to-view in view, after it view in edit.
      expect((await rbac.readClusterRole({ name: 'view' })).rules!.slice(-2)).to.deep.equal(widgetRules);
      expect((await rbac.readClusterRole({ name: 'edit' })).rules!.slice(-2)).to.deep.equal(widgetRules);
      await rbac.patchClusterRole(
        { name: 'widget-viewer', body: { metadata: { labels: { 'rbac.authorization.k8s.io/aggregate-to-view': null } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await settle();
      for (const name of ['view', 'edit', 'admin']) expect(await holds(name), name).to.equal(false);
      await rbac.deleteClusterRole({ name: 'widget-viewer' });
    });

    it('leaves the rules of a role nothing is selected for null', async () => {
      await rbac.createClusterRole({ body: { metadata: { name: 'monitoring' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'example.com/aggregate-to-monitoring': 'true' } }] } } });
      await settle();
      const raw = (await cluster.request('/apis/rbac.authorization.k8s.io/v1/clusterroles/monitoring')).json() as Json;
      expect(raw.rules).to.equal(null);
      await rbac.createClusterRole({ body: { metadata: { name: 'metrics-reader', labels: { 'example.com/aggregate-to-monitoring': 'true' } }, rules: [widgetRules[1]] } });
      await settle();
      expect((await rbac.readClusterRole({ name: 'monitoring' })).rules).to.deep.equal([widgetRules[1]]);
      await rbac.deleteClusterRole({ name: 'metrics-reader' });
      await settle();
      const emptied = (await cluster.request('/apis/rbac.authorization.k8s.io/v1/clusterroles/monitoring')).json() as Json;
      expect(emptied.rules).to.equal(null);
      await rbac.deleteClusterRole({ name: 'monitoring' });
    });
  });
});
