// Plays scheduler and kubelet for specs of the workload controllers: binds each new pod to a node
// and reports it Running and Ready (or only Running, for pods a spec wants kept unready), writing
// through the generic store under the identities the real components use.

import { timestamp } from '../../server/clock.js';
import type { KubeObject } from '../../server/store/types.js';
import type { RunningServer } from '../../testkit/index.js';

type Json = Record<string, any>;

export interface PodRunnerOptions {
  /** Node names pods are bound to, round-robin. */
  nodes?: string[];
  /** Whether a pod turns Ready (default: every pod). */
  ready?: (pod: Json) => boolean;
}

export interface PodRunner {
  stop(): void;
  /** Resolves once the controllers are settled and no pod waits to be run. */
  settle(): Promise<void>;
}

/** Starts running pods. */
export function runPods(server: RunningServer, options: PodRunnerOptions = {}): PodRunner {
  const { store, objects, registry, clock } = server.services;
  const pods = registry.findByResource('pods')!;
  const nodes = options.nodes ?? ['node-1'];
  let next = 0;
  const seen = new Set<string>();
  const run = (key: string) => {
    const pod = store.get('pods', key);
    if (!pod || pod.object.metadata.deletionTimestamp) return;
    let nodeName = (pod.object.spec as Json).nodeName;
    if (!nodeName) {
      nodeName = nodes[next++ % nodes.length];
      objects.createSubresource(pods, pod.namespace, pod.name, 'binding', { target: { kind: 'Node', name: nodeName } }, {
        user: { username: 'system:kube-scheduler', uid: '', groups: ['system:authenticated'] },
        fieldManager: 'kube-scheduler',
      });
    }
    const bound = store.get('pods', key)!;
    const copy: KubeObject & Json = JSON.parse(bound.json);
    const now = timestamp(clock.now());
    const ready = (options.ready ?? (() => true))(copy as never) ? 'True' : 'False';
    const kept = (copy.status.conditions ?? []).filter((c: Json) => c.type === 'PodScheduled');
    copy.status = {
      ...copy.status,
      phase: 'Running',
      conditions: [
        { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: now },
        { type: 'Ready', status: ready, lastProbeTime: null, lastTransitionTime: now },
        { type: 'ContainersReady', status: ready, lastProbeTime: null, lastTransitionTime: now },
        ...kept,
      ],
      hostIP: '10.0.0.1',
      podIP: `10.244.0.${(next % 250) + 2}`,
      startTime: now,
    };
    objects.replace(pods, bound, copy, { subresource: 'status', fieldManager: 'kubelet', user: { username: `system:node:${nodeName}`, uid: '', groups: ['system:nodes'] } });
  };
  let pending = 0;
  const stop = store.subscribe((event) => {
    if (event.resource !== 'pods' || event.type !== 'ADDED' || seen.has(event.object.key)) return;
    seen.add(event.object.key);
    pending++;
    setImmediate(() => {
      pending--;
      run(event.object.key);
    });
  });
  return {
    stop,
    async settle() {
      for (;;) {
        await server.controllers.settle();
        await new Promise((resolve) => setImmediate(resolve));
        if (pending === 0 && server.controllers.settled()) return;
      }
    },
  };
}
