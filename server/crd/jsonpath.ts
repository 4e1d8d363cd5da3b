// The JSONPath subset CRDs use for printer columns and selectable fields: `.a.b`, `['a.b']`, `[0]`,
// `[*]` and filters `[?(@.type=="Ready")]`, evaluated as client-go's jsonpath finds results.

import { isJsonObject } from '../json.js';

type Step = { kind: 'field'; name: string } | { kind: 'index'; index: number } | { kind: 'all' } | { kind: 'filter'; path: Step[]; op: string; value: unknown };

function parseSteps(text: string): Step[] {
  const steps: Step[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '.') {
      const m = /^\.([^.[\]]+)/.exec(text.slice(i));
      if (!m) throw new Error(`invalid JSONPath ${text}`);
      steps.push(m[1] === '*' ? { kind: 'all' } : { kind: 'field', name: m[1] });
      i += m[0].length;
    } else if (text[i] === '[') {
      const end = text.indexOf(']', i);
      if (end < 0) throw new Error(`invalid JSONPath ${text}`);
      const inner = text.slice(i + 1, end).trim();
      const quoted = /^['"](.*)['"]$/.exec(inner);
      if (quoted) steps.push({ kind: 'field', name: quoted[1] });
      else if (inner === '*') steps.push({ kind: 'all' });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else {
        const filter = /^\?\(@((?:\.[^.=!<> ]+)+)\s*(==|!=)\s*(.+)\)$/.exec(inner);
        if (!filter) throw new Error(`invalid JSONPath ${text}`);
        const raw = filter[3].trim();
        const value = /^['"](.*)['"]$/.exec(raw)?.[1] ?? (raw === 'true' ? true : raw === 'false' ? false : Number(raw));
        steps.push({ kind: 'filter', path: parseSteps(filter[1]), op: filter[2], value });
      }
      i = end + 1;
    } else throw new Error(`invalid JSONPath ${text}`);
  }
  return steps;
}

function apply(values: unknown[], steps: Step[]): unknown[] {
  let current = values;
  for (const step of steps) {
    const next: unknown[] = [];
    for (const value of current) {
      if (step.kind === 'field') {
        if (isJsonObject(value) && Object.hasOwn(value, step.name)) next.push(value[step.name]);
      } else if (step.kind === 'index') {
        if (Array.isArray(value)) {
          const index = step.index < 0 ? value.length + step.index : step.index;
          if (index >= 0 && index < value.length) next.push(value[index]);
        }
      } else if (step.kind === 'all') {
        if (Array.isArray(value)) next.push(...value);
        else if (isJsonObject(value)) next.push(...Object.values(value));
      } else if (Array.isArray(value)) {
        for (const item of value) {
          const [found] = apply([item], step.path);
          if (found === undefined) continue;
          if ((found === step.value) !== (step.op === '!=')) next.push(item);
        }
      }
    }
    current = next;
  }
  return current;
}

export type JsonPath = (value: unknown) => unknown[];

/** Compiles a path such as `.status.conditions[?(@.type=="Ready")].status`; throws if it is not one. */
export function compileJsonPath(text: string): JsonPath {
  const body = text.replace(/^\{(.*)\}$/, '$1').trim();
  const steps = parseSteps(body.startsWith('$') ? body.slice(1) : body);
  return (value) => apply([value], steps);
}
