// HorizontalPodAutoscalers, served in autoscaling/v2 (the storage version) and autoscaling/v1
// (pkg/registry/autoscaling/horizontalpodautoscaler, pkg/apis/autoscaling/{v1,v2} defaults and
// conversion, pkg/apis/autoscaling/validation). autoscaling/v1 has room for one CPU target only;
// everything else rides in the annotations kube-apiserver uses for the round trip.

import { field, type FieldError } from '../../errors.js';
import { Quantity, quantityString } from '../../quantity.js';
import type { KubeObject } from '../../store/types.js';
import type { ResourceDefinition, StorageVersion } from '../types.js';
import { goQuantityLiteral } from '../go-literal.js';
import { isDNS1123Label, isPathSegmentName } from '../validation.js';
import { horizontalPodAutoscalerColumns } from './autoscaling-printers.js';
import { define, keepAllButStatus, keepStatus, statusSubresource } from './common.js';
import { validateContainerResourceName } from './resource-names.js';

type Json = Record<string, any>;

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** Copies the keys of `from` that are set, in the given order (Go's omitempty for pointers). */
function present(entries: Array<[string, unknown]>): Json {
  const out: Json = {};
  for (const [key, value] of entries) if (isSet(value)) out[key] = value;
  return out;
}

const optionalQuantity = (value: unknown) => (isSet(value) ? quantityString(value) : undefined);

const annotations = {
  metrics: 'autoscaling.alpha.kubernetes.io/metrics',
  currentMetrics: 'autoscaling.alpha.kubernetes.io/current-metrics',
  conditions: 'autoscaling.alpha.kubernetes.io/conditions',
  behavior: 'autoscaling.alpha.kubernetes.io/behavior',
};

const defaultCPUUtilization = 80;

function cpuUtilizationMetric(utilization: number): Json {
  return { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: utilization } } };
}

const isCPUUtilization = (metric: Json) => metric?.type === 'Resource' && metric.resource?.name === 'cpu' && isSet(metric.resource?.target?.averageUtilization);

function crossVersionReference(ref: Json | undefined): Json {
  return { kind: ref?.kind ?? '', name: ref?.name ?? '', ...present([['apiVersion', ref?.apiVersion || undefined]]) };
}

// ---------- autoscaling/v2 → autoscaling/v1 ----------

/** An autoscaling/v2 MetricSpec as autoscaling/v1 writes it in its metrics annotation. */
function metricSpecToV1(metric: Json): Json {
  const out: Json = { type: metric.type ?? '' };
  const target = (source: Json | undefined) => (source?.target ?? {}) as Json;
  switch (metric.type) {
    case 'Object': {
      const source = metric.object ?? {};
      out.object = {
        target: crossVersionReference(source.describedObject),
        metricName: source.metric?.name ?? '',
        targetValue: quantityString(target(source).value),
        ...present([['selector', source.metric?.selector], ['averageValue', optionalQuantity(target(source).averageValue)]]),
      };
      break;
    }
    case 'Pods': {
      const source = metric.pods ?? {};
      out.pods = { metricName: source.metric?.name ?? '', targetAverageValue: quantityString(target(source).averageValue), ...present([['selector', source.metric?.selector]]) };
      break;
    }
    case 'Resource': {
      const source = metric.resource ?? {};
      out.resource = {
        name: source.name ?? '',
        ...present([['targetAverageUtilization', target(source).averageUtilization], ['targetAverageValue', optionalQuantity(target(source).averageValue)]]),
      };
      break;
    }
    case 'ContainerResource': {
      const source = metric.containerResource ?? {};
      out.containerResource = {
        name: source.name ?? '',
        ...present([['targetAverageUtilization', target(source).averageUtilization], ['targetAverageValue', optionalQuantity(target(source).averageValue)]]),
        container: source.container ?? '',
      };
      break;
    }
    case 'External': {
      const source = metric.external ?? {};
      out.external = {
        metricName: source.metric?.name ?? '',
        ...present([
          ['metricSelector', source.metric?.selector],
          ['targetValue', optionalQuantity(target(source).value)],
          ['targetAverageValue', optionalQuantity(target(source).averageValue)],
        ]),
      };
      break;
    }
  }
  return out;
}

