// Fan-out of committed store events to watch streams. Each event is framed once per representation
// and the same bytes go to every stream that wants it; a stream that stops reading is cut off when its
// buffer passes the limit, so one slow client never holds memory or slows the others.

import type { Clock } from '../clock.js';
import { errors, type Status, StatusError } from '../errors.js';
import type { MemoryStore, StoreEvent } from '../store/memory-store.js';
import { resourceKey, type ResourceDefinition } from '../registry/types.js';
import type { KubeObject } from '../store/types.js';
import type { EventFramer } from './framing.js';

export interface WatchOptions {
  /** Bytes a stream may have queued before it is cut off. */
  maxBufferedBytes: number;
  /** How often a stream that asked for bookmarks gets one. */
  bookmarkIntervalMs: number;
}

export interface WatchSink {
  /** Queues bytes; returns how many bytes the stream now holds unsent. */
  write(chunk: Buffer): number;
  /** Ends the stream cleanly once everything queued is sent. */
  end(): void;
  /** Drops the connection and whatever it still holds (a client that stopped reading). */
  abort(): void;
}

/** One live watch stream. */
export class Watcher {
  private cancelTimeout?: () => void;
  private cancelBookmark?: () => void;
  /** Bytes of the initial state, which a client may take its time to read. */
  private initialBytes = 0;
  private readonly closeListeners: Array<() => void> = [];
  closed = false;

  constructor(
    readonly def: ResourceDefinition,
    readonly namespace: string,
    readonly filter: ((object: KubeObject) => boolean) | undefined,
    readonly framer: EventFramer,
    private readonly sink: WatchSink,
    private readonly hub: WatchHub,
    readonly bookmarks: boolean,
  ) {}

  matches(object: KubeObject): boolean {
    if (this.namespace && object.metadata.namespace !== this.namespace) return false;
    return this.filter ? this.filter(object) : true;
  }

  send(chunk: Buffer): void {
    if (this.closed) return;
    const queued = this.sink.write(chunk);
    if (queued > this.hub.options.maxBufferedBytes + this.initialBytes) this.close(true);
  }

  /** Sends part of the initial state or of a replay: bounded by the store, so not counted against the buffer. */
  sendInitial(chunk: Buffer): void {
    if (this.closed) return;
    this.initialBytes += chunk.length;
    this.sink.write(chunk);
  }

  /** Delivers an event (live, or replayed from history), turning selector transitions into ADDED or DELETED. */
  deliver(event: StoreEvent, frames: FrameCache, replayed = false): void {
    const now = this.matches(event.object.object);
    const before = event.previous ? this.matches(event.previous.object) : false;
    let kind: FrameKind | undefined;
    if (event.type === 'DELETED') kind = before || now ? 'DELETED' : undefined;
    else if (now) kind = before || event.type === 'ADDED' ? event.type : 'ADDED';
    else if (before) kind = 'DELETED-PREVIOUS';
    if (!kind) return;
    const frame = this.framed(() => frames.get(this.framer, kind, event));
    if (!frame) return;
    if (replayed) this.sendInitial(frame);
    else this.send(frame);
  }

  startTimers(clock: Clock, timeoutMs: number, currentRevision: () => number): void {
    this.cancelTimeout = clock.setTimer(() => {
      if (this.bookmarks) this.send(this.framer.bookmark(currentRevision()));
      this.close();
    }, timeoutMs);
    if (this.bookmarks) {
      const interval = this.hub.options.bookmarkIntervalMs;
      const tick = () => {
        this.send(this.framer.bookmark(currentRevision()));
        if (!this.closed) this.cancelBookmark = clock.setTimer(tick, interval);
      };
      this.cancelBookmark = clock.setTimer(tick, interval);
    }
  }

  /**
   * A frame for an object; when the object cannot be shown in the watched version (its conversion
   * failed), the stream ends with the ERROR a storage watch sends then, and there is no frame.
   */
  framed(build: () => Buffer): Buffer | undefined {
    try {
      return build();
    } catch (err) {
      if (!(err instanceof StatusError)) throw err;
      this.fail(errors.internal(err.message).status);
      return undefined;
    }
  }

  /** Ends the stream with an ERROR event carrying a Status (410 Expired, say). */
  fail(status: Status): void {
    this.send(this.framer.error(status));
    this.close();
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  /** Ends the stream; a client cut off for not reading loses its connection and everything queued for it. */
  close(cutOff = false): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelTimeout?.();
    this.cancelBookmark?.();
    this.hub.remove(this);
    if (cutOff) this.sink.abort();
    else this.sink.end();
    for (const listener of this.closeListeners) listener();
  }
}

export type FrameKind = 'ADDED' | 'MODIFIED' | 'DELETED' | 'DELETED-PREVIOUS';

/** The frames built for one event, shared by every watcher with the same representation. */
export class FrameCache {
  private readonly frames = new Map<string, Buffer>();

  get(framer: EventFramer, kind: FrameKind, event: StoreEvent): Buffer {
    // Read the key before rendering: a Table framer's first frame (with headers) is its own.
    const shared = framer.cacheKey;
    if (!shared) return framer.event(kind, event);
    const key = `${shared}\u0000${kind}`;
    let frame = this.frames.get(key);
    if (!frame) {
      frame = framer.event(kind, event);
      this.frames.set(key, frame);
    }
    return frame;
  }
}

export class WatchHub {
  private readonly byResource = new Map<string, Set<Watcher>>();
  private readonly unsubscribe: () => void;

  constructor(
    store: MemoryStore,
    readonly options: WatchOptions,
  ) {
    this.unsubscribe = store.subscribe((event) => this.publish(event));
  }

  get count(): number {
    let n = 0;
    for (const set of this.byResource.values()) n += set.size;
    return n;
  }

  add(watcher: Watcher): void {
    const key = resourceKey(watcher.def);
    let set = this.byResource.get(key);
    if (!set) {
      set = new Set();
      this.byResource.set(key, set);
    }
    set.add(watcher);
  }

  remove(watcher: Watcher): void {
    this.byResource.get(resourceKey(watcher.def))?.delete(watcher);
  }

  private publish(event: StoreEvent): void {
    const watchers = this.byResource.get(event.resource);
    if (!watchers || watchers.size === 0) return;
    const frames = new FrameCache();
    for (const watcher of watchers) watcher.deliver(event, frames);
  }

  /** Ends the streams of one resource (its CustomResourceDefinition is gone), without an ERROR event. */
  closeResource(resource: string): void {
    for (const watcher of [...(this.byResource.get(resource) ?? [])]) watcher.close();
  }

  /** Ends every stream (server shutdown). */
  closeAll(): void {
    for (const set of this.byResource.values()) for (const watcher of [...set]) watcher.close();
  }

  dispose(): void {
    this.closeAll();
    this.unsubscribe();
  }
}
