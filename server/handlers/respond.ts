// Writes objects and lists in the representation the client negotiated. Plain JSON reuses the bytes
// serialized at write time; Table, PartialObjectMetadata and YAML are derived from them.

import type { KubeContext } from '../context.js';
import { errors } from '../errors.js';
import { fromStorage, type ObjectResult, typedObjectMeta } from '../registry/generic-store.js';
import { groupVersion, type ResourceDefinition } from '../registry/types.js';
import { withoutTypeMeta, type StoredObject } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import { tableColumns, tableRow } from './table.js';
import { sendBody, sendJson } from '../http.js';

export interface ListMeta {
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** Writes serialized JSON as the negotiated JSON or YAML. */
export function write(ctx: KubeContext, status: number, json: string): void {
  const output = ctx.state.output;
  if (output.kind === 'yaml') sendBody(ctx, status, output.stringify(JSON.parse(json)), 'application/yaml');
  else sendJson(ctx, status, json);
}

const views = new WeakMap<ResourceDefinition, WeakMap<ObjectResult, ObjectResult>>();

/**
 * The object as the requested resource shows it (see fromStorage): itself, or its conversion (a
 * resource stored as another, events.k8s.io/v1 events) or the defaults read adds (custom
 * resources), made and serialized once per stored version and resource.
 */
export function presented(def: ResourceDefinition, result: ObjectResult): ObjectResult {
  if (!def.storedAs && !def.strategy.readDefaults) return result;
  let byResult = views.get(def);
  if (!byResult) views.set(def, (byResult = new WeakMap()));
  let view = byResult.get(result);
  if (!view) {
    // Conversions may share parts with what they convert: they get a copy of their own.
    const object = fromStorage(def, def.storedAs ? JSON.parse(result.json) : result.object);
    view = object === result.object ? result : { object, json: JSON.stringify(object) };
    byResult.set(result, view);
  }
  return view;
}

/** An object's metadata as a typed PartialObjectMetadata, in ObjectMeta's field order even for unstructured objects. */
export function partialObjectMetadata(object: KubeObject, version: string): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: typedObjectMeta(object.metadata) };
}

/** Writes a single object (GET, create, update, delete results). */
export function respondObject(ctx: KubeContext, def: ResourceDefinition, stored: ObjectResult, status = 200): void {
  const output = ctx.state.output;
  const result = presented(def, stored);
  switch (output.kind) {
    case 'json':
    case 'yaml':
      return write(ctx, status, result.json);
    case 'partial':
      if (output.list) {
        throw errors.notAcceptableText(`you requested PartialObjectMetadataList, but the requested object is not a list (*${internalType(def)})`);
      }
      return write(ctx, status, JSON.stringify(partialObjectMetadata(stored.object, output.version)));
    case 'table':
      return write(ctx, status, JSON.stringify(toTable(ctx, def, [stored.object], { resourceVersion: stored.object.metadata.resourceVersion ?? '' }, output.version)));
  }
}

/** The Go type kube-apiserver names in PartialObjectMetadata refusals. */
function internalType(def: ResourceDefinition, list = false): string {
  const pkg = def.group === '' ? 'core' : def.group.split('.')[0];
  return `${pkg}.${list ? def.listKind : def.kind}`;
}

/** Writes a list; typed list items carry no kind or apiVersion, unstructured ones do. */
export function respondList(ctx: KubeContext, def: ResourceDefinition, items: readonly StoredObject[], meta: ListMeta): void {
  const output = ctx.state.output;
  switch (output.kind) {
    case 'json':
    case 'yaml': {
      if (def.unstructured) {
        const listMeta = { continue: meta.continue ?? '', ...(meta.remainingItemCount !== undefined ? { remainingItemCount: meta.remainingItemCount } : {}), resourceVersion: meta.resourceVersion };
        const json = `{"apiVersion":${JSON.stringify(groupVersion(def))},"items":[${items.map((s) => presented(def, s).json).join(',')}],"kind":${JSON.stringify(def.listKind)},"metadata":${JSON.stringify(listMeta)}}`;
        return write(ctx, 200, json);
      }
      const parts = items.map((s) => {
        const shown = presented(def, s);
        return shown === s ? s.itemJson : withoutTypeMeta(shown.json);
      });
      const json = `{"kind":${JSON.stringify(def.listKind)},"apiVersion":${JSON.stringify(groupVersion(def))},"metadata":${JSON.stringify(meta)},"items":[${parts.join(',')}]}`;
      return write(ctx, 200, json);
    }
    case 'partial': {
      if (!output.list) {
        throw errors.notAcceptableText(`you requested PartialObjectMetadata, but the requested object is a list (*${internalType(def, true)})`);
      }
      const list = {
        kind: 'PartialObjectMetadataList',
        apiVersion: `meta.k8s.io/${output.version}`,
        metadata: meta,
        items: items.map((s) => partialObjectMetadata(s.object, output.version)),
      };
      return write(ctx, 200, JSON.stringify(list));
    }
    case 'table':
      return write(ctx, 200, JSON.stringify(toTable(ctx, def, items.map((s) => s.object), meta, output.version)));
  }
}

export type IncludeObject = 'Metadata' | 'Object' | 'None';

/** What each Table row carries as its object (?includeObject=). */
export function includeObjectPolicy(ctx: KubeContext): IncludeObject {
  const value = (ctx.query.includeObject as string | undefined) ?? '';
  if (value === '' || value === 'Metadata') return 'Metadata';
  if (value === 'Object' || value === 'None') return value;
  throw errors.badRequest(
    `Unable to convert to Table as requested: includeObject: Invalid value: "${value}": must be 'Metadata', 'Object', 'None', or empty`,
  );
}

/**
 * A Table row of an object in its stored form: kube-apiserver prints the internal object, so a resource
 * stored as another prints as that one; only an included whole object is shown in the requested version.
 * Unstructured objects have no internal form: they print as they are read (defaulted, converted).
 */
export function tableRowWithObject(def: ResourceDefinition, object: KubeObject, now: Date, include: IncludeObject, version: string): Record<string, unknown> {
  const read = def.unstructured || include === 'Object' ? fromStorage(def, object) : object;
  const row = tableRow(def, def.unstructured ? read : object, now);
  if (include === 'Metadata') row.object = partialObjectMetadata(object, version);
  else if (include === 'Object') row.object = read;
  return row;
}

/** A Table of objects in their stored form (see tableRowWithObject). */
export function toTable(ctx: KubeContext, def: ResourceDefinition, objects: KubeObject[], meta: ListMeta, version: string, withHeaders = true): Record<string, unknown> {
  const include = includeObjectPolicy(ctx);
  const now = ctx.state.receivedAt;
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: meta,
    columnDefinitions: withHeaders ? tableColumns(def) : null,
    rows: objects.map((object) => tableRowWithObject(def, object, now, include, version)),
  };
}
