// Keys waiting for a time of the clock, earliest first. One clock timer serves the whole heap, so
// thousands of pending requeues cost one timer; a key has at most one live entry.

export interface DelayedKey {
  due: number;
  /** Which queue the key goes back to. */
  queue: number;
  key: string;
  /** Cleared when the entry is replaced or cancelled; the heap drops it lazily. */
  live: boolean;
}

export class DelayHeap {
  private readonly heap: DelayedKey[] = [];
  private readonly byKey = new Map<string, DelayedKey>();

  get size(): number {
    return this.byKey.size;
  }

  /** Sets when `key` of `queue` is due, replacing an earlier request (or only moving it earlier, with `keepEarlier`). */
  schedule(queue: number, key: string, due: number, keepEarlier = false): void {
    const id = `${queue} ${key}`;
    const current = this.byKey.get(id);
    if (current) {
      if (current.due === due || (keepEarlier && current.due < due)) return;
      current.live = false;
    }
    const entry: DelayedKey = { due, queue, key, live: true };
    this.byKey.set(id, entry);
    this.push(entry);
    if (this.heap.length > 64 && this.heap.length > 3 * this.byKey.size) this.compact();
  }

  cancel(queue: number, key: string): void {
    const id = `${queue} ${key}`;
    const current = this.byKey.get(id);
    if (!current) return;
    current.live = false;
    this.byKey.delete(id);
  }

  /** The earliest due time, if anything waits. */
  nextDue(): number | undefined {
    this.dropDead();
    return this.heap[0]?.due;
  }

  /** Removes and returns every entry due at or before `now`. */
  takeDue(now: number): DelayedKey[] {
    const due: DelayedKey[] = [];
    for (;;) {
      this.dropDead();
      const top = this.heap[0];
      if (!top || top.due > now) return due;
      this.pop();
      this.byKey.delete(`${top.queue} ${top.key}`);
      due.push(top);
    }
  }

  clear(): void {
    this.heap.length = 0;
    this.byKey.clear();
  }

  /** Rebuilds the heap from its live entries, so replaced ones cannot pile up. */
  private compact(): void {
    const live = this.heap.filter((e) => e.live);
    this.heap.length = 0;
    for (const entry of live) this.push(entry);
  }

  private dropDead(): void {
    while (this.heap.length > 0 && !this.heap[0].live) this.pop();
  }

  private push(entry: DelayedKey): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].due <= heap[i].due) break;
      [heap[parent], heap[i]] = [heap[i], heap[parent]];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && heap[left].due < heap[smallest].due) smallest = left;
      if (right < heap.length && heap[right].due < heap[smallest].due) smallest = right;
      if (smallest === i) return;
      [heap[smallest], heap[i]] = [heap[i], heap[smallest]];
      i = smallest;
    }
  }
}
