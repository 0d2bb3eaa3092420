// The Consumer the application holds: one partition consumer per topic or partition, all feeding one receiver
// queue; acks routed back by the topic in the message id. Partition counts (and, for a pattern, the matching
// topics) are checked again periodically, so new partitions and topics are picked up.
//
// Iteration: `for await (const m of consumer)` receives until the consumer is closed. Leaving the loop
// (`break`, `return`, a throw) does NOT close the consumer — unlike nats.js — so a runtime can stop taking
// messages, finish and acknowledge the ones in hand, then close(). A refused (encrypted) message makes the
// iterator throw its EncryptedMessageError; the consumer stays usable and a new loop continues after it.
import type { ClientContext } from '../connection/contract.ts';
import {
  AlreadyClosedError,
  InvalidArgumentError,
  ServerError,
  ServerErrorCode,
  TimeoutError,
} from '../errors.ts';
import { partitionName } from '../lookup/topic-name.ts';
import { type Consumer, type Message, type MessageId, SubscriptionType } from '../types.ts';
import type { Logger, Timer } from '../util/index.ts';
import { ConsumerMessageId, isMessage } from './message.ts';
import type { ResolvedConsumerOptions } from './options.ts';
import { PartitionConsumer, type PartitionSink, type QueueItem } from './partition-consumer.ts';
import { ReceiverQueue } from './receiver-queue.ts';
import { matchingTopics } from './topics.ts';

export const ConsumerState = {
  Subscribing: 'subscribing',
  Ready: 'ready',
  Closing: 'closing',
  Closed: 'closed',
  /** A partition failed for good; receive() rejects with that error. */
  Failed: 'failed',
} as const;
export type ConsumerState = (typeof ConsumerState)[keyof typeof ConsumerState];

interface TopicEntry {
  /** 0 for a non-partitioned topic. */
  partitions: number;
  readonly consumers: PartitionConsumer[];
}

export class TopicsConsumer implements Consumer, PartitionSink {
  readonly subscription: string;
  readonly #context: ClientContext;
  readonly #options: ResolvedConsumerOptions;
  readonly #logger: Logger;
  readonly #queue: ReceiverQueue<QueueItem>;
  /** Base topic → its partition consumers. */
  readonly #topics = new Map<string, TopicEntry>();
  /** Topic or partition name → its consumer, for routing acks. */
  readonly #byName = new Map<string, PartitionConsumer>();
  #state: ConsumerState = ConsumerState.Subscribing;
  #failure: Error | undefined;
  #discovery: Timer | undefined;
  #discovering = false;
  #closing: Promise<void> | undefined;

  constructor(context: ClientContext, options: ResolvedConsumerOptions) {
    this.#context = context;
    this.#options = options;
    this.subscription = options.subscription;
    this.#logger = context.logger.child({ subscription: options.subscription });
    this.#queue = new ReceiverQueue(context.clock);
  }

  get state(): ConsumerState {
    return this.#state;
  }

