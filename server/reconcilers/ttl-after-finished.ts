// The TTL-after-finished controller (pkg/controller/ttlafterfinished): a finished Job with
// ttlSecondsAfterFinished is deleted, with Foreground propagation, that many seconds of the clock
// after its Complete or Failed condition turned True.

import { controllerManagerIdentity, type ControllerDescriptor } from './controller.js';
import { jobFinished, jobs } from './job.js';

export const ttlAfterFinishedController: ControllerDescriptor = {
  name: 'ttl-after-finished-controller',
  aliases: ['ttl-after-finished'],
  create(env) {
    const client = env.client(controllerManagerIdentity('ttl-after-finished-controller'));
    return {
      for: jobs,
      reconcile(key) {
        const [namespace, name] = key.split('/');
        const job = client.get(jobs, namespace, name);
        if (!job || job.object.metadata.deletionTimestamp) return undefined;
        const ttl = (job.object.spec as { ttlSecondsAfterFinished?: number } | undefined)?.ttlSecondsAfterFinished;
        const finished = jobFinished(job.object);
        if (ttl === undefined || ttl === null || !finished) return undefined;
        const left = Date.parse(finished.at) + ttl * 1000 - env.services.clock.now().getTime();
        if (left > 0) return { requeueAfterMs: left };
        client.delete(jobs, namespace, name, { propagationPolicy: 'Foreground', preconditions: { uid: job.object.metadata.uid } });
        return undefined;
      },
    };
  },
};
