// What a controller has asked for and not yet seen (pkg/controller's UIDTrackingControllerExpectations):
// creations it expects to observe and pod keys whose deletion it expects. A controller whose
// expectations are not met does not create or delete more, so a burst of events cannot make it
// over-create; expectations older than five minutes of the clock are given up.

import type { Clock } from '../clock.js';

const expectationsTimeoutMs = 5 * 60_000;

interface Expectation {
  adds: number;
  deletes: Set<string>;
  at: number;
}

export class Expectations {
  private readonly byController = new Map<string, Expectation>();

  constructor(private readonly clock: Clock) {}

  /** Met, expired or never set: the controller may act on what it sees. */
  satisfied(controller: string): boolean {
    const e = this.byController.get(controller);
    if (!e) return true;
    if (e.adds <= 0 && e.deletes.size === 0) return true;
    return this.clock.now().getTime() - e.at > expectationsTimeoutMs;
  }

  expectCreations(controller: string, count: number): void {
    this.byController.set(controller, { adds: count, deletes: new Set(), at: this.clock.now().getTime() });
  }

  expectDeletions(controller: string, podKeys: string[]): void {
    this.byController.set(controller, { adds: 0, deletes: new Set(podKeys), at: this.clock.now().getTime() });
  }

  creationObserved(controller: string): void {
    const e = this.byController.get(controller);
    if (e && e.adds > 0) e.adds--;
  }

  deletionObserved(controller: string, podKey: string): void {
    this.byController.get(controller)?.deletes.delete(podKey);
  }

  /** How many expected creations are still unseen (for lowering after a failed create). */
  pendingCreations(controller: string): number {
    return this.byController.get(controller)?.adds ?? 0;
  }

  forget(controller: string): void {
    this.byController.delete(controller);
  }
}
