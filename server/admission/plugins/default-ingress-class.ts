// DefaultIngressClass (plugin/pkg/admission/network/defaultingressclass): an Ingress created without
// a class, by field or by the old annotation, gets the default IngressClass; with several defaults
// the newest wins, ties going to the first name.

import { ingressClassAnnotation, isDefaultIngressClass } from '../../registry/resources/networking.js';
import { newestDefault } from '../default-class.js';
import type { AdmissionPlugin } from '../types.js';

type Json = Record<string, any>;

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
    const chosen = newestDefault(cluster.list('networking.k8s.io/ingressclasses').filter(isDefaultIngressClass));
    if (chosen) spec.ingressClassName = chosen.metadata.name;
  },
};
