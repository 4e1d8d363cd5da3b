// Starts the in-process controllers and feeds them from store events.

import type { Services } from '../services.js';
import { Controller } from './controller.js';
import { namespaceDeletion } from './namespace-deletion.js';
import { podTermination } from './pod-termination.js';
import { namespaceDefaults } from './service-accounts.js';

export interface Reconcilers {
  stop(): void;
}

export function startReconcilers(services: Services, caCert: string, reportError: (err: unknown) => void): Reconcilers {
  const defaults = new Controller('serviceaccount', services.clock, namespaceDefaults(services, caCert), reportError);
  const deletion = new Controller('namespace', services.clock, namespaceDeletion(services), reportError);
  const termination = new Controller('pod-termination', services.clock, podTermination(services), reportError);
  const unsubscribe = services.store.subscribe((event) => {
    if (event.resource === 'namespaces') {
      defaults.enqueue(event.object.name);
      deletion.enqueue(event.object.name);
      return;
    }
    if (event.resource === 'serviceaccounts' || event.resource === 'configmaps') defaults.enqueue(event.object.namespace);
    if (event.resource === 'pods' && event.type === 'MODIFIED') termination.enqueue(event.object.key);
    // Content leaving a terminating namespace lets its deletion move on.
    if (event.type === 'DELETED' && event.object.namespace) deletion.enqueue(event.object.namespace);
  });
  for (const ns of services.store.list('namespaces')) {
    defaults.enqueue(ns.name);
    deletion.enqueue(ns.name);
  }
  return {
    stop() {
      unsubscribe();
      defaults.stop();
      deletion.stop();
      termination.stop();
    },
  };
}
