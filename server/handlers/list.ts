// LIST: selectors, resourceVersion semantics and limit/continue paging over a consistent snapshot.

import type { KubeContext } from '../context.js';
import { errors, StatusError } from '../errors.js';
import type { ResourceDefinition } from '../registry/types.js';
import type { Services } from '../services.js';
import type { StoredObject } from '../store/memory-store.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import { parseResourceVersion, readListQuery, selectorFilter, tooLargeResourceVersion, type ListQuery } from './query.js';
import { respondList, type ListMeta } from './respond.js';

const tooOldContinue =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

interface Snapshot {
  items: StoredObject[];
  revision: number;
  startKey?: string;
  /** Whether limit applies (resourceVersion=0 is served whole, as from the watch cache). */
  paged: boolean;
}

function snapshotFromContinue(services: Services, def: ResourceDefinition, namespace: string, query: ListQuery): Snapshot {
  if (query.resourceVersion && query.resourceVersion !== '0') {
    throw errors.badRequest('specifying resource version is not allowed when using continue');
  }
  const point = decodeContinue(query.continueToken!);
  const current = services.store.currentRevision;
  if (point.resourceVersion > current) throw tooLargeResourceVersion(point.resourceVersion, current);
  if (point.resourceVersion === -1) {
    return { items: services.objects.listNow(def, namespace), revision: current, startKey: point.startKey, paged: true };
  }
  try {
    return { items: services.objects.listAt(def, namespace, point.resourceVersion), revision: point.resourceVersion, startKey: point.startKey, paged: true };
  } catch (err) {
    if (!(err instanceof StatusError) || err.code !== 410) throw err;
    throw errors.expired(tooOldContinue, encodeContinue({ resourceVersion: -1, startKey: point.startKey }));
  }
}

export function readSnapshot(services: Services, def: ResourceDefinition, namespace: string, query: ListQuery): Snapshot {
  if (query.continueToken) return snapshotFromContinue(services, def, namespace, query);
  const current = services.store.currentRevision;
  const rv = query.resourceVersion;
  if (rv === undefined) return { items: services.objects.listNow(def, namespace), revision: current, paged: true };
  if (rv === '0') return { items: services.objects.listNow(def, namespace), revision: current, paged: false };
  const requested = parseResourceVersion(rv, query.limit ? 'invalid resource version: ' : '');
  if (requested > current) throw tooLargeResourceVersion(requested, current);
  const exact = query.resourceVersionMatch === 'Exact' || (query.resourceVersionMatch === undefined && query.limit !== undefined && query.limit > 0);
  if (exact) return { items: services.objects.listAt(def, namespace, requested), revision: requested, paged: true };
  return { items: services.objects.listNow(def, namespace), revision: current, paged: true };
}

/** One page of a list request: the items and the list metadata to send with them. */
export function listSnapshotPage(ctx: KubeContext, services: Services, def: ResourceDefinition, namespace: string): { items: StoredObject[]; meta: ListMeta } {
  const query = readListQuery(ctx, false);
  const filter = selectorFilter(def, query);
  const snapshot = readSnapshot(services, def, namespace, query);
  let items = snapshot.items;
  if (snapshot.startKey) {
    const start = snapshot.startKey;
    items = items.filter((s) => s.key >= start);
  }
  if (filter) items = items.filter((s) => filter(s.object));
  const meta: ListMeta = { resourceVersion: String(snapshot.revision) };
  const limit = snapshot.paged ? query.limit : undefined;
  if (limit !== undefined && limit > 0 && items.length > limit) {
    const page = items.slice(0, limit);
    meta.continue = encodeContinue({ resourceVersion: snapshot.revision, startKey: `${page[page.length - 1].key}\u0000` });
    if (!filter) meta.remainingItemCount = items.length - limit;
    items = page;
  }
  return { items, meta };
}

export function listObjects(ctx: KubeContext, services: Services, def: ResourceDefinition, namespace: string): void {
  const { items, meta } = listSnapshotPage(ctx, services, def, namespace);
  respondList(ctx, def, items, meta);
}
