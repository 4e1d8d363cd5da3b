// The controllers kubemock runs, and how they start: the chosen ones, on one runner.

import type { Services } from '../services.js';
import type { ClusterCA, ControllerDescriptor } from './controller.js';
import { customResourceDefinitionController } from './custom-resource-definitions.js';
import { csrApprovingController } from './csr-approving.js';
import { csrCleanerController } from './csr-cleaner.js';
import { csrSigningController } from './csr-signing.js';
import { eventTTL } from './event-ttl.js';
import { garbageCollector } from './garbage-collector.js';
import { kubelet } from './kubelet.js';
import { namespaceController } from './namespace-deletion.js';
import { rootCACertificatePublisher, serviceAccountController } from './namespace-defaults.js';
import { nodeIpamController, nodeLifecycleController, taintEvictionController, ttlController } from './node-lifecycle.js';
import { podGarbageCollector } from './pod-gc.js';
import { daemonSetController } from './daemonset.js';
import { deploymentController } from './deployment.js';
import { disruptionController } from './disruption.js';
import { cronJobController } from './cronjob.js';
import { jobController } from './job.js';
import { endpointSliceController, endpointsController } from './endpoints.js';
import { ingressAddressController, serviceLoadBalancerController } from './load-balancers.js';
import { clusterRoleAggregationController } from './clusterrole-aggregation.js';
import { flowControlBootstrapController } from './flowcontrol-bootstrap.js';
import { flowSchemaStatusController } from './flowschema-status.js';
import { apiServiceAvailabilityController, apiServiceRegistrationController } from './apiservices.js';
import { validatingAdmissionPolicyStatusController } from './admission-policy-status.js';
import { replicaSetController, replicationControllerController } from './replicaset.js';
import { resourceQuotaController } from './resourcequota.js';
import { statefulSetController } from './statefulset.js';
import { pvcProtectionController, pvProtectionController } from './storage-protection.js';
import { persistentVolumeBinderController } from './volume-binder.js';
import { persistentVolumeExpanderController } from './volume-expander.js';
import { ephemeralVolumeController } from './ephemeral-volumes.js';
import { storageProvisioner } from './storage-provisioner.js';
import { ttlAfterFinishedController } from './ttl-after-finished.js';
import { ControllerRunner } from './runner.js';
import { scheduler } from './scheduler/scheduler.js';
import { selectControllers, type ControllerSelection } from './selection.js';
import type { World } from './world.js';

/** Every controller, in the order their work is taken round-robin. */
export const controllerCatalog: ControllerDescriptor[] = [
  customResourceDefinitionController,
  serviceAccountController,
  rootCACertificatePublisher,
  namespaceController,
  garbageCollector,
  clusterRoleAggregationController,
  flowControlBootstrapController,
  flowSchemaStatusController,
  nodeIpamController,
  ttlController,
  nodeLifecycleController,
  taintEvictionController,
  podGarbageCollector,
  scheduler,
  kubelet,
  apiServiceRegistrationController,
  apiServiceAvailabilityController,
  deploymentController,
  replicaSetController,
  replicationControllerController,
  statefulSetController,
  daemonSetController,
  jobController,
  cronJobController,
  ttlAfterFinishedController,
  disruptionController,
  resourceQuotaController,
  csrApprovingController,
  csrSigningController,
  csrCleanerController,
  persistentVolumeBinderController,
  persistentVolumeExpanderController,
  ephemeralVolumeController,
  storageProvisioner,
  pvcProtectionController,
  pvProtectionController,
  validatingAdmissionPolicyStatusController,
  endpointsController,
  endpointSliceController,
  serviceLoadBalancerController,
  ingressAddressController,
  eventTTL,
];

export interface ReconcilerOptions {
  controllers?: ControllerSelection;
  /** The cluster CA (absent when serving plain HTTP). */
  ca?: ClusterCA;
  world: World;
  reportError: (err: unknown) => void;
}

export function startReconcilers(services: Services, options: ReconcilerOptions): ControllerRunner {
  const chosen = selectControllers(controllerCatalog, options.controllers);
  const runner = new ControllerRunner(services, chosen, options.ca, options.world, options.reportError);
  runner.start();
  return runner;
}
