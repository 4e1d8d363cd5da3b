// Keys waiting for a time of the clock, earliest first. One clock timer serves the whole heap, so
// thousands of pending requeues cost one timer; a key has at most one live entry. A key may also
// say how late it may run (its deadline): the timer waits for the earliest deadline and takes every
// key due by then, so keys due close together share one wakeup.

export interface DelayedKey {
  due: number;
  /** The latest the key may run: its due time plus the slack it was given. */
  deadline: number;
  /** Which queue the key goes back to. */
  queue: number;
  key: string;
  /** Cleared when the entry is taken, replaced or cancelled; the heaps drop it lazily. */
  live: boolean;
}

/**
 * A binary min-heap of entries by one of their times; entries no longer live are dropped as they
 * surface. The times sit in an array of their own beside the entries, so a sift compares plain
 * numbers, and it moves a hole rather than swapping (the same arrangement a swapping sift makes).
 */
class EntryHeap {
  readonly entries: DelayedKey[] = [];
  private readonly times: number[] = [];

  constructor(private readonly time: 'due' | 'deadline') {}

  /** The earliest live entry, if any. */
  top(): DelayedKey | undefined {
    const entries = this.entries;
    while (entries.length > 0 && !entries[0].live) this.pop();
    return entries[0];
  }

  push(entry: DelayedKey): void {
    const { entries, times } = this;
    const time = entry[this.time];
    let i = entries.length;
    entries.push(entry);
    times.push(time);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (times[parent] <= time) break;
      entries[i] = entries[parent];
      times[i] = times[parent];
      i = parent;
    }
    entries[i] = entry;
    times[i] = time;
  }

  pop(): void {
    const { entries, times } = this;
    const last = entries.pop()!;
    const time = times.pop()!;
    const length = entries.length;
    if (length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && times[right] < times[left] ? right : left;
      if (times[child] >= time) break;
      entries[i] = entries[child];
      times[i] = times[child];
      i = child;
    }
    entries[i] = last;
    times[i] = time;
  }

  /** Rebuilds the heap from its live entries, so replaced ones cannot pile up. */
  compact(): void {
    const live = this.entries.filter((e) => e.live);
    this.clear();
    for (const entry of live) this.push(entry);
  }

  clear(): void {
    this.entries.length = 0;
    this.times.length = 0;
  }
}

export class DelayHeap {
  private readonly byDue = new EntryHeap('due');
  private readonly byDeadline = new EntryHeap('deadline');
  /** The live entry of each key, by queue: no key strings are joined on the way. */
  private readonly byQueue: Map<string, DelayedKey>[] = [];
  private live = 0;

  get size(): number {
    return this.live;
  }

  /**
   * Sets when `key` of `queue` is due, and how much later it may run, replacing an earlier request
   * (or only moving it earlier, with `keepEarlier`).
   */
  schedule(queue: number, key: string, due: number, keepEarlier = false, slack = 0): void {
    const keys = (this.byQueue[queue] ??= new Map());
    const current = keys.get(key);
    const deadline = due + slack;
    if (current) {
      if ((current.due === due && current.deadline === deadline) || (keepEarlier && current.due < due)) return;
      current.live = false;
      this.live--;
    }
    const entry: DelayedKey = { due, deadline, queue, key, live: true };
    keys.set(key, entry);
    this.live++;
    this.byDue.push(entry);
    this.byDeadline.push(entry);
    if (this.byDue.entries.length > 64 && this.byDue.entries.length > 3 * this.live) {
      this.byDue.compact();
      this.byDeadline.compact();
    }
  }

  cancel(queue: number, key: string): void {
    const keys = this.byQueue[queue];
    const current = keys?.get(key);
    if (!current) return;
    current.live = false;
    keys!.delete(key);
    this.live--;
  }

  /** The earliest due time, if anything waits. */
  nextDue(): number | undefined {
    return this.byDue.top()?.due;
  }

  /** The earliest deadline, if anything waits: by then some key must run. */
  nextDeadline(): number | undefined {
    return this.byDeadline.top()?.deadline;
  }

  /** Removes and returns every entry due at or before `now`. */
  takeDue(now: number): DelayedKey[] {
    const due: DelayedKey[] = [];
    for (;;) {
      const top = this.byDue.top();
      if (!top || top.due > now) return due;
      this.byDue.pop();
      top.live = false;
      this.byQueue[top.queue].delete(top.key);
      this.live--;
      due.push(top);
    }
  }

  clear(): void {
    this.byDue.clear();
    this.byDeadline.clear();
    this.byQueue.length = 0;
    this.live = 0;
  }
}
