// A kubemock cluster started inside the test process: what a client needs to reach it, and what a
// test needs to drive it (reset, seeding, waiting, the clock, faults, the request log).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { durationMs, ManualClock, systemClock, type Clock, type Duration } from '../server/clock.js';
import { presented } from '../server/handlers/respond.js';
import { storageKey } from '../server/registry/generic-store.js';
import { groupVersion, resourceKey } from '../server/registry/types.js';
import type { Fault, FaultMatch } from '../server/requests/faults.js';
import type { RequestFilter, RequestRecord } from '../server/requests/log.js';
import type { ManifestSource } from '../server/seed/manifests.js';
import { resolveTarget, SeedWriter, type ApplyOptions } from '../server/seed/writer.js';
import type { KubeletStage } from '../server/reconcilers/kubelet-stages.js';
import type { NodeShape } from '../server/reconcilers/world.js';
import { startServer, type RunningServer } from '../server/server.js';
import type { KubeObject } from '../server/store/types.js';

/** The User-Agent (and default field manager) of the testkit's own writes. */
const testkitUserAgent = 'kubemock-testkit';

export interface KubemockOptions {
  /** `'real'` (the default), `'manual'` (a ManualClock at 2024-01-01T00:00:00Z that moves only when advanced), or a clock of your own. */
  clock?: 'real' | 'manual' | Clock;
  /** Objects every start and every reset() begin with, created through the API. */
  objects?: ManifestSource;
  /** Nodes the fake kubelets register and keep Ready: how many (default 1) or their shapes. */
  nodes?: number | NodeShape[];
  /** Which controllers run, in kube-controller-manager's grammar (`['*', '-deployment']`); `'none'` runs none, as on envtest. Default all. */
  controllers?: 'all' | 'none' | string[];
  /** What the fake kubelet's containers do (pull, start, readiness, exit, logs), matched by labels, annotations or image. */
  kubeletStages?: KubeletStage[];
  /** A default StorageClass `standard` (WaitForFirstConsumer, reclaim Delete) with a provisioner making volumes for its claims, as on kind or k3s. Default off, as on a bare control plane. */
  storageProvisioner?: boolean;
  /** `'token'` (the default): HTTPS with a bearer token. `'none'`: plain HTTP where a request without credentials acts as the administrator. */
  auth?: 'token' | 'none';
  /** The bearer token; random when absent. */
  token?: string;
  /** Listen address (default 127.0.0.1) and port (default 0: a free one). */
  host?: string;
  port?: number;
  /** Extra names for the serving certificate. */
  tlsSans?: string[];
  /** Watch events kept for resuming watches and paging lists at an older resourceVersion (default 10000). */
  watchHistory?: number;
  /** How often watches that asked for bookmarks get one (default 1m of the clock). */
  bookmarkInterval?: Duration;
  /** Requests the request log keeps (default 10000). */
  requestLogSize?: number;
  /** Receives one line per request, in the shape of kube-apiserver's httplog. */
  log?: (line: string) => void;
  /** Receives the one-time warnings about APIs kubemock does not serve (default: stderr). */
  warn?: (message: string) => void;
}

/** An object by kind and name; `apiVersion` may be left out when only one served version has the kind. */
export interface ObjectRef {
  apiVersion?: string;
  kind: string;
  name: string;
  /** Default `default` for namespaced kinds. */
  namespace?: string;
}

/** Any object with a kind and a name: a manifest, or a client-node model such as V1Deployment. */
export interface ObjectLike {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}

/** A condition type that must be `True`, or the type with the status (and reason) it must have. */
export type Condition = string | { type: string; status?: string; reason?: string };

export interface WaitOptions {
  /** Wall-clock time to wait (default 5s); keep it under your test runner's own timeout. */
  timeout?: Duration;
}

/** What a fault does; `latency` may come with any of the others, or alone. */
export interface FaultSpec {
  latency?: Duration;
  /** Answer with this Status code (409, 429, 500, 503, 504, ...). */
  status?: number;
  message?: string;
  /** The Retry-After header and details.retryAfterSeconds (a 429 sends 1 unless told); clients such as client-go retry after it. */
  retryAfterSeconds?: number;
  resetConnection?: boolean;
  /** Cut matching watch streams off: those open now at once, new ones once they have started. */
  dropWatch?: boolean;
  /** Send matching watch streams a 410 Expired ERROR event and end them. */
  expireWatch?: boolean;
}

