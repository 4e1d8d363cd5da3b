// A watch request: choose the starting point, send initial or replayed events, then stream live ones.
// Everything from reading the state to registering the watcher happens in one synchronous step, so
// no committed event can fall between the initial state and the live stream.

import type { KubeContext } from '../context.js';
import { errors } from '../errors.js';
import { readListQuery, parseResourceVersion, selectorFilter, tooLargeResourceVersion } from '../handlers/query.js';
import { resourceKey, type ResourceDefinition } from '../registry/types.js';
import type { Services } from '../services.js';
import { HistoryCompactedError } from '../store/memory-store.js';
import { framerFor, initialEventsEndAnnotation } from './framing.js';
import { includeObjectPolicy } from '../handlers/respond.js';
import { FrameCache, Watcher } from './hub.js';

/** kube-apiserver's --min-request-timeout; streams without timeoutSeconds end in [min, 2×min). */
const minRequestTimeoutSeconds = 1800;

export function watchObjects(ctx: KubeContext, services: Services, def: ResourceDefinition, namespace: string, name: string): void {
  const query = readListQuery(ctx, true);
  if (name) query.fieldSelector = query.fieldSelector ? `${query.fieldSelector},metadata.name=${name}` : `metadata.name=${name}`;
  const filter = selectorFilter(def, query);
  const store = services.store;
  const current = store.currentRevision;

  // Decide the starting point before any byte is sent, so bad requests get a plain error response.
  const rv = query.resourceVersion;
  const initialEvents = query.sendInitialEvents ?? (rv === undefined || rv === '0');
  let since = current;
  if (rv !== undefined && rv !== '0') {
    since = parseResourceVersion(rv);
    if (since > current) throw tooLargeResourceVersion(since, current);
  }
  const framer = framerFor(ctx.state.output, def, services.clock, includeObjectPolicy(ctx));

  const res = ctx.res;
  ctx.respond = false;
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Audit-Id': ctx.state.requestId });
  res.flushHeaders();

  const sink = {
    write: (chunk: Buffer) => {
      res.write(chunk);
      return res.writableLength;
    },
    end: () => res.end(),
    abort: () => res.destroy(),
  };
  const watcher = new Watcher(def, namespace, filter, framer, sink, services.watches, query.allowWatchBookmarks);
  // A client may go away while the initial events are still being written.
  res.once('close', () => watcher.close());
  res.on('error', () => watcher.close());

  if (initialEvents) {
    for (const stored of services.objects.listNow(def, namespace)) {
      if (filter && !filter(stored.object)) continue;
      const frame = watcher.framed(() => framer.stored('ADDED', stored));
      if (!frame) break;
      watcher.sendInitial(frame);
    }
    if (query.sendInitialEvents && query.allowWatchBookmarks) {
      watcher.sendInitial(framer.bookmark(current, { [initialEventsEndAnnotation]: 'true' }));
    }
  } else {
    let replay;
    try {
      replay = store.eventsSince(since);
    } catch (err) {
      if (!(err instanceof HistoryCompactedError)) throw err;
      res.end(framer.error(errors.expired(`too old resource version: ${since} (${err.compactedThrough})`).status));
      return;
    }
    const resource = resourceKey(def);
    for (const event of replay) if (event.resource === resource) watcher.deliver(event, new FrameCache(), true);
  }
  if (watcher.closed) return;

  services.watches.add(watcher);
  ctx.state.watcher = watcher;
  const timeoutMs = query.timeoutSeconds !== undefined && query.timeoutSeconds > 0
    ? query.timeoutSeconds * 1000
    : minRequestTimeoutSeconds * 1000 * (1 + Math.random());
  watcher.startTimers(services.clock, timeoutMs, () => store.currentRevision);
}
