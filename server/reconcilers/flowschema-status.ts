// Keeps each FlowSchema's Dangling condition, as kube-apiserver's flow-control configuration
// controller does: True when the PriorityLevelConfiguration it names is missing, False when it exists.

import { timestamp, type Clock } from '../clock.js';
import type { ControllerClient } from './client.js';
import type { ControllerDescriptor, Identity, Reconcile } from './controller.js';

type Json = Record<string, any>;

const flowSchemas = 'flowcontrol.apiserver.k8s.io/flowschemas';
const priorityLevels = 'flowcontrol.apiserver.k8s.io/prioritylevelconfigurations';

export const flowControlIdentity: Identity = {
  user: { username: 'system:apiserver', uid: '', groups: ['system:authenticated', 'system:masters'] },
  fieldManager: 'api-priority-and-fairness-config-consumer-v1',
};

export function flowSchemaCondition(client: ControllerClient, clock: Clock): Reconcile {
  return (name) => {
    const existing = client.get(flowSchemas, '', name);
    if (!existing || existing.object.metadata.deletionTimestamp) return;
    const level = String((existing.object.spec as Json | undefined)?.priorityLevelConfiguration?.name ?? '');
    const quoted = JSON.stringify(level);
    const wanted = client.get(priorityLevels, '', level)
      ? { status: 'False', reason: 'Found', message: `This FlowSchema references the PriorityLevelConfiguration object named ${quoted} and it exists` }
      : { status: 'True', reason: 'NotFound', message: `This FlowSchema references the PriorityLevelConfiguration object named ${quoted} but there is no such object` };
    const conditions = ((existing.object.status as Json | undefined)?.conditions ?? []) as Json[];
    const current = conditions.find((c) => c?.type === 'Dangling');
    if (current && current.status === wanted.status && current.reason === wanted.reason && current.message === wanted.message) return;
    const condition = { type: 'Dangling', status: wanted.status, lastTransitionTime: timestamp(clock.now()), reason: wanted.reason, message: wanted.message };
    client.apply(existing, { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', metadata: { name }, status: { conditions: [condition] } }, 'status');
  };
}

export const flowSchemaStatusController: ControllerDescriptor = {
  name: 'flowschema-status-controller',
  create(env) {
    const client = env.client(flowControlIdentity);
    const schemasNaming = (level: string) =>
      client
        .list(flowSchemas)
        .filter((s) => (s.object.spec as Json | undefined)?.priorityLevelConfiguration?.name === level)
        .map((s) => s.key);
    return {
      for: flowSchemas,
      watches: [{ resource: priorityLevels, map: (event) => (event.type === 'MODIFIED' ? [] : schemasNaming(event.object.name)) }],
      reconcile: flowSchemaCondition(client, env.services.clock),
    };
  },
};
