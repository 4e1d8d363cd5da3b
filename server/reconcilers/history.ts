// ControllerRevisions as StatefulSets and DaemonSets keep them (pkg/controller/history): the
// revision data is a patch that puts the pod template back, written as Go's encoding/json writes a
// map (keys sorted, <, > and & escaped), and revisions are ordered by number, then age and name.

import type { LabelSelector } from '../selectors/labels.js';
import type { StoredObject } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import type { ControllerClient } from './client.js';
import type { OwnerReference } from './owner-index.js';
import { controllerOf } from './owner-index.js';

type Json = Record<string, any>;

export const controllerRevisions = 'apps/controllerrevisions';

const goEscapes = /[<>&\u2028\u2029]/g;

/** A string as encoding/json writes it. */
function goString(text: string): string {
  return JSON.stringify(text).replace(goEscapes, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A JSON value as encoding/json writes it after decoding into interface{}: map keys sorted. */
export function goJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return typeof value === 'string' ? goString(value) : JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
  const object = value as Json;
  const keys = Object.keys(object).sort();
  return `{${keys.map((key) => `${goString(key)}:${goJson(object[key])}`).join(',')}}`;
}

/** The revision data of an owner: `{"spec":{"template":{...,"$patch":"replace"}}}` (getPatch). */
export function templatePatch(owner: KubeObject): string {
  const template = { ...((owner.spec as Json | undefined)?.template ?? {}), $patch: 'replace' };
  return goJson({ spec: { template } });
}

/** The stored data of a revision, in the form templatePatch writes. */
export function revisionData(revision: StoredObject): string {
  return goJson(revision.object.data ?? null);
}

/** The owner with the template a revision holds (ApplyRevision of a template patch). */
export function withRevisionTemplate(owner: KubeObject, revision: StoredObject): KubeObject {
  const template: Json = { ...(((revision.object.data as Json | undefined)?.spec?.template ?? {}) as Json) };
  delete template.$patch;
  return { ...owner, spec: { ...(owner.spec as Json), template } };
}

export const revisionNumber = (revision: StoredObject): number => Number(revision.object.revision ?? 0);

/** history.SortControllerRevisions: by revision number, then creation time, then name. */
export function sortRevisions(revisions: StoredObject[]): StoredObject[] {
  const created = (r: StoredObject) => Date.parse(r.object.metadata.creationTimestamp ?? '') || 0;
  return revisions.sort((a, b) => revisionNumber(a) - revisionNumber(b) || created(a) - created(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Revisions in the owner's namespace its selector matches that it controls or nobody does (ListControllerRevisions). */
export function listRevisions(client: ControllerClient, owner: StoredObject, selector: LabelSelector): StoredObject[] {
  const uid = owner.object.metadata.uid;
  return client.list(controllerRevisions, owner.namespace).filter((revision) => {
    if (!selector(revision.object.metadata.labels)) return false;
    const ref = controllerOf(revision);
    return !ref || ref.uid === uid;
  });
}

/** Gives revisions nobody controls to the owner (AdoptControllerRevision); returns the list as stored after. */
export function adoptOrphanRevisions(client: ControllerClient, revisions: StoredObject[], ref: OwnerReference): StoredObject[] {
  return revisions.map((revision) => {
    if (controllerOf(revision)) return revision;
    client.update(revision, (r) => {
      r.metadata.ownerReferences = [...(r.metadata.ownerReferences ?? []), { ...ref }];
    });
    return client.get(controllerRevisions, revision.namespace, revision.name) ?? revision;
  });
}

/** A ControllerRevision object for an owner (history.NewControllerRevision without the name). */
export function newRevision(owner: KubeObject, ref: OwnerReference, labels: Record<string, string>, data: string, revision: number, annotations?: Record<string, string>): KubeObject {
  const metadata: Json = { name: '', namespace: owner.metadata.namespace, labels, ownerReferences: [ref] };
  if (annotations && Object.keys(annotations).length) metadata.annotations = { ...annotations };
  return { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata, data: JSON.parse(data), revision } as KubeObject;
}
