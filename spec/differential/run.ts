// Runs corpus scenarios against a server (kube-apiserver when recording, kubemock when replaying)
// and returns what each recorded step answered, normalized.

import http from 'node:http';
import https from 'node:https';
import WebSocket from 'ws';
import { parse as parseYaml, stringify } from 'yaml';
import { type Corpus, namespaceFor, type RequestStep, type Scenario, stepLabel, type Step, type WebsocketStep } from './corpus.js';
import { Normalizer, parsePath, shape } from './normalize.js';

export interface Target {
  url: string;
  token: string;
  /** PEM of the CA that signed the server's certificate. */
  ca?: string;
}

export interface Recorded {
  step: string;
  status: number;
  headers: Record<string, string | string[]>;
  body?: unknown;
  events?: unknown[];
}

interface Response {
  status: number;
  rawHeaders: string[];
  text: string;
}

const defaultHeaders = ['content-type', 'warning'];
const stepTimeoutMs = 15_000;

function agentFor(target: Target): http.Agent {
  return target.url.startsWith('https:') ? new https.Agent({ ca: target.ca, keepAlive: true }) : new http.Agent({ keepAlive: true });
}

function send(target: Target, agent: http.Agent, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Response> {
  const url = new URL(path, target.url);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(url, { method, agent, headers: { Authorization: `Bearer ${target.token}`, 'User-Agent': 'kubemock-differential/1.0', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, rawHeaders: res.rawHeaders, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // Node sends a DELETE's body without a length unless told, and the server reads it as the next request.
    if (body !== undefined) req.setHeader('Content-Length', Buffer.byteLength(body));
    req.setTimeout(stepTimeoutMs, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Response headers by lowercase name; repeated ones (Warning) as a list. */
function headerMap(raw: string[], wanted: string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (!wanted.includes(name)) continue;
    const existing = out[name];
    out[name] = existing === undefined ? raw[i + 1] : [...(Array.isArray(existing) ? existing : [existing]), raw[i + 1]];
  }
  return out;
}

/** JSON and YAML bodies decoded; a timestamp YAML 1.1 would read as a date (left unquoted) shows as such. */
function decode(text: string, contentType = ''): unknown {
  if (contentType.startsWith('application/yaml')) {
    const unquoted = (value: unknown): unknown => {
      if (value instanceof Date) return '<unquoted YAML timestamp>';
      if (Array.isArray(value)) return value.map(unquoted);
      if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unquoted(v)]));
      return value;
    };
    try {
      return unquoted(parseYaml(text, { version: '1.1' }));
    } catch {
      return text;
    }
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function substitute(value: unknown, vars: Record<string, string>): unknown {
  if (typeof value === 'string') return value.replace(/\{([A-Za-z_]\w*)\}/g, (whole, name: string) => vars[name] ?? whole);
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [substitute(k, vars) as string, substitute(v, vars)]));
  return value;
}

function splitRequest(line: string): [string, string] {
  const space = line.indexOf(' ');
  return space < 0 ? ['GET', line] : [line.slice(0, space).toUpperCase(), line.slice(space + 1).trim()];
}

function encodeBody(step: RequestStep, headers: Record<string, string>): string | undefined {
  if (step.body === undefined) return undefined;
  const type = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  if (!type) headers['Content-Type'] = 'application/json';
  if (typeof step.body === 'string') return step.body;
  return type && /yaml/.test(type) && !type.includes('apply-patch') ? stringify(step.body) : JSON.stringify(step.body);
}

class Watch {
  readonly frames: unknown[] = [];
  status = 0;
  rawHeaders: string[] = [];
  text = '';
  ended = false;
  private request?: http.ClientRequest;
  private wake?: () => void;
  private buffer = '';

  open(target: Target, path: string, headers: Record<string, string>): Promise<void> {
    const url = new URL(path, target.url);
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      this.request = transport.get(url, { agent: false, ca: target.ca, headers: { Authorization: `Bearer ${target.token}`, 'User-Agent': 'kubemock-differential/1.0', ...headers } }, (res) => {
        this.status = res.statusCode ?? 0;
        this.rawHeaders = res.rawHeaders;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => this.receive(chunk));
        res.on('end', () => this.finish());
        res.on('error', () => this.finish());
        resolve();
      });
      this.request.on('error', (err) => (this.status ? this.finish() : reject(err)));
    });
  }

  private receive(chunk: string): void {
    if (this.status !== 200) {
      this.text += chunk;
      return;
    }
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (line) this.frames.push(JSON.parse(line));
    }
    this.wake?.();
  }

  private finish(): void {
    this.ended = true;
    this.wake?.();
  }

  async collect(count: number): Promise<void> {
    const deadline = Date.now() + stepTimeoutMs;
    while (this.frames.length < count && !this.ended && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 100);
      });
    }
    this.request?.destroy();
  }
}

