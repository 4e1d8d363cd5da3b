// Serves CustomResourceDefinitions, as apiextensions-apiserver's naming, establishing and finalizer
// controllers do: accepts their names (NamesAccepted), registers one definition per served version
// and marks them Established in the same step; on deletion it deletes every custom resource, then
// lets the definition go and takes its routes, discovery entries and open watches away.

import { jsonEqual } from '../json.js';
import { acceptNames, cleanupFinalizer, condition, isEstablished, setCondition } from '../crd/definition.js';
import { customResourceDefinitions } from '../crd/custom-resources.js';
import type { CustomResourceDefinition } from '../crd/types.js';
import { resourceKey, type ResourceDefinition } from '../registry/types.js';
import type { StoredObject } from '../store/memory-store.js';
import type { ControllerDescriptor, Identity } from './controller.js';

const crdResource = 'apiextensions.k8s.io/customresourcedefinitions';
/** How often a definition whose resources are still going is looked at again. */
const recheckMs = 100;

const apiServerIdentity: Identity = {
  user: { username: 'system:apiserver', uid: '', groups: ['system:authenticated', 'system:masters'] },
  fieldManager: 'kube-apiserver',
};

export const customResourceDefinitionController: ControllerDescriptor = {
  name: 'customresourcedefinitions',
  aliases: ['crd'],
  create(env) {
    const { services } = env;
    const client = env.client(apiServerIdentity);
    const registered = new Map<string, ResourceDefinition[]>();
    /** What each definition was registered from (generation and accepted names): one definition's change re-reconciles all of them. */
    const registeredFrom = new Map<string, string>();
    // Definitions left from a store that was cleared are served no more.
    for (const def of services.registry.all()) if (def.customResource) services.registry.remove(def.group, def.version, def.plural);

    const register = (name: string, crd: CustomResourceDefinition) => {
      const basis = `${crd.metadata.generation}/${JSON.stringify(crd.status?.acceptedNames)}`;
      if (registeredFrom.get(name) === basis) return;
      const defs = customResourceDefinitions(crd);
      for (const old of registered.get(name) ?? []) if (!defs.some((d) => d.version === old.version && d.plural === old.plural)) services.registry.remove(old.group, old.version, old.plural);
      for (const def of defs) services.registry.add(def);
      registered.set(name, defs);
      registeredFrom.set(name, basis);
    };

    const unregister = (name: string) => {
      const defs = registered.get(name);
      if (!defs) return;
      registered.delete(name);
      registeredFrom.delete(name);
      for (const def of defs) services.registry.remove(def.group, def.version, def.plural);
      for (const key of new Set(defs.map((d) => resourceKey(d)))) services.watches.closeResource(key);
    };

    const writeStatus = (stored: StoredObject, next: CustomResourceDefinition) => {
      if (!jsonEqual(next.status, stored.object.status)) client.updateStatus(stored, (object) => (object.status = next.status));
    };

    /** Deletes every custom resource, waits for them to go, then removes the cleanup finalizer. */
    const finalize = (stored: StoredObject, crd: CustomResourceDefinition) => {
      if (!(crd.metadata.finalizers ?? []).includes(cleanupFinalizer)) return undefined;
      const now = services.clock.now();
      const storage = registered.get(crd.metadata.name!)?.find((d) => !d.storedAs);
      if (storage) {
        const progressing: CustomResourceDefinition = structuredClone(crd);
        setCondition(progressing, { type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' }, now);
        writeStatus(stored, progressing);
        const resource = resourceKey(storage);
        const items = client.list(resource);
        for (const item of items) if (!item.object.metadata.deletionTimestamp) client.delete(resource, item.namespace, item.name);
        if (client.list(resource).length > 0) return { requeueAfterMs: recheckMs };
      }
      const current = client.get(crdResource, '', crd.metadata.name!);
      if (!current) return undefined;
      const completed: CustomResourceDefinition = structuredClone(current.object as CustomResourceDefinition);
      setCondition(completed, { type: 'Terminating', status: 'False', reason: 'InstanceDeletionCompleted', message: 'removed all instances' }, now);
      writeStatus(current, completed);
      const latest = client.get(crdResource, '', crd.metadata.name!);
      if (latest) client.update(latest, (object) => (object.metadata.finalizers = (object.metadata.finalizers ?? []).filter((f) => f !== cleanupFinalizer)));
      return undefined;
    };

    return {
      for: crdResource,
      watches: [
        // Names one definition frees or takes change what the others of its group may accept.
        { resource: crdResource, map: (event) => (event.type === 'MODIFIED' ? [] : client.list(crdResource).map((s) => s.name)) },
        // Resources leaving a terminating definition let its deletion move on.
        {
          resource: '*',
          map: (event) => {
            if (event.type !== 'DELETED' || !event.resource.includes('/')) return [];
            const [group, plural] = event.resource.split('/');
            return registered.has(`${plural}.${group}`) ? [`${plural}.${group}`] : [];
          },
        },
      ],
      reconcile(name) {
        const stored = client.get(crdResource, '', name);
        if (!stored) {
          unregister(name);
          return undefined;
        }
        const crd = stored.object as CustomResourceDefinition;
        if (crd.metadata.deletionTimestamp) return finalize(stored, crd);
        const others = client.list(crdResource).map((s) => s.object as CustomResourceDefinition);
        const { accepted, namesAccepted } = acceptNames(crd, others);
        const next: CustomResourceDefinition = structuredClone(crd);
        const now = services.clock.now();
        next.status = { ...next.status, acceptedNames: accepted };
        setCondition(next, namesAccepted, now);
        if (namesAccepted.status === 'True') {
          setCondition(next, { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }, now);
        } else if (!condition(next, 'Established')) {
          setCondition(next, { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' }, now);
        }
        // Serve first, so that a client seeing Established finds the resource.
        if (isEstablished(next)) register(name, next);
        writeStatus(stored, next);
        return undefined;
      },
    };
  },
};
