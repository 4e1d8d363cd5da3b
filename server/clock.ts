// The one source of time. Everything that stamps or waits asks the clock, so tests can step it.

import { clearTimeout, setTimeout } from 'node:timers';

export type CancelTimer = () => void;

/** Milliseconds, or a Go-style duration: `250ms`, `30s`, `1m30s`, `2h`. */
export type Duration = number | string;

const durationUnits: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function durationMs(duration: Duration): number {
  if (typeof duration === 'number') {
    if (!Number.isFinite(duration) || duration < 0) throw new RangeError(`a duration must be zero or more milliseconds, got ${duration}`);
    return duration;
  }
  const text = duration.trim();
  let total = 0;
  let rest = text;
  const part = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/;
  if (text === '0') return 0;
  while (rest) {
    const match = part.exec(rest);
    if (!match) throw new RangeError(`"${duration}" is not a duration such as 500ms, 30s, 1m30s or 2h`);
    total += Number(match[1]) * durationUnits[match[2]];
    rest = rest.slice(match[0].length);
  }
  if (!text) throw new RangeError('an empty string is not a duration');
  return total;
}

// Read once, so fake timers a test installs later (sinon, jest) neither freeze nor hurry the real clock.
const RealDate = Date;

export interface Clock {
  now(): Date;
  /** Runs `fn` after `ms`; the returned function cancels it. Timers never keep the process alive. */
  setTimer(fn: () => void, ms: number): CancelTimer;
  /**
   * How much later than asked work waiting on this clock may run, so that what falls due close
   * together shares one wakeup (as an operating system's timer slack does). Absent: exactly on time.
   */
  readonly timerSlackMs?: number;
}

/** The longest delay setTimeout takes; longer ones are chained. */
const maxTimerMs = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => new RealDate(),
  // A thousand nodes renew their Leases within a few hundred ms of each other every 10 s: in
  // 20 ms slots that is a few dozen wakeups instead of hundreds (a kubelet jitters by 4% anyway).
  timerSlackMs: 20,
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

  /** When the next timer is due, if one is pending. */
  nextTimerAt(): Date | undefined {
    let due: number | undefined;
    for (const timer of this.timers) if (due === undefined || timer.due < due) due = timer.due;
    return due === undefined ? undefined : new Date(due);
  }

  /** Moves time forward, firing every timer that falls due on the way, in order. */
  advance(duration: Duration): void {
    const target = this.current + durationMs(duration);
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

/** The last second formatted: every write stamps times, mostly within the same second. */
let formatted = { second: NaN, text: '' };

/** RFC 3339 with whole seconds, as metav1.Time serializes. */
export function timestamp(date: Date): string {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== formatted.second) formatted = { second, text: date.toISOString().replace(/\.\d{3}Z$/, 'Z') };
  return formatted.text;
}

/** RFC 3339 with microseconds, as metav1.MicroTime serializes (a Lease's renewTime): the clock's milliseconds and three zeros. */
export function microTimestamp(date: Date): string {
  const whole = timestamp(date);
  const ms = date.getTime() - formatted.second * 1000;
  return `${whole.slice(0, -1)}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}000Z`;
}

