// A fresh kubemock holds what a fresh kube-apiserver 1.32.13 holds (spec/fixtures/bootstrap-objects.txt,
// recorded with etcd and kube-apiserver only), and gets it back on reset.

import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startCluster, type TestCluster } from './support/cluster.js';

const recorded = readFileSync(fileURLToPath(new URL('../../spec/fixtures/bootstrap-objects.txt', import.meta.url)), 'utf8');

/** `## resource` sections of `namespace name` lines (`<none>` for cluster-scoped objects). */
function sections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('## ')) out.set(line.slice(3), (current = []));
    else if (line && !line.startsWith('#')) current!.push(line);
  }
  return out;
}

/** Resources a real cluster fills at start that kubemock does not serve yet. */
const notServedYet: string[] = [];

/** What a fresh cluster's controllers add at once (the recording ran none): kubemock runs them. */
const addedByControllers: Record<string, (line: string) => boolean> = {
  serviceaccounts: (line) => line.endsWith(' default'),
  configmaps: (line) => line.endsWith(' kube-root-ca.crt'),
  // The kubelet of kubemock's node renews its Lease there.
  'leases.coordination.k8s.io': (line) => line.startsWith('kube-node-lease '),
};

describe('a fresh cluster', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster();
    await cluster.server.controllers.settle();
  });
  after(() => cluster.stop());

  const names = async (resource: string) => {
    const { stdout, stderr, code } = await cluster.kubectl(['get', resource, '--all-namespaces', '--no-headers', '-o', 'custom-columns=NS:.metadata.namespace,NAME:.metadata.name']);
    expect(code, stderr).to.equal(0);
    return stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => line.trim().replace(/\s+/, ' '));
  };

  it('holds the objects kube-apiserver creates for itself', async () => {
    const versions = (await cluster.kubectl(['api-versions'])).stdout.split('\n').filter(Boolean);
    for (const [resource, recordedNames] of sections(recorded)) {
      if (notServedYet.includes(resource)) continue;
      // APIServices follow what is served; the spec of discovery names the group-versions still to come.
      const servedAPIService = (line: string) => {
        const [version, ...group] = line.replace('<none> ', '').split('.');
        return versions.includes(group.join('.') ? `${group.join('.')}/${version}` : version);
      };
      const expected = resource === 'apiservices.apiregistration.k8s.io' ? recordedNames.filter(servedAPIService) : recordedNames;
      let actual = await names(resource);
      const added = addedByControllers[resource];
      if (added) actual = actual.filter((line) => !added(line));
      if (resource === 'leases.coordination.k8s.io') {
        // The identity Lease is named after the host kube-apiserver runs on.
        expect(actual).to.have.length(1);
        expect(actual[0]).to.match(/^kube-system apiserver-[a-z2-7]{26}$/);
        continue;
      }
      expect(actual, resource).to.deep.equal(expected);
    }
  });

  it('does not serve what notServedYet lists (take a resource off once it is served)', async () => {
    const { stdout } = await cluster.kubectl(['api-resources', '--no-headers', '-o', 'name']);
    const served = stdout.split('\n').filter(Boolean);
    expect(notServedYet.filter((r) => served.includes(r))).to.deep.equal([]);
  });

  it('points the kubernetes Service and its endpoints at the port it serves on', async () => {
    const core = cluster.core;
    const port = Number(new URL(cluster.server.url).port);
    const service = await core.readNamespacedService({ name: 'kubernetes', namespace: 'default' });
    expect(service.spec?.ports).to.deep.equal([{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }]);
    expect(service.spec?.clusterIP).to.equal('10.96.0.1');
    const endpoints = await core.readNamespacedEndpoints({ name: 'kubernetes', namespace: 'default' });
    expect(endpoints.metadata?.labels).to.deep.equal({ 'endpointslice.kubernetes.io/skip-mirror': 'true' });
    expect(endpoints.subsets?.[0].ports).to.deep.equal([{ name: 'https', port, protocol: 'TCP' }]);
    const slices = cluster.kubeconfig.makeApiClient(k8s.DiscoveryV1Api);
    const slice = await slices.readNamespacedEndpointSlice({ name: 'kubernetes', namespace: 'default' });
    expect(slice.metadata?.generation).to.equal(1);
    expect(slice.endpoints.map((e) => e.addresses)).to.deep.equal([endpoints.subsets?.[0].addresses?.map((a) => a.ip)]);
  });

  it('publishes the client CA and the legacy token tracking date in kube-system', async () => {
    const auth = await cluster.core.readNamespacedConfigMap({ name: 'extension-apiserver-authentication', namespace: 'kube-system' });
    expect(auth.data).to.deep.equal({ 'client-ca-file': cluster.server.caCert });
    const tracking = await cluster.core.readNamespacedConfigMap({ name: 'kube-apiserver-legacy-service-account-token-tracking', namespace: 'kube-system' });
    expect(tracking.data?.since).to.match(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('comes back on reset, with new uids', async () => {
    const rbac = cluster.kubeconfig.makeApiClient(k8s.RbacAuthorizationV1Api);
    const before = await rbac.readClusterRole({ name: 'view' });
    await rbac.deleteClusterRole({ name: 'view' });
    cluster.server.reset();
    const after = await rbac.readClusterRole({ name: 'view' });
    expect(after.metadata?.uid).to.not.equal(before.metadata?.uid);
    expect(after.rules).to.deep.equal(before.rules);
  });
});
