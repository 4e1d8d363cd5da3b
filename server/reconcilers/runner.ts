// Runs every enabled controller: one store subscription feeds their de-duplicating queues, an owner
// index maps owned objects to their controller, failures back off and requeues wait on the clock.
// It knows when the world is settled (nothing queued or running, nothing due before a given time),
// which is what the testkit's settle() and clock stepping are built on.

import { performance } from 'node:perf_hooks';
import { clearImmediate, setImmediate } from 'node:timers';
import type { CancelTimer } from '../clock.js';
import { StatusError } from '../errors.js';
import type { Services } from '../services.js';
import type { StoreEvent } from '../store/memory-store.js';
import { ControllerClient } from './client.js';
import type { ClusterCA, Controller, ControllerDescriptor, ControllerEnv, ReconcileResult } from './controller.js';
import { DelayHeap } from './delay-heap.js';
import { KeyQueue } from './key-queue.js';
import { controllerOf, OwnerIndex } from './owner-index.js';
import type { World } from './world.js';

/** client-go's default per-item backoff: 5 ms doubling up to 1000 s. */
const baseBackoffMs = 5;
const maxBackoffMs = 1_000_000;
/** How long one turn of reconciling may hold the event loop before requests get their turn. */
const turnBudgetMs = 10;

interface RunningController {
  name: string;
  controller: Controller;
  queued: KeyQueue;
  failures: Map<string, number>;
}

interface SettleWaiter {
  before: number;
  resolve(): void;
}

type Dispatch = (event: StoreEvent) => void;

/** Errors a controller meets in normal operation (a conflict, an object gone): retried without a report. */
function expected(err: unknown): boolean {
  return err instanceof StatusError && [403, 404, 409, 410, 429].includes(err.code);
}

export class ControllerRunner {
  readonly owners = new OwnerIndex();
  private readonly controllers: RunningController[] = [];
  private readonly dispatch = new Map<string, Dispatch[]>();
  private readonly dispatchAll: Dispatch[] = [];
  private readonly delays = new DelayHeap();
  private timer?: { at: number; cancel: CancelTimer };
  /** When the timer last fired, by the clock. */
  private firedAt = -Infinity;
  private drainScheduled = false;
  private reconciling = false;
  private stopped = false;
  private waiters: SettleWaiter[] = [];
  private unsubscribe?: () => void;

  constructor(
    private readonly services: Services,
    private readonly descriptors: ControllerDescriptor[],
    private readonly ca: ClusterCA | undefined,
    private world: World,
    private readonly reportError: (err: unknown) => void,
  ) {
    this.createControllers();
  }

  /** Builds every controller afresh (nothing carried over from what an earlier store held) and wires its sources. */
  private createControllers(): void {
    this.descriptors.forEach((descriptor, index) => {
      const env: ControllerEnv = {
        services: this.services,
        client: (identity) => new ControllerClient(this.services, identity),
        owners: this.owners,
        queue: { enqueue: (key) => this.enqueue(index, key), enqueueAfter: (key, ms) => this.enqueueAfter(index, key, ms) },
        ca: this.ca,
        world: this.world,
      };
      const controller = descriptor.create(env);
      this.controllers.push({ name: descriptor.name, controller, queued: new KeyQueue(), failures: new Map() });
      this.wire(index, controller);
    });
  }

  /** Names of the controllers running, in start order. */
  get names(): string[] {
    return this.controllers.map((c) => c.name);
  }

  /** Builds the owner index from what is stored, subscribes, and queues every primary object and initial key. */
  start(): void {
    this.unsubscribe = this.services.store.subscribe((event) => this.onEvent(event));
    this.list();
  }

  /**
   * After the store was replaced under the runner (a reset): the controllers are built again for the
   * new world, forgetting what they learnt from the old store, and list it as at start. The runner
   * itself stays: its store subscription, and settle() calls waiting, which resolve once the
   * relisted work is done.
   */
  relist(world: World): void {
    if (this.stopped) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.delays.clear();
    for (const running of this.controllers) running.controller.stop?.();
    this.controllers.length = 0;
    this.dispatch.clear();
    this.dispatchAll.length = 0;
    this.owners.clear();
    this.world = world;
    this.createControllers();
    this.list();
  }

  private list(): void {
    const store = this.services.store;
    for (const resource of store.resources()) for (const stored of store.list(resource)) this.owners.add(stored);
    this.controllers.forEach((running, index) => {
      const { controller } = running;
      if (controller.for) for (const stored of store.list(controller.for)) this.enqueue(index, stored.key);
      for (const key of controller.initialKeys?.() ?? []) this.enqueue(index, key);
    });
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.timer?.cancel();
    this.timer = undefined;
    this.delays.clear();
    for (const running of this.controllers) {
      running.queued.clear();
      running.controller.stop?.();
    }
    this.owners.clear();
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.resolve();
  }

  /** Queues a key of the named controller (from outside its watches: a testkit call). */
  enqueueFor(name: string, key: string): void {
    const index = this.controllers.findIndex((c) => c.name === name);
    if (index >= 0) this.enqueue(index, key);
  }

  /** Nothing queued or being reconciled. */
  idle(): boolean {
    return !this.reconciling && !this.drainScheduled && this.controllers.every((c) => c.queued.size === 0);
  }

  /** When the earliest requeue is due, if any waits. */
  nextDue(): Date | undefined {
    const due = this.delays.nextDue();
    return due === undefined ? undefined : new Date(due);
  }

  /** Idle, with nothing that must run by `before` (default: now): due then, and out of its slack. */
  settled(before: Date = this.services.clock.now()): boolean {
    return this.isSettled(before.getTime());
  }

