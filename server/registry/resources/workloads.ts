// apps/v1 resources and their strategies (pkg/registry/apps/*/strategy.go, pkg/apis/apps/v1/defaults.go).

import { field, type FieldError, GoLiteral } from '../../errors.js';
import { labelSelectorFromObject } from '../../selectors/labels.js';
import type { KubeObject } from '../../store/types.js';
import type { ResourceDefinition } from '../types.js';
import { validateLabels } from '../validation.js';
import { define, ownFieldSelectors, scaleSubresource, statusSubresource } from './common.js';
import { defaultPodSpec, podSpecWarnings, validatePodSpec } from './pod-spec.js';
import { jsonEqual } from '../../json.js';
import { controllerRevisionColumns, daemonSetColumns, deploymentColumns, replicaSetColumns, statefulSetColumns } from './printers.js';

type Json = Record<string, any>;

const apps = { group: 'apps', version: 'v1' };

export function validateWorkloadReplicas(spec: Json): FieldError[] {
  const replicas = spec.replicas;
  if (replicas !== undefined && (typeof replicas !== 'number' || replicas < 0)) {
    return [field.invalid('spec.replicas', replicas, 'must be greater than or equal to 0')];
  }
  return [];
}

/** The apps/v1 template is a struct, not a pointer: a missing one is the empty template, defaulted as any other. */
function defaultTemplate(spec: Json): void {
  spec.template ??= {};
  const template = spec.template;
  if (typeof template !== 'object') return;
  template.metadata ??= {};
  template.metadata.creationTimestamp ??= null;
  template.spec ??= {};
  defaultPodSpec(template.spec);
}

/** Selector and template checks every apps/v1 workload shares (ValidateDeploymentSpec and its siblings). */
function validateSelectorAndTemplate(spec: Json, restartPolicies = ['Always']): FieldError[] {
  const out: FieldError[] = [];
  const selector = spec.selector;
  const hasSelector = selector && (Object.keys(selector.matchLabels ?? {}).length > 0 || (selector.matchExpressions ?? []).length > 0);
  if (!hasSelector) {
    out.push(field.required('spec.selector'));
    if (selector) out.push(field.invalid('spec.selector', selector, 'empty selector is invalid for deployment'));
  } else {
    out.push(...validateLabels(selector.matchLabels, 'spec.selector.matchLabels'));
  }
  const template = spec.template ?? {};
  const labels = template.metadata?.labels;
  out.push(...validateLabels(labels, 'spec.template.metadata.labels'));
  if (hasSelector && !labelSelectorFromObject(selector)(labels)) {
    out.push(field.invalid('spec.template.metadata.labels', labels ?? new GoLiteral('map[string]string(nil)'), '`selector` does not match template `labels`'));
  }
  out.push(...validatePodSpec(template.spec, 'spec.template.spec'));
  const policy = template.spec?.restartPolicy;
  if (policy && !restartPolicies.includes(policy)) out.push(field.notSupported('spec.template.spec.restartPolicy', policy, restartPolicies));
  return out;
}

function immutableSelector(object: KubeObject, old: KubeObject): FieldError[] {
  const selector = (object.spec as Json | undefined)?.selector;
  const oldSelector = (old.spec as Json | undefined)?.selector;
  if (!jsonEqual(selector, oldSelector)) return [field.invalid('spec.selector', selector ?? null, 'field is immutable')];
  return [];
}

function validateWorkload(object: KubeObject): FieldError[] {
  const spec = (object.spec ?? {}) as Json;
  return [...validateWorkloadReplicas(spec), ...validateSelectorAndTemplate(spec)];
}

const templateWarnings = (object: KubeObject) => podSpecWarnings((object.spec as Json | undefined)?.template?.spec, 'spec.template.spec');

const specChanged = (object: KubeObject, old: KubeObject) => !jsonEqual(object.spec, old.spec);

export const deployments = define({
  ...apps,
  kind: 'Deployment',
  plural: 'deployments',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  subresources: [scaleSubresource, statusSubresource],
  strategy: {
    table: deploymentColumns,
    tracksGeneration: true,
    defaults(deployment) {
      const spec = (deployment.spec ??= {}) as Json;
      spec.replicas ??= 1;
      spec.strategy ??= {};
      spec.strategy.type ||= 'RollingUpdate';
      if (spec.strategy.type === 'RollingUpdate') {
        spec.strategy.rollingUpdate ??= {};
        spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
        spec.strategy.rollingUpdate.maxSurge ??= '25%';
      }
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      defaultTemplate(spec);
    },
    prepareForCreate(deployment) {
      deployment.status = {};
    },
    validate: validateWorkload,
    warningsOnCreate: templateWarnings,
    warningsOnUpdate: templateWarnings,
    validateUpdate: immutableSelector,
    generationChanged: (object, old) =>
      specChanged(object, old) || !jsonEqual(object.metadata.annotations ?? {}, old.metadata.annotations ?? {}),
  },
});

