// The CronJob controller (pkg/controller/cronjob, v2): Jobs named `<cronjob>-<minutes since the
// epoch>` at each scheduled time of the injected clock, in the CronJob's time zone (UTC when none
// is given), with concurrencyPolicy, startingDeadlineSeconds, suspend, the history limits, the
// status (active, lastScheduleTime, lastSuccessfulTime) and the events kube-controller-manager
// records. A key is requeued 100 ms after the next scheduled time, as the real controller does.

import { timestamp } from '../clock.js';
import { errors, StatusError } from '../errors.js';
import { parseCronSchedule, timeZoneError, type CronSchedule } from '../registry/resources/batch-schedule.js';
import type { StoreEvent, StoredObject } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import { controllerManagerIdentity, type ControllerDescriptor } from './controller.js';
import { controllerRef } from './controller-refs.js';
import { EventRecorder, referenceTo } from './events.js';
import { jobFinished, jobs } from './job.js';
import { controllerOf } from './owner-index.js';
import { namespaceTerminating } from './replicaset.js';

type Json = Record<string, any>;

export const cronJobs = 'batch/cronjobs';
const scheduledTimestampAnnotation = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
const nextScheduleDeltaMs = 100;

const specOf = (o: KubeObject): Json => (o.spec ?? {}) as Json;
const statusOf = (o: KubeObject): Json => (o.status ?? {}) as Json;
const isSet = <T>(v: T | null | undefined): v is T => v !== undefined && v !== null;

type Missed = 'none' | 'few' | 'many';

/**
 * mostRecentScheduleTime: the time scheduling counts from (last schedule or creation), the latest
 * scheduled time not after now, and how many were missed. Throws for a schedule that never comes.
 */
function mostRecentScheduleTime(cronJob: KubeObject, now: number, schedule: CronSchedule, withStartingDeadline: boolean): { earliest: number; mostRecent?: number; missed: Missed } {
  const status = statusOf(cronJob);
  let earliest = Date.parse(status.lastScheduleTime ?? cronJob.metadata.creationTimestamp ?? '');
  const deadline = specOf(cronJob).startingDeadlineSeconds;
  if (withStartingDeadline && isSet(deadline)) earliest = Math.max(earliest, now - deadline * 1000);
  const next = (t: number) => schedule.next(new Date(t))?.getTime();
  const t1 = next(earliest);
  if (t1 !== undefined && now < t1) return { earliest, missed: 'none' };
  const t2 = t1 === undefined ? undefined : next(t1);
  if (t1 !== undefined && t2 !== undefined && now < t2) return { earliest, mostRecent: t1, missed: 'none' };
  const between = t1 === undefined || t2 === undefined ? 0 : Math.round((t2 - t1) / 1000);
  if (between < 1) throw new Error('time difference between two schedules is less than 1 second');
  const elapsed = Math.trunc((now - t1!) / 1000);
  const missedCount = Math.floor(elapsed / between) + 1;
  let mostRecent: number | undefined;
  for (let t = next(t1! + (missedCount - 2) * between * 1000); t !== undefined && t <= now; t = next(t)) mostRecent = t;
  return { earliest, mostRecent, missed: missedCount > 100 ? 'many' : 'few' };
}

/** How long until 100 ms past the next scheduled time (nextScheduleTimeDuration). */
function nextScheduleDelay(cronJob: KubeObject, now: number, schedule: CronSchedule): number {
  let from: number;
  try {
    const { earliest, mostRecent, missed } = mostRecentScheduleTime(cronJob, now, schedule, false);
    from = mostRecent ?? (missed === 'none' ? earliest : now);
  } catch {
    from = now;
  }
  const next = schedule.next(new Date(from))?.getTime();
  return next === undefined ? 0 : next + nextScheduleDeltaMs - now;
}

/** RFC 3339 in a time zone, as Go formats a time in a location: `Z` in UTC, else the offset. */
function rfc3339In(ms: number, zone: string): string {
  if (zone === '' || zone === 'UTC') return timestamp(new Date(ms));
  const parts: Record<string, string> = {};
  const format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  for (const part of format.formatToParts(new Date(ms))) parts[part.type] = part.value;
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  const offsetMinutes = Math.round((wall - Math.floor(ms / 1000) * 1000) / 60_000);
  if (offsetMinutes === 0) return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}Z`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset}`;
}