interface WebsocketAnswer {
  status: number;
  rawHeaders: string[];
  /** The body of a refused upgrade. */
  text?: string;
  frames: Array<{ channel: number; data: string }>;
  close?: number;
}

/** A websocket session: the handshake's answer, then every frame until the server closes. */
function websocket(target: Target, path: string, protocols: string[]): Promise<WebsocketAnswer> {
  const url = new URL(path, target.url.replace(/^http/, 'ws'));
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { ca: target.ca, headers: { Authorization: `Bearer ${target.token}`, 'User-Agent': 'kubemock-differential/1.0' } });
    const answer: WebsocketAnswer = { status: 0, rawHeaders: [], frames: [] };
    const timer = setTimeout(() => ws.terminate(), stepTimeoutMs);
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ ...answer, status: res.statusCode ?? 0, rawHeaders: res.rawHeaders, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    ws.on('upgrade', (res) => Object.assign(answer, { status: res.statusCode ?? 0, rawHeaders: res.rawHeaders }));
    ws.on('message', (data: Buffer) => answer.frames.push({ channel: data[0], data: data.subarray(1).toString('utf8') }));
    ws.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ...answer, close: code });
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      if (!answer.status) reject(err);
    });
  });
}

/** Runs one scenario; the namespace it gets is created first and deleted after (not waited for). */
export async function runScenario(target: Target, corpus: Corpus, index: number): Promise<Recorded[]> {
  const scenario: Scenario = corpus.scenarios[index];
  const namespace = namespaceFor(corpus, index);
  const vars: Record<string, string> = { ns: namespace };
  const agent = agentFor(target);
  const normalizer = new Normalizer(namespace);
  const watches = new Map<string, Watch>();
  const recorded: Recorded[] = [];
  const withNamespace = scenario.namespace !== false;
  try {
    if (withNamespace) {
      const created = await send(target, agent, 'POST', '/api/v1/namespaces', { 'Content-Type': 'application/json' }, JSON.stringify({ metadata: { name: namespace } }));
      if (created.status !== 201) throw new Error(`creating namespace ${namespace}: ${created.status} ${created.text}`);
      await waitFor(target, agent, `/api/v1/namespaces/${namespace}/serviceaccounts/default`, 200);
    }
    for (const step of scenario.steps) {
      const result = await runStep(target, agent, step, vars, normalizer, watches);
      if (result) recorded.push(result);
    }
  } finally {
    for (const watch of watches.values()) await watch.collect(0);
    for (const line of scenario.cleanup ?? []) {
      const [method, path] = splitRequest(substitute(line, vars) as string);
      await send(target, agent, method, path, {}).catch(() => undefined);
    }
    if (withNamespace) await send(target, agent, 'DELETE', `/api/v1/namespaces/${namespace}`, {}).catch(() => undefined);
    agent.destroy();
  }
  return recorded;
}

