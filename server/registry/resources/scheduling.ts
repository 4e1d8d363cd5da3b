// scheduling.k8s.io/v1 PriorityClasses (pkg/registry/scheduling/priorityclass,
// pkg/apis/scheduling/validation) and the two system classes every cluster has.

import { errors, field, type FieldError } from '../../errors.js';
import type { KubeObject } from '../../store/types.js';
import type { ResourceDefinition, TableColumn } from '../types.js';
import { define } from './common.js';
import { ageColumn, column } from './printers.js';

const highestUserDefinablePriority = 1_000_000_000;
const systemCriticalPriority = 2 * highestUserDefinablePriority;
const systemPrefix = 'system-';

/** What kube-apiserver creates on start (pkg/apis/scheduling/v1 SystemPriorityClasses). */
export const systemPriorityClasses: ReadonlyArray<{ metadata: { name: string }; value: number; description: string }> = [
  { metadata: { name: 'system-node-critical' }, value: systemCriticalPriority + 1000, description: 'Used for system critical pods that must not be moved from their current node.' },
  {
    metadata: { name: 'system-cluster-critical' },
    value: systemCriticalPriority,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];

/** IsKnownSystemPriorityClass: why a `system-` class is not one of them, if it is not. */
function systemClassMismatch(pc: KubeObject): string | undefined {
  const known = systemPriorityClasses.find((c) => c.metadata.name === pc.metadata.name);
  if (!known) return `${pc.metadata.name} is not a known system priority class`;
  if (pc.value !== known.value) return `value of ${known.metadata.name} PriorityClass must be ${known.value}`;
  if ((pc.globalDefault ?? false) !== false) return `globalDefault of ${known.metadata.name} PriorityClass must be false`;
  return undefined;
}

const preemptionPolicies = ['PreemptLowerPriority', 'Never'];

function validatePriorityClass(pc: KubeObject): FieldError[] {
  const out: FieldError[] = [];
  const name = pc.metadata.name ?? '';
  const value = typeof pc.value === 'number' ? pc.value : 0;
  if (name.startsWith(systemPrefix)) {
    const mismatch = systemClassMismatch(pc);
    if (mismatch) out.push(field.forbidden('metadata.name', `priority class names with '${systemPrefix}' prefix are reserved for system use only. error: ${mismatch}`));
  } else if (value > highestUserDefinablePriority) {
    out.push(field.forbidden('value', `maximum allowed value of a user defined priority is ${highestUserDefinablePriority}`));
  }
  const policy = pc.preemptionPolicy;
  if (policy !== undefined && policy !== null) {
    if (policy === '') out.push(field.required('preemptionPolicy'));
    else if (!preemptionPolicies.includes(policy as string)) out.push(field.notSupported('preemptionPolicy', policy, preemptionPolicies));
  }
  return out;
}

const priorityClassColumns: TableColumn[] = [
  column(
    'Value',
    'integer',
    'value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.',
    (o) => (o.value as number | undefined) ?? 0,
  ),
  column(
    'Global-Default',
    'boolean',
    'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.',
    (o) => o.globalDefault === true,
  ),
  ageColumn,
  column(
    'PreemptionPolicy',
    'string',
    'preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.',
    (o) => (o.preemptionPolicy as string | undefined) ?? '',
  ),
];

export const priorityclasses = define({
  group: 'scheduling.k8s.io',
  version: 'v1',
  kind: 'PriorityClass',
  plural: 'priorityclasses',
  namespaced: false,
  shortNames: ['pc'],
  strategy: {
    table: priorityClassColumns,
    tracksGeneration: true,
    generationChanged: () => false,
    defaults(pc) {
      if (pc.preemptionPolicy === undefined || pc.preemptionPolicy === null) pc.preemptionPolicy = 'PreemptLowerPriority';
    },
    validateCreate: validatePriorityClass,
    validateUpdate(pc, old) {
      const out: FieldError[] = [];
      if (pc.value !== old.value) out.push(field.forbidden('value', 'may not be changed in an update.'));
      if (pc.preemptionPolicy !== old.preemptionPolicy) out.push(field.invalid('preemptionPolicy', pc.preemptionPolicy ?? null, 'field is immutable'));
      return out;
    },
    refuseDelete(name) {
      if (!systemPriorityClasses.some((c) => c.metadata.name === name)) return undefined;
      return errors.forbidden({ group: 'scheduling.k8s.io', resource: 'priorityclasses' }, name, 'this is a system priority class and cannot be deleted');
    },
  },
});

export const schedulingResources: ResourceDefinition[] = [priorityclasses];
