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
