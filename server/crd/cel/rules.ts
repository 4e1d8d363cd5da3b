// x-kubernetes-validations: each rule is compiled once per schema node, then evaluated with `self` (the
// value at that node) and `oldSelf` (the correlated value of the object being replaced), worded as
// apiextensions-apiserver's CEL validator words its findings.

import { field, type FieldError, GoLiteral } from '../../errors.js';
import { isJsonObject, jsonEqual, type JsonObject } from '../../json.js';
import { childPath, indexPath, type JSONSchemaProps, propertySchema, type ValidationRule } from '../schema/types.js';
import { celCompileErrorText, celEnvironments, celErrorText, celOptional, useGoMatches } from './library.js';
import { CostEstimator } from './cost.js';
import { celErrorDisplay, fieldProblems } from './field-checks.js';
import { instantiationProblem, staticProblem } from './static-checks.js';
import { CostLimitExceeded, type CostPlan, costPlan, CostTracker, evaluateCounted, perCallLimit, runtimeBudget } from './runtime-cost.js';
import { type CelType, maxRequestBytes, optionalOf, schemaCelType } from './types.js';

type Program = (context: Record<string, unknown>) => unknown;

interface CompiledRule {
  rule: ValidationRule;
  program: Program;
  message?: Program;
  /** Whether the rule compares with oldSelf (a transition rule). */
  transition: boolean;
  /** The estimated worst-case cost of one evaluation of the rule and of its messageExpression. */
  cost: number;
  messageCost: number;
}

interface CompiledNode {
  rules: CompiledRule[];
  /** The CEL type of the node's values, whose fewest bytes bound how often an unbounded rule can run. */
  type: CelType | undefined;
  /** What compiling the node's rules found wrong (reported with the CRD's path they were compiled under). */
  problems: FieldError[];
}

const compiled = new WeakMap<JSONSchemaProps, CompiledNode>();

/** kube-apiserver's limits on estimated costs: per rule (times how often it may run) and for all of a schema's rules. */
export const ruleCostLimit = 10_000_000;
export const schemaCostLimit = 100_000_000;

type ProgramWithAst = Program & { ast: Parameters<CostEstimator['estimate']>[0] };

function estimatedCost(program: Program, type: CelType | undefined, optionalOldSelf: boolean): number {
  if (!type) return 0;
  const variables = new Map([
    ['self', type],
    ['oldSelf', optionalOldSelf ? optionalOf(type) : type],
  ]);
  return new CostEstimator(type, variables).estimate((program as ProgramWithAst).ast).max;
}

const usesOldSelf = (expression: string) => /\boldSelf\b/.test(expression);

function firstLine(err: unknown): string {
  return String((err as Error).message ?? err).split('\n')[0];
}

/** A compile error already in cel-go's display form (with line, column and caret). */
class DisplayedCompileError extends Error {}

/** Field selections and operators the schema's types do not allow (field-checks.ts), thrown as a compile error. */
function checkTypes(program: Program, expression: string, type: CelType | undefined, optionalOldSelf: boolean): void {
  const problems = fieldProblems((program as ProgramWithAst).ast, new Map([['self', type], ['oldSelf', optionalOldSelf ? undefined : type]]));
  if (problems.length) throw new DisplayedCompileError(celErrorDisplay(expression, problems));
}

/** What cel-go's checker refuses beyond cel-js's (static-checks.ts), thrown as a compile error. */
function checkAsCelGo(program: Program, expression: string): void {
  const problem = staticProblem((program as ProgramWithAst).ast);
  if (problem?.offset !== undefined) throw new DisplayedCompileError(celErrorDisplay(expression, [{ offset: problem.offset, message: problem.message }]));
  if (problem) throw new Error(problem.message);
}

const compileErrorText = (err: unknown) => (err instanceof DisplayedCompileError ? err.message : `ERROR: <input>: ${celCompileErrorText(firstLine(err))}`);

function ruleLiteral(rule: ValidationRule): string {
  const parts = [`Rule:${JSON.stringify(rule.rule)}`, `Message:${JSON.stringify(rule.message ?? '')}`, `MessageExpression:${JSON.stringify(rule.messageExpression ?? '')}`];
  return `apiextensions.ValidationRule{${parts.join(', ')}, Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:${JSON.stringify(rule.fieldPath ?? '')}, OptionalOldSelf:(*bool)(nil)}`;
}

