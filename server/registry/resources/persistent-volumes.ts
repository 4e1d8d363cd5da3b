// PersistentVolume specs as kube-apiserver 1.32 validates them (ValidatePersistentVolume{Spec,Update}
// and the volume plugins' mount option check): access modes, a storage capacity, one volume source
// with the checks of the sources tests use (hostPath, local, nfs, csi), node affinity, and a source
// that may not change after creation.

import { field, type FieldError, GoLiteral } from '../../errors.js';
import { isJsonObject, jsonEqual } from '../../json.js';
import { Quantity } from '../../quantity.js';
import type { KubeObject } from '../../store/types.js';
import { goResourceList, goVolumeNodeAffinity } from '../go-literal.js';
import { fieldChanges, isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from '../validation.js';

type Json = Record<string, any>;

const accessModes = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const reclaimPolicies = ['Delete', 'Recycle', 'Retain'];
const volumeModes = ['Block', 'Filesystem'];
const hostPathTypes = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];
const mountOptionsAnnotation = 'volume.beta.kubernetes.io/mount-options';

/** Each source a spec may hold, in the order kube-apiserver looks at them; `errorsAt` where its own checks report, when not its field. */
const volumeSources: Array<{ name: string; errorsAt?: string; mountOptions?: boolean; validate?: (source: Json, path: string) => FieldError[] }> = [
  { name: 'hostPath', validate: validateHostPath },
  { name: 'gcePersistentDisk', errorsAt: 'persistentDisk', mountOptions: true },
  { name: 'awsElasticBlockStore', mountOptions: true },
  { name: 'glusterfs', mountOptions: true },
  { name: 'flocker' },
  { name: 'nfs', mountOptions: true, validate: validateNFS },
  { name: 'rbd', mountOptions: true },
  { name: 'quobyte', mountOptions: true },
  { name: 'cephfs', mountOptions: true },
  { name: 'iscsi', mountOptions: true },
  { name: 'cinder', mountOptions: true },
  { name: 'fc' },
  { name: 'flexVolume' },
  { name: 'azureFile', mountOptions: true },
  { name: 'vsphereVolume', mountOptions: true },
  { name: 'photonPersistentDisk', mountOptions: true },
  { name: 'portworxVolume' },
  { name: 'azureDisk', mountOptions: true },
  { name: 'scaleIO' },
  { name: 'local', validate: validateLocal },
  { name: 'storageos' },
  { name: 'csi', validate: validateCSI },
];

const isSet = (value: unknown): boolean => value !== undefined && value !== null;
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

function noBacksteps(value: string, path: string): FieldError[] {
  return value.split('/').includes('..') ? [field.invalid(path, value, "must not contain '..'")] : [];
}

function validateHostPath(source: Json, path: string): FieldError[] {
  const hostPath = text(source.path);
  if (!hostPath) return [field.required(`${path}.path`)];
  const out = noBacksteps(hostPath, `${path}.path`);
  if (isSet(source.type) && !hostPathTypes.includes(source.type)) out.push(field.notSupported(`${path}.type`, source.type, hostPathTypes));
  return out;
}

function validateLocal(source: Json, path: string): FieldError[] {
  const localPath = text(source.path);
  return localPath ? noBacksteps(localPath, `${path}.path`) : [field.required(`${path}.path`)];
}

function validateNFS(source: Json, path: string): FieldError[] {
  const out: FieldError[] = [];
  if (!text(source.server)) out.push(field.required(`${path}.server`));
  const exported = text(source.path);
  if (!exported) out.push(field.required(`${path}.path`));
  if (!exported.startsWith('/')) out.push(field.invalid(`${path}.path`, exported, 'must be an absolute path'));
  return out;
}

function validateSecretReference(ref: Json, path: string): FieldError[] {
  const out: FieldError[] = [];
  const name = text(ref.name);
  const namespace = text(ref.namespace);
  if (!name) out.push(field.required(`${path}.name`));
  else out.push(...isDNS1123Subdomain(name).map((p) => field.invalid(`${path}.name`, name, p)));
  if (!namespace) out.push(field.required(`${path}.namespace`));
  else out.push(...isDNS1123Label(namespace).map((p) => field.invalid(`${path}.namespace`, namespace, p)));
  return out;
}

function validateCSI(source: Json, path: string): FieldError[] {
  const out: FieldError[] = [];
  const driver = text(source.driver);
  if (!driver) out.push(field.required(`${path}.driver`));
  if (driver.length > 63) out.push(field.tooLong(`${path}.driver`, 63));
  out.push(...isDNS1123Subdomain(driver.toLowerCase()).map((p) => field.invalid(`${path}.driver`, driver, p)));
  if (!text(source.volumeHandle)) out.push(field.required(`${path}.volumeHandle`));
  for (const ref of ['controllerPublishSecretRef', 'controllerExpandSecretRef', 'nodePublishSecretRef', 'nodeExpandSecretRef']) {
    if (isJsonObject(source[ref])) out.push(...validateSecretReference(source[ref], `${path}.${ref}`));
  }
  return out;
}