export interface FaultLimit {
  /** Strike this many requests (or streams), then stop. */
  times?: number;
  /** Stop after this much wall-clock time. */
  for?: Duration;
}

export type { ApplyOptions, Fault, FaultMatch, ManifestSource, RequestFilter, RequestRecord };

/** The simulated machines: what a test can do to nodes and containers. */
export interface NodeControl {
  /** The node's kubelet stops renewing its Lease and posting status, as if the machine dropped off the network. */
  stopHeartbeat(node: string): void;
  resumeHeartbeat(node: string): void;
  /** Replaces the kubelet stages; pods admitted from now on follow them. */
  setKubeletStages(stages: KubeletStage[]): void;
  /** What `kubectl logs` prints for a pod's container (or every container of the pod). */
  setLogs(namespace: string, pod: string, lines: string[], container?: string): void;
}

export class WaitTimeoutError extends Error {
  constructor(
    message: string,
    /** The object as it last was, or undefined when it did not exist. */
    readonly lastState: KubeObject | undefined,
  ) {
    super(message);
    this.name = 'WaitTimeoutError';
  }
}

export class UnexpectedRequestsError extends Error {
  constructor(readonly requests: RequestRecord[]) {
    super(`expected no matching requests, got ${requests.length}:\n${requests.map((r) => `  ${r.verb} ${r.path} -> ${r.code} (${r.userAgent})`).join('\n')}`);
    this.name = 'UnexpectedRequestsError';
  }
}

/** The requests a cluster answered, without the testkit's own seeding unless asked. */
export interface RequestLogView {
  /** Matching requests, oldest first. */
  find(filter?: RequestFilter & { includeTestkit?: boolean }): RequestRecord[];
  count(filter?: RequestFilter & { includeTestkit?: boolean }): number;
  /** A position to ask `since()` about. */
  mark(): number;
  since(mark: number, filter?: RequestFilter & { includeTestkit?: boolean }): RequestRecord[];
  clear(): void;
}

export interface FaultControl {
  /** Makes matching requests fail as told, until cleared (or for `times` / `for`). */
  inject(match: FaultMatch, fault: FaultSpec, limit?: FaultLimit): Fault;
  /** Faults still active. */
  readonly active: readonly Fault[];
  clear(): void;
}

function formatState(object: KubeObject | undefined): string {
  return object === undefined ? 'it does not exist' : JSON.stringify(object, null, 2);
}

function conditionCheck(condition: Condition): { test: (object: KubeObject) => boolean; text: string } {
  const wanted = typeof condition === 'string' ? { type: condition, status: 'True' } : { status: 'True', ...condition };
  return {
    text: `condition ${wanted.type}=${wanted.status}${wanted.reason ? ` (reason ${wanted.reason})` : ''}`,
    test: (object) => {
      const conditions = (object.status as { conditions?: Array<Record<string, unknown>> } | undefined)?.conditions;
      return !!conditions?.some((c) => c.type === wanted.type && c.status === wanted.status && (wanted.reason === undefined || c.reason === wanted.reason));
    },
  };
}

export class Kubemock<C extends Clock = Clock> implements AsyncDisposable {
  /** The API server's address, such as `https://127.0.0.1:38145`. */
  readonly url: string;
  readonly token: string;
  /** PEM of the cluster CA (absent with `auth: 'none'`). */
  readonly caCert?: string;
  /** A kubeconfig (cluster, user and context `kubemock`) for this cluster. */
  readonly kubeconfig: string;
  /** The cluster's clock: a ManualClock with `clock: 'manual'`. */
  readonly clock: C;
  readonly requests: RequestLogView;
  readonly faults: FaultControl;
  readonly nodes: NodeControl;
  private readonly server: RunningServer;
  private readonly writer: SeedWriter;
  private kubeconfigDir?: string;
  private closed?: Promise<void>;

