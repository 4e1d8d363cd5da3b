// Priority admission (plugin/pkg/admission/priority): a created pod gets the integer priority and
// preemption policy of its PriorityClass (or of the global default class, else 0 and
// PreemptLowerPriority); an update keeps them; only one PriorityClass may be the global default.

import type { KubeObject } from '../../store/types.js';
import { admissionForbidden, type AdmissionContext, type AdmissionPlugin } from '../types.js';

type Json = Record<string, any>;

const priorityClasses = 'scheduling.k8s.io/priorityclasses';

/** The global default class with the lowest value, as kube-apiserver picks it. */
function defaultClass(cluster: AdmissionContext): KubeObject | undefined {
  let chosen: KubeObject | undefined;
  for (const pc of cluster.list(priorityClasses)) {
    if (pc.globalDefault === true && (!chosen || (chosen.value as number) > (pc.value as number))) chosen = pc;
  }
  return chosen;
}

export const priority: AdmissionPlugin = {
  name: 'Priority',
  operations: ['CREATE', 'UPDATE'],
  resources: ['pods', priorityClasses],
  admit(request, cluster) {
    if (request.resource !== 'pods') return;
    const spec = request.object?.spec as Json | undefined;
    if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return;
    if (request.operation === 'UPDATE') {
      const old = (request.oldObject?.spec ?? {}) as Json;
      if (spec.priority === undefined && old.priority !== undefined) spec.priority = old.priority;
      if (spec.preemptionPolicy === undefined && old.preemptionPolicy !== undefined) spec.preemptionPolicy = old.preemptionPolicy;
      return;
    }
    let value = 0;
    let policy: string | undefined = 'PreemptLowerPriority';
    if (!spec.priorityClassName) {
      const fallback = defaultClass(cluster);
      if (fallback) {
        spec.priorityClassName = fallback.metadata.name;
        value = fallback.value as number;
        policy = fallback.preemptionPolicy as string | undefined;
      }
    } else {
      const pc = cluster.lookup(priorityClasses, '', spec.priorityClassName);
      if (!pc) throw admissionForbidden(request, `no PriorityClass with name ${spec.priorityClassName} was found`);
      value = pc.value as number;
      policy = pc.preemptionPolicy as string | undefined;
    }
    if (spec.priority !== undefined && spec.priority !== null && spec.priority !== value) {
      throw admissionForbidden(request, `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`);
    }
    spec.priority = value;
    if (policy !== undefined) {
      if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== null && spec.preemptionPolicy !== policy) {
        throw admissionForbidden(request, `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
      }
      spec.preemptionPolicy = policy;
    }
  },
  validate(request, cluster) {
    if (request.resource !== priorityClasses || request.object?.globalDefault !== true) return;
    const current = defaultClass(cluster);
    if (current && (request.operation === 'CREATE' || current.metadata.name !== request.object.metadata.name)) {
      throw admissionForbidden(request, `PriorityClass ${current.metadata.name} is already marked as default. Only one default can exist`);
    }
  },
};
