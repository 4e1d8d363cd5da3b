// Where kube-apiserver connects for pods/exec, pods/attach, pods/portforward and the pod, service and
// node proxies (pkg/registry/core/pod/strategy.go, service/storage, node/strategy.go), with its
// errors as it words them. The kubelet address is the node's InternalIP, as with
// --kubelet-preferred-address-types=InternalIP.

import { isIP } from 'node:net';
import { errors, StatusError } from '../../errors.js';
import type { KubeObject } from '../../store/types.js';
import type { ConnectLocation, ConnectRequest, Connector, StrategyContext } from '../types.js';

type Json = Record<string, any>;

/** The kubelet port of a node that reports none (kube-apiserver's --kubelet-port). */
const defaultKubeletPort = 10250;
const streamMethods = ['GET', 'POST'];
const proxyMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** A query flag as kube-apiserver converts one: absent, "0" or "false" (any case) is false, anything else true. */
function queryFlag(query: URLSearchParams, key: string): boolean {
  const values = query.getAll(key);
  if (!values.length) return false;
  return values[0] !== '0' && values[0].toLowerCase() !== 'false';
}

/** Go's url.QueryEscape. */
function queryEscape(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** Go's url.Values.Encode: keys sorted, each key's values in order. */
function encodeQuery(params: Array<[string, string]>): string {
  return [...params]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => `${queryEscape(k)}=${queryEscape(v)}`)
    .join('&');
}