  /** @internal Use startKubemock(). */
  constructor(server: RunningServer, clock: C) {
    this.server = server;
    this.url = server.url;
    this.token = server.token;
    this.caCert = server.caCert;
    this.kubeconfig = server.kubeconfig;
    this.clock = clock;
    this.writer = new SeedWriter(server.url, server.token, server.caCert, server.services.registry, testkitUserAgent);
    server.faults.spare(testkitUserAgent);
    const log = server.requests;
    const own = (filter: RequestFilter & { includeTestkit?: boolean } = {}): RequestFilter => {
      const { includeTestkit, ...rest } = filter;
      if (includeTestkit) return rest;
      const where = rest.where;
      return { ...rest, where: (record) => record.userAgent !== testkitUserAgent && (!where || where(record)) };
    };
    this.requests = {
      find: (filter) => log.find(own(filter)),
      count: (filter) => log.count(own(filter)),
      mark: () => log.mark(),
      since: (mark, filter) => log.since(mark, own(filter)),
      clear: () => log.clear(),
    };
    this.nodes = server.world;
    const faults = server.faults;
    this.faults = {
      inject(match, fault, limit = {}) {
        const { latency, ...rest } = fault;
        return faults.inject(match, { ...rest, latencyMs: latency === undefined ? undefined : durationMs(latency) }, { times: limit.times, forMs: limit.for === undefined ? undefined : durationMs(limit.for) });
      },
      get active() {
        return faults.list;
      },
      clear: () => faults.clear(),
    };
  }

  /** A kubeconfig file for this cluster (written on first use, removed by close()), for kubectl and other processes. */
  get kubeconfigPath(): string {
    if (!this.kubeconfigDir) {
      this.kubeconfigDir = mkdtempSync(join(tmpdir(), 'kubemock-'));
      writeFileSync(join(this.kubeconfigDir, 'kubeconfig'), this.kubeconfig, { mode: 0o600 });
    }
    return join(this.kubeconfigDir, 'kubeconfig');
  }

  /**
   * A loaded client-node KubeConfig, from the class you pass (1.x and 2.x alike):
   * `cluster.kubeConfig(k8s.KubeConfig)`.
   */
  kubeConfig<T extends { loadFromString(text: string): void }>(KubeConfig: new () => T): T {
    const config = new KubeConfig();
    config.loadFromString(this.kubeconfig);
    return config;
  }

  /**
   * Back to the start-up state (system objects and the `objects` option), on the same port: open
   * watches end, and clients that resume them get 410 Expired and list again, as after a real
   * cluster was replaced. Faults are cleared and the request log emptied.
   */
  reset(): void {
    this.server.reset();
    this.server.faults.clear();
    this.server.requests.clear();
  }

  /** Resolves once the controllers have nothing queued, running, or due by now on the clock. */
  settle(): Promise<void> {
    return this.server.controllers.settle();
  }

  /**
   * With the manual clock: moves it forward by `duration`, stopping at each time controller work
   * falls due and letting that work settle before going on, so every delay (grace periods,
   * progress deadlines, lease renewals, CronJob schedules, kubelet stages) happens at its time.
   */
  async advance(duration: Duration): Promise<void> {
    const clock = this.clock as Clock;
    if (!(clock instanceof ManualClock)) throw new Error("advance() needs startKubemock({ clock: 'manual' })");
    const target = clock.now().getTime() + durationMs(duration);
    const controllers = this.server.controllers;
    await controllers.settle();
    for (;;) {
      const due = controllers.nextDue()?.getTime();
      if (due === undefined || due > target) break;
      clock.advance(Math.max(0, due - clock.now().getTime()));
      await controllers.settle();
    }
    clock.advance(target - clock.now().getTime());
    await controllers.settle();
  }

  /** Creates objects (YAML or JSON text, files, folders, objects) through the API; returns them as stored. */
  seed(source: ManifestSource): Promise<KubeObject[]> {
    return this.writer.seed(source);
  }

  /** Server-side apply of each object under a field manager (default `kubemock-testkit`); returns them as stored. */
  apply(source: ManifestSource, options: ApplyOptions = {}): Promise<KubeObject[]> {
    return this.writer.apply(source, options);
  }

  /** The object as a client would read it now, or undefined. */
  get(ref: ObjectRef | ObjectLike): KubeObject | undefined {
    const { def, namespace, name } = resolveTarget(this.server.services.registry, ref);
    const stored = this.server.services.objects.find(def, namespace, name);
    return stored ? (JSON.parse(presented(def, stored).json) as KubeObject) : undefined;
  }

  /**
   * Resolves with the object once `check` holds for it: a predicate, or a condition that must be
   * True (`'Available'`, `{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }`).
   * Fails after the timeout with a WaitTimeoutError showing the object's last state.
   */
  waitFor(ref: ObjectRef | ObjectLike, check: ((object: KubeObject) => boolean) | Condition, options: WaitOptions = {}): Promise<KubeObject> {
    const { test, text } = typeof check === 'function' ? { test: check, text: 'the predicate to hold' } : conditionCheck(check);
    return this.watchObject(ref, options, text, (object) => (object && test(object) ? { done: object } : undefined));
  }

