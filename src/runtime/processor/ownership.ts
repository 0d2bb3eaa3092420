// Which input partitions this instance may still finish messages of. On a Failover subscription the broker
// moves a partition to another instance (ACTIVE_CONSUMER_CHANGE) and rewinds it there to the first
// unacknowledged message: what this instance holds of it will be processed by the new owner, so it is left
// unacknowledged and unpublished here. A message taken before a loss stays stale after the partition comes back,
// since the broker's rewind for this instance sends it again.
import type { Message } from '../../pulsar/index.ts';

/** The stamp of a message taken while its partition was lost: never finished here. */
const TAKEN_WHILE_LOST = -1;

export class PartitionOwnership {
  readonly #lost = new Set<string>();
  /** Losses so far, per partition (full topic name). */
  readonly #losses = new Map<string, number>();
  /** Each message → the losses of its partition when it was taken. */
  readonly #taken = new WeakMap<Message, number>();
  readonly #listeners = new Set<(topic: string) => void>();

  /** Another consumer now holds `topic`; false when it was already lost. Listeners hear of it at once. */
  lose(topic: string): boolean {
    if (this.#lost.has(topic)) return false;
    this.#lost.add(topic);
    this.#losses.set(topic, this.#lossesOf(topic) + 1);
    for (const listener of this.#listeners) listener(topic);
    return true;
  }

  /** This instance is the active consumer of `topic` again; false when it was not lost. */
  regain(topic: string): boolean {
    return this.#lost.delete(topic);
  }

  isLost(topic: string): boolean {
    return this.#lost.has(topic);
  }

  /** Notes when `message` was taken from the consumer (the first call counts). */
  take(message: Message): void {
    if (this.#taken.has(message)) return;
    const topic = message.topic;
    this.#taken.set(message, this.#lost.has(topic) ? TAKEN_WHILE_LOST : this.#lossesOf(topic));
  }

  /** Whether `message` (taken before) may still be published and acknowledged by this instance. */
  holds(message: Message): boolean {
    const topic = message.topic;
    if (this.#lost.has(topic)) return false;
    const stamp = this.#taken.get(message);
    return stamp === undefined || stamp === this.#lossesOf(topic);
  }

  /** Calls `listener` with each partition as it is lost; returns the unsubscribe. */
  onLoss(listener: (topic: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #lossesOf(topic: string): number {
    return this.#losses.get(topic) ?? 0;
  }
}