/** An autoscaling/v2 MetricStatus as autoscaling/v1 writes it in its current-metrics annotation. */
function metricStatusToV1(metric: Json): Json {
  const out: Json = { type: metric.type ?? '' };
  const current = (source: Json | undefined) => (source?.current ?? {}) as Json;
  switch (metric.type) {
    case 'Object': {
      const source = metric.object ?? {};
      out.object = {
        target: crossVersionReference(source.describedObject),
        metricName: source.metric?.name ?? '',
        currentValue: quantityString(current(source).value),
        ...present([['selector', source.metric?.selector], ['averageValue', optionalQuantity(current(source).averageValue)]]),
      };
      break;
    }
    case 'Pods': {
      const source = metric.pods ?? {};
      out.pods = { metricName: source.metric?.name ?? '', currentAverageValue: quantityString(current(source).averageValue), ...present([['selector', source.metric?.selector]]) };
      break;
    }
    case 'Resource': {
      const source = metric.resource ?? {};
      out.resource = {
        name: source.name ?? '',
        ...present([['currentAverageUtilization', current(source).averageUtilization]]),
        currentAverageValue: quantityString(current(source).averageValue),
      };
      break;
    }
    case 'ContainerResource': {
      const source = metric.containerResource ?? {};
      out.containerResource = {
        name: source.name ?? '',
        ...present([['currentAverageUtilization', current(source).averageUtilization]]),
        currentAverageValue: quantityString(current(source).averageValue),
        container: source.container ?? '',
      };
      break;
    }
    case 'External': {
      const source = metric.external ?? {};
      out.external = {
        metricName: source.metric?.name ?? '',
        ...present([['metricSelector', source.metric?.selector]]),
        currentValue: quantityString(current(source).value),
        ...present([['currentAverageValue', optionalQuantity(current(source).averageValue)]]),
      };
      break;
    }
  }
  return out;
}

function serializedCondition(condition: Json): Json {
  return {
    type: condition.type ?? '',
    status: condition.status ?? '',
    lastTransitionTime: condition.lastTransitionTime ?? null,
    ...present([['reason', condition.reason || undefined], ['message', condition.message || undefined]]),
  };
}

/** The behavior as the internal Go type marshals it: field names without JSON tags. */
function behaviorToAnnotation(behavior: Json): string {
  const rules = (r: Json | undefined) =>
    r === undefined || r === null
      ? null
      : {
          StabilizationWindowSeconds: r.stabilizationWindowSeconds ?? null,
          SelectPolicy: r.selectPolicy ?? null,
          Policies: Array.isArray(r.policies) ? r.policies.map((p: Json) => ({ Type: p.type ?? '', Value: p.value ?? 0, PeriodSeconds: p.periodSeconds ?? 0 })) : null,
        };
  return JSON.stringify({ ScaleUp: rules(behavior.scaleUp), ScaleDown: rules(behavior.scaleDown) });
}

function withoutRoundTripAnnotations(values: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!values) return values;
  const out = { ...values };
  for (const key of Object.values(annotations)) delete out[key];
  return out;
}

