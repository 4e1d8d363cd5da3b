// Assembles and starts a kubemock server: store, registry, write path, watch hub, reconcilers,
// HTTP(S) listener and kubeconfig.

import { randomBytes } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { builtinAdmissionChain } from './admission/index.js';
import { createApp } from './app.js';
import { Credentials } from './auth/credentials.js';
import { seedCluster } from './bootstrap/seed.js';
import { systemClock, type Clock } from './clock.js';
import { kubeconfigYaml } from './kubeconfig.js';
import type { LogSink } from './middleware/request-log.js';
import { startReconcilers } from './reconcilers/index.js';
import type { ControllerRunner } from './reconcilers/runner.js';
import type { ControllerSelection } from './reconcilers/selection.js';
import type { KubeletStage } from './reconcilers/kubelet-stages.js';
import { World, type NodeShape } from './reconcilers/world.js';
import { installStorageProvisioner } from './reconcilers/storage-provisioner.js';
import { GenericStore } from './registry/generic-store.js';
import { builtinRegistry } from './registry/registry.js';
import { FaultInjector } from './requests/faults.js';
import { defaultRequestLogSize, RequestLog } from './requests/log.js';
import type { Services } from './services.js';
import { MemoryStore } from './store/memory-store.js';
import { StartState } from './store/start-state.js';
import { loadOrCreateCertificates } from './tls.js';
import { ClientCertificates } from './auth/client-certificates.js';
import { WatchHub, type WatchOptions } from './watch/hub.js';
import { UpgradeBridge } from './upgrades.js';

export interface ServerOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** The bearer token clients must send; random when absent. */
  token?: string;
  insecureHttp?: boolean;
  tlsSans?: string[];
  certDir?: string;
  /** Where to write the kubeconfig, before the server reports itself ready. */
  kubeconfigPath?: string;
  /** File mode of that kubeconfig (default 0o600). */
  kubeconfigMode?: number;
  /** The address clients use, written into the kubeconfig, when it is not the listening one (a container's published port). */
  advertiseUrl?: string;
  clock?: Clock;
  /** Events kept for watch resumption and paged lists. */
  historySize?: number;
  /** Serialized bytes those events may hold at most. */
  historyBytes?: number;
  watch?: Partial<WatchOptions>;
  accessLog?: LogSink;
  /** Requests the request log keeps (default 10000). */
  requestLogSize?: number;
  /** Where one-time warnings go (default: stderr). */
  warn?: (message: string) => void;
  reportError?: (err: unknown) => void;
  /** Which controllers run (kube-controller-manager's --controllers grammar); default all, `none` as on envtest. */
  controllers?: ControllerSelection;
  /** Nodes the kubelets register: how many (default 1) or their shapes. */
  nodes?: number | NodeShape[];
  /** How the fake kubelet's containers behave (pull, start, readiness, exit, logs), after the built-in stages. */
  kubeletStages?: KubeletStage[];
  /** A default StorageClass `standard` (WaitForFirstConsumer, reclaim Delete) and a provisioner making its volumes, as on kind or k3s. */
  storageProvisioner?: boolean;
}

/** The simulated machines of a running server, for tests to act on. */
export interface WorldControls {
  /** The node's kubelet stops renewing its Lease and posting status, as if the machine dropped off the network. */
  stopHeartbeat(node: string): void;
  resumeHeartbeat(node: string): void;
  /** Replaces the kubelet stages; pods admitted from now on follow them. */
  setKubeletStages(stages: KubeletStage[]): void;
  /** What `kubectl logs` prints for a pod's container (or every container of the pod). */
  setLogs(namespace: string, pod: string, lines: string[], container?: string): void;
}

/** The controllers of a running server, and whether they have work left. */
export interface ControllerStatus {
  /** Names of the controllers running. */
  readonly running: string[];
  /** Nothing queued or being reconciled, nothing due at or before `before` (default: now). */
  settled(before?: Date): boolean;
  /** Resolves once settled as of `before`; with a manual clock, advance it to nextDue() and settle again to step through delays. */
  settle(before?: Date): Promise<void>;
  /** When the earliest delayed work is due, if any waits. */
  nextDue(): Date | undefined;
}

export interface RunningServer {
  /** The listening address. */
  url: string;
  token: string;
  /** PEM of the cluster CA (absent with insecureHttp). */
  caCert?: string;
  kubeconfig: string;
  services: Services;
  controllers: ControllerStatus;
  world: WorldControls;
  requests: RequestLog;
  faults: FaultInjector;
  /** Back to the start-up state: the objects stored then, with no history and no open watches. */
  reset(): void;
  /** Makes what is stored now the state reset() comes back to (after seeding initial objects). */
  captureStartState(): void;
  close(): Promise<void>;
}

export const defaultHistorySize = 10_000;
export const defaultHistoryBytes = 256 * 1024 * 1024;
export const defaultWatchOptions: WatchOptions = { maxBufferedBytes: 8 * 1024 * 1024, bookmarkIntervalMs: 60_000 };

export interface ServicesOptions {
  clock?: Clock;
  historySize?: number;
  historyBytes?: number;
  watch?: Partial<WatchOptions>;
  /** The administrator's bearer token (random when absent). */
  token?: string;
  /** Where the service account signing key is kept (made per process when absent). */
  certDir?: string;
}

