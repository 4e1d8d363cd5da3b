// A keyed, de-duplicating work queue driving a level-triggered reconcile function, as client-go's
// workqueue drives controller-runtime reconcilers. Reconcilers never sleep: they ask to be requeued.

import type { Clock } from '../clock.js';

export interface ReconcileResult {
  /** Run this key again after a delay (content still draining, say). */
  requeueAfterMs?: number;
}

export type Reconcile = (key: string) => ReconcileResult | void;

export class Controller {
  private readonly queued = new Set<string>();
  private readonly delayed = new Map<string, () => void>();
  private scheduled = false;
  private stopped = false;

  constructor(
    readonly name: string,
    private readonly clock: Clock,
    private readonly reconcile: Reconcile,
    private readonly reportError: (err: unknown) => void,
  ) {}

  enqueue(key: string): void {
    if (this.stopped) return;
    this.delayed.get(key)?.();
    this.delayed.delete(key);
    this.queued.add(key);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
    this.scheduled = false;
    const keys = [...this.queued];
    this.queued.clear();
    for (const key of keys) {
      if (this.stopped) return;
      let result: ReconcileResult | void;
      try {
        result = this.reconcile(key);
      } catch (err) {
        this.reportError(err);
        result = { requeueAfterMs: 1000 };
      }
      if (result?.requeueAfterMs !== undefined) {
        const cancel = this.clock.setTimer(() => {
          this.delayed.delete(key);
          this.enqueue(key);
        }, result.requeueAfterMs);
        this.delayed.set(key, cancel);
      }
    }
  }

  stop(): void {
    this.stopped = true;
    for (const cancel of this.delayed.values()) cancel();
    this.delayed.clear();
    this.queued.clear();
  }
}