function toV1(hpa: KubeObject): KubeObject {
  const spec = (hpa.spec ?? {}) as Json;
  const status = (hpa.status ?? {}) as Json;
  const metrics: Json[] = Array.isArray(spec.metrics) ? spec.metrics : [];
  const currentMetrics: Json[] = Array.isArray(status.currentMetrics) ? status.currentMetrics : [];
  const conditions: Json[] = Array.isArray(status.conditions) ? status.conditions : [];
  const extra: Record<string, string> = {};
  const others = metrics.filter((m) => !isCPUUtilization(m));
  if (others.length > 0) extra[annotations.metrics] = JSON.stringify(others.map(metricSpecToV1));
  if (currentMetrics.length > 0) extra[annotations.currentMetrics] = JSON.stringify(currentMetrics.map(metricStatusToV1));
  if (isSet(spec.behavior)) extra[annotations.behavior] = behaviorToAnnotation(spec.behavior);
  if (conditions.length > 0) extra[annotations.conditions] = JSON.stringify(conditions.map(serializedCondition));
  const kept = withoutRoundTripAnnotations(hpa.metadata.annotations);
  const merged = Object.keys(extra).length ? { ...kept, ...extra } : kept;
  const metadata = { ...hpa.metadata };
  if (merged && Object.keys(merged).length) metadata.annotations = Object.fromEntries(Object.entries(merged).sort(([a], [b]) => (a < b ? -1 : 1)));
  else delete metadata.annotations;
  const cpu = metrics.find(isCPUUtilization);
  const cpuStatus = currentMetrics.find((m) => m?.type === 'Resource' && m.resource?.name === 'cpu' && isSet(m.resource?.current?.averageUtilization));
  return {
    kind: 'HorizontalPodAutoscaler',
    apiVersion: 'autoscaling/v1',
    metadata,
    spec: {
      scaleTargetRef: crossVersionReference(spec.scaleTargetRef),
      ...present([['minReplicas', spec.minReplicas]]),
      maxReplicas: spec.maxReplicas ?? 0,
      ...present([['targetCPUUtilizationPercentage', cpu?.resource.target.averageUtilization]]),
    },
    status: {
      ...present([['observedGeneration', status.observedGeneration], ['lastScaleTime', status.lastScaleTime]]),
      currentReplicas: status.currentReplicas ?? 0,
      desiredReplicas: status.desiredReplicas ?? 0,
      ...present([['currentCPUUtilizationPercentage', cpuStatus?.resource.current.averageUtilization]]),
    },
  };
}

// ---------- autoscaling/v1 → autoscaling/v2 ----------

