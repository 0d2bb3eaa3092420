// The last N exceptions of one kind, oldest first, as Pulsar's status shows them (an EvictingQueue of 10).

/** Pulsar's ExceptionInformation: the message and when it happened. */
export interface ExceptionInformation {
  readonly exceptionString: string;
  readonly timestampMs: number;
}

export class LatestExceptions {
  readonly #capacity: number;
  readonly #maxLength: number;
  // A ring: #items[#start] is the oldest once full.
  #items: ExceptionInformation[] = [];
  #start = 0;

  /** `maxLength` bounds each message (in UTF-16 units) so a huge stderr tail cannot pin memory. */
  constructor(capacity: number, maxLength: number) {
    this.#capacity = capacity;
    this.#maxLength = maxLength;
  }

  add(message: string, timestampMs: number): void {
    if (this.#capacity === 0) return;
    const exceptionString =
      message.length > this.#maxLength ? `${message.slice(0, this.#maxLength)}…` : message;
    const entry: ExceptionInformation = { exceptionString, timestampMs };
    if (this.#items.length < this.#capacity) {
      this.#items.push(entry);
      return;
    }
    this.#items[this.#start] = entry;
    this.#start = (this.#start + 1) % this.#capacity;
  }

  /** Oldest first; a copy. */
  list(): ExceptionInformation[] {
    return [...this.#items.slice(this.#start), ...this.#items.slice(0, this.#start)];
  }

  clear(): void {
    this.#items = [];
    this.#start = 0;
  }
}
