// Claiming dependents by selector, as pkg/controller's ControllerRefManager does: a controller owns
// the objects whose controller ownerReference names it and that its selector still matches, adopts
// orphans its selector matches, and releases owned objects it no longer matches.

import { StatusError } from '../errors.js';
import { jsonEqual } from '../json.js';
import type { StoreEvent, StoredObject } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import type { ControllerClient } from './client.js';
import type { OwnerIndex } from './owner-index.js';
import { controllerOf, type OwnerReference } from './owner-index.js';

/** The ownerReference a controller puts on what it creates or adopts (metav1.NewControllerRef). */
export function controllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/**
 * Objects of one resource that no controller owns, by namespace. Controllers that adopt orphans
 * look here instead of scanning every object; store events keep it current.
 */
export class OrphanIndex {
  private byNamespace?: Map<string, Set<string>>;

  constructor(
    private readonly list: () => readonly StoredObject[],
    private readonly get: (key: string) => StoredObject | undefined,
  ) {}

  /** Orphans of a namespace as stored now. */
  in(namespace: string): StoredObject[] {
    const keys = this.index().get(namespace);
    if (!keys) return [];
    const out: StoredObject[] = [];
    for (const key of keys) {
      const stored = this.get(key);
      if (stored) out.push(stored);
    }
    return out;
  }

  observe(event: StoreEvent): void {
    if (!this.byNamespace) return;
    const { object } = event;
    const orphan = event.type !== 'DELETED' && !controllerOf(object);
    const keys = this.byNamespace.get(object.namespace);
    if (orphan) {
      if (keys) keys.add(object.key);
      else this.byNamespace.set(object.namespace, new Set([object.key]));
    } else if (keys) {
      keys.delete(object.key);
      if (keys.size === 0) this.byNamespace.delete(object.namespace);
    }
  }

  private index(): Map<string, Set<string>> {
    if (!this.byNamespace) {
      this.byNamespace = new Map();
      for (const stored of this.list()) {
        if (controllerOf(stored)) continue;
        const keys = this.byNamespace.get(stored.namespace);
        if (keys) keys.add(stored.key);
        else this.byNamespace.set(stored.namespace, new Set([stored.key]));
      }
    }
    return this.byNamespace;
  }
}

export interface Claim {
  client: ControllerClient;
  /** The controller, as stored. */
  owner: StoredObject;
  ref: OwnerReference;
  /** Whether the controller's selector (and any other filter) takes the object. */
  matches(object: KubeObject): boolean;
  /** Finalizers an adopted object gets (a Job's pods get the tracking finalizer). */
  finalizers?: string[];
}

function ignoringGone(write: () => void): void {
  try {
    write();
  } catch (err) {
    if (err instanceof StatusError && err.code === 404) return;
    throw err;
  }
}

/** What the owner owns now of `resource`: dependents by the owner index plus orphans of the namespace. */
export function candidates(owners: OwnerIndex, store: { get(resource: string, key: string): StoredObject | undefined }, resource: string, ownerUid: string, orphans: OrphanIndex, namespace: string): StoredObject[] {
  const out: StoredObject[] = [];
  for (const ref of owners.dependents(ownerUid)) {
    if (ref.resource !== resource) continue;
    const stored = store.get(resource, ref.key);
    if (stored) out.push(stored);
  }
  out.push(...orphans.in(namespace));
  return out;
}

/**
 * ClaimObject for each candidate: keeps what the owner controls and matches, releases what it
 * controls and no longer matches (unless it is being deleted), adopts matching orphans (unless the
 * owner or the orphan is being deleted). Returns the objects owned afterwards, as stored.
 */
export function claim(candidates: StoredObject[], { client, owner, ref, matches, finalizers }: Claim): StoredObject[] {
  const claimed: StoredObject[] = [];
  const ownerDeleting = !!owner.object.metadata.deletionTimestamp;
  let failure: unknown;
  for (const stored of candidates) {
    const object = stored.object;
    const current = controllerOf(stored);
    try {
      if (current) {
        if (current.uid !== ref.uid) continue;
        if (matches(object)) {
          claimed.push(stored);
          continue;
        }
        if (ownerDeleting) continue;
        ignoringGone(() => {
          client.update(stored, (o) => {
            const refs = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== ref.uid);
            if (refs.length) o.metadata.ownerReferences = refs;
            else delete o.metadata.ownerReferences;
          });
        });
        continue;
      }
      if (ownerDeleting || !matches(object) || object.metadata.deletionTimestamp) continue;
      if (owner.namespace && owner.namespace !== stored.namespace) continue;
      let adopted: StoredObject | undefined;
      ignoringGone(() => {
        client.update(stored, (o) => {
          o.metadata.ownerReferences = [...(o.metadata.ownerReferences ?? []), { ...ref }];
          const missing = (finalizers ?? []).filter((f) => !(o.metadata.finalizers ?? []).includes(f));
          if (missing.length) o.metadata.finalizers = [...(o.metadata.finalizers ?? []), ...missing];
        });
        adopted = client.get(stored.resource, stored.namespace, stored.name);
      });
      if (adopted) claimed.push(adopted);
    } catch (err) {
      failure ??= err;
    }
  }
  if (failure) throw failure;
  return claimed;
}

/**
 * The keys of controllers of one kind that an event on a dependent concerns, as the pod handlers of
 * the StatefulSet and DaemonSet controllers find them: its controller before and after the change,
 * or for an orphan that appears, changes labels or loses its controller, every controller whose
 * selector matches it (`matching`).
 */
export function controllerKeysFor(event: StoreEvent, apiVersion: string, kind: string, matching: (stored: StoredObject) => string[]): string[] {
  const keyOf = (stored: StoredObject | undefined) => {
    const ref = controllerOf(stored);
    return ref && ref.kind === kind && ref.apiVersion === apiVersion ? `${stored!.namespace}/${ref.name}` : undefined;
  };
  const current = keyOf(event.object);
  const previous = keyOf(event.previous);
  const keys = new Set<string>();
  if (previous && previous !== current) keys.add(previous);
  if (current) keys.add(current);
  else if (event.type === 'ADDED' || (event.type === 'MODIFIED' && (previous || !jsonEqual(event.object.object.metadata.labels, event.previous?.object.metadata.labels)))) {
    for (const key of matching(event.object)) keys.add(key);
  }
  return [...keys];
}
