// The pod half of the fake kubelet. A pod bound to a live node gets a sandbox and an IP from the
// node's pod CIDR, runs its init containers one by one, then its containers, each driven by the
// kubelet stages (pull, start, readiness, probes that fail, exit); containers restart by the pod's
// restart policy with CrashLoopBackOff back-off, and a failed liveness or startup probe stops one; status is posted as the kubelet's status manager posts it, and the
// kubelet's events are recorded. A deleted pod's containers stop (preStop, then the grace period of
// the clock) and the pod is removed. One transition per container per pass, so watchers see every
// state a stage's delay holds: Pending, Running, Ready, Succeeded or Failed. Ephemeral containers
// (kubectl debug) start whenever they are added, are never restarted and take no part in the pod's
// phase or readiness.

import { createHash, randomBytes } from 'node:crypto';
import { timestamp } from '../clock.js';
import { jsonEqual } from '../json.js';
import type { LogLine } from '../registry/types.js';
import type { StoredObject } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import type { ControllerClient } from './client.js';
import { EventRecorder, referenceTo, type EventType } from './events.js';
import { failedProbe, nextProbeAt, probedReadiness, probesFor, probesStarted, runDueProbes, ticksOf, type ProbeRun, type ProbeTicks } from './kubelet-probes.js';
import type { ContainerPlan, KubeletStages } from './kubelet-stages.js';

type Json = Record<string, any>;

const crashBackoffBaseMs = 10_000;
const crashBackoffMaxMs = 300_000;

type Phase = 'waiting' | 'pull-failed' | 'pull-backoff' | 'start-failed' | 'running' | 'terminated' | 'crash-backoff';

interface Termination {
  exitCode: number;
  reason: string;
  message?: string;
  startedAt: string;
  finishedAt: string;
  containerID: string;
}

/**
 * Times in runs are ms of the clock since the worker started (PodWorker.clockMs): small integers,
 * which V8 keeps in the field itself rather than as a boxed number.
 */
interface ContainerRun {
  name: string;
  /** The image it was admitted with; the rest of its spec cannot change, and is read from the pod (containerSpec). */
  image?: string;
  init: boolean;
  sidecar: boolean;
  /** Added through pods/ephemeralcontainers. */
  ephemeral: boolean;
  plan: Readonly<ContainerPlan>;
  phase: Phase;
  /** When the current phase began. */
  since: number;
  restarts: number;
  failures: number;
  /** The runtime's ID as its 32 bytes in a latin1 string, a third the size of its text (containerIdText). */
  id?: string;
  startedAt?: number;
  readyAt?: number;
  ready: boolean;
  waiting?: { reason: string; message?: string };
  exit?: Termination;
  last?: Termination;
  /** The image is pulled for the current start attempt. */
  pulled: boolean;
  /** When a stopping container is gone, and whether that is the grace period running out. */
  stopsAt?: number;
  killed?: boolean;
  /** The probe workers of the current run, when it has probes that matter, and when they tick for the next run. */
  probes?: ProbeRun[];
  probeTicks?: ProbeTicks;
  /** Stopped for a failed liveness or startup probe: restarted whatever its exit code, unless the policy is Never. */
  probeKilled?: boolean;
}

interface PodRun {
  node: string;
  sandboxReady: boolean;
  ip?: string;
  /** The clock's whole second when the pod was admitted: startTime, which has second precision. */
  startSecond: number;
  containers: ContainerRun[];
  /** The pod reached Succeeded or Failed: nothing restarts any more. */
  terminal?: 'Succeeded' | 'Failed';
  reason?: { reason: string; message: string };
}

/** Go's time.Duration text for whole milliseconds: 0s, 250ms, 1.5s, 2m30s. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const totalSeconds = ms / 1000;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = Math.round((totalSeconds % 60) * 1000) / 1000;
  return `${hours ? `${hours}h` : ''}${hours || minutes ? `${minutes}m` : ''}${seconds}s`;
}

/** The image reference a container runtime reports: `nginx:1.27` → `docker.io/library/nginx:1.27`. */
export function normalizedImage(image: string): string {
  const [name, digest] = image.split('@');
  const slash = name.indexOf('/');
  const hasRegistry = slash > 0 && /[.:]|^localhost$/.test(name.slice(0, slash));
  let repo = hasRegistry ? name : `docker.io/${name.includes('/') ? name : `library/${name}`}`;
  const lastSegment = repo.slice(repo.lastIndexOf('/') + 1);
  if (!digest && !lastSegment.includes(':')) repo += ':latest';
  return digest ? `${repo}@${digest}` : repo;
}

