// Printer columns of the built-in kinds, as kube-apiserver 1.32 serves them in a meta.k8s.io Table
// (pkg/printers/internalversion/printers.go). Names, types, priorities and descriptions are API data.
// The server always fills the wide (priority 1) cells; kubectl hides those columns without -o wide.
// Types follow the column definitions even where the cells are integers (Restarts, Data, Count, ...).

import { quantityString } from '../../quantity.js';
import { formatLabelSelector } from '../../selectors/labels.js';
import type { KubeObject } from '../../store/types.js';
import { age, creationAge, humanDuration, nameColumn } from '../printing.js';
import type { TableColumn } from '../types.js';

type Json = Record<string, any>;
type Cell = TableColumn['cell'];

export function column(name: string, type: TableColumn['type'], description: string, cell: Cell, priority = 0): TableColumn {
  return { name, type, description, priority, cell };
}

const creationTimestampDoc =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';
const containerNamesDoc = 'Names of each container in the template.';
const containerImagesDoc = 'Images referenced by each container in the template.';

export const ageColumn = column('Age', 'string', creationTimestampDoc, creationAge);

// ---------- shared cell formats ----------

/** labels.FormatLabels: `k=v` pairs sorted by key, `<none>` when empty. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${labels![k]}`).join(',') : '<none>';
}

/** metav1.FormatLabelSelector: the selector's string form, `<none>` when it selects nothing or everything. */
export function formatSelectorOrNone(selector: Json | undefined): string {
  return formatLabelSelector(selector ?? {}) || '<none>';
}

function containersOf(template: Json | undefined): Json[] {
  return template?.spec?.containers ?? [];
}

/** The Containers and Images columns of the pod template `templateOf` finds (wide for workloads). */
export function templateColumns(templateOf: (o: KubeObject) => Json | undefined, priority = 1): TableColumn[] {
  return [
    column('Containers', 'string', containerNamesDoc, (o) => containersOf(templateOf(o)).map((c) => c.name).join(','), priority),
    column('Images', 'string', containerImagesDoc, (o) => containersOf(templateOf(o)).map((c) => c.image ?? '').join(','), priority),
  ];
}

const specTemplate = (o: KubeObject) => (o.spec as Json | undefined)?.template;

function spec(o: KubeObject): Json {
  return (o.spec ?? {}) as Json;
}

function status(o: KubeObject): Json {
  return (o.status ?? {}) as Json;
}

/** `a,b,c + 4 more...` once more than three items exist (formatEndpoints and its siblings). */
function listWithMore(items: string[], whenEmpty: string): string {
  const max = 3;
  if (items.length > max) return `${items.slice(0, max).join(',')} + ${items.length - max} more...`;
  return items.length ? items.join(',') : whenEmpty;
}

// ---------- pods ----------

interface PodSummary {
  ready: number;
  total: number;
  reason: string;
  restarts: number;
  /** When the last restarted container last terminated, in ms. */
  lastRestart?: number;
}

function laterOf(current: number | undefined, time: string | undefined): number | undefined {
  const at = time ? Date.parse(time) : NaN;
  if (Number.isNaN(at)) return current;
  return current === undefined || at > current ? at : current;
}

function hasTrueCondition(pod: KubeObject, type: string): boolean {
  return ((status(pod).conditions as Json[] | undefined) ?? []).some((c) => c.type === type && c.status === 'True');
}

/** The first condition of a type decides (isPodInitializedConditionTrue). */
function firstConditionTrue(pod: KubeObject, type: string): boolean {
  const condition = ((status(pod).conditions as Json[] | undefined) ?? []).find((c) => c.type === type);
  return condition?.status === 'True';
}

function terminationReason(terminated: Json, prefix: string): string {
  if (terminated.reason) return `${prefix}${terminated.reason}`;
  if (terminated.signal) return `${prefix}Signal:${terminated.signal}`;
  return `${prefix}ExitCode:${terminated.exitCode ?? 0}`;
}

