// The CronJob controller driven by kubectl on a manual clock: Jobs at each scheduled minute, named
// and annotated as kube-controller-manager 1.32 names them, the status, the concurrency policies,
// the history limits, suspend and time zones.

import { expect } from 'chai';
import { ManualClock, type KubeletStage } from '../testkit/index.js';
import { startCluster, type TestCluster } from './support/cluster.js';
import { advance } from './support/step.js';

type Json = Record<string, any>;

const stages: KubeletStage[] = [{ name: 'long', match: { labels: { outcome: 'long' } }, exit: { afterMs: 3_600_000, code: 0 } }];
const minute = 60_000;

const cronJob = (name: string, spec: Json, podLabels: Json = {}) =>
  JSON.stringify({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      schedule: '*/1 * * * *',
      ...spec,
      jobTemplate: {
        metadata: { labels: { app: name }, annotations: { note: 'from the template' } },
        spec: { template: { metadata: { labels: podLabels }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36' }] } } },
      },
    },
  });

describe('CronJob controller', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  const kubectl = (args: string[], input?: string) => cluster.kubectlOk(args, input);
  const json = (args: string[]): Promise<Json> => cluster.kubectlJson(args);
  const jobsOf = async (name: string) => ((await json(['get', 'jobs', '-l', `app=${name}`])).items as Json[]).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  const events = async (name: string) =>
    ((await json(['get', 'events', '--field-selector', `involvedObject.kind=CronJob,involvedObject.name=${name}`])).items as Json[])
      .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))
      .map((e) => `${e.type} ${e.reason}: ${e.message}`);
  /** The name of the Job for the scheduled minute `m` minutes after `start`. */
  const jobName = (name: string, at: number) => `${name}-${Math.floor(at / minute)}`;
  /** Moves the clock to 1 s past the next whole minute and returns that minute. */
  const nextMinute = async () => {
    const at = (Math.floor(clock.now().getTime() / minute) + 1) * minute;
    await advance(cluster.server, clock, at + 1000 - clock.now().getTime());
    return at;
  };

  before(async () => {
    // Half a minute into a minute, so every schedule has its first time ahead.
    clock = new ManualClock(new Date(Math.floor(Date.now() / minute) * minute + 30_000));
    cluster = await startCluster({ clock, kubeletStages: stages });
  });
  after(() => cluster.stop());

  it('create a Job at each scheduled minute, record it in status, and see it complete', async () => {
    await kubectl(['create', '-f', '-'], cronJob('hello', {}));
    await cluster.server.controllers.settle();
    expect(await jobsOf('hello')).to.deep.equal([]);
    const cj = await json(['get', 'cronjob', 'hello']);
    expect(cj.status).to.deep.equal({});

    const at = await nextMinute();
    const [job] = await jobsOf('hello');
    expect(job.metadata.name).to.equal(jobName('hello', at));
    expect(job.metadata.labels).to.deep.include({ app: 'hello' });
    expect(job.metadata.annotations).to.deep.equal({ note: 'from the template', 'batch.kubernetes.io/cronjob-scheduled-timestamp': new Date(at).toISOString().replace('.000Z', 'Z') });
    expect(job.metadata.ownerReferences).to.deep.equal([{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: cj.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    // The default stage completes Job pods at once, so the Job is done and out of the active list.
    const status = (await json(['get', 'cronjob', 'hello'])).status;
    expect(status).to.deep.equal({ lastScheduleTime: new Date(at).toISOString().replace('.000Z', 'Z'), lastSuccessfulTime: job.status.completionTime });
    expect(await events('hello')).to.deep.equal([`Normal SuccessfulCreate: Created job ${job.metadata.name}`, `Normal SawCompletedJob: Saw completed job: ${job.metadata.name}, condition: Complete`]);
    const table = await kubectl(['get', 'cronjob', 'hello']);
    expect(table.split('\n')[1]).to.match(/^hello\s+\*\/1 \* \* \* \*\s+<none>\s+False\s+0\s+1s\s+\d+s$/);
  });

  it('keep successfulJobsHistoryLimit finished Jobs, deleting the oldest', async () => {
    await kubectl(['create', '-f', '-'], cronJob('history', { successfulJobsHistoryLimit: 2 }));
    const first = await nextMinute();
    await nextMinute();
    const third = await nextMinute();
    expect((await jobsOf('history')).map((j) => j.metadata.name)).to.deep.equal([jobName('history', third - minute), jobName('history', third)]);
    expect(await events('history')).to.include(`Normal SuccessfulDelete: Deleted job ${jobName('history', first)}`);
    await kubectl(['delete', 'cronjob', 'history']);
  });

  it('skip a scheduled time while a Job runs under concurrencyPolicy Forbid', async () => {
    await kubectl(['create', '-f', '-'], cronJob('forbid', { concurrencyPolicy: 'Forbid' }, { outcome: 'long' }));
    const first = await nextMinute();
    await nextMinute();
    const jobs = await jobsOf('forbid');
    expect(jobs.map((j) => j.metadata.name)).to.deep.equal([jobName('forbid', first)]);
    const status = (await json(['get', 'cronjob', 'forbid'])).status;
    expect(status.active).to.deep.equal([
      { kind: 'Job', namespace: 'default', name: jobs[0].metadata.name, uid: jobs[0].metadata.uid, apiVersion: 'batch/v1', resourceVersion: status.active[0].resourceVersion },
    ]);
    expect(status.lastScheduleTime).to.equal(new Date(first).toISOString().replace('.000Z', 'Z'));
    expect((await events('forbid')).at(-1)).to.equal('Normal JobAlreadyActive: Not starting job because prior execution is running and concurrency policy is Forbid');
    await kubectl(['delete', 'cronjob', 'forbid']);
  });

  it('replace the running Job under concurrencyPolicy Replace, and run them side by side under Allow', async () => {
    await kubectl(['create', '-f', '-'], cronJob('replace', { concurrencyPolicy: 'Replace' }, { outcome: 'long' }));
    await kubectl(['create', '-f', '-'], cronJob('allow', {}, { outcome: 'long' }));
    const first = await nextMinute();
    const second = await nextMinute();
    expect((await jobsOf('replace')).map((j) => j.metadata.name)).to.deep.equal([jobName('replace', second)]);
    expect(await events('replace')).to.deep.equal([
      `Normal SuccessfulCreate: Created job ${jobName('replace', first)}`,
      `Normal SuccessfulDelete: Deleted job ${jobName('replace', first)}`,
      `Normal SuccessfulCreate: Created job ${jobName('replace', second)}`,
    ]);
    expect(((await json(['get', 'cronjob', 'replace'])).status.active as Json[]).map((ref) => ref.name)).to.deep.equal([jobName('replace', second)]);
    expect(((await json(['get', 'cronjob', 'allow'])).status.active as Json[]).map((ref) => ref.name)).to.deep.equal([jobName('allow', first), jobName('allow', second)]);
    await kubectl(['delete', 'cronjob', 'replace', 'allow']);
  });

  it('create nothing while suspended, start the missed time on resume, and stamp it in the CronJob time zone', async () => {
    await kubectl(['create', '-f', '-'], cronJob('zoned', { suspend: true, timeZone: 'Asia/Kolkata' }));
    const missed = await nextMinute();
    expect(await jobsOf('zoned')).to.deep.equal([]);
    // Without startingDeadlineSeconds, the latest time missed while suspended starts at once.
    await kubectl(['patch', 'cronjob', 'zoned', '-p', '{"spec":{"suspend":false}}']);
    await cluster.server.controllers.settle();
    const [job] = await jobsOf('zoned');
    expect(job.metadata.name).to.equal(jobName('zoned', missed));
    // 05:30 ahead of UTC, as Go formats a time in Asia/Kolkata.
    const local = new Date(missed + 5.5 * 3_600_000).toISOString().replace('.000Z', '+05:30');
    expect(job.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp']).to.equal(local);
  });

  it('skip a time missed by more than startingDeadlineSeconds', async () => {
    await kubectl(['create', '-f', '-'], cronJob('strict', { suspend: true, startingDeadlineSeconds: 10 }));
    await nextMinute();
    await advance(cluster.server, clock, 20_000);
    await kubectl(['patch', 'cronjob', 'strict', '-p', '{"spec":{"suspend":false}}']);
    await cluster.server.controllers.settle();
    // Only times within the deadline count as missed, so nothing starts and nothing is reported.
    expect(await jobsOf('strict')).to.deep.equal([]);
    expect(await events('strict')).to.deep.equal([]);
    const at = await nextMinute();
    expect((await jobsOf('strict')).map((j) => j.metadata.name)).to.deep.equal([jobName('strict', at)]);
  });

  it('wait for the new schedule after a schedule change', async () => {
    // Hourly at half an hour from now, so the next minute is never one of its times.
    const minuteOfHour = (clock.now().getUTCMinutes() + 30) % 60;
    await kubectl(['create', '-f', '-'], cronJob('hourly', { schedule: `${minuteOfHour} * * * *` }));
    await nextMinute();
    expect(await jobsOf('hourly')).to.deep.equal([]);
    await kubectl(['patch', 'cronjob', 'hourly', '-p', '{"spec":{"schedule":"*/1 * * * *"}}']);
    const at = await nextMinute();
    expect((await jobsOf('hourly')).map((j) => j.metadata.name)).to.deep.equal([jobName('hourly', at)]);
  });
});