/** byJobStartTime: started before not started, earlier first, then by name. */
function byStartTime(a: KubeObject, b: KubeObject): number {
  const sa = statusOf(a).startTime;
  const sb = statusOf(b).startTime;
  if (!sa !== !sb) return !sa ? 1 : -1;
  if (sa && sb && sa !== sb) return Date.parse(sa) - Date.parse(sb);
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0;
}

export const cronJobController: ControllerDescriptor = {
  name: 'cronjob-controller',
  aliases: ['cronjob'],
  create(env) {
    const { store, clock } = env.services;
    const client = env.client(controllerManagerIdentity('cronjob-controller'));
    const recorder = new EventRecorder(client, { component: 'cronjob-controller' }, clock);
    const now = () => clock.now().getTime();

    /** The schedule as the controller parses it: a timeZone becomes a TZ= prefix (formatSchedule). */
    const scheduleText = (cronJob: KubeObject, warn: boolean): string => {
      const spec = specOf(cronJob);
      const schedule: string = spec.schedule ?? '';
      if (schedule.includes('TZ')) {
        if (warn) {
          recorder.event(
            referenceTo(cronJob),
            'Warning',
            'UnsupportedSchedule',
            `CRON_TZ or TZ used in schedule "${schedule}" is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`,
          );
        }
        return schedule;
      }
      if (isSet(spec.timeZone) && timeZoneError(spec.timeZone) === undefined) return `TZ=${spec.timeZone} ${schedule}`;
      return schedule;
    };

    /** The CronJob a Job's controller reference names, if it is that very object (resolveControllerRef). */
    const ownerKey = (job: StoredObject | undefined): string | undefined => {
      const ref = controllerOf(job);
      if (!ref || ref.kind !== 'CronJob') return undefined;
      const cronJob = store.get(cronJobs, `${job!.namespace}/${ref.name}`);
      return cronJob && cronJob.object.metadata.uid === ref.uid ? cronJob.key : undefined;
    };
    const onJob = (event: StoreEvent): string[] => {
      const keys = new Set<string>();
      for (const stored of [event.previous, event.object]) {
        const key = ownerKey(stored);
        if (key) keys.add(key);
      }
      return [...keys];
    };

    /** A schedule or time zone change waits for the new schedule's next time; anything else syncs now (updateCronJob). */
    const onCronJob = (event: StoreEvent): string[] => {
      const previous = event.previous?.object;
      const current = event.object.object;
      if (event.type !== 'MODIFIED' || !previous) return [event.object.key];
      if (specOf(previous).schedule === specOf(current).schedule && specOf(previous).timeZone === specOf(current).timeZone) return [event.object.key];
      let schedule: CronSchedule;
      try {
        schedule = parseCronSchedule(scheduleText(current, false));
      } catch {
        recorder.event(referenceTo(current), 'Warning', 'UnParseableCronJobSchedule', `unparseable schedule for cronjob: ${specOf(current).schedule}`);
        return [];
      }
      env.queue.enqueueAfter(event.object.key, nextScheduleDelay(current, now(), schedule));
      return [];
    };

    const deleteJob = (cronJob: KubeObject, job: KubeObject): boolean => {
      const reference = referenceTo(cronJob);
      try {
        client.delete(jobs, job.metadata.namespace!, job.metadata.name!, { propagationPolicy: 'Background' });
      } catch (err) {
        recorder.event(reference, 'Warning', 'FailedDelete', `Deleted job: ${(err as Error).message}`);
        return false;
      }
      removeFromActive(cronJob, job.metadata.uid);
      recorder.event(reference, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`);
      return true;
    };
    const removeFromActive = (cronJob: KubeObject, uid: string | undefined) => {
      const status = statusOf(cronJob);
      status.active = ((status.active ?? []) as Json[]).filter((ref) => ref.uid !== uid);
    };
    const inActive = (cronJob: KubeObject, uid: string | undefined) => ((statusOf(cronJob).active ?? []) as Json[]).some((ref) => ref.uid === uid);

    /** Deletes the oldest finished Jobs past the history limits (cleanupFinishedJobs). */
    const cleanupFinished = (cronJob: KubeObject, children: KubeObject[]): boolean => {
      const spec = specOf(cronJob);
      let changed = false;
      for (const [limit, type] of [
        [spec.successfulJobsHistoryLimit, 'Complete'],
        [spec.failedJobsHistoryLimit, 'Failed'],
      ] as const) {
        if (!isSet(limit)) continue;
        const finished = children.filter((job) => jobFinished(job)?.type === type).sort(byStartTime);
        for (const job of finished.slice(0, Math.max(0, finished.length - limit))) if (deleteJob(cronJob, job)) changed = true;
      }
      return changed;
    };

    /** One pass of syncCronJob: returns whether the status changed and when to look again. */
    const syncCronJob = (cronJob: KubeObject, children: KubeObject[]): { changed: boolean; requeueAfterMs?: number } => {
      const at = now();
      const reference = () => referenceTo(cronJob);
      cronJob.status ??= {};
      let changed = false;
      const childUids = new Set<string>();
      for (const job of children) {
        childUids.add(job.metadata.uid ?? '');
        const found = inActive(cronJob, job.metadata.uid);
        const finished = jobFinished(job);
        if (!found && !finished) {
          // The CronJob was read from the store just now, so a Job missing from its active list is really unknown to it.
          recorder.event(reference(), 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${job.metadata.name}`);
        } else if (finished) {
          if (found) {
            removeFromActive(cronJob, job.metadata.uid);
            recorder.event(reference(), 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata.name}, condition: ${finished.type}`);
            changed = true;
          }
          const completionTime = statusOf(job).completionTime;
          if (finished.type === 'Complete') {
            const current = (cronJob.status as Json).lastSuccessfulTime;
            if (!current || (completionTime && Date.parse(completionTime) > Date.parse(current))) {
              (cronJob.status as Json).lastSuccessfulTime = completionTime;
              changed = true;
            }
          }
        }
      }
      for (const ref of [...(((cronJob.status as Json).active ?? []) as Json[])]) {
        if (childUids.has(ref.uid)) continue;
        if (!client.get(jobs, ref.namespace ?? cronJob.metadata.namespace, ref.name)) {
          recorder.event(reference(), 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
          removeFromActive(cronJob, ref.uid);
          changed = true;
        }
      }
      if (cronJob.metadata.deletionTimestamp) return { changed };
      const spec = specOf(cronJob);
      if (isSet(spec.timeZone)) {
        const zoneError = timeZoneError(spec.timeZone);
        if (zoneError) {
          recorder.event(reference(), 'Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(spec.timeZone)}: ${zoneError}`);
          return { changed };
        }
      }
      if (spec.suspend === true) return { changed };
      let schedule: CronSchedule;
      try {
        schedule = parseCronSchedule(scheduleText(cronJob, true));
      } catch (err) {
        recorder.event(reference(), 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(spec.schedule)} : ${(err as Error).message}`);
        return { changed };
      }
      let scheduled: number | undefined;
      try {
        const recent = mostRecentScheduleTime(cronJob, at, schedule, true);
        scheduled = recent.mostRecent !== undefined && recent.mostRecent <= at ? recent.mostRecent : undefined;
        if (scheduled !== undefined && recent.missed === 'many') {
          recorder.event(reference(), 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
        }
      } catch (err) {
        recorder.event(reference(), 'Warning', 'InvalidSchedule', `invalid schedule: ${spec.schedule} : ${(err as Error).message}`);
        return { changed };
      }
      const requeue = () => ({ changed, requeueAfterMs: Math.max(0, nextScheduleDelay(cronJob, at, schedule)) });
      // Times further back than startingDeadlineSeconds were not counted, so none is too late to start.
      if (scheduled === undefined) return requeue();
      const jobName = `${cronJob.metadata.name}-${Math.floor(scheduled / 60_000)}`;
      const active = ((cronJob.status as Json).active ?? []) as Json[];
      const lastSchedule = (cronJob.status as Json).lastScheduleTime;
      if (active.some((ref) => ref.name === jobName && ref.namespace === cronJob.metadata.namespace) || (lastSchedule && Date.parse(lastSchedule) === scheduled)) return requeue();
      if (spec.concurrencyPolicy === 'Forbid' && active.length > 0) {
        recorder.event(reference(), 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
        return requeue();
      }
      if (spec.concurrencyPolicy === 'Replace') {
        for (const ref of active) {
          const job = client.get(jobs, ref.namespace ?? cronJob.metadata.namespace, ref.name);
          if (!job) {
            const notFound = errors.notFound({ group: 'batch', resource: 'jobs' }, ref.name);
            recorder.event(reference(), 'Warning', 'FailedGet', `Get job: ${notFound.message}`);
            throw notFound;
          }
          if (!deleteJob(cronJob, job.object)) throw new Error(`could not replace job ${job.namespace}/${job.name}`);
          changed = true;
        }
      }
      const template = (spec.jobTemplate ?? {}) as Json;
      const body: KubeObject = {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: {
          name: jobName,
          labels: { ...(template.metadata?.labels ?? {}) },
          annotations: { ...(template.metadata?.annotations ?? {}), [scheduledTimestampAnnotation]: rfc3339In(scheduled, spec.timeZone ?? '') },
          ownerReferences: [{ ...controllerRef(cronJob, 'batch/v1', 'CronJob') }],
        },
        spec: structuredClone(template.spec ?? {}),
      };
      let created: KubeObject;
      try {
        created = client.create(jobs, cronJob.metadata.namespace!, body).object;
        recorder.event(reference(), 'Normal', 'SuccessfulCreate', `Created job ${jobName}`);
      } catch (err) {
        if (namespaceTerminating(err)) throw err;
        if (err instanceof StatusError && err.status.reason === 'AlreadyExists') {
          const existing = client.get(jobs, cronJob.metadata.namespace!, jobName);
          if (!existing) throw err;
          const ref = controllerOf(existing);
          if (!ref || ref.uid !== cronJob.metadata.uid || inActive(cronJob, existing.object.metadata.uid)) return { changed };
          created = existing.object;
        } else {
          recorder.event(reference(), 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
          throw err;
        }
      }
      (cronJob.status as Json).active = [...(((cronJob.status as Json).active ?? []) as Json[]), referenceTo(created)];
      (cronJob.status as Json).lastScheduleTime = timestamp(new Date(scheduled));
      changed = true;
      return requeue();
    };

    return {
      initialKeys: () => store.list(cronJobs).map((cronJob) => cronJob.key),
      watches: [
        { resource: cronJobs, map: onCronJob },
        { resource: jobs, map: onJob },
      ],
      reconcile(key) {
        const [namespace, name] = key.split('/');
        const stored = client.get(cronJobs, namespace, name);
        if (!stored) return undefined;
        const cronJob: KubeObject = JSON.parse(stored.json);
        // Jobs are matched to their CronJob by the controller reference's name alone (getJobsToBeReconciled).
        const children = client
          .list(jobs, namespace)
          .filter((job) => controllerOf(job)?.name === name)
          .map((job) => job.object);
        const cleaned = cleanupFinished(cronJob, children);
        let result: { changed: boolean; requeueAfterMs?: number } = { changed: false };
        let failure: unknown;
        try {
          result = syncCronJob(cronJob, children);
        } catch (err) {
          failure = err;
        }
        if (cleaned || result.changed) {
          const status = structuredClone((cronJob.status ?? {}) as Json);
          if (Array.isArray(status.active) && status.active.length === 0) delete status.active;
          client.updateStatus(stored, (c) => (c.status = status));
        }
        if (result.requeueAfterMs !== undefined) return { requeueAfterMs: result.requeueAfterMs };
        if (failure !== undefined) throw failure;
        return undefined;
      },
    };
  },
};
