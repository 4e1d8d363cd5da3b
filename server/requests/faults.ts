// Fault injection: rules that pick requests by what they address and who sends them, and make them
// fail as a real cluster or network can. Requests are matched in the request pipeline; watch faults
// also reach the streams already open when a rule is added.

import { errors, qualifiedResource, StatusError } from '../errors.js';
import { matchesTarget, type RequestMatch, type RequestTarget } from './log.js';

/** Which requests a fault strikes: the request log's matching fields. */
export type FaultMatch = RequestMatch;

/** What happens to a matching request. `latencyMs` may come with any of the others, or alone. */
export interface FaultAction {
  /** Delay before the request is answered (or before the other fault strikes). */
  latencyMs?: number;
  /** Answer with this metav1.Status code: 409, 429, 500, 503, 504 and the other codes kube-apiserver sends. */
  status?: number;
  /** The Status message; a code's usual wording otherwise. */
  message?: string;
  /** The Retry-After header and details.retryAfterSeconds (429 sends 1 unless told). */
  retryAfterSeconds?: number;
  /** Drop the connection without an answer. */
  resetConnection?: boolean;
  /** Cut a watch stream off (its connection dropped), open ones at once and new ones once started. */
  dropWatch?: boolean;
  /** Send a watch stream an ERROR event with 410 Expired and end it, as a compacted watch cache does. */
  expireWatch?: boolean;
}

export interface FaultLimits {
  /** Strike this many requests, then retire. */
  times?: number;
  /** Retire after this many wall-clock milliseconds. */
  forMs?: number;
}

export interface Fault {
  readonly description: string;
  /** Requests (or streams) this fault has struck so far. */
  readonly hits: number;
  readonly active: boolean;
  clear(): void;
}

/** An open watch stream as the fault injector sees it. */
export interface WatchHandle {
  readonly target: RequestTarget;
  /** Ends the stream with an ERROR event carrying this Status. */
  fail(status: StatusError['status'], description: string): void;
  /** Drops the connection. */
  drop(description: string): void;
  readonly currentRevision: () => number;
}

const reasons: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** The Status a fault answers with, worded as kube-apiserver words that code. */
export function faultStatus(action: FaultAction, target: RequestTarget): StatusError {
  const code = action.status!;
  const gr = { group: target.group, resource: target.resource };
  // kube-apiserver sends Retry-After whenever a Status carries retryAfterSeconds; its 429s always do.
  const retryAfter = action.retryAfterSeconds ?? (code === 429 ? 1 : undefined);
  let err: StatusError;
  switch (code) {
    case 409:
      err = errors.conflict(gr, target.name, action.message ?? 'the object has been modified; please apply your changes to the latest version and try again');
      break;
    case 429:
      err = new StatusError(429, 'TooManyRequests', action.message ?? 'Too many requests, please try again later.', {});
      break;
    case 500:
      err = errors.internal(action.message ?? 'injected fault');
      break;
    case 503:
      err = new StatusError(503, 'ServiceUnavailable', action.message ?? 'the server is currently unable to handle the request');
      break;
    case 504:
      err = errors.timeout(action.message ?? 'request did not complete within requested timeout - context deadline exceeded', 0);
      break;
    default:
      err = new StatusError(code, reasons[code], action.message ?? `injected ${code} for ${qualifiedResource(gr) || 'this path'}`, target.name ? { name: target.name, group: target.group, kind: target.resource } : undefined);
  }
  if (retryAfter !== undefined && retryAfter > 0) {
    err.status.details = { ...err.status.details, retryAfterSeconds: retryAfter };
    err.headers['Retry-After'] = String(retryAfter);
  } else if (err.status.details) delete err.status.details.retryAfterSeconds;
  return err;
}

