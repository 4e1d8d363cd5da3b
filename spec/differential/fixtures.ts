// Recorded answers of a real kube-apiserver to a corpus file, as committed in fixtures/.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { type Corpus, fixtureDirectory, type Scenario } from './corpus.js';
import type { Recorded } from './run.js';

export interface RecordedScenario {
  name: string;
  /** Digest of the scenario as it was recorded; a changed scenario must be recorded again. */
  digest: string;
  steps: Recorded[];
}

export interface Fixture {
  /** `kube-apiserver v1.32.13`: the server the answers came from. */
  recordedFrom: string;
  corpus: string;
  scenarios: RecordedScenario[];
}

export function scenarioDigest(scenario: Scenario): string {
  return createHash('sha256').update(JSON.stringify(scenario)).digest('hex').slice(0, 16);
}

export function fixturePath(corpus: Corpus | string): string {
  return `${fixtureDirectory}${typeof corpus === 'string' ? corpus : corpus.name}.json`;
}

export function readFixture(corpus: Corpus | string): Fixture | undefined {
  const path = fixturePath(corpus);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Fixture) : undefined;
}

export function writeFixture(fixture: Fixture, path = fixturePath(fixture.corpus)): void {
  writeFileSync(path, `${JSON.stringify(fixture, null, 1)}\n`);
}