  /** Resolves once the object is gone (finalizers and grace periods run out); fails after the timeout. */
  async waitForDeletion(ref: ObjectRef | ObjectLike, options: WaitOptions = {}): Promise<void> {
    await this.watchObject(ref, options, 'deletion', (object) => (object ? undefined : { done: undefined }));
  }

  /**
   * Runs `during` (a function, or a wait of that long) and fails with an UnexpectedRequestsError
   * naming them if any request matching the filter arrived meanwhile: `{ verb: ['create', 'update',
   * 'patch', 'delete'] }` checks that nothing was written while idle.
   */
  async expectNoRequests(filter: RequestFilter, during: Duration | (() => unknown)): Promise<void> {
    const mark = this.requests.mark();
    if (typeof during === 'function') await during();
    else await new Promise((resolve) => setTimeout(resolve, durationMs(during)));
    const seen = this.requests.since(mark, filter);
    if (seen.length > 0) throw new UnexpectedRequestsError(seen);
  }

  /** Stops the server, ending open watches and connections, and removes the kubeconfig file. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.writer.close();
      await this.server.close();
      if (this.kubeconfigDir) rmSync(this.kubeconfigDir, { recursive: true, force: true });
    })();
    return this.closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private watchObject<T>(ref: ObjectRef | ObjectLike, options: WaitOptions, wanted: string, check: (object: KubeObject | undefined) => { done: T } | undefined): Promise<T> {
    const { def, namespace, name } = resolveTarget(this.server.services.registry, ref);
    const timeoutMs = durationMs(options.timeout ?? '5s');
    const store = this.server.services.store;
    const resource = resourceKey(def);
    const key = storageKey(def.namespaced ? namespace : '', name);
    const describe = `${def.kind} ${def.namespaced ? `${namespace}/` : ''}${name}`;
    return new Promise<T>((resolve, reject) => {
      const first = check(this.get({ apiVersion: groupVersion(def), kind: def.kind, namespace, name }));
      if (first) return resolve(first.done);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const unsubscribe = store.subscribe((event) => {
        if (event.resource !== resource || event.object.key !== key) return;
        const current = event.type === 'DELETED' ? undefined : (JSON.parse(presented(def, event.object).json) as KubeObject);
        const outcome = check(current);
        if (!outcome) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(outcome.done);
      });
      timer = setTimeout(() => {
        unsubscribe();
        const last = this.get({ apiVersion: groupVersion(def), kind: def.kind, namespace, name });
        reject(new WaitTimeoutError(`timed out after ${timeoutMs} ms waiting for ${wanted} on ${describe}; its last state: ${formatState(last)}`, last));
      }, timeoutMs);
    });
  }

}

export function resolveClock(option: KubemockOptions['clock']): Clock {
  if (option === 'manual') return new ManualClock();
  if (option === undefined || option === 'real') return systemClock;
  return option;
}

/** Starts a cluster on a free loopback port with HTTPS; `close()` it (or `await using` it) when done. */
export function startKubemock(options: KubemockOptions & { clock: 'manual' }): Promise<Kubemock<ManualClock>>;
export function startKubemock<C extends Clock>(options: KubemockOptions & { clock: C }): Promise<Kubemock<C>>;
export function startKubemock(options?: KubemockOptions): Promise<Kubemock>;
export async function startKubemock(options: KubemockOptions = {}): Promise<Kubemock> {
  const clock = resolveClock(options.clock);
  const server = await startServer({
    port: options.port ?? 0,
    host: options.host,
    token: options.token,
    insecureHttp: options.auth === 'none',
    tlsSans: options.tlsSans,
    clock,
    historySize: options.watchHistory,
    watch: options.bookmarkInterval === undefined ? undefined : { bookmarkIntervalMs: durationMs(options.bookmarkInterval) },
    requestLogSize: options.requestLogSize,
    accessLog: options.log,
    warn: options.warn,
    nodes: options.nodes,
    controllers: options.controllers,
    kubeletStages: options.kubeletStages,
    storageProvisioner: options.storageProvisioner,
  });
  const cluster = new Kubemock(server, clock);
  if (options.objects !== undefined) {
    try {
      await cluster.seed(options.objects);
    } catch (err) {
      await cluster.close();
      throw err;
    }
    // What the controllers make of the initial objects belongs to the start-up state too.
    await server.controllers.settle();
    server.captureStartState();
    server.requests.clear();
  }
  return cluster;
}
