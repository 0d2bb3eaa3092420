// The client's public API: what the runtime (and any other user) sees. Shaped like Apache's clients so that
// Apache's `pulsar-client` for Node could later sit behind the same interfaces.
import type { Clock, Logger } from './util/index.ts';

export const CompressionType = {
  None: 'NONE',
  LZ4: 'LZ4',
  ZLIB: 'ZLIB',
  ZSTD: 'ZSTD',
  SNAPPY: 'SNAPPY',
} as const;
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

export const SubscriptionType = {
  Exclusive: 'Exclusive',
  Shared: 'Shared',
  Failover: 'Failover',
  KeyShared: 'KeyShared',
} as const;
export type SubscriptionType = (typeof SubscriptionType)[keyof typeof SubscriptionType];

export const InitialPosition = { Latest: 'Latest', Earliest: 'Earliest' } as const;
export type InitialPosition = (typeof InitialPosition)[keyof typeof InitialPosition];

/** Identifies one message: an entry of a ledger, and its place in a batch when the entry is a batch. */
export interface MessageId {
  readonly ledgerId: bigint;
  readonly entryId: bigint;
  /** Partition index, -1 for a non-partitioned topic. */
  readonly partition: number;
  /** Index inside the batch, -1 when the entry is not a batch. */
  readonly batchIndex: number;
  /**
   * Number of messages in the batch, 0 when the entry is not a batch. Acknowledging a batch member needs it:
   * an id with a batchIndex but no batchSize (as parseMessageId gives) is refused with InvalidArgumentError
   * by acknowledge and acknowledgeCumulative; acknowledge the Message, or the id it carries, instead.
   */
  readonly batchSize: number;
  /** `ledger:entry:partition:batchIndex`, stable and parseable (see parseMessageId); has no batchSize. */
  toString(): string;
}

/** A message as the consumer delivers it. Payload bytes are exactly what the producer sent. */
export interface Message {
  readonly messageId: MessageId;
  /** Full topic name of the partition or topic the message came from. */
  readonly topic: string;
  readonly payload: Buffer;
  readonly key: string | undefined;
  /** True when the producer marked the key as base64 of binary data (partition_key_b64_encoded). */
  readonly keyIsBase64: boolean;
  readonly orderingKey: Buffer | undefined;
  readonly properties: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch, undefined when the producer set none. */
  readonly eventTime: number | undefined;
  readonly publishTime: number;
  readonly redeliveryCount: number;
  readonly producerName: string;
  readonly sequenceId: bigint;
}

/**
 * What a producer sends. send() checks every field and rejects with InvalidArgumentError naming the first bad
 * one. Neither the payload nor the other buffers are copied: do not change them until send() has settled
 * (the bytes may be written again after a reconnect).
 */
export interface OutgoingMessage {
  payload: Uint8Array;
  key?: string;
  orderingKey?: Uint8Array;
  /** String values only. */
  properties?: Record<string, string>;
  /** Milliseconds since the epoch, a non-negative integer. */
  eventTime?: number;
  /**
   * Explicit sequence id, 0 to 2^64-1 (for broker-side deduplication); otherwise the producer numbers
   * messages.
   */
  sequenceId?: bigint;
}

export interface ProducerOptions {
  topic: string;
  /** Broker assigns a unique name when absent. Required to be stable for deduplication. */
  producerName?: string;
  /** Default 30000; 0 disables the send timeout. */
  sendTimeoutMs?: number;
  /** Bound of the pending queue (messages sent and not yet receipted). Default 1000. */
  maxPendingMessages?: number;
  /**
   * When the queue is full: wait (true, default) or fail with ProducerQueueFullError. The sends waiting for
   * room are not bounded themselves: they are bounded only when callers await send() (or otherwise limit
   * how many they start) before sending more.
   */
  blockIfQueueFull?: boolean;
  /** Default true. */
  batchingEnabled?: boolean;
  /** Default 1000. */
  batchingMaxMessages?: number;
  /** Default 131072 (128 KiB). */
  batchingMaxBytes?: number;
  /** Default 10 ms. */
  batchingMaxPublishDelayMs?: number;
  /** Default NONE. */
  compressionType?: CompressionType;
  /** First sequence id when the broker knows none for this producer name. */
  initialSequenceId?: bigint;
  /** Properties attached to the producer (visible in topic stats). */
  properties?: Record<string, string>;
}

/** Options of Producer.close and Client.close. */
export interface CloseOptions {
  /**
   * How long to wait for pending messages to be receipted, in ms (a non-negative integer). When it runs
   * out, what is still pending fails with TimeoutError (the broker may or may not have persisted it) and
   * the producer closes anyway. Default: no limit — close() waits as long as sends would (see sendTimeoutMs;
   * with sendTimeoutMs 0 and an unreachable broker, that is forever).
   */
  timeoutMs?: number;
}

