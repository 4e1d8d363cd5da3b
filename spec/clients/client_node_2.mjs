// Drives kubemock with @kubernetes/client-node 2.x (undici-based, Node 22.19+); prints one JSON line per finding.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// The package comes from the directory the spec names, not from kubemock's own node_modules (1.x).
const packageDir = join(process.env.CLIENT_NODE_PREFIX, 'node_modules', '@kubernetes', 'client-node');
const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
const k8s = await import(pathToFileURL(join(packageDir, 'dist', 'index.js')).href);

const report = (step, fields) => console.log(JSON.stringify({ step, ...fields }));
const kubeconfig = new k8s.KubeConfig();
kubeconfig.loadFromFile(process.env.KUBECONFIG);
const core = kubeconfig.makeApiClient(k8s.CoreV1Api);
const apps = kubeconfig.makeApiClient(k8s.AppsV1Api);

async function statusOf(call) {
  try {
    await call();
    return undefined;
  } catch (err) {
    return { code: err.code, body: typeof err.body === 'string' ? JSON.parse(err.body) : err.body };
  }
}

const namespaces = (await core.listNamespace()).items.map((n) => n.metadata.name);
await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cn2' }, data: { a: '1' } } });
const patched = await core.patchNamespacedConfigMap({ name: 'cn2', namespace: 'default', body: [{ op: 'add', path: '/data/b', value: '2' }] });
const missing = await statusOf(() => core.readNamespacedConfigMap({ name: 'nope', namespace: 'default' }));
const exists = await statusOf(() => core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cn2' } } }));
report('crud', { version, node: process.version, namespaces, data: patched.data, missing, exists });

const deployment = await apps.createNamespacedDeployment({
  namespace: 'default',
  body: { metadata: { name: 'cn2' }, spec: { selector: { matchLabels: { app: 'cn2' } }, template: { metadata: { labels: { app: 'cn2' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } },
});
const scaled = await apps.replaceNamespacedDeploymentScale({ name: 'cn2', namespace: 'default', body: { metadata: { name: 'cn2', namespace: 'default' }, spec: { replicas: 3 } } });
report('deployment', { generation: deployment.metadata.generation, strategy: deployment.spec.strategy.type, scaled: scaled.spec.replicas });

const informer = k8s.makeInformer(kubeconfig, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
const seen = [];
informer.on('add', (o) => seen.push(`add ${o.metadata.name}`));
informer.on('update', (o) => seen.push(`update ${o.metadata.name}`));
informer.on('delete', (o) => seen.push(`delete ${o.metadata.name}`));
await informer.start();
await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cn2-live' } } });
await core.patchNamespacedConfigMap({ name: 'cn2-live', namespace: 'default', body: [{ op: 'add', path: '/data', value: { k: 'v' } }] });
await core.deleteNamespacedConfigMap({ name: 'cn2-live', namespace: 'default' });
const deadline = Date.now() + 10_000;
while (!seen.includes('delete cn2-live') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
await informer.stop();
report('informer', { seen: seen.filter((s) => s.endsWith('cn2-live')), cached: seen.some((s) => s === 'add cn2') });