function compileNode(schema: JSONSchemaProps, path: string, resourceRoot: boolean): CompiledNode {
  const rules = schema['x-kubernetes-validations'] ?? [];
  const out: CompiledRule[] = [];
  const problems: FieldError[] = [];
  const type = schemaCelType(schema, resourceRoot);
  rules.forEach((rule, i) => {
    const at = `${path}.x-kubernetes-validations[${i}]`;
    if (!rule.rule?.trim()) {
      problems.push(field.required(`${at}.rule`));
      return;
    }
    if (rule.message !== undefined && rule.message.trim() === '') problems.push(field.invalid(`${at}.message`, rule.message, 'message must be non-empty if specified'));
    if (rule.reason !== undefined && !['FieldValueInvalid', 'FieldValueForbidden', 'FieldValueRequired', 'FieldValueDuplicate'].includes(rule.reason)) {
      problems.push(field.notSupported(`${at}.reason`, rule.reason, ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired']));
    }
    const transition = usesOldSelf(rule.rule);
    if (rule.optionalOldSelf && !transition) problems.push(field.invalid(`${at}.optionalOldSelf`, true, 'may not be set if oldSelf is not used in rule'));
    const env = rule.optionalOldSelf ? celEnvironments().optionalOldSelf : celEnvironments().plain;
    let program: Program;
    try {
      program = env.parse(rule.rule) as unknown as Program;
      // Typed first: what the schema's types refuse, cel-js (seeing self as dyn) words otherwise.
      checkTypes(program, rule.rule, type, !!rule.optionalOldSelf);
      const checked = (program as unknown as { check(): { valid: boolean; error?: Error } }).check();
      if (!checked.valid) throw checked.error;
      checkAsCelGo(program, rule.rule);
    } catch (err) {
      problems.push(field.invalid(`${at}.rule`, new GoLiteral(ruleLiteral(rule)), `compilation failed: ${compileErrorText(err)}`));
      return;
    }
    const unbuildable = instantiationProblem((program as ProgramWithAst).ast);
    if (unbuildable) {
      problems.push(field.invalid(`${at}.rule`, new GoLiteral(ruleLiteral(rule)), `program instantiation failed: ${unbuildable}`));
      return;
    }
    useGoMatches((program as ProgramWithAst).ast);
    let message: Program | undefined;
    if (rule.messageExpression !== undefined) {
      try {
        message = env.parse(rule.messageExpression) as unknown as Program;
        checkTypes(message, rule.messageExpression, type, !!rule.optionalOldSelf);
        checkAsCelGo(message, rule.messageExpression);
        useGoMatches((message as ProgramWithAst).ast);
      } catch (err) {
        problems.push(field.invalid(`${at}.messageExpression`, new GoLiteral(ruleLiteral(rule)), `messageExpression compilation failed: ${compileErrorText(err)}`));
        return;
      }
    }
    const optional = !!rule.optionalOldSelf;
    out.push({ rule, program, message, transition, cost: estimatedCost(program, type, optional), messageCost: message ? estimatedCost(message, type, optional) : 0 });
  });
  return { rules: out, type, problems };
}

/** How many times more an estimate is than its limit, in kube-apiserver's words. */
function exceeds(what: string, cost: number, limit: number): string {
  const ratio = cost / limit;
  const times = ratio > 100 ? 'more than 100x' : ratio < 1.5 ? `${ratio.toFixed(6)}x` : `${ratio.toFixed(1)}x`;
  return `${what} exceeds budget by factor of ${times} (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)`;
}

const saturated = 2 ** 64 - 1;
const times = (cost: number, count: number) => (cost === 0 ? 0 : count > saturated / cost ? saturated : cost * count);

/** The factor by which a node multiplies how often its children's rules may run; undefined when nothing bounds it. */
function childCount(schema: JSONSchemaProps): number | undefined {
  if (schema.type === 'object') return schema.additionalProperties === undefined ? 1 : schema.maxProperties !== undefined ? Math.max(0, schema.maxProperties) : undefined;
  if (schema.type === 'array') return schema.maxItems !== undefined ? Math.max(0, schema.maxItems) : undefined;
  return 1;
}

interface CostTotal {
  total: number;
  /** The four costliest rules (of at least 1% of the schema's limit), costliest first. */
  costliest: Array<{ path: string; cost: number }>;
}

function observe(total: CostTotal, path: string, cost: number): void {
  total.total = Math.min(saturated, total.total + cost);
  if (cost < schemaCostLimit / 100) return;
  total.costliest.push({ path, cost });
  total.costliest.sort((a, b) => b.cost - a.cost);
  total.costliest.length = Math.min(total.costliest.length, 4);
}

/**
 * Compiles the rules of a node and below it, children first as kube-apiserver walks them, with each
 * rule's cost times how often it may run: `count` is that bound from the enclosing lists and maps.
 */
function walkSchema(schema: JSONSchemaProps, path: string, root: boolean, count: number | undefined, problems: FieldError[], total: CostTotal): void {
  const below = ((factor) => (count === undefined || factor === undefined ? undefined : times(count, factor)))(childCount(schema));
  if (isJsonObject(schema.additionalProperties)) walkSchema(schema.additionalProperties as JSONSchemaProps, `${path}.additionalProperties`, false, below, problems, total);
  for (const [key, child] of Object.entries(schema.properties ?? {})) walkSchema(child, `${path}.properties[${key}]`, false, below, problems, total);
  if (schema.items) walkSchema(schema.items, `${path}.items`, false, below, problems, total);
  if (!schema['x-kubernetes-validations']?.length) return;
  let node = compiled.get(schema);
  if (!node) compiled.set(schema, (node = compileNode(schema, path, root || !!schema['x-kubernetes-embedded-resource'])));
  const runs = count ?? (node.type ? Math.floor(maxRequestBytes / (node.type.minSize + 1)) : 0);
  const validations = `${path}.x-kubernetes-validations`;
  node.rules.forEach((compiledRule) => {
    const i = (schema['x-kubernetes-validations'] ?? []).indexOf(compiledRule.rule);
    const cost = times(compiledRule.cost, runs);
    if (cost > ruleCostLimit) problems.push(field.forbidden(`${validations}[${i}].rule`, exceeds('estimated rule cost', cost, ruleCostLimit)));
    observe(total, `${validations}[${i}].rule`, cost);
    if (compiledRule.message) {
      if (compiledRule.messageCost > ruleCostLimit) problems.push(field.forbidden(`${validations}[${i}].messageExpression`, exceeds('estimated messageExpression cost', compiledRule.messageCost, ruleCostLimit)));
      observe(total, `${validations}[${i}].messageExpression`, compiledRule.messageCost);
    }
  });
  problems.push(...node.problems);
}

/**
 * Compiles every rule of a schema and checks its estimated costs; the problems are what a CRD create
 * or update is refused for.
 */
export function compileRules(schema: JSONSchemaProps, path: string): { problems: FieldError[] } {
  const problems: FieldError[] = [];
  const total: CostTotal = { total: 0, costliest: [] };
  walkSchema(schema, path, true, 1, problems, total);
  if (total.total > schemaCostLimit) {
    for (const { path: at } of total.costliest) problems.push(field.forbidden(at, 'contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema'));
    problems.push(field.forbidden(path, exceeds('x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema', total.total, schemaCostLimit)));
  }
  return { problems };
}

/** A JSON value as CEL sees it under its schema: integers as int, numbers as double. */
function celValue(value: unknown, schema: JSONSchemaProps | undefined, root: boolean): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') {
    if (schema?.type === 'number') return value;
    return Number.isInteger(value) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) return value.map((item) => celValue(item, schema?.items, false));
  if (isJsonObject(value)) {
    // A copy (keys in place), then what CEL sees otherwise: strings and booleans stay as they are.
    const out: JsonObject = { ...value };
    for (const key of Object.keys(out)) {
      const child = out[key];
      if (typeof child === 'string' || typeof child === 'boolean') continue;
      if (root && key === 'metadata' && isJsonObject(child)) {
        // At the root, rules see only the metadata fields a schema may describe.
        const meta: JsonObject = {};
        if (child.name !== undefined) meta.name = child.name;
        if (child.generateName !== undefined) meta.generateName = child.generateName;
        out.metadata = meta;
        continue;
      }
      out[key] = celValue(child, schema ? propertySchema(schema, key) : undefined, false);
    }
    return out;
  }
  return value;
}

