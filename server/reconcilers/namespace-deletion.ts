// Finishes namespace deletion, as kube-controller-manager's namespace controller does: deletes
// everything in a terminating namespace (every namespaced kind the registry serves, custom ones
// included), reports how it goes in the NamespaceDeletion*/NamespaceContentRemaining/
// NamespaceFinalizersRemaining conditions, and once nothing is left clears spec.finalizers through
// /finalize so the namespace itself goes.

import { timestamp } from '../clock.js';
import { StatusError } from '../errors.js';
import { resourceKey } from '../registry/types.js';
import { controllerManagerIdentity, type ControllerDescriptor } from './controller.js';

type Json = Record<string, any>;

/** How long to wait when only finalizers hold content (finalizerEstimateSeconds). */
const finalizerEstimateMs = 15_000;

const conditionTypes = [
  'NamespaceDeletionDiscoveryFailure',
  'NamespaceDeletionGroupVersionParsingFailure',
  'NamespaceDeletionContentFailure',
  'NamespaceContentRemaining',
  'NamespaceFinalizersRemaining',
] as const;

/** The "all is well" form of each condition. */
const succeeded: Record<(typeof conditionTypes)[number], [reason: string, message: string]> = {
  NamespaceDeletionDiscoveryFailure: ['ResourcesDiscovered', 'All resources successfully discovered'],
  NamespaceDeletionGroupVersionParsingFailure: ['ParsedGroupVersions', 'All legacy kube types successfully parsed'],
  NamespaceDeletionContentFailure: ['ContentDeleted', 'All content successfully deleted, may be waiting on finalization'],
  NamespaceContentRemaining: ['ContentRemoved', 'All content successfully removed'],
  NamespaceFinalizersRemaining: ['ContentHasNoFinalizers', 'All content-preserving finalizers finished'],
};

export const namespaceController: ControllerDescriptor = {
  name: 'namespace-controller',
  aliases: ['namespace'],
  create(env) {
    const { services } = env;
    const clock = services.clock;
    const client = env.client(controllerManagerIdentity('namespace-controller'));

    /** Writes the conditions when they differ; a transition moves lastTransitionTime. */
    const updateConditions = (name: string, failures: Partial<Record<(typeof conditionTypes)[number], [string, string]>>) => {
      const ns = client.get('namespaces', '', name);
      if (!ns) return;
      const old: Json[] = (ns.object.status as Json | undefined)?.conditions ?? [];
      const now = timestamp(clock.now());
      let changed = false;
      const next = old.map((c) => ({ ...c }));
      for (const type of conditionTypes) {
        const failure = failures[type];
        const [reason, message] = failure ?? succeeded[type];
        const status = failure ? 'True' : 'False';
        const current = next.find((c) => c.type === type);
        if (!current) {
          next.push({ type, status, lastTransitionTime: now, reason, message });
          changed = true;
        } else if (current.status !== status || current.reason !== reason || current.message !== message) {
          if (current.status !== status) current.lastTransitionTime = now;
          Object.assign(current, { status, reason, message });
          changed = true;
        }
      }
      if (changed) client.updateStatus(ns, (n) => ((n.status as Json).conditions = next));
    };

    return {
      for: 'namespaces',
      // Content leaving a terminating namespace lets its deletion move on.
      watches: [{ resource: '*', map: (event) => (event.type === 'DELETED' && event.object.namespace ? [event.object.namespace] : []) }],
      reconcile(name) {
        const ns = client.get('namespaces', '', name);
        if (!ns?.object.metadata.deletionTimestamp) return undefined;
        if (!((ns.object.spec as Json | undefined)?.finalizers ?? []).includes('kubernetes')) return undefined;
        const resources = new Map<string, string>();
        for (const def of services.registry.all()) {
          if (def.namespaced && def.verbs.includes('delete') && !def.storedAs) resources.set(resourceKey(def), `${def.plural}.${def.group}`);
        }
        const remaining = new Map<string, number>();
        const finalizers = new Map<string, number>();
        const errors: string[] = [];
        let estimateMs = 0;
        const now = clock.now().getTime();
        for (const [resource, label] of resources) {
          for (const item of client.list(resource, name)) {
            if (!item.object.metadata.deletionTimestamp) {
              try {
                client.delete(resource, name, item.name, { propagationPolicy: 'Background' });
              } catch (err) {
                if (!(err instanceof StatusError)) throw err;
                if (err.code !== 404) errors.push(err.message);
              }
            }
          }
          const left = client.list(resource, name);
          if (!left.length) continue;
          remaining.set(label, left.length);
          for (const item of left) {
            const meta = item.object.metadata;
            for (const f of meta.finalizers ?? []) finalizers.set(f, (finalizers.get(f) ?? 0) + 1);
            // Graceful deletions (pods) end at their deletionTimestamp; finalizers get the usual estimate.
            const until = meta.deletionTimestamp ? Date.parse(meta.deletionTimestamp) - now : 0;
            estimateMs = Math.max(estimateMs, until > 0 ? until : meta.finalizers?.length ? finalizerEstimateMs : 0);
          }
        }
        const failures: Partial<Record<(typeof conditionTypes)[number], [string, string]>> = {};
        if (errors.length) failures.NamespaceDeletionContentFailure = ['ContentDeletionFailed', `Failed to delete all resource types, ${errors.length} remaining: ${errors.sort().join(', ')}`];
        if (remaining.size) {
          const parts = [...remaining].map(([label, n]) => `${label} has ${n} resource instances`).sort();
          failures.NamespaceContentRemaining = ['SomeResourcesRemain', `Some resources are remaining: ${parts.join(', ')}`];
        }
        if (finalizers.size) {
          const parts = [...finalizers].map(([f, n]) => `${f} in ${n} resource instances`).sort();
          failures.NamespaceFinalizersRemaining = ['SomeFinalizersRemain', `Some content in the namespace has finalizers remaining: ${parts.join(', ')}`];
        }
        updateConditions(name, failures);
        if (remaining.size || errors.length) return { requeueAfterMs: Math.max(estimateMs, 1000) };
        const current = client.get('namespaces', '', name)!;
        client.update(current, (finalized) => {
          const spec = (finalized.spec ?? {}) as Json;
          finalized.spec = { ...spec, finalizers: (spec.finalizers ?? []).filter((f: string) => f !== 'kubernetes') };
        }, 'finalize');
        return undefined;
      },
    };
  },
};