export interface Producer {
  readonly topic: string;
  readonly producerName: string;
  /**
   * Resolves once the broker has persisted the message (SEND_RECEIPT). While it is pending the process is
   * kept alive (see Clock.keepAlive), even while the producer waits to reconnect with no socket open.
   */
  send(message: OutgoingMessage): Promise<MessageId>;
  /** Resolves when every message sent before the call is receipted (or failed). */
  flush(): Promise<void>;
  /**
   * Flushes, then closes; idempotent. With `timeoutMs`, fails what is still pending after that long and
   * closes (see CloseOptions); a later call may shorten the deadline.
   */
  close(options?: CloseOptions): Promise<void>;
  /** Highest sequence id receipted by the broker (-1 when none). */
  readonly lastSequenceId: bigint;
}

export interface ConsumerOptions {
  /** One topic, several topics, or a regular expression over the topics of one namespace. */
  topic?: string;
  topics?: string[];
  topicsPattern?: string;
  subscription: string;
  /** Default Exclusive (as Apache's clients). */
  subscriptionType?: SubscriptionType;
  /** Default Latest. */
  subscriptionInitialPosition?: InitialPosition;
  /** Bound of messages prefetched per partition; drives FLOW permits. Default 1000. */
  receiverQueueSize?: number;
  consumerName?: string;
  /** Delay before a negatively acknowledged message is redelivered. Default 60000. */
  negativeAckRedeliveryDelayMs?: number;
  /** Upper bound of messages being reassembled from chunks at once. Default 10. */
  maxPendingChunkedMessages?: number;
  /**
   * Failover: this consumer became, or stopped being, the active consumer of `topic` (a partition's full name,
   * or the topic's when it is not partitioned; `partition` -1 then). Also called with false when a Failover
   * consumer stops consuming a topic (a pattern no longer matches it, or it was deleted). On false, the
   * partition's prefetched messages are dropped: the broker sends them to the newly active consumer.
   */
  onActiveChange?: (active: boolean, partition: number, topic: string) => void;
  /** Properties attached to the consumer (visible in topic stats). */
  properties?: Record<string, string>;
  /**
   * Batch-index acknowledgement: acknowledging some messages of a batch entry tells the broker which ones
   * (ACK with ack_set), so a redelivery of the entry (nack, reconnect, another consumer after a close) brings
   * back only the unacknowledged ones. Needs acknowledgmentAtBatchIndexLevelEnabled=true on the broker (off by
   * default in Apache Pulsar); a broker without it ignores these partial acks and redelivers whole entries, as
   * with `false`. A cumulative ack inside a batch also carries the ack_set. Default true.
   */
  batchIndexAckEnabled?: boolean;
}

export interface Consumer extends AsyncIterable<Message> {
  readonly subscription: string;
  /**
   * Waits for the next message; rejects with TimeoutError after timeoutMs when given. While it is pending
   * the process is kept alive (see Clock.keepAlive), even while the consumer waits to resubscribe.
   */
  receive(timeoutMs?: number): Promise<Message>;
  acknowledge(message: Message | MessageId): Promise<void>;
  /** Not allowed on Shared and KeyShared subscriptions. */
  acknowledgeCumulative(message: Message | MessageId): Promise<void>;
  /** The message comes back after negativeAckRedeliveryDelayMs with its redelivery count raised. */
  negativeAcknowledge(message: Message | MessageId): void;
  unsubscribe(): Promise<void>;
  close(): Promise<void>;
  readonly isConnected: boolean;
}

/** Supplies the token to send in CONNECT; called on every (re)connect, so a file or a supplier can rotate it. */
export interface Authentication {
  readonly methodName: string;
  getAuthData(): Promise<Uint8Array>;
}

export interface ClientOptions {
  /** pulsar://host:port or pulsar+ssl://host:port (a comma list of hosts is allowed). */
  serviceUrl: string;
  authentication?: Authentication;
  /** PEM file with the CAs to trust for pulsar+ssl. */
  tlsTrustCertsFilePath?: string;
  /** Default false. */
  tlsAllowInsecureConnection?: boolean;
  /** Default true. */
  tlsValidateHostname?: boolean;
  /** Timeout for lookups and producer/consumer creation. Default 30000. */
  operationTimeoutMs?: number;
  /** Default 10000. */
  connectionTimeoutMs?: number;
  /** PING interval; a connection silent for twice this long is dropped. Default 30000. */
  keepAliveIntervalMs?: number;
  logger?: Logger;
  clock?: Clock;
}

export interface Client {
  createProducer(options: ProducerOptions): Promise<Producer>;
  subscribe(options: ConsumerOptions): Promise<Consumer>;
  /** Number of partitions of a topic, 0 when it is not partitioned. */
  getPartitionsForTopic(topic: string): Promise<number>;
  /**
   * Closes producers (flushing them), then consumers, then the connections; idempotent. With `timeoutMs`,
   * producers get that deadline (see CloseOptions), and once it has passed the connections are closed
   * whatever is still waiting on them.
   */
  close(options?: CloseOptions): Promise<void>;
}
