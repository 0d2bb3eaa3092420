// The prefetch queue shared by all partition consumers of one consumer, and the receivers waiting on it. Its
// size is bounded by the FLOW permits each partition granted, not by anything here. While a receiver waits,
// the process is kept alive (a resubscribe backoff leaves no socket open to do it).
import { type Clock, KeepAlive, type Timer } from '../util/index.ts';

interface Waiter<T> {
  resolve(item: T): void;
  reject(error: Error): void;
  timer: Timer | undefined;
}

export class ReceiverQueue<T> {
  #items: T[] = [];
  #head = 0;
  #waiters: Waiter<T>[] = [];
  readonly #clock: Clock;
  readonly #hold: KeepAlive;

  constructor(clock: Clock) {
    this.#clock = clock;
    this.#hold = new KeepAlive(clock);
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Hands the item to the oldest waiting receiver, or queues it. Returns true when a receiver took it. */
  push(item: T): boolean {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter.timer?.cancel();
      this.#hold.busy(this.#waiters.length > 0);
      waiter.resolve(item);
      return true;
    }
    this.#items.push(item);
    return false;
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head] as T;
    this.#items[this.#head] = undefined as T;
    this.#head++;
    // Compact now and then so a long-lived queue does not keep a growing dead prefix.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** The next item, waiting for one; rejects with `onTimeout()` after timeoutMs when given. */
  next(timeoutMs: number | undefined, onTimeout: () => Error): Promise<T> {
    const item = this.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = { resolve, reject, timer: undefined };
      if (timeoutMs !== undefined) {
        waiter.timer = this.#clock.setTimeout(() => {
          const index = this.#waiters.indexOf(waiter);
          if (index >= 0) this.#waiters.splice(index, 1);
          this.#hold.busy(this.#waiters.length > 0);
          reject(onTimeout());
        }, timeoutMs);
      }
      this.#waiters.push(waiter);
      this.#hold.busy(true);
    });
  }

  /** Removes and returns the queued items matching `test`, keeping the others in order. */
  removeWhere(test: (item: T) => boolean): T[] {
    const removed: T[] = [];
    const kept: T[] = [];
    for (let i = this.#head; i < this.#items.length; i++) {
      const item = this.#items[i] as T;
      (test(item) ? removed : kept).push(item);
    }
    this.#items = kept;
    this.#head = 0;
    return removed;
  }

  /** Rejects every waiting receiver (the consumer is closing or failed). */
  rejectWaiters(error: Error): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    this.#hold.busy(false);
    for (const waiter of waiters) {
      waiter.timer?.cancel();
      waiter.reject(error);
    }
  }

  get waiting(): number {
    return this.#waiters.length;
  }
}
