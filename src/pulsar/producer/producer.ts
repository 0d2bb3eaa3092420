// createProducer, and the producer of a partitioned topic: one PartitionProducer per `<topic>-partition-<i>`,
// messages routed by key hash or round-robin (router.ts). A non-partitioned topic gets its single
// PartitionProducer directly, with nothing in between on the send path.
import type { ClientContext } from '../connection/contract.ts';
import type { CloseOptions, MessageId, OutgoingMessage, Producer, ProducerOptions } from '../types.ts';
import { resolveProducerOptions } from './options.ts';
import { PartitionProducer } from './partition-producer.ts';
import { PartitionRouter } from './router.ts';

export class PartitionedProducer implements Producer {
  readonly topic: string;
  readonly #producers: readonly PartitionProducer[];
  readonly #router: PartitionRouter;

  constructor(topic: string, producers: readonly PartitionProducer[], router: PartitionRouter) {
    this.topic = topic;
    this.#producers = producers;
    this.#router = router;
  }

  /** Partition 0's name; each partition's producer has its own broker-assigned name unless one was given. */
  get producerName(): string {
    return this.#producers[0]!.producerName;
  }

  /** The highest over all partitions. */
  get lastSequenceId(): bigint {
    let highest = -1n;
    for (const producer of this.#producers)
      if (producer.lastSequenceId > highest) highest = producer.lastSequenceId;
    return highest;
  }

  get partitions(): number {
    return this.#producers.length;
  }

  send(message: OutgoingMessage): Promise<MessageId> {
    return this.#producers[this.#router.choose(message.key)]!.send(message);
  }

  async flush(): Promise<void> {
    await Promise.all(this.#producers.map((producer) => producer.flush()));
  }

  /** Closes every partition's producer (each idempotent, each with the same deadline when one is given). */
  async close(options?: CloseOptions): Promise<void> {
    await Promise.all(this.#producers.map((producer) => producer.close(options)));
  }
}

/**
 * Creates a producer for `options.topic`: validates the options (InvalidArgumentError), asks the broker
 * how many partitions the topic has, and registers one producer per partition. If any partition fails, the
 * others are closed and the first error is thrown.
 */
export async function createProducer(context: ClientContext, options: ProducerOptions): Promise<Producer> {
  const resolved = resolveProducerOptions(options);
  const partitions = await context.partitionedMetadata(resolved.topic);
  if (partitions === 0) {
    return PartitionProducer.create({ context, options: resolved, topic: resolved.topic, partition: -1 });
  }
  const results = await Promise.allSettled(
    Array.from({ length: partitions }, (_, partition) =>
      PartitionProducer.create({
        context,
        options: resolved,
        topic: `${resolved.topic}-partition-${partition}`,
        partition,
      }),
    ),
  );
  const producers = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = results.find((result) => result.status === 'rejected');
  if (failed !== undefined) {
    await Promise.allSettled(producers.map((producer) => producer.close()));
    throw failed.reason;
  }
  const router = new PartitionRouter({
    partitions,
    batchingEnabled: resolved.batchingEnabled,
    batchingMaxPublishDelayMs: resolved.batchingMaxPublishDelayMs,
    clock: context.clock,
    startIndex: Math.floor(Math.random() * partitions),
  });
  return new PartitionedProducer(resolved.topic, producers, router);
}