async function waitFor(target: Target, agent: http.Agent, path: string, status: number): Promise<void> {
  const deadline = Date.now() + stepTimeoutMs;
  for (;;) {
    const response = await send(target, agent, 'GET', path, {});
    if (response.status === status) return;
    if (Date.now() > deadline) throw new Error(`GET ${path} did not answer ${status} in time (last: ${response.status})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Fields only a Status has. */
const statusFields = new Set(['message', 'reason', 'details', 'code']);

/** Whether select or ignore name a field of a Status (else they were written for the object a step answers when it succeeds). */
function shapesStatus(step: Parameters<typeof shape>[1]): boolean {
  return [...(step.select ?? []), ...(step.ignore ?? [])].some((path) => statusFields.has(String(parsePath(path)[0])));
}

/** The normalized body as the step compares it; a Status (an error) is compared whole unless the step shapes it. */
function compared(step: Parameters<typeof shape>[1], normalizer: Normalizer, body: unknown): unknown {
  normalizer.learn(body);
  const normalized = normalizer.normalize(body);
  const isStatus = (normalized as { kind?: unknown } | null)?.kind === 'Status';
  return isStatus && !shapesStatus(step) ? normalized : shape(normalized, step);
}

async function runStep(target: Target, agent: http.Agent, step: Step, vars: Record<string, string>, normalizer: Normalizer, watches: Map<string, Watch>): Promise<Recorded | undefined> {
  const label = stepLabel(step);
  if ('wait' in step) {
    await waitFor(target, agent, substitute(step.wait, vars) as string, step.status ?? 200);
    return undefined;
  }
  if ('watch' in step) {
    const watch = new Watch();
    const [, path] = splitRequest(substitute(step.watch, vars) as string);
    await watch.open(target, path, substitute(step.send ?? {}, vars) as Record<string, string>);
    watches.set(step.as, watch);
    return undefined;
  }
  if ('collect' in step) {
    const watch = watches.get(step.collect);
    if (!watch) throw new Error(`no watch named ${step.collect}`);
    await watch.collect(step.events);
    watches.delete(step.collect);
    const headers = normalizer.normalize(headerMap(watch.rawHeaders, [...defaultHeaders, ...(step.headers ?? [])])) as Recorded['headers'];
    if (watch.status !== 200) return { step: label, status: watch.status, headers, body: compared(step, normalizer, decode(watch.text)) };
    const events = watch.frames.map((frame) => {
      const { type, object } = frame as { type: string; object: unknown };
      return { type, object: compared(step, normalizer, object) };
    });
    return { step: label, status: watch.status, headers, events };
  }
  if ('websocket' in step) return runWebsocket(target, step, vars, normalizer);
  const [method, path] = splitRequest(substitute(step.request, vars) as string);
  const headers = substitute(step.send ?? {}, vars) as Record<string, string>;
  const payload = encodeBody({ ...step, body: substitute(step.body, vars) }, headers);
  const response = await send(target, agent, method, path, headers, payload);
  const contentType = headerMap(response.rawHeaders, ['content-type'])['content-type'];
  const decoded = step.raw ? response.text : decode(response.text, typeof contentType === 'string' ? contentType : '');
  for (const [name, at] of Object.entries(step.save ?? {})) {
    let value: unknown = decoded;
    for (const segment of parsePath(at)) value = (value as Record<string | number, unknown> | undefined)?.[segment];
    if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`${label}: nothing to save at ${at} (status ${response.status})`);
    vars[name] = String(value);
  }
  if (step.record === false) return undefined;
  const body = compared(step, normalizer, decoded);
  const recordedHeaders = normalizer.normalize(headerMap(response.rawHeaders, [...defaultHeaders, ...(step.headers ?? [])])) as Recorded['headers'];
  return { step: label, status: response.status, headers: recordedHeaders, body };
}

async function runWebsocket(target: Target, step: WebsocketStep, vars: Record<string, string>, normalizer: Normalizer): Promise<Recorded> {
  const [, path] = splitRequest(substitute(step.websocket, vars) as string);
  const answer = await websocket(target, path, step.protocols);
  const headers = normalizer.normalize(headerMap(answer.rawHeaders, [...defaultHeaders, ...(step.headers ?? [])])) as Recorded['headers'];
  const label = stepLabel(step);
  if (answer.text !== undefined) return { step: label, status: answer.status, headers, body: compared(step, normalizer, decode(answer.text)) };
  const frames = answer.frames.map(({ channel, data }) => ({ channel, data: compared(step, normalizer, decode(data)) }));
  return { step: label, status: answer.status, headers, events: [...frames, { close: answer.close }] };
}
