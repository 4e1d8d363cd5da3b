// apiregistration.k8s.io/v1 APIServices (kube-aggregator's registry and validation). kube-apiserver
// registers one for every group-version it serves itself (server/reconcilers/apiservices.ts);
// kubemock proxies to no aggregated API server, so one backed by a service never becomes available.

import { field, type FieldError } from '../../errors.js';
import type { KubeObject } from '../../store/types.js';
import type { ResourceDefinition } from '../types.js';
import { isDNS1035Label, isDNS1123Subdomain, isPathSegmentName } from '../validation.js';
import { apiServiceColumns } from './apiregistration-printers.js';
import { define, keepAllButStatusAndMetadata, statusSubresource } from './common.js';

type Json = Record<string, any>;

export const apiregistrationGroup = 'apiregistration.k8s.io';

function validateAPIService(service: KubeObject): FieldError[] {
  const spec = (service.spec ?? {}) as Json;
  const group = String(spec.group ?? '');
  const version = String(spec.version ?? '');
  const required = `${version}.${group}`;
  const out: FieldError[] = [];
  const name = service.metadata.name;
  // The name must be version.group; the generic name check reports only its path segment problems.
  if (name && isPathSegmentName(name).length === 0 && name !== required) {
    out.push(field.invalid('metadata.name', name, `must be \`spec.version+"."+spec.group\`: ${JSON.stringify(required)}`));
  }
  if (!group && version !== 'v1') out.push(field.required('spec.group', 'only v1 may have an empty group and it better be legacy kube'));
  if (group) out.push(...isDNS1123Subdomain(group).map((p) => field.invalid('spec.group', group, p)));
  out.push(...isDNS1035Label(version).map((p) => field.invalid('spec.version', version, p)));
  const groupPriority = Number(spec.groupPriorityMinimum ?? 0);
  if (groupPriority <= 0 || groupPriority > 20000) out.push(field.invalid('spec.groupPriorityMinimum', groupPriority, 'must be positive and less than 20000'));
  const versionPriority = Number(spec.versionPriority ?? 0);
  if (versionPriority <= 0 || versionPriority > 1000) out.push(field.invalid('spec.versionPriority', versionPriority, 'must be positive and less than 1000'));
  const ref = spec.service as Json | undefined | null;
  const caBundle = typeof spec.caBundle === 'string' ? Buffer.from(spec.caBundle, 'base64') : undefined;
  if (!ref) {
    if (caBundle?.length) out.push(field.invalid('spec.caBundle', `${caBundle.length} bytes`, 'local APIServices may not have a caBundle'));
    if (spec.insecureSkipTLSVerify) out.push(field.invalid('spec.insecureSkipTLSVerify', true, 'local APIServices may not have insecureSkipTLSVerify'));
    return out;
  }
  if (!ref.namespace) out.push(field.required('spec.service.namespace'));
  if (!ref.name) out.push(field.required('spec.service.name'));
  const port = Number(ref.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) out.push(field.invalid('spec.service.port', ref.port, 'port is not valid: must be between 1 and 65535, inclusive'));
  if (spec.insecureSkipTLSVerify && caBundle?.length) out.push(field.invalid('spec.insecureSkipTLSVerify', true, 'may not be true if caBundle is present'));
  return out;
}

export const apiservices = define({
  group: apiregistrationGroup,
  version: 'v1',
  kind: 'APIService',
  plural: 'apiservices',
  namespaced: false,
  categories: ['api-extensions'],
  subresources: [statusSubresource],
  strategy: {
    genericObjectMeta: true,
    nameCheck: isPathSegmentName,
    table: apiServiceColumns,
    defaults(service) {
      const ref = (service.spec as Json | undefined)?.service as Json | undefined;
      if (ref && typeof ref === 'object') ref.port ??= 443;
    },
    prepareForCreate(service) {
      service.status = {};
    },
    subresourceUpdates: { status: keepAllButStatusAndMetadata },
    validate: validateAPIService,
  },
});

export const apiregistrationResources: ResourceDefinition[] = [apiservices];
