// Printer columns of networking.k8s.io/v1 (printIngress, printIngressClass, printNetworkPolicy).

import type { KubeObject } from '../../store/types.js';
import type { TableColumn } from '../types.js';
import { ageColumn, column, formatSelectorOrNone } from './printers.js';

type Json = Record<string, any>;

const spec = (o: KubeObject) => (o.spec ?? {}) as Json;

/** The first three rule hosts, `*` when no rule names one (formatHosts). */
function ingressHosts(o: KubeObject): string {
  const rules: Json[] = spec(o).rules ?? [];
  const max = 3;
  const hosts: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (hosts.length === max) more = true;
    if (!more && rule?.host) hosts.push(rule.host);
  }
  if (hosts.length === 0) return '*';
  return more ? `${hosts.join(',')} + ${rules.length - max} more...` : hosts.join(',');
}

/** Load-balancer ingress points, a sorted set of IPs or else hostnames (the server never clips them). */
function ingressAddress(o: KubeObject): string {
  const points: Json[] = (o.status as Json | undefined)?.loadBalancer?.ingress ?? [];
  const values = new Set<string>();
  for (const point of points) {
    if (point?.ip) values.add(point.ip);
    else if (point?.hostname) values.add(point.hostname);
  }
  return [...values].sort().join(',');
}

export const ingressColumns: TableColumn[] = [
  column('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration', (o) => spec(o).ingressClassName ?? '<none>'),
  column('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule', ingressHosts),
  column('Address', 'string', 'Address is a list containing ingress points for the load-balancer', ingressAddress),
  column('Ports', 'string', 'Ports of TLS configurations that open', (o) => ((spec(o).tls ?? []).length ? '80, 443' : '80')),
  ageColumn,
];

function ingressClassParameters(o: KubeObject): string {
  const parameters = spec(o).parameters;
  if (!parameters) return '<none>';
  const kind = parameters.apiGroup ? `${parameters.kind ?? ''}.${parameters.apiGroup}` : (parameters.kind ?? '');
  return `${kind}/${parameters.name ?? ''}`;
}

export const ingressClassColumns: TableColumn[] = [
  column('Controller', 'string', 'Controller that is responsible for handling this class', (o) => spec(o).controller ?? ''),
  column('Parameters', 'string', 'A reference to a resource with additional parameters', ingressClassParameters),
  ageColumn,
];

export const networkPolicyColumns: TableColumn[] = [
  column(
    'Pod-Selector',
    'string',
    'Selects the pods to which this NetworkPolicy object applies.  The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods.  In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace.',
    (o) => formatSelectorOrNone(spec(o).podSelector ?? {}),
  ),
  ageColumn,
];
