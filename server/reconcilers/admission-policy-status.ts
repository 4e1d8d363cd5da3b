// kube-controller-manager's validatingadmissionpolicy-status-controller: each ValidatingAdmissionPolicy's
// validation expressions are type-checked against the kinds its resource rules name, with `object`
// and `oldObject` typed from the kind's schema; status.typeChecking lists what does not check, worded
// as cel-go words it, and observedGeneration the generation that was checked.

import type { Environment } from '@marcbachmann/cel-js';
import { schemaNode } from '../../openapi/kubernetes.js';
import { celGoError, celSchema } from '../admission/policy-expressions.js';
import { kubernetesCelEnvironment } from '../crd/cel/library.js';
import type { Registry } from '../registry/registry.js';
import type { ResourceDefinition } from '../registry/types.js';
import type { KubeObject } from '../store/types.js';
import { controllerManagerIdentity, type ControllerDescriptor } from './controller.js';

type Json = Record<string, any>;

const policies = 'admissionregistration.k8s.io/validatingadmissionpolicies';
const identity = { ...controllerManagerIdentity('validatingadmissionpolicy-status-controller'), fieldManager: 'validatingadmissionpolicy-status' };
/** Variables every policy expression may use besides the typed object and oldObject. */
const untypedVariables = ['request', 'params', 'namespaceObject', 'authorizer', 'variables'];

const environments = new WeakMap<ResourceDefinition, Environment>();

function environmentFor(def: ResourceDefinition): Environment {
  let env = environments.get(def);
  if (!env) {
    const type = celSchema(schemaNode(def));
    env = kubernetesCelEnvironment({ homogeneousAggregateLiterals: true, unlistedVariablesAreDyn: false }).registerType({ name: 'Object', schema: typeof type === 'string' ? {} : type }).registerVariable('object', 'Object').registerVariable('oldObject', 'Object');
    for (const name of untypedVariables) env.registerVariable(name, 'dyn');
    environments.set(def, env);
  }
  return env;
}

/** The kinds named by the policy's resource rules; wildcards name none to check against. */
function matchedDefinitions(policy: KubeObject, registry: Registry): ResourceDefinition[] {
  const out: ResourceDefinition[] = [];
  const rules = ((policy.spec as Json | undefined)?.matchConstraints?.resourceRules ?? []) as Json[];
  for (const rule of rules) {
    for (const group of (rule?.apiGroups ?? []) as string[]) {
      for (const version of (rule?.apiVersions ?? []) as string[]) {
        for (const resource of (rule?.resources ?? []) as string[]) {
          const plural = String(resource).split('/')[0];
          if ([group, version, plural].includes('*')) continue;
          const def = registry.find(group, version, plural);
          if (def && !out.includes(def)) out.push(def);
        }
      }
    }
  }
  return out;
}

/** The expression warnings of a policy (TypeChecker.Check): per expression, what fails against each matched kind. */
export function policyTypeWarnings(policy: KubeObject, registry: Registry): Json[] {
  const kinds = matchedDefinitions(policy, registry);
  const warnings: Json[] = [];
  ((policy.spec as Json | undefined)?.validations ?? []).forEach((validation: Json, i: number) => {
    for (const [key, expression] of [['expression', validation?.expression], ['messageExpression', validation?.messageExpression]] as const) {
      if (typeof expression !== 'string' || expression === '') continue;
      const found: string[] = [];
      for (const def of kinds) {
        const checked = environmentFor(def).check(expression) as { valid: boolean; error?: Error & { node?: Json } };
        if (!checked.valid && checked.error) found.push(`${def.group ? `${def.group}/` : ''}${def.version}, Kind=${def.kind}: ${celGoError(expression, checked.error)}\n`);
      }
      if (found.length) warnings.push({ fieldRef: `spec.validations[${i}].${key}`, warning: found.join('') });
    }
  });
  return warnings;
}

export const validatingAdmissionPolicyStatusController: ControllerDescriptor = {
  name: 'validatingadmissionpolicy-status-controller',
  create(env) {
    const client = env.client(identity);
    return {
      for: policies,
      reconcile(name) {
        const existing = client.get(policies, '', name);
        if (!existing || existing.object.metadata.deletionTimestamp) return;
        const policy = existing.object;
        const generation = policy.metadata.generation ?? 0;
        if ((policy.status as Json | undefined)?.observedGeneration === generation) return;
        const warnings = policyTypeWarnings(policy, env.services.registry);
        client.apply(
          existing,
          {
            apiVersion: 'admissionregistration.k8s.io/v1',
            kind: 'ValidatingAdmissionPolicy',
            metadata: { name },
            status: { observedGeneration: generation, typeChecking: warnings.length ? { expressionWarnings: warnings } : {} },
          },
          'status',
        );
      },
    };
  },
};