function describe(match: FaultMatch, action: FaultAction): string {
  const what = [
    action.latencyMs !== undefined ? `latency ${action.latencyMs}ms` : '',
    action.status !== undefined ? `status ${action.status}` : '',
    action.resetConnection ? 'reset connection' : '',
    action.dropWatch ? 'drop watch' : '',
    action.expireWatch ? 'expire watch' : '',
  ].filter(Boolean);
  const where = Object.entries(match)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${value instanceof RegExp ? String(value) : Array.isArray(value) ? value.join('|') : value}`);
  return `${what.join(' + ')}${where.length ? ` for ${where.join(' ')}` : ''}`;
}

function validate(action: FaultAction, limits: FaultLimits): void {
  const terminal = [action.status !== undefined, !!action.resetConnection, !!action.dropWatch, !!action.expireWatch].filter(Boolean).length;
  if (terminal > 1) throw new Error('a fault either answers a status, resets the connection, drops a watch or expires it: choose one');
  if (terminal === 0 && action.latencyMs === undefined) throw new Error('a fault needs a status, latencyMs, resetConnection, dropWatch or expireWatch');
  if (action.status !== undefined && (!Number.isInteger(action.status) || action.status < 400 || action.status > 599)) {
    throw new Error(`a fault's status must be an error code from 400 to 599, got ${action.status}`);
  }
  if (action.latencyMs !== undefined && !(action.latencyMs >= 0)) throw new Error('latencyMs must be zero or more');
  if (limits.times !== undefined && !(Number.isInteger(limits.times) && limits.times > 0)) throw new Error('times must be a whole number above zero');
  if (limits.forMs !== undefined && !(limits.forMs > 0)) throw new Error('forMs must be above zero');
}

class FaultRule implements Fault {
  hits = 0;
  private cleared = false;
  private readonly until?: number;
  readonly description: string;

  constructor(
    readonly match: FaultMatch,
    readonly action: FaultAction,
    private readonly limits: FaultLimits,
    private readonly owner: FaultInjector,
  ) {
    this.description = describe(match, action);
    if (limits.forMs !== undefined) this.until = performance.now() + limits.forMs;
  }

  get active(): boolean {
    if (this.cleared) return false;
    if (this.limits.times !== undefined && this.hits >= this.limits.times) return false;
    return this.until === undefined || performance.now() < this.until;
  }

  get watchOnly(): boolean {
    return !!(this.action.dropWatch || this.action.expireWatch);
  }

  /** Takes one strike if the rule is still active; false when it has retired. */
  strike(): boolean {
    if (!this.active) return false;
    this.hits++;
    return true;
  }

  clear(): void {
    this.cleared = true;
    this.owner.remove(this);
  }
}

/** What the pipeline does to one request: wait, then perhaps answer, reset or mark its watch. */
export interface Strike {
  description: string;
  action: FaultAction;
}

export class FaultInjector {
  private readonly rules: FaultRule[] = [];
  private readonly watches = new Set<WatchHandle>();
  private readonly spared = new Set<string>();

  /** Requests with this User-Agent are never struck (the testkit's own seeding). */
  spare(userAgent: string): void {
    this.spared.add(userAgent);
  }

  inject(match: FaultMatch, action: FaultAction, limits: FaultLimits = {}): Fault {
    validate(action, limits);
    const rule = new FaultRule(match, action, limits, this);
    this.rules.push(rule);
    if (rule.watchOnly) for (const watch of [...this.watches]) this.strikeWatch(rule, watch);
    return rule;
  }

  remove(rule: Fault): void {
    const index = this.rules.indexOf(rule as FaultRule);
    if (index >= 0) this.rules.splice(index, 1);
  }

  clear(): void {
    this.rules.length = 0;
  }

  get list(): readonly Fault[] {
    return this.rules.filter((rule) => rule.active);
  }

  /** The first active rule matching a request, struck once; watch faults wait for the stream to open. */
  forRequest(target: RequestTarget): Strike | undefined {
    if (this.spared.has(target.userAgent)) return undefined;
    for (const rule of this.rules) {
      if (rule.watchOnly) continue;
      if (!matchesTarget(target, rule.match)) continue;
      if (rule.strike()) return { description: rule.description, action: rule.action };
    }
    return undefined;
  }

  /** A watch stream has started: faults already waiting for it strike now, later ones when added. */
  watchOpened(watch: WatchHandle): void {
    if (this.spared.has(watch.target.userAgent)) return;
    this.watches.add(watch);
    for (const rule of this.rules) if (rule.watchOnly && this.strikeWatch(rule, watch)) return;
  }

  watchClosed(watch: WatchHandle): void {
    this.watches.delete(watch);
  }

  private strikeWatch(rule: FaultRule, watch: WatchHandle): boolean {
    if (!this.watches.has(watch) || !matchesTarget(watch.target, rule.match) || !rule.strike()) return false;
    this.watches.delete(watch);
    const strike = () => {
      if (rule.action.dropWatch) watch.drop(rule.description);
      else {
        const revision = watch.currentRevision();
        watch.fail(errors.expired(`too old resource version: ${revision} (${revision + 1})`).status, rule.description);
      }
    };
    // With latency, the stream lives that long before the fault strikes.
    if (rule.action.latencyMs) setTimeout(strike, rule.action.latencyMs).unref();
    else strike();
    return true;
  }
}