export const replicasets = define({
  ...apps,
  kind: 'ReplicaSet',
  plural: 'replicasets',
  namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  subresources: [scaleSubresource, statusSubresource],
  strategy: {
    table: replicaSetColumns,
    tracksGeneration: true,
    fieldSelectors: ownFieldSelectors({ 'status.replicas': (o) => String(o.status?.replicas ?? 0) }),
    defaults(rs) {
      const spec = (rs.spec ??= {}) as Json;
      spec.replicas ??= 1;
      defaultTemplate(spec);
    },
    prepareForCreate(rs) {
      rs.status = { replicas: 0 };
    },
    validate: validateWorkload,
    warningsOnCreate: templateWarnings,
    warningsOnUpdate: templateWarnings,
    validateUpdate: immutableSelector,
  },
});

export const statefulsets = define({
  ...apps,
  kind: 'StatefulSet',
  plural: 'statefulsets',
  namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  subresources: [scaleSubresource, statusSubresource],
  strategy: {
    table: statefulSetColumns,
    tracksGeneration: true,
    defaults(sts) {
      const spec = (sts.spec ??= {}) as Json;
      spec.replicas ??= 1;
      spec.podManagementPolicy ||= 'OrderedReady';
      spec.updateStrategy ??= {};
      spec.updateStrategy.type ||= 'RollingUpdate';
      if (spec.updateStrategy.type === 'RollingUpdate') {
        spec.updateStrategy.rollingUpdate ??= {};
        spec.updateStrategy.rollingUpdate.partition ??= 0;
      }
      spec.revisionHistoryLimit ??= 10;
      spec.persistentVolumeClaimRetentionPolicy ??= {};
      spec.persistentVolumeClaimRetentionPolicy.whenDeleted ||= 'Retain';
      spec.persistentVolumeClaimRetentionPolicy.whenScaled ||= 'Retain';
      defaultTemplate(spec);
    },
    prepareForCreate(sts) {
      sts.status = { replicas: 0, availableReplicas: 0 };
    },
    validate: validateWorkload,
    warningsOnCreate: templateWarnings,
    warningsOnUpdate: templateWarnings,
    validateUpdate: immutableSelector,
  },
});

const templateGenerationAnnotation = 'deprecated.daemonset.template.generation';

/** A DaemonSet's spec.templateGeneration, which apps/v1 shows as an annotation. */
function templateGeneration(ds: KubeObject): number {
  const value = ds.metadata.annotations?.[templateGenerationAnnotation];
  return value !== undefined && /^-?\d+$/.test(value) ? Number(value) : 0;
}

function setTemplateGeneration(ds: KubeObject, generation: number): void {
  ds.metadata.annotations = { ...ds.metadata.annotations, [templateGenerationAnnotation]: String(generation) };
}

export const daemonsets = define({
  ...apps,
  kind: 'DaemonSet',
  plural: 'daemonsets',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  subresources: [statusSubresource],
  strategy: {
    table: daemonSetColumns,
    tracksGeneration: true,
    defaults(ds) {
      const spec = (ds.spec ??= {}) as Json;
      spec.updateStrategy ??= {};
      spec.updateStrategy.type ||= 'RollingUpdate';
      if (spec.updateStrategy.type === 'RollingUpdate') {
        spec.updateStrategy.rollingUpdate ??= {};
        spec.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
        spec.updateStrategy.rollingUpdate.maxSurge ??= 0;
      }
      spec.revisionHistoryLimit ??= 10;
      defaultTemplate(spec);
    },
    prepareForCreate(ds) {
      ds.status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
      setTemplateGeneration(ds, Math.max(1, templateGeneration(ds)));
    },
    prepareForUpdate(ds, old) {
      // Clients cannot set the template generation; a changed template moves it on.
      const templateChanged = !jsonEqual((ds.spec as Json | undefined)?.template, (old.spec as Json | undefined)?.template);
      setTemplateGeneration(ds, templateGeneration(old) + (templateChanged ? 1 : 0));
    },
    validate: (ds) => validateSelectorAndTemplate((ds.spec ?? {}) as Json),
    warningsOnCreate: templateWarnings,
    warningsOnUpdate: templateWarnings,
    validateUpdate: immutableSelector,
  },
});

export const controllerrevisions = define({
  ...apps,
  kind: 'ControllerRevision',
  plural: 'controllerrevisions',
  namespaced: true,
  strategy: {
    table: controllerRevisionColumns,
    validate(revision) {
      if (typeof revision.revision !== 'number' || revision.revision < 0) {
        return [field.invalid('revision', revision.revision ?? 0, 'must be greater than or equal to 0')];
      }
      return [];
    },
    validateUpdate(revision, old) {
      if (!jsonEqual(revision.data, old.data)) return [field.forbidden('data', 'field is immutable')];
      return [];
    },
  },
});

export const appsResources: ResourceDefinition[] = [controllerrevisions, daemonsets, deployments, replicasets, statefulsets];
