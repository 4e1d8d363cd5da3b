// The differential corpus: scenarios of requests that kubemock must answer as kube-apiserver does.
// Each corpus file (corpus/*.yaml) is a list of scenarios; tools/differential records a real
// server's answers to them into fixtures/, and spec/differential.spec.ts replays them on kubemock.

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** What a step compares besides status: body paths to keep or drop, and headers to record. */
interface Comparison {
  /** Only these paths of the body are compared (`items[0].metadata.name`, `paths[/api/v1]`); a Status is compared whole unless they name its fields (`details.causes`). */
  select?: string[];
  /** These paths are removed before comparing; say why in `note`. */
  ignore?: string[];
  /** Headers recorded besides content-type and warning. */
  headers?: string[];
  /** Why a path is ignored or a step is shaped as it is. */
  note?: string;
}

export interface RequestStep extends Comparison {
  /** `METHOD /path?query`; `{ns}` is the scenario's namespace, `{name}` a saved variable. */
  request: string;
  /** Request headers; Content-Type defaults to application/json when there is a body. */
  send?: Record<string, string>;
  /** An object is encoded as JSON (YAML for a YAML content type); a string is sent as it is. */
  body?: unknown;
  /** Variables for later steps, read from this response's body by path. */
  save?: Record<string, string>;
  /** false: run but do not record or compare (set-up). */
  record?: boolean;
  /** Record the body's text as written (indentation, key order) instead of the decoded value. */
  raw?: boolean;
}

/** Polls a GET until it answers `status` (default 200); nothing is recorded. */
export interface WaitStep {
  wait: string;
  status?: number;
}

/** Opens a watch stream under a name; its events are recorded by a later `collect`. */
export interface WatchStep {
  watch: string;
  as: string;
  send?: Record<string, string>;
}

/** Waits for `events` events on a named watch (or its end), closes it and records them. */
export interface CollectStep extends Comparison {
  collect: string;
  events: number;
}

/**
 * Opens a websocket (`GET /path?query`) offering `protocols`, reads frames until the server closes
 * and records the protocol chosen, each frame's channel (its first byte) and data, and the close code.
 */
export interface WebsocketStep extends Comparison {
  websocket: string;
  protocols: string[];
}

export type Step = RequestStep | WaitStep | WatchStep | CollectStep | WebsocketStep;

export interface Scenario {
  name: string;
  /** Whether the scenario runs in a namespace of its own (created first; default true). */
  namespace?: boolean;
  /** A plain string is a request step without options: `GET /api/v1/namespaces/{ns}/pods`. */
  steps: Step[];
  /** Requests run after the steps whatever happened, never recorded (cluster-scoped objects). */
  cleanup?: string[];
}

export interface Corpus {
  /** The file's name without extension: `core-crud`. */
  name: string;
  scenarios: Scenario[];
}

export const corpusDirectory = fileURLToPath(new URL('../../../spec/differential/corpus/', import.meta.url));
export const fixtureDirectory = fileURLToPath(new URL('../../../spec/differential/fixtures/', import.meta.url));

export function stepLabel(step: Step): string {
  if ('request' in step) return step.request;
  if ('wait' in step) return `wait ${step.wait}`;
  if ('watch' in step) return `watch ${step.as}: ${step.watch}`;
  if ('websocket' in step) return `websocket ${step.websocket}`;
  return `collect ${step.collect}`;
}

/**
 * A scenario's namespace: its corpus, position and a random tail, so neither scenarios nor repeated
 * runs on one cluster collide; answers show it as `{ns}`.
 */
export function namespaceFor(corpus: Corpus, index: number): string {
  const tail = Math.random().toString(36).slice(2, 7).padEnd(5, '0');
  return `d-${corpus.name.slice(0, 40)}-${index + 1}-${tail}`;
}

export function loadCorpus(name: string): Corpus {
  const scenarios = parse(readFileSync(`${corpusDirectory}${name}.yaml`, 'utf8')) as Scenario[];
  if (!Array.isArray(scenarios)) throw new Error(`${name}.yaml must be a list of scenarios`);
  const names = new Set<string>();
  for (const scenario of scenarios) {
    if (!scenario?.name || !Array.isArray(scenario.steps)) throw new Error(`${name}.yaml: every scenario needs a name and steps`);
    if (names.has(scenario.name)) throw new Error(`${name}.yaml: two scenarios are named "${scenario.name}"`);
    names.add(scenario.name);
    scenario.steps = scenario.steps.map((step) => (typeof step === 'string' ? { request: step } : step));
  }
  return { name, scenarios };
}

export function corpusNames(): string[] {
  return readdirSync(corpusDirectory)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}
