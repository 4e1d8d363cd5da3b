// Printer columns of apiregistration.k8s.io/v1 APIServices (kube-aggregator's own table convertor).

import type { KubeObject } from '../../store/types.js';
import type { TableColumn } from '../types.js';
import { ageColumn, column } from './printers.js';

type Json = Record<string, any>;

function available(o: KubeObject): string {
  const condition = (((o.status as Json | undefined)?.conditions ?? []) as Json[]).find((c) => c?.type === 'Available');
  if (!condition) return 'Unknown';
  if (condition.status === 'True' || !condition.reason) return condition.status;
  return `${condition.status} (${condition.reason})`;
}

export const apiServiceColumns: TableColumn[] = [
  column('Service', 'string', 'The reference to the service that hosts this API endpoint.', (o) => {
    const service = (o.spec as Json | undefined)?.service as Json | undefined;
    return service ? `${service.namespace ?? ''}/${service.name ?? ''}` : 'Local';
  }),
  column('Available', 'string', 'Whether this service is available.', available),
  ageColumn,
];
