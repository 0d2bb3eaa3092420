// A FIFO with O(1) push, shift and indexed access: the partition producer's queue of sends awaiting their
// receipt, which it walks by index to (re)write frames after a reconnect.

export class PendingQueue<T> {
  // A ring buffer whose capacity is a power of two, so that wrapping is a mask instead of a modulo.
  private items: (T | undefined)[] = new Array(16);
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = item;
    this.count++;
  }

  /** The oldest item, undefined when empty. */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  /** The item `index` places after the oldest one (0 is the oldest). */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.count) return undefined;
    return this.items[(this.head + index) & (this.items.length - 1)];
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    return item;
  }

  /** Removes and returns the item `index` places after the oldest one; O(size), for rare failures only. */
  removeAt(index: number): T | undefined {
    if (index < 0 || index >= this.count) return undefined;
    const mask = this.items.length - 1;
    const item = this.items[(this.head + index) & mask];
    for (let i = index; i < this.count - 1; i++) {
      this.items[(this.head + i) & mask] = this.items[(this.head + i + 1) & mask];
    }
    this.items[(this.head + this.count - 1) & mask] = undefined;
    this.count--;
    return item;
  }

  /** Removes every item and returns them, oldest first. */
  drain(): T[] {
    const all: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) all.push(item);
    return all;
  }

  private grow(): void {
    const bigger: (T | undefined)[] = new Array(this.items.length * 2);
    for (let i = 0; i < this.count; i++) bigger[i] = this.items[(this.head + i) & (this.items.length - 1)];
    this.items = bigger;
    this.head = 0;
  }
}
