// The versioned object store: one global resourceVersion, every commit serialized once,
// a bounded event history that serves watch resumption and consistent list snapshots.

import { rebuild, SerializationReferences, type Reference } from './shared-serialization.js';
import type { EventType, KubeObject } from './types.js';

/** A serialized object as an item of a typed list: without the kind and apiVersion that lead it. */
export function withoutTypeMeta(json: string): string {
  const metadataAt = json.indexOf('"metadata":');
  return metadataAt > 0 ? `{${json.slice(metadataAt)}` : json;
}

/**
 * One stored version of an object. Never mutated after commit. Its serialization is what the store
 * keeps; the parsed object is a cache, dropped by the store's sweep when nothing read it for a while.
 * A version still current `shareAfterCommits` commits after it was written, and not in use, has its
 * serialization held as its differences from a similar object's (SharedSerialization, its two parts
 * kept here rather than in an object of their own), rebuilt byte for byte when read.
 */
export class StoredObject {
  private parsed?: KubeObject;
  /** The serialization whole, or, with a reference, packed as its differences from the reference's. */
  private body: string;
  private reference?: Reference;
  /** The length of the serialization. */
  readonly size: number;
  /**
   * The sweep that last looked at this version (it can be both current and in the history), times
   * 4, plus readSinceSweep and shareTried: one field rather than three, as the store holds every
   * object of the cluster.
   */
  private sweepState = 0;

  constructor(
    readonly resource: string,
    readonly key: string,
    /** Absent when the version was committed as JSON only; it is parsed on first use. */
    object: KubeObject | undefined,
    readonly resourceVersion: number,
    json: string,
  ) {
    this.parsed = object;
    this.body = json;
    this.size = json.length;
  }

  /** The object serialized with kind and apiVersion, as GET and watch send it. */
  get json(): string {
    return this.reference ? rebuild(this.reference, this.body) : this.body;
  }

  get object(): KubeObject {
    this.sweepState |= readSinceSweep;
    this.parsed ??= JSON.parse(this.json) as KubeObject;
    return this.parsed;
  }

  /** The namespace and name are in the storage key (`namespace/name`, or the name alone): no parse needed. */
  get namespace(): string {
    const slash = this.key.indexOf('/');
    return slash < 0 ? '' : this.key.slice(0, slash);
  }

  get name(): string {
    return this.key.slice(this.key.indexOf('/') + 1);
  }

  /** The object as an item of a typed list: no kind or apiVersion (they lead the serialization). */
  get itemJson(): string {
    return withoutTypeMeta(this.json);
  }

  /**
   * Drops the parsed object unless it was read since the last sweep (a later read parses again);
   * then, given references, shares the serialization too.
   */
  sweep(sweep: number, references?: SerializationReferences): void {
    if (this.sweepState >>> 2 === sweep) return;
    const read = (this.sweepState & readSinceSweep) !== 0;
    this.sweepState = sweep * 4 + (this.sweepState & shareTried);
    if (!read) {
      this.parsed = undefined;
      if (references) this.share(references);
    }
  }

  /** Shares the serialization unless the parsed object was read since the last sweep (it is in use). */
  age(references: SerializationReferences): void {
    if (!(this.sweepState & readSinceSweep)) this.share(references);
  }

  /** Holds the serialization against a similar object's, when that takes much less (tried once). */
  private share(references: SerializationReferences): void {
    if (this.sweepState & shareTried || this.reference) return;
    this.sweepState |= shareTried;
    const shared = references.share(this.resource, this.body);
    if (shared) {
      this.reference = shared.reference;
      this.body = shared.packed;
    }
  }
}

/** Bits of StoredObject.sweepState. */
const readSinceSweep = 1;
const shareTried = 2;

export interface StoreEvent {
  readonly type: EventType;
  readonly resource: string;
  readonly resourceVersion: number;
  /** The new state; for DELETED, the last state stamped with the deletion's resourceVersion. */
  readonly object: StoredObject;
  /** The state before this change (absent for ADDED). */
  readonly previous?: StoredObject;
}

export type StoreListener = (event: StoreEvent) => void;

export interface StoreOptions {
  /** How many events are kept for watch resumption and paged-list snapshots. */
  historySize: number;
  /** The most serialized bytes the history may hold, so large objects cannot make it grow without bound. */
  historyBytes: number;
}

/** Thrown when a requested resourceVersion is older than the retained history. */
export class HistoryCompactedError extends Error {
  constructor(
    readonly requested: number,
    readonly compactedThrough: number,
  ) {
    super(`resourceVersion ${requested} is compacted (history starts after ${compactedThrough})`);
  }
}

/**
 * Every this many commits, parsed objects nothing read since the previous sweep are dropped: what
 * controllers work on stays parsed, the rest of a large cluster is held as its serialization only.
 */
