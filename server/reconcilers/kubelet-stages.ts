// How the fake kubelet's containers behave, as data in the spirit of kwok's Stages: each stage picks
// containers (by the pod's labels, annotations, namespace, owner, or the container's image and name)
// and says what happens to them: image pull delay or failure, start delay or failure, readiness
// delay, probes that fail, exit after a time with an exit code, how long they take to stop, and their log lines.
// Every matching stage applies in order, later ones overriding what earlier ones said.

import { readFileSync } from 'node:fs';
import { yamlLibrary } from '../libraries.js';
import { parseLabelSelector } from '../selectors/labels.js';
import type { KubeObject } from '../store/types.js';

export interface StageMatch {
  /** Pod labels that must all be present with these values. */
  labels?: Record<string, string>;
  /** A label selector in kubectl's syntax (`slow=true,tier in (web)`). */
  selector?: string;
  annotations?: Record<string, string>;
  namespace?: string;
  /** The kind of the pod's controller owner (`Job`, `ReplicaSet`). */
  ownerKind?: string;
  /** Container image, `*` matching any run of characters (`bad:*`, `docker.io/library/*`). */
  image?: string;
  /** Container name, with `*` as in image. */
  container?: string;
  /** Only init containers (true) or only the others (false). */
  init?: boolean;
}

/** A probe failing: from afterMs after the container started, for forMs (default: as long as it runs), printing output. */
export interface ProbeFailure {
  afterMs?: number;
  forMs?: number;
  output?: string;
}

export interface KubeletStage {
  name?: string;
  match?: StageMatch;
  /** Pulling the image: how long it takes, or the error it ends with (`ErrImagePull`, `ErrImageNeverPull`, ...). */
  pull?: { delayMs?: number; error?: string; message?: string };
  /** Creating and starting the container: how long it takes, or the error (`CreateContainerConfigError`, `RunContainerError`, ...). */
  start?: { delayMs?: number; error?: string; message?: string };
  /** When a started container becomes ready; `never` keeps it unready. Default: at once, or after a readiness probe's initialDelaySeconds. */
  ready?: { delayMs?: number; never?: boolean };
  /** The container's readiness, liveness or startup probe fails, when its spec has that probe. */
  probes?: { readiness?: ProbeFailure; liveness?: ProbeFailure; startup?: ProbeFailure };
  /** The container exits this long after it started, with this code (default 0). */
  exit?: { afterMs?: number; code?: number; reason?: string; message?: string };
  /** How long the container takes to stop after SIGTERM, beyond its preStop hook; past the grace period it is killed. */
  stop?: { delayMs?: number };
  /** What `kubectl logs` prints for the container. */
  logs?: string[];
}

/** What the stages say about one container, after merging. */
export interface ContainerPlan {
  pull: { delayMs: number; error?: string; message?: string };
  start: { delayMs: number; error?: string; message?: string };
  ready: { delayMs?: number; never: boolean };
  probes: { readiness?: ProbeFailure; liveness?: ProbeFailure; startup?: ProbeFailure };
  exit?: { afterMs: number; code: number; reason?: string; message?: string };
  stop: { delayMs: number };
  logs?: string[];
}

/** Stages every kubelet starts with: a Job's pods run to completion, as kwok's default stages have them. */
export const defaultStages: KubeletStage[] = [{ name: 'job-pods-complete', match: { ownerKind: 'Job', init: false }, exit: { afterMs: 0, code: 0 } }];

export class StageError extends Error {}

const regexSpecial = /[.+?^${}()|[\]\\]/g;

function glob(pattern: string): RegExp {
  const parts = pattern.split('*').map((part) => part.replace(regexSpecial, '\\$&'));
  return new RegExp('^' + parts.join('.*') + '$');
}

interface CompiledStage {
  stage: KubeletStage;
  matches(pod: KubeObject, container: { name?: string; image?: string }, init: boolean): boolean;
}