  /**
   * Resolves once the world is settled as of `before` (default: now). With a manual clock, work due
   * after the clock's time waits for the clock to be advanced: step it to nextDue() and settle again.
   */
  settle(before: Date = this.services.clock.now()): Promise<void> {
    const at = before.getTime();
    if (this.stopped || this.isSettled(at)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ before: at, resolve }));
  }

  private isSettled(before: number): boolean {
    if (!this.idle()) return false;
    const deadline = this.delays.nextDeadline();
    return deadline === undefined || deadline > before;
  }

  private notifyWaiters(): void {
    if (this.waiters.length === 0 || !this.idle()) return;
    const waiting: SettleWaiter[] = [];
    for (const waiter of this.waiters) {
      if (this.isSettled(waiter.before)) waiter.resolve();
      else waiting.push(waiter);
    }
    this.waiters = waiting;
  }

  private wire(index: number, controller: Controller): void {
    const on = (resource: string, dispatch: Dispatch) => {
      if (resource === '*') {
        this.dispatchAll.push(dispatch);
        return;
      }
      const list = this.dispatch.get(resource) ?? [];
      list.push(dispatch);
      this.dispatch.set(resource, list);
    };
    if (controller.for) on(controller.for, (event) => this.enqueue(index, event.object.key));
    if (controller.owns?.length) {
      const primary = this.services.registry.findByResource(controller.for ?? '');
      if (!primary) throw new Error(`a controller owning ${controller.owns.join(', ')} needs a primary resource`);
      const toOwnerKey = (event: StoreEvent) => {
        for (const stored of [event.object, event.previous]) {
          const ref = controllerOf(stored);
          if (!ref || ref.kind !== primary.kind) continue;
          const group = ref.apiVersion?.includes('/') ? ref.apiVersion.split('/')[0] : '';
          if (group !== primary.group) continue;
          this.enqueue(index, primary.namespaced ? `${stored!.namespace}/${ref.name}` : ref.name);
        }
      };
      for (const owned of controller.owns) on(owned, toOwnerKey);
    }
    for (const source of controller.watches ?? []) {
      on(source.resource, (event) => {
        for (const key of source.map(event)) this.enqueue(index, key);
      });
    }
  }

  private onEvent(event: StoreEvent): void {
    this.owners.apply(event);
    for (const dispatch of this.dispatch.get(event.resource) ?? []) dispatch(event);
    for (const dispatch of this.dispatchAll) dispatch(event);
  }

  private enqueue(index: number, key: string): void {
    if (this.stopped) return;
    this.controllers[index].queued.add(key);
    this.scheduleDrain();
  }

  /** Queues a key after a delay of the clock, unless it is already due sooner. */
  private enqueueAfter(index: number, key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) return this.enqueue(index, key);
    this.delays.schedule(index, key, this.services.clock.now().getTime() + ms, true);
    this.armTimer();
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => this.drain());
  }

  /** Reconciles queued keys round-robin across controllers, for one turn of the event loop. */
  private drain(): void {
    this.drainScheduled = false;
    if (this.stopped) return;
    const deadline = performance.now() + turnBudgetMs;
    this.reconciling = true;
    try {
      for (let progressed = true; progressed; ) {
        progressed = false;
        for (let index = 0; index < this.controllers.length; index++) {
          const key = this.controllers[index].queued.take();
          if (key === undefined) continue;
          progressed = true;
          this.reconcileKey(index, key);
          if (this.stopped) return;
          if (performance.now() > deadline) {
            this.scheduleDrain();
            return;
          }
        }
      }
    } finally {
      this.reconciling = false;
    }
    this.notifyWaiters();
  }

  private reconcileKey(index: number, key: string): void {
    const running = this.controllers[index];
    this.delays.cancel(index, key);
    let result: ReconcileResult | void;
    try {
      result = running.controller.reconcile(key);
      running.failures.delete(key);
    } catch (err) {
      if (!expected(err)) this.reportError(err);
      const failures = (running.failures.get(key) ?? 0) + 1;
      running.failures.set(key, failures);
      result = { requeueAfterMs: Math.min(baseBackoffMs * 2 ** (failures - 1), maxBackoffMs) };
    }
    const after = result?.requeueAfterMs;
    if (after === undefined) return;
    if (after <= 0) {
      this.enqueue(index, key);
      return;
    }
    const clock = this.services.clock;
    // A clock without timer slack (the manual one) runs every key when due, its slack or not.
    const slack = clock.timerSlackMs === undefined ? 0 : (result?.slackMs ?? 0);
    this.delays.schedule(index, key, clock.now().getTime() + after, false, slack);
    this.armTimer();
  }

  /** Keeps one clock timer set for the earliest deadline: it takes every key due by then. */
  private armTimer(): void {
    const clock = this.services.clock;
    const deadline = this.delays.nextDeadline();
    // What falls due within the clock's slack of the last firing waits for the next one, together.
    const at = deadline !== undefined && clock.timerSlackMs ? Math.max(deadline, this.firedAt + clock.timerSlackMs) : deadline;
    if (at === this.timer?.at) return;
    this.timer?.cancel();
    this.timer = undefined;
    if (at === undefined || this.stopped) return;
    const wait = at - clock.now().getTime();
    if (wait <= 0) {
      // Already due: a manual clock would only fire it on its next advance.
      const handle = setImmediate(() => this.fire());
      this.timer = { at, cancel: () => clearImmediate(handle) };
      return;
    }
    this.timer = { at, cancel: clock.setTimer(() => this.fire(), wait) };
  }

  private fire(): void {
    this.timer = undefined;
    if (this.stopped) return;
    this.firedAt = this.services.clock.now().getTime();
    for (const entry of this.delays.takeDue(this.firedAt)) this.enqueue(entry.queue, entry.key);
    this.armTimer();
  }
}
