// Printer columns of HorizontalPodAutoscalers (printHorizontalPodAutoscaler, formatHPAMetrics), read
// from the autoscaling/v2 form; autoscaling/v1 objects are converted to it first.

import { quantityString } from '../../quantity.js';
import type { KubeObject } from '../../store/types.js';
import type { TableColumn } from '../types.js';
import { ageColumn, column } from './printers.js';

type Json = Record<string, any>;

const isSet = (value: unknown) => value !== undefined && value !== null;

/** One metric as `current/target`, the current value from the status entry at the same index. */
function formatMetric(spec: Json, status: Json | undefined): string {
  switch (spec.type) {
    case 'External': {
      const target = spec.external?.target ?? {};
      if (isSet(target.averageValue)) {
        const current = isSet(status?.external?.current?.averageValue) ? quantityString(status!.external.current.averageValue) : '<unknown>';
        return `${current}/${quantityString(target.averageValue)} (avg)`;
      }
      const current = status?.external ? quantityString(status.external.current?.value) : '<unknown>';
      return `${current}/${quantityString(target.value)}`;
    }
    case 'Pods': {
      const current = status?.pods ? quantityString(status.pods.current?.averageValue) : '<unknown>';
      return `${current}/${quantityString(spec.pods?.target?.averageValue)}`;
    }
    case 'Object': {
      const target = spec.object?.target ?? {};
      if (isSet(target.averageValue)) {
        const current = isSet(status?.object?.current?.averageValue) ? quantityString(status!.object.current.averageValue) : '<unknown>';
        return `${current}/${quantityString(target.averageValue)} (avg)`;
      }
      const current = status?.object ? quantityString(status.object.current?.value) : '<unknown>';
      return `${current}/${quantityString(target.value)}`;
    }
    case 'Resource':
    case 'ContainerResource': {
      const key = spec.type === 'Resource' ? 'resource' : 'containerResource';
      const source = spec[key] ?? {};
      const target = source.target ?? {};
      const currentSource = status?.[key];
      if (isSet(target.averageValue)) {
        const current = currentSource ? quantityString(currentSource.current?.averageValue) : '<unknown>';
        return `${source.name ?? ''}: ${current}/${quantityString(target.averageValue)}`;
      }
      const current = isSet(currentSource?.current?.averageUtilization) ? `${currentSource.current.averageUtilization}%` : '<unknown>';
      const wanted = isSet(target.averageUtilization) ? `${target.averageUtilization}%` : '<auto>';
      return `${source.name ?? ''}: ${current}/${wanted}`;
    }
    default:
      return '<unknown type>';
  }
}

function formatMetrics(hpa: KubeObject): string {
  const specs: Json[] = (hpa.spec as Json | undefined)?.metrics ?? [];
  if (specs.length === 0) return '<none>';
  const statuses: Json[] = (hpa.status as Json | undefined)?.currentMetrics ?? [];
  const list = specs.map((spec, i) => formatMetric(spec, statuses[i]));
  const max = 2;
  if (list.length > max) return `${list.slice(0, max).join(', ')} + ${list.length - max} more...`;
  return list.join(', ');
}

const spec = (o: KubeObject) => (o.spec ?? {}) as Json;

export const horizontalPodAutoscalerColumns: TableColumn[] = [
    column(
      'Reference',
      'string',
      'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.',
      (o) => `${spec(o).scaleTargetRef?.kind ?? ''}/${spec(o).scaleTargetRef?.name ?? ''}`,
    ),
    column(
      'Targets',
      'string',
      'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond.',
      (o) => formatMetrics(o),
    ),
    column(
      'MinPods',
      'string',
      'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available.',
      (o) => (isSet(spec(o).minReplicas) ? String(spec(o).minReplicas) : '<unset>'),
    ),
    column(
      'MaxPods',
      'string',
      'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.',
      (o) => spec(o).maxReplicas ?? 0,
    ),
    column(
      'Replicas',
      'string',
      'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.',
      (o) => (o.status as Json | undefined)?.currentReplicas ?? 0,
    ),
    ageColumn,
];
