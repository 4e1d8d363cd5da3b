// Keeps each FlowSchema's Dangling condition, as kube-apiserver's flow-control configuration
// controller does: True when the PriorityLevelConfiguration it names is missing, False when it exists.

import { timestamp } from '../clock.js';
import { serverSideApply } from '../patch/apply.js';
import type { ResourceDefinition } from '../registry/types.js';
import type { Services } from '../services.js';
import type { Reconcile } from './controller.js';

type Json = Record<string, any>;

const manager = 'api-priority-and-fairness-config-consumer-v1';

export function flowSchemaStatus(services: Pick<Services, 'objects' | 'clock'>, flowSchemas: ResourceDefinition, priorityLevels: ResourceDefinition): Reconcile {
  return (name) => {
    const existing = services.objects.find(flowSchemas, '', name);
    if (!existing || existing.object.metadata.deletionTimestamp) return;
    const level = String(((existing.object.spec as Json | undefined)?.priorityLevelConfiguration as Json | undefined)?.name ?? '');
    const found = !!services.objects.find(priorityLevels, '', level);
    const wanted = found
      ? { status: 'False', reason: 'Found', message: `This FlowSchema references the PriorityLevelConfiguration object named ${JSON.stringify(level)} and it exists` }
      : { status: 'True', reason: 'NotFound', message: `This FlowSchema references the PriorityLevelConfiguration object named ${JSON.stringify(level)} but there is no such object` };
    const conditions = (((existing.object.status as Json | undefined)?.conditions ?? []) as Json[]);
    const current = conditions.find((c) => c?.type === 'Dangling');
    if (current && current.status === wanted.status && current.reason === wanted.reason && current.message === wanted.message) return;
    const now = timestamp(services.clock.now());
    const condition = { type: 'Dangling', status: wanted.status, lastTransitionTime: now, reason: wanted.reason, message: wanted.message };
    const applied = { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', metadata: { name }, status: { conditions: [condition] } };
    const { object, managedFields } = serverSideApply(JSON.parse(existing.json), applied, {
      manager,
      force: true,
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
      time: now,
      subresource: 'status',
      statusIsSubresource: true,
    });
    services.objects.replace(flowSchemas, existing, object, { fieldManager: manager, managedFields, subresource: 'status' });
  };
}
