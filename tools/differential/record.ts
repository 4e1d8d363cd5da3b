// Records a server's answers to the differential corpus into spec/differential/fixtures/.
// See README.md beside this file.

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { corpusNames, loadCorpus } from '../../spec/differential/corpus.js';
import { type Fixture, readFixture, scenarioDigest, writeFixture } from '../../spec/differential/fixtures.js';
import { runScenario, type Target } from '../../spec/differential/run.js';

interface Options {
  kubeconfig: string;
  corpora: string[];
  only?: string;
  out?: string;
}

function usage(message: string): never {
  console.error(`${message}\nusage: node dist/tools/differential/record.js --kubeconfig FILE [--only SCENARIO] [--out DIR] [CORPUS...]`);
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const options: Partial<Options> = { corpora: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--kubeconfig' || arg === '--only' || arg === '--out') {
      const value = argv[++i];
      if (!value) usage(`${arg} needs a value`);
      options[arg.slice(2) as 'kubeconfig' | 'only' | 'out'] = value;
    } else if (arg.startsWith('--')) usage(`unknown flag ${arg}`);
    else options.corpora!.push(arg);
  }
  if (!options.kubeconfig) usage('--kubeconfig is required');
  return options as Options;
}

/** The current context's server, CA and bearer token. */
function targetFrom(kubeconfigPath: string): Target {
  const config = parse(readFileSync(kubeconfigPath, 'utf8'));
  const context = config.contexts.find((c: any) => c.name === config['current-context'])?.context ?? config.contexts[0].context;
  const cluster = config.clusters.find((c: any) => c.name === context.cluster).cluster;
  const user = config.users.find((u: any) => u.name === context.user).user;
  const ca = cluster['certificate-authority-data']
    ? Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8')
    : cluster['certificate-authority'] && readFileSync(cluster['certificate-authority'], 'utf8');
  if (!user.token) usage('the kubeconfig user needs a bearer token');
  return { url: cluster.server, token: user.token, ca };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const target = targetFrom(options.kubeconfig);
  const version = await fetchVersion(target);
  for (const name of options.corpora.length ? options.corpora : corpusNames()) {
    const corpus = loadCorpus(name);
    const previous = options.out ? undefined : readFixture(corpus);
    const fixture: Fixture = { recordedFrom: `kube-apiserver ${version}`, corpus: name, scenarios: [] };
    for (const [index, scenario] of corpus.scenarios.entries()) {
      const kept = previous?.scenarios.find((s) => s.name === scenario.name);
      if (options.only && scenario.name !== options.only && kept) {
        fixture.scenarios.push(kept);
        continue;
      }
      process.stderr.write(`${name}: ${scenario.name}\n`);
      fixture.scenarios.push({ name: scenario.name, digest: scenarioDigest(scenario), steps: await runScenario(target, corpus, index) });
    }
    if (previous && previous.recordedFrom !== fixture.recordedFrom && options.only) {
      usage(`${name} was recorded from ${previous.recordedFrom}; record all of it again, not only one scenario`);
    }
    writeFixture(fixture, options.out ? `${options.out}/${name}.json` : undefined);
  }
}

async function fetchVersion(target: Target): Promise<string> {
  const { default: https } = await import('node:https');
  return new Promise((resolve, reject) => {
    https
      .get(new URL('/version', target.url), { ca: target.ca, headers: { Authorization: `Bearer ${target.token}` } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(JSON.parse(text).gitVersion));
      })
      .on('error', reject);
  });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
