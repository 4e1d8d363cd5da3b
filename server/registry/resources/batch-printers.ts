// Printer columns of batch/v1 Jobs and CronJobs (printJob, printCronJob in kube's printers).

import type { KubeObject } from '../../store/types.js';
import { age, humanDuration } from '../printing.js';
import type { TableColumn } from '../types.js';
import { ageColumn, column, formatSelectorOrNone, templateColumns } from './printers.js';

type Json = Record<string, any>;

const selectorDoc =
  'A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors';

/** Whether the first condition of `type` is True. */
function hasCondition(object: KubeObject, type: string): boolean {
  const conditions: Json[] = (object.status as Json | undefined)?.conditions ?? [];
  return conditions.find((c) => c.type === type)?.status === 'True';
}

function jobStatus(job: KubeObject): string {
  if (hasCondition(job, 'Complete')) return 'Complete';
  if (hasCondition(job, 'Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (hasCondition(job, 'Suspended')) return 'Suspended';
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function jobCompletions(job: KubeObject): string {
  const spec = (job.spec ?? {}) as Json;
  const succeeded = (job.status as Json | undefined)?.succeeded ?? 0;
  if (spec.completions !== undefined && spec.completions !== null) return `${succeeded}/${spec.completions}`;
  const parallelism = spec.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(job: KubeObject, now: Date): string {
  const status = (job.status ?? {}) as Json;
  if (!status.startTime) return '';
  const start = Date.parse(status.startTime);
  if (!status.completionTime) return humanDuration(now.getTime() - start);
  return humanDuration(Date.parse(status.completionTime) - start);
}

const boolPointer = (value: unknown) => (value === undefined || value === null ? '<unset>' : value ? 'True' : 'False');

export const jobColumns: TableColumn[] = [
  column('Status', 'string', 'Status of the job.', jobStatus),
  column(
    'Completions',
    'string',
    'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.',
    jobCompletions,
  ),
  column('Duration', 'string', 'Time required to complete the job.', jobDuration),
  ageColumn,
  ...templateColumns((o) => (o.spec as Json | undefined)?.template),
  column('Selector', 'string', selectorDoc, (o) => formatSelectorOrNone((o.spec as Json | undefined)?.selector), 1),
];

const jobTemplateSpec = (o: KubeObject) => (o.spec as Json | undefined)?.jobTemplate?.spec as Json | undefined;

export const cronJobColumns: TableColumn[] = [
  column('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.', (o) => (o.spec as Json | undefined)?.schedule ?? ''),
  column(
    'Timezone',
    'string',
    'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones',
    (o) => (o.spec as Json | undefined)?.timeZone ?? '<none>',
  ),
  column(
    'Suspend',
    'boolean',
    'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.',
    (o) => boolPointer((o.spec as Json | undefined)?.suspend),
  ),
  column('Active', 'integer', 'A list of pointers to currently running jobs.', (o) => ((o.status as Json | undefined)?.active ?? []).length),
  column('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.', (o, now) => {
    const last = (o.status as Json | undefined)?.lastScheduleTime;
    return last ? age(last, now) : '<none>';
  }),
  ageColumn,
  ...templateColumns((o) => jobTemplateSpec(o)?.template),
  column('Selector', 'string', selectorDoc, (o) => formatSelectorOrNone(jobTemplateSpec(o)?.selector), 1),
];
