// Failover moves input partitions between instances (ACTIVE_CONSUMER_CHANGE). Each change is turned into what the
// delivery path needs: which partitions the processor may still finish messages of, and, under effectively-once,
// the partition's producer name, which the broker lets one producer hold at a time and which the new owner needs.
import type { Logger } from '../../pulsar/index.ts';
import type { PartitionOwnership } from '../processor/index.ts';
import type { ProducerManager } from '../topic-manager/index.ts';

export interface PartitionHandoverOptions {
  readonly ownership: PartitionOwnership;
  readonly producers: Pick<ProducerManager, 'withhold' | 'allow'>;
  /** The producer name an input partition's outputs go out under; undefined when the broker picks names. */
  readonly producerNameOf: ((inputTopic: string) => string) | undefined;
  readonly logger: Logger;
}

/** The consumer's onActiveChange. */
export function partitionHandover(
  options: PartitionHandoverOptions,
): (active: boolean, partition: number, topic: string) => void {
  const { ownership, producers, producerNameOf, logger } = options;
  return (active, partition, topic) => {
    const producerName = producerNameOf?.(topic);
    if (active) {
      if (producerName !== undefined) producers.allow(producerName);
      const back = ownership.regain(topic);
      logger.info(
        { topic, partition },
        back ? 'the partition is back: this instance processes it again' : 'active consumer of the partition',
      );
      return;
    }
    if (ownership.lose(topic)) {
      logger.info(
        { topic, partition },
        'another consumer is active for the partition: messages held of it are left unacknowledged to it',
      );
    }
    // Idempotent; the manager logs a failed close.
    if (producerName !== undefined) void producers.withhold(producerName);
  };
}