/** Ready count, Status reason and restarts the way printPod derives them. */
function podSummary(pod: KubeObject): PodSummary {
  const podSpec = spec(pod);
  const podStatus = status(pod);
  const initContainers: Json[] = podSpec.initContainers ?? [];
  // Sidecars (restartable init containers) count as app containers for Ready and Restarts.
  const sidecars = new Set(initContainers.filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  const summary: PodSummary = {
    ready: 0,
    total: (podSpec.containers ?? []).length + sidecars.size,
    reason: podStatus.reason || podStatus.phase || '',
    restarts: 0,
  };
  if (((podStatus.conditions as Json[] | undefined) ?? []).some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) {
    summary.reason = 'SchedulingGated';
  }

  let sidecarRestarts = 0;
  let lastSidecarRestart: number | undefined;
  let initializing = false;
  const initStatuses: Json[] = podStatus.initContainerStatuses ?? [];
  for (const [index, container] of initStatuses.entries()) {
    summary.restarts += container.restartCount ?? 0;
    summary.lastRestart = laterOf(summary.lastRestart, container.lastState?.terminated?.finishedAt);
    const isSidecar = sidecars.has(container.name);
    if (isSidecar) {
      sidecarRestarts += container.restartCount ?? 0;
      lastSidecarRestart = laterOf(lastSidecarRestart, container.lastState?.terminated?.finishedAt);
    }
    const terminated = container.state?.terminated;
    const waiting = container.state?.waiting;
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (isSidecar && container.started) {
      if (container.ready) summary.ready++;
      continue;
    }
    if (terminated) summary.reason = terminationReason(terminated, 'Init:');
    else if (waiting?.reason && waiting.reason !== 'PodInitializing') summary.reason = `Init:${waiting.reason}`;
    else summary.reason = `Init:${index}/${initContainers.length}`;
    initializing = true;
    break;
  }

  if (!initializing || firstConditionTrue(pod, 'Initialized')) {
    summary.restarts = sidecarRestarts;
    summary.lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses: Json[] = podStatus.containerStatuses ?? [];
    // Walked last to first so the first container's state wins the reason.
    for (const container of [...statuses].reverse()) {
      summary.restarts += container.restartCount ?? 0;
      summary.lastRestart = laterOf(summary.lastRestart, container.lastState?.terminated?.finishedAt);
      const terminated = container.state?.terminated;
      if (container.state?.waiting?.reason) summary.reason = container.state.waiting.reason;
      else if (terminated) summary.reason = terminationReason(terminated, '');
      else if (container.ready && container.state?.running) {
        hasRunning = true;
        summary.ready++;
      }
    }
    // A pod with a container still running is not Completed yet.
    if (summary.reason === 'Completed' && hasRunning) summary.reason = hasTrueCondition(pod, 'Ready') ? 'Running' : 'NotReady';
  }

  const phase = podStatus.phase;
  if (pod.metadata.deletionTimestamp && podStatus.reason === 'NodeLost') summary.reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') summary.reason = 'Terminating';
  return summary;
}

function restartsCell(pod: KubeObject, now: Date): string {
  const { restarts, lastRestart } = podSummary(pod);
  if (restarts === 0 || lastRestart === undefined) return String(restarts);
  return `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`;
}

function readinessGatesCell(pod: KubeObject): string {
  const gates: Json[] = spec(pod).readinessGates ?? [];
  if (!gates.length) return '<none>';
  const conditions: Json[] = status(pod).conditions ?? [];
  const passing = gates.filter((gate) => conditions.find((c) => c.type === gate.conditionType)?.status === 'True').length;
  return `${passing}/${gates.length}`;
}

export const podColumns: TableColumn[] = [
  column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.', (o) => {
    const { ready, total } = podSummary(o);
    return `${ready}/${total}`;
  }),
  column('Status', 'string', 'The aggregate status of the containers in this pod.', (o) => podSummary(o).reason),
  column(
    'Restarts',
    'string',
    'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    restartsCell,
  ),
  ageColumn,
  column('IP', 'string', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', (o) => status(o).podIPs?.[0]?.ip || '<none>', 1),
  column(
    'Node',
    'string',
    'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename',
    (o) => spec(o).nodeName || '<none>',
    1,
  ),
  column(
    'Nominated Node',
    'string',
    'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.',
    (o) => status(o).nominatedNodeName || '<none>',
    1,
  ),
  column(
    'Readiness Gates',
    'string',
    'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates',
    readinessGatesCell,
    1,
  ),
];

