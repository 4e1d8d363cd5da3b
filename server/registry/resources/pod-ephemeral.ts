// pods/ephemeralcontainers: the one way to add an ephemeral container (kubectl debug) to a running
// pod (pkg/registry/core/pod/strategy.go's podEphemeralContainersStrategy). A write there changes
// spec.ephemeralContainers only, may add containers but never remove or change one.

import { field, type FieldError } from '../../errors.js';
import { jsonEqual } from '../../json.js';
import type { KubeObject } from '../../store/types.js';
import type { SubresourceDefinition } from '../types.js';
import { fieldChanges } from '../validation.js';
import { defaultContainer } from './pod-spec.js';

type Json = Record<string, any>;

const mirrorPodAnnotation = 'kubernetes.io/config.mirror';

export const ephemeralContainersSubresource: SubresourceDefinition = { name: 'ephemeralcontainers', verbs: ['get', 'patch', 'update'] };

/** The pod as it was, with the written ephemeral containers (defaulted as the decoder defaults them). */
export function keepAllButEphemeralContainers(object: KubeObject, old: KubeObject): void {
  const written = (object.spec as Json | undefined)?.ephemeralContainers;
  for (const key of Object.keys(object)) if (!['kind', 'apiVersion', 'metadata'].includes(key)) delete object[key];
  for (const key of Object.keys(old)) if (!['kind', 'apiVersion', 'metadata'].includes(key)) object[key] = structuredClone(old[key]);
  object.metadata = { ...old.metadata };
  const spec = (object.spec ??= {}) as Json;
  if (written === undefined || written === null) delete spec.ephemeralContainers;
  else {
    if (Array.isArray(written)) for (const c of written) if (c && typeof c === 'object') defaultContainer(c);
    spec.ephemeralContainers = written;
  }
}

/** Existing ephemeral containers stay as they are; static pods take none. */
export function validateEphemeralContainersUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  if (old.metadata.annotations?.[mirrorPodAnnotation] !== undefined) return [field.forbidden('', 'static pods do not support ephemeral containers')];
  const path = 'spec.ephemeralContainers';
  const now = new Map<string, Json>();
  for (const c of ((pod.spec as Json | undefined)?.ephemeralContainers ?? []) as Json[]) if (c?.name) now.set(c.name, c);
  const out: FieldError[] = [];
  for (const before of ((old.spec as Json | undefined)?.ephemeralContainers ?? []) as Json[]) {
    const after = now.get(before.name);
    if (!after) out.push(field.forbidden(path, `existing ephemeral containers ${JSON.stringify(before.name)} may not be removed\n`));
    else if (!jsonEqual(before, after)) out.push(field.forbidden(path, `existing ephemeral containers ${JSON.stringify(before.name)} may not be changed\n${fieldChanges(before, after)}`));
  }
  return out;
}

/** A create may not bring ephemeral containers: they are added to a pod that exists. */
export function validateNoEphemeralContainers(pod: KubeObject): FieldError[] {
  const list = (pod.spec as Json | undefined)?.ephemeralContainers;
  return Array.isArray(list) && list.length > 0 ? [field.forbidden('spec.ephemeralContainers', 'cannot be set on create')] : [];
}