const sweepEveryCommits = 4096;

/**
 * A version still current this many commits after it was written is held against a similar
 * object's serialization, when its parsed object was not read since the last sweep (else a later
 * sweep that finds it unread does it): objects rewritten or read every few seconds (Leases) are not
 * worked on for a version about to be replaced.
 */
const shareAfterCommits = 4096;

/** Orders keys so that a listing matches etcd's key order. */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

class ResourceTable {
  readonly objects = new Map<string, StoredObject>();
  private sorted: StoredObject[] | null = null;

  sortedObjects(): StoredObject[] {
    if (!this.sorted) {
      this.sorted = [...this.objects.values()].sort((a, b) => compareKeys(a.key, b.key));
    }
    return this.sorted;
  }

  set(stored: StoredObject, keysChanged: boolean): void {
    this.objects.set(stored.key, stored);
    if (keysChanged) this.sorted = null;
    else if (this.sorted) {
      const index = this.indexOf(stored.key);
      if (index >= 0) this.sorted[index] = stored;
    }
  }

  remove(key: string): void {
    this.objects.delete(key);
    this.sorted = null;
  }

  private indexOf(key: string): number {
    const sorted = this.sorted!;
    let lo = 0;
    let hi = sorted.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const cmp = compareKeys(sorted[mid].key, key);
      if (cmp === 0) return mid;
      if (cmp < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}

/** Stored versions by resource, kept as they were (stored versions are never changed in place). */
export type StoreSnapshot = ReadonlyMap<string, readonly StoredObject[]>;

export class MemoryStore {
  private revision = 0;
  private readonly tables = new Map<string, ResourceTable>();
  private readonly history: (StoreEvent | undefined)[];
  private historyStart = 0;
  private historyLength = 0;
  private historyBytesHeld = 0;
  /** Every event with a resourceVersion above this is still in the history. */
  private compactedThrough = 0;
  private readonly listeners = new Set<StoreListener>();
  private commitsSinceSweep = 0;
  private sweeps = 0;
  private readonly references = new SerializationReferences();
  /**
   * The version each of the last shareAfterCommits resourceVersions wrote, by resourceVersion modulo
   * their number, while it is current.
   */
  private readonly aging: (StoredObject | undefined)[] = new Array(shareAfterCommits);

  constructor(private readonly options: StoreOptions) {
    this.history = new Array(Math.max(1, options.historySize));
  }

  get currentRevision(): number {
    return this.revision;
  }

  /** The resourceVersion through which history has been dropped; a watch from below it is too old. */
  get compactedRevision(): number {
    return this.compactedThrough;
  }

  get(resource: string, key: string): StoredObject | undefined {
    return this.tables.get(resource)?.objects.get(key);
  }

  /** Every resource that has held objects since the last clear. */
  resources(): string[] {
    return [...this.tables.keys()];
  }

  /** Current objects of a resource in key order. */
  list(resource: string): readonly StoredObject[] {
    return this.tables.get(resource)?.sortedObjects() ?? [];
  }

  /** The objects of a resource as they were at `revision`, in key order. */
  listAt(resource: string, revision: number): StoredObject[] {
    if (revision >= this.revision) return [...this.list(resource)];
    if (revision < this.compactedThrough) throw new HistoryCompactedError(revision, this.compactedThrough);
    const state = new Map<string, StoredObject>(this.tables.get(resource)?.objects);
    for (let i = this.historyLength - 1; i >= 0; i--) {
      const event = this.history[(this.historyStart + i) % this.history.length]!;
      if (event.resourceVersion <= revision) break;
      if (event.resource !== resource) continue;
      if (event.previous) state.set(event.object.key, event.previous);
      else state.delete(event.object.key);
    }
    return [...state.values()].sort((a, b) => compareKeys(a.key, b.key));
  }

  /** Events after `revision`, oldest first. */
  eventsSince(revision: number): StoreEvent[] {
    if (revision < this.compactedThrough) throw new HistoryCompactedError(revision, this.compactedThrough);
    const events: StoreEvent[] = [];
    for (let i = this.historyLength - 1; i >= 0; i--) {
      const event = this.history[(this.historyStart + i) % this.history.length]!;
      if (event.resourceVersion <= revision) break;
      events.push(event);
    }
    return events.reverse();
  }

  /**
   * Writes a new version of an object (or removes it, when `object` is null) under the next
   * resourceVersion, records the event and tells every listener. Returns the committed version.
   */
  commit(resource: string, key: string, object: KubeObject | null): StoredObject {
    return this.write(resource, key, object && ((revision) => this.serialize(resource, key, object, revision)));
  }

  /**
   * Commits an object already serialized: `render` gives its JSON for the resourceVersion it gets.
   * The object is parsed only when something reads it (fresh-cluster template copies).
   */
  commitJson(resource: string, key: string, render: (resourceVersion: string) => string): StoredObject {
    return this.write(resource, key, (revision) => new StoredObject(resource, key, undefined, revision, render(String(revision))));
  }

  private write(resource: string, key: string, stored: ((revision: number) => StoredObject) | null): StoredObject {
    const table = this.table(resource);
    const previous = table.objects.get(key);
    const revision = ++this.revision;
    let event: StoreEvent;
    if (stored) {
      const next = stored(revision);
      table.set(next, !previous);
      event = { type: previous ? 'MODIFIED' : 'ADDED', resource, resourceVersion: revision, object: next, previous };
    } else {
      if (!previous) throw new Error(`commit: nothing stored at ${resource} ${key}`);
      const lastState: KubeObject = JSON.parse(previous.json);
      table.remove(key);
      event = { type: 'DELETED', resource, resourceVersion: revision, object: this.serialize(resource, key, lastState, revision), previous };
    }
    this.record(event);
    if (previous) this.leaveAging(previous);
    this.age(revision, stored ? event.object : undefined);
    for (const listener of this.listeners) listener(event);
    if (++this.commitsSinceSweep >= sweepEveryCommits) this.sweepParsed();
    return event.object;
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The objects stored now, to come back to with restore(). */
  snapshot(): StoreSnapshot {
    return new Map([...this.tables].map(([resource, table]) => [resource, [...table.objects.values()]]));
  }

  /** Back to the objects of a snapshot, with no history; resourceVersions keep counting up. */
  restore(snapshot: StoreSnapshot): void {
    this.clear();
    for (const [resource, objects] of snapshot) {
      const table = this.table(resource);
      for (const stored of objects) table.objects.set(stored.key, stored);
    }
  }

  /** Empties the store (a fresh cluster); resourceVersions keep counting up so clients never see one go back. */
  clear(): void {
    this.tables.clear();
    this.historyStart = 0;
    this.historyLength = 0;
    this.historyBytesHeld = 0;
    this.history.fill(undefined);
    this.aging.fill(undefined);
    // The emptying takes a resourceVersion of its own, so a watch resumed from any version before it is too old.
    this.compactedThrough = ++this.revision;
  }

  private serialize(resource: string, key: string, object: KubeObject, revision: number): StoredObject {
    object.metadata.resourceVersion = String(revision);
    return new StoredObject(resource, key, object, revision, JSON.stringify(object));
  }

  private table(resource: string): ResourceTable {
    let table = this.tables.get(resource);
    if (!table) {
      table = new ResourceTable();
      this.tables.set(resource, table);
    }
    return table;
  }

  /**
   * Ages the version written shareAfterCommits before `revision`, if it is still there (still
   * current), and starts the version `revision` wrote aging (none for a deletion).
   */
  private age(revision: number, written: StoredObject | undefined): void {
    const slot = revision % shareAfterCommits;
    const aged = this.aging[slot];
    this.aging[slot] = written;
    aged?.age(this.references);
  }

  /** A version replaced or deleted is no longer current: it stops aging. */
  private leaveAging(replaced: StoredObject): void {
    const slot = replaced.resourceVersion % shareAfterCommits;
    if (this.aging[slot] === replaced) this.aging[slot] = undefined;
  }

  private sweepParsed(): void {
    this.commitsSinceSweep = 0;
    const sweep = ++this.sweeps;
    const aged = this.revision - shareAfterCommits;
    for (const table of this.tables.values()) {
      for (const stored of table.objects.values()) stored.sweep(sweep, stored.resourceVersion <= aged ? this.references : undefined);
    }
    for (let i = 0; i < this.historyLength; i++) {
      const event = this.history[(this.historyStart + i) % this.history.length]!;
      event.object.sweep(sweep);
      event.previous?.sweep(sweep);
    }
  }

  private record(event: StoreEvent): void {
    const capacity = this.history.length;
    while (this.historyLength === capacity || (this.historyLength > 0 && this.historyBytesHeld + event.object.size > this.options.historyBytes)) {
      this.dropOldest();
    }
    this.history[(this.historyStart + this.historyLength) % capacity] = event;
    this.historyLength++;
    this.historyBytesHeld += event.object.size;
  }

  private dropOldest(): void {
    const oldest = this.history[this.historyStart]!;
    this.compactedThrough = oldest.resourceVersion;
    this.historyBytesHeld -= oldest.object.size;
    this.history[this.historyStart] = undefined;
    this.historyStart = (this.historyStart + 1) % this.history.length;
    this.historyLength--;
  }

}
