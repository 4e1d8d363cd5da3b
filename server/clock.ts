// The one source of time. Everything that stamps or waits asks the clock, so tests can step it.

export type CancelTimer = () => void;

export interface Clock {
  now(): Date;
  /** Runs `fn` after `ms`; the returned function cancels it. Timers never keep the process alive. */
  setTimer(fn: () => void, ms: number): CancelTimer;
}

/** The longest delay setTimeout takes; longer ones are chained. */
const maxTimerMs = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => new Date(),
  setTimer(fn, ms) {
    let handle: NodeJS.Timeout;
    const arm = (remaining: number) => {
      handle = setTimeout(() => (remaining > maxTimerMs ? arm(remaining - maxTimerMs) : fn()), Math.min(remaining, maxTimerMs));
      handle.unref();
    };
    arm(ms);
    return () => clearTimeout(handle);
  },
};

interface PendingTimer {
  due: number;
  fn: () => void;
}

/** A clock that only moves when told to; timers fire as it passes their time. */
export class ManualClock implements Clock {
  private current: number;
  private readonly timers = new Set<PendingTimer>();

  constructor(start: Date = new Date('2024-01-01T00:00:00Z')) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  setTimer(fn: () => void, ms: number): CancelTimer {
    const timer = { due: this.current + ms, fn };
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  }

  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = [...this.timers].filter((t) => t.due <= target).sort((a, b) => a.due - b.due)[0];
      if (!next) break;
      this.timers.delete(next);
      this.current = Math.max(this.current, next.due);
      next.fn();
    }
    this.current = target;
  }
}

/** RFC 3339 with whole seconds, as metav1.Time serializes. */
export function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

