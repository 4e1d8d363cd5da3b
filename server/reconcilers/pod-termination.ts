// Finishes the graceful deletion of pods bound to a node, as the kubelet does once their containers
// have stopped: kubemock runs no containers, so they stop at once and the pod is removed with a
// zero grace period and a UID precondition.

import { kubeletIdentity, type ControllerDescriptor } from './controller.js';

type PodSpec = { nodeName?: string };

export const podTermination: ControllerDescriptor = {
  name: 'kubelet',
  create(env) {
    return {
      watches: [{ resource: 'pods', map: (event) => (event.type === 'MODIFIED' && event.object.object.metadata.deletionTimestamp ? [event.object.key] : []) }],
      initialKeys: () => env.services.store.list('pods').filter((pod) => pod.object.metadata.deletionTimestamp).map((pod) => pod.key),
      reconcile(key) {
        const [namespace, name] = key.split('/');
        const pod = env.services.store.get('pods', key);
        const nodeName = (pod?.object.spec as PodSpec | undefined)?.nodeName;
        if (!pod?.object.metadata.deletionTimestamp || !nodeName) return;
        env.client(kubeletIdentity(nodeName)).delete('pods', namespace, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.object.metadata.uid } });
      },
    };
  },
};
