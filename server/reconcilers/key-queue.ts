// A controller's de-duplicating work queue: keys in the order first queued, each at most once.

/** Taken keys are dropped from the front of the list once they are this many and half of it. */
const compactAfter = 1024;

export class KeyQueue {
  private readonly queued = new Set<string>();
  /** Keys in order; those before `head` are taken. A Set alone would be read from its first entry, past every key taken since it last rehashed. */
  private order: string[] = [];
  private head = 0;

  get size(): number {
    return this.queued.size;
  }

  /** Queues `key` unless it waits already. */
  add(key: string): void {
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.order.push(key);
  }

  /** The key queued longest, taken off the queue; undefined when empty. */
  take(): string | undefined {
    if (this.head === this.order.length) return undefined;
    const key = this.order[this.head++];
    this.queued.delete(key);
    if (this.head === this.order.length) this.clear();
    else if (this.head >= compactAfter && this.head * 2 >= this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
    return key;
  }

  clear(): void {
    this.queued.clear();
    this.order = [];
    this.head = 0;
  }
}
