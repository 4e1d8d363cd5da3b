// Requests recorded against kube-apiserver 1.32.13 with its answers, replayed against kubemock.
// Fixtures live in spec/fixtures/reference/; each step is a request and the normalized response.

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { TestCluster } from './cluster.js';

export interface RecordedStep {
  /** Steps without a name set the scene (a namespace) and are not compared. */
  name?: string;
  method: string;
  path: string;
  body?: unknown;
  contentType?: string;
  response: { code: number; body: unknown };
}

export interface ReferenceFixture {
  source: string;
  steps: RecordedStep[];
}

export function loadFixture(name: string): ReferenceFixture {
  return JSON.parse(readFileSync(new URL(`../../../spec/fixtures/reference/${name}.json`, import.meta.url), 'utf8')) as ReferenceFixture;
}

const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const time = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g;
const address = /\(0x[0-9a-f]+\)/g;

/** What the recorder normalized: uids, times and pointer addresses, and no managedFields or resourceVersions. */
export function normalized(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalized);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) if (key !== 'managedFields' && key !== 'resourceVersion') out[key] = normalized(v);
    return out;
  }
  if (typeof value === 'string') return value.replace(uuid, '<uid>').replace(time, '<time>').replace(address, '(<address>)');
  return value;
}

/** Sends one recorded request to kubemock and returns its answer, normalized as the recording was. */
export async function replay(cluster: TestCluster, step: RecordedStep): Promise<{ code: number; body: unknown }> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (step.body !== undefined) headers['Content-Type'] = step.contentType ?? 'application/json';
  const response = await cluster.request(step.path, { method: step.method, headers, body: step.body === undefined ? undefined : JSON.stringify(step.body) });
  let body: unknown = response.body;
  try {
    body = JSON.parse(response.body);
  } catch {
    // Not JSON: compared as text.
  }
  return { code: response.status, body: normalized(body) };
}

/**
 * One mocha test per step, run in order: a named step must get the answer the real server gave, a
 * step that sets the scene (creates a namespace) the same status code.
 */
export function replaysAsRecorded(fixtureName: string, cluster: () => TestCluster): void {
  const fixture = loadFixture(fixtureName);
  describe(`requests recorded from kube-apiserver 1.32.13 (${fixtureName})`, () => {
    for (const step of fixture.steps) {
      it(step.name ?? `sets the scene: ${step.method} ${step.path}`, async () => {
        const answer = await replay(cluster(), step);
        expect(answer.code, JSON.stringify(answer.body)).to.equal(step.response.code);
        if (step.name) expect(answer.body).to.deep.equal(step.response.body);
      });
    }
  });
}
