// The resource quota controller (pkg/controller/resourcequota with the evaluators of pkg/quota/v1):
// each ResourceQuota's status.hard is its spec.hard and status.used what the namespace holds of
// each resource it limits, summed by the quota evaluators (server/quota) over the objects within
// the quota's scopes and scope selector. Any change in a namespace recounts its quotas.

import { evaluatorFor, ignored, inScopes, quotaScopes, zero, type Evaluator, type ResourceList } from '../quota/evaluators.js';
import type { StoreEvent, StoredObject } from '../store/memory-store.js';
import { controllerManagerIdentity, type ControllerDescriptor } from './controller.js';

type Json = Record<string, any>;

const quotas = 'resourcequotas';

export const resourceQuotaController: ControllerDescriptor = {
  name: 'resourcequota-controller',
  aliases: ['resourcequota'],
  create(env) {
    const { clock, registry } = env.services;
    const client = env.client(controllerManagerIdentity('resourcequota-controller'));

    /** The evaluators for what the registry serves now, one per namespaced resource. */
    const evaluators = (): Evaluator[] => {
      const out = new Map<string, Evaluator>();
      for (const def of registry.all()) {
        const evaluator = evaluatorFor(def);
        if (evaluator && !out.has(evaluator.resource)) out.set(evaluator.resource, evaluator);
      }
      return [...out.values()];
    };

    /** Recounts the namespace's quotas that limit something of the changed resource (replenishment). */
    const onAnything = (event: StoreEvent): string[] => {
      const namespace = event.object.namespace;
      // A quota's own status writes change no count; events are not counted at all.
      if (!namespace || ignored.has(event.resource) || (event.resource === quotas && event.type === 'MODIFIED')) return [];
      // Asked about every write of the cluster (a thousand Lease renewals each 10 s): most clusters hold no quota.
      if (env.services.store.list(quotas).length === 0) return [];
      return client.list(quotas, namespace).map((q) => q.key);
    };

    return {
      for: quotas,
      watches: [{ resource: '*', map: onAnything }],
      reconcile(key) {
        const [namespace, name] = key.split('/');
        const stored: StoredObject | undefined = client.get(quotas, namespace, name);
        if (!stored) return undefined;
        const quota = stored.object;
        const spec = (quota.spec ?? {}) as Json;
        const status = (quota.status ?? {}) as Json;
        const hardNames = Object.keys(spec.hard ?? {});
        const at = clock.now().getTime();
        const scopes = quotaScopes(spec);
        const used: Record<string, string> = {};
        for (const [resourceName, value] of Object.entries(status.used ?? {})) if (hardNames.includes(resourceName)) used[resourceName] = value as string;
        let recountAt: number | undefined;
        for (const evaluator of evaluators()) {
          const names = hardNames.filter((n) => evaluator.matches(n));
          if (names.length === 0) continue;
          const sums: ResourceList = new Map(names.map((n) => [n, zero()]));
          for (const object of client.list(evaluator.resource, namespace)) {
            if (!inScopes(evaluator, scopes, object.object)) continue;
            const usage = evaluator.usage(object.object, at);
            for (const n of names) if (usage.has(n)) sums.set(n, sums.get(n)!.add(usage.get(n)!));
            // A pod stops counting once its deletion grace period is over, with no event to say so.
            const { deletionTimestamp, deletionGracePeriodSeconds } = object.object.metadata;
            if (evaluator.resource === 'pods' && deletionTimestamp && typeof deletionGracePeriodSeconds === 'number') {
              const ends = Date.parse(deletionTimestamp) + deletionGracePeriodSeconds * 1000;
              if (ends >= at) recountAt = Math.min(recountAt ?? ends + 1, ends + 1);
            }
          }
          for (const [n, sum] of sums) used[n] = sum.toString();
        }
        const sorted = (list: Record<string, unknown>) => Object.fromEntries(Object.keys(list).sort().map((k) => [k, list[k]]));
        const hard = sorted(Object.fromEntries(hardNames.map((n) => [n, spec.hard[n]])));
        // Empty lists are left out, as Go's omitempty leaves them.
        const present = (list: Record<string, unknown> | undefined) => (list && Object.keys(list).length ? sorted(list) : undefined);
        const next = { hard: present(hard), used: present(used) };
        if (JSON.stringify(next) !== JSON.stringify({ hard: present(status.hard), used: present(status.used) })) {
          client.updateStatus(stored, (q) => (q.status = next));
        }
        return recountAt === undefined ? undefined : { requeueAfterMs: recountAt - at };
      },
    };
  },
};
