// Values as kube-apiserver's field errors print structs: Go's %#v of the internal type. Immutable
// field errors quote the whole new value (a Job's pod template, a label selector); pointers print
// as addresses, which differ on every request on a real server too.

import { GoLiteral } from '../errors.js';
import { Quantity } from '../quantity.js';

type Json = Record<string, any>;

/** How a field prints: a scalar, a pointer (`(*T)(nil)` or an address), a slice, a map or a nested struct. */
type FieldType =
  | 'string'
  | 'int'
  | 'bool'
  | 'time'
  | { pointer: string }
  | { slice: string; of?: string }
  | { map: string; quantities?: boolean }
  | { struct: string }
  | { embedded: string };

type Layout = Array<[goName: string, jsonName: string, type: FieldType]>;

const layouts: Record<string, Layout> = {
  'v1.LabelSelector': [
    ['MatchLabels', 'matchLabels', { map: 'map[string]string' }],
    ['MatchExpressions', 'matchExpressions', { slice: '[]v1.LabelSelectorRequirement', of: 'v1.LabelSelectorRequirement' }],
  ],
  'v1.LabelSelectorRequirement': [
    ['Key', 'key', 'string'],
    ['Operator', 'operator', 'string'],
    ['Values', 'values', { slice: '[]string' }],
  ],
  'v1.ObjectMeta': [
    ['Name', 'name', 'string'],
    ['GenerateName', 'generateName', 'string'],
    ['Namespace', 'namespace', 'string'],
    ['SelfLink', 'selfLink', 'string'],
    ['UID', 'uid', 'string'],
    ['ResourceVersion', 'resourceVersion', 'string'],
    ['Generation', 'generation', 'int'],
    ['CreationTimestamp', 'creationTimestamp', 'time'],
    ['DeletionTimestamp', 'deletionTimestamp', { pointer: 'v1.Time' }],
    ['DeletionGracePeriodSeconds', 'deletionGracePeriodSeconds', { pointer: 'int64' }],
    ['Labels', 'labels', { map: 'map[string]string' }],
    ['Annotations', 'annotations', { map: 'map[string]string' }],
    ['OwnerReferences', 'ownerReferences', { slice: '[]v1.OwnerReference' }],
    ['Finalizers', 'finalizers', { slice: '[]string' }],
    ['ManagedFields', 'managedFields', { slice: '[]v1.ManagedFieldsEntry' }],
  ],
  'core.PodTemplateSpec': [
    ['ObjectMeta', 'metadata', { struct: 'v1.ObjectMeta' }],
    ['Spec', 'spec', { struct: 'core.PodSpec' }],
  ],
  'core.PodSpec': [
    ['Volumes', 'volumes', { slice: '[]core.Volume', of: 'core.Volume' }],
    ['InitContainers', 'initContainers', { slice: '[]core.Container', of: 'core.Container' }],
    ['Containers', 'containers', { slice: '[]core.Container', of: 'core.Container' }],
    ['EphemeralContainers', 'ephemeralContainers', { slice: '[]core.EphemeralContainer' }],
    ['RestartPolicy', 'restartPolicy', 'string'],
    ['TerminationGracePeriodSeconds', 'terminationGracePeriodSeconds', { pointer: 'int64' }],
    ['ActiveDeadlineSeconds', 'activeDeadlineSeconds', { pointer: 'int64' }],
    ['DNSPolicy', 'dnsPolicy', 'string'],
    ['NodeSelector', 'nodeSelector', { map: 'map[string]string' }],
    ['ServiceAccountName', 'serviceAccountName', 'string'],
    ['AutomountServiceAccountToken', 'automountServiceAccountToken', { pointer: 'bool' }],
    ['NodeName', 'nodeName', 'string'],
    ['SecurityContext', 'securityContext', { pointer: 'core.PodSecurityContext' }],
    ['ImagePullSecrets', 'imagePullSecrets', { slice: '[]core.LocalObjectReference', of: 'core.LocalObjectReference' }],
    ['Hostname', 'hostname', 'string'],
    ['Subdomain', 'subdomain', 'string'],
    ['SetHostnameAsFQDN', 'setHostnameAsFQDN', { pointer: 'bool' }],
    ['Affinity', 'affinity', { pointer: 'core.Affinity' }],
    ['SchedulerName', 'schedulerName', 'string'],
    ['Tolerations', 'tolerations', { slice: '[]core.Toleration', of: 'core.Toleration' }],
    ['HostAliases', 'hostAliases', { slice: '[]core.HostAlias' }],
    ['PriorityClassName', 'priorityClassName', 'string'],
    ['Priority', 'priority', { pointer: 'int32' }],
    ['PreemptionPolicy', 'preemptionPolicy', { pointer: 'core.PreemptionPolicy' }],
    ['DNSConfig', 'dnsConfig', { pointer: 'core.PodDNSConfig' }],
    ['ReadinessGates', 'readinessGates', { slice: '[]core.PodReadinessGate' }],
    ['RuntimeClassName', 'runtimeClassName', { pointer: 'string' }],
    ['Overhead', 'overhead', { map: 'core.ResourceList', quantities: true }],
    ['EnableServiceLinks', 'enableServiceLinks', { pointer: 'bool' }],
    ['TopologySpreadConstraints', 'topologySpreadConstraints', { slice: '[]core.TopologySpreadConstraint' }],
    ['OS', 'os', { pointer: 'core.PodOS' }],
    ['SchedulingGates', 'schedulingGates', { slice: '[]core.PodSchedulingGate' }],
    ['ResourceClaims', 'resourceClaims', { slice: '[]core.PodResourceClaim' }],
    ['Resources', 'resources', { pointer: 'core.ResourceRequirements' }],
  ],
  'core.Container': [
    ['Name', 'name', 'string'],
    ['Image', 'image', 'string'],
    ['Command', 'command', { slice: '[]string' }],
    ['Args', 'args', { slice: '[]string' }],
    ['WorkingDir', 'workingDir', 'string'],
    ['Ports', 'ports', { slice: '[]core.ContainerPort', of: 'core.ContainerPort' }],
    ['EnvFrom', 'envFrom', { slice: '[]core.EnvFromSource', of: 'core.EnvFromSource' }],
    ['Env', 'env', { slice: '[]core.EnvVar', of: 'core.EnvVar' }],
    ['Resources', 'resources', { struct: 'core.ResourceRequirements' }],
    ['ResizePolicy', 'resizePolicy', { slice: '[]core.ContainerResizePolicy' }],
    ['RestartPolicy', 'restartPolicy', { pointer: 'core.ContainerRestartPolicy' }],
    ['VolumeMounts', 'volumeMounts', { slice: '[]core.VolumeMount', of: 'core.VolumeMount' }],
    ['VolumeDevices', 'volumeDevices', { slice: '[]core.VolumeDevice' }],
    ['LivenessProbe', 'livenessProbe', { pointer: 'core.Probe' }],
    ['ReadinessProbe', 'readinessProbe', { pointer: 'core.Probe' }],
    ['StartupProbe', 'startupProbe', { pointer: 'core.Probe' }],
    ['Lifecycle', 'lifecycle', { pointer: 'core.Lifecycle' }],
    ['TerminationMessagePath', 'terminationMessagePath', 'string'],
    ['TerminationMessagePolicy', 'terminationMessagePolicy', 'string'],
    ['ImagePullPolicy', 'imagePullPolicy', 'string'],
    ['SecurityContext', 'securityContext', { pointer: 'core.SecurityContext' }],
    ['Stdin', 'stdin', 'bool'],
    ['StdinOnce', 'stdinOnce', 'bool'],
    ['TTY', 'tty', 'bool'],
  ],
  'core.ResourceRequirements': [
    ['Limits', 'limits', { map: 'core.ResourceList', quantities: true }],
    ['Requests', 'requests', { map: 'core.ResourceList', quantities: true }],
    ['Claims', 'claims', { slice: '[]core.ResourceClaim' }],
  ],
  'core.ContainerPort': [
    ['Name', 'name', 'string'],
    ['HostPort', 'hostPort', 'int'],
    ['ContainerPort', 'containerPort', 'int'],
    ['Protocol', 'protocol', 'string'],
    ['HostIP', 'hostIP', 'string'],
  ],
  'core.EnvVar': [
    ['Name', 'name', 'string'],
    ['Value', 'value', 'string'],
    ['ValueFrom', 'valueFrom', { pointer: 'core.EnvVarSource' }],
  ],
  'core.EnvFromSource': [
    ['Prefix', 'prefix', 'string'],
    ['ConfigMapRef', 'configMapRef', { pointer: 'core.ConfigMapEnvSource' }],
    ['SecretRef', 'secretRef', { pointer: 'core.SecretEnvSource' }],
  ],
  'core.VolumeMount': [
    ['Name', 'name', 'string'],
    ['ReadOnly', 'readOnly', 'bool'],
    ['RecursiveReadOnly', 'recursiveReadOnly', { pointer: 'core.RecursiveReadOnlyMode' }],
    ['MountPath', 'mountPath', 'string'],
    ['SubPath', 'subPath', 'string'],
    ['MountPropagation', 'mountPropagation', { pointer: 'core.MountPropagationMode' }],
    ['SubPathExpr', 'subPathExpr', 'string'],
  ],
  'core.Toleration': [
    ['Key', 'key', 'string'],
    ['Operator', 'operator', 'string'],
    ['Value', 'value', 'string'],
    ['Effect', 'effect', 'string'],
    ['TolerationSeconds', 'tolerationSeconds', { pointer: 'int64' }],
  ],
  'core.LocalObjectReference': [['Name', 'name', 'string']],
  'policy.PodDisruptionBudgetSpec': [
    ['MinAvailable', 'minAvailable', { pointer: 'intstr.IntOrString' }],
    ['Selector', 'selector', { pointer: 'v1.LabelSelector' }],
    ['MaxUnavailable', 'maxUnavailable', { pointer: 'intstr.IntOrString' }],
    ['UnhealthyPodEvictionPolicy', 'unhealthyPodEvictionPolicy', { pointer: 'policy.UnhealthyPodEvictionPolicyType' }],
  ],
  'storage.CSINodeDriver': [
    ['Name', 'name', 'string'],
    ['NodeID', 'nodeID', 'string'],
    ['TopologyKeys', 'topologyKeys', { slice: '[]string' }],
    ['Allocatable', 'allocatable', { pointer: 'storage.VolumeNodeResources' }],
  ],
  'storage.VolumeAttachmentSpec': [
    ['Attacher', 'attacher', 'string'],
    ['Source', 'source', { struct: 'storage.VolumeAttachmentSource' }],
    ['NodeName', 'nodeName', 'string'],
  ],
  'storage.VolumeAttachmentSource': [
    ['PersistentVolumeName', 'persistentVolumeName', { pointer: 'string' }],
    ['InlineVolumeSpec', 'inlineVolumeSpec', { pointer: 'core.PersistentVolumeSpec' }],
  ],
  'core.VolumeNodeAffinity': [['Required', 'required', { pointer: 'core.NodeSelector' }]],
  'core.Volume': [
    ['Name', 'name', 'string'],
    ['VolumeSource', '', { embedded: 'core.VolumeSource' }],
  ],
  'core.VolumeSource': (
    [
      ['HostPath', 'hostPath', 'HostPathVolumeSource'],
      ['EmptyDir', 'emptyDir', 'EmptyDirVolumeSource'],
      ['GCEPersistentDisk', 'gcePersistentDisk', 'GCEPersistentDiskVolumeSource'],
      ['AWSElasticBlockStore', 'awsElasticBlockStore', 'AWSElasticBlockStoreVolumeSource'],
      ['GitRepo', 'gitRepo', 'GitRepoVolumeSource'],
      ['Secret', 'secret', 'SecretVolumeSource'],
      ['NFS', 'nfs', 'NFSVolumeSource'],
      ['ISCSI', 'iscsi', 'ISCSIVolumeSource'],
      ['Glusterfs', 'glusterfs', 'GlusterfsVolumeSource'],
      ['PersistentVolumeClaim', 'persistentVolumeClaim', 'PersistentVolumeClaimVolumeSource'],
      ['RBD', 'rbd', 'RBDVolumeSource'],
      ['Quobyte', 'quobyte', 'QuobyteVolumeSource'],
      ['FlexVolume', 'flexVolume', 'FlexVolumeSource'],
      ['Cinder', 'cinder', 'CinderVolumeSource'],
      ['CephFS', 'cephfs', 'CephFSVolumeSource'],
      ['Flocker', 'flocker', 'FlockerVolumeSource'],
      ['DownwardAPI', 'downwardAPI', 'DownwardAPIVolumeSource'],
      ['FC', 'fc', 'FCVolumeSource'],
      ['AzureFile', 'azureFile', 'AzureFileVolumeSource'],
      ['ConfigMap', 'configMap', 'ConfigMapVolumeSource'],
      ['VsphereVolume', 'vsphereVolume', 'VsphereVirtualDiskVolumeSource'],
      ['AzureDisk', 'azureDisk', 'AzureDiskVolumeSource'],
      ['PhotonPersistentDisk', 'photonPersistentDisk', 'PhotonPersistentDiskVolumeSource'],
      ['Projected', 'projected', 'ProjectedVolumeSource'],
      ['PortworxVolume', 'portworxVolume', 'PortworxVolumeSource'],
      ['ScaleIO', 'scaleIO', 'ScaleIOVolumeSource'],
      ['StorageOS', 'storageos', 'StorageOSVolumeSource'],
      ['CSI', 'csi', 'CSIVolumeSource'],
      ['Ephemeral', 'ephemeral', 'EphemeralVolumeSource'],
      ['Image', 'image', 'ImageVolumeSource'],
    ] as const
  ).map(([goName, jsonName, type]) => [goName, jsonName, { pointer: `core.${type}` }] as Layout[number]),
};

