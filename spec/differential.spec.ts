// Replays the differential corpus on kubemock and compares every recorded step with what
// kube-apiserver answered when the fixtures were recorded (tools/differential/README.md).

import { expect } from 'chai';
import { corpusNames, loadCorpus } from './differential/corpus.js';
import { readFixture, scenarioDigest } from './differential/fixtures.js';
import { withTimeFreeManagedFields } from './differential/normalize.js';
import { runScenario } from './differential/run.js';
import { startCluster, withoutWorkloadControllers, type TestCluster } from './support/cluster.js';

/** Where two JSON values differ, one line per differing path. */
function differencesOf(expected: unknown, actual: unknown, path = ''): string[] {
  const isObject = (v: unknown) => v !== null && typeof v === 'object';
  if (isObject(expected) && isObject(actual) && Array.isArray(expected) === Array.isArray(actual)) {
    const keys = new Set([...Object.keys(expected as object), ...Object.keys(actual as object)]);
    return [...keys].flatMap((k) => differencesOf((expected as any)[k], (actual as any)[k], Array.isArray(expected) ? `${path}[${k}]` : `${path}.${k}`));
  }
  if (JSON.stringify(expected) === JSON.stringify(actual)) return [];
  return [`  ${path || '.'}: kube-apiserver ${JSON.stringify(expected) ?? 'absent'}, kubemock ${JSON.stringify(actual) ?? 'absent'}`];
}

describe('differential: kubemock answers the corpus as kube-apiserver did', () => {
  for (const name of corpusNames()) {
    const corpus = loadCorpus(name);
    const fixture = readFixture(corpus);
    describe(`${name} (recorded from ${fixture?.recordedFrom ?? 'nothing yet'})`, () => {
      let cluster: TestCluster;
      before(async () => {
        // kube-apiserver answered the corpus with no controllers running (no CSR approver, signer or cleaner either), and
        // no ingress controller ever runs beside it.
        cluster = await startCluster({ controllers: [...withoutWorkloadControllers, '-csrapproving', '-csrsigning', '-csrcleaner', '-ingress-address-controller'] });
      });
      after(() => cluster.stop());

      corpus.scenarios.forEach((scenario, index) => {
        it(scenario.name, async () => {
          const recorded = fixture?.scenarios.find((s) => s.name === scenario.name);
          expect(recorded, `${name}: "${scenario.name}" has no recording; record it with tools/differential`).to.not.equal(undefined);
          expect(recorded!.digest, `${name}: "${scenario.name}" changed since it was recorded; record it again`).to.equal(scenarioDigest(scenario));
          const target = { url: cluster.server.url, token: cluster.server.token, ca: cluster.server.caCert };
          const answered = await runScenario(target, corpus, index);
          expect(answered.map((s) => s.step)).to.deep.equal(recorded!.steps.map((s) => s.step));
          // Every differing step is reported, not only the first.
          const differences = answered.flatMap((step, i) => {
            const found = differencesOf(withTimeFreeManagedFields(recorded!.steps[i]), withTimeFreeManagedFields(step));
            return found.length ? [`step ${i + 1}: ${step.step}\n${found.join('\n')}`] : [];
          });
          if (differences.length > 0) expect.fail(differences.join('\n\n'));
        });
      });
    });
  }
});
