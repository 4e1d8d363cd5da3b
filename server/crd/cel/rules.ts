// x-kubernetes-validations: each rule is compiled once per schema node, then evaluated with `self` (the
// value at that node) and `oldSelf` (the correlated value of the object being replaced), worded as
// apiextensions-apiserver's CEL validator words its findings.

import { field, type FieldError, GoLiteral } from '../../errors.js';
import { isJsonObject, type JsonObject } from '../../json.js';
import { childPath, indexPath, type JSONSchemaProps, propertySchema, type ValidationRule } from '../schema/types.js';
import { celEnvironments, Optional } from './library.js';

type Program = (context: Record<string, unknown>) => unknown;

interface CompiledRule {
  rule: ValidationRule;
  program: Program;
  message?: Program;
  /** Whether the rule compares with oldSelf (a transition rule). */
  transition: boolean;
}

const compiled = new WeakMap<JSONSchemaProps, CompiledRule[]>();

const usesOldSelf = (expression: string) => /\boldSelf\b/.test(expression);

function firstLine(err: unknown): string {
  return String((err as Error).message ?? err).split('\n')[0];
}

function ruleLiteral(rule: ValidationRule): string {
  const parts = [`Rule:${JSON.stringify(rule.rule)}`, `Message:${JSON.stringify(rule.message ?? '')}`, `MessageExpression:${JSON.stringify(rule.messageExpression ?? '')}`];
  return `apiextensions.ValidationRule{${parts.join(', ')}, Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:${JSON.stringify(rule.fieldPath ?? '')}, OptionalOldSelf:(*bool)(nil)}`;
}

function compileNode(schema: JSONSchemaProps, path: string, problems: FieldError[]): CompiledRule[] {
  const rules = schema['x-kubernetes-validations'] ?? [];
  const out: CompiledRule[] = [];
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
      const checked = (program as unknown as { check(): { valid: boolean; error?: Error } }).check();
      if (!checked.valid) throw checked.error;
    } catch (err) {
      problems.push(field.invalid(`${at}.rule`, new GoLiteral(ruleLiteral(rule)), `compilation failed: ERROR: <input>: ${firstLine(err)}`));
      return;
    }
    let message: Program | undefined;
    if (rule.messageExpression !== undefined) {
      try {
        message = env.parse(rule.messageExpression) as unknown as Program;
      } catch (err) {
        problems.push(field.invalid(`${at}.messageExpression`, new GoLiteral(ruleLiteral(rule)), `messageExpression compilation failed: ERROR: <input>: ${firstLine(err)}`));
        return;
      }
    }
    out.push({ rule, program, message, transition });
  });
  return out;
}

function walkSchema(schema: JSONSchemaProps, path: string, problems: FieldError[]): void {
  if (schema['x-kubernetes-validations']?.length && !compiled.has(schema)) compiled.set(schema, compileNode(schema, path, problems));
  for (const [key, child] of Object.entries(schema.properties ?? {})) walkSchema(child, `${path}.properties[${key}]`, problems);
  if (isJsonObject(schema.additionalProperties)) walkSchema(schema.additionalProperties as JSONSchemaProps, `${path}.additionalProperties`, problems);
  if (schema.items) walkSchema(schema.items, `${path}.items`, problems);
}

/** Compiles every rule of a schema; the problems are what a CRD create or update is refused for. */
export function compileRules(schema: JSONSchemaProps, path: string): { problems: FieldError[] } {
  const problems: FieldError[] = [];
  walkSchema(schema, path, problems);
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
    const out: JsonObject = {};
    for (const [key, child] of Object.entries(value)) {
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

function evaluateNode(schema: JSONSchemaProps, value: unknown, old: unknown, hasOld: boolean, path: string, root: boolean, out: FieldError[]): void {
  const rules = compiled.get(schema);
  if (!rules?.length) return;
  const self = celValue(value, schema, root);
  const oldValue = hasOld ? celValue(old, schema, root) : undefined;
  const type = schemaType(schema);
  for (const compiledRule of rules) {
    const { rule, program, message, transition } = compiledRule;
    if (transition && !hasOld && !rule.optionalOldSelf) continue;
    const context: Record<string, unknown> = { self };
    if (transition) context.oldSelf = rule.optionalOldSelf ? (hasOld ? Optional.of(oldValue) : Optional.none()) : oldValue;
    let result: unknown;
    try {
      result = program(context);
    } catch (err) {
      out.push(field.invalid(path, type, firstLine(err)));
      continue;
    }
    if (result === true) continue;
    if (typeof result !== 'boolean') {
      out.push(field.invalid(path, type, 'rule did not evaluate to a bool'));
      continue;
    }
    let text = rule.message ?? `failed rule: ${rule.rule.trim().replace(/\s*\n\s*/g, ' ')}`;
    if (message) {
      try {
        const produced = message(context);
        if (typeof produced !== 'string') {
          out.push(field.invalid(path, type, 'messageExpression did not evaluate to a string'));
          continue;
        }
        if (produced.trim() && !produced.includes('\n')) text = produced;
      } catch {
        // A messageExpression that cannot be evaluated falls back to the message.
      }
    }
    out.push(failure(rule, path, type, text));
  }
}

function keyOf(item: unknown, keys: string[]): string | undefined {
  if (!isJsonObject(item)) return undefined;
  return JSON.stringify(keys.map((k) => item[k] ?? null));
}

function walk(schema: JSONSchemaProps | undefined, value: unknown, old: unknown, hasOld: boolean, path: string, root: boolean, out: FieldError[]): void {
  if (!schema || value === undefined) return;
  evaluateNode(schema, value, old, hasOld, path, root, out);
  if (Array.isArray(value)) {
    const items = schema.items;
    if (!items) return;
    const listKeys = schema['x-kubernetes-list-type'] === 'map' ? (schema['x-kubernetes-list-map-keys'] ?? []) : undefined;
    const oldByKey = new Map<string, unknown>();
    if (listKeys && hasOld && Array.isArray(old)) for (const item of old) oldByKey.set(keyOf(item, listKeys) ?? '', item);
    value.forEach((item, i) => {
      const key = listKeys ? keyOf(item, listKeys) : undefined;
      const correlated = key !== undefined && oldByKey.has(key);
      walk(items, item, correlated ? oldByKey.get(key) : undefined, correlated, indexPath(path, i), false, out);
    });
    return;
  }
  if (!isJsonObject(value)) return;
  for (const key of Object.keys(value)) {
    if (root && (key === 'metadata' || key === 'apiVersion' || key === 'kind')) continue;
    const property = propertySchema(schema, key);
    const oldHas = hasOld && isJsonObject(old) && Object.hasOwn(old, key);
    walk(property, value[key], oldHas ? (old as JsonObject)[key] : undefined, oldHas, childPath(path, key), false, out);
  }
}

/** Whether any node of the schema carries rules. */
export function hasRules(schema: JSONSchemaProps): boolean {
  if (schema['x-kubernetes-validations']?.length) return true;
  return Object.values(schema.properties ?? {}).some(hasRules) || (isJsonObject(schema.additionalProperties) && hasRules(schema.additionalProperties as JSONSchemaProps)) || (!!schema.items && hasRules(schema.items));
}

/**
 * Evaluates every rule against an object (and, for updates, the object it replaces). `base` names the
 * value's path when only part of an object is checked (the status of a /status write).
 */
export function validateRules(schema: JSONSchemaProps, object: unknown, old: unknown | undefined, base = ''): FieldError[] {
  compileRules(schema, '');
  const out: FieldError[] = [];
  walk(schema, object, old, old !== undefined, base, base === '', out);
  return out;
}

