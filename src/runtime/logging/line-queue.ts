// A bounded FIFO that drops its oldest entry to make room: log lines wait here for the log topic, and a slow
// or absent broker costs old lines, never memory or a blocked caller.

export class LineQueue<T> {
  readonly capacity: number;
  #items: (T | undefined)[];
  #head = 0;
  #size = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** Adds at the tail; returns true when the oldest entry was dropped to make room. */
  push(item: T): boolean {
    if (this.capacity === 0) return true;
    const full = this.#size === this.capacity;
    this.#items[(this.#head + this.#size) % this.capacity] = item;
    if (full) {
      this.#head = (this.#head + 1) % this.capacity;
      return true;
    }
    this.#size++;
    return false;
  }

  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.capacity;
    this.#size--;
    return item;
  }

  /** Empties the queue; returns how many entries were in it. */
  clear(): number {
    const n = this.#size;
    this.#items = new Array<T | undefined>(this.capacity);
    this.#head = 0;
    this.#size = 0;
    return n;
  }
}