interface ImageFacts {
  reference: string;
  id: string;
  digest: string;
}

/** What the runtime reports of each image, worked out once: every status post names them. Bounded, as images come from clients. */
const images = new Map<string, ImageFacts>();
const maxImages = 1024;

function imageFacts(image: string): ImageFacts {
  let facts = images.get(image);
  if (!facts) {
    if (images.size >= maxImages) images.clear();
    const reference = normalizedImage(image);
    const digest = `sha256:${createHash('sha256').update(reference).digest('hex')}`;
    const repo = reference.includes('@') ? reference.split('@')[0] : reference.replace(/:[^:/]+$/, '');
    facts = { reference, id: `${repo}@${digest}`, digest };
    images.set(image, facts);
  }
  return facts;
}

function imageSize(image: string): number {
  return 10_000_000 + (parseInt(imageFacts(image).digest.slice(7, 13), 16) % 90_000_000);
}

/** Random bytes for container IDs, drawn from the system a pool at a time: one draw per container cost more than its ID. */
const idBytes = { pool: Buffer.alloc(0), used: 0 };

/** A container runtime's ID: 32 random bytes, kept as a latin1 string of them. */
function containerId(): string {
  if (idBytes.used + 32 > idBytes.pool.length) {
    idBytes.pool = randomBytes(4096);
    idBytes.used = 0;
  }
  const id = idBytes.pool.toString('latin1', idBytes.used, idBytes.used + 32);
  idBytes.used += 32;
  return id;
}

/** The ID as the runtime reports it: `containerd://` and the bytes in hex. */
function containerIdText(id: string): string {
  return `containerd://${Buffer.from(id, 'latin1').toString('hex')}`;
}

function crashBackoff(restarts: number): number {
  return restarts === 0 ? 0 : Math.min(crashBackoffBaseMs * 2 ** (restarts - 1), crashBackoffMaxMs);
}

function podName(pod: StoredObject): string {
  return `${pod.name}_${pod.namespace}(${pod.object.metadata.uid})`;
}

/** The container's spec in the pod: a pod update can change only the image, which the run keeps as it was admitted. */
function containerSpec(pod: KubeObject, c: ContainerRun): Json {
  const spec = pod.spec as Json;
  const containers: Json[] = (c.init ? spec.initContainers : c.ephemeral ? spec.ephemeralContainers : spec.containers) ?? [];
  return containers.find((x) => x.name === c.name) ?? {};
}

function fieldPath(run: ContainerRun): string {
  return `spec.${run.init ? 'initContainers' : run.ephemeral ? 'ephemeralContainers' : 'containers'}{${run.name}}`;
}

