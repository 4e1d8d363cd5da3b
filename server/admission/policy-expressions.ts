// The CEL of admission policies: the declarations kube-apiserver compiles a ValidatingAdmissionPolicy's
// expressions with when it is written (object, oldObject, request, params, namespaceObject, authorizer
// and the policy's own variables), the CEL type of a kind's schema (for the status controller's type
// checking), and cel-js's findings worded as cel-go words them. kubemock compiles policies; it does not
// evaluate them.

import type { Environment } from '@marcbachmann/cel-js';
import { builtinKindSchema, kubernetesComponents } from '../../openapi/kubernetes.js';
import type { SchemaNode } from '../../openapi/schema.js';
import { kubernetesCelEnvironment } from '../crd/cel/library.js';
import { field, type FieldError } from '../errors.js';
import { celLibrary } from '../libraries.js';

type Json = Record<string, any>;
export type CelSchema = string | { [field: string]: CelSchema };
type CheckResult = { valid: boolean; type?: string; error?: Error & { node?: Json } };

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
export function celSchema(node: SchemaNode, visiting = new Set<string>()): CelSchema {
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

/** Where cel-go reports a finding: a selection at its dot, a call at its parenthesis, an operator at its symbol, else where the node starts. */
function position(expression: string, node: Json | undefined): number {
  if (!node) return 0;
  if (node.op === '.' || node.op === '.?') return Math.max(0, (node.pos ?? 0) - 1);
  if (node.op === 'rcall' || node.op === 'call') {
    const at = expression.indexOf('(', node.op === 'rcall' ? node.args?.[1]?.end ?? node.pos : node.pos);
    if (at >= 0) return at;
  }
  if (node.left && typeof node.left.end === 'number' && typeof node.op === 'string') {
    const at = expression.indexOf(node.op, node.left.end);
    if (at >= 0) return at;
  }
  return node.pos ?? 0;
}

/**
 * cel-js's findings in cel-go's words. Syntax errors keep cel-js's own description after cel-go's
 * "Syntax error: " prefix: cel-go's are ANTLR's ("mismatched input '<EOF>' expecting {...}"), which a
 * hand-written parser has no equivalent of.
 */
function celGoMessage(error: Error & { node?: Json }): string {
  const first = error.message.split('\n')[0];
  if (error instanceof celLibrary().ParseError) return `Syntax error: ${first}`;
  const missing = /^No such key: (.*)$/.exec(first);
  if (missing) return `undefined field '${missing[1]}'`;
  const operator = /^no such overload: (\S+) (\S+) (\S+)$/.exec(first);
  if (operator) return `found no matching overload for '_${operator[2]}_' applied to '(${operator[1]}, ${operator[3]})'`;
  const variable = /^Unknown variable: (.*)$/.exec(first);
  if (variable) return `undeclared reference to '${variable[1]}' (in container '')`;
  const call = /^found no matching overload for '(?:(.+)\.)?([A-Za-z_][\w]*)\((.*)\)'$/.exec(first);
  if (call) {
    const [, receiver, name, args] = call;
    // A method no type declares: cel-go does not resolve the name at all.
    if (receiver !== undefined && error.node?.candidates && [...error.node.candidates].length === 0) return `undeclared reference to '${name}' (in container '')`;
    return `found no matching overload for '${name}' applied to '${receiver !== undefined ? `${receiver}.` : ''}(${args})'`;
  }
  const literal = /must have the same type, (expected type .*)$/.exec(first);
  if (literal) return literal[1];
  return first;
}

/** cel-go's error text for a finding in `expression`: the location, the message, the line and a caret. */
export function celGoError(expression: string, error: Error & { node?: Json }): string {
  const at = position(expression, error.node);
  const before = expression.slice(0, at);
  const line = before.split('\n').length;
  const column = at - (before.lastIndexOf('\n') + 1);
  const text = expression.split('\n')[line - 1];
  return `ERROR: <input>:${line}:${column + 1}: ${celGoMessage(error)}\n | ${text}\n | ${'.'.repeat(column)}^`;
}

/** kubemock declares the authorizer's functions to compile policies, and never calls them. */
function notEvaluated(): never {
  throw new Error('kubemock does not evaluate admission policy expressions');
}

const groupVersionKind = { group: 'string', version: 'string', kind: 'string' };
const groupVersionResource = { group: 'string', version: 'string', resource: 'string' };

/** The admission request as policies see it (an AdmissionRequest without its uid and objects). */
const requestType = {
  kind: groupVersionKind,
  resource: groupVersionResource,
  subResource: 'string',
  requestKind: groupVersionKind,
  requestResource: groupVersionResource,
  requestSubResource: 'string',
  name: 'string',
  namespace: 'string',
  operation: 'string',
  userInfo: { username: 'string', uid: 'string', groups: 'list<string>', extra: 'map<string, list<string>>' },
  dryRun: 'bool',
  options: 'dyn',
};

/** Kubernetes' authorizer library: checks built from the authorizer and their decisions. */
function declareAuthorizer(env: Environment): Environment {
  env
    .registerType({ name: 'Decision', schema: {} })
    .registerType({ name: 'PathCheck', schema: {} })
    .registerType({ name: 'GroupCheck', schema: {} })
    .registerType({ name: 'ResourceCheck', schema: {} })
    .registerType({ name: 'Authorizer', schema: { requestResource: 'ResourceCheck' } })
    .registerFunction('Authorizer.path(string): PathCheck', notEvaluated)
    .registerFunction('Authorizer.group(string): GroupCheck', notEvaluated)
    .registerFunction('Authorizer.serviceAccount(string, string): Authorizer', notEvaluated)
    .registerFunction('GroupCheck.resource(string): ResourceCheck', notEvaluated)
    .registerFunction('PathCheck.check(string): Decision', notEvaluated)
    .registerFunction('ResourceCheck.check(string): Decision', notEvaluated)
    .registerFunction('Decision.allowed(): bool', notEvaluated)
    .registerFunction('Decision.errored(): bool', notEvaluated)
    .registerFunction('Decision.reason(): string', notEvaluated)
    .registerFunction('Decision.error(): string', notEvaluated);
  for (const narrowing of ['subresource', 'namespace', 'name', 'fieldSelector', 'labelSelector']) env.registerFunction(`ResourceCheck.${narrowing}(string): ResourceCheck`, notEvaluated);
  return env.registerVariable('authorizer', 'Authorizer');
}

let base: Environment | undefined;

/** The declarations every policy shares, built on first use. */
function sharedEnvironment(): Environment {
  if (!base) {
    const env = kubernetesCelEnvironment({ homogeneousAggregateLiterals: true, unlistedVariablesAreDyn: false });
    const namespace = celSchema(kubernetesComponents.node(builtinKindSchema({ group: '', version: 'v1', kind: 'Namespace' })!)!);
    env
      .registerVariable('object', 'dyn')
      .registerVariable('oldObject', 'dyn')
      .registerType({ name: 'AdmissionRequest', schema: requestType })
      .registerVariable('request', 'AdmissionRequest')
      .registerType({ name: 'NamespaceObject', schema: typeof namespace === 'string' ? {} : namespace })
      .registerVariable('namespaceObject', 'NamespaceObject');
    declareAuthorizer(env);
    base = env;
  }
  return base;
}

/** cel-go's name of a cel-js type. */
const celGoType = (type: string) => (type === 'null' ? 'null_type' : type.replaceAll('<', '(').replaceAll('>', ')'));

/** What an expression must evaluate to, in kube-apiserver's words. */
interface Expected {
  types: string[];
  words: string;
}
const bool: Expected = { types: ['bool'], words: 'bool' };
const string: Expected = { types: ['string'], words: 'string' };
const stringOrNull: Expected = { types: ['string', 'null'], words: 'one of [string null_type]' };

/** Compiles one expression: its type, or the field error kube-apiserver answers. */
function compile(env: Environment, expression: string, path: string, expected: Expected | undefined, out: FieldError[]): string {
  const checked = env.check(expression) as CheckResult;
  if (!checked.valid) {
    out.push(field.invalid(path, expression, `compilation failed: ${celGoError(expression, checked.error ?? new Error('invalid expression'))}`));
    return 'dyn';
  }
  const type = checked.type ?? 'dyn';
  // dyn does not do: kube-apiserver refuses `object.spec.replicas` as a validation.
  if (expected && !expected.types.includes(type)) out.push(field.invalid(path, expression, `must evaluate to ${expected.words} but got ${celGoType(type)}`));
  return type;
}

const expressionOf = (value: unknown, key: string): string | undefined => {
  const text = (value as Json | null | undefined)?.[key];
  return typeof text === 'string' && text !== '' ? text : undefined;
};

/**
 * The compilation errors of a ValidatingAdmissionPolicy's expressions, in kube-apiserver's order:
 * matchConditions, variables (each seeing only the variables before it), validations and their
 * messages, auditAnnotations. `params` is declared only when the policy has a paramKind.
 */
export function policyCompilationErrors(spec: Json): FieldError[] {
  const out: FieldError[] = [];
  const shared = sharedEnvironment();
  const declare = (variables: Record<string, string>) => {
    const env = shared.clone();
    if (spec.paramKind) env.registerVariable('params', 'dyn');
    return env.registerType({ name: 'Variables', schema: { ...variables } }).registerVariable('variables', 'Variables');
  };
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
  let env = declare({});
  list(spec.matchConditions).forEach((condition, i) => {
    const expression = expressionOf(condition, 'expression');
    if (expression) compile(env, expression, `spec.matchConditions[${i}].expression`, bool, out);
  });
  const variables: Record<string, string> = {};
  list(spec.variables).forEach((variable, i) => {
    const expression = expressionOf(variable, 'expression');
    if (!expression) return;
    const type = compile(env, expression, `spec.variables[${i}].expression`, undefined, out);
    const name = (variable as Json).name;
    if (typeof name === 'string' && name !== '') {
      // A variable holding the variables so far is declared dyn: each clone declares its own Variables type.
      variables[name] = /\bVariables\b/.test(type) ? 'dyn' : type;
      env = declare(variables);
    }
  });
  list(spec.validations).forEach((validation, i) => {
    const expression = expressionOf(validation, 'expression');
    if (!expression) out.push(field.required(`spec.validations[${i}].expression`, 'expression is not specified'));
    else compile(env, expression, `spec.validations[${i}].expression`, bool, out);
    const message = expressionOf(validation, 'messageExpression');
    if (message) compile(env, message, `spec.validations[${i}].messageExpression`, string, out);
  });
  list(spec.auditAnnotations).forEach((annotation, i) => {
    const expression = expressionOf(annotation, 'valueExpression');
    if (expression) compile(env, expression, `spec.auditAnnotations[${i}].valueExpression`, stringOrNull, out);
  });
  return out;
}
