// Pod spec defaulting and validation shared by pods and every pod template (pkg/apis/core/v1/defaults.go).

import { field, type FieldError } from '../../errors.js';
import { isDNS1123Label } from '../validation.js';
import { validateLabelKeys } from './pod-label-keys.js';
import { Quantity } from '../../quantity.js';

type Json = Record<string, any>;

function imageTagIsLatest(image: string): boolean {
  if (image.includes('@')) return false;
  const lastSlash = image.lastIndexOf('/');
  const tagAt = image.indexOf(':', lastSlash + 1);
  return tagAt < 0 || image.slice(tagAt + 1) === 'latest';
}

function defaultProbe(probe: Json | undefined): void {
  if (!probe) return;
  probe.timeoutSeconds ??= 1;
  probe.periodSeconds ??= 10;
  probe.successThreshold ??= 1;
  probe.failureThreshold ??= 3;
  if (probe.httpGet) {
    probe.httpGet.path ||= '/';
    probe.httpGet.scheme ??= 'HTTP';
  }
}

export function defaultContainer(container: Json): void {
  container.resources ??= {};
  container.terminationMessagePath ??= '/dev/termination-log';
  container.terminationMessagePolicy ??= 'File';
  if (!container.imagePullPolicy && typeof container.image === 'string') {
    container.imagePullPolicy = imageTagIsLatest(container.image) ? 'Always' : 'IfNotPresent';
  }
  for (const port of container.ports ?? []) port.protocol ??= 'TCP';
  for (const env of container.env ?? []) {
    if (env?.valueFrom?.fieldRef) env.valueFrom.fieldRef.apiVersion ??= 'v1';
  }
  defaultProbe(container.livenessProbe);
  defaultProbe(container.readinessProbe);
  defaultProbe(container.startupProbe);
}

function defaultVolume(volume: Json): void {
  const sources = ['secret', 'configMap', 'projected', 'downwardAPI'];
  const hasSource = Object.keys(volume).some((k) => k !== 'name');
  if (!hasSource) volume.emptyDir = {};
  for (const source of sources) {
    if (volume[source]) volume[source].defaultMode ??= 420;
  }
  if (volume.hostPath) volume.hostPath.type ??= '';
  for (const item of volume.downwardAPI?.items ?? []) if (item.fieldRef) item.fieldRef.apiVersion ??= 'v1';
  for (const projected of volume.projected?.sources ?? []) {
    if (projected.serviceAccountToken) projected.serviceAccountToken.expirationSeconds ??= 3600;
    for (const item of projected.downwardAPI?.items ?? []) if (item.fieldRef) item.fieldRef.apiVersion ??= 'v1';
  }
}