function schemaType(schema: JSONSchemaProps): string {
  if (schema['x-kubernetes-int-or-string']) return 'integer';
  return schema.type ?? 'object';
}

/** A rule's fieldPath (`.spec.x`, `['a.b']`, `.list[0]`) below the node's path. */
function withFieldPath(path: string, fieldPath: string | undefined): string {
  if (!fieldPath) return path;
  let out = path;
  for (const match of fieldPath.matchAll(/\.([^.[\]]+)|\['([^']*)'\]|\[(\d+)\]/g)) {
    if (match[1] !== undefined) out = childPath(out, match[1]);
    else if (match[2] !== undefined) out = childPath(out, match[2]);
    else out = indexPath(out, Number(match[3]));
  }
  return out;
}

function failure(rule: ValidationRule, path: string, type: string, message: string): FieldError {
  const at = withFieldPath(path, rule.fieldPath);
  switch (rule.reason) {
    case 'FieldValueForbidden':
      return field.forbidden(at, message);
    case 'FieldValueRequired':
      return field.required(at, message);
    case 'FieldValueDuplicate':
      return field.duplicate(at, type);
    default:
      return field.invalid(at, type, message);
  }
}

/** What evaluating an object's rules found, and the cost budget left for its remaining rules. */
export interface Evaluation {
  errors: FieldError[];
  /** Failures of rules on values an update left as they were: reported, not refused (validation ratcheting). */
  warnings: string[];
  /** RuntimeCELCostBudget left; negative once validation stopped. */
  remaining: number;
}

