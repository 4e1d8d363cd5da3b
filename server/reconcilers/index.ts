// The controllers kubemock runs, and how they start: the chosen ones, on one runner.

import type { Services } from '../services.js';
import type { ControllerDescriptor } from './controller.js';
import { customResourceDefinitionController } from './custom-resource-definitions.js';
import { namespaceController } from './namespace-deletion.js';
import { rootCACertificatePublisher, serviceAccountController } from './namespace-defaults.js';
import { podTermination } from './pod-termination.js';
import { clusterRoleAggregationController } from './clusterrole-aggregation.js';
import { flowSchemaStatusController } from './flowschema-status.js';
import { ControllerRunner } from './runner.js';
import { selectControllers, type ControllerSelection } from './selection.js';

/** Every controller, in the order their work is taken round-robin. */
export const controllerCatalog: ControllerDescriptor[] = [
  customResourceDefinitionController,
  serviceAccountController,
  rootCACertificatePublisher,
  namespaceController,
  podTermination,
  clusterRoleAggregationController,
  flowSchemaStatusController,
];

export interface ReconcilerOptions {
  controllers?: ControllerSelection;
  caCert: string;
  reportError: (err: unknown) => void;
}

export function startReconcilers(services: Services, options: ReconcilerOptions): ControllerRunner {
  const runner = new ControllerRunner(services, selectControllers(controllerCatalog, options.controllers), options.caCert, options.reportError);
  runner.start();
  return runner;
}
