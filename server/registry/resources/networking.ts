// networking.k8s.io/v1: Ingresses, IngressClasses and NetworkPolicies (pkg/registry/networking,
// pkg/apis/networking/v1/defaults.go, pkg/apis/networking/validation).

import { field, type FieldError, GoLiteral } from '../../errors.js';
import { jsonEqual } from '../../json.js';
import type { KubeObject } from '../../store/types.js';
import type { ResourceDefinition } from '../types.js';
import {
  cidrContains,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isPathSegmentName,
  isValidPortName,
  isValidPortNumber,
  isWildcardDNS1123Subdomain,
  parseCIDR,
  parseIP,
  validateDomainPrefixedPath,
  validateLabelSelector,
} from '../validation.js';
import { define, statusSubresource } from './common.js';
import { ingressClassColumns, ingressColumns, networkPolicyColumns } from './networking-printers.js';

type Json = Record<string, any>;

const networking = { group: 'networking.k8s.io', version: 'v1' };

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** The annotation that named an Ingress's class before spec.ingressClassName existed. */
export const ingressClassAnnotation = 'kubernetes.io/ingress.class';
/** The annotation that makes an IngressClass the default for Ingresses that name none. */
const defaultIngressClassAnnotation = 'ingressclass.kubernetes.io/is-default-class';

/** Whether an IngressClass is marked as the default one. */
export function isDefaultIngressClass(o: KubeObject): boolean {
  return o.metadata.annotations?.[defaultIngressClassAnnotation] === 'true';
}

const specChanged = (object: KubeObject, old: KubeObject) => !jsonEqual(object.spec, old.spec);

// ---------- Ingress ----------

const pathTypes = ['Exact', 'ImplementationSpecific', 'Prefix'];
const invalidPathSequences = ['//', '/./', '/../', '%2f', '%2F'];
const invalidPathSuffixes = ['/..', '/.'];

function validateTypedReference(ref: Json, path: string): FieldError[] {
  const out: FieldError[] = [];
  if (isSet(ref.apiGroup)) out.push(...isDNS1123Subdomain(String(ref.apiGroup)).map((p) => field.invalid(`${path}.apiGroup`, ref.apiGroup, p)));
  for (const key of ['kind', 'name']) {
    if (!ref[key]) out.push(field.required(`${path}.${key}`, `${key} is required`));
    else out.push(...isPathSegmentName(String(ref[key])).map((p) => field.invalid(`${path}.${key}`, ref[key], p)));
  }
  return out;
}

function validateBackend(backend: Json | undefined, path: string): FieldError[] {
  const resource = backend?.resource;
  const service = backend?.service;
  if (isSet(resource) && isSet(service)) return [field.invalid(path, '', 'cannot set both resource and service backends')];
  if (isSet(resource)) return validateTypedReference(resource, `${path}.resource`);
  if (!isSet(service)) return [field.invalid(path, '', 'resource or service backend is required')];
  const out: FieldError[] = [];
  if (!service.name) out.push(field.required(`${path}.service.name`));
  else out.push(...isDNS1035Label(String(service.name)).map((p) => field.invalid(`${path}.service.name`, service.name, p)));
  const portName = service.port?.name ?? '';
  const portNumber = service.port?.number ?? 0;
  if (portName && portNumber) out.push(field.invalid(path, '', 'cannot set both port name & port number'));
  else if (portName) out.push(...isValidPortName(portName).map((p) => field.invalid(`${path}.service.port.name`, portName, p)));
  else if (portNumber) out.push(...isValidPortNumber(portNumber).map((p) => field.invalid(`${path}.service.port.number`, portNumber, p)));
  else out.push(field.required(path, 'port name or number is required'));
  return out;
}

function validateHTTPPath(entry: Json, path: string): FieldError[] {
  const out: FieldError[] = [];
  const pathType = entry?.pathType;
  if (!isSet(pathType)) return [field.required(`${path}.pathType`, 'pathType must be specified')];
  const value: string = entry.path ?? '';
  if (pathType === 'Exact' || pathType === 'Prefix') {
    if (!value.startsWith('/')) out.push(field.invalid(`${path}.path`, value, 'must be an absolute path'));
    if (value.length > 0) {
      for (const sequence of invalidPathSequences) if (value.includes(sequence)) out.push(field.invalid(`${path}.path`, value, `must not contain '${sequence}'`));
      for (const suffix of invalidPathSuffixes) if (value.endsWith(suffix)) out.push(field.invalid(`${path}.path`, value, `cannot end with '${suffix}'`));
    }
  } else if (pathType === 'ImplementationSpecific') {
    if (value.length > 0 && !value.startsWith('/')) out.push(field.invalid(`${path}.path`, value, 'must be an absolute path'));
  } else {
    out.push(field.notSupported(`${path}.pathType`, pathType, pathTypes));
  }
  out.push(...validateBackend(entry.backend, `${path}.backend`));
  return out;
}