const outOfBudget = 'validation failed due to running out of cost budget, no further validation rules will be run';

/** Evaluates one program, counting its cost; `failed` holds what it threw. */
function run(program: Program, context: Record<string, unknown>): { result?: unknown; failed?: unknown; cost: number; overLimit: boolean } {
  const tracker = new CostTracker(perCallLimit, planOf(program));
  try {
    const result = evaluateCounted(program as Parameters<typeof evaluateCounted>[0], context, tracker);
    return { result, cost: tracker.cost, overLimit: tracker.cost > perCallLimit };
  } catch (failed) {
    return { failed, cost: tracker.cost, overLimit: tracker.cost > perCallLimit };
  }
}

const plans = new WeakMap<Program, CostPlan>();

function planOf(program: Program): CostPlan {
  let plan = plans.get(program);
  if (!plan) plans.set(program, (plan = costPlan((program as ProgramWithAst).ast as Parameters<typeof costPlan>[0])));
  return plan;
}

/** `ratchets`: the value (or its nearest correlated ancestor) is what the replaced object had. */
function evaluateNode(schema: JSONSchemaProps, value: unknown, old: unknown, hasOld: boolean, ratchets: boolean, path: string, root: boolean, state: Evaluation): void {
  const rules = compiled.get(schema)?.rules;
  if (!rules?.length) return;
  const type = schemaType(schema);
  if (state.remaining <= 0) {
    state.errors.push(field.invalid(path, type, outOfBudget));
    state.remaining = -1;
    return;
  }
  const self = celValue(value, schema, root);
  const oldValue = hasOld ? celValue(old, schema, root) : undefined;
  for (const compiledRule of rules) {
    const { rule, program, message, transition } = compiledRule;
    if (transition && !hasOld && !rule.optionalOldSelf) continue;
    const context: Record<string, unknown> = { self };
    if (transition) context.oldSelf = rule.optionalOldSelf ? celOptional(hasOld, oldValue) : oldValue;
    const evaluated = run(program, context);
    if (evaluated.cost > state.remaining) {
      state.errors.push(field.invalid(path, type, outOfBudget));
      state.remaining = -1;
      return;
    }
    state.remaining -= evaluated.cost;
    if (evaluated.overLimit) {
      state.errors.push(field.invalid(path, type, `'${new CostLimitExceeded().message}': no further validation rules will be run due to call cost exceeds limit for rule: ${ruleText(rule)}`));
      state.remaining = -1;
      return;
    }
    if (evaluated.failed !== undefined) {
      state.errors.push(field.invalid(path, type, `${celErrorText(firstLine(evaluated.failed))} evaluating rule: ${ruleText(rule)}`));
      continue;
    }
    const result = evaluated.result;
    if (result === true) continue;
    if (typeof result !== 'boolean') {
      state.errors.push(field.invalid(path, type, 'rule did not evaluate to a bool'));
      continue;
    }
    const report = (problem: FieldError) => {
      if (!transition && ratchets) state.warnings.push(problem.toString());
      else state.errors.push(problem);
    };
    let text = rule.message ?? `failed rule: ${rule.rule.trim().replace(/\s*\n\s*/g, ' ')}`;
    if (message) {
      const produced = run(message, context);
      const at = withFieldPath(path, rule.fieldPath);
      if (produced.cost > state.remaining) {
        report(field.invalid(at, type, 'messageExpression evaluation failed due to running out of cost budget, no further validation rules will be run'));
        state.remaining = -1;
        return;
      }
      if (produced.overLimit) {
        report(field.invalid(at, type, `no further validation rules will be run due to call cost exceeds limit for messageExpression: ${JSON.stringify(rule.messageExpression)}`));
        state.remaining = -1;
        return;
      }
      state.remaining -= produced.cost;
      if (produced.failed === undefined) {
        if (typeof produced.result !== 'string') {
          state.errors.push(field.invalid(path, type, 'messageExpression did not evaluate to a string'));
          continue;
        }
        // A messageExpression that cannot be evaluated, or gives nothing usable, falls back to the message.
        if (produced.result.trim() && !produced.result.includes('\n')) text = produced.result;
      }
    }
    report(failure(rule, path, type, text));
  }
}

