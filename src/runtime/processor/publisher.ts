// Publishing a message's results and its dead letters, waiting for every SEND_RECEIPT. Under effectively-once
// each message goes through the producer named after the input partition, with a sequence id derived from the
// input message id.
import type { Message, OutgoingMessage, Producer } from '../../pulsar/index.ts';
import type { ProducerSource } from '../topic-manager/index.ts';
import type { PlannedMessage } from './outgoing.ts';
import { effectivelyOnceProducerName, type SequenceAttempt } from './sequence.ts';

/** A result was not receipted; names the topic. */
export class PublishError extends Error {
  readonly topic: string;
  constructor(topic: string, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'PublishError';
    this.topic = topic;
  }
}

export interface PublisherOptions {
  readonly producers: ProducerSource;
  /** Set under effectively-once. */
  readonly fqfn?: string;
  /**
   * Send batches at once instead of after the batching delay: when the next message waits for this one's
   * receipts (ordered delivery), the delay would otherwise be added to every message.
   */
  readonly flushEachMessage: boolean;
}

export class Publisher {
  readonly #options: PublisherOptions;

  constructor(options: PublisherOptions) {
    this.#options = options;
  }

  /**
   * Sends the messages in order and resolves once the broker has receipted all of them. On failure, waits for
   * the sends already made to settle, then throws a PublishError for the first one that failed.
   */
  async publish(
    planned: readonly PlannedMessage[],
    input: Message,
    sequence: SequenceAttempt | undefined,
  ): Promise<void> {
    const { fqfn, producers, flushEachMessage } = this.#options;
    const sends: Promise<unknown>[] = [];
    const topics: string[] = [];
    const touched = new Set<Producer>();
    let failure: PublishError | undefined;
    for (const { topic, message } of planned) {
      try {
        const name = fqfn === undefined ? undefined : effectivelyOnceProducerName(fqfn, input.topic);
        const outgoing = sequence === undefined ? message : { ...message, sequenceId: sequence.next(topic) };
        // Awaiting here keeps the sends in the script's order even while a producer is being created.
        const producer = await producers.get(topic, name);
        sends.push(producer.send(outgoing));
        topics.push(topic);
        touched.add(producer);
      } catch (error) {
        failure = new PublishError(topic, error);
        break;
      }
    }
    if (flushEachMessage) for (const producer of touched) producer.flush().catch(() => {});
    const settled = await Promise.allSettled(sends);
    const index = settled.findIndex((s) => s.status === 'rejected');
    if (index >= 0) {
      throw new PublishError(topics[index]!, (settled[index] as PromiseRejectedResult).reason);
    }
    if (failure !== undefined) throw failure;
  }

  /** Sends one dead letter and waits for its receipt; throws a PublishError. */
  async deadLetter(topic: string, message: OutgoingMessage): Promise<void> {
    try {
      const producer = await this.#options.producers.get(topic);
      const receipt = producer.send(message);
      if (this.#options.flushEachMessage) producer.flush().catch(() => {});
      await receipt;
    } catch (error) {
      throw new PublishError(topic, error);
    }
  }
}
