// DefaultIngressClass (plugin/pkg/admission/network/defaultingressclass): an Ingress created without
// a class, by field or by the old annotation, gets the default IngressClass; with several defaults
// the newest wins, ties going to the first name.

import type { KubeObject } from '../../store/types.js';
import { defaultIngressClassAnnotation, ingressClassAnnotation } from '../../registry/resources/networking.js';
import type { AdmissionContext, AdmissionPlugin } from '../types.js';

type Json = Record<string, any>;

function defaultClass(cluster: AdmissionContext): KubeObject | undefined {
  const defaults = cluster.list('networking.k8s.io/ingressclasses').filter((c) => c.metadata.annotations?.[defaultIngressClassAnnotation] === 'true');
  const created = (c: KubeObject) => Date.parse(c.metadata.creationTimestamp ?? '') || 0;
  defaults.sort((a, b) => created(b) - created(a) || ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  return defaults[0];
}

export const defaultIngressClass: AdmissionPlugin = {
  name: 'DefaultIngressClass',
  operations: ['CREATE'],
  resources: ['networking.k8s.io/ingresses'],
  admit(request, cluster) {
    const ingress = request.object;
    if (!ingress) return;
    const spec = (ingress.spec ??= {}) as Json;
    if (spec.ingressClassName !== undefined && spec.ingressClassName !== null) return;
    if (ingress.metadata.annotations?.[ingressClassAnnotation] !== undefined) return;
    const chosen = defaultClass(cluster);
    if (chosen) spec.ingressClassName = chosen.metadata.name;
  },
};
