// storage.k8s.io/v1: StorageClasses, CSIDrivers, CSINodes, VolumeAttachments, CSIStorageCapacities
// (pkg/registry/storage/*, pkg/apis/storage/validation, pkg/apis/storage/v1 defaults).

import { field, GoLiteral, type FieldError } from '../../errors.js';
import { jsonEqual } from '../../json.js';
import { Quantity, QuantityError, quantityString } from '../../quantity.js';
import type { KubeObject } from '../../store/types.js';
import { goCSINodeDriver, goLabelSelector, goVolumeAttachmentSpec } from '../go-literal.js';
import type { ResourceDefinition } from '../types.js';
import { isDNS1123Subdomain, isQualifiedName, validateLabelKey, validateLabelSelector } from '../validation.js';
import { define, keepAllButStatusAndMetadata, keepStatus, statusSubresource } from './common.js';
import { nodeLabelDeprecation, nodeSelectorWarnings } from './node-labels.js';
import { csiDriverColumns, csiNodeColumns, storageClassColumns, volumeAttachmentColumns } from './storage-printers.js';

type Json = Record<string, any>;

const group = 'storage.k8s.io';
const version = 'v1';

const isSet = (value: unknown) => value !== undefined && value !== null;

/** The value without null or absent fields, as Go's semantic equality of decoded structs sees it. */
function decoded(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decoded);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => isSet(v)).map(([k, v]) => [k, decoded(v)]));
}

const sameDecoded = (a: unknown, b: unknown) => jsonEqual(decoded(a), decoded(b));

/** ValidateCSIDriverName of core validation: a DNS subdomain (case-insensitive) of at most 63 characters. */
function validateCSIDriverName(name: unknown, path: string): FieldError[] {
  const text = String(name ?? '');
  const out: FieldError[] = [];
  if (text.length === 0) out.push(field.required(path));
  if (text.length > 63) out.push(field.tooLong(path, 63));
  for (const problem of isDNS1123Subdomain(text.toLowerCase())) out.push(field.invalid(path, text, problem));
  return out;
}

// ---------- StorageClass ----------

const maxParameters = 512;
const maxParametersSize = 256 * 1024;
const reclaimPolicies = ['Delete', 'Retain'];
const volumeBindingModes = ['Immediate', 'WaitForFirstConsumer'];

function validateParameters(parameters: unknown, path: string): FieldError[] {
  if (!parameters || typeof parameters !== 'object') return [];
  const entries = Object.entries(parameters as Record<string, unknown>);
  if (entries.length > maxParameters) return [field.tooLong(path, maxParameters)];
  const out: FieldError[] = [];
  let size = 0;
  for (const [key, value] of entries) {
    if (key.length === 0) out.push(field.invalid(path, key, 'field can not be empty.'));
    size += key.length + String(value ?? '').length;
  }
  if (size > maxParametersSize) out.push(field.tooLong(path, maxParametersSize));
  return out;
}

type TermMap = Map<string, Set<string>>;

function sameTerm(a: TermMap, b: TermMap): boolean {
  if (a.size !== b.size) return false;
  for (const [key, values] of a) {
    const other = b.get(key);
    if (!other || other.size !== values.size || [...values].some((v) => !other.has(v))) return false;
  }
  return true;
}

/** validateAllowedTopologies: each term's requirements (ValidateTopologySelectorTerm), and no term twice. */
function validateAllowedTopologies(topologies: unknown, path: string): FieldError[] {
  if (!Array.isArray(topologies) || topologies.length === 0) return [];
  const out: FieldError[] = [];
  // The list starts with as many empty terms as there are terms, so an empty term counts as a duplicate.
  const seen: TermMap[] = topologies.map(() => new Map());
  topologies.forEach((term: Json, i: number) => {
    const termMap: TermMap = new Map();
    ((term?.matchLabelExpressions ?? []) as Json[]).forEach((requirement, j) => {
      const at = `${path}[${i}].matchLabelExpressions[${j}]`;
      const values: unknown[] = Array.isArray(requirement?.values) ? requirement.values : [];
      if (values.length === 0) out.push(field.required(`${at}.values`));
      const valueSet = new Set<string>();
      values.forEach((value, k) => {
        if (valueSet.has(String(value))) out.push(field.duplicate(`${at}.values[${k}]`, value));
        valueSet.add(String(value));
      });
      const key = String(requirement?.key ?? '');
      out.push(...validateLabelKey(key, `${at}.key`));
      if (termMap.has(key)) out.push(field.duplicate(`${at}.key`, key));
      termMap.set(key, valueSet);
    });
    if (seen.some((other) => sameTerm(termMap, other))) out.push(field.duplicate(`${path}[${i}].matchLabelExpressions`, ''));
    seen.push(termMap);
  });
  return out;
}

