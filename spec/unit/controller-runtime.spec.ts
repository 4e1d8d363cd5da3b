import { expect } from 'chai';
import { ManualClock } from '../../server/clock.js';
import { errors } from '../../server/errors.js';
import { controllerCatalog } from '../../server/reconcilers/index.js';
import type { Controller, ControllerDescriptor, ControllerEnv } from '../../server/reconcilers/controller.js';
import { controllerManagerIdentity } from '../../server/reconcilers/controller.js';
import { ControllerRunner } from '../../server/reconcilers/runner.js';
import { World } from '../../server/reconcilers/world.js';
import { ControllerSelectionError, parseControllerList, selectControllers } from '../../server/reconcilers/selection.js';
import { createServices } from '../../server/server.js';
import type { Services } from '../../server/services.js';

function world(clock = new ManualClock()): Services {
  const services = createServices({ clock });
  const namespaces = services.registry.find('', 'v1', 'namespaces')!;
  services.objects.create(namespaces, '', { metadata: { name: 'ns' } });
  return services;
}

function configMap(services: Services, name: string, extra: Record<string, unknown> = {}) {
  return services.objects.create(services.registry.find('', 'v1', 'configmaps')!, 'ns', { metadata: { name, ...extra } });
}

function deployment(services: Services, name: string) {
  const body = {
    metadata: { name },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
  return services.objects.create(services.registry.find('apps', 'v1', 'deployments')!, 'ns', body);
}

/** A controller whose reconcile records keys and answers as `answer` says. */
function recording(shape: Omit<Controller, 'reconcile'>, answer: (key: string, env: ControllerEnv) => ReturnType<Controller['reconcile']> = () => undefined) {
  const seen: string[] = [];
  let captured: ControllerEnv | undefined;
  const descriptor: ControllerDescriptor = {
    name: 'recording',
    create(env) {
      captured = env;
      return { ...shape, reconcile: (key) => (seen.push(key), answer(key, env)) };
    },
  };
  return { seen, descriptor, env: () => captured! };
}

describe('controller runtime', () => {
  let runner: ControllerRunner | undefined;
  afterEach(() => runner?.stop());

  function run(services: Services, descriptors: ControllerDescriptor[], reportError: (err: unknown) => void = (err) => { throw err; }) {
    runner = new ControllerRunner(services, descriptors, undefined, new World(), reportError);
    runner.start();
    return runner;
  }

  it('lists the primary resource at start and reconciles each key once however often it was queued', async () => {
    const services = world();
    configMap(services, 'a');
    configMap(services, 'b');
    const { seen, descriptor, env } = recording({ for: 'configmaps' });
    const r = run(services, [descriptor]);
    env().queue.enqueue('ns/a');
    env().queue.enqueue('ns/a');
    expect(r.idle()).to.equal(false);
    await r.settle();
    expect(seen).to.deep.equal(['ns/a', 'ns/b']);
    expect(r.idle()).to.equal(true);
  });

  it('maps owned objects to their controller owner, and the previous owner when one is released', async () => {
    const services = world();
    const owner = deployment(services, 'web').object;
    const other = deployment(services, 'api').object;
    const { seen, descriptor } = recording({ for: 'apps/deployments', owns: ['configmaps'] });
    const r = run(services, [descriptor]);
    await r.settle();
    seen.length = 0;
    const ref = (o: typeof owner, controller: boolean) => ({ apiVersion: 'apps/v1', kind: 'Deployment', name: o.metadata.name, uid: o.metadata.uid, controller });
    const owned = configMap(services, 'owned', { ownerReferences: [ref(owner, true)] });
    configMap(services, 'not-controlled', { ownerReferences: [ref(other, false)] });
    configMap(services, 'other-group', { ownerReferences: [{ ...ref(other, true), apiVersion: 'extensions.example.com/v1' }] });
    await r.settle();
    expect(seen).to.deep.equal(['ns/web']);
    seen.length = 0;
    const configmaps = services.registry.find('', 'v1', 'configmaps')!;
    services.objects.replace(configmaps, services.objects.get(configmaps, 'ns', 'owned'), { ...owned.object, metadata: { ...owned.object.metadata, ownerReferences: [ref(other, true)] } });
    await r.settle();
    expect(seen.sort()).to.deep.equal(['ns/api', 'ns/web']);
  });

  it('keeps dependents by owner UID as references come and go', async () => {
    const services = world();
    const r = run(services, []);
    const owner = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'owner-uid' };
    configMap(services, 'first', { ownerReferences: [owner] });
    configMap(services, 'second', { ownerReferences: [owner] });
    expect(r.owners.dependents('owner-uid').map((d) => d.key).sort()).to.deep.equal(['ns/first', 'ns/second']);
    services.objects.delete(services.registry.find('', 'v1', 'configmaps')!, 'ns', 'first');
    expect(r.owners.dependents('owner-uid')).to.deep.equal([{ resource: 'configmaps', key: 'ns/second' }]);
  });

  it('waits for requeues on the clock and says when the next one is due', async () => {
    const clock = new ManualClock();
    const services = world(clock);
    configMap(services, 'lease');
    let calls = 0;
    const { seen, descriptor } = recording({ for: 'configmaps' }, () => (++calls < 3 ? { requeueAfterMs: 10_000 } : undefined));
    const r = run(services, [descriptor]);
    await r.settle();
    expect(seen).to.deep.equal(['ns/lease']);
    expect(r.nextDue()?.getTime()).to.equal(clock.now().getTime() + 10_000);
    expect(r.settled()).to.equal(true);
    expect(r.settled(new Date(clock.now().getTime() + 10_000))).to.equal(false);
    clock.advance(9_999);
    await r.settle();
    expect(seen).to.have.length(1);
    clock.advance(1);
    await r.settle();
    expect(seen).to.have.length(2);
    clock.advance(10_000);
    await r.settle();
    expect(seen).to.have.length(3);
    expect(r.nextDue()).to.equal(undefined);
  });

  describe('a requeue with slack', () => {
    /** Three keys due 0, 100 and 300 ms apart after 10 s, each allowed to run 400 ms late, then done. */
    function staggered(services: Services) {
      for (const name of ['a', 'b', 'c']) configMap(services, name);
      const offsets: Record<string, number> = { 'ns/a': 0, 'ns/b': 100, 'ns/c': 300 };
      const passes = new Map<string, number>();
      return recording({ for: 'configmaps' }, (key) => {
        const pass = (passes.get(key) ?? 0) + 1;
        passes.set(key, pass);
        return pass === 1 ? { requeueAfterMs: 10_000 + offsets[key], slackMs: 400 } : undefined;
      });
    }

    it('shares one wakeup on a clock with timer slack, and counts as settled until its deadline', async () => {
      let fired = 0;
      class SlackClock extends ManualClock {
        readonly timerSlackMs = 20;
        override setTimer(fn: () => void, ms: number) {
          return super.setTimer(() => (fired++, fn()), ms);
        }
      }
      const clock = new SlackClock();
      const start = clock.now().getTime();
      const services = world(clock);
      const { seen, descriptor } = staggered(services);
      const r = run(services, [descriptor]);
      await r.settle();
      expect(seen).to.have.length(3);
      expect(r.nextDue()?.getTime()).to.equal(start + 10_000);
      expect(r.settled(new Date(start + 10_399))).to.equal(true);
      expect(r.settled(new Date(start + 10_400))).to.equal(false);
      fired = 0;
      clock.advance(10_399);
      await r.settle();
      expect(seen).to.have.length(3);
      clock.advance(1);
      await r.settle();
      expect(seen.slice(3)).to.have.members(['ns/a', 'ns/b', 'ns/c']);
      expect(fired).to.equal(1);
      expect(r.nextDue()).to.equal(undefined);
    });

    it('runs on time on the manual clock', async () => {
      const clock = new ManualClock();
      const start = clock.now().getTime();
      const services = world(clock);
      const { seen, descriptor } = staggered(services);
      const r = run(services, [descriptor]);
      await r.settle();
      expect(r.settled(new Date(start + 10_000))).to.equal(false);
      for (const [at, key] of [[10_000, 'ns/a'], [10_100, 'ns/b'], [10_300, 'ns/c']] as const) {
        clock.advance(start + at - clock.now().getTime());
        await r.settle();
        expect(seen.at(-1)).to.equal(key);
      }
      expect(seen).to.have.length(6);
    });
  });

  it('backs failures off exponentially and reports only the unexpected ones', async () => {
    const clock = new ManualClock();
    const services = world(clock);
    configMap(services, 'flaky');
    const reported: unknown[] = [];
    let calls = 0;
    const { seen, descriptor } = recording({ for: 'configmaps' }, () => {
      calls++;
      if (calls === 1) throw errors.conflict({ group: '', resource: 'configmaps' }, 'flaky', 'the object has been modified');
      if (calls === 2) throw new Error('bug');
      return undefined;
    });
    const r = run(services, [descriptor], (err) => reported.push(err));
    await r.settle();
    const start = clock.now().getTime();
    expect(r.nextDue()?.getTime()).to.equal(start + 5);
    clock.advance(5);
    await r.settle();
    expect(r.nextDue()?.getTime()).to.equal(start + 15);
    clock.advance(10);
    await r.settle();
    expect(seen).to.have.length(3);
    expect(reported.map((e) => (e as Error).message)).to.deep.equal(['bug']);
    expect(r.nextDue()).to.equal(undefined);
  });

  it('settle() waits for work queued by writes, including work the reconciles cause', async () => {
    const services = world();
    const { seen, descriptor, env } = recording({ for: 'configmaps' }, (key, e) => {
      if (key === 'ns/first') e.client(controllerManagerIdentity('test')).create('configmaps', 'ns', { metadata: { name: 'second' } });
    });
    const r = run(services, [descriptor]);
    await r.settle();
    configMap(services, 'first');
    expect(r.settled()).to.equal(false);
    await r.settle();
    expect(seen).to.include.members(['ns/first', 'ns/second']);
    expect(env().services.store.get('configmaps', 'ns/second')).to.not.equal(undefined);
  });

  it('writes as the controller identity, so managedFields name its field manager', async () => {
    const services = world();
    const { descriptor, env } = recording({});
    run(services, [descriptor]);
    const client = env().client(controllerManagerIdentity('deployment-controller'));
    const created = client.create('configmaps', 'ns', { metadata: { name: 'made' }, data: { a: '1' } });
    expect((created.object.metadata.managedFields as Array<{ manager: string }>).map((m) => m.manager)).to.deep.equal(['kube-controller-manager']);
    expect(client.identity.user.username).to.equal('system:serviceaccount:kube-system:deployment-controller');
  });

  describe('selection', () => {
    const names = (selection: ReturnType<typeof parseControllerList>) => selectControllers(controllerCatalog, selection).map((d) => d.name);

    it('runs everything by default and nothing with none', () => {
      expect(names('all')).to.deep.equal(controllerCatalog.map((d) => d.name));
      expect(names('none')).to.deep.equal([]);
      expect(names(parseControllerList(''))).to.deep.equal([]);
    });

    it('reads the kube-controller-manager grammar with aliases', () => {
      expect(names(parseControllerList('*,-namespace'))).to.not.include('namespace-controller');
      expect(names(parseControllerList('*,-namespace'))).to.include('serviceaccount-controller');
      expect(names(parseControllerList('serviceaccount,kubelet'))).to.deep.equal(['serviceaccount-controller', 'kubelet']);
      expect(names(['-kubelet', 'kubelet', '*'])).to.not.include('kubelet');
    });

    it('refuses unknown names', () => {
      expect(() => names(['*', '-nope'])).to.throw(ControllerSelectionError, '"nope" is not in the list of known controllers');
    });
  });
});
