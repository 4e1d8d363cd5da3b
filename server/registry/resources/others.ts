// Leases, events.k8s.io and EndpointSlices.

import { field, type FieldError } from '../../errors.js';
import { jsonEqual } from '../../json.js';
import type { ResourceDefinition } from '../types.js';
import { define, ownFieldSelectors } from './common.js';
import { eventFieldSelectors, eventsV1Storage } from './event-versions.js';
import { endpointSliceColumns, eventColumns, leaseColumns } from './printers.js';

type Json = Record<string, any>;

export const leases = define({
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  namespaced: true,
  strategy: {
    genericObjectMeta: true,
    table: leaseColumns,
    allowCreateOnUpdate: true,
    allowUnconditionalUpdate: false,
    validate(lease) {
      const spec = (lease.spec ?? {}) as Json;
      const out: FieldError[] = [];
      if (spec.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds <= 0) {
        out.push(field.invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
      }
      if (spec.leaseTransitions !== undefined && spec.leaseTransitions < 0) {
        out.push(field.invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
      }
      return out;
    },
  },
});

export const eventsV1 = define({
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  namespaced: true,
  shortNames: ['ev'],
  // Printed in its stored (core/v1) form, as kube-apiserver prints every event, and selected on it
  // by events.k8s.io/v1's names for its fields.
  strategy: { allowCreateOnUpdate: true, table: eventColumns, fieldSelectors: ownFieldSelectors(eventFieldSelectors('events.k8s.io/v1')) },
  storedAs: eventsV1Storage,
});

const addressTypes = ['FQDN', 'IPv4', 'IPv6'];

export const endpointslices = define({
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  plural: 'endpointslices',
  namespaced: true,
  strategy: {
    table: endpointSliceColumns,
    tracksGeneration: true,
    // Anything but metadata counts, and so do the labels (the slice's service name lives there).
    generationChanged: (slice, old) =>
      !jsonEqual({ ...slice, metadata: undefined }, { ...old, metadata: undefined }) || !jsonEqual(slice.metadata.labels ?? {}, old.metadata.labels ?? {}),
    defaults(slice) {
      for (const port of (slice.ports as Json[] | undefined) ?? []) port.protocol ||= 'TCP';
    },
    validate(slice) {
      const out: FieldError[] = [];
      if (!slice.addressType) out.push(field.required('addressType'));
      else if (!addressTypes.includes(slice.addressType as string)) out.push(field.notSupported('addressType', slice.addressType, addressTypes));
      (Array.isArray(slice.endpoints) ? slice.endpoints : []).forEach((endpoint: Json, i: number) => {
        if (!Array.isArray(endpoint.addresses) || endpoint.addresses.length === 0) out.push(field.required(`endpoints[${i}].addresses`, 'must contain at least 1 address'));
      });
      return out;
    },
    validateUpdate(slice, old) {
      if (slice.addressType !== old.addressType) return [field.invalid('addressType', slice.addressType, 'field is immutable')];
      return [];
    },
  },
});

export const otherResources: ResourceDefinition[] = [leases, eventsV1, endpointslices];
