// RuntimeClass (plugin/pkg/admission/runtimeclass): a pod created with a runtimeClassName gets the
// class's pod overhead and scheduling constraints (node selector, tolerations merged without the
// redundant ones); a class that does not exist, or an overhead or node selector that disagrees
// with the class, is refused.

import { jsonEqual } from '../../json.js';
import type { KubeObject } from '../../store/types.js';
import { admissionForbidden, type AdmissionPlugin, type AdmissionRequest } from '../types.js';
import type { AdmissionContext } from '../types.js';

type Json = Record<string, any>;

function runtimeClassOf(request: AdmissionRequest, cluster: AdmissionContext): { pod: Json; runtimeClass?: KubeObject } | undefined {
  const spec = request.object?.spec as Json | undefined;
  if (!spec || typeof spec !== 'object') return undefined;
  const name = spec.runtimeClassName;
  if (name === undefined || name === null) return { pod: spec };
  const runtimeClass = cluster.lookup('node.k8s.io/runtimeclasses', '', String(name));
  if (!runtimeClass) throw admissionForbidden(request, `pod rejected: RuntimeClass ${JSON.stringify(name)} not found`);
  return { pod: spec, runtimeClass };
}

/** Whether toleration `wide` makes `narrow` redundant (tolerations.isSuperset). */
function covers(wide: Json, narrow: Json): boolean {
  if (jsonEqual(wide, narrow)) return true;
  if ((narrow.key ?? '') !== (wide.key ?? '') && ((wide.key ?? '') !== '' || wide.operator !== 'Exists')) return false;
  if ((narrow.effect ?? '') !== (wide.effect ?? '') && (wide.effect ?? '') !== '') return false;
  if (wide.effect === 'NoExecute' && wide.tolerationSeconds !== undefined && wide.tolerationSeconds !== null) {
    if (narrow.tolerationSeconds === undefined || narrow.tolerationSeconds === null || narrow.tolerationSeconds > wide.tolerationSeconds) return false;
  }
  if (wide.operator === 'Exists') return true;
  if (wide.operator === 'Equal' || !wide.operator) return narrow.operator === 'Equal' && (narrow.value ?? '') === (wide.value ?? '');
  return false;
}

/** tolerations.MergeTolerations: both lists, less what another toleration already covers. */
function mergeTolerations(first: Json[], second: Json[]): Json[] {
  const all = [...first, ...second];
  const merged: Json[] = [];
  all.forEach((t, i) => {
    if (merged.some((kept) => covers(kept, t))) return;
    if (all.slice(i + 1).some((later) => !jsonEqual(t, later) && covers(later, t))) return;
    merged.push(t);
  });
  return merged;
}

const sameOverhead = (a: unknown, b: unknown) => jsonEqual(a ?? null, b ?? null);

export const runtimeClass: AdmissionPlugin = {
  name: 'RuntimeClass',
  operations: ['CREATE'],
  resources: ['pods'],
  admit(request, cluster) {
    const found = runtimeClassOf(request, cluster);
    const rc = found?.runtimeClass;
    if (!found || !rc) return;
    const pod = found.pod;
    const podFixed = (rc.overhead as Json | undefined)?.podFixed;
    if (rc.overhead) {
      if (pod.overhead && Object.keys(pod.overhead).length > 0 && !sameOverhead(pod.overhead, podFixed)) {
        throw admissionForbidden(request, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
      }
      if (podFixed === undefined || podFixed === null) delete pod.overhead;
      else pod.overhead = structuredClone(podFixed);
    }
    const scheduling = rc.scheduling as Json | undefined;
    if (!scheduling) return;
    const wanted: Record<string, string> = scheduling.nodeSelector ?? {};
    if (!pod.nodeSelector) {
      if (scheduling.nodeSelector) pod.nodeSelector = { ...wanted };
    } else {
      for (const [key, value] of Object.entries(wanted)) {
        if (key in pod.nodeSelector && pod.nodeSelector[key] !== value) {
          throw admissionForbidden(request, `conflict: runtimeClass.scheduling.nodeSelector[${key}] = ${value}; pod.spec.nodeSelector[${key}] = ${pod.nodeSelector[key]}`);
        }
        pod.nodeSelector[key] = value;
      }
    }
    const merged = mergeTolerations(pod.tolerations ?? [], scheduling.tolerations ?? []);
    if (merged.length > 0 || pod.tolerations) pod.tolerations = merged;
  },
  validate(request, cluster) {
    const found = runtimeClassOf(request, cluster);
    if (!found) return;
    const rc = found.runtimeClass;
    if (rc?.overhead) {
      if (!sameOverhead((rc.overhead as Json).podFixed, found.pod.overhead)) throw admissionForbidden(request, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
    } else if (found.pod.overhead !== undefined && found.pod.overhead !== null) {
      throw admissionForbidden(request, 'pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
    }
  },
};