/** A JSON annotation, or undefined when it is absent or does not parse (kube-apiserver ignores it then). */
function parsedAnnotation(values: Record<string, string> | undefined, key: string): unknown {
  const text = values?.[key];
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Go's encoding/json matches field names case-insensitively. */
function fieldOf(object: unknown, name: string): any {
  if (!object || typeof object !== 'object') return undefined;
  const key = Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : (object as Json)[key];
}

function identifier(name: unknown, selector: unknown): Json {
  return { name: name ?? '', ...present([['selector', selector]]) };
}

function metricSpecFromV1(metric: Json): Json {
  const out: Json = { type: metric?.type ?? '' };
  switch (metric?.type) {
    case 'Object': {
      const source = metric.object ?? {};
      out.object = {
        describedObject: crossVersionReference(source.target),
        target: { type: isSet(source.averageValue) ? 'AverageValue' : 'Value', value: quantityString(source.targetValue), ...present([['averageValue', optionalQuantity(source.averageValue)]]) },
        metric: identifier(source.metricName, source.selector),
      };
      break;
    }
    case 'Pods': {
      const source = metric.pods ?? {};
      out.pods = { metric: identifier(source.metricName, source.selector), target: { type: 'AverageValue', averageValue: quantityString(source.targetAverageValue) } };
      break;
    }
    case 'Resource':
    case 'ContainerResource': {
      const key = metric.type === 'Resource' ? 'resource' : 'containerResource';
      const source = metric[key] ?? {};
      out[key] = {
        name: source.name ?? '',
        target: {
          type: isSet(source.targetAverageUtilization) ? 'Utilization' : 'AverageValue',
          ...present([['averageValue', optionalQuantity(source.targetAverageValue)], ['averageUtilization', source.targetAverageUtilization]]),
        },
        ...(key === 'containerResource' ? { container: source.container ?? '' } : {}),
      };
      break;
    }
    case 'External': {
      const source = metric.external ?? {};
      out.external = {
        metric: identifier(source.metricName, source.metricSelector),
        target: {
          type: isSet(source.targetValue) ? 'Value' : 'AverageValue',
          ...present([['value', optionalQuantity(source.targetValue)], ['averageValue', optionalQuantity(source.targetAverageValue)]]),
        },
      };
      break;
    }
  }
  return out;
}

function metricStatusFromV1(metric: Json): Json {
  const out: Json = { type: metric?.type ?? '' };
  switch (metric?.type) {
    case 'Object': {
      const source = metric.object ?? {};
      out.object = {
        metric: identifier(source.metricName, source.selector),
        current: { value: quantityString(source.currentValue), ...present([['averageValue', optionalQuantity(source.averageValue)]]) },
        describedObject: crossVersionReference(source.target),
      };
      break;
    }
    case 'Pods': {
      const source = metric.pods ?? {};
      out.pods = { metric: identifier(source.metricName, source.selector), current: { averageValue: quantityString(source.currentAverageValue) } };
      break;
    }
    case 'Resource':
    case 'ContainerResource': {
      const key = metric.type === 'Resource' ? 'resource' : 'containerResource';
      const source = metric[key] ?? {};
      out[key] = {
        name: source.name ?? '',
        current: { averageValue: quantityString(source.currentAverageValue), ...present([['averageUtilization', source.currentAverageUtilization]]) },
        ...(key === 'containerResource' ? { container: source.container ?? '' } : {}),
      };
      break;
    }
    case 'External': {
      const source = metric.external ?? {};
      out.external = {
        metric: identifier(source.metricName, source.metricSelector),
        current: { value: quantityString(source.currentValue), ...present([['averageValue', optionalQuantity(source.currentAverageValue)]]) },
      };
      break;
    }
  }
  return out;
}

function behaviorFromAnnotation(value: unknown): Json | undefined {
  const rules = (r: unknown): Json | undefined => {
    if (!r || typeof r !== 'object') return undefined;
    const policies = fieldOf(r, 'policies');
    return present([
      ['stabilizationWindowSeconds', fieldOf(r, 'stabilizationWindowSeconds')],
      ['selectPolicy', fieldOf(r, 'selectPolicy')],
      ['policies', Array.isArray(policies) ? policies.map((p) => ({ type: fieldOf(p, 'type') ?? '', value: fieldOf(p, 'value') ?? 0, periodSeconds: fieldOf(p, 'periodSeconds') ?? 0 })) : undefined],
    ]);
  };
  const behavior = present([['scaleUp', rules(fieldOf(value, 'scaleUp'))], ['scaleDown', rules(fieldOf(value, 'scaleDown'))]]);
  return Object.keys(behavior).length ? behavior : undefined;
}

/**
 * The behavior an autoscaling/v1 write carried, before autoscaling/v2 defaulting: kube-apiserver
 * validates it as converted and defaults it only when reading it back in autoscaling/v2.
 */
const behaviorAsWritten = Symbol('behaviorAsWritten');

function fromV1(hpa: KubeObject): KubeObject {
  const spec = (hpa.spec ?? {}) as Json;
  const status = hpa.status as Json | undefined;
  const given = hpa.metadata.annotations;
  let metrics: Json[] = isSet(spec.targetCPUUtilizationPercentage) ? [cpuUtilizationMetric(spec.targetCPUUtilizationPercentage)] : [];
  const others = parsedAnnotation(given, annotations.metrics);
  if (Array.isArray(others)) metrics = [...others.map(metricSpecFromV1), ...metrics];
  if (metrics.length === 0) metrics = [cpuUtilizationMetric(defaultCPUUtilization)];
  const behavior = behaviorFromAnnotation(parsedAnnotation(given, annotations.behavior));
  let currentMetrics: Json[] | undefined = isSet(status?.currentCPUUtilizationPercentage)
    ? [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status!.currentCPUUtilizationPercentage } } }]
    : undefined;
  const currentAnnotation = parsedAnnotation(given, annotations.currentMetrics);
  if (Array.isArray(currentAnnotation)) currentMetrics = currentAnnotation.map(metricStatusFromV1);
  const conditionsAnnotation = parsedAnnotation(given, annotations.conditions);
  const conditions = Array.isArray(conditionsAnnotation) ? conditionsAnnotation.map(serializedCondition) : undefined;
  const metadata = { ...hpa.metadata, annotations: withoutRoundTripAnnotations(given) };
  if (!metadata.annotations || Object.keys(metadata.annotations).length === 0) delete metadata.annotations;
  const out: KubeObject = {
    kind: 'HorizontalPodAutoscaler',
    apiVersion: 'autoscaling/v2',
    metadata,
    spec: present([
      ['scaleTargetRef', spec.scaleTargetRef],
      ['minReplicas', spec.minReplicas],
      ['maxReplicas', spec.maxReplicas],
      ['metrics', metrics],
      ['behavior', behavior],
    ]),
  };
  if (behavior) Object.defineProperty(out, behaviorAsWritten, { value: structuredClone(behavior) });
  // Go's status is a struct: the annotations fill it even when the body has none.
  out.status = present([
    ['observedGeneration', status?.observedGeneration],
    ['lastScaleTime', status?.lastScaleTime],
    ['currentReplicas', status?.currentReplicas],
    ['desiredReplicas', status?.desiredReplicas],
    ['currentMetrics', currentMetrics],
    ['conditions', conditions],
  ]);
  return out;
}