function compile(stage: KubeletStage, index: number): CompiledStage {
  const where = `stage ${stage.name ?? index}`;
  if (!stage || typeof stage !== 'object' || Array.isArray(stage)) throw new StageError(`${where}: must be an object`);
  const known = ['name', 'match', 'pull', 'start', 'ready', 'probes', 'exit', 'stop', 'logs'];
  for (const key of Object.keys(stage)) if (!known.includes(key)) throw new StageError(`${where}: unknown field "${key}"`);
  const m = stage.match ?? {};
  const numbers: Array<[string, unknown]> = [
    ['pull.delayMs', stage.pull?.delayMs],
    ['start.delayMs', stage.start?.delayMs],
    ['ready.delayMs', stage.ready?.delayMs],
    ['exit.afterMs', stage.exit?.afterMs],
    ['stop.delayMs', stage.stop?.delayMs],
  ];
  if (stage.probes !== undefined && (typeof stage.probes !== 'object' || stage.probes === null || Array.isArray(stage.probes))) throw new StageError(`${where}: probes must be an object`);
  for (const [kind, failure] of Object.entries(stage.probes ?? {})) {
    if (!['readiness', 'liveness', 'startup'].includes(kind)) throw new StageError(`${where}: probes: unknown probe "${kind}" (readiness, liveness or startup)`);
    if (typeof failure !== 'object' || failure === null || Array.isArray(failure)) throw new StageError(`${where}: probes.${kind} must be an object`);
    for (const key of Object.keys(failure)) if (!['afterMs', 'forMs', 'output'].includes(key)) throw new StageError(`${where}: probes.${kind}: unknown field "${key}"`);
    if (failure.output !== undefined && typeof failure.output !== 'string') throw new StageError(`${where}: probes.${kind}.output must be a string`);
    numbers.push([`probes.${kind}.afterMs`, failure.afterMs], [`probes.${kind}.forMs`, failure.forMs]);
  }
  for (const [field, value] of numbers) {
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) throw new StageError(`${where}: ${field} must be a number of milliseconds, at least 0`);
  }
  if (stage.exit?.code !== undefined && (!Number.isInteger(stage.exit.code) || stage.exit.code < 0 || stage.exit.code > 255)) throw new StageError(`${where}: exit.code must be a whole number from 0 to 255`);
  if (stage.logs !== undefined && (!Array.isArray(stage.logs) || stage.logs.some((l) => typeof l !== 'string'))) throw new StageError(`${where}: logs must be a list of strings`);
  let selector: ((labels: Record<string, string> | undefined) => boolean) | undefined;
  try {
    selector = m.selector === undefined ? undefined : parseLabelSelector(m.selector);
  } catch (err) {
    throw new StageError(`${where}: match.selector: ${(err as Error).message}`);
  }
  const image = m.image === undefined ? undefined : glob(m.image);
  const name = m.container === undefined ? undefined : glob(m.container);
  return {
    stage,
    matches(pod, container, init) {
      const meta = pod.metadata;
      if (m.init !== undefined && m.init !== init) return false;
      if (m.namespace !== undefined && meta.namespace !== m.namespace) return false;
      if (m.labels && Object.entries(m.labels).some(([k, v]) => meta.labels?.[k] !== v)) return false;
      if (m.annotations && Object.entries(m.annotations).some(([k, v]) => meta.annotations?.[k] !== v)) return false;
      if (selector && !selector(meta.labels)) return false;
      if (m.ownerKind !== undefined && !(meta.ownerReferences ?? []).some((r) => r.controller === true && r.kind === m.ownerKind)) return false;
      if (image && !image.test(container.image ?? '')) return false;
      if (name && !name.test(container.name ?? '')) return false;
      return true;
    },
  };
}

/** Distinct plans kept for sharing; past it they start over (stages matching in many combinations). */
const maxPlans = 1024;

export class KubeletStages {
  private compiled: CompiledStage[];
  /** Plans by the stages that made them: the kubelet keeps one per container, and containers alike share it. */
  private readonly plans = new Map<string, Readonly<ContainerPlan>>();

  constructor(stages: KubeletStage[] = []) {
    this.compiled = KubeletStages.compileAll(stages);
  }

  /** Replaces the user's stages (the defaults stay first). */
  set(stages: KubeletStage[]): void {
    this.compiled = KubeletStages.compileAll(stages);
    this.plans.clear();
  }

  private static compileAll(stages: KubeletStage[]): CompiledStage[] {
    if (!Array.isArray(stages)) throw new StageError('kubelet stages must be a list');
    return [...defaultStages.map(compile), ...stages.map(compile)];
  }

  /** What the stages say of a container; shared with containers the same stages match, so never to be changed. */
  plan(pod: KubeObject, container: { name?: string; image?: string; restartPolicy?: string }, init: boolean): Readonly<ContainerPlan> {
    // An init container runs to completion unless a stage says how it ends (a sidecar runs on).
    const completes = init && container.restartPolicy !== 'Always';
    let key = completes ? 'completes' : 'runs';
    for (let i = 0; i < this.compiled.length; i++) if (this.compiled[i].matches(pod, container, init)) key += ` ${i}`;
    let plan = this.plans.get(key);
    if (!plan) {
      if (this.plans.size >= maxPlans) this.plans.clear();
      plan = this.merged(key, completes);
      this.plans.set(key, plan);
    }
    return plan;
  }

  private merged(key: string, completes: boolean): ContainerPlan {
    const plan: ContainerPlan = { pull: { delayMs: 0 }, start: { delayMs: 0 }, ready: { never: false }, probes: {}, stop: { delayMs: 0 } };
    for (const index of key.split(' ').slice(1)) {
      const { stage } = this.compiled[Number(index)];
      if (stage.pull) plan.pull = { delayMs: 0, ...stage.pull };
      if (stage.start) plan.start = { delayMs: 0, ...stage.start };
      if (stage.ready) plan.ready = { never: false, ...stage.ready };
      if (stage.probes) plan.probes = { ...plan.probes, ...stage.probes };
      if (stage.exit) plan.exit = { afterMs: 0, code: 0, ...stage.exit };
      if (stage.stop) plan.stop = { delayMs: 0, ...stage.stop };
      if (stage.logs) plan.logs = stage.logs;
    }
    if (completes) plan.exit ??= { afterMs: 0, code: 0 };
    return plan;
  }
}

/** Reads stages from a YAML or JSON file: a list, `{stages: [...]}`, or one stage per YAML document. */
export function readStagesFile(path: string): KubeletStage[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new StageError(`cannot read ${path}: ${(err as Error).message}`);
  }
  const stages: KubeletStage[] = [];
  for (const doc of yamlLibrary().parseAllDocuments(text)) {
    if (doc.errors.length) throw new StageError(`${path}: ${doc.errors[0].message}`);
    const value = doc.toJS();
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) stages.push(...value);
    else if (Array.isArray(value.stages)) stages.push(...value.stages);
    else stages.push(value);
  }
  // Compiling checks every stage now, so a bad file fails at start.
  new KubeletStages(stages);
  return stages;
}
