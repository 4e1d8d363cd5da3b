// Watch event framing: one JSON object per line, {"type":…,"object":…}, in the negotiated representation.

import type { Clock } from '../clock.js';
import type { Status } from '../errors.js';
import type { OutputFormat } from '../middleware/negotiation.js';
import { fromStorage } from '../registry/generic-store.js';
import { groupVersion, type ResourceDefinition } from '../registry/types.js';
import type { StoreEvent, StoredObject } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import { type IncludeObject, partialObjectMetadata, presented, tableRowWithObject } from '../handlers/respond.js';
import { tableColumns } from '../handlers/table.js';
import type { FrameKind } from './hub.js';

export const initialEventsEndAnnotation = 'k8s.io/initial-events-end';
const initialEventsListBlueprintAnnotation = 'kubernetes.io/initial-events-list-blueprint';

function frame(type: string, objectJson: string): Buffer {
  return Buffer.from(`{"type":"${type}","object":${objectJson}}\n`);
}

/** The previous state of an object stamped with a later resourceVersion (an object leaving a selector). */
function previousAt(event: StoreEvent): KubeObject {
  const previous: KubeObject = JSON.parse(event.previous!.json);
  previous.metadata.resourceVersion = String(event.resourceVersion);
  return previous;
}

function frameType(kind: FrameKind): string {
  return kind === 'DELETED-PREVIOUS' ? 'DELETED' : kind;
}

export abstract class EventFramer {
  constructor(protected readonly def: ResourceDefinition) {}

  /** Frames with the same key are byte-identical across watchers; '' means never share. */
  abstract get cacheKey(): string;

  /** The representation of an object (in its stored form) as the watched resource shows it. */
  protected abstract render(object: KubeObject): string;

  /** Watchers of different versions of one stored resource see different bytes. */
  protected get viewKey(): string {
    return groupVersion(this.def);
  }

  event(kind: FrameKind, event: StoreEvent): Buffer {
    if (kind === 'DELETED-PREVIOUS') return frame('DELETED', this.render(previousAt(event)));
    return this.stored(frameType(kind), event.object);
  }

  stored(type: string, stored: StoredObject): Buffer {
    return frame(type, this.render(stored.object));
  }

  /** An empty object of the kind with a resourceVersion; a Go type writes its zero creationTimestamp as null. */
  protected bookmarkObject(revision: number, annotations?: Record<string, string>): KubeObject {
    const metadata: KubeObject['metadata'] = { resourceVersion: String(revision) };
    if (!this.def.unstructured) metadata.creationTimestamp = null;
    if (annotations) metadata.annotations = annotations;
    return { kind: this.def.kind, apiVersion: groupVersion(this.def), metadata };
  }

  /** The empty list the initial-events-end bookmark carries, base64 of its encoding, where known. */
  protected listBlueprint(): string | undefined {
    return undefined;
  }

  bookmark(revision: number, annotations?: Record<string, string>): Buffer {
    const blueprint = annotations?.[initialEventsEndAnnotation] ? this.listBlueprint() : undefined;
    const all = blueprint ? { ...annotations, [initialEventsListBlueprintAnnotation]: blueprint } : annotations;
    return frame('BOOKMARK', JSON.stringify(this.bookmarkObject(revision, all)));
  }

  error(status: Status): Buffer {
    return frame('ERROR', JSON.stringify(status));
  }
}

class JsonFramer extends EventFramer {
  get cacheKey(): string {
    return `${this.viewKey} json`;
  }

  protected render(object: KubeObject): string {
    return JSON.stringify(fromStorage(this.def, object));
  }

  /** A built-in kind's list as Go encodes an empty one: no list metadata, nil items. */
  protected override listBlueprint(): string | undefined {
    if (this.def.unstructured) return undefined;
    const list = { kind: this.def.listKind, apiVersion: groupVersion(this.def), metadata: {}, items: null };
    return Buffer.from(`${JSON.stringify(list)}\n`).toString('base64');
  }

  /** Stored objects already hold their bytes. */
  override stored(type: string, stored: StoredObject): Buffer {
    return frame(type, presented(this.def, stored).json);
  }
}

class PartialFramer extends EventFramer {
  constructor(
    def: ResourceDefinition,
    private readonly version: string,
  ) {
    super(def);
  }

  get cacheKey(): string {
    return `${this.viewKey} partial-${this.version}`;
  }

  protected render(object: KubeObject): string {
    return JSON.stringify(partialObjectMetadata(object, this.version));
  }

  protected override bookmarkObject(revision: number, annotations?: Record<string, string>): KubeObject {
    return partialObjectMetadata(super.bookmarkObject(revision, annotations), this.version);
  }
}

/** Only the first Table of a stream carries column definitions. */
class TableFramer extends EventFramer {
  private headersSent = false;

  constructor(
    def: ResourceDefinition,
    private readonly version: string,
    private readonly include: IncludeObject,
    private readonly clock: Clock,
  ) {
    super(def);
  }

  get cacheKey(): string {
    return this.headersSent ? `${this.viewKey} table-${this.version}-${this.include}` : '';
  }

  protected render(object: KubeObject): string {
    const table = {
      kind: 'Table',
      apiVersion: `meta.k8s.io/${this.version}`,
      metadata: { resourceVersion: object.metadata.resourceVersion ?? '' },
      columnDefinitions: this.headersSent ? null : tableColumns(this.def),
      rows: [tableRowWithObject(this.def, object, this.clock.now(), this.include, this.version)],
    };
    this.headersSent = true;
    return JSON.stringify(table);
  }
}

export function framerFor(output: OutputFormat, def: ResourceDefinition, clock: Clock, include: IncludeObject): EventFramer {
  if (output.kind === 'partial') return new PartialFramer(def, output.version);
  if (output.kind === 'table') return new TableFramer(def, output.version, include, clock);
  return new JsonFramer(def);
}