// ---------- defaults and validation (on the autoscaling/v2 form) ----------

const scaleUpDefaults = { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] };
const scaleDownDefaults = { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };

function defaultRules(given: Json | undefined, defaults: Json): Json {
  const out: Json = structuredClone(defaults);
  if (!given || typeof given !== 'object') return out;
  for (const key of ['stabilizationWindowSeconds', 'selectPolicy', 'policies']) if (isSet(given[key])) out[key] = given[key];
  return { ...present([['stabilizationWindowSeconds', out.stabilizationWindowSeconds], ['selectPolicy', out.selectPolicy], ['policies', out.policies]]) };
}

/** SetDefaults_HorizontalPodAutoscaler of autoscaling/v2. */
function defaultHPA(hpa: KubeObject): void {
  const spec = (hpa.spec ??= {}) as Json;
  if (!isSet(spec.minReplicas)) spec.minReplicas = 1;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) spec.metrics = [cpuUtilizationMetric(defaultCPUUtilization)];
  if (isSet(spec.behavior)) {
    spec.behavior = { scaleUp: defaultRules(spec.behavior.scaleUp, scaleUpDefaults), scaleDown: defaultRules(spec.behavior.scaleDown, scaleDownDefaults) };
  }
}

/** Status as autoscaling/v2 serializes it: desiredReplicas and currentMetrics always, zeros left out elsewhere. */
function serializedStatus(status: Json | undefined): Json {
  const given = status ?? {};
  return {
    ...present([['observedGeneration', given.observedGeneration], ['lastScaleTime', given.lastScaleTime], ['currentReplicas', given.currentReplicas || undefined]]),
    desiredReplicas: given.desiredReplicas ?? 0,
    currentMetrics: Array.isArray(given.currentMetrics) ? given.currentMetrics : null,
    ...present([['conditions', Array.isArray(given.conditions) && given.conditions.length ? given.conditions.map(serializedCondition) : undefined]]),
  };
}

function positive(value: unknown): boolean {
  return Quantity.tryParse(value)?.sign() === 1;
}


function validateReference(ref: Json | undefined, path: string): FieldError[] {
  const out: FieldError[] = [];
  for (const key of ['kind', 'name']) {
    const value = ref?.[key];
    if (!value) out.push(field.required(`${path}.${key}`));
    else out.push(...isPathSegmentName(String(value)).map((p) => field.invalid(`${path}.${key}`, value, p)));
  }
  return out;
}

function validateIdentifier(id: Json | undefined, path: string): FieldError[] {
  if (!id?.name) return [field.required(`${path}.name`, 'must specify a metric name')];
  return isPathSegmentName(String(id.name)).map((p) => field.invalid(`${path}.name`, id.name, p));
}

function validateTarget(target: Json | undefined, path: string): FieldError[] {
  const t = target ?? {};
  const out: FieldError[] = [];
  if (!t.type) out.push(field.required(`${path}.type`, 'must specify a metric target type'));
  if (!['Utilization', 'Value', 'AverageValue'].includes(t.type)) out.push(field.invalid(`${path}.type`, t.type ?? '', 'must be either Utilization, Value, or AverageValue'));
  if (isSet(t.value) && !positive(t.value)) out.push(field.invalid(`${path}.value`, goQuantityLiteral(t.value), 'must be positive'));
  if (isSet(t.averageValue) && !positive(t.averageValue)) out.push(field.invalid(`${path}.averageValue`, goQuantityLiteral(t.averageValue), 'must be positive'));
  if (isSet(t.averageUtilization) && t.averageUtilization < 1) out.push(field.invalid(`${path}.averageUtilization`, t.averageUtilization, 'must be greater than 0'));
  return out;
}


