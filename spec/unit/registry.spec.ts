import { expect } from 'chai';
import { compareKubeAwareVersions } from '../../server/registry/priorities.js';
import { builtinRegistry, Registry } from '../../server/registry/registry.js';
import { define } from '../../server/registry/resources/common.js';
import { canonical, typedObjectMeta } from '../../server/registry/generic-store.js';
import type { KubeObject } from '../../server/store/types.js';

const crd = (group: string, version: string, plural = 'widgets') => define({ group, version, kind: 'Widget', plural, namespaced: true });

describe('Registry', () => {
  it('orders built-in groups as kube-apiserver 1.32 lists them in /apis', () => {
    // The order of the reference cluster's /apis, for the groups this registry serves.
    const reference = [
      'apiregistration.k8s.io', 'apps', 'events.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io', 'autoscaling', 'batch',
      'certificates.k8s.io', 'networking.k8s.io', 'policy', 'rbac.authorization.k8s.io', 'storage.k8s.io', 'admissionregistration.k8s.io',
      'apiextensions.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io', 'node.k8s.io', 'discovery.k8s.io', 'flowcontrol.apiserver.k8s.io',
    ];
    const served = builtinRegistry().legacyGroups().map((g) => g.name).filter((name) => name !== '');
    expect(served).to.deep.equal(reference.filter((name) => served.includes(name)));
    // Aggregated discovery ranks by priority too: the aggregator's group (20001), then the core group (18000).
    expect(builtinRegistry().groups().slice(0, 2).map((g) => g.name)).to.deep.equal(['apiregistration.k8s.io', '']);
  });

  it('puts custom resource groups after the built-in ones and follows add and remove', () => {
    const registry = builtinRegistry();
    let signals = 0;
    const stop = registry.onChange(() => signals++);
    registry.add(crd('aaa.example.com', 'v1'));
    registry.add(crd('zzz.example.com', 'v1'));
    const names = registry.groups().map((g) => g.name);
    expect(names.slice(-2)).to.deep.equal(['aaa.example.com', 'zzz.example.com']);
    expect(registry.find('aaa.example.com', 'v1', 'widgets')?.kind).to.equal('Widget');
    expect(registry.remove('aaa.example.com', 'v1', 'widgets')).to.equal(true);
    expect(registry.remove('aaa.example.com', 'v1', 'widgets')).to.equal(false);
    expect(registry.groups().map((g) => g.name)).not.to.include('aaa.example.com');
    expect(signals).to.equal(3);
    stop();
    registry.add(crd('aaa.example.com', 'v1'));
    expect(signals).to.equal(3);
  });

  it('prefers the highest version by Kubernetes version order when priorities tie', () => {
    const registry = new Registry(['v1alpha1', 'v1beta2', 'v1', 'v2beta1', 'v1beta1', 'zeta'].map((v) => crd('example.com', v)));
    expect(registry.groups()[0].versions.map((v) => v.version)).to.deep.equal(['v1', 'v2beta1', 'v1beta2', 'v1beta1', 'v1alpha1', 'zeta']);
    expect(registry.preferredVersion('example.com')).to.equal('v1');
    expect(compareKubeAwareVersions('v10', 'v2')).to.be.greaterThan(0);
    expect(compareKubeAwareVersions('abc', 'abd')).to.be.greaterThan(0);
  });

  it('breaks group ties by APIService name in legacy discovery and by group name in aggregated discovery', () => {
    // APIServices v1.b.example.com < v1beta1.a.example.com, so legacy /apis lists b first.
    const registry = new Registry([crd('a.example.com', 'v1beta1'), crd('b.example.com', 'v1')]);
    expect(registry.legacyGroups().map((g) => g.name)).to.deep.equal(['b.example.com', 'a.example.com']);
    expect(registry.groups().map((g) => g.name)).to.deep.equal(['a.example.com', 'b.example.com']);
  });

  it('finds the stored definition of a resource served in several versions', () => {
    const registry = new Registry([crd('example.com', 'v1'), crd('example.com', 'v2')]);
    expect(registry.findByResource('example.com/widgets')?.version).to.equal('v2');
  });
});

// canonical keeps a write's metadata when it is in ObjectMeta's order already, and rebuilds it otherwise;
// both must give what rebuilding always gives, whatever the order, unknown fields and undefined values.
describe('canonical', () => {
  it('writes metadata in ObjectMeta order, kept or rebuilt alike (randomized)', () => {
    let seed = 20261203;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const names = ['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields', 'extra', 'zzz', 'constructor'];
    const def = builtinRegistry().findByResource('pods')!;
    let kept = 0;
    for (let i = 0; i < 2000; i++) {
      const picked = names.filter(() => random() < 0.5);
      // Mostly in order, sometimes shuffled.
      if (random() < 0.3) picked.sort(() => random() - 0.5);
      const metadata: Record<string, unknown> = {};
      for (const name of picked) metadata[name] = random() < 0.1 ? undefined : name === 'generation' ? 1 : name === 'labels' ? { a: 'b' } : `v-${name}`;
      const expected = JSON.stringify(typedObjectMeta({ ...metadata }));
      const object = { kind: 'Pod', apiVersion: 'v1', metadata, spec: {} } as KubeObject;
      const written = canonical(def, object);
      if (written.metadata === metadata) kept++;
      expect(JSON.stringify(written.metadata), JSON.stringify(picked)).to.equal(expected);
    }
    expect(kept).to.be.greaterThan(200);
  });
});
