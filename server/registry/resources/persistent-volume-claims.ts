// PersistentVolumeClaim specs as kube-apiserver 1.32 prepares and validates them
// (pkg/api/persistentvolumeclaim and ValidatePersistentVolumeClaim{Spec,Update}): data sources
// normalized, access modes and a positive storage request required, and a spec that may not
// change after creation except a bound claim's requests.

import { field, type FieldError } from '../../errors.js';
import { jsonEqual } from '../../json.js';
import { Quantity } from '../../quantity.js';
import { goFieldPath } from '../go-literal.js';
import type { KubeObject } from '../../store/types.js';
import { fieldChanges, isDNS1123Label, isDNS1123Subdomain, validateLabelSelector } from '../validation.js';

type Json = Record<string, any>;

const accessModes = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const volumeModes = ['Block', 'Filesystem'];
const betaStorageClassAnnotation = 'volume.beta.kubernetes.io/storage-class';

const isSet = (value: unknown): boolean => value !== undefined && value !== null;
const specOf = (claim: KubeObject) => (claim.spec ?? {}) as Json;

/**
 * DropDisabledFields, EnforceDataSourceBackwardsCompatibility and NormalizeDataSources: what
 * PrepareForCreate and PrepareForUpdate do to the spec (`old` on an update).
 */
export function prepareClaimSpec(spec: Json, old?: Json): void {
  // VolumeAttributesClass is off by default in 1.32: the field is dropped unless already in use.
  if (!isSet(old?.volumeAttributesClassName)) delete spec.volumeAttributesClassName;
  // So is CrossNamespaceVolumeDataSource.
  if (spec.dataSourceRef?.namespace && !isSet(old?.dataSourceRef)) delete spec.dataSourceRef;
  if (!isSet(old?.dataSource) && !isSet(old?.dataSourceRef) && !isSet(spec.dataSourceRef) && isSet(spec.dataSource)) {
    const group = spec.dataSource.apiGroup ?? '';
    const pvcOrSnapshot = (spec.dataSource.kind === 'PersistentVolumeClaim' && group === '') || (spec.dataSource.kind === 'VolumeSnapshot' && group === 'snapshot.storage.k8s.io');
    // Anything else in dataSource is ignored, as it was before dataSourceRef existed.
    if (!pvcOrSnapshot) delete spec.dataSource;
  }
  const copyRef = (ref: Json) => ({ ...(isSet(ref.apiGroup) ? { apiGroup: ref.apiGroup } : {}), kind: ref.kind, name: ref.name });
  if (isSet(spec.dataSource) && !isSet(spec.dataSourceRef)) spec.dataSourceRef = copyRef(spec.dataSource);
  else if (isSet(spec.dataSourceRef) && !isSet(spec.dataSource) && !spec.dataSourceRef.namespace) spec.dataSource = copyRef(spec.dataSourceRef);
}

function validateDataSource(source: Json, path: string, withNamespace: boolean): FieldError[] {
  const out: FieldError[] = [];
  if (!source.name) out.push(field.required(`${path}.name`));
  if (!source.kind) out.push(field.required(`${path}.kind`));
  const group = String(source.apiGroup ?? '');
  if (!group && source.kind !== 'PersistentVolumeClaim') out.push(field.invalid(path, source.kind ?? '', "must be 'PersistentVolumeClaim' when referencing the default apiGroup"));
  if (group) out.push(...isDNS1123Subdomain(group).map((p) => field.invalid(`${path}.apiGroup`, group, p)));
  if (withNamespace && source.namespace) out.push(...isDNS1123Label(source.namespace).map((p) => field.invalid(`${path}.namespace`, source.namespace, p)));
  return out;
}

/** ValidatePersistentVolumeClaimSpec, at `path` (`spec`, or a template's). */
export function validateClaimSpec(spec: Json, path: string): FieldError[] {
  const out: FieldError[] = [];
  const modes: unknown[] = Array.isArray(spec.accessModes) ? spec.accessModes : [];
  if (modes.length === 0) out.push(field.required(`${path}.accessModes`, 'at least 1 access mode is required'));
  out.push(...validateLabelSelector(spec.selector, `${path}.selector`));
  let oncePod = false;
  let others = false;
  for (const mode of modes) {
    if (!accessModes.includes(String(mode))) out.push(field.notSupported(`${path}.accessModes`, mode, accessModes));
    else if (mode === 'ReadWriteOncePod') oncePod = true;
    else others = true;
  }
  if (oncePod && others) out.push(field.forbidden(`${path}.accessModes`, 'may not use ReadWriteOncePod with other access modes'));

  const storage = spec.resources?.requests?.storage;
  const storagePath = `${path}.resources[storage]`;
  if (!isSet(storage)) out.push(field.required(storagePath));
  else {
    const quantity = Quantity.tryParse(storage);
    if (quantity && quantity.sign() <= 0) out.push(field.invalid(storagePath, quantity.toString(), 'must be greater than zero'));
  }
  if (spec.storageClassName) out.push(...isDNS1123Subdomain(spec.storageClassName).map((p) => field.invalid(`${path}.storageClassName`, spec.storageClassName, p)));
  if (isSet(spec.volumeMode) && !volumeModes.includes(spec.volumeMode)) out.push(field.notSupported(`${path}.volumeMode`, spec.volumeMode, volumeModes));
  if (isSet(spec.dataSource)) out.push(...validateDataSource(spec.dataSource, `${path}.dataSource`, false));
  if (isSet(spec.dataSourceRef)) out.push(...validateDataSource(spec.dataSourceRef, `${path}.dataSourceRef`, true));
  if (spec.dataSourceRef?.namespace) {
    if (isSet(spec.dataSource)) out.push(field.invalid(path, goFieldPath('dataSource'), 'may not be specified when dataSourceRef.namespace is specified'));
  } else if (isSet(spec.dataSource) && isSet(spec.dataSourceRef)) {
    const same = (spec.dataSource.apiGroup ?? null) === (spec.dataSourceRef.apiGroup ?? null) && spec.dataSource.kind === spec.dataSourceRef.kind && spec.dataSource.name === spec.dataSourceRef.name;
    if (!same) out.push(field.invalid(path, goFieldPath('dataSource'), 'must match dataSourceRef'));
  }
  return out;
}