/** How long a preStop hook keeps a stopping container (the sleep action sleeps; other hooks return at once). */
function preStopMs(spec: Json): number {
  return (spec.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
}

export interface PodWorkerDeps {
  stages: KubeletStages;
  now(): number;
  clientFor(node: string): ControllerClient;
  recorderFor(node: string): EventRecorder;
  /** A free pod IP on the node (the CNI's IPAM). */
  allocateIP(node: string, pod: StoredObject): string;
  nodeIP(node: string): string;
}

export class PodWorker {
  private readonly runs = new Map<string, PodRun>();
  /** Images each node has pulled, for IfNotPresent. */
  private readonly images = new Map<string, Set<string>>();

  /** The pod whose status is being written now. */
  private posting?: string;

  /** The clock's time when the worker started, which run times count from. */
  private readonly epoch: number;

  constructor(private readonly deps: PodWorkerDeps) {
    this.epoch = deps.now();
  }

  /** Now, as run times count. */
  private clockMs(): number {
    return this.deps.now() - this.epoch;
  }

  /** A run time as an RFC 3339 time of the clock. */
  private timestampOf(ms: number): string {
    return timestamp(new Date(this.epoch + ms));
  }

  forget(uid: string): void {
    this.runs.delete(uid);
  }

  /** Whether a pod's change is the status post under way: the pass that posted it already knows it, and when it is next due. */
  ownPost(uid: string): boolean {
    return this.posting === uid;
  }

  /** Advances a pod bound to a live node; returns ms until its next transition, if one is due. */
  reconcile(pod: StoredObject): number | undefined {
    const uid = pod.object.metadata.uid ?? '';
    const node = (pod.object.spec as Json).nodeName as string;
    let run = this.runs.get(uid);
    if (pod.object.metadata.deletionTimestamp) return this.terminate(pod, run);
    const phase = (pod.object.status as Json | undefined)?.phase;
    if (!run && (phase === 'Succeeded' || phase === 'Failed')) return undefined;
    // The first status a watcher sees comes from the same pass that starts the sandbox, so a pod
    // whose stages have no delays goes from bound to Running in one write, as it does under kwok.
    if (!run) {
      run = this.admit(pod, node);
      this.runs.set(uid, run);
    }
    const now = this.clockMs();
    this.addEphemeral(pod, run, now);
    if (!run.sandboxReady) {
      run.sandboxReady = true;
      run.ip = (pod.object.spec as Json).hostNetwork ? this.deps.nodeIP(node) : this.deps.allocateIP(node, pod);
      for (const c of run.containers) c.since = now;
    }
    if (!run.terminal) this.deadline(pod, run, now);
    if (!run.terminal) for (const container of this.startable(run)) this.step(pod, run, container, now);
    const status = this.post(pod, run);
    if (status.phase === 'Succeeded' || status.phase === 'Failed') {
      run.terminal = status.phase;
      return undefined;
    }
    return this.nextDue(pod, run, now);
  }

  /** The log lines of a container's current or previous run, or undefined when it has none. */
  logs(pod: KubeObject, container: string, previous: boolean): LogLine[] | undefined {
    const run = this.runs.get(pod.metadata.uid ?? '');
    const c = run?.containers.find((x) => x.name === container);
    if (!c) return undefined;
    const instance = previous ? c.last : c.exit ?? (c.startedAt !== undefined ? { startedAt: this.timestampOf(c.startedAt) } : undefined);
    if (!instance) return undefined;
    const start = Date.parse(instance.startedAt);
    const lines = c.plan.logs ?? [`kubemock: container "${c.name}" started from image ${c.image}`, ...((containerSpec(pod, c).ports ?? []) as Json[]).map((p) => `listening on port ${p.containerPort}/${p.protocol ?? 'TCP'}`), 'ready'];
    // The kubelet prints log times with nanoseconds, always nine digits.
    return lines.map((text, i) => ({ time: new Date(start + i).toISOString().replace('Z', '000000Z'), text }));
  }

  private admit(pod: StoredObject, node: string): PodRun {
    const spec = pod.object.spec as Json;
    const now = this.clockMs();
    // Mapped, not pushed: an array grown by pushes keeps room for more, and the kubelet holds one per pod.
    const init = ((spec.initContainers ?? []) as Json[]).map((c) => this.container(pod, c, 'init', now));
    const containers = init.concat(((spec.containers ?? []) as Json[]).map((c) => this.container(pod, c, 'regular', now)));
    // Every field set here, the ones filled in later too: fields added to an object later sit in a second, out-of-object array.
    const run: PodRun = { node, sandboxReady: false, ip: undefined, startSecond: Math.floor((this.epoch + now) / 1000), containers, terminal: undefined, reason: undefined };
    this.addEphemeral(pod, run, now);
    return run;
  }

  private container(pod: StoredObject, c: Json, kind: 'init' | 'regular' | 'ephemeral', now: number): ContainerRun {
    const init = kind === 'init';
    const sidecar = init && c.restartPolicy === 'Always';
    const plan = this.deps.stages.plan(pod.object, c, init);
    // The fields a started container has, set from the first (see admit).
    return {
      name: c.name,
      image: c.image,
      init,
      sidecar,
      ephemeral: kind === 'ephemeral',
      plan,
      phase: 'waiting',
      since: now,
      restarts: 0,
      failures: 0,
      id: undefined,
      startedAt: undefined,
      readyAt: undefined,
      ready: false,
      waiting: undefined,
      exit: undefined,
      pulled: false,
      probes: undefined,
    };
  }

  /** Ephemeral containers the pod's spec gained since the kubelet last looked (they are never removed). */
  private addEphemeral(pod: StoredObject, run: PodRun, now: number): void {
    for (const c of ((pod.object.spec as Json).ephemeralContainers ?? []) as Json[]) {
      if (!run.containers.some((x) => x.ephemeral && x.name === c.name)) run.containers.push(this.container(pod, c, 'ephemeral', now));
    }
  }

  /**
   * Containers allowed to move: init containers in order (sidecars stay once started), then the
   * rest; ephemeral containers do not wait for initialization.
   */
  private startable(run: PodRun): ContainerRun[] {
    const out: ContainerRun[] = [];
    const ephemeral = run.containers.filter((x) => x.ephemeral);
    for (const c of run.containers.filter((x) => x.init)) {
      out.push(c);
      const done = c.sidecar ? c.startedAt !== undefined && c.phase !== 'waiting' : c.phase === 'terminated' && c.exit?.exitCode === 0;
      if (!done) return [...out, ...ephemeral];
    }
    return [...out, ...run.containers.filter((x) => !x.init)];
  }

  private event(pod: StoredObject, run: ContainerRun | undefined, type: EventType, reason: string, message: string): void {
    const node = (pod.object.spec as Json).nodeName as string;
    this.deps.recorderFor(node).event(referenceTo(pod, { fieldPath: run ? fieldPath(run) : undefined }), type, reason, message);
  }

  private restartPolicyAllows(pod: StoredObject, c: ContainerRun): boolean {
    if (c.ephemeral) return false;
    if (c.sidecar) return true;
    const policy = (pod.object.spec as Json).restartPolicy ?? 'Always';
    if (c.probeKilled) return policy !== 'Never';
    if (c.init) return policy !== 'Never' && c.exit!.exitCode !== 0;
    return policy === 'Always' || (policy === 'OnFailure' && c.exit!.exitCode !== 0);
  }

  /** One transition of one container, if it is due. */
  private step(pod: StoredObject, run: PodRun, c: ContainerRun, now: number): void {
    const image = c.image ?? '';
    switch (c.phase) {
      case 'waiting': {
        if (now < c.since + c.plan.pull.delayMs) return;
        if (!c.pulled && !this.pull(pod, run, c, now)) return;
        if (now < c.since + c.plan.pull.delayMs + c.plan.start.delayMs) return;
        if (c.plan.start.error) {
          const message = c.plan.start.message ?? `failed to start container "${c.name}"`;
          this.event(pod, c, 'Warning', 'Failed', `Error: ${message}`);
          this.enter(c, 'start-failed', now, { reason: c.plan.start.error, message });
          c.failures++;
          return;
        }
        this.start(pod, c, now);
        return;
      }
      case 'pull-failed': {
        this.event(pod, c, 'Normal', 'BackOff', `Back-off pulling image "${image}"`);
        this.event(pod, c, 'Warning', 'Failed', 'Error: ImagePullBackOff');
        this.enter(c, 'pull-backoff', now, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}": ${c.waiting?.reason}: ${c.waiting?.message}` });
        return;
      }
      case 'pull-backoff':
      case 'start-failed': {
        if (now < c.since + crashBackoff(c.failures)) return;
        this.enter(c, 'waiting', now, c.waiting);
        return;
      }
      case 'running': {
        if (c.stopsAt !== undefined) {
          if (now >= c.stopsAt) this.exit(c, c.killed ? 137 : 0, undefined, undefined, now);
          return;
        }
        if (c.probes && this.probe(pod, run, c, now)) return;
        if (!c.ready && c.readyAt !== undefined && now >= c.readyAt && probesStarted(c.probes) && probedReadiness(c.probes) === undefined) {
          c.ready = true;
          return;
        }
        if (c.plan.exit && now >= (c.startedAt ?? now) + c.plan.exit.afterMs) this.exit(c, c.plan.exit.code, c.plan.exit.reason, c.plan.exit.message, now);
        return;
      }
      case 'terminated': {
        if (!this.restartPolicyAllows(pod, c)) return;
        const delay = crashBackoff(c.restarts);
        if (delay === 0) {
          this.restart(pod, c, now);
          return;
        }
        this.event(pod, c, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${podName(pod)}`);
        this.enter(c, 'crash-backoff', now, { reason: 'CrashLoopBackOff', message: `back-off ${goDuration(delay)} restarting failed container=${c.name} pod=${podName(pod)}` });
        return;
      }
      case 'crash-backoff': {
        if (now < c.since + crashBackoff(c.restarts)) return;
        this.restart(pod, c, now);
        return;
      }
    }
  }

  /** Pulls the image as the pull policy and the stages say; false when the pull failed. */
  private pull(pod: StoredObject, run: PodRun, c: ContainerRun, now: number): boolean {
    const image = c.image ?? '';
    const policy = containerSpec(pod.object, c).imagePullPolicy ?? 'IfNotPresent';
    const pulled = this.images.get(run.node) ?? new Set<string>();
    this.images.set(run.node, pulled);
    if (c.plan.pull.error) {
      this.event(pod, c, 'Normal', 'Pulling', `Pulling image "${image}"`);
      const message = c.plan.pull.message ?? `failed to pull and unpack image "${normalizedImage(image)}": failed to resolve reference "${normalizedImage(image)}": ${normalizedImage(image)}: not found`;
      this.event(pod, c, 'Warning', 'Failed', `Failed to pull image "${image}": ${message}`);
      this.event(pod, c, 'Warning', 'Failed', `Error: ${c.plan.pull.error}`);
      this.enter(c, 'pull-failed', now, { reason: c.plan.pull.error, message });
      c.failures++;
      return false;
    }
    if (policy === 'Never' && !pulled.has(image)) {
      const message = `Container image "${image}" is not present with pull policy of Never`;
      this.event(pod, c, 'Warning', 'ErrImageNeverPull', message);
      this.enter(c, 'start-failed', now, { reason: 'ErrImageNeverPull', message });
      c.failures++;
      return false;
    }
    if (policy !== 'Always' && pulled.has(image)) {
      this.event(pod, c, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
    } else {
      const took = goDuration(c.plan.pull.delayMs);
      this.event(pod, c, 'Normal', 'Pulling', `Pulling image "${image}"`);
      this.event(pod, c, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: ${imageSize(image)} bytes.`);
      pulled.add(image);
    }
    c.pulled = true;
    return true;
  }

  private start(pod: StoredObject, c: ContainerRun, now: number): void {
    c.id = containerId();
    this.event(pod, c, 'Normal', 'Created', `Created container: ${c.name}`);
    this.event(pod, c, 'Normal', 'Started', `Started container ${c.name}`);
    this.enter(c, 'running', now, undefined);
    c.startedAt = now;
    c.exit = undefined;
    const spec = containerSpec(pod.object, c);
    const probe = spec.readinessProbe;
    const readyDelay = c.plan.ready.delayMs ?? (probe ? (probe.initialDelaySeconds ?? 0) * 1000 : 0);
    // Ephemeral containers have no probes and are never reported ready.
    c.readyAt = c.plan.ready.never || (c.init && !c.sidecar) || c.ephemeral ? undefined : now + readyDelay;
    // Init containers that run to completion have no probes, as validation has it.
    const probes = c.ephemeral || (c.init && !c.sidecar) ? [] : probesFor(spec, c.plan.probes, this.runs.get(pod.object.metadata.uid ?? '')?.ip, now, c.probeTicks);
    c.probes = probes.length ? probes : undefined;
    c.ready = c.readyAt !== undefined && readyDelay === 0 && probesStarted(c.probes) && probedReadiness(c.probes) !== false;
  }

  /** Runs the container's due probes; true when a failed liveness or startup probe has the kubelet stop it. */
  private probe(pod: StoredObject, run: PodRun, c: ContainerRun, now: number): boolean {
    const probes = c.probes!;
    runDueProbes(probes, c.startedAt!, now, (message) => this.event(pod, c, 'Warning', 'Unhealthy', message));
    const readiness = probedReadiness(probes);
    if (readiness !== undefined) c.ready = readiness && probesStarted(probes) && c.plan.ready.never !== true;
    const failed = failedProbe(probes);
    if (!failed) return false;
    const podSpec = pod.object.spec as Json;
    const restart = (podSpec.restartPolicy ?? 'Always') !== 'Never';
    // With nothing left running or to start, the kubelet kills the whole pod: the plain stop, in the pod's grace period.
    const killsPod = !restart && !run.containers.some((x) => x !== c && !x.init && !x.ephemeral && x.phase === 'running');
    const message = killsPod ? `Stopping container ${c.name}` : `Container ${c.name} failed ${failed.kind} probe${restart ? ', will be restarted' : ''}`;
    this.event(pod, c, 'Normal', 'Killing', message);
    const graceMs = ((killsPod ? undefined : failed.probe.terminationGracePeriodSeconds) ?? podSpec.terminationGracePeriodSeconds ?? 30) * 1000;
    const stopMs = preStopMs(containerSpec(pod.object, c)) + c.plan.stop.delayMs;
    c.stopsAt = now + Math.min(stopMs, graceMs);
    c.killed = stopMs > graceMs;
    c.probeKilled = true;
    c.probeTicks = ticksOf(probes);
    c.probes = undefined;
    if (now >= c.stopsAt) this.exit(c, c.killed ? 137 : 0, undefined, undefined, now);
    return true;
  }

  private restart(pod: StoredObject, c: ContainerRun, now: number): void {
    c.last = c.exit;
    c.restarts++;
    c.probeKilled = undefined;
    this.event(pod, c, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`);
    this.start(pod, c, now);
  }

  private exit(c: ContainerRun, code: number, reason: string | undefined, message: string | undefined, now: number): void {
    c.exit = {
      exitCode: code,
      reason: reason ?? (code === 0 ? 'Completed' : 'Error'),
      ...(message ? { message } : {}),
      startedAt: this.timestampOf(c.startedAt ?? now),
      finishedAt: this.timestampOf(now),
      containerID: c.id === undefined ? '' : containerIdText(c.id),
    };
    this.enter(c, 'terminated', now, undefined);
    // A completed init container counts as ready, as the kubelet reports it.
    c.ready = c.init && !c.sidecar && code === 0;
    c.readyAt = undefined;
    c.stopsAt = undefined;
    c.killed = undefined;
    if (c.probes) c.probeTicks = ticksOf(c.probes);
    c.probes = undefined;
  }

  private enter(c: ContainerRun, phase: Phase, now: number, waiting: ContainerRun['waiting']): void {
    c.phase = phase;
    c.since = now;
    c.waiting = waiting;
    if (phase === 'waiting') c.pulled = false;
  }

  /** activeDeadlineSeconds: past it the kubelet kills the pod and fails it. */
  private deadline(pod: StoredObject, run: PodRun, now: number): void {
    const seconds = (pod.object.spec as Json).activeDeadlineSeconds;
    if (typeof seconds !== 'number' || this.epoch + now < run.startSecond * 1000 + seconds * 1000) return;
    for (const c of run.containers) {
      if (c.phase === 'running') {
        this.event(pod, c, 'Normal', 'Killing', `Stopping container ${c.name}`);
        this.exit(c, 137, 'Error', undefined, now);
      }
    }
    this.event(pod, undefined, 'Normal', 'DeadlineExceeded', 'Pod was active on the node longer than the specified deadline');
    run.terminal = 'Failed';
    run.reason = { reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' };
  }

  /** When the earliest pending transition is due, relative to now. */
  private nextDue(pod: StoredObject, run: PodRun, now: number): number | undefined {
    let due = Infinity;
    for (const c of this.startable(run)) {
      switch (c.phase) {
        case 'waiting':
          due = Math.min(due, c.since + c.plan.pull.delayMs + (c.pulled ? c.plan.start.delayMs : 0));
          break;
        case 'pull-failed':
          due = now;
          break;
        case 'pull-backoff':
        case 'start-failed':
          due = Math.min(due, c.since + crashBackoff(c.failures));
          break;
        case 'running': {
          if (c.stopsAt !== undefined) {
            due = Math.min(due, c.stopsAt);
            break;
          }
          const probeAt = c.probes && nextProbeAt(c.probes, c.startedAt!);
          if (probeAt !== undefined) due = Math.min(due, probeAt);
          if (!c.ready && c.readyAt !== undefined && probesStarted(c.probes) && probedReadiness(c.probes) === undefined) due = Math.min(due, c.readyAt);
          else if (c.plan.exit) due = Math.min(due, (c.startedAt ?? now) + c.plan.exit.afterMs);
          break;
        }
        case 'terminated':
          if (this.restartPolicyAllows(pod, c)) due = now;
          break;
        case 'crash-backoff':
          due = Math.min(due, c.since + crashBackoff(c.restarts));
          break;
      }
    }
    return due === Infinity ? undefined : Math.max(0, due - now);
  }

  /** Graceful deletion: preStop, SIGTERM, the grace period, then the kubelet's final delete. */
  private terminate(pod: StoredObject, run: PodRun | undefined): number | undefined {
    const now = this.clockMs();
    const spec = pod.object.spec as Json;
    const node = spec.nodeName as string;
    const client = this.deps.clientFor(node);
    const running = run?.containers.filter((c) => c.phase === 'running') ?? [];
    if (run && running.length > 0) {
      const deadline = Date.parse(pod.object.metadata.deletionTimestamp!) - this.epoch;
      for (const c of running) {
        if (c.stopsAt === undefined) {
          this.event(pod, c, 'Normal', 'Killing', `Stopping container ${c.name}`);
          c.stopsAt = now + preStopMs(containerSpec(pod.object, c)) + c.plan.stop.delayMs;
        }
        // A shorter grace period asked for later cuts the wait short too.
        if (c.stopsAt > deadline) {
          c.stopsAt = Math.max(now, deadline);
          c.killed = true;
        }
      }
      let next = Infinity;
      for (const c of running) {
        if (now >= c.stopsAt!) this.exit(c, c.killed ? 137 : 0, undefined, undefined, now);
        else next = Math.min(next, c.stopsAt!);
      }
      if (next !== Infinity) {
        this.post(pod, run);
        return next - now;
      }
      run.terminal ??= run.containers.some((c) => !c.init && !c.ephemeral && c.exit && c.exit.exitCode !== 0) ? 'Failed' : 'Succeeded';
      this.post(pod, run, true);
    }
    this.runs.delete(pod.object.metadata.uid ?? '');
    client.delete('pods', pod.namespace, pod.name, { gracePeriodSeconds: 0, preconditions: { uid: pod.object.metadata.uid } });
    return undefined;
  }

  private containerStatus(pod: KubeObject, run: PodRun, c: ContainerRun): Json {
    const created = c.id !== undefined;
    let state: Json;
    if (c.phase === 'running') state = { running: { startedAt: this.timestampOf(c.startedAt!) } };
    else if (c.phase === 'terminated' && c.exit) state = { terminated: c.exit };
    else state = { waiting: c.waiting ?? { reason: this.startable(run).includes(c) && (c.init || !run.containers.some((x) => x.init)) ? 'ContainerCreating' : 'PodInitializing' } };
    const status: Json = {
      name: c.name,
      state,
      lastState: c.last ? { terminated: c.last } : {},
      ready: c.ready,
      restartCount: c.restarts,
      image: created ? imageFacts(c.image ?? '').reference : c.image,
      imageID: created ? imageFacts(c.image ?? '').id : '',
    };
    if (created) status.containerID = containerIdText(c.id!);
    // The prober manager sets started on init and regular containers only.
    if (!c.ephemeral) status.started = c.phase === 'running' && probesStarted(c.probes);
    const volumeMounts: Json[] | undefined = created ? containerSpec(pod, c).volumeMounts : undefined;
    if (volumeMounts?.length) {
      status.volumeMounts = volumeMounts.map((m) => {
        const mount: Json = { name: m.name, mountPath: m.mountPath };
        if (m.readOnly) Object.assign(mount, { readOnly: true, recursiveReadOnly: 'Disabled' });
        return mount;
      });
    }
    return status;
  }

  /** Writes the status the kubelet would post now; `terminal` marks a pod whose containers are all gone. */
  private post(pod: StoredObject, run: PodRun, terminal = false): Json {
    const spec = pod.object.spec as Json;
    const old = (pod.object.status ?? {}) as Json;
    const statuses = new Map(run.containers.map((c) => [c, this.containerStatus(pod.object, run, c)]));
    const initStatuses = run.containers.filter((c) => c.init).map((c) => statuses.get(c)!);
    // The kubelet keeps init container statuses in spec order and sorts the others by name.
    const mainStatuses = run.containers
      .filter((c) => !c.init && !c.ephemeral)
      .map((c) => statuses.get(c)!)
      .sort(byName);
    const ephemeralStatuses = run.containers
      .filter((c) => c.ephemeral)
      .map((c) => statuses.get(c)!)
      .sort(byName);
    const phase = run.terminal ?? podPhase(spec, run, terminal);
    const now = timestamp(new Date(this.deps.now()));
    const oldConditions: Json[] = old.conditions ?? [];
    const condition = (type: string, ok: boolean, reason?: string, message?: string): Json => {
      const before = oldConditions.find((c) => c.type === type);
      const status = ok ? 'True' : 'False';
      const out: Json = { type, status, lastProbeTime: null, lastTransitionTime: before?.status === status ? before.lastTransitionTime : now };
      if (reason) out.reason = reason;
      if (message) out.message = message;
      return out;
    };
    const finished = phase === 'Succeeded' || phase === 'Failed';
    const finishReason = phase === 'Failed' ? 'PodFailed' : 'PodCompleted';
    const regular = run.containers.filter((c) => (!c.init && !c.ephemeral) || c.sidecar);
    const unready = regular.filter((c) => !c.ready).map((c) => c.name);
    const incomplete = run.containers.filter((c) => c.init && (c.sidecar ? c.phase !== 'running' : !(c.phase === 'terminated' && c.exit?.exitCode === 0))).map((c) => c.name);
    const anyRegularStarted = run.containers.some((c) => !c.init && !c.ephemeral && c.startedAt !== undefined);
    const initialized = phase === 'Succeeded' ? condition('Initialized', true, 'PodCompleted') : anyRegularStarted || !incomplete.length ? condition('Initialized', true) : condition('Initialized', false, 'ContainersNotInitialized', `containers with incomplete status: [${incomplete.join(' ')}]`);
    const containersReady = finished ? condition('ContainersReady', false, finishReason) : unready.length ? condition('ContainersReady', false, 'ContainersNotReady', `containers with unready status: [${unready.join(' ')}]`) : condition('ContainersReady', true);
    let ready = finished ? condition('Ready', false, finishReason) : unready.length ? condition('Ready', false, 'ContainersNotReady', `containers with unready status: [${unready.join(' ')}]`) : condition('Ready', true);
    if (ready.status === 'True') {
      const gates: string[] = [];
      for (const gate of (spec.readinessGates ?? []) as Json[]) {
        const c = oldConditions.find((x) => x.type === gate.conditionType);
        if (!c) gates.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
        else if (c.status !== 'True') gates.push(`the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`);
      }
      if (gates.length) ready = condition('Ready', false, 'ReadinessGatesNotReady', gates.join(', '));
    }
    const kubeletTypes = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];
    const scheduled = oldConditions.find((c) => c.type === 'PodScheduled') ?? { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now };
    const conditions = [
      ...oldConditions.filter((c) => !kubeletTypes.includes(c.type)),
      condition('PodReadyToStartContainers', run.sandboxReady && !terminal),
      initialized,
      ready,
      containersReady,
      scheduled,
    ];
    const status: Json = { phase, conditions };
    if (run.reason) Object.assign(status, run.reason);
    const hostIP = this.deps.nodeIP(run.node);
    Object.assign(status, { hostIP, hostIPs: [{ ip: hostIP }] });
    if (run.ip) Object.assign(status, { podIP: run.ip, podIPs: [{ ip: run.ip }] });
    status.startTime = timestamp(new Date(run.startSecond * 1000));
    if (initStatuses.length) status.initContainerStatuses = initStatuses;
    status.containerStatuses = mainStatuses;
    if (ephemeralStatuses.length) status.ephemeralContainerStatuses = ephemeralStatuses;
    if (old.qosClass) status.qosClass = old.qosClass;
    if (old.nominatedNodeName) status.nominatedNodeName = old.nominatedNodeName;
    // The status manager only writes when the status changed.
    if (!jsonEqual(status, old)) {
      this.posting = pod.object.metadata.uid ?? '';
      try {
        this.deps.clientFor(run.node).updateStatus(pod, (p) => (p.status = status));
      } finally {
        this.posting = undefined;
      }
    }
    return status;
  }
}

/** Container names are RFC 1123 labels (ASCII), so code-unit order is Go's byte order. */
function byName(a: Json, b: Json): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The pod phase from its containers, as the kubelet's getPhase computes it. */
function podPhase(spec: Json, run: PodRun, podIsTerminal: boolean): string {
  let pendingInit = 0;
  let failedInit = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of run.containers) {
    if (c.ephemeral) continue;
    if (c.init && !c.sidecar) {
      if (c.phase === 'running') pendingInit++;
      else if (c.phase === 'terminated') failedInit += c.exit!.exitCode !== 0 ? 1 : 0;
      else if (c.last) failedInit += c.last.exitCode !== 0 ? 1 : 0;
      else pendingInit++;
      continue;
    }
    if (c.sidecar) {
      if (c.phase === 'running') running++;
      else if (c.phase !== 'terminated' && !c.last) {
        pendingInit += run.containers.some((x) => !x.init && !x.ephemeral && x.startedAt !== undefined) ? 0 : 1;
        waiting++;
      }
      continue;
    }
    if (c.phase === 'running') running++;
    else if (c.phase === 'terminated') {
      stopped++;
      if (c.exit!.exitCode === 0) succeeded++;
    } else if (c.last) stopped++;
    else waiting++;
  }
  const policy = spec.restartPolicy ?? 'Always';
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  if (pendingInit > 0 || waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}
