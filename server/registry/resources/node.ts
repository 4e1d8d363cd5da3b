// node.k8s.io/v1 RuntimeClasses (pkg/registry/node/runtimeclass, pkg/apis/node/validation).

import { field, type FieldError } from '../../errors.js';
import { Quantity, QuantityError } from '../../quantity.js';
import { goToleration } from '../go-literal.js';
import type { KubeObject } from '../../store/types.js';
import type { ResourceDefinition } from '../types.js';
import { isDNS1123Label, validateLabelKey, validateLabels, validateLabelValue } from '../validation.js';
import { define } from './common.js';
import { nodeLabelDeprecation } from './node-labels.js';
import { ageColumn, column } from './printers.js';
import { validateContainerResourceName } from './resource-names.js';

type Json = Record<string, any>;

const effects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** ValidateTolerations of core validation. */
export function validateTolerations(tolerations: unknown, path: string): FieldError[] {
  const out: FieldError[] = [];
  (Array.isArray(tolerations) ? tolerations : []).forEach((toleration: Json, i: number) => {
    const at = `${path}[${i}]`;
    const t = toleration ?? {};
    const key = String(t.key ?? '');
    const operator = t.operator ?? '';
    const value = String(t.value ?? '');
    if (key) out.push(...validateLabelKey(key, `${at}.key`));
    if (!key && operator !== 'Exists') out.push(field.invalid(`${at}.operator`, operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== 'NoExecute') {
      out.push(field.invalid(`${at}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (operator === 'Equal' || operator === '') {
      const problems = validateLabelValue(value, `${at}.operator`);
      if (problems.length) out.push(field.invalid(`${at}.operator`, value, problems.map((p) => p.detail).join(';')));
    } else if (operator === 'Exists') {
      if (value) out.push(field.invalid(`${at}.operator`, value, "value must be empty when `operator` is 'Exists'"));
    } else {
      out.push(field.notSupported(`${at}.operator`, operator, ['Equal', 'Exists']));
    }
    if (t.effect && !effects.includes(t.effect)) out.push(field.notSupported(`${at}.effect`, t.effect, effects));
  });
  return out;
}

/** Overhead as validateResourceRequirements checks it: the pod-fixed list stands in for limits. */
function validateOverhead(podFixed: Json | undefined): FieldError[] {
  const out: FieldError[] = [];
  for (const [name, value] of Object.entries(podFixed ?? {})) {
    const at = `overhead.limits[${name}]`;
    out.push(...validateContainerResourceName(name, at));
    try {
      if (Quantity.parse(String(value)).sign() < 0) out.push(field.invalid(at, String(value), 'must be greater than or equal to 0'));
    } catch (err) {
      if (!(err instanceof QuantityError)) throw err;
    }
  }
  return out;
}

function validateRuntimeClass(runtimeClass: Json): FieldError[] {
  const handler = String(runtimeClass.handler ?? '');
  const out = isDNS1123Label(handler).map((p) => field.invalid('handler', handler, p));
  if (runtimeClass.overhead) out.push(...validateOverhead(runtimeClass.overhead.podFixed));
  const scheduling = runtimeClass.scheduling;
  if (scheduling) {
    if (scheduling.nodeSelector) out.push(...validateLabels(scheduling.nodeSelector, 'scheduling.nodeSelector'));
    // kube-apiserver names the list twice in these paths.
    out.push(...validateTolerations(scheduling.tolerations, 'scheduling.tolerations.tolerations'));
    const seen = new Set<string>();
    (Array.isArray(scheduling.tolerations) ? scheduling.tolerations : []).forEach((t: Json, i: number) => {
      const key = JSON.stringify([t?.key ?? '', t?.operator ?? '', t?.value ?? '', t?.effect ?? '']);
      if (seen.has(key)) out.push(field.duplicate(`scheduling.tolerations[${i}]`, goToleration(t)));
      seen.add(key);
    });
  }
  return out;
}

/** GetWarningsForRuntimeClass: deprecated node labels in the scheduling node selector (in key order; Go's is a map's). */
function runtimeClassWarnings(runtimeClass: KubeObject): string[] {
  const selector = ((runtimeClass.scheduling as Json | undefined)?.nodeSelector ?? {}) as Json;
  return Object.keys(selector)
    .sort()
    .flatMap((key) => {
      const message = nodeLabelDeprecation(key);
      return message ? [`scheduling.nodeSelector: ${message}`] : [];
    });
}

export const runtimeclasses = define({
  group: 'node.k8s.io',
  version: 'v1',
  kind: 'RuntimeClass',
  plural: 'runtimeclasses',
  namespaced: false,
  strategy: {
    genericObjectMeta: true,
    table: [column('Handler', 'string', '', (o) => (o.handler as string | undefined) ?? ''), ageColumn],
    validate: validateRuntimeClass,
    warningsOnCreate: runtimeClassWarnings,
    warningsOnUpdate: runtimeClassWarnings,
    validateUpdate(runtimeClass, old) {
      if (runtimeClass.handler !== old.handler) return [field.invalid('handler', runtimeClass.handler ?? '', 'field is immutable')];
      return [];
    },
  },
});

export const nodeResources: ResourceDefinition[] = [runtimeclasses];