export function createServices(options: ServicesOptions = {}): Services {
  const clock = options.clock ?? systemClock;
  const registry = builtinRegistry();
  const store = new MemoryStore({ historySize: options.historySize ?? defaultHistorySize, historyBytes: options.historyBytes ?? defaultHistoryBytes });
  const admission = builtinAdmissionChain();
  const objects = new GenericStore(store, clock, (resource) => registry.findByResource(resource), admission);
  const watches = new WatchHub(store, { ...defaultWatchOptions, ...options.watch });
  const lookup = (resource: string, namespace: string, name: string) => {
    const def = registry.findByResource(resource);
    return def && objects.find(def, namespace, name)?.object;
  };
  const credentials = new Credentials(options.token ?? randomBytes(24).toString('base64url'), clock, lookup, options.certDir);
  return { clock, registry, store, admission, objects, watches, credentials };
}

/** Writes a kubeconfig with the given mode, also over an existing file of another mode. */
export async function writeKubeconfig(path: string, text: string, mode = 0o600): Promise<void> {
  await writeFile(path, text, { mode });
  await chmod(path, mode);
}

/** The address clients should use: a wildcard bind is reached through loopback. */
function advertisedHost(host: string): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return reachable.includes(':') ? `[${reachable}]` : reachable;
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('base64url');
  const reportError = options.reportError ?? ((err: unknown) => console.error('kubemock internal error:', err));
  // The keys are made on the thread pool while the services are built.
  const certificatesMade = options.insecureHttp
    ? undefined
    : loadOrCreateCertificates({ certDir: options.certDir, sans: [host, ...(options.advertiseUrl ? [new URL(options.advertiseUrl).hostname.replace(/^\[|\]$/g, '')] : []), ...(options.tlsSans ?? [])], clock: systemClock });
  // Should building the services throw, its error is the one reported; a failure here is still awaited below otherwise.
  certificatesMade?.catch(() => undefined);
  const services = createServices({ ...options, token });
  const certificates = await certificatesMade;

  const requests = new RequestLog(options.requestLogSize ?? defaultRequestLogSize);
  const faults = new FaultInjector();
  const warn = options.warn ?? ((message: string) => process.stderr.write(`${message}\n`));
  const clientCertificates = certificates ? new ClientCertificates(certificates.caCert, services.clock) : undefined;
  const app = createApp(services, { plainHttp: !certificates, clientCertificates, requests, faults, accessLog: options.accessLog, warn, reportError });
  const handler = app.callback();
  // A client certificate is asked for (naming the cluster CA, so clients pick theirs) but not
  // required; authn verifies it against the injected clock.
  const server = certificates
    ? https.createServer({ key: certificates.key, cert: certificates.cert, ca: certificates.caCert, requestCert: true, rejectUnauthorized: false }, handler)
    : http.createServer(handler);
  const upgrades = new UpgradeBridge(server, handler);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 6443, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  // Seeded once the port is known (the `kubernetes` Service targets it), before any request is read.
  const identity = { port, caCert: certificates?.caCert };
  seedCluster(services, identity);
  if (options.storageProvisioner) installStorageProvisioner(services);
  // Cut into templates on the first reset: a server that is never reset (the command's) never pays for it.
  let startObjects = services.store.snapshot();
  let startState: StartState | undefined;
  const newWorld = () => new World({ nodes: options.nodes, kubeletStages: options.kubeletStages, storageProvisioner: options.storageProvisioner });
  let world = newWorld();
  services.nodes = { containerLogs: (pod, container, previous) => world.logs(pod, container, previous) };
  const reconcilers: ControllerRunner = startReconcilers(services, { controllers: options.controllers, ca: certificates && { cert: certificates.caCert, key: certificates.caKey }, world, reportError });
  const url = `${certificates ? 'https' : 'http'}://${advertisedHost(host)}:${port}`;
  const kubeconfig = kubeconfigYaml({ server: options.advertiseUrl ?? url, token, caCert: certificates?.caCert });
  if (options.kubeconfigPath) await writeKubeconfig(options.kubeconfigPath, kubeconfig, options.kubeconfigMode);

  return {
    url,
    token,
    caCert: certificates?.caCert,
    kubeconfig,
    services,
    controllers: {
      get running() {
        return reconcilers.names;
      },
      settled: (before) => reconcilers.settled(before),
      settle: (before) => reconcilers.settle(before),
      nextDue: () => reconcilers.nextDue(),
    },
    world: {
      stopHeartbeat: (node) => world.stopHeartbeat(node),
      resumeHeartbeat: (node) => world.resumeHeartbeat(node),
      setKubeletStages: (stages) => world.setKubeletStages(stages),
      setLogs: (namespace, pod, lines, container) => world.setLogs(namespace, pod, lines, container),
    },
    requests,
    faults,
    reset() {
      services.watches.closeAll();
      startState ??= new StartState(startObjects);
      services.store.restore(startState.fresh());
      world = newWorld();
      reconcilers.relist(world);
    },
    captureStartState() {
      startObjects = services.store.snapshot();
      startState = undefined;
    },
    async close() {
      reconcilers.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      services.watches.dispose();
      upgrades.closeAll();
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 500);
      force.unref();
      await closed;
      clearTimeout(force);
    },
  };
}
