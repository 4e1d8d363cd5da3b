// batch/v1 Jobs and CronJobs (pkg/registry/batch/*/strategy.go, pkg/apis/batch/v1/defaults.go,
// pkg/apis/batch/validation).

import { field, type FieldError, GoLiteral } from '../../errors.js';
import { jsonEqual } from '../../json.js';
import { labelSelectorFromObject } from '../../selectors/labels.js';
import type { KubeObject } from '../../store/types.js';
import { goLabelSelector, goPodTemplateSpec } from '../go-literal.js';
import type { ResourceDefinition } from '../types.js';
import { isDNS1123Label, isQualifiedName, validateAnnotations, validateLabelSelector, validateLabels } from '../validation.js';
import { cronJobColumns, jobColumns } from './batch-printers.js';
import { cronScheduleError, timeZoneError } from './batch-schedule.js';
import { define, keepStatus, ownFieldSelectors, statusSubresource } from './common.js';
import { defaultPodSpec, validatePodSpec } from './pod-spec.js';

type Json = Record<string, any>;

const batch = { group: 'batch', version: 'v1' };

export const jobLabels = {
  controllerUid: 'batch.kubernetes.io/controller-uid',
  jobName: 'batch.kubernetes.io/job-name',
  legacyControllerUid: 'controller-uid',
  legacyJobName: 'job-name',
};

/** Jobs and CronJobs name their pods: a name that is no DNS label is allowed, with a warning. */
function nameWarnings(object: KubeObject): string[] {
  const problems = isDNS1123Label(object.metadata.name ?? '');
  if (problems.length === 0) return [];
  return [`metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [${problems.join(' ')}]`];
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}
const maxInt32 = 2147483647;

function defaultPodTemplate(template: Json | undefined): void {
  if (!template || typeof template !== 'object') return;
  template.metadata ??= {};
  template.metadata.creationTimestamp ??= null;
  defaultPodSpec(template.spec);
}

