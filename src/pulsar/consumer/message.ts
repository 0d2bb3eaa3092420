// The messages and ids the consumer hands out. Ids remember the topic (partition) they came from, so an ack
// on a multi-topic consumer reaches the right partition consumer.
import { MessageRefusedError } from '../errors.ts';
import { PulsarMessageId } from '../message-id.ts';
import type { Message, MessageId } from '../types.ts';

export class ConsumerMessageId extends PulsarMessageId {
  /** Full name of the topic or partition the message came from. */
  readonly topic: string;

  constructor(
    topic: string,
    ledgerId: bigint,
    entryId: bigint,
    partition: number,
    batchIndex = -1,
    batchSize = 0,
  ) {
    super(ledgerId, entryId, partition, batchIndex, batchSize);
    this.topic = topic;
  }
}

export interface MessageFields {
  readonly messageId: ConsumerMessageId;
  readonly topic: string;
  readonly payload: Buffer;
  readonly key: string | undefined;
  readonly keyIsBase64: boolean;
  readonly orderingKey: Buffer | undefined;
  readonly properties: Readonly<Record<string, string>>;
  readonly eventTime: number | undefined;
  readonly publishTime: number;
  readonly redeliveryCount: number;
  readonly producerName: string;
  readonly sequenceId: bigint;
}

export class ConsumerMessage implements Message {
  readonly messageId: ConsumerMessageId;
  readonly topic: string;
  readonly payload: Buffer;
  readonly key: string | undefined;
  readonly keyIsBase64: boolean;
  readonly orderingKey: Buffer | undefined;
  readonly properties: Readonly<Record<string, string>>;
  readonly eventTime: number | undefined;
  readonly publishTime: number;
  readonly redeliveryCount: number;
  readonly producerName: string;
  readonly sequenceId: bigint;

  constructor(fields: MessageFields) {
    this.messageId = fields.messageId;
    this.topic = fields.topic;
    this.payload = fields.payload;
    this.key = fields.key;
    this.keyIsBase64 = fields.keyIsBase64;
    this.orderingKey = fields.orderingKey;
    this.properties = fields.properties;
    this.eventTime = fields.eventTime;
    this.publishTime = fields.publishTime;
    this.redeliveryCount = fields.redeliveryCount;
    this.producerName = fields.producerName;
    this.sequenceId = fields.sequenceId;
  }
}

/**
 * A message the consumer will not deliver as data (it is encrypted, and this client has no keys). It is
 * never acknowledged by the client: the application decides (nack it, or leave it for another consumer).
 */
export class EncryptedMessageError extends MessageRefusedError {
  readonly messageId: MessageId;
  readonly topic: string;

  constructor(topic: string, messageId: MessageId, keyNames: readonly string[]) {
    super(
      `message ${messageId.toString()} on ${topic} is encrypted (keys: ${keyNames.join(', ') || 'unnamed'}); ` +
        'pf-bash cannot decrypt messages, so it is refused and left unacknowledged',
    );
    this.messageId = messageId;
    this.topic = topic;
  }
}

export function isMessage(value: Message | MessageId): value is Message {
  return 'messageId' in value && typeof value.messageId === 'object';
}
