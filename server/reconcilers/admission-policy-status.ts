// kube-controller-manager's validatingadmissionpolicy-status-controller: each ValidatingAdmissionPolicy's
// validation expressions are type-checked against the kinds its resource rules name, with `object`
// and `oldObject` typed from the kind's schema; status.typeChecking lists what does not check, worded
// as cel-go words it, and observedGeneration the generation that was checked.

import { Environment } from '@marcbachmann/cel-js';
import { schemaNode } from '../../openapi/kubernetes.js';
import type { SchemaNode } from '../../openapi/schema.js';
import type { Registry } from '../registry/registry.js';
import type { ResourceDefinition } from '../registry/types.js';
import type { KubeObject } from '../store/types.js';
import { controllerManagerIdentity, type ControllerDescriptor } from './controller.js';

type Json = Record<string, any>;
type CelSchema = string | { [field: string]: CelSchema };

const policies = 'admissionregistration.k8s.io/validatingadmissionpolicies';
const identity = { ...controllerManagerIdentity('validatingadmissionpolicy-status-controller'), fieldManager: 'validatingadmissionpolicy-status' };
/** Variables every policy expression may use besides the typed object and oldObject. */
const untypedVariables = ['request', 'params', 'namespaceObject', 'authorizer', 'variables'];

function scalarType(schema: SchemaNode['schema']): string {
  switch (schema.type) {
    case 'string':
      return schema.format === 'byte' ? 'bytes' : schema.format === 'date-time' || schema.format === 'int-or-string' ? 'dyn' : 'string';
    case 'integer':
      return 'int';
    case 'number':
      return 'double';
    case 'boolean':
      return 'bool';
  }
  return 'dyn';
}

/** The CEL type of a schema: structs by their fields, lists and maps of scalars typed, the rest dyn. */
function celSchema(node: SchemaNode, visiting: Set<string>): CelSchema {
  const { schema } = node;
  if (schema['x-kubernetes-int-or-string'] || schema['x-kubernetes-preserve-unknown-fields']) return 'dyn';
  if (schema.properties) {
    if (node.component && visiting.has(node.component)) return 'dyn';
    if (node.component) visiting.add(node.component);
    const fields: Record<string, CelSchema> = {};
    for (const name of Object.keys(schema.properties)) {
      const child = node.property(name);
      fields[name] = child ? celSchema(child, visiting) : 'dyn';
    }
    if (node.component) visiting.delete(node.component);
    return fields;
  }
  if (schema.type === 'array') {
    const items = node.items;
    const item = items && !items.schema.properties ? celSchema(items, visiting) : 'dyn';
    return `list<${typeof item === 'string' ? item : 'dyn'}>`;
  }
  if (schema.type === 'object') {
    const values = node.values;
    const value = values && !values.schema.properties ? celSchema(values, visiting) : 'dyn';
    return `map<string, ${typeof value === 'string' ? value : 'dyn'}>`;
  }
  return scalarType(schema);
}

const environments = new WeakMap<ResourceDefinition, Environment>();

function environmentFor(def: ResourceDefinition): Environment {
  let env = environments.get(def);
  if (!env) {
    const type = celSchema(schemaNode(def), new Set());
    env = new Environment({ unlistedVariablesAreDyn: false }).registerType({ name: 'Object', schema: typeof type === 'string' ? {} : type }).registerVariable('object', 'Object').registerVariable('oldObject', 'Object');
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

/** Where cel-go reports a finding: a selection at its dot, an operator at its symbol, else where the node starts. */
function position(expression: string, node: Json | undefined): number {
  if (!node) return 0;
  if (node.op === '.' || node.op === '.?') return Math.max(0, (node.pos ?? 0) - 1);
  if (node.left && typeof node.left.end === 'number' && typeof node.op === 'string') {
    const at = expression.indexOf(node.op, node.left.end);
    if (at >= 0) return at;
  }
  return node.pos ?? 0;
}

/** cel-js's findings in cel-go's words. */
function celGoMessage(message: string): string {
  const first = message.split('\n')[0];
  const missing = /^No such key: (.*)$/.exec(first);
  if (missing) return `undefined field '${missing[1]}'`;
  const overload = /^no such overload: (\S+) (\S+) (\S+)$/.exec(first);
  if (overload) return `found no matching overload for '_${overload[2]}_' applied to '(${overload[1]}, ${overload[3]})'`;
  const variable = /^Unknown variable: (.*)$/.exec(first);
  if (variable) return `undeclared reference to '${variable[1]}' (in container '')`;
  return first;
}

/** cel-go's error text for a finding in `expression`: the location, the message, the line and a caret. */
function celGoError(expression: string, error: Error & { node?: Json }): string {
  const at = position(expression, error.node);
  const before = expression.slice(0, at);
  const line = before.split('\n').length;
  const column = at - (before.lastIndexOf('\n') + 1);
  const text = expression.split('\n')[line - 1];
  return `ERROR: <input>:${line}:${column + 1}: ${celGoMessage(error.message)}\n | ${text}\n | ${'.'.repeat(column)}^`;
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
