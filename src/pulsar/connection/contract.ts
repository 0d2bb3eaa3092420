// The internal contract between the connection layer and the producers/consumers built on it. Producers and
// consumers only ever see these interfaces, so they are unit-tested against a fake connection without a socket.

import type { Backoff } from '../backoff.ts';
import type {
  BaseCommand,
  BrokerEntryMetadata,
  CommandActiveConsumerChange,
  CommandCloseConsumer,
  CommandCloseProducer,
  CommandMessage,
  CommandReachedEndOfTopic,
  CommandSendError,
  CommandSendReceipt,
  MessageMetadata,
} from '../protocol/index.ts';
import type { Clock, Logger } from '../util/index.ts';

/** The payload part of an inbound MESSAGE frame, already cut and checksum-verified. */
export interface InboundPayload {
  /** Present when the broker prefixed broker-entry metadata (0x0e02). */
  brokerEntryMetadata: BrokerEntryMetadata | undefined;
  metadata: MessageMetadata;
  /** Payload as sent (still compressed, possibly a batch or a chunk). */
  payload: Uint8Array;
  /** False when the CRC32C did not match: the payload must never be delivered as data. */
  checksumValid: boolean;
}

/** Receives what the broker sends for one producer id. */
export interface ProducerHandler {
  onSendReceipt(command: CommandSendReceipt): void;
  onSendError(command: CommandSendError): void;
  /** The broker closed this producer (topic unloaded or moved): re-lookup and reconnect. */
  onCloseProducer(command: CommandCloseProducer): void;
  /** The connection this producer was on is gone; all its in-flight requests have been rejected. */
  onConnectionClosed(error: Error): void;
}

/** Receives what the broker sends for one consumer id. */
export interface ConsumerHandler {
  onMessage(command: CommandMessage, payload: InboundPayload): void;
  onActiveConsumerChange(command: CommandActiveConsumerChange): void;
  /** The broker closed this consumer (topic unloaded or moved): re-lookup and resubscribe. */
  onCloseConsumer(command: CommandCloseConsumer): void;
  onReachedEndOfTopic(command: CommandReachedEndOfTopic): void;
  onConnectionClosed(error: Error): void;
}

/** One live, handshaken connection to a broker. */
export interface Connection {
  /** `host:port` of the broker that owns the topics this connection serves (the logical address). */
  readonly logicalAddress: string;
  /** Largest message payload the broker accepts (CONNECTED.max_message_size). */
  readonly maxMessageSize: number;
  readonly protocolVersion: number;
  readonly isClosed: boolean;
  /**
   * Sends a command that expects an answer. `build` gets a fresh request id to put in the command. Resolves
   * with the answer (SUCCESS, PRODUCER_SUCCESS, LOOKUP_RESPONSE, …); rejects with ServerError on ERROR or an
   * error answer, TimeoutError after timeoutMs (default: the client's operation timeout), ConnectionError
   * when the connection closes first.
   */
  request(build: (requestId: bigint) => BaseCommand, timeoutMs?: number): Promise<BaseCommand>;
  /** Sends a command that has no answer (FLOW, ACK, REDELIVER_UNACKNOWLEDGED_MESSAGES, …). */
  send(command: BaseCommand): void;
  /** Sends a payload command (SEND). Returns false when the socket's buffer is over its high-water mark. */
  sendPayload(command: BaseCommand, metadata: MessageMetadata, payload: Uint8Array): boolean;
  /** Resolves when the socket buffer has drained below its high-water mark (or at once). */
  waitWritable(): Promise<void>;
  registerProducer(producerId: bigint, handler: ProducerHandler): void;
  unregisterProducer(producerId: bigint): void;
  registerConsumer(consumerId: bigint, handler: ConsumerHandler): void;
  unregisterConsumer(consumerId: bigint): void;
  /** Closes the socket; registered handlers get onConnectionClosed. */
  close(): void;
}

/** What the client gives each producer and consumer: lookup + pooled connections, ids, time, logs. */
export interface ClientContext {
  /** Looks the topic up (following redirects) and returns the pooled connection to its owner broker. */
  connectionForTopic(topic: string): Promise<Connection>;
  /** 0 for a non-partitioned topic, else the number of partitions. */
  partitionedMetadata(topic: string): Promise<number>;
  /** Topics of a namespace (for pattern subscriptions), full names, persistent ones. */
  topicsOfNamespace(namespace: string): Promise<string[]>;
  newProducerId(): bigint;
  newConsumerId(): bigint;
  /** A fresh reconnect policy: 100 ms doubling to 60 s, with jitter. */
  newBackoff(): Backoff;
  readonly operationTimeoutMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
}
