// Field selectors (=, ==, != joined by commas) checked against the fields a resource's strategy exposes.

import { errors } from '../errors.js';
import type { KubeObject } from '../store/types.js';

interface FieldRequirement {
  field: string;
  value: string;
  negated: boolean;
}

export type FieldSelector = (object: KubeObject) => boolean;

/** How a resource exposes fields to selectors and how it words a refusal. */
export interface FieldSelectorSupport {
  fields: Record<string, (object: KubeObject) => string>;
  /** Resources with their own conversion say `field label not supported: x`; the rest list the generic fields. */
  ownConversion: boolean;
  /** How a resource's own conversion words a refusal, when not as above (`field label "x" not supported for Job`). */
  unsupported?: (label: string) => string;
}

/** Splits on unescaped commas and handles backslash escapes as apimachinery/pkg/fields does. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let current = '';
  for (let i = 0; i < selector.length; i++) {
    const ch = selector[i];
    if (ch === '\\' && i + 1 < selector.length) {
      current += ch + selector[++i];
    } else if (ch === ',') {
      terms.push(current);
      current = '';
    } else current += ch;
  }
  terms.push(current);
  return terms;
}

function unescape(value: string, selector: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '\\') {
      const next = value[++i];
      if (next !== '\\' && next !== ',' && next !== '=') {
        throw errors.badRequest(`invalid field selector: invalid escape sequence: '${value}' in '${selector}'`);
      }
      out += next;
    } else out += value[i];
  }
  return out;
}

function parseTerm(term: string, selector: string): FieldRequirement {
  for (const op of ['!=', '==', '=']) {
    const at = findUnescaped(term, op);
    if (at >= 0) {
      return { field: term.slice(0, at).trim(), value: unescape(term.slice(at + op.length), selector), negated: op === '!=' };
    }
  }
  throw errors.badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
}

function findUnescaped(text: string, op: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') {
      i++;
      continue;
    }
    if (text.startsWith(op, i)) return i;
  }
  return -1;
}

export function parseFieldSelector(selector: string | undefined, support: FieldSelectorSupport): FieldSelector {
  if (!selector || !selector.trim()) return () => true;
  const requirements = splitTerms(selector)
    .filter((t) => t.trim() !== '')
    .map((t) => parseTerm(t, selector));
  const checks = requirements.map((r) => {
    const read = support.fields[r.field];
    if (!read) {
      if (support.ownConversion) throw errors.badRequest(support.unsupported?.(r.field) ?? `field label not supported: ${r.field}`);
      const known = Object.keys(support.fields).map((f) => `"${f}"`).join(', ');
      throw errors.badRequest(`"${r.field}" is not a known field selector: only ${known}`);
    }
    return (object: KubeObject) => (read(object) === r.value) !== r.negated;
  });
  return (object) => checks.every((check) => check(object));
}