/** Defaults every PodSpec gets, in pods and in templates alike. */
export function defaultPodSpec(spec: Json | undefined): void {
  if (!spec || typeof spec !== 'object') return;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  // serviceAccount is the deprecated alias of serviceAccountName, which wins when both are given.
  if (!spec.serviceAccountName && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  for (const list of [spec.containers, spec.initContainers, spec.ephemeralContainers]) {
    if (Array.isArray(list)) for (const c of list) if (c && typeof c === 'object') defaultContainer(c);
  }
  if (Array.isArray(spec.volumes)) for (const v of spec.volumes) if (v && typeof v === 'object') defaultVolume(v);
}

/** Defaults only Pod objects get: service links, requests from limits, host ports. */
export function defaultPodOnly(spec: Json | undefined): void {
  if (!spec || typeof spec !== 'object') return;
  spec.enableServiceLinks ??= true;
  for (const list of [spec.containers, spec.initContainers]) {
    for (const c of Array.isArray(list) ? list : []) {
      if (!c?.resources?.limits) continue;
      c.resources.requests ??= {};
      for (const [name, value] of Object.entries(c.resources.limits)) c.resources.requests[name] ??= value;
      if (spec.hostNetwork) for (const port of c.ports ?? []) port.hostPort ??= port.containerPort;
    }
  }
}

/** Native resources other than hugepages may be requested below their limit (helper.IsOvercommitAllowed). */
function overcommitAllowed(resource: string): boolean {
  const native = !resource.includes('/') || resource.includes('kubernetes.io/');
  return native && !resource.startsWith('hugepages-');
}

function quantitiesOf(list: unknown): Array<[string, Quantity]> {
  if (!list || typeof list !== 'object' || Array.isArray(list)) return [];
  return Object.entries(list as Json).flatMap(([name, value]) => (typeof value === 'string' ? [[name, Quantity.parse(value)] as [string, Quantity]] : []));
}

/** validateResourceRequirements: no negative quantities, requests within limits (equal for what cannot be overcommitted). */
function validateResources(resources: Json | undefined, path: string): FieldError[] {
  const out: FieldError[] = [];
  const limits = new Map(quantitiesOf(resources?.limits));
  for (const [name, quantity] of limits) {
    if (quantity.sign() < 0) out.push(field.invalid(`${path}.limits[${name}]`, quantity.toString(), 'must be greater than or equal to 0'));
  }
  for (const [name, quantity] of quantitiesOf(resources?.requests)) {
    if (quantity.sign() < 0) out.push(field.invalid(`${path}.requests[${name}]`, quantity.toString(), 'must be greater than or equal to 0'));
    const limit = limits.get(name);
    if (limit) {
      if (quantity.cmp(limit) !== 0 && !overcommitAllowed(name)) {
        out.push(field.invalid(`${path}.requests`, quantity.toString(), `must be equal to ${name} limit of ${limit.toString()}`));
      } else if (quantity.cmp(limit) > 0) {
        out.push(field.invalid(`${path}.requests`, quantity.toString(), `must be less than or equal to ${name} limit of ${limit.toString()}`));
      }
    } else if (!overcommitAllowed(name)) {
      out.push(field.required(`${path}.limits`, 'Limit must be set for non overcommitable resources'));
    }
  }
  return out;
}

function validateContainers(list: unknown, path: string, required: boolean, names: Set<string>): FieldError[] {
  const out: FieldError[] = [];
  if (list === undefined || list === null) {
    if (required) out.push(field.required(path));
    return out;
  }
  if (!Array.isArray(list)) return [field.invalid(path, list, 'must be a list')];
  if (required && list.length === 0) out.push(field.required(path));
  list.forEach((c: Json, i) => {
    const at = `${path}[${i}]`;
    if (!c || typeof c !== 'object') {
      out.push(field.invalid(at, c, 'must be an object'));
      return;
    }
    if (!c.name) out.push(field.required(`${at}.name`));
    else {
      out.push(...isDNS1123Label(c.name).map((p) => field.invalid(`${at}.name`, c.name, p)));
      if (names.has(c.name)) out.push(field.duplicate(`${at}.name`, c.name));
      names.add(c.name);
    }
    if (!c.image) out.push(field.required(`${at}.image`));
    out.push(...validateResources(c.resources, `${at}.resources`));
    for (const [j, port] of (Array.isArray(c.ports) ? c.ports : []).entries()) {
      const p = port?.containerPort;
      if (typeof p !== 'number' || p < 1 || p > 65535) {
        out.push(field.invalid(`${at}.ports[${j}].containerPort`, p ?? 0, 'must be between 1 and 65535, inclusive'));
      }
      if (port?.protocol && !['TCP', 'UDP', 'SCTP'].includes(port.protocol)) {
        out.push(field.notSupported(`${at}.ports[${j}].protocol`, port.protocol, ['SCTP', 'TCP', 'UDP']));
      }
    }
  });
  return out;
}

/** Fields of an ephemeral container that must keep their zero value, in the Go struct's order. */
const ephemeralForbidden = ['ports', 'resources', 'resizePolicy', 'restartPolicy', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'];

function isZero(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === false || value === 0) return true;
  if (Array.isArray(value)) return value.length === 0;
  // An empty ResourceRequirements is its zero value; an empty list inside it is not.
  return typeof value === 'object' && Object.keys(value).length === 0;
}

/**
 * Ephemeral containers: named uniquely among all containers, targeting a regular or init container,
 * and free of what the pod's own services rely on (ports, resources, probes, lifecycle, subPaths).
 */
function validateEphemeralContainers(list: unknown, path: string, names: Set<string>, targets: Set<string>, volumes: Set<string>): FieldError[] {
  if (!Array.isArray(list) || list.length === 0) return [];
  const out: FieldError[] = [];
  list.forEach((c: Json, i) => {
    const at = `${path}[${i}]`;
    if (!c || typeof c !== 'object') {
      out.push(field.invalid(at, c, 'must be an object'));
      return;
    }
    if (!c.name) out.push(field.required(`${at}.name`));
    else out.push(...isDNS1123Label(c.name).map((p) => field.invalid(`${at}.name`, c.name, p)));
    if (!c.image) out.push(field.required(`${at}.image`));
    (Array.isArray(c.volumeMounts) ? c.volumeMounts : []).forEach((mount: Json, j: number) => {
      if (mount?.name && !volumes.has(mount.name)) out.push(field.notFound(`${at}.volumeMounts[${j}].name`, mount.name));
    });
    if (c.name && names.has(c.name)) out.push(field.duplicate(`${at}.name`, c.name));
    else if (c.name) names.add(c.name);
    if (c.targetContainerName && !targets.has(c.targetContainerName)) out.push(field.notFound(`${at}.targetContainerName`, c.targetContainerName));
    for (const key of ephemeralForbidden) if (!isZero(c[key])) out.push(field.forbidden(`${at}.${key}`, 'cannot be set for an Ephemeral Container'));
    (Array.isArray(c.volumeMounts) ? c.volumeMounts : []).forEach((mount: Json, j: number) => {
      for (const key of ['subPath', 'subPathExpr']) if (mount?.[key]) out.push(field.forbidden(`${at}.volumeMounts[${j}].${key}`, 'cannot be set for an Ephemeral Container'));
    });
  });
  return out;
}

export function validatePodSpec(spec: Json | undefined, path: string): FieldError[] {
  if (!spec || typeof spec !== 'object') return [field.required(`${path}.containers`)];
  const names = new Set<string>();
  const out = [
    ...validateContainers(spec.containers, `${path}.containers`, true, names),
    ...validateContainers(spec.initContainers, `${path}.initContainers`, false, names),
  ];
  const volumeNames = new Set<string>((Array.isArray(spec.volumes) ? spec.volumes : []).map((v: Json) => v?.name));
  out.push(...validateEphemeralContainers(spec.ephemeralContainers, `${path}.ephemeralContainers`, names, new Set(names), volumeNames));
  if (spec.restartPolicy && !['Always', 'OnFailure', 'Never'].includes(spec.restartPolicy)) {
    out.push(field.notSupported(`${path}.restartPolicy`, spec.restartPolicy, ['Always', 'Never', 'OnFailure']));
  }
  if (spec.dnsPolicy && !['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'].includes(spec.dnsPolicy)) {
    out.push(field.notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None']));
  }
  const volumes = new Set<string>();
  (Array.isArray(spec.volumes) ? spec.volumes : []).forEach((v: Json, i: number) => {
    if (!v?.name) out.push(field.required(`${path}.volumes[${i}].name`));
    else if (volumes.has(v.name)) out.push(field.duplicate(`${path}.volumes[${i}].name`, v.name));
    else volumes.add(v.name);
  });
  out.push(...validateLabelKeys(spec, path));
  return out;
}

/** GetWarningsForPodTemplate's quantity warnings: memory and ephemeral storage are whole bytes. */
export function podSpecWarnings(spec: Json | undefined, path: string): string[] {
  if (!spec || typeof spec !== 'object') return [];
  const warnings: string[] = [];
  const lists: Array<[unknown, string]> = [[spec.initContainers, 'initContainers'], [spec.containers, 'containers']];
  for (const [list, name] of lists) {
    (Array.isArray(list) ? (list as Json[]) : []).forEach((c, i) => {
      for (const kind of ['limits', 'requests']) {
        const values = new Map(quantitiesOf(c?.resources?.[kind]));
        for (const resource of ['memory', 'ephemeral-storage']) {
          const quantity = values.get(resource);
          if (quantity && !quantity.isInteger()) {
            warnings.push(`${path}.${name}[${i}].resources.${kind}[${resource}]: fractional byte value ${JSON.stringify(quantity.toString())} is invalid, must be an integer`);
          }
        }
      }
    });
  }
  return warnings;
}

/** status.qosClass as ComputePodQOS finds it from the containers' cpu and memory requests and limits. */
export function qosClass(spec: Json): 'BestEffort' | 'Burstable' | 'Guaranteed' {
  const containers: Json[] = [...(Array.isArray(spec.initContainers) ? spec.initContainers : []), ...(Array.isArray(spec.containers) ? spec.containers : [])];
  const qosResources = new Set(['cpu', 'memory']);
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  const sum = (into: Map<string, Quantity>, name: string, quantity: Quantity) => into.set(name, into.get(name)?.add(quantity) ?? quantity);
  let guaranteed = true;
  for (const c of containers) {
    for (const [name, quantity] of quantitiesOf(c?.resources?.requests)) if (qosResources.has(name) && quantity.sign() > 0) sum(requests, name, quantity);
    const limited = new Set<string>();
    for (const [name, quantity] of quantitiesOf(c?.resources?.limits)) {
      if (!qosResources.has(name) || quantity.sign() <= 0) continue;
      limited.add(name);
      sum(limits, name, quantity);
    }
    if (!limited.has('cpu') || !limited.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) for (const [name, request] of requests) if (limits.get(name)?.cmp(request) !== 0) guaranteed = false;
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
