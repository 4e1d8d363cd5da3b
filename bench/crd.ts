// CustomResourceDefinitions against kubemock in a child process, each figure next to a baseline
// measured in the same run:
//   (a) CRD create until Established and its resource served, against one ConfigMap create,
//   (b) custom resource creates/s against ConfigMap creates/s (same body size, same load),
//   (c) in-process validation of one custom resource with a 50-field schema and 5 CEL rules,
//       against the same schema without rules,
//   (d) creating the CRDs real operators ship (cert-manager, Prometheus operator), against one
//       ConfigMap create.

import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { customResourceDefinition } from '../server/crd/custom-resources.js';
import type { CustomResourceDefinition } from '../server/crd/types.js';
import type { JSONSchemaProps } from '../server/crd/schema/types.js';
import type { KubeObject } from '../server/store/types.js';
import { benchCertificates } from './lib/certs.js';
import { ServerChild } from './lib/children.js';
import { Target } from './lib/client.js';
import { runLoad } from './lib/load.js';
import { configMapJson } from './lib/payload.js';
import { formatNumber, publishFigures, type Figure } from './lib/report.js';
import { median } from './lib/stats.js';

const definitions = 15;
const inFlight = 32;
const warmupMs = 500;
// Short rounds, many of them: on a shared machine the two kinds then meet the same load.
const createMs = 1_000;
const rounds = 9;
const validations = 2_000;
const fieldCount = 50;
const thirdPartyRoot = fileURLToPath(new URL('../../spec/fixtures/crds/third-party/', import.meta.url));

/** A CRD like the ones operators ship: a spec of `fields` typed fields with bounds, and optional rules. */
function benchCrd(name: string, rules: boolean): CustomResourceDefinition {
  const properties: Record<string, JSONSchemaProps> = {};
  for (let i = 0; i < fieldCount; i++) {
    properties[`field${i}`] = i % 3 === 0 ? { type: 'integer', minimum: 0, maximum: 1_000_000 } : i % 3 === 1 ? { type: 'string', maxLength: 64, pattern: '^[a-z0-9-]*$' } : { type: 'boolean' };
  }
  const spec: JSONSchemaProps = { type: 'object', properties };
  if (rules) {
    spec['x-kubernetes-validations'] = [
      { rule: 'self.field0 <= self.field3', message: 'field0 must not exceed field3' },
      { rule: "self.field1.startsWith('app')", message: 'field1 starts with app' },
      { rule: 'self.field6 + self.field9 < 2000000' },
      { rule: "!self.field2 || self.field4 != ''" },
      { rule: 'size(self.field7) <= 64' },
    ];
  }
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${name}s.bench.kubemock.dev`, uid: name },
    spec: {
      group: 'bench.kubemock.dev',
      scope: 'Namespaced',
      names: { plural: `${name}s`, singular: name, kind: name[0].toUpperCase() + name.slice(1), listKind: `${name[0].toUpperCase()}${name.slice(1)}List` },
      versions: [{ name: 'v1', served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: 'object', properties: { spec, status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } } }],
    },
    status: { acceptedNames: { plural: `${name}s`, kind: name[0].toUpperCase() + name.slice(1) } },
  };
}

function benchSpec(): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  for (let i = 0; i < fieldCount; i++) spec[`field${i}`] = i % 3 === 0 ? 1000 + i : i % 3 === 1 ? `app-${i}` : i % 2 === 0;
  return spec;
}

/** (a) From POSTing a CRD to its resource answering a LIST, polling back to back. */
async function crdEstablished(target: Target): Promise<Figure[]> {
  const establishMs: number[] = [];
  const configMapMs: number[] = [];
  // The first definition also builds the CEL environment and compiles the validators: a one-time cost.
  for (let i = -1; i < definitions; i++) {
    const crd = benchCrd(i < 0 ? 'warmup' : `widget${i}`, true);
    delete (crd.metadata as { uid?: string }).uid;
    delete crd.status;
    const start = performance.now();
    const created = await target.send('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', JSON.stringify(crd));
    if (created.status !== 201) throw new Error(`CRD create answered ${created.status}: ${created.body}`);
    for (;;) {
      const listed = await target.send('GET', `/apis/bench.kubemock.dev/v1/namespaces/default/${crd.spec.names.plural}`);
      if (listed.status === 200) break;
      if (performance.now() - start > 5_000) throw new Error(`${crd.spec.names.plural} not served after 5 s`);
    }
    const crdNow = JSON.parse((await target.send('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`)).body.toString());
    if (!crdNow.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Established' && c.status === 'True')) throw new Error('served before Established');
    if (i < 0) continue;
    establishMs.push(performance.now() - start);
    const cmStart = performance.now();
    const cm = await target.send('POST', '/api/v1/namespaces/default/configmaps', configMapJson({ name: `bench-cm-${i}` }, 256));
    if (cm.status !== 201) throw new Error(`ConfigMap create answered ${cm.status}`);
    configMapMs.push(performance.now() - cmStart);
  }
  console.log(`(a) ${definitions} CRDs, create to Established and served (ms): ${establishMs.map(formatNumber).join(', ')}`);
  return [{ name: 'CRD create to Established and served, median', unit: 'ms', value: median(establishMs), baseline: median(configMapMs), goal: { on: 'value', op: '<', target: 20 } }];
}