/** A finished pod's row carries the Completed row condition (metav1.RowCompleted). */
export function podRowConditions(pod: KubeObject): Array<Record<string, string>> | undefined {
  switch (status(pod).phase) {
    case 'Succeeded':
      return [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
    case 'Failed':
      return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
    default:
      return undefined;
  }
}

export const podTemplateColumns: TableColumn[] = [
  ...templateColumns((o) => o.template as Json | undefined, 0),
  column('Pod Labels', 'string', 'The labels for the pod template.', (o) => formatLabels((o.template as Json | undefined)?.metadata?.labels)),
];

// ---------- workloads ----------

const readyReplicasDoc = 'Number of the pod with ready state';

export const replicationControllerColumns: TableColumn[] = [
  column(
    'Desired',
    'integer',
    'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller',
    (o) => spec(o).replicas ?? 0,
  ),
  column(
    'Current',
    'integer',
    'Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller',
    (o) => status(o).replicas ?? 0,
  ),
  column('Ready', 'integer', 'The number of ready replicas for this replication controller.', (o) => status(o).readyReplicas ?? 0),
  ageColumn,
  ...templateColumns(specTemplate),
  column(
    'Selector',
    'string',
    'Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
    (o) => formatLabels(spec(o).selector),
    1,
  ),
];

export const replicaSetColumns: TableColumn[] = [
  column(
    'Desired',
    'integer',
    'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller',
    (o) => spec(o).replicas ?? 0,
  ),
  column(
    'Current',
    'integer',
    'Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller',
    (o) => status(o).replicas ?? 0,
  ),
  column('Ready', 'integer', 'The number of ready replicas for this replica set.', (o) => status(o).readyReplicas ?? 0),
  ageColumn,
  ...templateColumns(specTemplate),
  column(
    'Selector',
    'string',
    'Selector is a label query over pods that should match the replica count. If the selector is empty, it is defaulted to the labels present on the pod template. Label keys and values that must match in order to be controlled by this replica set. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
    (o) => formatSelectorOrNone(spec(o).selector),
    1,
  ),
];

export const deploymentColumns: TableColumn[] = [
  column('Ready', 'string', readyReplicasDoc, (o) => `${status(o).readyReplicas ?? 0}/${spec(o).replicas ?? 0}`),
  column(
    'Up-to-date',
    'string',
    'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
    (o) => status(o).updatedReplicas ?? 0,
  ),
  column(
    'Available',
    'string',
    'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
    (o) => status(o).availableReplicas ?? 0,
  ),
  ageColumn,
  ...templateColumns(specTemplate),
  // Unlike its siblings, a Deployment prints an empty selector as an empty string.
  column(
    'Selector',
    'string',
    'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
    (o) => formatLabelSelector(spec(o).selector ?? {}),
    1,
  ),
];

export const statefulSetColumns: TableColumn[] = [
  column('Ready', 'string', readyReplicasDoc, (o) => `${status(o).readyReplicas ?? 0}/${spec(o).replicas ?? 0}`),
  ageColumn,
  ...templateColumns(specTemplate),
];

const daemonSetDocsLink = 'More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/';

export const daemonSetColumns: TableColumn[] = [
  column(
    'Desired',
    'integer',
    `The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). ${daemonSetDocsLink}`,
    (o) => status(o).desiredNumberScheduled ?? 0,
  ),
  column(
    'Current',
    'integer',
    `The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. ${daemonSetDocsLink}`,
    (o) => status(o).currentNumberScheduled ?? 0,
  ),
  column(
    'Ready',
    'integer',
    'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.',
    (o) => status(o).numberReady ?? 0,
  ),
  column('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod', (o) => status(o).updatedNumberScheduled ?? 0),
  column(
    'Available',
    'integer',
    'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)',
    (o) => status(o).numberAvailable ?? 0,
  ),
  column(
    'Node Selector',
    'string',
    "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
    (o) => formatLabels(specTemplate(o)?.spec?.nodeSelector),
  ),
  ageColumn,
  ...templateColumns(specTemplate),
  column(
    'Selector',
    'string',
    'A label query over pods that are managed by the daemon set. Must match in order to be controlled. If empty, defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
    (o) => formatSelectorOrNone(spec(o).selector),
    1,
  ),
];

/** `daemonset.apps/web` for the owning controller, `<none>` without one. */
function controllerCell(o: KubeObject): string {
  const owner = (o.metadata.ownerReferences ?? []).find((ref) => ref.controller === true) as Json | undefined;
  if (!owner) return '<none>';
  const apiVersion = String(owner.apiVersion ?? '');
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const kind = String(owner.kind ?? '');
  if (!group && !kind) return String(owner.name ?? '');
  return `${(group ? `${kind}.${group}` : kind).toLowerCase()}/${owner.name ?? ''}`;
}

export const controllerRevisionColumns: TableColumn[] = [
  column('Controller', 'string', 'Controller of the object', controllerCell),
  column('Revision', 'string', 'Revision indicates the revision of the state represented by Data.', (o) => (o.revision as number | undefined) ?? 0),
  ageColumn,
];

// ---------- services and endpoints ----------

function serviceExternalIP(o: KubeObject): string {
  const serviceSpec = spec(o);
  const externalIPs: string[] = serviceSpec.externalIPs ?? [];
  switch (serviceSpec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      // Ingress points are a sorted set; the wide form is never clipped.
      const ingress: Json[] = status(o).loadBalancer?.ingress ?? [];
      const points = [...new Set(ingress.map((i) => i.ip || i.hostname).filter(Boolean) as string[])].sort();
      const all = [...points, ...externalIPs];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return serviceSpec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

function servicePorts(o: KubeObject): string {
  const ports: Json[] = spec(o).ports ?? [];
  const text = ports.map((p) => (p.nodePort > 0 ? `${p.port}:${p.nodePort}/${p.protocol ?? ''}` : `${p.port}/${p.protocol ?? ''}`)).join(',');
  return text || '<none>';
}

export const serviceColumns: TableColumn[] = [
  column(
    'Type',
    'string',
    'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. "ClusterIP" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is "None", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. "NodePort" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. "LoadBalancer" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. "ExternalName" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types',
    (o) => spec(o).type ?? '',
  ),
  column(
    'Cluster-IP',
    'string',
    'clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are "None", empty string (""), or a valid IP address. Setting this to "None" makes a "headless service" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies',
    (o) => spec(o).clusterIPs?.[0] || '<none>',
  ),
  column(
    'External-IP',
    'string',
    'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system.',
    serviceExternalIP,
  ),
  column(
    'Port(s)',
    'string',
    'The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies',
    servicePorts,
  ),
  ageColumn,
  column(
    'Selector',
    'string',
    'Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/',
    (o) => formatLabels(spec(o).selector),
    1,
  ),
];

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Ready `ip:port` pairs of every subset; headless subsets without ports list bare IPs. */
function endpointsCell(o: KubeObject): string {
  const subsets: Json[] = (o.subsets as Json[] | undefined) ?? [];
  if (!subsets.length) return '<none>';
  const pairs: string[] = [];
  for (const subset of subsets) {
    const addresses: Json[] = subset.addresses ?? [];
    const ports: Json[] = subset.ports ?? [];
    if (!ports.length) pairs.push(...addresses.map((a) => String(a.ip ?? '')));
    for (const port of ports) pairs.push(...addresses.map((a) => hostPort(String(a.ip ?? ''), port.port ?? 0)));
  }
  return listWithMore(pairs, '');
}

export const endpointsColumns: TableColumn[] = [
  column(
    'Endpoints',
    'string',
    'The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.',
    endpointsCell,
  ),
  ageColumn,
];

export const endpointSliceColumns: TableColumn[] = [
  column(
    'AddressType',
    'string',
    'addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.',
    (o) => (o.addressType as string | undefined) ?? '',
  ),
  column(
    'Ports',
    'string',
    'ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates "all ports". Each slice may include a maximum of 100 ports.',
    (o) => listWithMore(((o.ports as Json[] | undefined) ?? []).map((p) => String(p.port ?? p.name ?? '*')), '<unset>'),
  ),
  column(
    'Endpoints',
    'string',
    'endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.',
    (o) => listWithMore(((o.endpoints as Json[] | undefined) ?? []).flatMap((e) => (e.addresses as string[] | undefined) ?? []), '<unset>'),
  ),
  ageColumn,
];

// ---------- nodes and namespaces ----------

function nodeStatusCell(o: KubeObject): string {
  const conditions: Json[] = status(o).conditions ?? [];
  // The last Ready condition wins, as a map keyed by type would keep it.
  const ready = conditions.filter((c) => c.type === 'Ready').pop();
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (spec(o).unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

/** Roles from `node-role.kubernetes.io/<role>` keys and `kubernetes.io/role=<role>` values, sorted. */
function nodeRolesCell(o: KubeObject): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(o.metadata.labels ?? {})) {
    if (key.startsWith('node-role.kubernetes.io/')) {
      const role = key.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (key === 'kubernetes.io/role' && value) {
      roles.add(value);
    }
  }
  return [...roles].sort().join(',') || '<none>';
}

function nodeAddress(type: string): Cell {
  return (o) => ((status(o).addresses as Json[] | undefined) ?? []).find((a) => a.type === type)?.address ?? '<none>';
}

function nodeInfo(key: string): Cell {
  return (o) => status(o).nodeInfo?.[key] || '<unknown>';
}

const nodeAddressesDoc =
  "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";

export const nodeColumns: TableColumn[] = [
  column('Status', 'string', 'The status of the node', nodeStatusCell),
  column('Roles', 'string', 'The roles of the node', nodeRolesCell),
  ageColumn,
  column('Version', 'string', 'Kubelet Version reported by the node.', (o) => status(o).nodeInfo?.kubeletVersion ?? ''),
  column('Internal-IP', 'string', nodeAddressesDoc, nodeAddress('InternalIP'), 1),
  column('External-IP', 'string', nodeAddressesDoc, nodeAddress('ExternalIP'), 1),
  column('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', nodeInfo('osImage'), 1),
  column('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", nodeInfo('kernelVersion'), 1),
  column(
    'Container-Runtime',
    'string',
    'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
    nodeInfo('containerRuntimeVersion'),
    1,
  ),
];

export const namespaceColumns: TableColumn[] = [column('Status', 'string', 'The status of the namespace', (o) => status(o).phase ?? ''), ageColumn];

// ---------- configuration ----------

const countOf = (value: unknown) => Object.keys((value as Json | undefined) ?? {}).length;

export const configMapColumns: TableColumn[] = [
  column(
    'Data',
    'string',
    "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.",
    (o) => countOf(o.data) + countOf(o.binaryData),
  ),
  ageColumn,
];

export const secretColumns: TableColumn[] = [
  column(
    'Type',
    'string',
    'Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types',
    (o) => (o.type as string | undefined) ?? '',
  ),
  column(
    'Data',
    'string',
    "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
    (o) => countOf(o.data),
  ),
  ageColumn,
];

export const serviceAccountColumns: TableColumn[] = [
  column(
    'Secrets',
    'string',
    'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a "kubernetes.io/enforce-mountable-secrets" annotation set to "true". The "kubernetes.io/enforce-mountable-secrets" annotation is deprecated since v1.32. Prefer separate namespaces to isolate access to mounted secrets. This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret',
    (o) => ((o.secrets as unknown[] | undefined) ?? []).length,
  ),
  ageColumn,
];

/** `name: used/hard` pairs of status.hard, split into the requests and the `limits.*` resources. */
function quotaCell(limits: boolean): Cell {
  return (o) => {
    const hard: Json = status(o).hard ?? {};
    const used: Json = status(o).used ?? {};
    return Object.keys(hard)
      .sort()
      .filter((name) => (name.split('.')[0] === 'limits' && name.includes('.')) === limits)
      .map((name) => `${name}: ${quantityString(used[name])}/${quantityString(hard[name])}`)
      .join(', ');
  };
}

export const resourceQuotaColumns: TableColumn[] = [
  ageColumn,
  column('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.', quotaCell(false)),
  column(
    'Limit',
    'string',
    'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.',
    quotaCell(true),
  ),
];

export const leaseColumns: TableColumn[] = [
  column(
    'Holder',
    'string',
    'holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.',
    (o) => spec(o).holderIdentity ?? '',
  ),
  ageColumn,
];

// ---------- storage ----------

/** helper.GetAccessModesAsString: the modes present, in a fixed order. */
function accessModes(modes: string[] | undefined): string {
  const present = new Set(modes ?? []);
  return [
    ['ReadWriteOnce', 'RWO'],
    ['ReadOnlyMany', 'ROX'],
    ['ReadWriteMany', 'RWX'],
    ['ReadWriteOncePod', 'RWOP'],
  ]
    .filter(([mode]) => present.has(mode))
    .map(([, short]) => short)
    .join(',');
}

/** The beta storage-class annotation still wins over spec.storageClassName. */
function storageClassOf(o: KubeObject): string {
  return o.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? spec(o).storageClassName ?? '';
}

const terminatingOrPhase = (o: KubeObject) => (o.metadata.deletionTimestamp ? 'Terminating' : (status(o).phase ?? ''));
const volumeAttributesClass = (o: KubeObject) => spec(o).volumeAttributesClassName ?? '<unset>';
const volumeMode = (o: KubeObject) => spec(o).volumeMode ?? '<unset>';

export const persistentVolumeColumns: TableColumn[] = [
  column(
    'Capacity',
    'string',
    "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity",
    (o) => quantityString(spec(o).capacity?.storage),
  ),
  column(
    'Access Modes',
    'string',
    'accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes',
    (o) => accessModes(spec(o).accessModes),
  ),
  column(
    'Reclaim Policy',
    'string',
    'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming',
    (o) => spec(o).persistentVolumeReclaimPolicy ?? '',
  ),
  column(
    'Status',
    'string',
    'phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase',
    terminatingOrPhase,
  ),
  column(
    'Claim',
    'string',
    'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding',
    (o) => {
      const claim = spec(o).claimRef;
      return claim ? `${claim.namespace ?? ''}/${claim.name ?? ''}` : '';
    },
  ),
  column('StorageClass', 'string', 'StorageClass of the pv', storageClassOf),
  column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv', volumeAttributesClass),
  column(
    'Reason',
    'string',
    'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.',
    (o) => status(o).reason ?? '',
  ),
  ageColumn,
  column(
    'VolumeMode',
    'string',
    'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.',
    volumeMode,
    1,
  ),
];

/** Capacity and access modes are shown only once the claim is bound to a volume. */
const whenBound = (cell: Cell): Cell => (o, now) => (spec(o).volumeName ? cell(o, now) : '');

export const persistentVolumeClaimColumns: TableColumn[] = [
  column('Status', 'string', 'phase represents the current phase of PersistentVolumeClaim.', terminatingOrPhase),
  column('Volume', 'string', 'volumeName is the binding reference to the PersistentVolume backing this claim.', (o) => spec(o).volumeName ?? ''),
  column(
    'Capacity',
    'string',
    'capacity represents the actual resources of the underlying volume.',
    whenBound((o) => quantityString(status(o).capacity?.storage)),
  ),
  column(
    'Access Modes',
    'string',
    'accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1',
    whenBound((o) => accessModes(status(o).accessModes)),
  ),
  column('StorageClass', 'string', 'StorageClass of the pvc', storageClassOf),
  column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc', volumeAttributesClass),
  ageColumn,
  column(
    'VolumeMode',
    'string',
    'volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.',
    volumeMode,
    1,
  ),
];

// ---------- events ----------

/** The fields printEvent reads, under their core/v1 names, whichever API the event came from. */
interface EventFields {
  type?: string;
  reason?: string;
  regarding?: Json;
  message?: string;
  source?: Json;
  reportingController?: string;
  reportingInstance?: string;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  count?: number;
  series?: Json;
}

const coreEventFields = (o: Json): EventFields => ({
  type: o.type,
  reason: o.reason,
  regarding: o.involvedObject,
  message: o.message,
  source: o.source,
  reportingController: o.reportingComponent,
  reportingInstance: o.reportingInstance,
  firstTimestamp: o.firstTimestamp,
  lastTimestamp: o.lastTimestamp,
  eventTime: o.eventTime,
  count: o.count,
  series: o.series,
});

// events.k8s.io/v1 events are printed in their stored (core/v1) shape.

function firstSeen(event: EventFields, now: Date): string {
  return age(event.firstTimestamp || event.eventTime, now);
}

function lastSeen(event: EventFields, now: Date): string {
  if (event.series) return age(event.series.lastObservedTime, now);
  return event.lastTimestamp ? age(event.lastTimestamp, now) : firstSeen(event, now);
}

/** Singleton events of the new API carry no count; they happened once. */
function eventCount(event: EventFields): number {
  if (event.series) return event.series.count ?? 0;
  return event.count || 1;
}

function eventObject(event: EventFields): string {
  const kind = String(event.regarding?.kind ?? '').toLowerCase();
  return event.regarding?.name ? `${kind}/${event.regarding.name}` : kind;
}

function eventSource(event: EventFields): string {
  const component = event.source?.component || event.reportingController || '';
  const host = event.source?.host || event.reportingInstance || '';
  return host ? `${component}, ${host}` : component;
}

// Events lead with Last Seen and end with a wide Name column.
function eventColumnsOf(fields: (o: Json) => EventFields): TableColumn[] {
  return [
    column('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.', (o, now) => lastSeen(fields(o), now)),
    column('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future', (o) => fields(o).type ?? ''),
    column(
      'Reason',
      'string',
      "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
      (o) => fields(o).reason ?? '',
    ),
    column('Object', 'string', 'The object that this event is about.', (o) => eventObject(fields(o))),
    column(
      'Subobject',
      'string',
      'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.',
      (o) => fields(o).regarding?.fieldPath ?? '',
      1,
    ),
    column('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.', (o) => eventSource(fields(o)), 1),
    column('Message', 'string', 'A human-readable description of the status of this operation.', (o) => (fields(o).message ?? '').trim()),
    column(
      'First Seen',
      'string',
      'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)',
      (o, now) => firstSeen(fields(o), now),
      1,
    ),
    column('Count', 'string', 'The number of times this event has occurred.', (o) => eventCount(fields(o)), 1),
    { ...nameColumn, priority: 1 },
  ];
}

function healthyCondition(o: KubeObject): Json | undefined {
  return ((o.conditions as Json[] | undefined) ?? []).find((c) => c.type === 'Healthy');
}

export const componentStatusColumns: TableColumn[] = [
  column('Status', 'string', 'Status of the component conditions', (o) => {
    const healthy = healthyCondition(o);
    if (!healthy) return 'Unknown';
    return healthy.status === 'True' ? 'Healthy' : 'Unhealthy';
  }),
  column('Message', 'string', 'Message of the component conditions', (o) => healthyCondition(o)?.message ?? ''),
  column('Error', 'string', 'Error of the component conditions', (o) => healthyCondition(o)?.error ?? ''),
];

export const eventColumns = eventColumnsOf(coreEventFields);
