// The request log: every request a server answered, kept in a bounded ring so tests can ask what
// their code did ("it patched status twice", "nothing was written while idle").

import type { KubeObject } from '../store/types.js';

export interface RequestRecord {
  /** The Audit-Id of the request. */
  id: string;
  /** When it arrived, by the server's clock. */
  time: Date;
  method: string;
  /** get, list, watch, create, update, patch, delete, deletecollection; the lower-case HTTP method elsewhere. */
  verb: string;
  path: string;
  query: Record<string, string | string[]>;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  user: string;
  userAgent: string;
  /** The manager a write was recorded under: the fieldManager parameter, else the user agent's first word. */
  fieldManager?: string;
  /** The response status; 0 when the connection was reset before an answer. */
  code: number;
  /** Wall-clock milliseconds until the response was written (for a watch: until its stream began). */
  latencyMs: number;
  /** The object a successful write answered with, as stored. */
  readonly object?: KubeObject;
  /** The body a write sent, decoded from JSON, YAML or Kubernetes protobuf. */
  readonly body?: unknown;
  /** The fault injected into this request, if one was. */
  fault?: string;
  /** The warning kubemock printed about this request (an API it does not serve). */
  warning?: string;
}

/** Which requests to pick by what they ask for; every given field must match. */
export interface RequestMatch {
  verb?: string | string[];
  /** A plural (`deployments`), optionally with its group (`deployments.apps`). */
  resource?: string;
  group?: string;
  namespace?: string;
  name?: string;
  /** `''` picks requests to the main resource only. */
  subresource?: string;
  /** A substring of the User-Agent, or a pattern. */
  userAgent?: string | RegExp;
  fieldManager?: string | RegExp;
}

/** Which logged requests to pick; every given field must match. */
export interface RequestFilter extends RequestMatch {
  user?: string;
  code?: number | ((code: number) => boolean);
  faulted?: boolean;
  where?: (record: RequestRecord) => boolean;
}

export const writeVerbs = ['create', 'update', 'patch', 'delete', 'deletecollection'];

export interface RequestTarget {
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  userAgent: string;
  fieldManager?: string;
}

function matchesText(value: string | undefined, wanted: string | RegExp, substring: boolean): boolean {
  if (value === undefined) return false;
  if (wanted instanceof RegExp) return wanted.test(value);
  return substring ? value.includes(wanted) : value === wanted;
}

/** Whether a request's target matches the fields a filter or fault rule shares with it. */
export function matchesTarget(target: RequestTarget, filter: RequestMatch): boolean {
  if (filter.verb !== undefined && !(Array.isArray(filter.verb) ? filter.verb : [filter.verb]).includes(target.verb)) return false;
  if (filter.resource !== undefined) {
    const dot = filter.resource.indexOf('.');
    const [plural, group] = dot < 0 ? [filter.resource, undefined] : [filter.resource.slice(0, dot), filter.resource.slice(dot + 1)];
    if (target.resource !== plural || (group !== undefined && target.group !== group)) return false;
  }
  if (filter.group !== undefined && target.group !== filter.group) return false;
  if (filter.namespace !== undefined && target.namespace !== filter.namespace) return false;
  if (filter.name !== undefined && target.name !== filter.name) return false;
  if (filter.subresource !== undefined && target.subresource !== filter.subresource) return false;
  if (filter.userAgent !== undefined && !matchesText(target.userAgent, filter.userAgent, true)) return false;
  if (filter.fieldManager !== undefined && !matchesText(target.fieldManager, filter.fieldManager, false)) return false;
  return true;
}

export function matchesRecord(record: RequestRecord, filter: RequestFilter): boolean {
  if (!matchesTarget(record, filter)) return false;
  if (filter.user !== undefined && record.user !== filter.user) return false;
  if (filter.code !== undefined && !(typeof filter.code === 'function' ? filter.code(record.code) : record.code === filter.code)) return false;
  if (filter.faulted !== undefined && (record.fault !== undefined) !== filter.faulted) return false;
  return filter.where ? filter.where(record) : true;
}

export const defaultRequestLogSize = 10_000;

export class RequestLog {
  private readonly ring: RequestRecord[] = [];
  /** Records ever added, so a mark stays meaningful after the ring drops old ones. */
  private added = 0;

  constructor(readonly capacity = defaultRequestLogSize) {}

  add(record: RequestRecord): void {
    this.added++;
    this.ring.push(record);
    if (this.ring.length > this.capacity) this.ring.shift();
  }

  /** Every kept record, oldest first, or those matching a filter. */
  find(filter: RequestFilter = {}): RequestRecord[] {
    return this.ring.filter((record) => matchesRecord(record, filter));
  }

  count(filter: RequestFilter = {}): number {
    return this.find(filter).length;
  }

  /** A position to ask `since(mark)` about later. */
  mark(): number {
    return this.added;
  }

  /** Records added after a mark, oldest first, optionally filtered. */
  since(mark: number, filter: RequestFilter = {}): RequestRecord[] {
    const skip = Math.max(0, this.ring.length - (this.added - mark));
    return this.ring.slice(skip).filter((record) => matchesRecord(record, filter));
  }

  clear(): void {
    this.ring.length = 0;
  }
}

/** One line per request, in the shape of kube-apiserver's httplog. */
export function httpLogLine(record: RequestRecord, url: string): string {
  const extra = [record.fault ? ` fault=${JSON.stringify(record.fault)}` : '', record.warning ? ` warning=${JSON.stringify(record.warning)}` : ''].join('');
  return `verb=${record.verb} URI=${url} latency=${record.latencyMs.toFixed(1)}ms userAgent=${JSON.stringify(record.userAgent)} audit-ID=${record.id} resp=${record.code}${extra}`;
}
