// What an admission plugin is and what it is shown, after apiserver/pkg/admission's Interface,
// MutationInterface, ValidationInterface and Attributes.

import type { StatusCause } from '../errors.js';
import { errors } from '../errors.js';
import type { KubeObject } from '../store/types.js';
import type { ResourceDefinition, StrategyContext, UserInfo } from '../registry/types.js';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface AdmissionRequest {
  operation: AdmissionOperation;
  /** The definition written, as stored (its group, version, kind, plural and scope). */
  definition: ResourceDefinition;
  /** `pods`, `apps/deployments`: group/plural as the registry's findByResource names it. */
  resource: string;
  /** The subresource written (`status`, `binding`), '' for the main resource. */
  subresource: string;
  namespace: string;
  /** The object's name; '' on a create that generates it. */
  name: string;
  /**
   * CREATE and UPDATE: the incoming object, which mutating plugins change in place. On a
   * subresource create (pods/binding) the subresource's body; CONNECT: the connect options.
   * Absent on DELETE.
   */
  object?: KubeObject;
  /** UPDATE: the stored object; DELETE: the object being deleted (validating phase only). */
  oldObject?: KubeObject;
  dryRun: boolean;
  user: UserInfo;
}

/** What plugins see of the cluster: the stored objects, by the same lookups strategies use, and their own status writes. */
export interface AdmissionContext extends StrategyContext {
  /**
   * Writes an object's status subresource through the store as kube-apiserver's loopback client
   * (the ResourceQuota plugin records what it admitted); `change` edits a copy of the stored object.
   */
  writeStatus(resource: string, namespace: string, name: string, change: (object: KubeObject) => void): void;
}

export interface AdmissionPlugin {
  /** kube-apiserver's name for the plugin (`NamespaceLifecycle`), unique in a chain. */
  name: string;
  operations: AdmissionOperation[];
  /** Resources it sees, named as AdmissionRequest.resource, or '*' for all. */
  resources: string[] | '*';
  /** Subresources it sees ('' is the main resource, the default), or '*' for all. */
  subresources?: string[] | '*';
  /** Mutating phase: may change request.object; throws a StatusError to refuse. */
  admit?(request: AdmissionRequest, context: AdmissionContext): void;
  /** Validating phase, after the strategy's validation: may only refuse. */
  validate?(request: AdmissionRequest, context: AdmissionContext): void;
}

/**
 * admission.NewForbidden: 403 naming the resource (without subresource) and the object: the
 * request's name, else the object's name or generateName, else "Unknown".
 */
export function admissionForbidden(request: AdmissionRequest, why: string, causes?: StatusCause[]): ReturnType<typeof errors.forbidden> {
  const meta = request.object?.metadata;
  const name = request.name || meta?.name || meta?.generateName || 'Unknown';
  return errors.forbidden({ group: request.definition.group, resource: request.definition.plural }, name, why, causes);
}
