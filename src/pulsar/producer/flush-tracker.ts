// What flush() waits on. Messages are counted when they enter the producer's order and when they settle
// (receipt or failure); both happen in order, so "everything before the call has settled" is a count.

interface FlushWaiter {
  readonly target: number;
  readonly resolve: () => void;
}

export class FlushTracker {
  #accepted = 0;
  #settled = 0;
  /** Messages entering with an index up to this one must not wait for the batch timer. */
  #urgentUpTo = 0;
  readonly #waiters: FlushWaiter[] = [];

  /** Counts one message into the order; returns its index. */
  accept(): number {
    return ++this.#accepted;
  }

  /** True when a flush is waiting for the message of this index: its batch should go now. */
  isUrgent(index: number): boolean {
    return index <= this.#urgentUpTo;
  }

  settle(count: number): void {
    this.#settled += count;
    const waiters = this.#waiters;
    while (waiters.length > 0 && waiters[0]!.target <= this.#settled) waiters.shift()!.resolve();
  }

  /** Messages that never entered the order (sends refused while waiting for room) count in and out. */
  acceptAndSettle(count: number): void {
    this.#accepted += count;
    this.settle(count);
  }

  /**
   * Resolves when every message accepted so far, and `waiting` more that will enter next (sends queued for
   * room), has settled. Undefined when that is already the case.
   */
  waitFor(waiting: number): Promise<void> | undefined {
    const target = this.#accepted + waiting;
    if (this.#settled >= target) return undefined;
    if (target > this.#urgentUpTo) this.#urgentUpTo = target;
    return new Promise((resolve) => this.#waiters.push({ target, resolve }));
  }
}