  get isConnected(): boolean {
    if (this.#state !== ConsumerState.Ready || this.#byName.size === 0) return false;
    for (const consumer of this.#byName.values()) if (!consumer.isConnected) return false;
    return true;
  }

  /** Messages received from the broker and not yet taken by the application. */
  get prefetched(): number {
    return this.#queue.size;
  }

  /** Topics (base names) currently subscribed. */
  get topics(): string[] {
    return [...this.#topics.keys()];
  }

  /** Subscribes everything; on any failure closes what was opened and rethrows. */
  async start(): Promise<void> {
    const target = this.#options.target;
    const topics =
      target.kind === 'topics'
        ? target.topics
        : matchingTopics(target.pattern, await this.#context.topicsOfNamespace(target.pattern.namespace));
    try {
      await Promise.all(topics.map((topic) => this.#addTopic(topic)));
    } catch (error) {
      await this.#closeAll();
      this.#state = ConsumerState.Closed;
      throw error;
    }
    if (this.#state !== ConsumerState.Subscribing) {
      await this.#closeAll();
      throw new AlreadyClosedError('consumer');
    }
    this.#state = ConsumerState.Ready;
    this.#discovery = this.#context.clock.setInterval(
      () => void this.#discover(),
      this.#options.discoveryIntervalMs,
    );
    this.#logger.info({ topics, type: this.#options.subscriptionType }, 'consumer ready');
  }

  receive(timeoutMs?: number): Promise<Message> {
    if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 0)) {
      return Promise.reject(
        new InvalidArgumentError(
          'timeoutMs',
          `expected a non-negative integer, got \`${String(timeoutMs)}\``,
        ),
      );
    }
    const stopped = this.#stoppedError();
    if (stopped !== undefined) return Promise.reject(stopped);
    return this.#queue
      .next(timeoutMs, () => new TimeoutError(`no message within ${timeoutMs} ms`))
      .then((item) => {
        item.owner.taken(item);
        if ('refused' in item) throw item.refused;
        return item.message;
      });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Message> {
    const iterator: AsyncIterableIterator<Message> = {
      next: async (): Promise<IteratorResult<Message>> => {
        try {
          return { done: false, value: await this.receive() };
        } catch (error) {
          // Closing ends the iteration; a failure is thrown to the loop.
          if (error instanceof AlreadyClosedError && this.#failure === undefined)
            return { done: true, value: undefined };
          throw error;
        }
      },
      // Leaving the loop leaves the consumer open (see the file header).
      return: async (): Promise<IteratorResult<Message>> => ({ done: true, value: undefined }),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  async acknowledge(message: Message | MessageId): Promise<void> {
    this.#route(message)?.acknowledge(this.#idOf(message));
  }

  async acknowledgeCumulative(message: Message | MessageId): Promise<void> {
    this.#route(message)?.acknowledgeCumulative(this.#idOf(message));
  }

  negativeAcknowledge(message: Message | MessageId): void {
    this.#route(message)?.negativeAcknowledge(this.#idOf(message));
  }

  /** Deletes the subscription on every topic, then closes. On failure the consumer is closed all the same. */
  async unsubscribe(): Promise<void> {
    const stopped = this.#stoppedError();
    if (stopped !== undefined) throw stopped;
    try {
      await Promise.all([...this.#byName.values()].map((consumer) => consumer.unsubscribe()));
    } finally {
      await this.close();
    }
  }

  /** Closes every partition consumer (CLOSE_CONSUMER) and ends receives and iterators. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (this.#state !== ConsumerState.Failed) this.#state = ConsumerState.Closing;
    this.#discovery?.cancel();
    this.#queue.rejectWaiters(this.#failure ?? new AlreadyClosedError('consumer'));
    await this.#closeAll();
    this.#queue.removeWhere(() => true);
    if (this.#state === ConsumerState.Closing) this.#state = ConsumerState.Closed;
  }

  // ---- PartitionSink ---------------------------------------------------------------------------------

  deliver(item: QueueItem): void {
    this.#queue.push(item);
  }

  discardQueued(owner: PartitionConsumer): QueueItem[] {
    return this.#queue.removeWhere((item) => item.owner === owner);
  }

  failed(owner: PartitionConsumer, error: Error): void {
    const gone = error instanceof ServerError && error.code === ServerErrorCode.TopicNotFound;
    if (this.#options.target.kind === 'pattern' && gone) {
      // A topic matched by a pattern was deleted: stop following it, keep the rest.
      this.#logger.warn({ topic: owner.topic }, 'topic deleted, no longer consumed');
      this.#forgetTopic(this.#baseOf(owner));
      return;
    }
    if (this.#failure !== undefined || this.#stoppedError() !== undefined) return;
    this.#logger.error({ err: error, topic: owner.topic }, 'consumer failed');
    this.#failure = error;
    this.#state = ConsumerState.Failed;
    void this.close();
  }

  // ---- topics ----------------------------------------------------------------------------------------

  async #addTopic(topic: string): Promise<void> {
    const partitions = await this.#context.partitionedMetadata(topic);
    if (this.#topics.has(topic)) return;
    const entry: TopicEntry = { partitions, consumers: [] };
    this.#topics.set(topic, entry);
    const created =
      partitions === 0
        ? [this.#newConsumer(topic, -1)]
        : Array.from({ length: partitions }, (_, i) => this.#newConsumer(partitionName(topic, i), i));
    entry.consumers.push(...created);
    await this.#subscribeAll(created);
  }

  #newConsumer(name: string, partition: number): PartitionConsumer {
    const consumer = new PartitionConsumer(this.#context, this.#options, name, partition, this);
    this.#byName.set(name, consumer);
    return consumer;
  }

  /** Subscribes in parallel; if one fails, the others are closed and the first error is thrown. */
  async #subscribeAll(consumers: readonly PartitionConsumer[]): Promise<void> {
    const results = await Promise.allSettled(consumers.map((consumer) => consumer.subscribe()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed === undefined) return;
    await Promise.all(consumers.map((consumer) => consumer.close()));
    for (const consumer of consumers) this.#byName.delete(consumer.topic);
    throw failed.reason;
  }

  async #discover(): Promise<void> {
    if (this.#discovering || this.#state !== ConsumerState.Ready) return;
    this.#discovering = true;
    try {
      const target = this.#options.target;
      if (target.kind === 'pattern') {
        const listed = await this.#context.topicsOfNamespace(target.pattern.namespace);
        if (this.#state !== ConsumerState.Ready) return;
        const matched = new Set(matchingTopics(target.pattern, listed));
        for (const topic of [...this.#topics.keys()]) {
          if (!matched.has(topic)) {
            this.#logger.info({ topic }, 'topic no longer matches, closing its consumers');
            this.#forgetTopic(topic);
          }
        }
        for (const topic of matched) {
          if (this.#topics.has(topic)) continue;
          this.#logger.info({ topic }, 'new topic matches the pattern');
          await this.#addTopic(topic).catch((error) => {
            this.#topics.delete(topic);
            this.#logger.warn(
              { err: error, topic },
              'cannot subscribe to a new matching topic; will try again',
            );
          });
          if (this.#state !== ConsumerState.Ready) return;
        }
      }
      for (const [topic, entry] of [...this.#topics]) {
        if (entry.partitions === 0) continue;
        const partitions = await this.#context.partitionedMetadata(topic);
        if (this.#state !== ConsumerState.Ready || this.#topics.get(topic) !== entry) return;
        if (partitions <= entry.partitions) continue;
        this.#logger.info({ topic, from: entry.partitions, to: partitions }, 'partitions added');
        const created: PartitionConsumer[] = [];
        for (let i = entry.partitions; i < partitions; i++)
          created.push(this.#newConsumer(partitionName(topic, i), i));
        try {
          await this.#subscribeAll(created);
        } catch (error) {
          this.#logger.warn({ err: error, topic }, 'cannot subscribe to new partitions; will try again');
          continue;
        }
        if (this.#state !== ConsumerState.Ready) {
          await Promise.all(created.map((consumer) => consumer.close()));
          return;
        }
        entry.consumers.push(...created);
        entry.partitions = partitions;
      }
    } catch (error) {
      this.#logger.warn({ err: error }, 'topic discovery failed; will try again');
    } finally {
      this.#discovering = false;
    }
  }

  #forgetTopic(topic: string): void {
    const entry = this.#topics.get(topic);
    if (entry === undefined) return;
    this.#topics.delete(topic);
    for (const consumer of entry.consumers) {
      this.#byName.delete(consumer.topic);
      this.discardQueued(consumer);
      void consumer.close();
      // Failover: another consumer of the subscription takes the partition over, as after an inactive change.
      if (this.#options.subscriptionType === SubscriptionType.Failover) this.#reportInactive(consumer);
    }
  }

  #reportInactive(consumer: PartitionConsumer): void {
    try {
      this.#options.onActiveChange?.(false, consumer.partition, consumer.topic);
    } catch (error) {
      this.#logger.error({ err: error, topic: consumer.topic }, 'onActiveChange threw');
    }
  }

  #baseOf(consumer: PartitionConsumer): string {
    for (const [topic, entry] of this.#topics) if (entry.consumers.includes(consumer)) return topic;
    return consumer.topic;
  }

  async #closeAll(): Promise<void> {
    await Promise.all([...this.#byName.values()].map((consumer) => consumer.close()));
  }

  // ---- routing ---------------------------------------------------------------------------------------

  #idOf(message: Message | MessageId): MessageId {
    return isMessage(message) ? message.messageId : message;
  }

  /** The partition consumer an id belongs to; undefined (after a log line) when its topic was dropped. */
  #route(message: Message | MessageId): PartitionConsumer | undefined {
    const stopped = this.#stoppedError();
    if (stopped !== undefined) throw stopped;
    const id = this.#idOf(message);
    if (id instanceof ConsumerMessageId) {
      const owner = this.#byName.get(id.topic);
      if (owner === undefined) {
        this.#logger.warn(
          { topic: id.topic, messageId: id.toString() },
          'ack for a topic no longer consumed',
        );
      }
      return owner;
    }
    const candidates = [...this.#byName.values()].filter((c) => c.partition === id.partition);
    if (candidates.length !== 1) {
      throw new InvalidArgumentError(
        'messageId',
        candidates.length === 0
          ? `no topic of this consumer has partition ${id.partition}`
          : `partition ${id.partition} exists on several topics; pass the Message or the id it carries`,
      );
    }
    return candidates[0];
  }

  #stoppedError(): Error | undefined {
    if (this.#failure !== undefined) return this.#failure;
    if (this.#state === ConsumerState.Closing || this.#state === ConsumerState.Closed) {
      return new AlreadyClosedError('consumer');
    }
    return undefined;
  }
}