function validateRules(rules: Json[]): FieldError[] {
  const out: FieldError[] = [];
  rules.forEach((rule, i) => {
    const at = `spec.rules[${i}]`;
    const host: string = rule?.host ?? '';
    if (host) {
      if (parseIP(host)) out.push(field.invalid(`${at}.host`, host, 'must be a DNS name, not an IP address'));
      const check = host.includes('*') ? isWildcardDNS1123Subdomain : isDNS1123Subdomain;
      out.push(...check(host).map((p) => field.invalid(`${at}.host`, host, p)));
    }
    const http = rule?.http;
    if (isSet(http)) {
      const paths: Json[] = Array.isArray(http.paths) ? http.paths : [];
      if (paths.length === 0) out.push(field.required(`${at}.http.paths`));
      paths.forEach((entry, j) => out.push(...validateHTTPPath(entry, `${at}.http.paths[${j}]`)));
    }
  });
  return out;
}

function validateIngressSpec(spec: Json): FieldError[] {
  const out: FieldError[] = [];
  const rules: Json[] | undefined = Array.isArray(spec.rules) ? spec.rules : undefined;
  if (!rules?.length && !isSet(spec.defaultBackend)) {
    out.push(field.invalid('spec', new GoLiteral(rules ? '[]networking.IngressRule{}' : '[]networking.IngressRule(nil)'), 'either `defaultBackend` or `rules` must be specified'));
  }
  if (isSet(spec.defaultBackend)) out.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  if (rules?.length) out.push(...validateRules(rules));
  (Array.isArray(spec.tls) ? spec.tls : []).forEach((tls: Json, i: number) => {
    (Array.isArray(tls?.hosts) ? tls.hosts : []).forEach((host: string, j: number) => {
      const check = String(host).includes('*') ? isWildcardDNS1123Subdomain : isDNS1123Subdomain;
      out.push(...check(String(host)).map((p) => field.invalid(`spec.tls[${i}].hosts[${j}]`, host, p)));
    });
    if (tls?.secretName) out.push(...isDNS1123Subdomain(String(tls.secretName)).map((p) => field.invalid(`spec.tls[${i}].secretName`, tls.secretName, p)));
  });
  if (isSet(spec.ingressClassName)) {
    out.push(...isDNS1123Subdomain(String(spec.ingressClassName)).map((p) => field.invalid('spec.ingressClassName', spec.ingressClassName, p)));
  }
  return out;
}

