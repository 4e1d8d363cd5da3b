// Records every request in the request log (and, with --log, prints it in the shape of
// kube-apiserver's httplog); warns once per API group or subresource kubemock does not serve.

import type { Middleware } from 'koa';
import type { KubeContext, KubeState } from '../context.js';
import { yamlLibrary } from '../libraries.js';
import { decodeKubernetesProtobuf, protobufMediaType } from '../protobuf/decode.js';
import type { Registry } from '../registry/registry.js';
import { httpLogLine, type RequestLog, type RequestRecord, writeVerbs } from '../requests/log.js';
import type { KubeObject } from '../store/types.js';

export type LogSink = (line: string) => void;

export interface RequestLogOptions {
  log: RequestLog;
  registry: Registry;
  /** Prints one line per request (--log). */
  sink?: LogSink;
  /** Where the one-time warnings about unserved APIs go. */
  warn: (message: string) => void;
}

function queryObject(search: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(search)) {
    const seen = query[key];
    query[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return query;
}

function decoded(text: string, type: string): unknown {
  try {
    return type.includes('yaml') ? yamlLibrary().parse(text) : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A request body as the object it carried: JSON, YAML or Kubernetes protobuf (typed clients such as kubectl's create commands send that). */
function decodedBody(bytes: Buffer, type: string): unknown {
  if (!type.includes(protobufMediaType)) return decoded(bytes.toString('utf8'), type);
  try {
    return decodeKubernetesProtobuf(bytes);
  } catch {
    return undefined;
  }
}

/** The API a request asked for that no definition serves, named for a warning. */
function unservedApi(ctx: KubeContext, registry: Registry): string | undefined {
  const info = ctx.state.info;
  if (!info) return undefined;
  if (info.isResourceRequest && info.resource) {
    const def = registry.find(info.group, info.version, info.resource);
    const gv = info.group ? `${info.group}/${info.version}` : info.version;
    if (!def) {
      const servedGroup = registry.allGroupVersions().some((entry) => entry.group === info.group && entry.version === info.version);
      return servedGroup ? `resource "${info.resource}" in ${gv}` : `API group ${gv}`;
    }
    if (info.subresource && !def.subresources.some((s) => s.name === info.subresource)) return `subresource "${info.resource}/${info.subresource}" in ${gv}`;
    return undefined;
  }
  if (ctx.status !== 404) return undefined;
  const match = /^\/apis\/([^/]+)(?:\/([^/]+))?\/?$/.exec(ctx.path);
  if (!match) return undefined;
  const [, group, version] = match;
  const served = registry.allGroupVersions().some((entry) => entry.group === group && (version === undefined || entry.version === version));
  return served ? undefined : `API group ${version ? `${group}/${version}` : group}`;
}

export function requestLog(options: RequestLogOptions): Middleware<KubeState> {
  const warned = new Set<string>();
  return async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const info = ctx.state.info;
      const verb = info?.verb ?? ctx.method.toLowerCase();
      const write = writeVerbs.includes(verb);
      const userAgent = ctx.get('user-agent');
      const responseBody = ctx.body;
      const responseType = ctx.response.get('Content-Type');
      const requestBody = ctx.state.requestBody;
      const requestType = ctx.get('content-type');
      const succeeded = ctx.status >= 200 && ctx.status < 300;
      let object: KubeObject | undefined | null = null;
      let body: unknown = null;
      const record: RequestRecord = {
        id: ctx.state.requestId,
        time: ctx.state.receivedAt,
        method: ctx.method,
        verb,
        path: ctx.path,
        query: queryObject(ctx.querystring),
        group: info?.group ?? '',
        version: info?.version ?? '',
        resource: info?.resource ?? '',
        subresource: info?.subresource ?? '',
        namespace: info?.namespace ?? '',
        name: info?.name ?? '',
        user: ctx.state.user?.username ?? '',
        userAgent,
        fieldManager: write ? (new URLSearchParams(ctx.querystring).get('fieldManager') ?? (userAgent.split('/')[0] || 'unknown')) : undefined,
        code: ctx.state.connectionReset ? 0 : ctx.status,
        latencyMs: performance.now() - started,
        // Parsed only when a test asks.
        get object() {
          if (object === null) object = write && succeeded && typeof responseBody === 'string' ? (decoded(responseBody, responseType) as KubeObject) : undefined;
          return object;
        },
        get body() {
          if (body === null) body = write && requestBody ? decodedBody(requestBody, requestType) : undefined;
          return body;
        },
        fault: ctx.state.fault,
      };
      const unserved = unservedApi(ctx, options.registry);
      if (unserved) {
        record.warning = `kubemock does not serve ${unserved}`;
        if (!warned.has(unserved)) {
          warned.add(unserved);
          options.warn(`kubemock: warning: a client asked for ${unserved}, which kubemock does not serve (${ctx.method} ${ctx.path})`);
        }
      }
      ctx.state.record = record;
      options.log.add(record);
      options.sink?.(httpLogLine(record, ctx.url));
    }
  };
}
