// Label selectors in the string form of apimachinery/pkg/labels: =, ==, !=, in, notin, exists, !exists, gt, lt.

import { errors } from '../errors.js';
import { validateLabelKey, validateLabelValue } from '../registry/validation.js';

type Operator = 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}

export type LabelSelector = (labels: Record<string, string> | undefined) => boolean;

export const matchesEverything: LabelSelector = () => true;

function matches(requirement: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, requirement.key);
  const value = labels[requirement.key];
  switch (requirement.operator) {
    case 'in':
      return has && requirement.values.includes(value);
    case 'notin':
      return !has || !requirement.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has) return false;
      const actual = Number.parseInt(value, 10);
      const bound = Number.parseInt(requirement.values[0], 10);
      if (Number.isNaN(actual)) return false;
      return requirement.operator === 'gt' ? actual > bound : actual < bound;
    }
  }
}

class Lexer {
  private pos = 0;
  constructor(private readonly text: string) {}

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  done(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }

  peek(): string {
    this.skipSpace();
    return this.text[this.pos] ?? '';
  }

  /** An operator token, or '' if none stands here. */
  operator(): string {
    this.skipSpace();
    for (const op of ['==', '!=', '=', '>', '<', '(', ')', ',', '!']) {
      if (this.text.startsWith(op, this.pos)) {
        this.pos += op.length;
        return op;
      }
    }
    return '';
  }

  /** The next token, for error messages, without consuming it. */
  nextToken(): string {
    const saved = this.pos;
    const token = this.operator() || this.word();
    this.pos = saved;
    return token || 'EOS';
  }

  word(): string {
    this.skipSpace();
    const start = this.pos;
    while (this.pos < this.text.length && !/[\s=!<>(),]/.test(this.text[this.pos])) this.pos++;
    return this.text.slice(start, this.pos);
  }
}

function fail(why: string): never {
  throw errors.badRequest(`unable to parse requirement: ${why}`);
}

function checkKey(key: string): void {
  const problems = validateLabelKey(key, 'key');
  if (problems.length) fail(problems[0].toString());
}

function checkValue(value: string, index: number, key: string): void {
  const problems = validateLabelValue(value, `values[${index}][${key}]`);
  if (problems.length) fail(problems[0].toString());
}

export function parseLabelSelector(selector: string | undefined): LabelSelector {
  if (!selector || !selector.trim()) return matchesEverything;
  const lexer = new Lexer(selector);
  const requirements: Requirement[] = [];
  for (;;) {
    let negated = false;
    if (lexer.peek() === '!') {
      lexer.operator();
      negated = true;
    }
    const key = lexer.word();
    if (!key) throw errors.badRequest(`unable to parse requirement: found '${lexer.nextToken()}', expected: identifier`);
    checkKey(key);
    if (negated) {
      requirements.push({ key, operator: '!', values: [] });
    } else if (lexer.done() || lexer.peek() === ',') {
      requirements.push({ key, operator: 'exists', values: [] });
    } else {
      const op = lexer.operator() || lexer.word();
      if (op === '=' || op === '==' || op === '!=') {
        const value = lexer.word();
        checkValue(value, 0, key);
        requirements.push({ key, operator: op === '!=' ? 'notin' : 'in', values: [value] });
      } else if (op === 'in' || op === 'notin') {
        if (lexer.nextToken() !== '(') throw errors.badRequest(`unable to parse requirement: found '${lexer.nextToken()}', expected: '('`);
        lexer.operator();
        const values: string[] = [];
        for (;;) {
          const value = lexer.word();
          checkValue(value, values.length, key);
          values.push(value);
          const sep = lexer.operator();
          if (sep === ')') break;
          if (sep !== ',') throw errors.badRequest(`unable to parse requirement: found '${sep || 'EOS'}', expected: ',' or ')'`);
        }
        requirements.push({ key, operator: op, values });
      } else if (op === '>' || op === '<') {
        const value = lexer.word();
        if (!/^-?\d+$/.test(value)) {
          throw errors.badRequest(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`);
        }
        requirements.push({ key, operator: op === '>' ? 'gt' : 'lt', values: [value] });
      } else {
        throw errors.badRequest(`unable to parse requirement: found '${op}', expected: in, notin, =, ==, !=, gt, lt`);
      }
    }
    if (lexer.done()) break;
    if (lexer.nextToken() !== ',') throw errors.badRequest(`found '${lexer.nextToken()}', expected: ',' or 'end of string'`);
    lexer.operator();
  }
  return (labels) => requirements.every((r) => matches(r, labels ?? {}));
}

/** A metav1.LabelSelector (matchLabels + matchExpressions) as a predicate. */
export function labelSelectorFromObject(selector: {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}): LabelSelector {
  const requirements: Requirement[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) requirements.push({ key, operator: 'in', values: [value] });
  for (const expr of selector.matchExpressions ?? []) {
    const operator = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' } as const)[expr.operator as 'In'];
    if (operator) requirements.push({ key: expr.key, operator, values: expr.values ?? [] });
  }
  return (labels) => requirements.every((r) => matches(r, labels ?? {}));
}

type SelectorObject = Parameters<typeof labelSelectorFromObject>[0];

/**
 * The selector narrowed by the values a pod's own labels give to `keys` (`key In (value)`, or
 * NotIn), keys the pod lacks skipped: how matchLabelKeys and mismatchLabelKeys read.
 */
export function withLabelKeys(selector: SelectorObject, keys: readonly string[] | undefined, operator: 'In' | 'NotIn', labels: Record<string, string>): SelectorObject {
  const added = (keys ?? []).filter((key) => Object.hasOwn(labels, key)).map((key) => ({ key, operator, values: [labels[key]] }));
  return added.length ? { ...selector, matchExpressions: [...(selector.matchExpressions ?? []), ...added] } : selector;
}

/** `app=web,tier in (a,b)` as kubectl prints a metav1.LabelSelector. */
export function formatLabelSelector(selector: {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([key, v]) => ({ key, text: `${key}=${v}` }));
  for (const expr of selector.matchExpressions ?? []) {
    const values = [...(expr.values ?? [])].sort().join(',');
    const key = expr.key;
    if (expr.operator === 'In') parts.push({ key, text: `${key} in (${values})` });
    else if (expr.operator === 'NotIn') parts.push({ key, text: `${key} notin (${values})` });
    else if (expr.operator === 'Exists') parts.push({ key, text: key });
    else if (expr.operator === 'DoesNotExist') parts.push({ key, text: `!${key}` });
  }
  // Requirements are ordered by key, as apimachinery's selector sorts them.
  return parts
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((p) => p.text)
    .join(',');
}
