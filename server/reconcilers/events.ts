// Events as Kubernetes components record them, so `kubectl describe` tells the same story.
// EventRecorder is client-go's tools/record (kube-controller-manager, kubelet): core/v1 Events with
// source, first/last timestamps and a count that grows when the same event repeats.
// SeriesRecorder is tools/events (kube-scheduler): events.k8s.io/v1 Events with action,
// reportingController/Instance and a series for repeats.

import { hash } from 'node:crypto';
import { microTimestamp, timestamp, type CancelTimer, type Clock } from '../clock.js';
import { StatusError } from '../errors.js';
import { StoredObject } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import type { ControllerClient } from './client.js';

export interface ObjectReference {
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
  apiVersion: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export type EventType = 'Normal' | 'Warning';

/** A reference to a stored object, as client-go's reference.GetReference builds it. */
export function referenceTo(object: StoredObject | KubeObject, options: { fieldPath?: string; resourceVersion?: boolean } = {}): ObjectReference {
  const o: KubeObject = object instanceof StoredObject ? object.object : object;
  const ref = { kind: o.kind ?? '' } as ObjectReference;
  if (o.metadata.namespace) ref.namespace = o.metadata.namespace;
  ref.name = o.metadata.name ?? '';
  ref.uid = o.metadata.uid ?? '';
  ref.apiVersion = o.apiVersion ?? '';
  if (options.resourceVersion !== false && o.metadata.resourceVersion) ref.resourceVersion = o.metadata.resourceVersion;
  if (options.fieldPath) ref.fieldPath = options.fieldPath;
  return ref;
}

/**
 * Bounded memory of recent events, oldest forgotten first (client-go keeps 4096). Entries are kept
 * by a digest of their key (digestOf): the keys join whole object references and messages (a few
 * hundred bytes, several per pod on every kubelet), the digest is 28. A caller digests a key once
 * for its lookup and its update.
 */
class RecentEvents<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly capacity = 4096) {}

  get(digest: string): V | undefined {
    const value = this.entries.get(digest);
    if (value !== undefined) {
      this.entries.delete(digest);
      this.entries.set(digest, value);
    }
    return value;
  }

  set(digest: string, value: V): void {
    this.entries.delete(digest);
    this.entries.set(digest, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  values(): IterableIterator<V> {
    return this.entries.values();
  }

  deleteWhere(drop: (value: V) => boolean): void {
    for (const [digest, value] of this.entries) if (drop(value)) this.entries.delete(digest);
  }
}

function digestOf(key: string): string {
  return hash('sha1', key, 'base64');
}

/** The last event name time handed out, shared by every recorder so two never name an event alike. */
let lastNanos = 0n;

/**
 * Event names are `<object>.<hex nanoseconds>`; the clock counts milliseconds, so a counter keeps
 * them apart. Recorders remember the suffix alone: the object's name is in what they key it by.
 */
class EventNames {
  constructor(private readonly clock: Clock) {}

  nextSuffix(): string {
    let nanos = BigInt(this.clock.now().getTime()) * 1_000_000n;
    if (nanos <= lastNanos) nanos = lastNanos + 1n;
    lastNanos = nanos;
    return nanos.toString(16);
  }
}

function eventName(objectName: string, suffix: string): string {
  return `${objectName}.${suffix}`;
}

/** Writing an event never fails the work that records it: the server's refusal drops the event, as client-go does. */
function dropRefused(write: () => void): void {
  try {
    write();
  } catch (err) {
    if (!(err instanceof StatusError)) throw err;
  }
}

/** An event recorded before, named by its object's name and this suffix, in its object's namespace. */
interface Observation {
  suffix: string;
  count: number;
}

/**
 * A core/v1 Event recorded before: its name suffix alone while it was recorded once, as most are
 * (a kubelet's recorder keeps thousands), with its count once it repeated.
 */
type Recorded = string | Observation;

/** client-go's spam filter: a burst of 25 events per object and source, then one per 5 minutes. */
const spamBurst = 25;
const spamRefillMs = 300_000;

export class EventRecorder {
  private readonly seen = new RecentEvents<Recorded>();
  /**
   * The spam filter's buckets, each as the time it was empty: it holds one token per refill
   * interval since, up to the burst. One number per object rather than a count and a time.
   */
  private readonly emptySince = new RecentEvents<number>();
  private readonly names: EventNames;

  constructor(
    private readonly client: ControllerClient,
    private readonly source: { component: string; host?: string },
    private readonly clock: Clock,
  ) {
    this.names = new EventNames(clock);
  }

  event(involved: ObjectReference, type: EventType, reason: string, message: string): void {
    const now = this.clock.now();
    const spamKey = [this.source.component, this.source.host, involved.kind, involved.namespace, involved.name, involved.uid, involved.apiVersion].join('\u0000');
    if (!this.allow(digestOf(spamKey), now.getTime())) return;
    const key = digestOf([spamKey, involved.fieldPath, type, reason, message].join('\u0000'));
    const namespace = involved.namespace || 'default';
    const last = this.seen.get(key);
    if (last !== undefined) {
      const { suffix, count: seen } = typeof last === 'string' ? { suffix: last, count: 1 } : last;
      const stored = this.client.get('events', namespace, eventName(involved.name, suffix));
      if (stored) {
        const count = seen + 1;
        dropRefused(() =>
          this.client.update(stored, (event) => {
            event.count = count;
            event.lastTimestamp = timestamp(now);
            event.message = message;
          }),
        );
        this.seen.set(key, { suffix, count });
        return;
      }
    }
    const suffix = this.names.nextSuffix();
    const name = eventName(involved.name, suffix);
    const at = timestamp(now);
    const source: Record<string, string> = { component: this.source.component };
    if (this.source.host) source.host = this.source.host;
    dropRefused(() => this.client.create('events', namespace, {
      metadata: { name, namespace },
      involvedObject: involved,
      reason,
      message,
      source,
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: this.source.component,
      reportingInstance: this.source.host ?? '',
    }));
    this.seen.set(key, suffix);
  }

  /** Takes a token of the spam filter's bucket for a digested source and object key, if one is left. */
  private allow(key: string, now: number): boolean {
    const full = now - spamBurst * spamRefillMs;
    const emptySince = Math.max(this.emptySince.get(key) ?? full, full);
    if (now - emptySince < spamRefillMs) {
      this.emptySince.set(key, emptySince);
      return false;
    }
    this.emptySince.set(key, emptySince + spamRefillMs);
    return true;
  }
}

/** tools/events' two loops: how often every series is written out, and how long unobserved one lasts. */
const seriesRefreshMs = 30 * 60_000;
const seriesFinishMs = 6 * 60_000;

/** An event the SeriesRecorder recorded, until its finish loop forgets it. */
interface SeriesEntry {
  /** The event as first written: written again, series and all, should it be gone when its series is. */
  event: KubeObject;
  eventTime: number;
  series?: { count: number; lastObserved: number };
}

/**
 * tools/events' recorder: a repeat of an event it remembers makes the first one a series of 2 at
 * once; later repeats are only counted, and written when the refresh loop (every 30 minutes) or
 * the finish loop (every 6 minutes, for series unobserved that long) comes round. Both loops run
 * from the recorder's start, as the scheduler's event broadcaster starts them.
 */
export class SeriesRecorder {
  private readonly seen = new RecentEvents<SeriesEntry>();
  private readonly names: EventNames;
  private readonly loops: CancelTimer[];

  constructor(
    private readonly client: ControllerClient,
    private readonly reportingController: string,
    private readonly reportingInstance: string,
    private readonly clock: Clock,
  ) {
    this.names = new EventNames(clock);
    this.loops = [every(clock, seriesRefreshMs, () => this.refresh()), every(clock, seriesFinishMs, () => this.finish())];
  }

  /** Records an events.k8s.io/v1 Event, or counts it as a repeat of one remembered. */
  eventf(regarding: ObjectReference, related: ObjectReference | undefined, type: EventType, reason: string, action: string, note: string): void {
    const now = this.clock.now().getTime();
    // tools/events' key: the note is not part of it, so a series keeps its first note.
    const key = digestOf(JSON.stringify([type, action, reason, regarding, related ?? null]));
    const entry = this.seen.get(key);
    if (entry) {
      if (entry.series) {
        entry.series.count++;
        entry.series.lastObserved = now;
      } else {
        entry.series = { count: 2, lastObserved: now };
        this.writeSeries(entry);
      }
      return;
    }
    const namespace = regarding.namespace || 'default';
    const event: KubeObject = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: eventName(regarding.name, this.names.nextSuffix()), namespace },
      eventTime: microTimestamp(new Date(now)),
      reportingController: this.reportingController,
      reportingInstance: this.reportingInstance,
      action,
      reason,
      regarding,
      note,
      type,
    };
    if (related) event.related = related;
    dropRefused(() => this.client.create('events.k8s.io/events', namespace, event));
    this.seen.set(key, { event, eventTime: now });
  }

  stop(): void {
    for (const cancel of this.loops) cancel();
  }

  /** Writes a series' count onto its event, or the event anew if it is gone (expired, deleted). */
  private writeSeries(entry: SeriesEntry): void {
    const series = { count: entry.series!.count, lastObservedTime: microTimestamp(new Date(entry.series!.lastObserved)) };
    const { name, namespace } = entry.event.metadata;
    const stored = this.client.get('events.k8s.io/events', namespace!, name!);
    dropRefused(() => {
      if (stored) this.client.update(stored, (event) => void (event.series = series));
      else this.client.create('events.k8s.io/events', namespace!, { ...entry.event, series });
    });
  }

  private refresh(): void {
    for (const entry of this.seen.values()) if (entry.series) this.writeSeries(entry);
  }

  /** Writes the final count of series unobserved for 6 minutes, and forgets them and single events as old. */
  private finish(): void {
    const before = this.clock.now().getTime() - seriesFinishMs;
    this.seen.deleteWhere((entry) => {
      if (!entry.series) return entry.eventTime < before;
      if (entry.series.lastObserved >= before) return false;
      this.writeSeries(entry);
      return true;
    });
  }
}

/** Runs `fn` every `periodMs` of the clock; the returned function stops it. */
function every(clock: Clock, periodMs: number, fn: () => void): CancelTimer {
  let cancel = clock.setTimer(function tick() {
    fn();
    cancel = clock.setTimer(tick, periodMs);
  }, periodMs);
  return () => cancel();
}
