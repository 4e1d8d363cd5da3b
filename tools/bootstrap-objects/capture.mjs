#!/usr/bin/env node
// Records the objects a fresh kube-apiserver creates for itself into server/bootstrap/objects.json.
// Run it against a reference cluster started with REFERENCE_MODE=apiserver (etcd and kube-apiserver
// only, so no controller has touched anything yet):
//
//   REF=$(mktemp -d) && REFERENCE_MODE=apiserver ../shared/tools/reference-cluster/start.sh "$REF"
//   node tools/bootstrap-objects/capture.mjs "$REF/kubeconfig"
//
// Only the static objects are recorded. What depends on the running server (the `kubernetes`
// Service and its endpoints, the kube-system ConfigMaps, the APIServices, the apiserver Lease) and
// what a controller computes (aggregated ClusterRole rules, FlowSchema conditions) is made by kubemock.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Resources recorded, in the order kubemock creates them. */
const resources = [
  { group: 'rbac.authorization.k8s.io', plural: 'clusterroles' },
  { group: 'rbac.authorization.k8s.io', plural: 'clusterrolebindings' },
  { group: 'rbac.authorization.k8s.io', plural: 'roles' },
  { group: 'rbac.authorization.k8s.io', plural: 'rolebindings' },
  { group: 'flowcontrol.apiserver.k8s.io', plural: 'prioritylevelconfigurations' },
  { group: 'flowcontrol.apiserver.k8s.io', plural: 'flowschemas' },
];

/** Server-set metadata and status: kubemock's write path and controllers make their own. */
const serverMetadata = ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields'];

function normalized(item) {
  const { status: _status, metadata, ...body } = item;
  const kept = { ...metadata };
  for (const key of serverMetadata) delete kept[key];
  return { metadata: kept, ...body };
}

const kubeconfig = process.argv[2];
if (!kubeconfig) {
  console.error('usage: capture.mjs KUBECONFIG');
  process.exit(2);
}
const version = JSON.parse(execFileSync('kubectl', ['--kubeconfig', kubeconfig, 'version', '-o', 'json'], { encoding: 'utf8' })).serverVersion.gitVersion;
const out = {
  source: `recorded from kube-apiserver ${version} (etcd and kube-apiserver only) by tools/bootstrap-objects/capture.mjs`,
  resources: [],
};
for (const { group, plural } of resources) {
  // The raw list keeps the server's field order, which kubectl's printers would sort.
  const path = `/apis/${group}/v1/${plural}`;
  const list = JSON.parse(execFileSync('kubectl', ['--kubeconfig', kubeconfig, 'get', '--raw', path], { encoding: 'utf8', maxBuffer: 64 << 20 }));
  // The component that wrote them (kube-apiserver itself, or its flow-control bootstrap writer).
  const manager = list.items[0]?.metadata.managedFields?.find((entry) => entry.operation === 'Update')?.manager;
  out.resources.push({ group, plural, manager, objects: list.items.map(normalized) });
}
const target = fileURLToPath(new URL('../../server/bootstrap/objects.json', import.meta.url));
writeFileSync(target, `${JSON.stringify(out, null, 1)}\n`);
console.log(`wrote ${target}: ${out.resources.map((r) => `${r.objects.length} ${r.plural}`).join(', ')}`);
