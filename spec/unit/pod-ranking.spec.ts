// The two orders controllers rank pods in (controller.ActivePodsWithRanks for ReplicaSet
// scale-down, controller.ActivePods for Jobs): each case is a pair the Kubernetes comparators
// order one way, checked both ways round.

import { expect } from 'chai';
import { compareActivePods, compareForDeletion } from '../../server/reconcilers/pods.js';
import type { KubeObject } from '../../server/store/types.js';

type Json = Record<string, any>;

const now = Date.parse('2026-01-01T12:00:00Z');
const ago = (seconds: number) => new Date(now - seconds * 1000).toISOString();

function pod(uid: string, options: { node?: string; phase?: string; readySince?: number; restarts?: number; created?: number; cost?: string } = {}): KubeObject {
  const { node = 'n1', phase = 'Running', readySince, restarts = 0, created = 3600, cost } = options;
  const status: Json = { phase, containerStatuses: [{ name: 'c', restartCount: restarts }] };
  status.conditions = [readySince === undefined ? { type: 'Ready', status: 'False' } : { type: 'Ready', status: 'True', lastTransitionTime: ago(readySince) }];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: uid, uid, creationTimestamp: ago(created), ...(cost === undefined ? {} : { annotations: { 'controller.kubernetes.io/pod-deletion-cost': cost } }) },
    spec: { nodeName: node || undefined, containers: [{ name: 'c', image: 'i' }] },
    status,
  } as KubeObject;
}

/** Pairs [first, second]: the first is taken (deleted) before the second. */
const sharedPrefixCases: [string, KubeObject, KubeObject][] = [
  ['an unassigned pod before an assigned one', pod('a', { node: '', phase: 'Pending' }), pod('b', { node: 'n1', phase: 'Pending' })],
  ['a pending pod before an unknown one', pod('a', { phase: 'Pending' }), pod('b', { phase: 'Unknown' })],
  ['an unknown pod before a running one', pod('a', { phase: 'Unknown' }), pod('b', { phase: 'Running' })],
  ['a not-ready pod before a ready one', pod('a', { readySince: undefined }), pod('b', { readySince: 10 })],
  ['unassigned first even when it is ready and the other is pending', pod('a', { node: '', readySince: 5 }), pod('b', { phase: 'Pending' })],
  ['pending first even when it is ready and the other is not', pod('a', { phase: 'Pending', readySince: 5 }), pod('b', { phase: 'Running' })],
];

describe('pod rankings', () => {
  const ranked = (p: KubeObject, rank = 1) => ({ pod: p, rank });
  const deletion = (a: KubeObject, b: KubeObject) => compareForDeletion(ranked(a), ranked(b), now);

  for (const [what, first, second] of sharedPrefixCases) {
    it(`put ${what}, in both orders`, () => {
      expect(deletion(first, second)).to.be.below(0);
      expect(deletion(second, first)).to.be.above(0);
      expect(compareActivePods(first, second)).to.be.below(0);
      expect(compareActivePods(second, first)).to.be.above(0);
    });
  }

  it('go on to deletion cost, co-location, ready time, restarts and age for scale-down', () => {
    expect(deletion(pod('a', { cost: '-5' }), pod('b', { cost: '7' }))).to.be.below(0);
    expect(compareForDeletion(ranked(pod('a'), 3), ranked(pod('b'), 1), now)).to.be.below(0);
    expect(deletion(pod('a', { readySince: 10 }), pod('b', { readySince: 5000 }))).to.be.below(0);
    expect(deletion(pod('a', { restarts: 4 }), pod('b', { restarts: 1 }))).to.be.below(0);
    expect(deletion(pod('a', { created: 10 }), pod('b', { created: 5000 }))).to.be.below(0);
    // Within one power of two of age, the UID decides.
    expect(deletion(pod('a', { readySince: 100 }), pod('b', { readySince: 110 }))).to.be.below(0);
    expect(deletion(pod('b', { readySince: 100 }), pod('a', { readySince: 110 }))).to.be.above(0);
    expect(deletion(pod('a'), pod('b'))).to.equal(0);
  });

  it('go on to exact ready time, restarts and age for Jobs, ignoring deletion cost', () => {
    expect(compareActivePods(pod('a', { cost: '7', readySince: 100 }), pod('b', { cost: '-5', readySince: 110 }))).to.be.below(0);
    expect(compareActivePods(pod('a', { restarts: 4 }), pod('b', { restarts: 1 }))).to.be.below(0);
    expect(compareActivePods(pod('a', { created: 100 }), pod('b', { created: 110 }))).to.be.below(0);
    expect(compareActivePods(pod('a'), pod('b'))).to.equal(0);
  });
});