/** A rule as kube-apiserver names it in errors: its message, else its expression. */
function ruleText(rule: ValidationRule): string {
  return (rule.message ?? '').trim() || rule.rule.trim();
}

function keyOf(item: unknown, keys: string[]): string | undefined {
  if (!isJsonObject(item)) return undefined;
  return JSON.stringify(keys.map((k) => item[k] ?? null));
}

/**
 * Evaluates the rules of a node, then of its children, as long as the budget lasts. `hasOld` says the
 * node is correlated with the replaced object's (by property name or map-list key); an uncorrelated
 * node ratchets as its nearest correlated ancestor does (`parentRatchets`).
 */
function walk(schema: JSONSchemaProps | undefined, value: unknown, old: unknown, hasOld: boolean, parentRatchets: boolean, path: string, root: boolean, state: Evaluation): void {
  if (!schema || value === undefined || state.remaining < 0 || !hasRules(schema)) return;
  const ratchets = hasOld ? jsonEqual(value, old) : parentRatchets;
  evaluateNode(schema, value, old, hasOld, ratchets, path, root, state);
  if (!hasRulesBelow(schema)) return;
  if (Array.isArray(value)) {
    const items = schema.items;
    if (!items || !hasRules(items)) return;
    const listKeys = schema['x-kubernetes-list-type'] === 'map' ? (schema['x-kubernetes-list-map-keys'] ?? []) : undefined;
    const oldByKey = new Map<string, unknown>();
    if (listKeys && hasOld && Array.isArray(old)) for (const item of old) oldByKey.set(keyOf(item, listKeys) ?? '', item);
    value.forEach((item, i) => {
      const key = listKeys ? keyOf(item, listKeys) : undefined;
      const correlated = key !== undefined && oldByKey.has(key);
      walk(items, item, correlated ? oldByKey.get(key) : undefined, correlated, ratchets, indexPath(path, i), false, state);
    });
    return;
  }
  if (!isJsonObject(value)) return;
  for (const key of Object.keys(value)) {
    if (root && (key === 'metadata' || key === 'apiVersion' || key === 'kind')) continue;
    const property = propertySchema(schema, key);
    // Parts without rules are skipped before their paths are built.
    if (!property || !hasRules(property)) continue;
    const oldHas = hasOld && isJsonObject(old) && Object.hasOwn(old, key);
    walk(property, value[key], oldHas ? (old as JsonObject)[key] : undefined, oldHas, ratchets, childPath(path, key), false, state);
  }
}

const withRules = new WeakMap<JSONSchemaProps, boolean>();
const withRulesUnder = new WeakMap<JSONSchemaProps, boolean>();

/** Whether any node of the schema carries rules: the walk over an object skips the parts that have none. */
export function hasRules(schema: JSONSchemaProps): boolean {
  let found = withRules.get(schema);
  if (found === undefined) withRules.set(schema, (found = !!schema['x-kubernetes-validations']?.length || hasRulesBelow(schema)));
  return found;
}

/** Whether a node's properties, values or items carry rules: the walk does not visit the children of a node without. */
function hasRulesBelow(schema: JSONSchemaProps): boolean {
  let found = withRulesUnder.get(schema);
  if (found === undefined) {
    found =
      Object.values(schema.properties ?? {}).some(hasRules) ||
      (isJsonObject(schema.additionalProperties) && hasRules(schema.additionalProperties as JSONSchemaProps)) ||
      (!!schema.items && hasRules(schema.items));
    withRulesUnder.set(schema, found);
  }
  return found;
}

const compiledRoots = new WeakSet<JSONSchemaProps>();

/**
 * Evaluates every rule against an object (and, for updates, the object it replaces) within a cost
 * budget. `base` names the value's path when only part of an object is checked (the status of a
 * /status write).
 */
export function validateRules(schema: JSONSchemaProps, object: unknown, old: unknown | undefined, base = '', budget = runtimeBudget): Evaluation {
  // Compiling also walks every node for its cost: once per schema, not per object.
  if (!compiledRoots.has(schema)) {
    compileRules(schema, '');
    compiledRoots.add(schema);
  }
  const state: Evaluation = { errors: [], warnings: [], remaining: budget };
  walk(schema, object, old, old !== undefined, false, base, base === '', state);
  return state;
}