/** ValidatePersistentVolumeClaimUpdate's own checks (the spec itself is validated as on create). */
export function validateClaimUpdate(claim: KubeObject, old: KubeObject): FieldError[] {
  const out: FieldError[] = [];
  const spec = specOf(claim);
  const oldSpec = specOf(old);
  const comparedNew: Json = structuredClone(spec);
  const comparedOld: Json = structuredClone(oldSpec);
  // The volume binder sets volumeName once.
  if (!oldSpec.volumeName) {
    if (isSet(spec.volumeName)) comparedOld.volumeName = spec.volumeName;
    else delete comparedOld.volumeName;
  }
  const oldAnnotation = old.metadata.annotations?.[betaStorageClassAnnotation];
  const newAnnotation = claim.metadata.annotations?.[betaStorageClassAnnotation];
  const fromAnnotation =
    oldAnnotation !== undefined && !isSet(oldSpec.storageClassName) && spec.storageClassName === oldAnnotation && (newAnnotation === undefined || newAnnotation === oldAnnotation);
  if (fromAnnotation) delete comparedNew.storageClassName;
  else {
    if ((newAnnotation ?? '') !== (oldAnnotation ?? '')) out.push(field.invalid(`metadata.annotations.${betaStorageClassAnnotation}`, newAnnotation ?? '', 'field is immutable'));
    // A class may be set once on a claim that had none.
    const fromNil = isSet(spec.storageClassName) && !isSet(oldSpec.storageClassName) && (oldAnnotation === undefined || spec.storageClassName === oldAnnotation);
    if (fromNil) delete comparedNew.storageClassName;
  }
  const bound = (claim.status as Json | undefined)?.phase === 'Bound';
  if (bound && isSet(comparedNew.resources?.requests)) {
    if (isSet(oldSpec.resources?.requests?.storage)) comparedNew.resources.requests.storage = oldSpec.resources.requests.storage;
    else delete comparedNew.resources.requests.storage;
  }
  if (!jsonEqual(comparedNew, comparedOld)) {
    out.push(field.forbidden('spec', `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${fieldChanges(comparedOld, comparedNew)}`));
  }
  const size = (s: Json) => Quantity.tryParse(s.resources?.requests?.storage ?? '0') ?? Quantity.zero();
  const capacity = Quantity.tryParse((old.status as Json | undefined)?.capacity?.storage ?? '0') ?? Quantity.zero();
  // RecoverVolumeExpansionFailure (on in 1.32): a request may go back down, but not to the capacity there is.
  if (size(spec).cmp(size(oldSpec)) < 0 && size(spec).cmp(capacity) <= 0) {
    out.push(field.forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'));
  }
  if ((spec.volumeMode ?? null) !== (oldSpec.volumeMode ?? null)) out.push(field.invalid('volumeMode', spec.volumeMode ?? null, 'field is immutable'));
  return out;
}

/** GetWarningsForPersistentVolumeClaim: the beta class annotation, and storage that is not whole bytes. */
export function claimWarnings(claim: KubeObject): string[] {
  const warnings: string[] = [];
  if (claim.metadata.annotations?.[betaStorageClassAnnotation] !== undefined) {
    warnings.push(`metadata.annotations[${betaStorageClassAnnotation}]: deprecated since v1.8; use "storageClassName" attribute instead`);
  }
  const resources = specOf(claim).resources ?? {};
  for (const list of ['requests', 'limits']) {
    const quantity = Quantity.tryParse(resources[list]?.storage ?? '0');
    if (quantity && quantity.milliValue() % 1000n !== 0n) {
      warnings.push(`spec.resources.${list}[storage]: fractional byte value ${JSON.stringify(quantity.toString())} is invalid, must be an integer`);
    }
  }
  return warnings;
}