function joinHostPort(host: string, port: string | number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** utilnet.SplitSchemeNamePort: `name`, `name:port` or `scheme:name:port`, scheme http, https or none. */
function splitSchemeNamePort(id: string): { scheme: string; name: string; port: string } | undefined {
  const parts = id.split(':');
  if (parts.length > 3) return undefined;
  const [scheme, name, port] = parts.length === 3 ? parts : ['', parts[0], parts[1] ?? ''];
  if (!name || !['', 'http', 'https'].includes(scheme)) return undefined;
  return { scheme, name, port };
}

/** net.IP.IsGlobalUnicast: not unspecified, loopback, multicast, link-local or broadcast. */
function isGlobalUnicast(address: string | undefined): boolean {
  if (!address) return false;
  const family = isIP(address);
  if (family === 4) {
    const [a, b] = address.split('.').map(Number);
    return !(address === '0.0.0.0' || address === '255.255.255.255' || a === 127 || a >= 224 || (a === 169 && b === 254));
  }
  if (family === 6) {
    const lower = address.toLowerCase();
    if (lower === '::' || lower === '::1' || lower.startsWith('ff')) return false;
    return !/^fe[89ab]/.test(lower);
  }
  return false;
}

/** A backend at scheme://host[:port]path; the dial goes to the scheme's port when none is given. */
function location(scheme: string, host: string, port: string, path: string, query = '', upgradeRequired = false): ConnectLocation {
  const hostPort = port ? joinHostPort(host, port) : host.includes(':') ? `[${host}]` : host;
  return {
    url: `${scheme}://${hostPort}${path}${query ? `?${query}` : ''}`,
    dialAddress: joinHostPort(host, port || (scheme === 'https' ? 443 : 80)),
    upgradeRequired,
  };
}

/** The container a request is for (log, exec, attach): the one named, or the pod's only container. */
export function chooseContainer(pod: KubeObject, asked: string | undefined): string {
  const spec = (pod.spec ?? {}) as Json;
  const name = pod.metadata.name ?? '';
  const all: string[] = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])].map((c: Json) => c.name);
  if (asked === undefined) {
    const containers: Json[] = spec.containers ?? [];
    if (containers.length === 1) return containers[0].name;
    if (containers.length === 0) throw errors.badRequest(`a container name must be specified for pod ${name}`);
    throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${all.join(' ')}]`);
  }
  if (!all.includes(asked)) throw errors.badRequest(`container ${asked} is not valid for pod ${name}`);
  return asked;
}

function getPod(context: StrategyContext, namespace: string, name: string): KubeObject {
  const pod = context.lookup('pods', namespace, name);
  if (!pod) throw errors.notFound({ group: '', resource: 'pods' }, name);
  return pod;
}

/** The kubelet of a node: its InternalIP and reported port. A missing node is named as the request's resource. */
export function kubeletAddress(lookup: StrategyContext['lookup'], nodeName: string, requestResource: string): { host: string; port: number } {
  const node = lookup('nodes', '', nodeName);
  if (!node) throw errors.notFound({ group: '', resource: requestResource }, nodeName);
  const status = (node.status ?? {}) as Json;
  const addresses: Json[] = Array.isArray(status.addresses) ? status.addresses : [];
  const internal = addresses.find((a) => a?.type === 'InternalIP');
  if (!internal) {
    const known = addresses.map((a) => `{${a?.type ?? ''} ${a?.address ?? ''}}`).join(' ');
    throw new StatusError(500, undefined, `no preferred addresses found; known addresses: [${known}]`);
  }
  const port = status.daemonEndpoints?.kubeletEndpoint?.Port;
  return { host: internal.address, port: typeof port === 'number' && port > 0 ? port : defaultKubeletPort };
}

/** exec, attach and port-forward go to the kubelet of the pod's node. */
function kubeletStream(context: StrategyContext, pod: KubeObject, path: string, params: Array<[string, string]>): ConnectLocation {
  const nodeName = (pod.spec as Json | undefined)?.nodeName;
  if (!nodeName) throw errors.badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
  const { host, port } = kubeletAddress(context.lookup, nodeName, 'pods');
  return location('https', host, String(port), path, encodeQuery(params), true);
}

interface StreamFlags {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

function streamFlags(options: KubeObject): StreamFlags {
  return { stdin: options.stdin === true, stdout: options.stdout === true, stderr: options.stderr === true, tty: options.tty === true };
}

/** The kubelet's names for the streams asked for. */
function streamParams(flags: StreamFlags): Array<[string, string]> {
  const params: Array<[string, string]> = [];
  if (flags.stdin) params.push(['input', '1']);
  if (flags.stdout) params.push(['output', '1']);
  if (flags.stderr) params.push(['error', '1']);
  if (flags.tty) params.push(['tty', '1']);
  return params;
}

function readStreamOptions(kind: string, query: URLSearchParams): KubeObject {
  const options: KubeObject = { kind, apiVersion: 'v1', metadata: {} };
  for (const flag of ['stdin', 'stdout', 'stderr', 'tty']) if (queryFlag(query, flag)) options[flag] = true;
  const container = query.get('container');
  if (container) options.container = container;
  return options;
}

/** A container stream (exec, attach): the container checked and defaulted as kube-apiserver does, then the kubelet. */
function containerStream(verb: 'exec' | 'attach', request: ConnectRequest, context: StrategyContext): ConnectLocation {
  const pod = getPod(context, request.namespace, request.name);
  const container = chooseContainer(pod, (request.options.container as string | undefined) || undefined);
  const flags = streamFlags(request.options);
  const params = streamParams(flags);
  for (const c of (request.options.command as string[] | undefined) ?? []) params.push(['command', c]);
  const target = kubeletStream(context, pod, `/${verb}/${pod.metadata.namespace}/${pod.metadata.name}/${container}`, params);
  return { ...target, streams: flags };
}

const streamParameters: Connector['parameters'] = [
  ['container', 'string'],
  ['stderr', 'boolean'],
  ['stdin', 'boolean'],
  ['stdout', 'boolean'],
  ['tty', 'boolean'],
];

export const podExec: Connector = {
  methods: streamMethods,
  takesPath: false,
  parameters: [['command', 'string'], ...streamParameters],
  options: (query) => ({ ...readStreamOptions('PodExecOptions', query), command: query.getAll('command') }),
  locate: (request, context) => containerStream('exec', request, context),
};

export const podAttach: Connector = {
  methods: streamMethods,
  takesPath: false,
  parameters: streamParameters,
  options: (query) => readStreamOptions('PodAttachOptions', query),
  locate: (request, context) => containerStream('attach', request, context),
};

export const podPortForward: Connector = {
  methods: streamMethods,
  takesPath: false,
  parameters: [['ports', 'integer']],
  options(query) {
    const options: KubeObject = { kind: 'PodPortForwardOptions', apiVersion: 'v1', metadata: {} };
    const ports = query.getAll('ports').flatMap((p) => p.split(',')).map(Number).filter(Number.isInteger);
    if (ports.length) options.ports = ports;
    return options;
  },
  locate(request, context) {
    const pod = getPod(context, request.namespace, request.name);
    const ports = (request.options.ports as number[] | undefined) ?? [];
    const params: Array<[string, string]> = ports.length ? [['port', ports.join(',')]] : [];
    return kubeletStream(context, pod, `/portForward/${pod.metadata.namespace}/${pod.metadata.name}`, params);
  },
};

function proxyOptions(kind: string) {
  return (_query: URLSearchParams, path: string): KubeObject => {
    const options: KubeObject = { kind, apiVersion: 'v1', metadata: {} };
    if (path) options.path = path;
    return options;
  };
}

function proxiedPath(request: ConnectRequest): string {
  return (request.options.path as string | undefined) ?? '';
}

function parseProxyName(kind: 'pod' | 'service' | 'node', id: string): { scheme: string; name: string; port: string } {
  const parts = splitSchemeNamePort(id);
  if (!parts) throw errors.badRequest(`invalid ${kind} request ${JSON.stringify(id)}`);
  return parts;
}

/** pods/proxy: the pod's first IP, at the port asked for or the first container port declared. */
export const podProxy: Connector = {
  methods: proxyMethods,
  takesPath: true,
  parameters: [['path', 'string']],
  options: proxyOptions('PodProxyOptions'),
  locate(request, context) {
    const { scheme, name, port: asked } = parseProxyName('pod', request.name);
    const pod = getPod(context, request.namespace, name);
    const containers: Json[] = (pod.spec as Json | undefined)?.containers ?? [];
    const port = asked || String(containers.find((c) => c.ports?.length)?.ports[0].containerPort ?? '');
    const ip = ((pod.status as Json | undefined)?.podIPs ?? [])[0]?.ip;
    if (!isGlobalUnicast(ip)) throw errors.badRequest('address not allowed');
    return location(scheme || 'http', ip, port, proxiedPath(request));
  },
};

/** Whether the endpoint address is a pod of the namespace that has that IP (only pods are proxied to). */
function isPodAddress(context: StrategyContext, namespace: string, address: Json): boolean {
  const ref = address.targetRef;
  if (!ref || ref.namespace !== namespace) return false;
  const pod = context.lookup('pods', namespace, ref.name ?? '');
  return ((pod?.status as Json | undefined)?.podIPs ?? []).some((p: Json) => p.ip === address.ip);
}

/** services/proxy: a ready endpoint of the service port asked for (by name or number) that is a pod. */
export const serviceProxy: Connector = {
  methods: proxyMethods,
  takesPath: true,
  parameters: [['path', 'string']],
  options: proxyOptions('ServiceProxyOptions'),
  locate(request, context) {
    const { scheme, name, port: asked } = parseProxyName('service', request.name);
    const notFound = () => errors.notFound({ group: '', resource: 'services' }, name);
    let portName = asked;
    if (/^[+-]?\d+$/.test(asked)) {
      const service = context.lookup('services', request.namespace, name);
      if (!service) throw notFound();
      const port = ((service.spec as Json | undefined)?.ports ?? []).find((p: Json) => p.port === Number(asked));
      if (!port) throw new StatusError(503, 'ServiceUnavailable', `no service port ${Number(asked)} found for service ${JSON.stringify(name)}`);
      portName = port.name ?? '';
    }
    const endpoints = context.lookup('endpoints', request.namespace, name);
    if (!endpoints) throw notFound();
    const subsets: Json[] = (endpoints as Json).subsets ?? [];
    if (!subsets.length) throw new StatusError(503, 'ServiceUnavailable', `no endpoints available for service ${JSON.stringify(name)}`);
    for (const subset of subsets) {
      const port = (subset.ports ?? []).find((p: Json) => (p.name ?? '') === portName);
      const address = port && (subset.addresses ?? []).find((a: Json) => isPodAddress(context, request.namespace, a));
      if (address) return location(scheme || 'http', address.ip, String(port.port), proxiedPath(request));
    }
    throw new StatusError(503, 'ServiceUnavailable', `no endpoints available for service ${JSON.stringify(request.name)}`);
  },
};

/** nodes/proxy: the node's kubelet, or another port of the node when one is asked for. */
export const nodeProxy: Connector = {
  methods: proxyMethods,
  takesPath: true,
  parameters: [['path', 'string']],
  options: proxyOptions('NodeProxyOptions'),
  locate(request, context) {
    const { scheme, name, port: asked } = parseProxyName('node', request.name);
    const { host, port } = kubeletAddress(context.lookup, name, 'nodes');
    // kube-apiserver resolves the host and proxies only to global unicast addresses.
    if (!isIP(host)) throw errors.badRequest(`lookup ${host}: no such host`);
    if (!isGlobalUnicast(host)) throw errors.badRequest('address not allowed');
    const path = proxiedPath(request);
    if (!asked || asked === String(port)) return location('https', host, String(port), path);
    return location(scheme || 'http', host, asked, path);
  },
};
