// Load balancers as a cluster with a cloud provider has them. The cloud service controller
// (k8s.io/cloud-provider controllers/service): a Service of type LoadBalancer without a
// loadBalancerClass gets the cleanup finalizer, an address from 172.18.255.0/24 (its
// spec.loadBalancerIP when free) in status.loadBalancer.ingress, and the EnsuringLoadBalancer /
// EnsuredLoadBalancer events; a Service that stops wanting one, or is deleted, gives the address
// back and loses the finalizer.
//
// An ingress controller serving the default IngressClass, as ingress-nginx publishes the address of
// its own load balancer: an Ingress naming that class (by spec.ingressClassName, which the
// DefaultIngressClass admission plugin fills in, or by the old annotation) gets that address in
// status.loadBalancer.ingress; one that leaves the class loses the address again. An Ingress naming
// no class is left alone, as ingress-nginx leaves it without --watch-ingress-without-class.

import { newestDefault } from '../admission/default-class.js';
import { jsonEqual } from '../json.js';
import { ingressClassAnnotation, isDefaultIngressClass } from '../registry/resources/networking.js';
import type { StoredObject } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import { controllerManagerIdentity, kubeSystemServiceAccountIdentity, type ControllerDescriptor } from './controller.js';
import { EventRecorder, referenceTo } from './events.js';

type Json = Record<string, any>;

const cleanupFinalizer = 'service.kubernetes.io/load-balancer-cleanup';
const poolPrefix = '172.18.255.';
/** .1 to .254 of the pool. */
const poolSize = 254;

const specOf = (o: KubeObject): Json => (o.spec ?? {}) as Json;
const wantsLoadBalancer = (o: KubeObject) => specOf(o).type === 'LoadBalancer' && specOf(o).loadBalancerClass === undefined;
const hasFinalizer = (o: KubeObject) => (o.metadata.finalizers ?? []).includes(cleanupFinalizer);
const ingressOf = (o: KubeObject): Json[] => ((o.status as Json | undefined)?.loadBalancer?.ingress ?? []) as Json[];

export const serviceLoadBalancerController: ControllerDescriptor = {
  name: 'service-lb-controller',
  aliases: ['service'],
  create(env) {
    const { store, clock } = env.services;
    const client = env.client(controllerManagerIdentity('service-controller'));
    const recorder = new EventRecorder(client, { component: 'service-controller' }, clock);
    /** Pool addresses by the Service key holding them. */
    const assigned = new Map<string, string>();
    for (const service of store.list('services')) {
      const ip = ingressOf(service.object).find((i) => typeof i.ip === 'string' && i.ip.startsWith(poolPrefix))?.ip;
      if (ip && hasFinalizer(service.object)) assigned.set(service.key, ip);
    }

    const addressFor = (service: StoredObject): string | undefined => {
      const held = assigned.get(service.key);
      if (held) return held;
      const taken = new Set(assigned.values());
      const asked: unknown = specOf(service.object).loadBalancerIP;
      const candidates = typeof asked === 'string' && asked ? [asked] : Array.from({ length: poolSize }, (_, i) => `${poolPrefix}${i + 1}`);
      const ip = candidates.find((c) => !taken.has(c));
      if (ip) assigned.set(service.key, ip);
      return ip;
    };

    const release = (service: StoredObject) => {
      assigned.delete(service.key);
      recorder.event(referenceTo(service), 'Normal', 'DeletingLoadBalancer', 'Deleting load balancer');
      if (hasFinalizer(service.object)) {
        client.update(service, (s) => {
          s.metadata.finalizers = (s.metadata.finalizers ?? []).filter((f) => f !== cleanupFinalizer);
          if (!s.metadata.finalizers.length) delete s.metadata.finalizers;
        });
      }
      recorder.event(referenceTo(service), 'Normal', 'DeletedLoadBalancer', 'Deleted load balancer');
      const current = client.get('services', service.namespace, service.name);
      if (current && ingressOf(current.object).length) client.updateStatus(current, (s) => ((s.status as Json).loadBalancer = {}));
    };

    return {
      for: 'services',
      reconcile(key) {
        const [namespace, name] = key.split('/');
        const service = client.get('services', namespace, name);
        if (!service) {
          assigned.delete(key);
          return undefined;
        }
        const object = service.object;
        if (!wantsLoadBalancer(object) || object.metadata.deletionTimestamp) {
          if (hasFinalizer(object)) release(service);
          else assigned.delete(key);
          return undefined;
        }
        const ip = addressFor(service);
        const ingress = ip ? [{ ip, ipMode: 'VIP' }] : [];
        if (hasFinalizer(object) && jsonEqual(ingressOf(object), ingress)) return undefined;
        recorder.event(referenceTo(service), 'Normal', 'EnsuringLoadBalancer', 'Ensuring load balancer');
        if (!hasFinalizer(object)) client.update(service, (s) => (s.metadata.finalizers = [...(s.metadata.finalizers ?? []), cleanupFinalizer]));
        if (!ip) {
          recorder.event(referenceTo(service), 'Warning', 'SyncLoadBalancerFailed', 'Error syncing load balancer: failed to ensure load balancer: no free address in 172.18.255.0/24');
          return undefined;
        }
        recorder.event(referenceTo(service), 'Normal', 'EnsuredLoadBalancer', 'Ensured load balancer');
        const current = client.get('services', namespace, name);
        if (current) client.updateStatus(current, (s) => (((s.status ??= {}) as Json).loadBalancer = { ingress }));
        return undefined;
      },
    };
  },
};

/** The ingress controller's own load balancer: outside the Service pool, so the two never meet. */
export const ingressAddress = '172.18.254.1';

const ingressControllerIdentity = kubeSystemServiceAccountIdentity('ingress-controller', 'ingress-controller');

export const ingressAddressController: ControllerDescriptor = {
  name: 'ingress-address-controller',
  aliases: ['ingress'],
  create(env) {
    const client = env.client(ingressControllerIdentity);
    const everyIngress = () => client.list('networking.k8s.io/ingresses').map((i) => i.key);
    const defaultClassName = () =>
      newestDefault(client.list('networking.k8s.io/ingressclasses').map((c) => c.object).filter(isDefaultIngressClass))?.metadata.name;
    const served = (ingress: KubeObject, defaultClass: string | undefined): boolean => {
      if (!defaultClass || ingress.metadata.deletionTimestamp) return false;
      return (specOf(ingress).ingressClassName ?? ingress.metadata.annotations?.[ingressClassAnnotation]) === defaultClass;
    };
    const published = [{ ip: ingressAddress }];

    return {
      for: 'networking.k8s.io/ingresses',
      // Which class is the default decides for every Ingress.
      watches: [{ resource: 'networking.k8s.io/ingressclasses', map: everyIngress }],
      reconcile(key) {
        const [namespace, name] = key.split('/');
        const ingress = client.get('networking.k8s.io/ingresses', namespace, name);
        if (!ingress) return undefined;
        const held = ingressOf(ingress.object);
        if (served(ingress.object, defaultClassName())) {
          if (!jsonEqual(held, published)) client.updateStatus(ingress, (i) => (((i.status ??= {}) as Json).loadBalancer = { ingress: published }));
        } else if (jsonEqual(held, published)) {
          // Only the address this controller wrote is taken back: another controller's stays.
          client.updateStatus(ingress, (i) => ((i.status as Json).loadBalancer = {}));
        }
        return undefined;
      },
    };
  },
};