/** Addresses pointers print as; only their presence matters to a reader. */
let nextAddress = 0xc000100000;

function address(): string {
  nextAddress += 0x40;
  return `0x${nextAddress.toString(16)}`;
}

function goString(value: unknown): string {
  return JSON.stringify(typeof value === 'string' ? value : String(value ?? ''));
}

/**
 * resource.Quantity as %#v prints it after parsing the value: its int64 amount and scale (or a
 * pointer to the inf.Dec holding what int64 cannot), and the text when ParseQuantity cached it.
 */
function goQuantity(value: unknown): string {
  const fields = Quantity.tryParse(String(value ?? '0'))?.goFields() ?? { value: 0n, scale: 0, cached: '', format: 'DecimalSI' };
  const dec = fields.dec ? `(*inf.Dec)(${address()})` : '(*inf.Dec)(nil)';
  return `resource.Quantity{i:resource.int64Amount{value:${fields.value}, scale:${fields.scale}}, d:resource.infDecAmount{Dec:${dec}}, s:${goString(fields.cached)}, Format:"${fields.format}"}`;
}

/** A resource.Quantity as a field error quotes it. */
export function goQuantityLiteral(value: unknown): GoLiteral {
  return new GoLiteral(goQuantity(value));
}

function renderField(type: FieldType, value: unknown): string {
  if (type === 'string') return goString(value);
  if (type === 'int') return String(typeof value === 'number' ? value : 0);
  if (type === 'bool') return String(value === true);
  if (type === 'time') {
    if (!value) return 'time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC)';
    const t = new Date(String(value));
    const month = t.toLocaleString('en-US', { month: 'long', timeZone: 'UTC' });
    return `time.Date(${t.getUTCFullYear()}, time.${month}, ${t.getUTCDate()}, ${t.getUTCHours()}, ${t.getUTCMinutes()}, ${t.getUTCSeconds()}, 0, time.Local)`;
  }
  if ('pointer' in type) {
    if (value === undefined || value === null) return type.pointer === 'v1.Time' ? '<nil>' : `(*${type.pointer})(nil)`;
    return type.pointer === 'v1.Time' ? `time.Date(${value})` : `(*${type.pointer})(${address()})`;
  }
  if ('slice' in type) {
    if (!Array.isArray(value)) return `${type.slice}(nil)`;
    const items = value.map((item) => (type.of ? renderStruct(type.of, item) : type.slice === '[]string' ? goString(item) : JSON.stringify(item)));
    return `${type.slice}{${items.join(', ')}}`;
  }
  if ('map' in type) {
    if (!value || typeof value !== 'object') return `${type.map}(nil)`;
    const entries = Object.entries(value as Json).sort(([a], [b]) => (a < b ? -1 : 1));
    return `${type.map}{${entries.map(([k, v]) => `${goString(k)}:${type.quantities ? goQuantity(v) : goString(v)}`).join(', ')}}`;
  }
  if ('embedded' in type) return renderStruct(type.embedded, value);
  return renderStruct(type.struct, value);
}

