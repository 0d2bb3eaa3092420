// Collects messages into one batch until it reaches batchingMaxMessages or batchingMaxBytes of payload (as
// Apache's Java client counts it: payload bytes only). The payload format itself is the protocol's.
import type { PendingMessage } from './pending-message.ts';

export class BatchBuilder {
  readonly #maxMessages: number;
  #maxBytes: number;
  #messages: PendingMessage[] = [];
  #bytes = 0;

  constructor(maxMessages: number, maxBytes: number) {
    this.#maxMessages = maxMessages;
    this.#maxBytes = maxBytes;
  }

  /** Lowers (or restores) the byte limit, e.g. to the broker's maximum message size. */
  set maxBytes(value: number) {
    this.#maxBytes = value;
  }

  get size(): number {
    return this.#messages.length;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Whether a message of `payloadSize` bytes fits. An empty batch takes any message, however large. */
  hasRoom(payloadSize: number): boolean {
    const count = this.#messages.length;
    return count === 0 || (count < this.#maxMessages && this.#bytes + payloadSize <= this.#maxBytes);
  }

  add(message: PendingMessage, payloadSize: number): void {
    this.#messages.push(message);
    this.#bytes += payloadSize;
  }

  /** True once either limit is reached: the batch should go now. */
  get isFull(): boolean {
    return this.#messages.length >= this.#maxMessages || this.#bytes >= this.#maxBytes;
  }

  /** Returns the messages, oldest first, and starts an empty batch. */
  take(): PendingMessage[] {
    const messages = this.#messages;
    if (messages.length === 0) return messages;
    this.#messages = [];
    this.#bytes = 0;
    return messages;
  }
}