function validateSource(kind: string, source: Json, path: string): FieldError[] {
  const target = (source.target ?? {}) as Json;
  const targetPath = `${path}.target`;
  switch (kind) {
    case 'object': {
      const out = [...validateReference(source.describedObject, `${path}.describedObject`), ...validateIdentifier(source.metric, `${path}.metric`), ...validateTarget(target, targetPath)];
      if (!isSet(target.value) && !isSet(target.averageValue)) out.push(field.required(`${targetPath}.averageValue`, 'must set either a target value or averageValue'));
      return out;
    }
    case 'external': {
      const out = [...validateIdentifier(source.metric, `${path}.metric`), ...validateTarget(target, targetPath)];
      if (!isSet(target.value) && !isSet(target.averageValue)) out.push(field.required(`${targetPath}.averageValue`, 'must set either a target value for metric or a per-pod target'));
      if (isSet(target.value) && isSet(target.averageValue)) out.push(field.forbidden(`${targetPath}.value`, 'may not set both a target value for metric and a per-pod target'));
      return out;
    }
    case 'pods': {
      const out = [...validateIdentifier(source.metric, `${path}.metric`), ...validateTarget(target, targetPath)];
      if (!isSet(target.averageValue)) out.push(field.required(`${targetPath}.averageValue`, 'must specify a positive target averageValue'));
      return out;
    }
    default: {
      const out: FieldError[] = [];
      if (!source.name) out.push(field.required(`${path}.name`, 'must specify a resource name'));
      else if (kind === 'containerResource') out.push(...validateContainerResourceName(String(source.name), `${path}.name`));
      if (kind === 'containerResource') {
        if (!source.container) out.push(field.required(`${path}.container`, 'must specify a container'));
        else out.push(...isDNS1123Label(String(source.container)).map((p) => field.invalid(`${path}.container`, source.container, p)));
      }
      out.push(...validateTarget(target, targetPath));
      if (!isSet(target.averageUtilization) && !isSet(target.averageValue)) out.push(field.required(`${targetPath}.averageUtilization`, 'must set either a target raw value or a target utilization'));
      if (isSet(target.averageUtilization) && isSet(target.averageValue)) out.push(field.forbidden(`${targetPath}.averageValue`, 'may not set both a target raw value and a target utilization'));
      return out;
    }
  }
}

const metricSourceTypes = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const sourceFields: Record<string, string> = { Object: 'object', Pods: 'pods', Resource: 'resource', External: 'external', ContainerResource: 'containerResource' };

function validateMetric(metric: Json, path: string): FieldError[] {
  const out: FieldError[] = [];
  const type = metric?.type ?? '';
  if (!type) out.push(field.required(`${path}.type`, 'must specify a metric source type'));
  if (!metricSourceTypes.includes(type)) out.push(field.notSupported(`${path}.type`, type, metricSourceTypes));
  const populated = ['object', 'external', 'pods', 'resource', 'containerResource'].filter((k) => isSet(metric?.[k]));
  if (populated.length > 0) out.push(...validateSource(populated[0], metric[populated[0]], `${path}.${populated[0]}`));
  const expected = sourceFields[type];
  if (expected) {
    if (!isSet(metric?.[expected])) out.push(field.required(`${path}.${expected}`, 'must populate information for the given metric source'));
  } else {
    out.push(field.notSupported(`${path}.type`, type, metricSourceTypes));
  }
  if (populated.length !== 1) for (const k of populated.filter((k) => k !== expected)) out.push(field.forbidden(`${path}.${k}`, 'must populate the given metric source only'));
  return out;
}

function validateRules(rules: Json | undefined, path: string): FieldError[] {
  if (!isSet(rules)) return [];
  const out: FieldError[] = [];
  const window = rules!.stabilizationWindowSeconds;
  if (isSet(window) && window < 0) out.push(field.invalid(`${path}.stabilizationWindowSeconds`, window, 'must be greater than or equal to zero'));
  if (isSet(window) && window > 3600) out.push(field.invalid(`${path}.stabilizationWindowSeconds`, window, 'must be less than or equal to 3600'));
  if (isSet(rules!.selectPolicy) && !['Disabled', 'Max', 'Min'].includes(rules!.selectPolicy)) {
    out.push(field.notSupported(`${path}.selectPolicy`, rules!.selectPolicy, ['Disabled', 'Max', 'Min']));
  }
  const policies: Json[] = Array.isArray(rules!.policies) ? rules!.policies : [];
  if (policies.length === 0) out.push(field.required(`${path}.policies`, 'must specify at least one Policy'));
  policies.forEach((policy, i) => {
    const at = `${path}.policies[${i}]`;
    if (policy?.type !== 'Pods' && policy?.type !== 'Percent') out.push(field.notSupported(`${at}.type`, policy?.type ?? '', ['Percent', 'Pods']));
    if (!(policy?.value > 0)) out.push(field.invalid(`${at}.value`, policy?.value ?? 0, 'must be greater than zero'));
    if (!(policy?.periodSeconds > 0)) out.push(field.invalid(`${at}.periodSeconds`, policy?.periodSeconds ?? 0, 'must be greater than zero'));
    if (policy?.periodSeconds > 1800) out.push(field.invalid(`${at}.periodSeconds`, policy.periodSeconds, 'must be less than or equal to 1800'));
  });
  return out;
}

