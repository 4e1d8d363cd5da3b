// admissionregistration.k8s.io/v1 through client-node's AdmissionregistrationV1Api and kubectl. Stored
// objects, messages and kubectl output were captured from kube-apiserver 1.32.13 on the same requests.

import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { ManualClock } from '../testkit/index.js';
import { startCluster, type TestCluster } from './support/cluster.js';
import { expectStatus } from './support/status.js';

type Json = Record<string, any>;

describe('admissionregistration.k8s.io/v1', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  let admission: k8s.AdmissionregistrationV1Api;

  const raw = async (path: string): Promise<Json> => (await cluster.request(`/apis/admissionregistration.k8s.io/v1/${path}`)).json();
  const kubectl = async (args: string[]) => {
    const { stdout, stderr, code } = await cluster.kubectl(args);
    expect(code, stderr).to.equal(0);
    return stdout;
  };

  before(async () => {
    clock = new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000));
    cluster = await startCluster({ clock });
    admission = cluster.kubeconfig.makeApiClient(k8s.AdmissionregistrationV1Api);
    await admission.createValidatingWebhookConfiguration({
      body: {
        metadata: { name: 'vw' },
        webhooks: [
          {
            name: 'check.example.com',
            clientConfig: { service: { namespace: 'default', name: 'hook' } },
            rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
            sideEffects: 'None',
            admissionReviewVersions: ['v1'],
          },
        ],
      },
    });
    await admission.createMutatingWebhookConfiguration({
      body: { metadata: { name: 'mw' }, webhooks: [{ name: 'check.example.com', clientConfig: { url: 'https://hook.example.com/mutate' }, sideEffects: 'NoneOnDryRun', admissionReviewVersions: ['v1'] }] },
    });
    await admission.createValidatingAdmissionPolicy({
      body: {
        metadata: { name: 'vap' },
        spec: {
          matchConstraints: { resourceRules: [{ operations: ['CREATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'] }] },
          validations: [{ expression: 'object.spec.replicas <= 5' }],
        },
      },
    });
    await admission.createValidatingAdmissionPolicyBinding({ body: { metadata: { name: 'vapb' }, spec: { policyName: 'vap', validationActions: ['Deny'] } } });
  });
  after(() => cluster.stop());

  it('defaults webhook configurations as the real server does', async () => {
    const validating = await raw('validatingwebhookconfigurations/vw');
    expect(validating.metadata.generation).to.equal(1);
    expect(validating.webhooks).to.deep.equal([
      {
        name: 'check.example.com',
        clientConfig: { service: { namespace: 'default', name: 'hook', port: 443 } },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: '*' }],
        failurePolicy: 'Fail',
        matchPolicy: 'Equivalent',
        namespaceSelector: {},
        objectSelector: {},
        sideEffects: 'None',
        timeoutSeconds: 10,
        admissionReviewVersions: ['v1'],
      },
    ]);
    const mutating = await raw('mutatingwebhookconfigurations/mw');
    expect(mutating.webhooks).to.deep.equal([
      {
        name: 'check.example.com',
        clientConfig: { url: 'https://hook.example.com/mutate' },
        failurePolicy: 'Fail',
        matchPolicy: 'Equivalent',
        namespaceSelector: {},
        objectSelector: {},
        sideEffects: 'NoneOnDryRun',
        timeoutSeconds: 10,
        admissionReviewVersions: ['v1'],
        reinvocationPolicy: 'Never',
      },
    ]);
  });

  it('defaults policies and keeps bindings as sent', async () => {
    const policy = await raw('validatingadmissionpolicies/vap');
    expect(policy.spec).to.deep.equal({
      matchConstraints: {
        namespaceSelector: {},
        objectSelector: {},
        resourceRules: [{ operations: ['CREATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'], scope: '*' }],
        matchPolicy: 'Equivalent',
      },
      validations: [{ expression: 'object.spec.replicas <= 5' }],
      failurePolicy: 'Fail',
    });
    const binding = await raw('validatingadmissionpolicybindings/vapb');
    expect(binding.spec).to.deep.equal({ policyName: 'vap', validationActions: ['Deny'] });
    expect(binding.metadata.generation).to.equal(1);
  });

  it('type-checks policy expressions against the kinds they match, as kube-controller-manager 1.32.13 does', async () => {
    await cluster.kubectlOk(
      ['create', '-f', '-'],
      `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: wrong}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  validations:
  - expression: "object.spec.replicaz <= 5"
  - expression: "object.spec.replicas <= 5"
  - expression: "object.metadata.name == 1"
`,
    );
    await cluster.server.controllers.settle();
    expect((await raw('validatingadmissionpolicies/vap')).status).to.deep.equal({ observedGeneration: 1, typeChecking: {} });
    const wrong = await raw('validatingadmissionpolicies/wrong');
    expect(wrong.status).to.deep.equal({
      observedGeneration: 1,
      typeChecking: {
        expressionWarnings: [
          {
            fieldRef: 'spec.validations[0].expression',
            warning: "apps/v1, Kind=Deployment: ERROR: <input>:1:12: undefined field 'replicaz'\n | object.spec.replicaz <= 5\n | ...........^\n",
          },
          {
            fieldRef: 'spec.validations[2].expression',
            warning: "apps/v1, Kind=Deployment: ERROR: <input>:1:22: found no matching overload for '_==_' applied to '(string, int)'\n | object.metadata.name == 1\n | .....................^\n",
          },
        ],
      },
    });
    const status = wrong.metadata.managedFields.find((m: Json) => m.subresource === 'status');
    expect([status.manager, status.operation, status.fieldsV1]).to.deep.equal(['validatingadmissionpolicy-status', 'Apply', { 'f:status': { 'f:observedGeneration': {}, 'f:typeChecking': { 'f:expressionWarnings': {} } } }]);
    // A spec change is checked again under its new generation; applying no warnings over the old
    // ones leaves no typeChecking at all, as on the real server.
    await cluster.kubectlOk(['patch', 'validatingadmissionpolicy', 'wrong', '--type=json', '-p', '[{"op":"replace","path":"/spec/validations","value":[{"expression":"object.spec.replicas <= 5"}]}]']);
    await cluster.server.controllers.settle();
    expect((await raw('validatingadmissionpolicies/wrong')).status).to.deep.equal({ observedGeneration: 2 });
  });

  describe('compiling policy expressions on create and update', () => {
    const resourceRules = [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }];
    // cel-go words a syntax error as ANTLR does ("mismatched input '<EOF>' expecting {...}"); cel-js's
    // parser has its own words, so for those causes the field, the position, "Syntax error: " and the
    // caret lines are compared, and the description between them is not.
    const syntaxError = (expression: string, column: number) => ({
      start: `Invalid value: ${JSON.stringify(expression)}: compilation failed: ERROR: <input>:1:${column}: Syntax error: `,
      end: `\n | ${expression}\n | ${'.'.repeat(column - 1)}^`,
    });
    const expectCauses = (causes: Json[], expected: Array<[string, string | { start: string; end: string }]>) => {
      expect(causes.map((c) => c.field)).to.deep.equal(expected.map(([path]) => path));
      causes.forEach((cause, i) => {
        const message = expected[i][1];
        expect(cause.reason).to.equal('FieldValueInvalid');
        if (typeof message === 'string') expect(cause.message).to.equal(message);
        else expect(cause.message.startsWith(message.start) && cause.message.endsWith(message.end), cause.message).to.equal(true);
      });
    };

    // Every answer below was captured from kube-apiserver 1.32.13 on the same requests.
    it('refuses expressions that do not compile, or do not evaluate to what their field needs', async () => {
      const status = await expectStatus(
        admission.createValidatingAdmissionPolicy({
          body: {
            metadata: { name: 'uncompiled' },
            spec: {
              matchConstraints: { resourceRules },
              matchConditions: [
                { name: 'open', expression: 'bar(' },
                { name: 'text', expression: "'x'" },
              ],
              variables: [
                { name: 'one', expression: '1' },
                { name: 'early', expression: 'variables.later == 2' },
                { name: 'later', expression: 'true' },
              ],
              validations: [
                { expression: 'object.spec.replicas <= ', messageExpression: '1' },
                { expression: 'foo == 1' },
                { expression: "'a'.startsWith(1)" },
                { expression: 'params == null' },
                { expression: "variables.one == 'x'" },
                { expression: 'request.userInfoz == null' },
                { expression: 'authorizer.foo()' },
                { expression: 'object.spec.replicas' },
              ],
              auditAnnotations: [{ key: 'k', valueExpression: '1' }],
            },
          },
        }),
        422,
        'Invalid',
      );
      expect(status.message.startsWith('ValidatingAdmissionPolicy.admissionregistration.k8s.io "uncompiled" is invalid: [spec.matchConditions[0].expression: Invalid value: "bar(": compilation failed: ERROR: <input>:1:5: Syntax error: ')).to.equal(true);
      expect(status.details).to.include({ name: 'uncompiled', group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicy' });
      expectCauses(status.details.causes, [
        ['spec.matchConditions[0].expression', syntaxError('bar(', 5)],
        ['spec.matchConditions[1].expression', `Invalid value: "'x'": must evaluate to bool but got string`],
        ['spec.variables[1].expression', "Invalid value: \"variables.later == 2\": compilation failed: ERROR: <input>:1:10: undefined field 'later'\n | variables.later == 2\n | .........^"],
        ['spec.validations[0].expression', syntaxError('object.spec.replicas <= ', 25)],
        ['spec.validations[0].messageExpression', 'Invalid value: "1": must evaluate to string but got int'],
        ['spec.validations[1].expression', "Invalid value: \"foo == 1\": compilation failed: ERROR: <input>:1:1: undeclared reference to 'foo' (in container '')\n | foo == 1\n | ^"],
        ['spec.validations[2].expression', "Invalid value: \"'a'.startsWith(1)\": compilation failed: ERROR: <input>:1:15: found no matching overload for 'startsWith' applied to 'string.(int)'\n | 'a'.startsWith(1)\n | ..............^"],
        ['spec.validations[3].expression', "Invalid value: \"params == null\": compilation failed: ERROR: <input>:1:1: undeclared reference to 'params' (in container '')\n | params == null\n | ^"],
        ['spec.validations[4].expression', "Invalid value: \"variables.one == 'x'\": compilation failed: ERROR: <input>:1:15: found no matching overload for '_==_' applied to '(int, string)'\n | variables.one == 'x'\n | ..............^"],
        ['spec.validations[5].expression', "Invalid value: \"request.userInfoz == null\": compilation failed: ERROR: <input>:1:8: undefined field 'userInfoz'\n | request.userInfoz == null\n | .......^"],
        ['spec.validations[6].expression', "Invalid value: \"authorizer.foo()\": compilation failed: ERROR: <input>:1:15: undeclared reference to 'foo' (in container '')\n | authorizer.foo()\n | ..............^"],
        ['spec.validations[7].expression', 'Invalid value: "object.spec.replicas": must evaluate to bool but got dyn'],
        ['spec.auditAnnotations[0].valueExpression', 'Invalid value: "1": must evaluate to one of [string null_type] but got int'],
      ]);
      expect(await raw('validatingadmissionpolicies')).to.have.nested.property('items').that.satisfies((items: Json[]) => !items.some((p) => p.metadata.name === 'uncompiled'));
    });

    it('stores the policies users write, and compiles them again on update', async () => {
      await cluster.kubectlOk(
        ['create', '-f', '-'],
        `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: compiled}
spec:
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  matchConditions:
  - {name: not-system, expression: "!request.userInfo.username.startsWith('system:')"}
  variables:
  - {name: limit, expression: "int(params.data.limit)"}
  - {name: foo, expression: "1"}
  - {name: overLimit, expression: "object.spec.replicas > variables.limit"}
  validations:
  - expression: "object.spec.replicas <= 5"
    messageExpression: "'replicas: ' + string(object.spec.replicas)"
  - expression: "has(object.metadata.labels) && 'env' in object.metadata.labels"
  - expression: "variables.foo == 1 && !variables.overLimit"
  - expression: "oldObject == null || object.spec.selector == oldObject.spec.selector"
  - expression: "object.spec.template.spec.containers.all(c, c.image.startsWith('registry.example.com/'))"
  - expression: "namespaceObject.metadata.name != 'kube-system' && request.operation in ['CREATE', 'UPDATE']"
  - expression: "authorizer.group('apps').resource('deployments').namespace(request.namespace).check('scale').allowed() || authorizer.requestResource.check('get').reason() == ''"
  - expression: "object.?spec.?replicas.orValue(1) > 0 && quantity('1Gi').isGreaterThan(quantity('1Mi')) && ip('10.0.0.1').family() == 4"
  auditAnnotations:
  - {key: replicas, valueExpression: "string(object.spec.replicas)"}
  - {key: none, valueExpression: "null"}
`,
      );
      expect((await raw('validatingadmissionpolicies/compiled')).spec.validations).to.have.length(8);
      const status = await expectStatus(
        admission.patchValidatingAdmissionPolicy({
          name: 'compiled',
          body: [
            { op: 'replace', path: '/spec/validations/0/expression', value: 'object.spec.replicas <=' },
            { op: 'replace', path: '/spec/auditAnnotations/0/valueExpression', value: 'object.spec.replicas' },
          ],
        }),
        422,
        'Invalid',
      );
      expectCauses(status.details.causes, [
        ['spec.validations[0].expression', syntaxError('object.spec.replicas <=', 24)],
        ['spec.auditAnnotations[0].valueExpression', 'Invalid value: "object.spec.replicas": must evaluate to one of [string null_type] but got dyn'],
      ]);
    });
  });

  it('prints the real columns', async () => {
    clock.advance(9000);
    expect(await kubectl(['get', 'validatingwebhookconfigurations', 'vw'])).to.equal('NAME   WEBHOOKS   AGE\nvw     1          9s\n');
    expect(await kubectl(['get', 'validatingadmissionpolicy', 'vap'])).to.equal('NAME   VALIDATIONS   PARAMKIND   AGE\nvap    1             <unset>     9s\n');
    expect(await kubectl(['get', 'validatingadmissionpolicybinding', 'vapb'])).to.equal('NAME   POLICYNAME   PARAMREF   AGE\nvapb   vap          <unset>    9s\n');
  });

  it('validates webhooks with the real messages', async () => {
    await expectStatus(
      admission.createValidatingWebhookConfiguration({
        body: {
          metadata: { name: 'bad' },
          webhooks: [
            {
              name: 'nodots',
              clientConfig: {},
              rules: [{ operations: ['FLY'], apiGroups: [], apiVersions: ['v1'], resources: ['pods'] }],
              sideEffects: 'Some',
              admissionReviewVersions: ['v9'],
              timeoutSeconds: 60,
              failurePolicy: 'Maybe',
              matchPolicy: 'Fuzzy',
            },
            { name: 'nodots', clientConfig: { url: 'http://x' }, admissionReviewVersions: [] } as unknown as k8s.V1ValidatingWebhook,
          ],
        },
      }),
      422,
      'Invalid',
      `ValidatingWebhookConfiguration.admissionregistration.k8s.io "bad" is invalid: [webhooks[0].name: Invalid value: "nodots": should be a domain with at least three segments separated by dots, webhooks[0].rules[0].operations[0]: Unsupported value: "FLY": supported values: "*", "CONNECT", "CREATE", "DELETE", "UPDATE", webhooks[0].rules[0].apiGroups: Required value, webhooks[0].failurePolicy: Unsupported value: "Maybe": supported values: "Fail", "Ignore", webhooks[0].matchPolicy: Unsupported value: "Fuzzy": supported values: "Equivalent", "Exact", webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun", webhooks[0].timeoutSeconds: Invalid value: 60: the timeout value must be between 1 and 30 seconds, webhooks[0].clientConfig: Required value: exactly one of url or service is required, webhooks[0].admissionReviewVersions: Invalid value: []string{"v9"}: must include at least one of v1, v1beta1, webhooks[1].name: Invalid value: "nodots": should be a domain with at least three segments separated by dots, webhooks[1].sideEffects: Required value: must specify one of None, NoneOnDryRun, webhooks[1].clientConfig.url: Invalid value: "http": 'https' is the only allowed URL scheme; desired format: https://host[/path], webhooks[1].admissionReviewVersions: Required value: must specify one of v1, v1beta1, webhooks[1].name: Duplicate value: "nodots"]`,
    );
  });

  it('validates policies and bindings with the real messages', async () => {
    await expectStatus(
      admission.createValidatingAdmissionPolicy({ body: { metadata: { name: 'bad' }, spec: { validations: [{ expression: '' }], failurePolicy: 'Maybe' } } }),
      422,
      'Invalid',
      'ValidatingAdmissionPolicy.admissionregistration.k8s.io "bad" is invalid: [spec.failurePolicy: Unsupported value: "Maybe": supported values: "Fail", "Ignore", spec.matchConstraints: Required value, spec.validations[0].expression: Required value: expression is not specified]',
    );
    await expectStatus(
      admission.createValidatingAdmissionPolicyBinding({ body: { metadata: { name: 'bad' }, spec: { validationActions: ['Shout'] } } }),
      422,
      'Invalid',
      'ValidatingAdmissionPolicyBinding.admissionregistration.k8s.io "bad" is invalid: [spec.policyName: Required value, spec.validationActions[0]: Unsupported value: "Shout": supported values: "Audit", "Deny", "Warn"]',
    );
  });
});
