import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { ManualClock } from '../../testkit/index.js';
import { startCluster, withoutWorkloadControllers, type TestCluster } from '../support/cluster.js';
import { expectStatus } from '../support/status.js';
import { aligned, timeAt } from '../support/tables.js';

const container = { name: 'c', image: 'busybox:1.36' };

describe('batch/v1', () => {
  let cluster: TestCluster;
  let batch: k8s.BatchV1Api;
  before(async () => {
    cluster = await startCluster({ controllers: withoutWorkloadControllers });
    batch = cluster.kubeconfig.makeApiClient(k8s.BatchV1Api);
  });
  after(() => cluster.stop());


  describe('Jobs through BatchV1Api', () => {
    it('creates a Job with its generated selector, reads, lists by label, updates and deletes it', async () => {
      const created = await batch.createNamespacedJob({
        namespace: 'default',
        body: { metadata: { name: 'pi' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [container] } } } },
      });
      const uid = created.metadata!.uid!;
      expect(created.spec?.selector).to.deep.equal({ matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
      expect(created.metadata?.labels).to.deep.equal({
        'batch.kubernetes.io/controller-uid': uid,
        'batch.kubernetes.io/job-name': 'pi',
        'controller-uid': uid,
        'job-name': 'pi',
      });
      expect(created.spec).to.include({ completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, manualSelector: false, podReplacementPolicy: 'TerminatingOrFailed' });
      expect(created.metadata?.generation).to.equal(1);

      const listed = await batch.listNamespacedJob({ namespace: 'default', labelSelector: 'batch.kubernetes.io/job-name=pi' });
      expect(listed.items.map((j) => j.metadata?.name)).to.deep.equal(['pi']);

      const read = await batch.readNamespacedJob({ name: 'pi', namespace: 'default' });
      read.spec!.suspend = true;
      const replaced = await batch.replaceNamespacedJob({ name: 'pi', namespace: 'default', body: read });
      expect(replaced.spec?.suspend).to.equal(true);
      expect(replaced.metadata?.generation).to.equal(2);

      read.spec!.completions = 4;
      read.metadata!.resourceVersion = replaced.metadata!.resourceVersion;
      const refused = await expectStatus(batch.replaceNamespacedJob({ name: 'pi', namespace: 'default', body: read }), 422, 'Invalid');
      expect(refused.message).to.equal('Job.batch "pi" is invalid: spec.completions: Invalid value: 4: field is immutable');

      await batch.deleteNamespacedJob({ name: 'pi', namespace: 'default', propagationPolicy: 'Background' });
      await expectStatus(batch.readNamespacedJob({ name: 'pi', namespace: 'default' }), 404, 'NotFound', 'jobs.batch "pi" not found');
    });

    it('writes status through the status subresource only', async () => {
      await batch.createNamespacedJob({ namespace: 'default', body: { metadata: { name: 'counted' }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [container] } } } } });
      const withStatus = await batch.patchNamespacedJobStatus({
        name: 'counted',
        namespace: 'default',
        body: [
          { op: 'add', path: '/status/succeeded', value: 1 },
          { op: 'replace', path: '/spec/parallelism', value: 5 },
        ],
      });
      expect(withStatus.status?.succeeded).to.equal(1);
      expect(withStatus.spec?.parallelism, 'a status write keeps the spec').to.equal(1);
      const status = await batch.readNamespacedJobStatus({ name: 'counted', namespace: 'default' });
      expect(status.status?.succeeded).to.equal(1);
      const plain = await batch.patchNamespacedJob({ name: 'counted', namespace: 'default', body: [{ op: 'replace', path: '/status/succeeded', value: 7 }] });
      expect(plain.status?.succeeded, 'a main-resource write keeps the status').to.equal(1);
      const selected = await batch.listNamespacedJob({ namespace: 'default', fieldSelector: 'status.successful=1' });
      expect(selected.items.map((j) => j.metadata?.name)).to.deep.equal(['counted']);
    });
  });

  describe('CronJobs through BatchV1Api', () => {
    it('creates a CronJob with its defaults, suspends it and refuses a bad schedule', async () => {
      const created = await batch.createNamespacedCronJob({
        namespace: 'default',
        body: { metadata: { name: 'nightly' }, spec: { schedule: '0 3 * * *', timeZone: 'Europe/Berlin', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [container] } } } } } },
      });
      expect(created.spec).to.include({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
      const suspended = await batch.patchNamespacedCronJob({ name: 'nightly', namespace: 'default', body: [{ op: 'replace', path: '/spec/suspend', value: true }] });
      expect(suspended.spec?.suspend).to.equal(true);
      const refused = await expectStatus(
        batch.patchNamespacedCronJob({ name: 'nightly', namespace: 'default', body: [{ op: 'replace', path: '/spec/schedule', value: '0 3 * *' }] }),
        422,
        'Invalid',
      );
      expect(refused.message).to.equal('CronJob.batch "nightly" is invalid: spec.schedule: Invalid value: "0 3 * *": expected exactly 5 fields, found 4: [0 3 * *]');
      const all = await batch.listCronJobForAllNamespaces();
      expect(all.items.map((c) => c.metadata?.name)).to.deep.equal(['nightly']);
      await batch.deleteNamespacedCronJob({ name: 'nightly', namespace: 'default' });
    });
  });

  describe('kubectl', () => {
    it('creates jobs and cronjobs with kubectl create (protobuf bodies) and deletes them', async () => {
      const job = await cluster.kubectl(['create', 'job', 'once', '--image=busybox:1.36', '--', 'echo', 'hi']);
      expect(job.stdout, job.stderr).to.equal('job.batch/once created\n');
      const cron = await cluster.kubectl(['create', 'cronjob', 'often', '--image=busybox:1.36', '--schedule=*/5 * * * *', '--', 'echo', 'hi']);
      expect(cron.stdout, cron.stderr).to.equal('cronjob.batch/often created\n');
      const fromCron = await cluster.kubectl(['create', 'job', 'manual-run', '--from=cronjob/often']);
      expect(fromCron.stdout, fromCron.stderr).to.equal('job.batch/manual-run created\n');
      const got = JSON.parse((await cluster.kubectl(['get', 'job', 'manual-run', '-o', 'json'])).stdout);
      expect(got.metadata.annotations).to.deep.equal({ 'cronjob.kubernetes.io/instantiate': 'manual' });
      expect(got.spec.template.spec.containers[0].command).to.deep.equal(['echo', 'hi']);
      const deleted = await cluster.kubectl(['delete', 'job', 'once', 'manual-run']);
      expect(deleted.stdout, deleted.stderr).to.equal('job.batch "once" deleted\njob.batch "manual-run" deleted\n');
      const bad = await cluster.kubectl(['create', 'cronjob', 'bad', '--image=busybox', '--schedule=* * *']);
      expect(bad.code).to.equal(1);
      expect(bad.stderr).to.equal(
        'error: failed to create cronjob: CronJob.batch "bad" is invalid: spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]\n',
      );
    });
  });
});