/** (b) Creates/s of custom resources and of ConfigMaps, alternating rounds. */
async function createRates(target: Target): Promise<Figure[]> {
  const crBody = JSON.stringify({ apiVersion: 'bench.kubemock.dev/v1', kind: 'Widget0', metadata: { generateName: 'bench-', labels: { app: 'kubemock-bench' } }, spec: benchSpec() });
  const cmBody = configMapJson({ generateName: 'bench-' }, crBody.length - 120);
  const crCreate = async () => (await target.send('POST', '/apis/bench.kubemock.dev/v1/namespaces/default/widget0s', crBody)).status === 201;
  const cmCreate = async () => (await target.send('POST', '/api/v1/namespaces/default/configmaps', cmBody)).status === 201;
  const load = (request: () => Promise<boolean>, durationMs: number) => runLoad({ concurrency: inFlight, durationMs, maxRequests: 200_000, request });
  await load(crCreate, warmupMs);
  await load(cmCreate, warmupMs);
  const cr: number[] = [];
  const cm: number[] = [];
  for (let round = 0; round < rounds; round++) {
    // Which kind goes first alternates, so neither always runs after the other's garbage.
    const cmFirst = round % 2 === 0;
    const early = cmFirst ? await load(cmCreate, createMs) : undefined;
    const r = await load(crCreate, createMs);
    const c = early ?? (await load(cmCreate, createMs));
    if (c.failed || r.failed) console.log(`  WARNING: ${c.failed} ConfigMap and ${r.failed} custom resource creates failed`);
    cm.push(c.perSecond);
    cr.push(r.perSecond);
  }
  console.log(`(b) creates/s per round, ${inFlight} in flight, ${crBody.length}-byte bodies: custom resources ${cr.map(formatNumber).join(', ')}; ConfigMaps ${cm.map(formatNumber).join(', ')}`);
  return [{ name: `custom resource creates/s vs ConfigMap creates/s`, unit: 'req/s', value: median(cr), baseline: median(cm), goal: { on: 'ratio', op: '>=', target: 0.7 } }];
}

/** (c) Decode (prune, default) and validate one custom resource, in process. */
function validationCost(): Figure[] {
  const cost = (rules: boolean) => {
    const def = customResourceDefinition(benchCrd('widget', rules), benchCrd('widget', rules).spec.versions[0]);
    const object: KubeObject = { apiVersion: 'bench.kubemock.dev/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec: benchSpec() };
    const run = () => {
      const copy = structuredClone(object);
      def.strategy.decode!(copy);
      const problems = def.strategy.validate!(copy, undefined, { now: new Date(), lookup: () => undefined, list: () => [], warn: () => {} });
      if (problems.length) throw new Error(`the bench object is invalid: ${problems.join(', ')}`);
    };
    for (let i = 0; i < 200; i++) run();
    const start = performance.now();
    for (let i = 0; i < validations; i++) run();
    return ((performance.now() - start) * 1000) / validations;
  };
  const without = cost(false);
  const withRules = cost(true);
  console.log(`(c) ${fieldCount}-field schema: ${formatNumber(withRules)} µs per object with 5 CEL rules, ${formatNumber(without)} µs without`);
  return [{ name: `validate one CR, ${fieldCount} fields + 5 CEL rules, vs no rules`, unit: 'µs', value: withRules, baseline: without }];
}

/** (d) Each third-party CRD's create, timed to its answer, each followed by a timed ConfigMap create. */
async function thirdPartyCreates(target: Target): Promise<Figure[]> {
  const crds = ['cert-manager', 'prometheus-operator'].flatMap((folder) =>
    readdirSync(`${thirdPartyRoot}${folder}`)
      .filter((file) => file.endsWith('.yaml'))
      .flatMap((file) => parseAllDocuments(readFileSync(`${thirdPartyRoot}${folder}/${file}`, 'utf8')).map((d) => d.toJS()))
      .filter((d) => d?.kind === 'CustomResourceDefinition'),
  );
  const createMs: number[] = [];
  const configMapMs: number[] = [];
  for (const [i, crd] of crds.entries()) {
    const start = performance.now();
    const created = await target.send('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', JSON.stringify(crd));
    if (created.status !== 201) throw new Error(`${crd.metadata.name} create answered ${created.status}: ${created.body}`);
    createMs.push(performance.now() - start);
    const cmStart = performance.now();
    const cm = await target.send('POST', '/api/v1/namespaces/default/configmaps', configMapJson({ name: `bench-third-party-${i}` }, 256));
    if (cm.status !== 201) throw new Error(`ConfigMap create answered ${cm.status}`);
    configMapMs.push(performance.now() - cmStart);
  }
  console.log(`(d) ${crds.length} cert-manager and Prometheus operator CRDs, create (ms): ${createMs.map(formatNumber).join(', ')}`);
  return [
    { name: 'third-party CRD create, median', unit: 'ms', value: median(createMs), baseline: median(configMapMs) },
    { name: 'third-party CRD create, slowest', unit: 'ms', value: Math.max(...createMs), baseline: median(configMapMs), goal: { on: 'value', op: '<', target: 1000 } },
  ];
}

async function main(): Promise<Figure[]> {
  const certificates = await benchCertificates();
  const kubemock = await ServerChild.start('kubemock-server', { certDir: certificates.dir });
  const target = new Target(kubemock.url, { maxSockets: inFlight, ca: certificates.caCert, token: kubemock.token });
  try {
    return [...(await crdEstablished(target)), ...(await createRates(target)), ...(await thirdPartyCreates(target)), ...validationCost()];
  } finally {
    target.close();
    await kubemock.stop();
    await certificates.remove();
  }
}

publishFigures('crd', await main());
