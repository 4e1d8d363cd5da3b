// What client-node's models do not carry but clients read from the schema: how lists merge under
// strategic merge patch and server-side apply, which maps and structs are atomic, which strings are
// Quantities, and what the untyped fields hold. Taken from the Go types' markers
// (+patchStrategy, +patchMergeKey, +listType, +listMapKey, +mapType, +structType).

export interface SchemaExtensions {
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
}

const core = (type: string) => `io.k8s.api.core.v1.${type}`;
const apps = (type: string) => `io.k8s.api.apps.v1.${type}`;
const metaV1 = (type: string) => `io.k8s.apimachinery.pkg.apis.meta.v1.${type}`;

/** A list merged element by element: by `mergeKey` in strategic merge patch, by `mapKeys` in server-side apply. */
function keyedList(mergeKey: string, mapKeys = [mergeKey], patchStrategy = 'merge'): SchemaExtensions {
  return {
    'x-kubernetes-list-map-keys': mapKeys,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-patch-merge-key': mergeKey,
    'x-kubernetes-patch-strategy': patchStrategy,
  };
}

const atomic: SchemaExtensions = { 'x-kubernetes-list-type': 'atomic' };
const atomicMap: SchemaExtensions = { 'x-kubernetes-map-type': 'atomic' };
const byName = keyedList('name');
const byType = keyedList('type');
const conditions = { conditions: byType };

const containerLists: Record<string, SchemaExtensions> = {
  args: atomic,
  command: atomic,
  env: byName,
  envFrom: atomic,
  ports: keyedList('containerPort', ['containerPort', 'protocol']),
  resizePolicy: atomic,
  volumeDevices: keyedList('devicePath'),
  volumeMounts: keyedList('mountPath'),
};

/** Extensions on fields, by schema name and JSON field name. */
export const fieldExtensions: Record<string, Record<string, SchemaExtensions>> = {
  [metaV1('ObjectMeta')]: {
    finalizers: { 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' },
    managedFields: atomic,
    ownerReferences: keyedList('uid'),
  },
  [metaV1('LabelSelector')]: { matchExpressions: atomic },
  [core('PodSpec')]: {
    containers: byName,
    ephemeralContainers: byName,
    hostAliases: keyedList('ip'),
    imagePullSecrets: byName,
    initContainers: byName,
    nodeSelector: atomicMap,
    readinessGates: atomic,
    resourceClaims: keyedList('name', ['name'], 'merge,retainKeys'),
    schedulingGates: byName,
    tolerations: atomic,
    topologySpreadConstraints: keyedList('topologyKey', ['topologyKey', 'whenUnsatisfiable']),
    volumes: keyedList('name', ['name'], 'merge,retainKeys'),
  },
  [core('Container')]: containerLists,
  [core('EphemeralContainer')]: containerLists,
  [core('ContainerStatus')]: { allocatedResourcesStatus: byName, volumeMounts: keyedList('mountPath') },
  [core('ResourceRequirements')]: { claims: { 'x-kubernetes-list-map-keys': ['name'], 'x-kubernetes-list-type': 'map' } },
  [core('PodStatus')]: {
    conditions: byType,
    containerStatuses: atomic,
    ephemeralContainerStatuses: atomic,
    hostIPs: { 'x-kubernetes-list-type': 'atomic', 'x-kubernetes-patch-merge-key': 'ip', 'x-kubernetes-patch-strategy': 'merge' },
    initContainerStatuses: atomic,
    podIPs: keyedList('ip'),
    resourceClaimStatuses: keyedList('name', ['name'], 'merge,retainKeys'),
  },
  [core('PodDNSConfig')]: { nameservers: atomic, options: atomic, searches: atomic },
  [core('PodSecurityContext')]: { supplementalGroups: atomic, sysctls: atomic },
  [core('ServiceSpec')]: {
    clusterIPs: atomic,
    externalIPs: atomic,
    ipFamilies: atomic,
    loadBalancerSourceRanges: atomic,
    ports: keyedList('port', ['port', 'protocol']),
    selector: atomicMap,
  },
  [core('ServiceStatus')]: conditions,
  [core('ServiceAccount')]: { imagePullSecrets: atomic, secrets: byName },
  [core('NodeSpec')]: { podCIDRs: { 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' }, taints: atomic },
  [core('NodeStatus')]: { addresses: byType, conditions: byType, images: atomic, volumesAttached: atomic, volumesInUse: atomic },
  [core('NamespaceSpec')]: { finalizers: atomic },
  [core('NamespaceStatus')]: conditions,
  [core('PersistentVolumeClaimStatus')]: conditions,
  [core('ReplicationControllerSpec')]: { selector: atomicMap },
  [core('ReplicationControllerStatus')]: conditions,
  [core('Endpoints')]: { subsets: atomic },
  [core('EndpointSubset')]: { addresses: atomic, notReadyAddresses: atomic, ports: atomic },
  [apps('DeploymentSpec')]: { strategy: { 'x-kubernetes-patch-strategy': 'retainKeys' } },
  [apps('DeploymentStatus')]: conditions,
  [apps('ReplicaSetStatus')]: conditions,
  [apps('StatefulSetSpec')]: { volumeClaimTemplates: atomic },
  [apps('StatefulSetStatus')]: conditions,
  [apps('DaemonSetStatus')]: conditions,
  'io.k8s.api.discovery.v1.EndpointSlice': { endpoints: atomic, ports: atomic },
  'io.k8s.api.discovery.v1.Endpoint': { addresses: { 'x-kubernetes-list-type': 'set' } },
};

/** Types server-side apply replaces whole rather than field by field. */
export const atomicTypes = new Set([
  metaV1('LabelSelector'),
  metaV1('OwnerReference'),
  core('ObjectReference'),
  core('LocalObjectReference'),
  core('TypedLocalObjectReference'),
  core('ObjectFieldSelector'),
  core('ResourceFieldSelector'),
  core('ConfigMapKeySelector'),
  core('SecretKeySelector'),
  core('NodeSelector'),
  core('NodeSelectorTerm'),
  core('EndpointAddress'),
  core('EndpointPort'),
]);

/** Fields client-node types as strings (or maps of them) that hold resource.Quantity values. */
export const quantityFields: Record<string, string[]> = {
  [core('ResourceRequirements')]: ['limits', 'requests'],
  [core('VolumeResourceRequirements')]: ['limits', 'requests'],
  [core('PodSpec')]: ['overhead'],
  [core('ContainerStatus')]: ['allocatedResources'],
  [core('EmptyDirVolumeSource')]: ['sizeLimit'],
  [core('ResourceFieldSelector')]: ['divisor'],
  [core('NodeStatus')]: ['allocatable', 'capacity'],
  [core('PersistentVolumeSpec')]: ['capacity'],
  [core('PersistentVolumeClaimStatus')]: ['allocatedResources', 'capacity'],
  [core('ResourceQuotaSpec')]: ['hard'],
  [core('ResourceQuotaStatus')]: ['hard', 'used'],
  [core('LimitRangeItem')]: ['default', 'defaultRequest', 'max', 'maxLimitRequestRatio', 'min'],
};

/** What client-node's untyped (`any`) fields are; the rest hold arbitrary JSON. */
export const untypedFields: Record<string, Record<string, string>> = {
  [metaV1('ManagedFieldsEntry')]: { fieldsV1: metaV1('FieldsV1') },
  [metaV1('WatchEvent')]: { object: 'io.k8s.apimachinery.pkg.runtime.RawExtension' },
  [apps('ControllerRevision')]: { data: 'io.k8s.apimachinery.pkg.runtime.RawExtension' },
};