describe('batch/v1 printer columns', () => {
  let cluster: TestCluster;
  let clock: ManualClock;
  let t0: number;
  const ns = 'batch-tables';
  // Objects are created at t0; the clock then moves 42s, the age every row reads.
  const ageMs = 42_000;

  before(async () => {
    clock = new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000));
    t0 = clock.now().getTime();
    cluster = await startCluster({ clock, controllers: withoutWorkloadControllers });
    const { objects, registry } = cluster.server.services;
    objects.create(registry.find('', 'v1', 'namespaces')!, '', { metadata: { name: ns } });
    const jobs = registry.find('batch', 'v1', 'jobs')!;
    const cronjobs = registry.find('batch', 'v1', 'cronjobs')!;
    const job = (name: string, spec: Record<string, unknown> = {}) =>
      objects.create(jobs, ns, { metadata: { name }, spec: { ...spec, template: { spec: { restartPolicy: 'Never', containers: [container] } } } }).object;
    const setStatus = (def: typeof jobs, name: string, status: Record<string, unknown>) => {
      const current = objects.get(def, ns, name).object;
      objects.update(def, ns, name, { ...current, status }, { subresource: 'status' });
    };
    job('k1');
    job('done');
    setStatus(jobs, 'done', {
      startTime: timeAt(t0, -90 * 60_000),
      completionTime: timeAt(t0, -80 * 60_000),
      succeeded: 1,
      conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }],
    });
    job('failed');
    setStatus(jobs, 'failed', { startTime: timeAt(t0, -90 * 60_000 + ageMs), failed: 3, conditions: [{ type: 'FailureTarget', status: 'True' }, { type: 'Failed', status: 'True' }] });
    job('wide', { parallelism: 3, completions: null });
    objects.create(cronjobs, ns, {
      metadata: { name: 'c1' },
      spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [container] } } } } },
    });
    setStatus(cronjobs, 'c1', { lastScheduleTime: timeAt(t0, -90 * 60_000 + ageMs), active: [{ name: 'x' }] });
    objects.create(cronjobs, ns, {
      metadata: { name: 'zoned' },
      spec: { schedule: '@hourly', timeZone: 'Europe/Paris', suspend: true, jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [container] } } } } },
    });
    clock.advance(ageMs);
  });
  after(() => cluster.stop());

  const uidOf = async (name: string) => JSON.parse((await cluster.kubectl(['get', 'job', '-n', ns, name, '-o', 'json'])).stdout).metadata.uid as string;

  it('prints jobs as kubectl get -o wide does against kube-apiserver 1.32.13', async () => {
    const { stdout, stderr } = await cluster.kubectl(['get', 'jobs', '-n', ns, '-o', 'wide']);
    const selector = async (name: string) => `batch.kubernetes.io/controller-uid=${await uidOf(name)}`;
    expect(stdout, stderr).to.equal(
      aligned([
        ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR'],
        ['done', 'Complete', '1/1', '10m', '42s', 'c', 'busybox:1.36', await selector('done')],
        ['failed', 'Failed', '0/1', '90m', '42s', 'c', 'busybox:1.36', await selector('failed')],
        ['k1', 'Running', '0/1', '', '42s', 'c', 'busybox:1.36', await selector('k1')],
        ['wide', 'Running', '0/1 of 3', '', '42s', 'c', 'busybox:1.36', await selector('wide')],
      ]),
    );
  });

  it('prints cronjobs as kubectl get does, wide and not', async () => {
    const wide = await cluster.kubectl(['get', 'cronjobs', '-n', ns, '-o', 'wide']);
    expect(wide.stdout, wide.stderr).to.equal(
      aligned([
        ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR'],
        ['c1', '*/5 * * * *', '<none>', 'False', '1', '90m', '42s', 'c', 'busybox:1.36', '<none>'],
        ['zoned', '@hourly', 'Europe/Paris', 'True', '0', '<none>', '42s', 'c', 'busybox:1.36', '<none>'],
      ]),
    );
    const narrow = await cluster.kubectl(['get', 'cj', '-n', ns]);
    expect(narrow.stdout, narrow.stderr).to.equal(
      aligned([
        ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE'],
        ['c1', '*/5 * * * *', '<none>', 'False', '1', '90m', '42s'],
        ['zoned', '@hourly', 'Europe/Paris', 'True', '0', '<none>', '42s'],
      ]),
    );
  });
});