function validateStorageClass(sc: KubeObject): FieldError[] {
  const out: FieldError[] = [];
  const provisioner = String(sc.provisioner ?? '');
  if (provisioner.length === 0) out.push(field.required('provisioner'));
  else for (const problem of isQualifiedName(provisioner.toLowerCase())) out.push(field.invalid('provisioner', provisioner.toLowerCase(), problem));
  out.push(...validateParameters(sc.parameters, 'parameters'));
  if (sc.reclaimPolicy && !reclaimPolicies.includes(sc.reclaimPolicy as string)) out.push(field.notSupported('reclaimPolicy', sc.reclaimPolicy, reclaimPolicies));
  if (!isSet(sc.volumeBindingMode)) out.push(field.required('volumeBindingMode'));
  else if (!volumeBindingModes.includes(sc.volumeBindingMode as string)) out.push(field.notSupported('volumeBindingMode', sc.volumeBindingMode, volumeBindingModes));
  out.push(...validateAllowedTopologies(sc.allowedTopologies, 'allowedTopologies'));
  return out;
}

function validateStorageClassUpdate(sc: KubeObject, old: KubeObject): FieldError[] {
  const out: FieldError[] = [];
  if (!jsonEqual(sc.parameters ?? null, old.parameters ?? null)) out.push(field.forbidden('parameters', 'updates to parameters are forbidden.'));
  if (sc.provisioner !== old.provisioner) out.push(field.forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (sc.reclaimPolicy !== old.reclaimPolicy) out.push(field.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if (sc.volumeBindingMode !== old.volumeBindingMode) out.push(field.invalid('volumeBindingMode', sc.volumeBindingMode, 'field is immutable'));
  return out;
}

/** GetWarningsForStorageClass: deprecated node labels in allowedTopologies. */
function storageClassWarnings(sc: KubeObject): string[] {
  const out: string[] = [];
  ((sc.allowedTopologies ?? []) as Json[]).forEach((term, i) => {
    ((term?.matchLabelExpressions ?? []) as Json[]).forEach((requirement, j) => {
      const message = nodeLabelDeprecation(String(requirement?.key ?? ''));
      if (message) out.push(`allowedTopologies[${i}].matchLabelExpressions[${j}].key: ${message}`);
    });
  });
  return out;
}

export const storageclasses = define({
  group,
  version,
  kind: 'StorageClass',
  plural: 'storageclasses',
  namespaced: false,
  shortNames: ['sc'],
  strategy: {
    table: storageClassColumns,
    defaults(sc) {
      sc.reclaimPolicy ??= 'Delete';
      sc.volumeBindingMode ??= 'Immediate';
    },
    validate: validateStorageClass,
    validateUpdate: validateStorageClassUpdate,
    warningsOnCreate: storageClassWarnings,
    warningsOnUpdate: storageClassWarnings,
  },
});

// ---------- CSIDriver ----------

const fsGroupPolicies = ['File', 'None', 'ReadWriteOnceWithFSType'];
const lifecycleModes = ['Persistent', 'Ephemeral'];
const minTokenSeconds = 10 * 60;
const maxTokenSeconds = 2 ** 32;

function validateCSIDriverSpec(spec: Json): FieldError[] {
  const out: FieldError[] = [];
  for (const [name, path] of [
    ['attachRequired', 'spec.attachedRequired'],
    ['podInfoOnMount', 'spec.podInfoOnMount'],
    ['storageCapacity', 'spec.storageCapacity'],
  ]) {
    if (!isSet(spec[name])) out.push(field.required(path));
  }
  if (isSet(spec.fsGroupPolicy) && !fsGroupPolicies.includes(spec.fsGroupPolicy as string)) out.push(field.notSupported('spec.fsGroupPolicy', spec.fsGroupPolicy, fsGroupPolicies));
  const audiences = new Set<string>();
  ((spec.tokenRequests ?? []) as Json[]).forEach((request, i) => {
    const at = `spec.tokenRequests[${i}]`;
    const audience = String(request?.audience ?? '');
    if (audiences.has(audience)) {
      out.push(field.duplicate(`${at}.audience`, audience));
      return;
    }
    audiences.add(audience);
    const seconds = request?.expirationSeconds;
    if (typeof seconds !== 'number') return;
    if (seconds < minTokenSeconds) out.push(field.invalid(`${at}.expirationSeconds`, seconds, 'may not specify a duration less than 10 minutes'));
    if (seconds > maxTokenSeconds) out.push(field.invalid(`${at}.expirationSeconds`, seconds, 'may not specify a duration larger than 2^32 seconds'));
  });
  for (const mode of (spec.volumeLifecycleModes ?? []) as unknown[]) {
    if (!lifecycleModes.includes(mode as string)) out.push(field.notSupported('spec.volumeLifecycleModes', mode, lifecycleModes));
  }
  if (!isSet(spec.seLinuxMount)) out.push(field.required('spec.seLinuxMount'));
  return out;
}

const goLifecycleModes = (modes: unknown) =>
  new GoLiteral(Array.isArray(modes) ? `[]storage.VolumeLifecycleMode{${modes.map((m) => JSON.stringify(String(m))).join(', ')}}` : '[]storage.VolumeLifecycleMode(nil)');

export const csidrivers = define({
  group,
  version,
  kind: 'CSIDriver',
  plural: 'csidrivers',
  namespaced: false,
  strategy: {
    table: csiDriverColumns,
    allowUnconditionalUpdate: false,
    defaults(driver) {
      const spec = (driver.spec ??= {}) as Json;
      spec.attachRequired ??= true;
      spec.podInfoOnMount ??= false;
      spec.storageCapacity ??= false;
      spec.fsGroupPolicy ??= 'ReadWriteOnceWithFSType';
      if (!Array.isArray(spec.volumeLifecycleModes) || spec.volumeLifecycleModes.length === 0) spec.volumeLifecycleModes = ['Persistent'];
      spec.requiresRepublish ??= false;
      spec.seLinuxMount ??= false;
    },
    // A generation appears with the first change of the spec, as the CSIDriver strategy counts it.
    prepareForUpdate(driver, old) {
      if (!jsonEqual(driver.spec, old.spec)) driver.metadata.generation = (old.metadata.generation ?? 0) + 1;
    },
    validate: (driver) => validateCSIDriverSpec((driver.spec ?? {}) as Json),
    validateUpdate(driver, old) {
      const spec = (driver.spec ?? {}) as Json;
      const oldSpec = (old.spec ?? {}) as Json;
      const out: FieldError[] = [];
      if (spec.attachRequired !== oldSpec.attachRequired) out.push(field.invalid('spec.attachedRequired', spec.attachRequired, 'field is immutable'));
      if (!jsonEqual(spec.volumeLifecycleModes, oldSpec.volumeLifecycleModes)) out.push(field.invalid('spec.volumeLifecycleModes', goLifecycleModes(spec.volumeLifecycleModes), 'field is immutable'));
      return out;
    },
  },
});

// ---------- CSINode ----------

const maxNodeIDLength = 256;

function validateCSINode(node: KubeObject): FieldError[] {
  const out: FieldError[] = [];
  const names = new Set<string>();
  (((node.spec as Json | undefined)?.drivers ?? []) as Json[]).forEach((driver, i) => {
    const at = `spec.drivers[${i}]`;
    const name = String(driver?.name ?? '');
    out.push(...validateCSIDriverName(name, `${at}.name`));
    const nodeID = String(driver?.nodeID ?? '');
    if (nodeID.length === 0) out.push(field.required(`${at}.nodeID`));
    if (nodeID.length > maxNodeIDLength) out.push(field.invalid(`${at}.nodeID`, nodeID, `must be ${maxNodeIDLength} characters or less`));
    const count = driver?.allocatable?.count;
    if (typeof count === 'number' && count < 0) out.push(field.invalid(`${at}.allocatable.count`, count, 'must be greater than or equal to 0'));
    if (names.has(name)) out.push(field.duplicate(`${at}.name`, name));
    names.add(name);
    const keys = new Set<string>();
    for (const key of (driver?.topologyKeys ?? []) as string[]) {
      if (key.length === 0) out.push(field.required(at));
      if (keys.has(key)) out.push(field.duplicate(at, key));
      keys.add(key);
      for (const problem of isQualifiedName(key)) out.push(field.invalid(at, key, problem));
    }
  });
  return out;
}

export const csinodes = define({
  group,
  version,
  kind: 'CSINode',
  plural: 'csinodes',
  namespaced: false,
  strategy: {
    table: csiNodeColumns,
    allowUnconditionalUpdate: false,
    validate: validateCSINode,
    // A driver, once registered, stays as it is; drivers may come and go.
    validateUpdate(node, old) {
      const out: FieldError[] = [];
      for (const before of ((old.spec as Json | undefined)?.drivers ?? []) as Json[]) {
        for (const after of ((node.spec as Json | undefined)?.drivers ?? []) as Json[]) {
          if (before?.name === after?.name && !sameDecoded(before, after)) out.push(field.invalid('CSINodeDriver', goCSINodeDriver(after), 'field is immutable'));
        }
      }
      return out;
    },
  },
});

// ---------- VolumeAttachment ----------

function validateVolumeAttachment(attachment: KubeObject): FieldError[] {
  const spec = (attachment.spec ?? {}) as Json;
  const out: FieldError[] = [];
  if (!spec.attacher) out.push(field.required('spec.attacher'));
  const source = (spec.source ?? {}) as Json;
  const byName = isSet(source.persistentVolumeName);
  const inline = isSet(source.inlineVolumeSpec);
  if (!byName && !inline) out.push(field.required('spec.source', 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'));
  else if (byName && inline) out.push(field.forbidden('spec.source', 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'));
  else if (byName && source.persistentVolumeName === '') out.push(field.required('spec.source.persistentVolumeName', 'must specify non empty persistentVolumeName'));
  const nodeName = String(spec.nodeName ?? '');
  for (const problem of isDNS1123Subdomain(nodeName)) out.push(field.invalid('spec.nodeName', nodeName, problem));
  const status = (attachment.status ?? {}) as Json;
  const metadataSize = Object.entries((status.attachmentMetadata ?? {}) as Record<string, string>).reduce((n, [k, v]) => n + k.length + String(v).length, 0);
  if (metadataSize > maxParametersSize) out.push(field.tooLong('status.attachmentMetadata', maxParametersSize));
  for (const name of ['attachError', 'detachError']) {
    if (String(status[name]?.message ?? '').length > 1024) out.push(field.tooLong(`status.${name}.message`, maxParametersSize));
  }
  return out;
}

/** ValidateVolumeAttachmentV1: checks only a create makes. */
function validateVolumeAttachmentV1(attachment: KubeObject): FieldError[] {
  const spec = (attachment.spec ?? {}) as Json;
  const out = validateCSIDriverName(spec.attacher, 'spec.attacher');
  const pv = spec.source?.persistentVolumeName;
  if (isSet(pv)) for (const problem of isDNS1123Subdomain(String(pv))) out.push(field.invalid('spec.source.persistentVolumeName', pv, problem));
  return out;
}

export const volumeattachments = define({
  group,
  version,
  kind: 'VolumeAttachment',
  plural: 'volumeattachments',
  namespaced: false,
  subresources: [statusSubresource],
  strategy: {
    table: volumeAttachmentColumns,
    allowUnconditionalUpdate: false,
    prepareForCreate(attachment) {
      attachment.status = { attached: false };
    },
    prepareForUpdate: keepStatus,
    subresourceUpdates: { status: keepAllButStatusAndMetadata },
    validate: validateVolumeAttachment,
    validateCreate: validateVolumeAttachmentV1,
    validateUpdate(attachment, old) {
      return sameDecoded(attachment.spec, old.spec) ? [] : [field.invalid('spec', goVolumeAttachmentSpec(attachment.spec), 'field is immutable')];
    },
    subresourceValidation: {
      status: (attachment, old) => (sameDecoded(attachment.spec, old.spec) ? [] : [field.invalid('spec', goVolumeAttachmentSpec(attachment.spec), 'field is immutable')]),
    },
  },
});

// ---------- CSIStorageCapacity ----------

function validateCapacity(capacity: KubeObject): FieldError[] {
  const out = validateLabelSelector(capacity.nodeTopology, 'nodeTopology');
  const className = String(capacity.storageClassName ?? '');
  for (const problem of isDNS1123Subdomain(className)) out.push(field.invalid('storageClassName', className, problem));
  if (isSet(capacity.capacity)) {
    try {
      if (Quantity.parse(String(capacity.capacity)).sign() < 0) out.push(field.invalid('capacity', quantityString(capacity.capacity), 'must be greater than or equal to 0'));
    } catch (err) {
      if (!(err instanceof QuantityError)) throw err;
    }
  }
  return out;
}

const capacityWarnings = (capacity: KubeObject) => nodeSelectorWarnings(capacity.nodeTopology, 'nodeTopology');

export const csistoragecapacities = define({
  group,
  version,
  kind: 'CSIStorageCapacity',
  plural: 'csistoragecapacities',
  namespaced: true,
  strategy: {
    allowUnconditionalUpdate: false,
    validate: validateCapacity,
    validateUpdate(capacity, old) {
      const out: FieldError[] = [];
      if (!sameDecoded(capacity.nodeTopology, old.nodeTopology)) out.push(field.invalid('nodeTopology', goLabelSelector(capacity.nodeTopology), 'field is immutable'));
      if (capacity.storageClassName !== old.storageClassName) out.push(field.invalid('storageClassName', capacity.storageClassName, 'field is immutable'));
      return out;
    },
    warningsOnCreate: capacityWarnings,
    warningsOnUpdate: capacityWarnings,
  },
});

export const storageResources: ResourceDefinition[] = [storageclasses, volumeattachments, csinodes, csidrivers, csistoragecapacities];