function renderStruct(typeName: string, value: unknown): string {
  const object = (value && typeof value === 'object' ? value : {}) as Json;
  const layout = layouts[typeName];
  const fields = layout.map(([goName, jsonName, type]) => {
    const fieldValue = typeof type === 'object' && 'embedded' in type ? object : object[jsonName];
    return `${goName}:${renderField(type, fieldValue)}`;
  });
  return `${typeName}{${fields.join(', ')}}`;
}

/** A *metav1.LabelSelector as a field error quotes it. */
export function goLabelSelector(selector: unknown): GoLiteral {
  if (selector === undefined || selector === null) return new GoLiteral('null');
  return new GoLiteral(renderStruct('v1.LabelSelector', selector));
}

/** A pod template (core.PodTemplateSpec) as a field error quotes it. */
export function goPodTemplateSpec(template: unknown): GoLiteral {
  return new GoLiteral(renderStruct('core.PodTemplateSpec', template));
}

/** A core.Toleration as a field error quotes it. */
export function goToleration(toleration: unknown): GoLiteral {
  return new GoLiteral(renderStruct('core.Toleration', toleration));
}

/** A core.ResourceList (a PersistentVolume's capacity) as a field error quotes it. */
export function goResourceList(list: unknown): GoLiteral {
  return new GoLiteral(renderField({ map: 'core.ResourceList', quantities: true }, list));
}

