// kube-controller-manager's garbage collector, for every kind the registry serves (custom ones too):
// dependents whose owners are gone, or never existed, are deleted; an owner deleted in the
// foreground (foregroundDeletion finalizer) goes once its blocking dependents are gone; an owner
// deleted with orphaning (orphan finalizer) first has its references taken off its dependents.

import type { DeleteOptions } from '../registry/generic-store.js';
import { resourceKey, type ResourceDefinition } from '../registry/types.js';
import type { StoredObject, StoreEvent } from '../store/memory-store.js';
import { controllerManagerIdentity, type ControllerDescriptor } from './controller.js';
import { ownerReferences, type OwnerReference } from './owner-index.js';

const orphanFinalizer = 'orphan';
const foregroundFinalizer = 'foregroundDeletion';

const itemKey = (resource: string, key: string) => `${resource}\t${key}`;

function finalizing(stored: StoredObject, finalizer: string): boolean {
  // Asking the serialization first spares parsing every object when the collector lists them all.
  if (!stored.json.includes('"deletionTimestamp"')) return false;
  return stored.object.metadata.deletionTimestamp !== undefined && (stored.object.metadata.finalizers ?? []).includes(finalizer);
}

/** Whether a deleted object waits for the collector (orphaning or foreground deletion), with one look at its serialization. */
function heldForCollector(stored: StoredObject): boolean {
  if (!stored.json.includes('"deletionTimestamp"')) return false;
  const { deletionTimestamp, finalizers = [] } = stored.object.metadata;
  return deletionTimestamp !== undefined && (finalizers.includes(orphanFinalizer) || finalizers.includes(foregroundFinalizer));
}

export const garbageCollector: ControllerDescriptor = {
  name: 'garbage-collector-controller',
  aliases: ['garbagecollector'],
  create(env) {
    const { services, owners } = env;
    const client = env.client(controllerManagerIdentity('generic-garbage-collector'));

    /** group/kind → the served definition, rebuilt when the registry changes (custom resources come and go). */
    let kinds = new Map<string, ResourceDefinition>();
    let kindsRevision = -1;
    const definitionOf = (ref: OwnerReference): ResourceDefinition | undefined => {
      if (kindsRevision !== services.registry.revision) {
        kinds = new Map();
        for (const def of services.registry.all()) {
          if (def.storedAs) continue;
          const id = `${def.group}/${def.kind}`;
          if (!kinds.has(id)) kinds.set(id, def);
        }
        kindsRevision = services.registry.revision;
      }
      const group = ref.apiVersion?.includes('/') ? ref.apiVersion.split('/')[0] : '';
      return kinds.get(`${group}/${ref.kind}`);
    };

    /** Where an owner reference points: its store resource and key, or undefined for a kind nobody serves. */
    const ownerLocation = (dependent: StoredObject, ref: OwnerReference) => {
      const def = definitionOf(ref);
      if (!def) return undefined;
      const namespace = def.namespaced ? dependent.namespace : '';
      return { def, resource: resourceKey(def), key: namespace ? `${namespace}/${ref.name}` : ref.name, invalid: def.namespaced && !dependent.namespace };
    };

    const dependentsOf = (stored: StoredObject): StoredObject[] =>
      owners
        .dependents(stored.object.metadata.uid ?? '')
        .map((d) => services.store.get(d.resource, d.key))
        .filter((d): d is StoredObject => d !== undefined);

    const removeOwners = (stored: StoredObject, uids: string[]) =>
      client.update(stored, (o) => {
        const kept = ownerReferences(stored).filter((r) => !uids.includes(r.uid));
        if (kept.length) o.metadata.ownerReferences = kept as unknown as Array<Record<string, unknown>>;
        else delete o.metadata.ownerReferences;
      });

    const removeFinalizer = (stored: StoredObject, finalizer: string) =>
      client.update(stored, (o) => {
        o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== finalizer);
      });

    const deleteItem = (stored: StoredObject, propagationPolicy: DeleteOptions['propagationPolicy']) =>
      client.delete(stored.resource, stored.namespace, stored.name, { propagationPolicy, preconditions: { uid: stored.object.metadata.uid } });

    /** attemptToDeleteItem: a dependent whose owners are all gone or going in the foreground is deleted. */
    const attemptToDelete = (item: StoredObject) => {
      if (item.object.metadata.deletionTimestamp && !finalizing(item, foregroundFinalizer)) return;
      const solid: string[] = [];
      const dangling: string[] = [];
      const waiting: string[] = [];
      for (const ref of ownerReferences(item)) {
        const where = ownerLocation(item, ref);
        // An owner of a kind nobody serves cannot be checked: leave the dependent alone.
        if (!where) {
          solid.push(ref.uid);
          continue;
        }
        const owner = where.invalid ? undefined : services.store.get(where.resource, where.key);
        if (!owner || owner.object.metadata.uid !== ref.uid) dangling.push(ref.uid);
        else if (finalizing(owner, foregroundFinalizer)) waiting.push(ref.uid);
        else solid.push(ref.uid);
      }
      if (solid.length) {
        if (dangling.length || waiting.length) removeOwners(item, [...dangling, ...waiting]);
        return;
      }
      if (waiting.length && dependentsOf(item).length) {
        deleteItem(item, 'Foreground');
        return;
      }
      const finalizers = item.object.metadata.finalizers ?? [];
      deleteItem(item, finalizers.includes(orphanFinalizer) ? 'Orphan' : finalizers.includes(foregroundFinalizer) ? 'Foreground' : 'Background');
    };

    return {
      watches: [
        {
          resource: '*',
          map(event: StoreEvent) {
            const keys: string[] = [];
            const stored = event.object;
            if (event.type === 'DELETED') {
              // Its dependents lost an owner; an owner waiting on it may be done.
              for (const d of owners.dependents(stored.object.metadata.uid ?? '')) keys.push(itemKey(d.resource, d.key));
              for (const ref of ownerReferences(stored)) {
                const where = ownerLocation(stored, ref);
                if (where) keys.push(itemKey(where.resource, where.key));
              }
              return keys;
            }
            if (ownerReferences(stored).length && (event.type === 'ADDED' || owners.referencesChanged(event))) keys.push(itemKey(stored.resource, stored.key));
            if (heldForCollector(stored)) keys.push(itemKey(stored.resource, stored.key));
            return keys;
          },
        },
      ],
      initialKeys: function* () {
        for (const resource of services.store.resources()) {
          for (const stored of services.store.list(resource)) {
            if (ownerReferences(stored).length || heldForCollector(stored)) yield itemKey(resource, stored.key);
          }
        }
      },
      reconcile(key) {
        const [resource, storeKey] = key.split('\t');
        const stored = services.store.get(resource, storeKey);
        if (!stored) return;
        if (finalizing(stored, orphanFinalizer)) {
          const uid = stored.object.metadata.uid ?? '';
          for (const dependent of dependentsOf(stored)) removeOwners(dependent, [uid]);
          removeFinalizer(services.store.get(resource, storeKey)!, orphanFinalizer);
          return;
        }
        if (finalizing(stored, foregroundFinalizer)) {
          const uid = stored.object.metadata.uid ?? '';
          const dependents = dependentsOf(stored);
          const blocking = dependents.filter((d) => ownerReferences(d).some((r) => r.uid === uid && r.blockOwnerDeletion === true));
          if (!blocking.length) {
            removeFinalizer(stored, foregroundFinalizer);
            return;
          }
          for (const dependent of dependents) attemptToDelete(dependent);
          return;
        }
        if (ownerReferences(stored).length) attemptToDelete(stored);
      },
    };
  },
};
