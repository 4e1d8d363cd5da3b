// Meets the faults spec/faults.spec.ts injected with @kubernetes/client-node 2.x on Node 24; prints one JSON line per finding.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const packageDir = join(process.env.CLIENT_NODE_PREFIX, 'node_modules', '@kubernetes', 'client-node');
const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
const k8s = await import(pathToFileURL(join(packageDir, 'dist', 'index.js')).href);

const report = (step, fields) => console.log(JSON.stringify({ step, ...fields }));
const kubeconfig = new k8s.KubeConfig();
kubeconfig.loadFromFile(process.env.KUBECONFIG);
const core = kubeconfig.makeApiClient(k8s.CoreV1Api);
const read = (name) => core.readNamespacedConfigMap({ name, namespace: 'default' });

const codes = {};
let retryAfter;
for (const name of ['conflict', 'throttled', 'broken', 'unavailable', 'slow-answer']) {
  try {
    await read(name);
    codes[name] = 'answered';
  } catch (err) {
    const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
    codes[name] = [err.code, body.reason];
    if (name === 'throttled') retryAfter = err.headers?.['retry-after'];
  }
}
report('statuses', { version, codes, retryAfter });

const started = performance.now();
await read('slow').catch(() => undefined);
report('latency', { ms: performance.now() - started });

let error;
await read('reset').catch((err) => (error = `${err.message} ${err.cause?.code ?? ''}`));
report('reset', { error });

const watchUntilDone = (namespace) =>
  new Promise((resolve) => {
    const seen = [];
    new k8s.Watch(kubeconfig)
      .watch(`/api/v1/namespaces/${namespace}/configmaps`, {}, (type, object) => seen.push([type, object.code]), () => resolve(seen))
      .catch(() => resolve(seen));
  });
const dropped = await watchUntilDone('dropped');
const expired = await watchUntilDone('expired');
report('watches', { dropped: Array.isArray(dropped) ? 'done' : dropped, expired: expired[expired.length - 1] });