/** ValidateNodeSelector as a volume's node affinity uses it (label values are not checked there). */
function validateNodeSelector(selector: Json, path: string): FieldError[] {
  const terms: unknown[] = Array.isArray(selector.nodeSelectorTerms) ? selector.nodeSelectorTerms : [];
  if (terms.length === 0) return [field.required(`${path}.nodeSelectorTerms`, 'must have at least one node selector term')];
  const out: FieldError[] = [];
  terms.forEach((term, i) => {
    const at = `${path}.nodeSelectorTerms[${i}]`;
    const expressions: Json[] = isJsonObject(term) && Array.isArray(term.matchExpressions) ? term.matchExpressions : [];
    expressions.forEach((requirement, j) => out.push(...validateNodeSelectorRequirement(requirement ?? {}, `${at}.matchExpressions[${j}]`)));
    const fields: Json[] = isJsonObject(term) && Array.isArray(term.matchFields) ? term.matchFields : [];
    fields.forEach((requirement, j) => out.push(...validateNodeFieldRequirement(requirement ?? {}, `${at}.matchFields[${j}]`)));
  });
  return out;
}

function validateNodeSelectorRequirement(requirement: Json, path: string): FieldError[] {
  const out: FieldError[] = [];
  const values: unknown[] = Array.isArray(requirement.values) ? requirement.values : [];
  const operator = requirement.operator;
  if (operator === 'In' || operator === 'NotIn') {
    if (values.length === 0) out.push(field.required(`${path}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
  } else if (operator === 'Exists' || operator === 'DoesNotExist') {
    if (values.length > 0) out.push(field.forbidden(`${path}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
  } else if (operator === 'Gt' || operator === 'Lt') {
    if (values.length !== 1) out.push(field.required(`${path}.values`, "must be specified single value when `operator` is 'Lt' or 'Gt'"));
  } else {
    out.push(field.invalid(`${path}.operator`, operator ?? '', 'not a valid selector operator'));
  }
  const key = text(requirement.key);
  out.push(...isQualifiedName(key).map((p) => field.invalid(`${path}.key`, key, p)));
  return out;
}

function validateNodeFieldRequirement(requirement: Json, path: string): FieldError[] {
  const out: FieldError[] = [];
  const values: unknown[] = Array.isArray(requirement.values) ? requirement.values : [];
  if (requirement.operator === 'In' || requirement.operator === 'NotIn') {
    if (values.length !== 1) out.push(field.required(`${path}.values`, "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
  } else {
    out.push(field.invalid(`${path}.operator`, requirement.operator ?? '', 'not a valid selector operator'));
  }
  if (requirement.key !== 'metadata.name') out.push(field.invalid(`${path}.key`, requirement.key ?? '', 'not a valid field selector key'));
  else values.forEach((value, i) => out.push(...isDNS1123Subdomain(text(value)).map((p) => field.invalid(`${path}.values[${i}]`, value, p))));
  return out;
}

function validateCapacity(capacity: unknown): FieldError[] {
  const resources = isJsonObject(capacity) ? capacity : {};
  const names = Object.keys(resources);
  const out: FieldError[] = [];
  if (names.length === 0) out.push(field.required('spec.capacity'));
  if (!names.includes('storage') || names.length > 1) {
    out.push(field.notSupported('spec.capacity', isJsonObject(capacity) ? goResourceList(capacity) : new GoLiteral('core.ResourceList(nil)'), ['storage']));
  }
  for (const name of names) {
    const quantity = Quantity.tryParse(String(resources[name]));
    if (quantity && quantity.sign() <= 0) out.push(field.invalid(`spec.capacity[${name}]`, quantity.toString(), 'must be greater than zero'));
  }
  return out;
}

/** ValidatePersistentVolumeSpec for a PersistentVolume object, with the mount option check of its source. */
export function validatePersistentVolume(pv: KubeObject): FieldError[] {
  const spec = (pv.spec ?? {}) as Json;
  const out: FieldError[] = [];
  const modes: unknown[] = Array.isArray(spec.accessModes) ? spec.accessModes : [];
  if (modes.length === 0) out.push(field.required('spec.accessModes'));
  let oncePod = false;
  let others = false;
  for (const mode of modes) {
    if (!accessModes.includes(String(mode))) out.push(field.notSupported('spec.accessModes', mode, accessModes));
    else if (mode === 'ReadWriteOncePod') oncePod = true;
    else others = true;
  }
  if (oncePod && others) out.push(field.forbidden('spec.accessModes', 'may not use ReadWriteOncePod with other access modes'));
  out.push(...validateCapacity(spec.capacity));
  if (spec.persistentVolumeReclaimPolicy && !reclaimPolicies.includes(spec.persistentVolumeReclaimPolicy)) {
    out.push(field.notSupported('spec.persistentVolumeReclaimPolicy', spec.persistentVolumeReclaimPolicy, reclaimPolicies));
  }
  const affinity = isJsonObject(spec.nodeAffinity) ? spec.nodeAffinity : undefined;
  if (affinity) {
    if (isJsonObject(affinity.required)) out.push(...validateNodeSelector(affinity.required, 'spec.nodeAffinity.required'));
    else out.push(field.required('spec.nodeAffinity.required', 'must specify required node constraints'));
  }
  let sources = 0;
  for (const source of volumeSources) {
    if (!isJsonObject(spec[source.name])) continue;
    // A flexVolume is counted but never refused as a second source.
    if (sources > 0 && source.name !== 'flexVolume') {
      out.push(field.forbidden(`spec.${source.name === 'cephfs' ? 'cephFS' : source.name}`, 'may not specify more than 1 volume type'));
      continue;
    }
    sources++;
    out.push(...(source.validate?.(spec[source.name], `spec.${source.errorsAt ?? source.name}`) ?? []));
    if (source.name === 'local' && !affinity) out.push(field.required('spec.nodeAffinity', 'Local volume requires node affinity'));
  }
  if (sources === 0) out.push(field.required('spec', 'must specify a volume type'));
  const hostPath = text(spec.hostPath?.path);
  if (hostPath && hostPath.split('/').every((part: string) => part === '' || part === '.') && spec.persistentVolumeReclaimPolicy === 'Recycle') {
    out.push(field.forbidden('spec.persistentVolumeReclaimPolicy', "may not be 'recycle' for a hostPath mount of '/'"));
  }
  if (spec.storageClassName) out.push(...isDNS1123Subdomain(spec.storageClassName).map((p) => field.invalid('spec.storageClassName', spec.storageClassName, p)));
  if (isSet(spec.volumeMode) && !volumeModes.includes(spec.volumeMode)) out.push(field.notSupported('spec.volumeMode', spec.volumeMode, volumeModes));
  const mountable = volumeSources.some((source) => source.mountOptions && isJsonObject(spec[source.name]));
  if (!mountable && pv.metadata.annotations?.[mountOptionsAnnotation] !== undefined) {
    out.push(field.forbidden(`metadata.annotations.${mountOptionsAnnotation}`, 'may not specify mount options for this volume type'));
  }
  return out;
}

/** The source of a volume: every field of the spec that names where the volume is. */
function sourceOf(spec: Json): Json {
  const source: Json = {};
  for (const { name } of volumeSources) if (isSet(spec[name])) source[name] = spec[name];
  return source;
}

/** ValidatePersistentVolumeUpdate's own checks (the spec itself is validated as on create). */
export function validatePersistentVolumeUpdate(pv: KubeObject, old: KubeObject): FieldError[] {
  const spec = (pv.spec ?? {}) as Json;
  const oldSpec = (old.spec ?? {}) as Json;
  const out: FieldError[] = [];
  const source = sourceOf(spec);
  const oldSource = sourceOf(oldSpec);
  // A CSI volume may gain a controllerExpandSecretRef.
  if (isJsonObject(oldSource.csi) && !isSet(oldSource.csi.controllerExpandSecretRef) && isJsonObject(source.csi)) {
    const { controllerExpandSecretRef: _, ...rest } = source.csi;
    source.csi = rest;
  }
  if (!jsonEqual(source, oldSource)) {
    out.push(field.forbidden('spec.persistentvolumesource', `spec.persistentvolumesource is immutable after creation\n${fieldChanges(oldSource, source)}`));
  }
  if ((spec.volumeMode ?? null) !== (oldSpec.volumeMode ?? null)) out.push(field.invalid('volumeMode', spec.volumeMode ?? null, 'field is immutable'));
  // Set once: a volume without node affinity may be given one.
  if (isSet(oldSpec.nodeAffinity) && !jsonEqual(spec.nodeAffinity, oldSpec.nodeAffinity)) {
    out.push(field.invalid('nodeAffinity', goVolumeNodeAffinity(spec.nodeAffinity), 'field is immutable, except for updating from beta label to GA'));
  }
  return out;
}