function validateIngressStatus(ingress: KubeObject): FieldError[] {
  const out: FieldError[] = [];
  const points: Json[] = (ingress.status as Json | undefined)?.loadBalancer?.ingress ?? [];
  points.forEach((point, i) => {
    const at = `status.loadBalancer.ingress[${i}]`;
    if (point?.ip && !parseIP(point.ip)) out.push(field.invalid(`${at}.ip`, point.ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
    if (point?.hostname) {
      out.push(...isDNS1123Subdomain(point.hostname).map((p) => field.invalid(`${at}.hostname`, point.hostname, p)));
      if (parseIP(point.hostname)) out.push(field.invalid(`${at}.hostname`, point.hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return out;
}

export const ingresses = define({
  ...networking,
  kind: 'Ingress',
  plural: 'ingresses',
  namespaced: true,
  shortNames: ['ing'],
  subresources: [statusSubresource],
  strategy: {
    table: ingressColumns,
    tracksGeneration: true,
    generationChanged: specChanged,
    prepareForCreate(ingress) {
      ingress.status = { loadBalancer: {} };
    },
    validate: (ingress) => validateIngressSpec((ingress.spec ?? {}) as Json),
    validateCreate(ingress) {
      const annotation = ingress.metadata.annotations?.[ingressClassAnnotation];
      const className = (ingress.spec as Json | undefined)?.ingressClassName;
      if (annotation !== undefined && isSet(className) && annotation !== className) {
        return [field.invalid(`annotations.${ingressClassAnnotation}`, annotation, 'must match `ingressClassName` when both are specified')];
      }
      return [];
    },
    subresourceValidation: { status: validateIngressStatus },
    warningsOnCreate(ingress) {
      const deprecated = ingress.metadata.annotations?.[ingressClassAnnotation] !== undefined && !isSet((ingress.spec as Json | undefined)?.ingressClassName);
      return deprecated ? [`annotation ${JSON.stringify(ingressClassAnnotation)} is deprecated, please use 'spec.ingressClassName' instead`] : [];
    },
  },
});

// ---------- IngressClass ----------

const parameterScopes = ['Cluster', 'Namespace'];

function validateIngressClassSpec(ingressClass: KubeObject): FieldError[] {
  const spec = (ingressClass.spec ?? {}) as Json;
  const out: FieldError[] = [];
  const controller = String(spec.controller ?? '');
  if (controller.length > 250) out.push(field.tooLong('spec.controller', 250));
  out.push(...validateDomainPrefixedPath(controller, 'spec.controller'));
  const parameters = spec.parameters;
  if (isSet(parameters)) {
    const path = 'spec.parameters';
    out.push(...validateTypedReference(parameters, path));
    if (!isSet(parameters.scope)) out.push(field.required(`${path}.scope`));
    else if (!parameterScopes.includes(parameters.scope)) out.push(field.notSupported(`${path}.scope`, parameters.scope, parameterScopes));
    else if (parameters.scope === 'Namespace') {
      if (!isSet(parameters.namespace)) out.push(field.required(`${path}.namespace`, "`parameters.scope` is set to 'Namespace'"));
      else out.push(...isDNS1123Label(String(parameters.namespace)).map((p) => field.invalid(`${path}.namespace`, parameters.namespace, p)));
    } else if (isSet(parameters.namespace)) {
      out.push(field.forbidden(`${path}.namespace`, "`parameters.scope` is set to 'Cluster'"));
    }
  }
  return out;
}

export const ingressclasses = define({
  ...networking,
  kind: 'IngressClass',
  plural: 'ingressclasses',
  namespaced: false,
  strategy: {
    table: ingressClassColumns,
    tracksGeneration: true,
    generationChanged: specChanged,
    defaults(ingressClass) {
      const parameters = (ingressClass.spec as Json | undefined)?.parameters;
      if (parameters && typeof parameters === 'object' && !isSet(parameters.scope)) parameters.scope = 'Cluster';
    },
    validate: validateIngressClassSpec,
    validateUpdate(ingressClass, old) {
      const controller = (ingressClass.spec as Json | undefined)?.controller ?? '';
      const oldController = (old.spec as Json | undefined)?.controller ?? '';
      // ValidateIngressClassUpdate checks the whole class again after the immutable field.
      const out = controller === oldController ? [] : [field.invalid('spec.controller', controller, 'field is immutable')];
      return [...out, ...validateIngressClassSpec(ingressClass)];
    },
  },
});

// ---------- NetworkPolicy ----------

const protocols = ['TCP', 'UDP', 'SCTP'];

function validatePort(port: Json, path: string): FieldError[] {
  const out: FieldError[] = [];
  if (isSet(port.protocol) && !protocols.includes(port.protocol)) out.push(field.notSupported(`${path}.protocol`, port.protocol, protocols));
  if (isSet(port.port)) {
    if (typeof port.port === 'number') {
      out.push(...isValidPortNumber(port.port).map((p) => field.invalid(`${path}.port`, port.port, p)));
      if (isSet(port.endPort)) {
        if (port.endPort < port.port) out.push(field.invalid(`${path}.endPort`, port.port, 'must be greater than or equal to `port`'));
        out.push(...isValidPortNumber(port.endPort).map((p) => field.invalid(`${path}.endPort`, port.endPort, p)));
      }
    } else {
      if (isSet(port.endPort)) out.push(field.invalid(`${path}.endPort`, port.endPort, 'may not be specified when `port` is non-numeric'));
      out.push(...isValidPortName(String(port.port)).map((p) => field.invalid(`${path}.port`, port.port, p)));
    }
  } else if (isSet(port.endPort)) {
    out.push(field.invalid(`${path}.endPort`, port.endPort, 'may not be specified when `port` is not specified'));
  }
  return out;
}

const cidrExample = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

function validateIPBlock(block: Json, path: string): FieldError[] {
  if (!block.cidr) return [field.required(`${path}.cidr`)];
  const cidr = parseCIDR(String(block.cidr));
  if (!cidr) return [field.invalid(`${path}.cidr`, block.cidr, cidrExample)];
  const out: FieldError[] = [];
  (Array.isArray(block.except) ? block.except : []).forEach((text: string, i: number) => {
    const at = `${path}.except[${i}]`;
    const except = parseCIDR(String(text));
    if (!except) {
      out.push(field.invalid(at, text, cidrExample));
      return;
    }
    if (!cidrContains(cidr, except.network) || cidr.prefix >= except.prefix) out.push(field.invalid(at, text, 'must be a strict subset of `cidr`'));
  });
  return out;
}

function validatePeer(peer: Json, path: string): FieldError[] {
  const out: FieldError[] = [];
  let peers = 0;
  if (isSet(peer?.podSelector)) {
    peers++;
    out.push(...validateLabelSelector(peer.podSelector, `${path}.podSelector`));
  }
  if (isSet(peer?.namespaceSelector)) {
    peers++;
    out.push(...validateLabelSelector(peer.namespaceSelector, `${path}.namespaceSelector`));
  }
  if (isSet(peer?.ipBlock)) {
    peers++;
    out.push(...validateIPBlock(peer.ipBlock, `${path}.ipBlock`));
  }
  if (peers === 0) out.push(field.required(path, 'must specify a peer'));
  else if (peers > 1 && isSet(peer.ipBlock)) out.push(field.forbidden(path, 'may not specify both ipBlock and another peer'));
  return out;
}

const policyTypes = ['Ingress', 'Egress'];

function validateNetworkPolicySpec(policy: KubeObject): FieldError[] {
  const spec = (policy.spec ?? {}) as Json;
  const out = validateLabelSelector(spec.podSelector, 'spec.podSelector');
  for (const [direction, peersKey] of [
    ['ingress', 'from'],
    ['egress', 'to'],
  ] as const) {
    (Array.isArray(spec[direction]) ? spec[direction] : []).forEach((rule: Json, i: number) => {
      const at = `spec.${direction}[${i}]`;
      (Array.isArray(rule?.ports) ? rule.ports : []).forEach((port: Json, j: number) => out.push(...validatePort(port ?? {}, `${at}.ports[${j}]`)));
      (Array.isArray(rule?.[peersKey]) ? rule[peersKey] : []).forEach((peer: Json, j: number) => out.push(...validatePeer(peer ?? {}, `${at}.${peersKey}[${j}]`)));
    });
  }
  const types: string[] = Array.isArray(spec.policyTypes) ? spec.policyTypes : [];
  if (types.length > 2) {
    out.push(field.invalid('spec.policyTypes', new GoLiteral(`[]networking.PolicyType{${types.map((t) => JSON.stringify(t)).join(', ')}}`), 'may not specify more than two policyTypes'));
    return out;
  }
  types.forEach((type, i) => {
    if (!policyTypes.includes(type)) out.push(field.notSupported(`spec.policyTypes[${i}]`, type, policyTypes));
  });
  return out;
}

export const networkpolicies = define({
  ...networking,
  kind: 'NetworkPolicy',
  plural: 'networkpolicies',
  namespaced: true,
  shortNames: ['netpol'],
  strategy: {
    table: networkPolicyColumns,
    tracksGeneration: true,
    generationChanged: specChanged,
    defaults(policy) {
      const spec = (policy.spec ??= {}) as Json;
      spec.podSelector ??= {};
      for (const direction of ['ingress', 'egress']) {
        for (const rule of Array.isArray(spec[direction]) ? spec[direction] : []) {
          for (const port of Array.isArray(rule?.ports) ? rule.ports : []) if (port && typeof port === 'object' && !isSet(port.protocol)) port.protocol = 'TCP';
        }
      }
      if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
        spec.policyTypes = ['Ingress', ...(Array.isArray(spec.egress) && spec.egress.length ? ['Egress'] : [])];
      }
    },
    validate: validateNetworkPolicySpec,
  },
});

export const networkingResources: ResourceDefinition[] = [ingressclasses, ingresses, networkpolicies];