/** validateHorizontalPodAutoscalerSpec; minReplicas may be 0 only if it already was (HPAScaleToZero is off). */
function validateSpec(hpa: KubeObject, old?: KubeObject): FieldError[] {
  const spec = (hpa.spec ?? {}) as Json;
  const lowest = (old?.spec as Json | undefined)?.minReplicas === 0 ? 0 : 1;
  const out: FieldError[] = [];
  if (isSet(spec.minReplicas) && spec.minReplicas < lowest) out.push(field.invalid('spec.minReplicas', spec.minReplicas, `must be greater than or equal to ${lowest}`));
  const max = spec.maxReplicas ?? 0;
  if (max < 1) out.push(field.invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (isSet(spec.minReplicas) && max < spec.minReplicas) out.push(field.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  out.push(...validateReference(spec.scaleTargetRef, 'spec.scaleTargetRef'));
  const metrics: Json[] = Array.isArray(spec.metrics) ? spec.metrics : [];
  metrics.forEach((metric, i) => out.push(...validateMetric(metric, `spec.metrics[${i}]`)));
  if (spec.minReplicas === 0 && !metrics.some((m) => m?.type === 'Object' || m?.type === 'External')) {
    out.push(field.forbidden('spec.metrics', 'must specify at least one Object or External metric to support scaling to zero replicas'));
  }
  const behavior = ((hpa as unknown as Record<symbol, unknown>)[behaviorAsWritten] ?? spec.behavior) as Json | undefined;
  if (isSet(behavior)) {
    out.push(...validateRules(behavior!.scaleUp, 'spec.behavior.scaleUp'), ...validateRules(behavior!.scaleDown, 'spec.behavior.scaleDown'));
  }
  return out;
}

const nonNegative = (value: unknown, path: string) => (typeof value === 'number' && value < 0 ? [field.invalid(path, value, 'must be greater than or equal to 0')] : []);

export const horizontalpodautoscalers = define({
  group: 'autoscaling',
  version: 'v2',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  subresources: [statusSubresource],
  strategy: {
    table: horizontalPodAutoscalerColumns,
    defaults: defaultHPA,
    prepareForCreate(hpa) {
      hpa.status = serializedStatus(undefined);
    },
    prepareForUpdate: keepStatus,
    subresourceUpdates: {
      status(hpa, old) {
        keepAllButStatus(hpa, old);
        hpa.status = serializedStatus(hpa.status as Json | undefined);
      },
    },
    validateCreate: (hpa) => validateSpec(hpa),
    validateUpdate: (hpa, old) => validateSpec(hpa, old),
    subresourceValidation: {
      status(hpa) {
        const status = (hpa.status ?? {}) as Json;
        return [...nonNegative(status.currentReplicas, 'status.currentReplicas'), ...nonNegative(status.desiredReplicas, 'status.desiredReplicas')];
      },
    },
  },
});

const v2Storage: StorageVersion = {
  group: 'autoscaling',
  version: 'v2',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  toStorage: fromV1,
  fromStorage: toV1,
};

export const horizontalpodautoscalersV1 = define({
  group: 'autoscaling',
  version: 'v1',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  subresources: [statusSubresource],
  // Printed in its stored (autoscaling/v2) form, as kube-apiserver prints the internal object.
  strategy: { table: horizontalPodAutoscalerColumns },
  storedAs: v2Storage,
});

export const autoscalingResources: ResourceDefinition[] = [horizontalpodautoscalers, horizontalpodautoscalersV1];
