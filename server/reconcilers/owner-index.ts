// Dependents by owner UID, for every resource: how controllers find what they own and how the
// garbage collector finds what an owner's deletion concerns. Kept up to date from store events.

import { jsonEqual } from '../json.js';
import type { StoreEvent, StoredObject } from '../store/memory-store.js';

export interface ObjectRef {
  /** The store resource key. */
  resource: string;
  /** The store key (`namespace/name` or `name`). */
  key: string;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

const noReferences: OwnerReference[] = [];

/**
 * The last two objects asked about and their references: every controller watching a resource asks
 * about the same event's two versions in turn. Plain slots, as this is asked on every write.
 */
const recent = { last: undefined as StoredObject | undefined, lastRefs: noReferences, prior: undefined as StoredObject | undefined, priorRefs: noReferences };

export function ownerReferences(stored: StoredObject | undefined): OwnerReference[] {
  if (!stored) return noReferences;
  if (stored === recent.last) return recent.lastRefs;
  if (stored === recent.prior) return recent.priorRefs;
  // Most objects have none: asking the serialization first spares parsing objects nothing has read yet.
  const refs = stored.json.includes('"ownerReferences"') ? stored.object.metadata.ownerReferences : undefined;
  const found = Array.isArray(refs) ? (refs as unknown as OwnerReference[]) : noReferences;
  recent.prior = recent.last;
  recent.priorRefs = recent.lastRefs;
  recent.last = stored;
  recent.lastRefs = found;
  return found;
}

export function controllerOf(stored: StoredObject | undefined): OwnerReference | undefined {
  return ownerReferences(stored).find((ref) => ref.controller === true);
}

const refId = (resource: string, key: string) => `${resource} ${key}`;

export class OwnerIndex {
  private readonly byOwner = new Map<string, Map<string, ObjectRef>>();
  private lastApplied?: StoreEvent;
  private lastChanged = false;

  /** What an object's ownerReferences name, as of now. */
  dependents(ownerUid: string): ObjectRef[] {
    return [...(this.byOwner.get(ownerUid)?.values() ?? [])];
  }

  /** Owner UIDs that have dependents, for sweeps. */
  owners(): IterableIterator<string> {
    return this.byOwner.keys();
  }

  add(stored: StoredObject): void {
    for (const ref of ownerReferences(stored)) {
      if (typeof ref.uid !== 'string') continue;
      let dependents = this.byOwner.get(ref.uid);
      if (!dependents) {
        dependents = new Map();
        this.byOwner.set(ref.uid, dependents);
      }
      dependents.set(refId(stored.resource, stored.key), { resource: stored.resource, key: stored.key });
    }
  }

  remove(stored: StoredObject): void {
    for (const ref of ownerReferences(stored)) {
      const dependents = this.byOwner.get(ref.uid);
      if (!dependents) continue;
      dependents.delete(refId(stored.resource, stored.key));
      if (dependents.size === 0) this.byOwner.delete(ref.uid);
    }
  }

  /** Whether a modification changed the object's ownerReferences; the event apply() saw last is answered from what it found. */
  referencesChanged(event: StoreEvent): boolean {
    if (event === this.lastApplied) return this.lastChanged;
    return !!event.previous && !jsonEqual(event.previous.object.metadata.ownerReferences, event.object.object.metadata.ownerReferences);
  }

  apply(event: StoreEvent): void {
    const before = event.previous;
    const after = event.type === 'DELETED' ? undefined : event.object;
    // The garbage collector asks about the same event next: every write of a Lease (owned by its Node) among them.
    this.lastApplied = event;
    this.lastChanged = !(before && after && jsonEqual(before.object.metadata.ownerReferences, after.object.metadata.ownerReferences));
    if (!this.lastChanged) return;
    if (before) this.remove(before);
    if (after) this.add(after);
  }

  clear(): void {
    this.byOwner.clear();
    this.lastApplied = undefined;
  }
}
