// How messages are delivered, decided once from the configuration: ordering, where failures are retried, when
// the input is acknowledged, where dead letters go. Pure.
import { SubscriptionType } from '../../pulsar/index.ts';
import { deadLetterTopicFor, type FunctionRuntimeConfig, ProcessingGuarantees } from '../config/index.ts';

/** `none`: any order; `key`: one after another per key; `total`: one after another, all messages. */
export type Ordering = 'none' | 'key' | 'total';

export interface DeliveryPolicy {
  readonly guarantees: ProcessingGuarantees;
  readonly ordering: Ordering;
  /**
   * Retry a failed message inside the instance (after the retry delay) instead of negatively acknowledging it.
   * Needed wherever a redelivery would break order: on Failover and Exclusive the broker answers a negative
   * acknowledgement by rewinding to the first unacknowledged message, so messages already held here would come
   * twice; with per-key order the next message of the key would overtake the failed one.
   */
  readonly retryInPlace: boolean;
  readonly retryDelayMs: number;
  /** Redeliveries before dead-lettering; null: no limit. */
  readonly maxRetries: number | null;
  /** Output producers get deterministic names and sequence ids, for broker-side deduplication. */
  readonly effectivelyOnce: boolean;
  /** The function's output topic; null: stdout is discarded. */
  readonly outputTopic: string | null;
  /** Where a failed message from `inputTopic` is dead-lettered; null: never. */
  deadLetterTopic(inputTopic: string): string | null;
}

const ORDERED_TYPES: readonly SubscriptionType[] = [SubscriptionType.Failover, SubscriptionType.Exclusive];

export function deliveryPolicyFor(config: FunctionRuntimeConfig): DeliveryPolicy {
  const { delivery } = config;
  const guarantees = delivery.processingGuarantees;
  const effectivelyOnce = guarantees === ProcessingGuarantees.EffectivelyOnce;
  const ordering: Ordering =
    delivery.retainOrdering || effectivelyOnce ? 'total' : delivery.retainKeyOrdering ? 'key' : 'none';
  return {
    guarantees,
    ordering,
    retryInPlace: ordering !== 'none' || ORDERED_TYPES.includes(config.input.subscriptionType),
    retryDelayMs: delivery.negativeAckRedeliveryDelayMs,
    maxRetries: delivery.maxMessageRetries,
    effectivelyOnce,
    outputTopic: config.output.topic,
    deadLetterTopic: (inputTopic) => deadLetterTopicFor(config, inputTopic),
  };
}
