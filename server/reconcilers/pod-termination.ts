// Finishes the graceful deletion of pods bound to a node, as the kubelet does once their containers
// have stopped: kubemock runs no containers, so they stop at once and the pod is removed with a
// zero grace period and a UID precondition.

import { StatusError } from '../errors.js';
import type { Services } from '../services.js';
import type { Reconcile } from './controller.js';

export function podTermination(services: Services): Reconcile {
  const pods = services.registry.find('', 'v1', 'pods')!;
  return (key) => {
    const [namespace, name] = key.split('/');
    const pod = services.objects.find(pods, namespace, name);
    if (!pod?.object.metadata.deletionTimestamp || !(pod.object.spec as { nodeName?: string } | undefined)?.nodeName) return;
    try {
      services.objects.delete(pods, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.object.metadata.uid } });
    } catch (err) {
      // Gone or replaced meanwhile: nothing left to finish.
      if (!(err instanceof StatusError && (err.code === 404 || err.code === 409))) throw err;
    }
  };
}
