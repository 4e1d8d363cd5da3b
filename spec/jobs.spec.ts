// The Job and TTL-after-finished controllers driven by kubectl on a manual clock, compared with
// kube-controller-manager 1.32.13 running the same Jobs: conditions, counters, pod names, the
// failure back-off and the events.

import { expect } from 'chai';
import { ManualClock, type KubeletStage } from '../testkit/index.js';
import { startCluster, type TestCluster } from './support/cluster.js';
import { advance, wallClockStart } from './support/step.js';

type Json = Record<string, any>;

const stages: KubeletStage[] = [
  { name: 'failing', match: { labels: { outcome: 'fail' } }, exit: { afterMs: 0, code: 1 } },
  { name: 'fatal', match: { labels: { outcome: 'fatal' } }, exit: { afterMs: 0, code: 42 } },
  { name: 'second-index-fails', match: { labels: { outcome: 'index', 'batch.kubernetes.io/job-completion-index': '1' } }, exit: { afterMs: 0, code: 1 } },
  { name: 'long', match: { labels: { outcome: 'long' } }, exit: { afterMs: 3_600_000, code: 0 } },
];

const job = (name: string, spec: Json, labels: Json = {}) =>
  JSON.stringify({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: { ...spec, template: { metadata: { labels }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36' }] } } },
  });

describe('Job controller', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  const settle = () => cluster.server.controllers.settle();
  const kubectl = (args: string[], input?: string) => cluster.kubectlOk(args, input);
  const json = (args: string[]): Promise<Json> => cluster.kubectlJson(args);
  /** The status with whether its times are set in place of the times, as the specs compare it. */
  const status = async (name: string) => {
    const { startTime, completionTime, ...rest } = (await json(['get', 'job', name])).status;
    if (rest.conditions) rest.conditions = rest.conditions.map((c: Json) => [c.type, c.status, c.reason, c.message]);
    return { ...rest, startTime: typeof startTime === 'string', completionTime: typeof completionTime === 'string' };
  };
  const events = async (name: string) =>
    (await json(['get', 'events', '--field-selector', `involvedObject.kind=Job,involvedObject.name=${name}`])).items
      .sort((a: Json, b: Json) => (a.metadata.name < b.metadata.name ? -1 : 1))
      .map((e: Json) => `${e.type} ${e.reason}: ${e.message.replace(new RegExp(`${name}-[a-z0-9]{5}`), `${name}-X`)}`);
  const pods = async (name: string) => (await json(['get', 'pods', '-l', `job-name=${name}`])).items as Json[];

  before(async () => {
    clock = new ManualClock(wallClockStart());
    cluster = await startCluster({ clock, kubeletStages: stages });
  });
  after(() => cluster.stop());

  it('run completions pods, parallelism at a time, and report SuccessCriteriaMet then Complete', async () => {
    await kubectl(['create', '-f', '-'], job('pi', { completions: 3, parallelism: 2 }));
    await settle();
    // As kube-controller-manager 1.32.13 reported the same Job.
    expect(await status('pi')).to.deep.equal({
      conditions: [
        ['SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
        ['Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
      ],
      succeeded: 3,
      ready: 0,
      terminating: 0,
      uncountedTerminatedPods: {},
      startTime: true,
      completionTime: true,
    });
    expect(await events('pi')).to.deep.equal([
      'Normal SuccessfulCreate: Created pod: pi-X',
      'Normal SuccessfulCreate: Created pod: pi-X',
      'Normal SuccessfulCreate: Created pod: pi-X',
      'Normal Completed: Job completed',
    ]);
    const finished = await pods('pi');
    expect(finished.map((p) => [p.status.phase, p.metadata.finalizers])).to.deep.equal([0, 1, 2].map(() => ['Succeeded', undefined]));
    expect((await kubectl(['wait', '--for=condition=complete', 'job/pi', '--timeout=5s'])).trim()).to.equal('job.batch/pi condition met');
  });

  it('replace failed pods after the back-off and fail the Job past its backoffLimit', async () => {
    await kubectl(['create', '-f', '-'], job('flaky', { backoffLimit: 1 }, { outcome: 'fail' }));
    await settle();
    expect(await status('flaky')).to.deep.include({ failed: 1, ready: 0, terminating: 0 });
    expect((await pods('flaky')).map((p) => p.metadata.finalizers)).to.deep.equal([undefined]);
    // The second pod waits for the 10 s pod failure back-off.
    await advance(cluster.server, clock, 9_000);
    expect(await pods('flaky')).to.have.length(1);
    await advance(cluster.server, clock, 2_000);
    expect(await status('flaky')).to.deep.equal({
      conditions: [
        ['FailureTarget', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
        ['Failed', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
      ],
      failed: 2,
      ready: 0,
      terminating: 0,
      uncountedTerminatedPods: {},
      startTime: true,
      completionTime: false,
    });
    expect(await events('flaky')).to.deep.equal([
      'Normal SuccessfulCreate: Created pod: flaky-X',
      'Normal SuccessfulCreate: Created pod: flaky-X',
      'Warning BackoffLimitExceeded: Job has reached the specified backoff limit',
    ]);
  });

  it('give Indexed pods their index in name, annotation, label, hostname and environment', async () => {
    await kubectl(['create', '-f', '-'], job('idx', { completions: 3, parallelism: 2, completionMode: 'Indexed' }));
    await settle();
    expect(await status('idx')).to.deep.include({ completedIndexes: '0-2', succeeded: 3 });
    const second = (await pods('idx')).find((p) => p.metadata.annotations['batch.kubernetes.io/job-completion-index'] === '1')!;
    // As kube-controller-manager 1.32.13 made index 1 of the same Job.
    expect(second.metadata.generateName).to.equal('idx-1-');
    expect(second.metadata.labels['batch.kubernetes.io/job-completion-index']).to.equal('1');
    expect(second.spec.hostname).to.equal('idx-1');
    expect(second.spec.containers[0].env).to.deep.equal([
      { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']" } } },
    ]);
  });

  it('fail an index on its own with backoffLimitPerIndex', async () => {
    await kubectl(['create', '-f', '-'], job('perindex', { completions: 2, parallelism: 2, completionMode: 'Indexed', backoffLimitPerIndex: 0 }, { outcome: 'index' }));
    await settle();
    const result = await status('perindex');
    expect(result).to.deep.include({ completedIndexes: '0', failedIndexes: '1', succeeded: 1, failed: 1 });
    expect(result.conditions).to.deep.equal([
      ['FailureTarget', 'True', 'FailedIndexes', 'Job has failed indexes'],
      ['Failed', 'True', 'FailedIndexes', 'Job has failed indexes'],
    ]);
  });

  it('fail the Job at once when a FailJob pod failure policy rule matches', async () => {
    const policy = { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [42] } }] };
    await kubectl(['create', '-f', '-'], job('fatal', { backoffLimit: 6, podFailurePolicy: policy }, { outcome: 'fatal' }));
    await settle();
    const [pod] = await pods('fatal');
    const message = `Container c for pod default/${pod.metadata.name} failed with exit code 42 matching FailJob rule at index 0`;
    expect((await status('fatal')).conditions).to.deep.equal([
      ['FailureTarget', 'True', 'PodFailurePolicy', message],
      ['Failed', 'True', 'PodFailurePolicy', message],
    ]);
    expect((await events('fatal')).at(-1)).to.equal(`Warning PodFailurePolicy: ${message.replace(pod.metadata.name, 'fatal-X')}`);
  });

  it('hold a suspended Job, start it on resume, and delete it ttlSecondsAfterFinished later', async () => {
    await kubectl(['create', '-f', '-'], job('later', { suspend: true, ttlSecondsAfterFinished: 30 }));
    await settle();
    expect(await status('later')).to.deep.equal({ conditions: [['Suspended', 'True', 'JobSuspended', 'Job suspended']], ready: 0, terminating: 0, uncountedTerminatedPods: {}, startTime: false, completionTime: false });
    await kubectl(['patch', 'job', 'later', '-p', '{"spec":{"suspend":false}}']);
    await settle();
    expect((await status('later')).conditions.map((c: string[]) => c[0])).to.deep.equal(['Suspended', 'SuccessCriteriaMet', 'Complete']);
    expect(await events('later')).to.deep.equal(['Normal Suspended: Job suspended', 'Normal SuccessfulCreate: Created pod: later-X', 'Normal Resumed: Job resumed', 'Normal Completed: Job completed']);
    await advance(cluster.server, clock, 29_000);
    expect((await cluster.kubectl(['get', 'job', 'later'])).code).to.equal(0);
    await advance(cluster.server, clock, 2_000);
    expect((await cluster.kubectl(['get', 'job', 'later'])).stderr).to.contain('jobs.batch "later" not found');
    expect(await pods('later')).to.deep.equal([]);
  });

  it('stop a Job past activeDeadlineSeconds, deleting its pods', async () => {
    await kubectl(['create', '-f', '-'], job('slow', { activeDeadlineSeconds: 60 }, { outcome: 'long' }));
    await settle();
    expect(await status('slow')).to.deep.include({ active: 1, ready: 1 });
    await advance(cluster.server, clock, 61_000);
    expect((await status('slow')).conditions).to.deep.equal([
      ['FailureTarget', 'True', 'DeadlineExceeded', 'Job was active longer than specified deadline'],
      ['Failed', 'True', 'DeadlineExceeded', 'Job was active longer than specified deadline'],
    ]);
    expect(await events('slow')).to.deep.equal([
      'Normal SuccessfulCreate: Created pod: slow-X',
      'Normal SuccessfulDelete: Deleted pod: slow-X',
      'Warning DeadlineExceeded: Job was active longer than specified deadline',
    ]);
  });
});