/** A Job without labels takes its pod template's (also when read back, so on every write). */
function labelsFromTemplate(job: KubeObject): void {
  const labels = (job.spec as Json | undefined)?.template?.metadata?.labels;
  if (labels && Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = { ...labels };
}

/** SetDefaults_Job. */
function defaultJob(job: KubeObject): void {
  const spec = (job.spec ??= {}) as Json;
  if (!isSet(spec.completions) && !isSet(spec.parallelism)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  if (!isSet(spec.parallelism)) spec.parallelism = 1;
  if (!isSet(spec.backoffLimit)) spec.backoffLimit = isSet(spec.backoffLimitPerIndex) ? maxInt32 : 6;
  labelsFromTemplate(job);
  if (!isSet(spec.completionMode)) spec.completionMode = 'NonIndexed';
  if (!isSet(spec.suspend)) spec.suspend = false;
  for (const rule of (spec.podFailurePolicy?.rules as Json[] | undefined) ?? []) {
    for (const pattern of (rule?.onPodConditions as Json[] | undefined) ?? []) if (pattern && !pattern.status) pattern.status = 'True';
  }
  if (!isSet(spec.podReplacementPolicy)) spec.podReplacementPolicy = isSet(spec.podFailurePolicy) ? 'Failed' : 'TerminatingOrFailed';
  if (!isSet(spec.manualSelector)) spec.manualSelector = false;
  defaultPodTemplate(spec.template);
}

/** The controller-uid selector and the labels pods of the Job carry (generateSelector). */
function generateSelector(job: KubeObject): void {
  const spec = job.spec as Json;
  spec.template ??= {};
  spec.template.metadata ??= {};
  const labels = (spec.template.metadata.labels ??= {});
  const uid = job.metadata.uid ?? '';
  const name = job.metadata.name ?? '';
  for (const key of [jobLabels.legacyJobName, jobLabels.jobName]) labels[key] ??= name;
  for (const key of [jobLabels.legacyControllerUid, jobLabels.controllerUid]) labels[key] ??= uid;
  spec.selector ??= {};
  spec.selector.matchLabels ??= {};
  spec.selector.matchLabels[jobLabels.controllerUid] ??= uid;
}

function nonNegative(value: unknown, path: string): FieldError[] {
  return isSet(value) && typeof value === 'number' && value < 0 ? [field.invalid(path, value, 'must be greater than or equal to 0')] : [];
}

const templatePath = 'spec.template.metadata';

/** ValidateHasLabel: the label must be there with the expected value. */
function hasLabel(labels: Json | undefined, key: string, expected: string): FieldError[] {
  const path = `${templatePath}.labels[${key}]`;
  if (!labels || !(key in labels)) return [field.required(path, expected)];
  if (labels[key] !== expected) return [field.invalid(path, labels, `must be '${expected}'`)];
  return [];
}

/** validateGeneratedSelector: a generated selector must select exactly this Job's pods. */
function validateGeneratedSelector(job: KubeObject): FieldError[] {
  const spec = (job.spec ?? {}) as Json;
  if (spec.manualSelector === true || !isSet(spec.selector)) return [];
  const out: FieldError[] = [];
  const uid = job.metadata.uid ?? '';
  const name = job.metadata.name ?? '';
  if (!uid) out.push(field.required('metadata.uid'));
  const labels = spec.template?.metadata?.labels;
  out.push(...hasLabel(labels, jobLabels.legacyControllerUid, uid), ...hasLabel(labels, jobLabels.legacyJobName, name));
  out.push(...hasLabel(labels, jobLabels.controllerUid, uid), ...hasLabel(labels, jobLabels.jobName, name));
  const expected = { [jobLabels.controllerUid]: uid, [jobLabels.jobName]: name, [jobLabels.legacyControllerUid]: uid, [jobLabels.legacyJobName]: name };
  if (!labelSelectorFromObject(spec.selector)(expected)) out.push(field.invalid('spec.selector', goLabelSelector(spec.selector), '`selector` not auto-generated'));
  return out;
}

const podFailurePolicyActions = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const exitCodeOperators = ['In', 'NotIn'];
const conditionStatuses = ['False', 'True', 'Unknown'];
const quotedList = (values: string[]) => `[${values.map((v) => JSON.stringify(v)).join(' ')}]`;

function validatePodFailurePolicy(spec: Json, path: string): FieldError[] {
  const out: FieldError[] = [];
  const rules: Json[] = Array.isArray(spec.podFailurePolicy?.rules) ? spec.podFailurePolicy.rules : [];
  if (rules.length > 20) out.push(field.tooMany(`${path}.rules`, rules.length, 20));
  const containers = new Set<string>();
  for (const c of [...(spec.template?.spec?.containers ?? []), ...(spec.template?.spec?.initContainers ?? [])]) containers.add(c?.name);
  rules.forEach((rule, i) => {
    const at = `${path}.rules[${i}]`;
    if (!rule?.action) out.push(field.required(`${at}.action`, `valid values: ${quotedList(podFailurePolicyActions)}`));
    else if (rule.action === 'FailIndex') {
      if (!isSet(spec.backoffLimitPerIndex)) out.push(field.invalid(`${at}.action`, rule.action, 'requires the backoffLimitPerIndex to be set'));
    } else if (!podFailurePolicyActions.includes(rule.action)) out.push(field.notSupported(`${at}.action`, rule.action, podFailurePolicyActions));
    const onExitCodes = rule?.onExitCodes;
    const onPodConditions: Json[] = Array.isArray(rule?.onPodConditions) ? rule.onPodConditions : [];
    if (onExitCodes) {
      const codesAt = `${at}.onExitCodes`;
      if (!onExitCodes.operator) out.push(field.required(`${codesAt}.operator`, `valid values: ${quotedList(exitCodeOperators)}`));
      else if (!exitCodeOperators.includes(onExitCodes.operator)) out.push(field.notSupported(`${codesAt}.operator`, onExitCodes.operator, exitCodeOperators));
      if (isSet(onExitCodes.containerName) && !containers.has(onExitCodes.containerName)) {
        out.push(field.invalid(`${codesAt}.containerName`, onExitCodes.containerName, 'must be one of the container or initContainer names in the pod template'));
      }
      const values: number[] = Array.isArray(onExitCodes.values) ? onExitCodes.values : [];
      if (values.length === 0) out.push(field.invalid(`${codesAt}.values`, new GoLiteral('[]int32(nil)'), 'at least one value is required'));
      const seen = new Set<number>();
      values.forEach((value, j) => {
        if (onExitCodes.operator === 'In' && value === 0) out.push(field.invalid(`${codesAt}.values[${j}]`, value, 'must not be 0 for the In operator'));
        if (seen.has(value)) out.push(field.duplicate(`${codesAt}.values[${j}]`, value));
        seen.add(value);
      });
      if (values.some((v, j) => j > 0 && values[j - 1] > v)) out.push(field.invalid(`${codesAt}.values`, new GoLiteral(`[]int32{${values.join(', ')}}`), 'must be ordered'));
    }
    onPodConditions.forEach((pattern, j) => {
      const patternAt = `${at}.onPodConditions[${j}]`;
      out.push(...isQualifiedName(String(pattern?.type ?? '')).map((p) => field.invalid(`${patternAt}.type`, pattern?.type ?? '', p)));
      if (!pattern?.status) out.push(field.required(`${patternAt}.status`, `valid values: ${quotedList(conditionStatuses)}`));
      else if (!conditionStatuses.includes(pattern.status)) out.push(field.notSupported(`${patternAt}.status`, pattern.status, conditionStatuses));
    });
    if (onExitCodes && onPodConditions.length > 0) out.push(field.invalidOmitted(at, 'specifying both OnExitCodes and OnPodConditions is not supported'));
    if (!onExitCodes && onPodConditions.length === 0) out.push(field.invalidOmitted(at, 'specifying one of OnExitCodes and OnPodConditions is required'));
  });
  return out;
}

function validatePodTemplate(template: Json | undefined, path: string): FieldError[] {
  return [
    ...validateLabels(template?.metadata?.labels, `${path}.metadata.labels`),
    ...validateAnnotations(template?.metadata?.annotations, `${path}.metadata.annotations`),
    ...validatePodSpec(template?.spec, `${path}.spec`),
  ];
}

/** validateJobSpec: what a Job and a CronJob's job template share. */
function validateJobSpecFields(spec: Json, path: string): FieldError[] {
  const out: FieldError[] = [];
  for (const name of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex']) {
    out.push(...nonNegative(spec[name], `${path}.${name}`));
  }
  if (isSet(spec.maxFailedIndexes)) {
    out.push(...nonNegative(spec.maxFailedIndexes, `${path}.maxFailedIndexes`));
    if (!isSet(spec.backoffLimitPerIndex)) out.push(field.required(`${path}.backoffLimitPerIndex`, 'when maxFailedIndexes is specified'));
  }
  if (isSet(spec.managedBy) && String(spec.managedBy).length > 63) out.push(field.tooLong(`${path}.managedBy`, 63));
  const mode = spec.completionMode;
  if (isSet(mode)) {
    if (mode !== 'NonIndexed' && mode !== 'Indexed') out.push(field.notSupported(`${path}.completionMode`, mode, ['NonIndexed', 'Indexed']));
    if (mode === 'Indexed') {
      if (!isSet(spec.completions)) out.push(field.required(`${path}.completions`, 'when completion mode is Indexed'));
      if (isSet(spec.parallelism) && spec.parallelism > 100000) {
        out.push(field.invalid(`${path}.parallelism`, spec.parallelism, 'must be less than or equal to 100000 when completion mode is Indexed'));
      }
      if (isSet(spec.completions) && isSet(spec.maxFailedIndexes) && spec.maxFailedIndexes > spec.completions) {
        out.push(field.invalid(`${path}.maxFailedIndexes`, spec.maxFailedIndexes, 'must be less than or equal to completions'));
      }
    }
  }
  if (!isSet(mode) || mode === 'NonIndexed') {
    if (isSet(spec.backoffLimitPerIndex)) out.push(field.invalid(`${path}.backoffLimitPerIndex`, spec.backoffLimitPerIndex, 'requires indexed completion mode'));
    if (isSet(spec.maxFailedIndexes)) out.push(field.invalid(`${path}.maxFailedIndexes`, spec.maxFailedIndexes, 'requires indexed completion mode'));
  }
  if (isSet(spec.podFailurePolicy)) out.push(...validatePodFailurePolicy(spec, `${path}.podFailurePolicy`));
  if (isSet(spec.podReplacementPolicy)) {
    const allowed = isSet(spec.podFailurePolicy) ? ['Failed'] : ['Failed', 'TerminatingOrFailed'];
    if (!allowed.includes(spec.podReplacementPolicy)) out.push(field.notSupported(`${path}.podReplacementPolicy`, spec.podReplacementPolicy, allowed));
  }
  out.push(...validatePodTemplate(spec.template, `${path}.template`));
  const restartPolicy = spec.template?.spec?.restartPolicy;
  const restartAt = `${path}.template.spec.restartPolicy`;
  if (restartPolicy === 'Always' || !restartPolicy) out.push(field.required(restartAt, 'valid values: "OnFailure", "Never"'));
  else if (restartPolicy !== 'OnFailure' && restartPolicy !== 'Never') out.push(field.notSupported(restartAt, restartPolicy, ['OnFailure', 'Never']));
  else if (isSet(spec.podFailurePolicy) && restartPolicy !== 'Never') out.push(field.invalid(restartAt, restartPolicy, 'only "Never" is supported when podFailurePolicy is specified'));
  return out;
}

/** ValidateJobSpec: the spec fields plus a selector that matches the template. */
function validateJobSpec(spec: Json): FieldError[] {
  const out = validateJobSpecFields(spec, 'spec');
  if (!isSet(spec.selector)) out.push(field.required('spec.selector'));
  else out.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const labels = spec.template?.metadata?.labels;
  if (isSet(spec.selector) && !labelSelectorFromObject(spec.selector)(labels)) {
    out.push(field.invalid('spec.template.metadata.labels', labels ?? new GoLiteral('map[string]string(nil)'), '`selector` does not match template `labels`'));
  }
  return out;
}

function validateJob(job: KubeObject): FieldError[] {
  const spec = (job.spec ?? {}) as Json;
  const out = [...validateGeneratedSelector(job), ...validateJobSpec(spec)];
  if (spec.completionMode === 'Indexed' && spec.completions > 0) {
    const hostname = `${job.metadata.name}-${spec.completions - 1}`;
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(hostname) || hostname.length > 63) {
      out.push(field.invalid('metadata.name', job.metadata.name, `will not able to create pod with invalid DNS label: ${hostname}`));
    }
  }
  return out;
}

/** The pointer value an immutable-field error quotes: the value, or null when unset. */
const pointerValue = (value: unknown) => (isSet(value) ? value : new GoLiteral('null'));

function immutable(path: string, value: unknown, old: unknown, shown: unknown = pointerValue(value)): FieldError[] {
  return jsonEqual(value ?? null, old ?? null) ? [] : [field.invalid(path, shown, 'field is immutable')];
}

/** While a Job is suspended and has never started, its pods' scheduling directives may still change. */
function comparableOldTemplate(spec: Json, oldSpec: Json, oldStatus: Json): Json | undefined {
  const oldTemplate = oldSpec.template;
  if (!(oldSpec.suspend === true && !oldStatus.startTime) || !oldTemplate) return oldTemplate;
  const template = (spec.template ?? {}) as Json;
  const copy = structuredClone(oldTemplate) as Json;
  copy.spec ??= {};
  const nodeAffinity = template.spec?.affinity?.nodeAffinity;
  if (!template.spec?.affinity && copy.spec.affinity) {
    delete copy.spec.affinity.nodeAffinity;
    if (Object.keys(copy.spec.affinity).length === 0) delete copy.spec.affinity;
  } else if (template.spec?.affinity) {
    copy.spec.affinity = { ...copy.spec.affinity, nodeAffinity };
    if (nodeAffinity === undefined) delete copy.spec.affinity.nodeAffinity;
  }
  for (const key of ['nodeSelector', 'tolerations', 'schedulingGates']) {
    if (template.spec?.[key] === undefined) delete copy.spec[key];
    else copy.spec[key] = template.spec[key];
  }
  copy.metadata ??= {};
  for (const key of ['annotations', 'labels']) {
    if (template.metadata?.[key] === undefined) delete copy.metadata[key];
    else copy.metadata[key] = template.metadata[key];
  }
  return copy;
}

/** ValidateJobSpecUpdate (the spec is checked again, as kube-apiserver does on every update). */
function validateJobUpdate(job: KubeObject, old: KubeObject): FieldError[] {
  const spec = (job.spec ?? {}) as Json;
  const oldSpec = (old.spec ?? {}) as Json;
  const out = validateJobSpec(spec);
  if (spec.completionMode === 'Indexed') {
    if (!jsonEqual(spec.completions ?? null, oldSpec.completions ?? null) && isSet(spec.completions) && spec.completions !== spec.parallelism) {
      out.push(field.invalid('spec.completions', spec.completions, 'can only be modified in tandem with spec.parallelism'));
    }
  } else {
    out.push(...immutable('spec.completions', spec.completions, oldSpec.completions));
  }
  out.push(...immutable('spec.selector', spec.selector, oldSpec.selector, goLabelSelector(spec.selector)));
  out.push(...immutable('spec.template', spec.template, comparableOldTemplate(spec, oldSpec, (old.status ?? {}) as Json), goPodTemplateSpec(spec.template)));
  out.push(...immutable('spec.completionMode', spec.completionMode, oldSpec.completionMode));
  out.push(...immutable('spec.podFailurePolicy', spec.podFailurePolicy, oldSpec.podFailurePolicy));
  out.push(...immutable('spec.backoffLimitPerIndex', spec.backoffLimitPerIndex, oldSpec.backoffLimitPerIndex));
  out.push(...immutable('spec.managedBy', spec.managedBy, oldSpec.managedBy));
  out.push(...immutable('spec.successPolicy', spec.successPolicy, oldSpec.successPolicy));
  return out;
}

const conditionTrue = (status: Json, type: string) => ((status.conditions as Json[] | undefined) ?? []).some((c) => c.type === type && c.status === 'True');

/** ValidateJobStatusUpdate, the checks that guard a Job's finished state and counters. */
function validateJobStatusUpdate(job: KubeObject, old: KubeObject): FieldError[] {
  const status = (job.status ?? {}) as Json;
  const oldStatus = (old.status ?? {}) as Json;
  const spec = (job.spec ?? {}) as Json;
  const out: FieldError[] = [];
  for (const [name, value] of Object.entries(status)) {
    if (['active', 'succeeded', 'failed', 'ready', 'terminating'].includes(name)) out.push(...nonNegative(value, `status.${name}`));
  }
  for (const type of ['Failed', 'Complete', 'FailureTarget']) {
    if (conditionTrue(oldStatus, type) && !conditionTrue(status, type)) {
      out.push(field.invalidOmitted('status.conditions', `cannot disable the terminal ${type}=True condition`));
    }
  }
  if ((status.failed ?? 0) < (oldStatus.failed ?? 0)) out.push(field.invalid('status.failed', status.failed ?? 0, 'cannot decrease the failed counter'));
  const elasticIndexed = spec.completionMode === 'Indexed' && spec.completions === spec.parallelism;
  if (!elasticIndexed && (status.succeeded ?? 0) < (oldStatus.succeeded ?? 0)) {
    out.push(field.invalid('status.succeeded', status.succeeded ?? 0, 'cannot decrease the succeeded counter'));
  }
  if (status.completionTime && oldStatus.completionTime && status.completionTime !== oldStatus.completionTime) {
    out.push(field.invalid('status.completionTime', status.completionTime, 'completionTime cannot be mutated'));
  }
  return out;
}

export const jobs = define({
  ...batch,
  kind: 'Job',
  plural: 'jobs',
  namespaced: true,
  categories: ['all'],
  subresources: [statusSubresource],
  strategy: {
    table: jobColumns,
    tracksGeneration: true,
    // batch/v1 Jobs orphan their pods unless told otherwise, for backwards compatibility.
    garbageCollection: 'OrphanDependents',
    fieldSelectors: ownFieldSelectors({ 'status.successful': (o) => String(o.status?.succeeded ?? 0) }, true, (label) => `field label ${JSON.stringify(label)} not supported for Job`),
    defaults: defaultJob,
    prepareForCreate(job) {
      if ((job.spec as Json).manualSelector !== true) generateSelector(job);
      job.status = {};
      labelsFromTemplate(job);
    },
    validate: validateJob,
    validateUpdate: validateJobUpdate,
    warningsOnCreate: nameWarnings,
    subresourceValidation: { status: validateJobStatusUpdate },
  },
});

/** SetDefaults_CronJob, and the pod template defaults inside its job template. */
function defaultCronJob(cronJob: KubeObject): void {
  const spec = (cronJob.spec ??= {}) as Json;
  spec.concurrencyPolicy ||= 'Allow';
  if (!isSet(spec.suspend)) spec.suspend = false;
  if (!isSet(spec.successfulJobsHistoryLimit)) spec.successfulJobsHistoryLimit = 3;
  if (!isSet(spec.failedJobsHistoryLimit)) spec.failedJobsHistoryLimit = 1;
  const jobTemplate = (spec.jobTemplate ??= {}) as Json;
  jobTemplate.metadata ??= {};
  jobTemplate.metadata.creationTimestamp ??= null;
  jobTemplate.spec ??= {};
  jobTemplate.spec.template ??= {};
  defaultPodTemplate(jobTemplate.spec.template);
}

const concurrencyPolicies = ['Allow', 'Forbid', 'Replace'];
const timeZonePart = /^[A-Za-z.\-_0-9+]{1,14}$/;

function validateTimeZone(zone: unknown): FieldError[] {
  if (!isSet(zone)) return [];
  const path = 'spec.timeZone';
  const text = String(zone);
  if (text === '') return [field.invalid(path, '', 'timeZone must be nil or non-empty string')];
  for (const part of text.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !timeZonePart.test(part)) return [field.invalid(path, text, `unknown time zone ${text}`)];
  }
  const out: FieldError[] = [];
  if (text.toLowerCase() === 'local') out.push(field.invalid(path, text, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  const error = text === 'Local' ? undefined : timeZoneError(text);
  if (error) out.push(field.invalid(path, text, error));
  return out;
}

/** validateCronJobSpec; `old` is the stored spec on an update. */
function validateCronJobSpec(spec: Json, old?: Json): FieldError[] {
  const out: FieldError[] = [];
  const schedule = typeof spec.schedule === 'string' ? spec.schedule : '';
  if (!schedule) out.push(field.required('spec.schedule'));
  else {
    const error = cronScheduleError(schedule);
    if (error) out.push(field.invalid('spec.schedule', schedule, error));
    const allowTZ = String(old?.schedule ?? '').includes('TZ');
    if (allowTZ && schedule.includes('TZ') && isSet(spec.timeZone)) {
      out.push(field.invalid('spec.schedule', schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
    } else if (!allowTZ && schedule.includes('TZ')) {
      out.push(field.invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
    }
  }
  out.push(...nonNegative(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  if (!old || !jsonEqual(old.timeZone ?? null, spec.timeZone ?? null)) out.push(...validateTimeZone(spec.timeZone));
  if (!spec.concurrencyPolicy) out.push(field.required('spec.concurrencyPolicy'));
  else if (!concurrencyPolicies.includes(spec.concurrencyPolicy)) out.push(field.notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy, concurrencyPolicies));
  const jobSpec = (spec.jobTemplate?.spec ?? {}) as Json;
  out.push(...validateJobSpecFields(jobSpec, 'spec.jobTemplate.spec'));
  if (isSet(jobSpec.selector)) out.push(field.invalid('spec.jobTemplate.spec.selector', goLabelSelector(jobSpec.selector), '`selector` will be auto-generated'));
  if (jobSpec.manualSelector === true) out.push(field.notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  out.push(...nonNegative(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'));
  out.push(...nonNegative(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'));
  return out;
}

export const cronjobs = define({
  ...batch,
  kind: 'CronJob',
  plural: 'cronjobs',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  subresources: [statusSubresource],
  strategy: {
    table: cronJobColumns,
    tracksGeneration: true,
    defaults: defaultCronJob,
    prepareForCreate(cronJob) {
      cronJob.status = {};
    },
    prepareForUpdate: keepStatus,
    warningsOnCreate: nameWarnings,
    validateCreate(cronJob) {
      const out = validateCronJobSpec((cronJob.spec ?? {}) as Json);
      const name = cronJob.metadata.name ?? '';
      if (name.length > 52) out.push(field.invalid('metadata.name', name, 'must be no more than 52 characters'));
      return out;
    },
    validateUpdate: (cronJob, old) => validateCronJobSpec((cronJob.spec ?? {}) as Json, (old.spec ?? {}) as Json),
  },
});

export const batchResources: ResourceDefinition[] = [cronjobs, jobs];
