// FLOW permits of one partition consumer. The broker pushes at most as many messages as it has permits (a
// batch entry costs its number of messages), so granting permits only as the application takes messages keeps
// the prefetch queue bounded by the receiver queue size however large the backlog.

/** FLOW's message_permits is a uint32: a larger value would fail to encode. */
const MAX_PERMITS = 0xffff_ffff;

export class FlowController {
  readonly #queueSize: number;
  readonly #threshold: number;
  readonly #sendFlow: (permits: number) => void;
  /** Permits consumed since the last FLOW, not yet given back to the broker. */
  #available = 0;
  #active = false;

  constructor(queueSize: number, sendFlow: (permits: number) => void) {
    this.#queueSize = queueSize;
    // Refill at half the queue (Go's flowIfNeed): fewer FLOW frames, and the queue never runs dry.
    this.#threshold = Math.max(1, Math.floor(queueSize / 2));
    this.#sendFlow = sendFlow;
  }

  /** After a (re)subscribe: the broker's count starts from zero, so grant the whole queue. */
  start(): void {
    this.#available = 0;
    this.#active = true;
    this.#sendFlow(this.#queueSize);
  }

  /** The subscription is gone (connection lost, broker closed it); what was owed is reset on the next start. */
  stop(): void {
    this.#active = false;
    this.#available = 0;
  }

  /**
   * `count` messages the broker charged for are done with: taken by the application, or dropped before
   * reaching it (skipped batch members, non-final chunks, bad payloads).
   */
  consumed(count = 1): void {
    if (!this.#active || count <= 0) return;
    this.#available += count;
    if (this.#available >= this.#threshold) {
      const permits = Math.min(this.#available, MAX_PERMITS);
      this.#available = 0;
      this.#sendFlow(permits);
    }
  }

  get pending(): number {
    return this.#available;
  }
}