/** A *core.VolumeNodeAffinity as a field error quotes it. */
export function goVolumeNodeAffinity(affinity: unknown): GoLiteral {
  if (affinity === undefined || affinity === null) return new GoLiteral('null');
  return new GoLiteral(renderStruct('core.VolumeNodeAffinity', affinity));
}

/** A policy.PodDisruptionBudgetSpec as a field error quotes it. */
export function goPodDisruptionBudgetSpec(spec: unknown): GoLiteral {
  return new GoLiteral(renderStruct('policy.PodDisruptionBudgetSpec', spec));
}

/** An intstr.IntOrString as %#v prints it (Type 0 is an int, 1 a string). */
export function goIntOrString(value: unknown): GoLiteral {
  if (typeof value === 'number') return new GoLiteral(`intstr.IntOrString{Type:0, IntVal:${value}, StrVal:""}`);
  return new GoLiteral(`intstr.IntOrString{Type:1, IntVal:0, StrVal:${goString(value)}}`);
}

/** A storage.CSINodeDriver as a field error quotes it. */
export function goCSINodeDriver(driver: unknown): GoLiteral {
  return new GoLiteral(renderStruct('storage.CSINodeDriver', driver));
}

/** A storage.VolumeAttachmentSpec as a field error quotes it. */
export function goVolumeAttachmentSpec(spec: unknown): GoLiteral {
  return new GoLiteral(renderStruct('storage.VolumeAttachmentSpec', spec));
}

/** A decoded JSON value as Go's %v (and %+v) prints it: maps with sorted keys, `<nil>` for null. */
export function goValueText(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(goValueText).join(' ')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    return `map[${Object.keys(object).sort().map((k) => `${k}:${goValueText(object[k])}`).join(' ')}]`;
  }
  return '<nil>';
}

/** A field.Path as %#v prints one given as a field error's value: its last element, its parent by address. */
export function goFieldPath(name: string): GoLiteral {
  return new GoLiteral(`field.Path{name:${goString(name)}, index:"", parent:(*field.Path)(${address()})}`);
}
